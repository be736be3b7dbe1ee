//! A registry layer packed into one byte buffer: fixed-size record entries, a per-port index and a
//! case-insensitive name index. `build.rs` packs the bundled registry at compile time so that loading it
//! costs nothing at run time; layers read at run time are packed by the same code.
//!
//! Layout (integers little-endian):
//! ```text
//! header   magic "PTL1", records, port ids, names, text bytes          (5 × u32)
//! entries  records × { text offset u32, start u16, end u16, proto u8, flags u8, pad u16 }, end offset u32
//! ports    port ids × { port u16, pad u16, record u32 }, sorted by port then record (a range
//!          appears once per port it covers)
//! names    names × { text offset u32, length u32, record u32 }, sorted by lowercased name
//! text     each record's fields joined by U+001F
//! ```

use std::borrow::Cow;
use std::cmp::Ordering;

use super::model::{PortSpan, Protocol, RecordBuf};

/// Separates the text fields of one record.
pub const FIELD_SEP: char = '\u{1f}';
/// Number of text fields per record (see `RecordBuf::text_fields`).
pub const FIELDS: usize = 12;
const ALIASES_FIELD: usize = 11;

const MAGIC: &[u8; 4] = b"PTL1";
const HEADER: usize = 20;
const ENTRY: usize = 12;
const PORT: usize = 8;
const NAME: usize = 12;
const HAS_PORTS: u8 = 1;

/// Why bytes could not be read as a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorruptTable(pub &'static str);

/// One packed layer of records.
#[derive(Debug, Clone)]
pub struct Table {
    bytes: Cow<'static, [u8]>,
    /// The text section, checked as UTF-8 once when the table is read (a copy for owned tables), so
    /// that reading a field is a slice and not a validation.
    text: Cow<'static, str>,
    records: usize,
    port_ids: usize,
    names: usize,
}

/// The fixed part of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub ports: Option<PortSpan>,
    pub protocol: Option<Protocol>,
}

impl Table {
    /// Packs records into the table layout.
    pub fn build(records: &[RecordBuf]) -> Table {
        Table::from_bytes(Cow::Owned(pack(records))).unwrap_or_else(|_| Table::empty())
    }

    pub fn empty() -> Table {
        Table::from_bytes(Cow::Owned(pack(&[]))).unwrap_or(Table {
            bytes: Cow::Borrowed(&[]),
            text: Cow::Borrowed(""),
            records: 0,
            port_ids: 0,
            names: 0,
        })
    }

    /// Reads a packed table, checking that every section lies inside the buffer.
    pub fn from_bytes(bytes: Cow<'static, [u8]>) -> Result<Table, CorruptTable> {
        if bytes.len() < HEADER || &bytes[..4] != MAGIC {
            return Err(CorruptTable("bad header"));
        }
        let word = |i: usize| read_u32(&bytes, 4 + 4 * i) as usize;
        let (records, port_ids, names, text) = (word(0), word(1), word(2), word(3));
        let expected = HEADER
            .checked_add(records.checked_mul(ENTRY).ok_or(CorruptTable("size"))?)
            .and_then(|n| n.checked_add(4))
            .and_then(|n| n.checked_add(port_ids.checked_mul(PORT)?))
            .and_then(|n| n.checked_add(names.checked_mul(NAME)?))
            .and_then(|n| n.checked_add(text))
            .ok_or(CorruptTable("size"))?;
        if expected != bytes.len() {
            return Err(CorruptTable("section sizes do not add up"));
        }
        let text_at = expected - text;
        let not_utf8 = |_| CorruptTable("text is not UTF-8");
        let text = match &bytes {
            Cow::Borrowed(b) => Cow::Borrowed(std::str::from_utf8(&b[text_at..]).map_err(not_utf8)?),
            Cow::Owned(b) => Cow::Owned(std::str::from_utf8(&b[text_at..]).map_err(not_utf8)?.to_owned()),
        };
        Ok(Table { bytes, text, records, port_ids, names })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn len(&self) -> usize {
        self.records
    }

    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    fn ports_at(&self) -> usize {
        HEADER + self.records * ENTRY + 4
    }
    fn names_at(&self) -> usize {
        self.ports_at() + PORT * self.port_ids
    }

    pub fn entry(&self, record: u32) -> Entry {
        let at = HEADER + record as usize * ENTRY;
        if record as usize >= self.records {
            return Entry { ports: None, protocol: None };
        }
        let start = read_u16(&self.bytes, at + 4);
        let end = read_u16(&self.bytes, at + 6);
        let proto = self.bytes.get(at + 8).copied().unwrap_or(0);
        let flags = self.bytes.get(at + 9).copied().unwrap_or(0);
        Entry {
            ports: if flags & HAS_PORTS != 0 { PortSpan::new(start, end) } else { None },
            protocol: Protocol::from_code(proto),
        }
    }

    /// The record's text fields, in `RecordBuf::text_fields` order.
    pub fn fields(&self, record: u32) -> [&str; FIELDS] {
        let mut out = [""; FIELDS];
        if record as usize >= self.records {
            return out;
        }
        let at = HEADER + record as usize * ENTRY;
        let from = read_u32(&self.bytes, at) as usize;
        let to = read_u32(&self.bytes, at + ENTRY) as usize;
        let text = self.text(from, to);
        for (slot, field) in out.iter_mut().zip(text.split(FIELD_SEP)) {
            *slot = field;
        }
        out
    }

    /// Service, description and aliases alone (the first two fields and the last), without splitting
    /// or validating the nine between: search reads these for every record at start-up.
    pub fn search_fields(&self, record: u32) -> [&str; 3] {
        if record as usize >= self.records {
            return [""; 3];
        }
        let at = HEADER + record as usize * ENTRY;
        let text = self.text(read_u32(&self.bytes, at) as usize, read_u32(&self.bytes, at + ENTRY) as usize);
        let mut parts = text.splitn(3, FIELD_SEP);
        let service = parts.next().unwrap_or("");
        let description = parts.next().unwrap_or("");
        // Aliases are the last field; a record always holds FIELDS - 1 separators (see `pack`).
        let aliases = text.rsplit_once(FIELD_SEP).map_or("", |(_, last)| last);
        [service, description, aliases]
    }

    fn text(&self, from: usize, to: usize) -> &str {
        self.text.get(from..to).unwrap_or("")
    }

    /// Records whose port span covers `port`, in table order.
    pub fn at_port(&self, port: u16) -> impl Iterator<Item = u32> + '_ {
        let port_of = |i: usize| read_u16(&self.bytes, self.ports_at() + PORT * i);
        let (mut lo, mut hi) = (0, self.port_ids);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if port_of(mid) < port {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo..self.port_ids)
            .take_while(move |&i| port_of(i) == port)
            .map(move |i| read_u32(&self.bytes, self.ports_at() + PORT * i + 4))
    }

    /// Records named `name`, or (with `prefix`) with a name starting with it, compared
    /// case-insensitively, in name order.
    pub fn names_matching(&self, name: &str, prefix: bool) -> impl Iterator<Item = u32> + '_ {
        let lo = self.first_name_from(name);
        let name = name.to_owned();
        (lo..self.names)
            .map(move |i| self.name_key(i))
            .take_while(move |(n, _)| {
                if prefix {
                    starts_with_ignore_case(n, &name)
                } else {
                    cmp_ignore_case(n, &name) == Ordering::Equal
                }
            })
            .map(|(_, record)| record)
    }

    /// First index of the name index whose name is not below `name`.
    fn first_name_from(&self, name: &str) -> usize {
        let (mut lo, mut hi) = (0, self.names);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if cmp_ignore_case(self.name_key(mid).0, name) == Ordering::Less {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    fn name_key(&self, i: usize) -> (&str, u32) {
        let at = self.names_at() + NAME * i;
        let off = read_u32(&self.bytes, at) as usize;
        let len = read_u32(&self.bytes, at + 4) as usize;
        (self.text(off, off + len), read_u32(&self.bytes, at + 8))
    }
}

/// Orders names as their ASCII-lowercased forms, without allocating.
pub fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    let a = a.bytes().map(|c| c.to_ascii_lowercase());
    let b = b.bytes().map(|c| c.to_ascii_lowercase());
    a.cmp(b)
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).map_or(0, u32::from_le_bytes)
}

fn read_u16(bytes: &[u8], at: usize) -> u16 {
    bytes.get(at..at + 2).and_then(|b| b.try_into().ok()).map_or(0, u16::from_le_bytes)
}

/// Field text with the separator removed, so a field can never split in two.
fn clean_field(field: &str) -> Cow<'_, str> {
    if field.contains(FIELD_SEP) { Cow::Owned(field.replace(FIELD_SEP, " ")) } else { Cow::Borrowed(field) }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn pack(records: &[RecordBuf]) -> Vec<u8> {
    let mut text = String::new();
    let mut offsets = Vec::with_capacity(records.len() + 1);
    // (name offset, name length, record)
    let mut names: Vec<(u32, u32, u32)> = Vec::new();
    for (i, record) in records.iter().enumerate() {
        offsets.push(to_u32(text.len()));
        for (f, field) in record.text_fields().into_iter().enumerate() {
            if f > 0 {
                text.push(FIELD_SEP);
            }
            let field_at = text.len();
            text.push_str(&clean_field(field));
            let field_text = &text[field_at..];
            if f == 0 && !field_text.is_empty() {
                names.push((to_u32(field_at), to_u32(field_text.len()), to_u32(i)));
            }
            if f == ALIASES_FIELD {
                let mut pos = field_at;
                for word in text[field_at..].split(' ') {
                    if !word.is_empty() {
                        names.push((to_u32(pos), to_u32(word.len()), to_u32(i)));
                    }
                    pos += word.len() + 1;
                }
            }
        }
    }
    offsets.push(to_u32(text.len()));
    names.sort_by(|a, b| {
        let name = |n: &(u32, u32, u32)| &text[n.0 as usize..(n.0 + n.1) as usize];
        cmp_ignore_case(name(a), name(b)).then(a.2.cmp(&b.2))
    });

    let mut ports: Vec<(u16, u32)> = Vec::new();
    for (i, record) in records.iter().enumerate() {
        if let Some(span) = record.ports {
            ports.extend((span.start..=span.end).map(|port| (port, to_u32(i))));
        }
    }
    ports.sort_unstable();

    let mut out = Vec::with_capacity(
        HEADER + records.len() * ENTRY + 4 + PORT * ports.len() + NAME * names.len() + text.len(),
    );
    out.extend_from_slice(MAGIC);
    for n in [records.len(), ports.len(), names.len(), text.len()] {
        out.extend_from_slice(&to_u32(n).to_le_bytes());
    }
    for (record, offset) in records.iter().zip(&offsets) {
        let span = record.ports.unwrap_or(PortSpan::single(0));
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&span.start.to_le_bytes());
        out.extend_from_slice(&span.end.to_le_bytes());
        out.push(Protocol::code(record.protocol));
        out.push(if record.ports.is_some() { HAS_PORTS } else { 0 });
        out.extend_from_slice(&[0, 0]);
    }
    out.extend_from_slice(&offsets[records.len()].to_le_bytes());
    for (port, record) in &ports {
        out.extend_from_slice(&port.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&record.to_le_bytes());
    }
    for (off, len, record) in &names {
        out.extend_from_slice(&off.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&record.to_le_bytes());
    }
    out.extend_from_slice(text.as_bytes());
    out
}
