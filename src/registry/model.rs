//! The plain data of the registry: protocols, port spans and an owned record as the parsers produce it.
//! Kept free of crate dependencies so that `build.rs` can compile it too and embed a prebuilt table.

use std::fmt;
use std::str::FromStr;

/// A transport protocol IANA assigns ports for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
    Dccp,
}

impl Protocol {
    pub const ALL: [Protocol; 4] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp, Protocol::Dccp];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
            Protocol::Dccp => "dccp",
        }
    }

    /// Compact code used by the binary table: 0 means "no protocol".
    pub fn code(proto: Option<Protocol>) -> u8 {
        match proto {
            None => 0,
            Some(Protocol::Tcp) => 1,
            Some(Protocol::Udp) => 2,
            Some(Protocol::Sctp) => 3,
            Some(Protocol::Dccp) => 4,
        }
    }

    pub fn from_code(code: u8) -> Option<Protocol> {
        match code {
            1 => Some(Protocol::Tcp),
            2 => Some(Protocol::Udp),
            3 => Some(Protocol::Sctp),
            4 => Some(Protocol::Dccp),
            _ => None,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Protocol {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Protocol::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown protocol '{s}' (expected tcp, udp, sctp or dccp)"))
    }
}

/// An inclusive span of ports: a single port has `start == end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortSpan {
    pub start: u16,
    pub end: u16,
}

impl PortSpan {
    pub fn single(port: u16) -> Self {
        PortSpan { start: port, end: port }
    }

    /// A span from its bounds, `None` when they are reversed.
    pub fn new(start: u16, end: u16) -> Option<Self> {
        (start <= end).then_some(PortSpan { start, end })
    }

    pub fn contains(self, port: u16) -> bool {
        (self.start..=self.end).contains(&port)
    }

    pub fn overlaps(self, other: PortSpan) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    pub fn is_single(self) -> bool {
        self.start == self.end
    }

    /// How many ports the span covers (never zero).
    pub fn count(self) -> u32 {
        u32::from(self.end) - u32::from(self.start) + 1
    }
}

impl fmt::Display for PortSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_single() { write!(f, "{}", self.start) } else { write!(f, "{}-{}", self.start, self.end) }
    }
}

impl FromStr for PortSpan {
    type Err = String;

    /// Parses `80` or `6000-6063` (also with an en dash); ports must lie in 0–65535.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (a, b) = match s.split_once(['-', '–']) {
            Some((a, b)) => (a.trim(), Some(b.trim())),
            None => (s, None),
        };
        let start = parse_port(a)?;
        let Some(b) = b else {
            return Ok(PortSpan::single(start));
        };
        let end = parse_port(b)?;
        PortSpan::new(start, end).ok_or_else(|| format!("range '{s}' is reversed: {start} is above {end}"))
    }
}

fn parse_port(s: &str) -> Result<u16, String> {
    if s.is_empty() {
        return Err("empty port number".to_owned());
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{s}' is not a port number"));
    }
    s.parse::<u16>().map_err(|_| format!("port {s} is out of range (ports are 0-65535)"))
}

/// One registry row as parsed, before it is packed into a table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordBuf {
    pub service: String,
    pub ports: Option<PortSpan>,
    pub protocol: Option<Protocol>,
    pub description: String,
    pub assignee: String,
    pub contact: String,
    pub registered: String,
    pub modified: String,
    pub reference: String,
    pub service_code: String,
    pub unauthorized_use: String,
    pub notes: String,
    /// Category of a curated common-use entry (web, database, …); empty elsewhere.
    pub category: String,
    /// Other names the same service goes by in this layer (`/etc/services` aliases).
    pub aliases: String,
}

impl RecordBuf {
    /// The text fields in table order; `Record` reads them back in the same order.
    pub fn text_fields(&self) -> [&str; 12] {
        [
            &self.service,
            &self.description,
            &self.assignee,
            &self.contact,
            &self.registered,
            &self.modified,
            &self.reference,
            &self.service_code,
            &self.unauthorized_use,
            &self.notes,
            &self.category,
            &self.aliases,
        ]
    }
}
