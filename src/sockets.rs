//! Live sockets: the model every frontend reads (CLI tables, `--json`, the TUI), the `SocketSource`
//! seam behind which each operating system's collector sits, and snapshot diffing.

use std::net::IpAddr;

use serde::{Serialize, Serializer};

use crate::registry::{PortRange, Protocol};

/// Address family of a socket; IPv4-mapped IPv6 sockets are reported as IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Family {
    #[serde(rename = "ipv4")]
    V4,
    #[serde(rename = "ipv6")]
    V6,
}

/// Kernel socket states (TCP's, plus `Unconn` for UDP sockets with no peer: never "LISTEN").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SocketState {
    Listen,
    Established,
    SynSent,
    SynRecv,
    FinWait1,
    FinWait2,
    TimeWait,
    Close,
    CloseWait,
    LastAck,
    Closing,
    NewSynRecv,
    Unconn,
}

impl SocketState {
    pub const ALL: [SocketState; 13] = [
        SocketState::Listen,
        SocketState::Established,
        SocketState::SynSent,
        SocketState::SynRecv,
        SocketState::FinWait1,
        SocketState::FinWait2,
        SocketState::TimeWait,
        SocketState::Close,
        SocketState::CloseWait,
        SocketState::LastAck,
        SocketState::Closing,
        SocketState::NewSynRecv,
        SocketState::Unconn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SocketState::Listen => "LISTEN",
            SocketState::Established => "ESTABLISHED",
            SocketState::SynSent => "SYN_SENT",
            SocketState::SynRecv => "SYN_RECV",
            SocketState::FinWait1 => "FIN_WAIT1",
            SocketState::FinWait2 => "FIN_WAIT2",
            SocketState::TimeWait => "TIME_WAIT",
            SocketState::Close => "CLOSE",
            SocketState::CloseWait => "CLOSE_WAIT",
            SocketState::LastAck => "LAST_ACK",
            SocketState::Closing => "CLOSING",
            SocketState::NewSynRecv => "NEW_SYN_RECV",
            SocketState::Unconn => "UNCONN",
        }
    }

    /// The kernel's TCP state number (`include/net/tcp_states.h`).
    pub fn from_kernel(code: u8) -> Option<SocketState> {
        Some(match code {
            1 => SocketState::Established,
            2 => SocketState::SynSent,
            3 => SocketState::SynRecv,
            4 => SocketState::FinWait1,
            5 => SocketState::FinWait2,
            6 => SocketState::TimeWait,
            7 => SocketState::Close,
            8 => SocketState::CloseWait,
            9 => SocketState::LastAck,
            10 => SocketState::Listen,
            11 => SocketState::Closing,
            12 => SocketState::NewSynRecv,
            _ => return None,
        })
    }

    /// A server waiting for peers: TCP listening or UDP unconnected.
    pub fn is_listening(self) -> bool {
        matches!(self, SocketState::Listen | SocketState::Unconn)
    }
}

impl std::str::FromStr for SocketState {
    type Err = String;

    /// Accepts the names above in any case, with `-` or `_`, and `estab` as ss spells it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_uppercase().replace('-', "_");
        if norm == "ESTAB" {
            return Ok(SocketState::Established);
        }
        SocketState::ALL.into_iter().find(|st| st.as_str() == norm).ok_or_else(|| {
            format!("unknown state '{s}' (one of {})", SocketState::ALL.map(SocketState::as_str).join(", "))
        })
    }
}

impl Serialize for SocketState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One end of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Endpoint {
    pub addr: IpAddr,
    pub port: u16,
}

impl Endpoint {
    pub fn range(self) -> PortRange {
        PortRange::of(self.port)
    }

    /// True for the all-zero address and port of an unconnected peer.
    pub fn is_unspecified(self) -> bool {
        self.port == 0 && self.addr.is_unspecified()
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.addr {
            IpAddr::V4(a) => write!(f, "{a}:{}", self.port),
            IpAddr::V6(a) => write!(f, "[{a}]:{}", self.port),
        }
    }
}

/// A process holding a socket. Strings are raw from `/proc`: sanitize before display.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Owner {
    pub pid: u32,
    /// The executable's name (`/proc/<pid>/exe` basename, else `comm`), not a thread's name.
    pub process: String,
    /// The command line, arguments joined by spaces.
    pub command: String,
}

/// One socket, as a snapshot sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Socket {
    pub protocol: Protocol,
    pub family: Family,
    pub state: SocketState,
    pub local: Endpoint,
    pub remote: Endpoint,
    pub uid: u32,
    /// The user name of `uid`, when the system knows it.
    pub user: Option<String>,
    pub inode: u64,
    /// Every process holding the socket (forked servers share one).
    pub owners: Vec<Owner>,
    /// False when the owners could not be seen (another user's process, without privileges).
    pub owners_visible: bool,
    /// Registered service of the server-side port, and that port.
    pub service: Option<String>,
    pub service_port: Option<u16>,
}

/// Identity of a socket across snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocketKey {
    pub protocol: Protocol,
    pub local: Endpoint,
    pub remote: Endpoint,
    pub inode: u64,
}

impl Socket {
    pub fn key(&self) -> SocketKey {
        SocketKey { protocol: self.protocol, local: self.local, remote: self.remote, inode: self.inode }
    }
}

impl Serialize for Socket {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Socket", 17)?;
        st.serialize_field("protocol", self.protocol.as_str())?;
        st.serialize_field("family", &self.family)?;
        st.serialize_field("state", &self.state)?;
        st.serialize_field("local_addr", &self.local.addr)?;
        st.serialize_field("local_port", &self.local.port)?;
        st.serialize_field("remote_addr", &self.remote.addr)?;
        st.serialize_field("remote_port", &self.remote.port)?;
        st.serialize_field("uid", &self.uid)?;
        st.serialize_field("user", &self.user)?;
        st.serialize_field("inode", &self.inode)?;
        st.serialize_field("owners", &self.owners)?;
        st.serialize_field("owners_visible", &self.owners_visible)?;
        st.serialize_field("service", &self.service)?;
        st.serialize_field("service_port", &self.service_port)?;
        st.serialize_field("local_range", &self.local.range())?;
        st.serialize_field("remote_range", &(!self.remote.is_unspecified()).then(|| self.remote.range()))?;
        st.end()
    }
}

/// Everything one collection saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub sockets: Vec<Socket>,
    /// True when some sockets' owners could not be seen for lack of privileges.
    pub owners_hidden: bool,
}
