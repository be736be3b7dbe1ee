//! Live sockets: the model every frontend reads (CLI tables, `--json`, the TUI), the `SocketSource`
//! seam behind which each operating system's collector sits, and snapshot diffing.

#[cfg(target_os = "linux")]
pub mod linux;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Serialize, Serializer};

use crate::registry::{PortRange, PortSpan, Protocol, Registry};
use crate::system::PortSettings;

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
    pub process: Arc<str>,
    /// The command line, arguments joined by spaces.
    pub command: Arc<str>,
}

/// The widest process name human output shows: a file name can hold 255 bytes, and one that long
/// would push every other column of a table off the screen.
pub const PROCESS_NAME_WIDTH: usize = 40;

impl Owner {
    /// The process name as people see it: sanitized, clipped to `PROCESS_NAME_WIDTH` columns.
    pub fn name(&self) -> String {
        crate::sanitize::clip(&crate::sanitize::clean(&self.process), PROCESS_NAME_WIDTH).into_owned()
    }

    /// `pid/name`, how tables and the detail name an owner.
    pub fn label(&self) -> String {
        format!("{}/{}", self.pid, self.name())
    }
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
    /// The user name of `uid`, when the system knows it (shared by all the user's sockets).
    pub user: Option<Arc<str>>,
    pub inode: u64,
    /// Every process holding the socket (forked servers share one). The list is shared by every
    /// socket the same processes hold: a snapshot of 50k sockets holds each command line once,
    /// and copying a socket allocates nothing.
    pub owners: Arc<[Owner]>,
    /// False when the owners could not be seen (another user's process, without privileges).
    pub owners_visible: bool,
    /// Registered service of the server-side port, and that port.
    pub service: Option<Arc<str>>,
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
        self.serialize_with_owners(s, &self.owners)
    }
}

impl Socket {
    /// The JSON object of the socket, with `owners` given (as is, or already serialized).
    fn serialize_with_owners<S: Serializer, O: Serialize + ?Sized>(
        &self,
        s: S,
        owners: &O,
    ) -> Result<S::Ok, S::Error> {
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
        st.serialize_field("owners", owners)?;
        st.serialize_field("owners_visible", &self.owners_visible)?;
        st.serialize_field("service", &self.service)?;
        st.serialize_field("service_port", &self.service_port)?;
        st.serialize_field("local_range", &self.local.range())?;
        st.serialize_field("remote_range", &(!self.remote.is_unspecified()).then(|| self.remote.range()))?;
        st.end()
    }
}

/// Writes `sockets` as one compact JSON array, as `serde_json::to_writer` would and made safe for a
/// terminal (`sanitize::json`), but escaping each process's owner list once: a server holding 10k
/// sockets has its command line serialized once, not 10k times.
pub fn write_json(out: &mut dyn std::io::Write, sockets: &[&Socket]) -> std::io::Result<()> {
    use std::collections::hash_map::Entry;
    let mut cache: FxHashMap<*const Owner, Box<serde_json::value::RawValue>> = FxHashMap::default();
    // Serialized into a local buffer (small writes inline) and handed on in large pieces.
    let mut buf = Vec::with_capacity(128 * 1024);
    buf.push(b'[');
    for (i, socket) in sockets.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        let mut ser = serde_json::Serializer::new(&mut buf);
        if socket.owners.is_empty() {
            socket.serialize(&mut ser)?;
        } else {
            let raw = match cache.entry(socket.owners.as_ptr()) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(serde_json::value::to_raw_value(&socket.owners)?),
            };
            socket.serialize_with_owners(&mut ser, &**raw)?;
        }
        if buf.len() >= 96 * 1024 {
            // Whole sockets only, so the piece is whole UTF-8 for the sanitizer.
            out.write_all(&crate::sanitize::json(&buf))?;
            buf.clear();
        }
    }
    buf.push(b']');
    out.write_all(&crate::sanitize::json(&buf))
}

/// Everything one collection saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub sockets: Vec<Socket>,
    /// True when some sockets' owners could not be seen for lack of privileges.
    pub owners_hidden: bool,
}

impl Snapshot {
    /// Listening sockets first (by port), then connections by local port, remote and state: the
    /// order a person scans a table in.
    pub fn sort_for_display(&mut self) {
        let key =
            |s: &Socket| (!s.is_server(), s.local.port, s.protocol, s.local.addr, s.remote, s.state, s.inode);
        // No two sockets share a whole key, so an unstable sort gives the one order.
        self.sockets.sort_unstable_by_key(key);
    }
}

impl Socket {
    /// A listening TCP socket or an unconnected UDP one: a server waiting for peers.
    pub fn is_server(&self) -> bool {
        self.state.is_listening() && self.remote.is_unspecified()
    }
}

/// Why sockets could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SocketError {
    #[error("netlink sock_diag failed: {0}")]
    Netlink(String),
    #[error("reading /proc failed: {0}")]
    Proc(String),
    #[error("live sockets are unavailable on this system: {0}")]
    Unsupported(String),
}

/// Where snapshots come from: the kernel, or a fake in tests and demos.
pub trait SocketSource: Send {
    fn collect(&mut self) -> Result<Snapshot, SocketError>;

    /// The sockets `keep` accepts (given protocol, local and remote end), owners included, with
    /// services decided as in a whole snapshot. A source that can skip work for the others
    /// overrides this: Linux reads no process's fds when nothing is kept.
    fn collect_where(
        &mut self,
        keep: &dyn Fn(Protocol, Endpoint, Endpoint) -> bool,
    ) -> Result<Snapshot, SocketError> {
        let mut snapshot = self.collect()?;
        snapshot.sockets.retain(|s| keep(s.protocol, s.local, s.remote));
        Ok(snapshot)
    }
}

/// The real collector of this operating system; an error where there is none (the rest of
/// portolan works without it).
pub fn system_source(registry: Arc<Registry>) -> Result<Box<dyn SocketSource>, SocketError> {
    #[cfg(target_os = "linux")]
    {
        Ok(Box::new(linux::LinuxSource::new(registry)?))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = registry;
        Err(SocketError::Unsupported(format!("no socket collector for {}", std::env::consts::OS)))
    }
}

/// Hands out the given snapshots in turn, forever (an empty list gives empty snapshots).
pub struct FakeSource {
    snapshots: Vec<Snapshot>,
    next: usize,
}

impl FakeSource {
    pub fn new(snapshots: Vec<Snapshot>) -> Self {
        FakeSource { snapshots, next: 0 }
    }
}

impl SocketSource for FakeSource {
    fn collect(&mut self) -> Result<Snapshot, SocketError> {
        let snapshot = self.snapshots.get(self.next).cloned().unwrap_or_default();
        self.next = (self.next + 1) % self.snapshots.len().max(1);
        Ok(snapshot)
    }
}

/// One collection and how it differs from the previous one. The first update of a collector has
/// nothing to differ from: `added` and `closed` are empty.
#[derive(Debug, Clone)]
pub struct Update {
    pub snapshot: Snapshot,
    pub added: Vec<SocketKey>,
    pub closed: Vec<Socket>,
    pub took: Duration,
}

/// Sockets in `new` that were not in `old`, and sockets of `old` gone from `new`.
pub fn diff(old: &Snapshot, new: &Snapshot) -> (Vec<SocketKey>, Vec<Socket>) {
    let old_keys = KeySet::of(old);
    let new_keys = KeySet::of(new);
    (old_keys.added_in(new), new_keys.closed_from(old))
}

/// The identities of one snapshot's sockets, kept by the collector for the next diff. A live
/// socket is known by its inode (unique while it exists, kept across state changes); only the
/// inode-less ones (`TIME_WAIT`) need their whole key compared.
#[derive(Debug, Default)]
struct KeySet {
    inodes: FxHashSet<u64>,
    others: FxHashSet<SocketKey>,
}

impl KeySet {
    fn of(snapshot: &Snapshot) -> KeySet {
        let mut set = KeySet::default();
        set.inodes.reserve(snapshot.sockets.len());
        for s in &snapshot.sockets {
            if s.inode == 0 {
                set.others.insert(s.key());
            } else {
                set.inodes.insert(s.inode);
            }
        }
        set
    }

    fn contains(&self, s: &Socket) -> bool {
        if s.inode == 0 { self.others.contains(&s.key()) } else { self.inodes.contains(&s.inode) }
    }

    /// Keys of `new` that this (older) set lacks.
    fn added_in(&self, new: &Snapshot) -> Vec<SocketKey> {
        new.sockets.iter().filter(|s| !self.contains(s)).map(Socket::key).collect()
    }

    /// Sockets of `old` that this (newer) set lacks.
    fn closed_from(&self, old: &Snapshot) -> Vec<Socket> {
        old.sockets.iter().filter(|s| !self.contains(s)).cloned().collect()
    }
}

#[derive(Debug)]
struct Control {
    interval: Duration,
    paused: bool,
    refresh: bool,
    stop: bool,
}

type Shared = Arc<(Mutex<Control>, Condvar)>;

fn lock(shared: &Shared) -> MutexGuard<'_, Control> {
    shared.0.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs a `SocketSource` on its own thread and hands each `Update` to a sink.
pub struct Collector {
    shared: Shared,
    handle: Option<JoinHandle<()>>,
}

impl Collector {
    /// Runs `source` on its own thread, calling `sink` with each Update (first immediately, then
    /// every `interval`); stops when `sink` returns false or `stop` is called.
    pub fn spawn(
        mut source: Box<dyn SocketSource>,
        interval: Duration,
        mut sink: impl FnMut(Result<Update, SocketError>) -> bool + Send + 'static,
    ) -> Collector {
        let shared: Shared = Arc::new((
            Mutex::new(Control { interval, paused: false, refresh: false, stop: false }),
            Condvar::new(),
        ));
        let theirs = Arc::clone(&shared);
        let handle = std::thread::spawn(move || {
            // The previous snapshot (copying one shares its strings and owner lists) and its keys.
            let mut previous: Option<(Snapshot, KeySet)> = None;
            loop {
                let started = Instant::now();
                let result = source.collect().map(|snapshot| {
                    let keys = KeySet::of(&snapshot);
                    let (added, closed) = previous
                        .as_ref()
                        .map(|(old, old_keys)| (old_keys.added_in(&snapshot), keys.closed_from(old)))
                        .unwrap_or_default();
                    previous = Some((snapshot.clone(), keys));
                    Update { snapshot, added, closed, took: started.elapsed() }
                });
                if lock(&theirs).stop || !sink(result) {
                    return;
                }
                if !wait_for_next(&theirs, started) {
                    return;
                }
            }
        });
        Collector { shared, handle: Some(handle) }
    }

    pub fn set_interval(&self, interval: Duration) {
        lock(&self.shared).interval = interval;
        self.shared.1.notify_all();
    }

    /// While paused no collection runs; `refresh_now` still takes one.
    pub fn set_paused(&self, paused: bool) {
        lock(&self.shared).paused = paused;
        self.shared.1.notify_all();
    }

    pub fn refresh_now(&self) {
        lock(&self.shared).refresh = true;
        self.shared.1.notify_all();
    }

    /// Stops the thread and waits for it: at most the collection in progress.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        lock(&self.shared).stop = true;
        self.shared.1.notify_all();
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Sleeps until the next collection is due, a refresh is asked for, or stop (then false).
fn wait_for_next(shared: &Shared, last: Instant) -> bool {
    let mut control = lock(shared);
    loop {
        if control.stop {
            return false;
        }
        if control.refresh {
            control.refresh = false;
            return true;
        }
        let due = last + control.interval;
        let now = Instant::now();
        if !control.paused && now >= due {
            return true;
        }
        let wait = if control.paused { Duration::from_hours(1) } else { due - now };
        control = shared.1.wait_timeout(control, wait).unwrap_or_else(PoisonError::into_inner).0;
    }
}

/// A set of ports as a bitmap.
#[derive(Clone)]
pub struct PortSet(Box<[u64; 1024]>);

impl Default for PortSet {
    fn default() -> Self {
        PortSet(Box::new([0; 1024]))
    }
}

impl std::fmt::Debug for PortSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PortSet({} ports)", self.0.iter().map(|w| w.count_ones()).sum::<u32>())
    }
}

impl PortSet {
    pub fn insert(&mut self, port: u16) {
        self.0[usize::from(port >> 6)] |= 1 << (port & 63);
    }

    pub fn contains(&self, port: u16) -> bool {
        self.0[usize::from(port >> 6)] & (1 << (port & 63)) != 0
    }
}

/// Decides the server side of each socket and names its service, with the machine's listening
/// ports and ephemeral range as evidence; service names are looked up once per port.
pub struct Annotator<'a> {
    registry: &'a Registry,
    ephemeral: Option<PortSpan>,
    listening_tcp: PortSet,
    listening_udp: PortSet,
    names: HashMap<(u16, Protocol), Option<Arc<str>>>,
}

impl<'a> Annotator<'a> {
    /// `sockets` tells which ports listen on this machine.
    pub fn new(registry: &'a Registry, settings: &PortSettings, sockets: &[Socket]) -> Annotator<'a> {
        let servers = sockets.iter().filter(|s| s.is_server()).map(|s| (s.protocol, s.local.port));
        Annotator::with_servers(registry, settings, servers)
    }

    /// `servers` are the (protocol, port) pairs listening on this machine.
    pub fn with_servers(
        registry: &'a Registry,
        settings: &PortSettings,
        servers: impl Iterator<Item = (Protocol, u16)>,
    ) -> Annotator<'a> {
        let mut a = Annotator {
            registry,
            ephemeral: settings.ephemeral,
            listening_tcp: PortSet::default(),
            listening_udp: PortSet::default(),
            names: HashMap::new(),
        };
        for (protocol, port) in servers {
            match protocol {
                Protocol::Udp => a.listening_udp.insert(port),
                _ => a.listening_tcp.insert(port),
            }
        }
        a
    }

    fn listening(&self, protocol: Protocol, port: u16) -> bool {
        match protocol {
            Protocol::Udp => self.listening_udp.contains(port),
            _ => self.listening_tcp.contains(port),
        }
    }

    /// Ports a client would have been given: the kernel's ephemeral range, or IANA's dynamic one.
    pub fn is_ephemeral(&self, port: u16) -> bool {
        self.ephemeral.is_some_and(|e| e.contains(port)) || PortRange::of(port) == PortRange::Dynamic
    }

    /// The server-side port: a listener's own port; for a connection the end that listens here,
    /// else the registered end over an ephemeral one, else the named end, else the lower.
    pub fn server_port(&mut self, s: &Socket) -> Option<u16> {
        let (local, remote) = (s.local.port, s.remote.port);
        if s.is_server() || remote == 0 {
            return (local != 0).then_some(local);
        }
        if local == 0 {
            return Some(remote);
        }
        if self.listening(s.protocol, local) {
            return Some(local);
        }
        if self.listening(s.protocol, remote) {
            return Some(remote);
        }
        match (self.is_ephemeral(local), self.is_ephemeral(remote)) {
            (false, true) => return Some(local),
            (true, false) => return Some(remote),
            _ => {}
        }
        match (self.name(local, s.protocol).is_some(), self.name(remote, s.protocol).is_some()) {
            (true, false) => Some(local),
            (false, true) => Some(remote),
            _ => Some(local.min(remote)),
        }
    }

    fn name(&mut self, port: u16, protocol: Protocol) -> Option<&Arc<str>> {
        let registry = self.registry;
        self.names
            .entry((port, protocol))
            .or_insert_with(|| registry.service_name(port, protocol).map(Arc::from))
            .as_ref()
    }

    pub fn annotate(&mut self, socket: &mut Socket) {
        let port = self.server_port(socket);
        socket.service_port = port;
        socket.service = port.and_then(|p| self.name(p, socket.protocol).cloned());
    }

    pub fn annotate_all(&mut self, sockets: &mut [Socket]) {
        for s in sockets {
            self.annotate(s);
        }
    }
}

/// Fills `service`/`service_port` of one socket, without knowledge of the other sockets (use
/// `Annotator` on a whole snapshot to let listening ports decide connections).
pub fn annotate(registry: &Registry, socket: &mut Socket) {
    static SETTINGS: OnceLock<PortSettings> = OnceLock::new();
    Annotator::new(registry, SETTINGS.get_or_init(PortSettings::read), &[]).annotate(socket);
}

/// What `portolan sockets` flags select.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SocketFilter {
    pub listening: bool,
    pub tcp: bool,
    pub udp: bool,
    /// Local or remote port.
    pub port: Option<u16>,
    pub pid: Option<u32>,
    pub state: Option<SocketState>,
}

impl SocketFilter {
    pub fn matches(&self, s: &Socket) -> bool {
        (!self.listening || s.is_server())
            && (self.tcp == self.udp
                || (self.tcp && s.protocol == Protocol::Tcp)
                || (self.udp && s.protocol == Protocol::Udp))
            && self.port.is_none_or(|p| s.local.port == p || s.remote.port == p)
            && self.pid.is_none_or(|p| s.owners.iter().any(|o| o.pid == p))
            && self.state.is_none_or(|st| s.state == st)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;
    use std::sync::mpsc;

    fn sock(proto: Protocol, state: SocketState, local: u16, remote: u16, inode: u64) -> Socket {
        let lo = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let raddr = if remote == 0 { IpAddr::V4(Ipv4Addr::UNSPECIFIED) } else { lo };
        Socket {
            protocol: proto,
            family: Family::V4,
            state,
            local: Endpoint { addr: lo, port: local },
            remote: Endpoint { addr: raddr, port: remote },
            uid: 0,
            user: None,
            inode,
            owners: Arc::new([Owner { pid: 7, process: "srv".into(), command: "srv -x".into() }]),
            owners_visible: true,
            service: None,
            service_port: None,
        }
    }

    #[test]
    fn server_side_decides_the_service() {
        use Protocol::{Tcp, Udp};
        use SocketState::{Established, Listen, TimeWait, Unconn};
        let registry = Registry::bundled();
        let settings =
            PortSettings { ephemeral: PortSpan::new(32768, 60999), unprivileged_start: None, reserved: None };
        // A listener on 8080 here makes 8080 the server side of a connection to it, even though
        // 5432 (the other end) is registered.
        let listening = [sock(Tcp, Listen, 8080, 0, 1)];
        let cases = [
            (sock(Tcp, Listen, 5432, 0, 1), Some(5432), Some("postgresql")),
            (sock(Udp, Unconn, 53, 0, 1), Some(53), Some("domain")),
            (sock(Tcp, Established, 40000, 22, 1), Some(22), Some("ssh")),
            (sock(Tcp, Established, 22, 40000, 1), Some(22), Some("ssh")),
            (sock(Tcp, Established, 5432, 8080, 1), Some(8080), registry.service_name(8080, Tcp)),
            (sock(Tcp, TimeWait, 60500, 61000, 0), Some(60500), None),
            (sock(Tcp, Established, 33000, 443, 1), Some(443), Some("https")),
        ];
        let mut a = Annotator::new(&registry, &settings, &listening);
        for (mut s, port, name) in cases {
            a.annotate(&mut s);
            assert_eq!((s.service_port, s.service.as_deref()), (port, name), "{s:?}");
        }
        let mut one = sock(Tcp, Established, 45000, 5432, 1);
        annotate(&registry, &mut one);
        assert_eq!(one.service.as_deref(), Some("postgresql"));
    }

    #[test]
    fn diffs_and_filters() {
        let a = sock(Protocol::Tcp, SocketState::Listen, 80, 0, 1);
        let b = sock(Protocol::Tcp, SocketState::Established, 80, 40000, 2);
        let c = sock(Protocol::Udp, SocketState::Unconn, 53, 0, 3);
        let old = Snapshot { sockets: vec![a.clone(), b.clone()], owners_hidden: false };
        let new = Snapshot { sockets: vec![a.clone(), c.clone()], owners_hidden: false };
        let (added, closed) = diff(&old, &new);
        assert_eq!(added, vec![c.key()]);
        assert_eq!(closed, vec![b.clone()]);
        let all = [&a, &b, &c];
        let pick = |f: SocketFilter| all.iter().filter(|s| f.matches(s)).map(|s| s.inode).collect::<Vec<_>>();
        assert_eq!(pick(SocketFilter::default()), vec![1, 2, 3]);
        assert_eq!(pick(SocketFilter { listening: true, ..Default::default() }), vec![1, 3]);
        assert_eq!(pick(SocketFilter { udp: true, ..Default::default() }), vec![3]);
        assert_eq!(pick(SocketFilter { tcp: true, udp: true, ..Default::default() }), vec![1, 2, 3]);
        assert_eq!(pick(SocketFilter { port: Some(40000), ..Default::default() }), vec![2]);
        assert_eq!(pick(SocketFilter { pid: Some(8), ..Default::default() }), Vec::<u64>::new());
        assert_eq!(
            pick(SocketFilter { state: Some(SocketState::Established), pid: Some(7), ..Default::default() }),
            vec![2]
        );
        let mut snap = Snapshot { sockets: vec![b.clone(), c.clone(), a.clone()], owners_hidden: false };
        snap.sort_for_display();
        assert_eq!(snap.sockets.iter().map(|s| s.inode).collect::<Vec<_>>(), vec![3, 1, 2]);
    }

    #[test]
    fn collector_sends_diffs_and_stops() {
        let a = sock(Protocol::Tcp, SocketState::Listen, 80, 0, 1);
        let b = sock(Protocol::Udp, SocketState::Unconn, 53, 0, 2);
        let first = Snapshot { sockets: vec![a.clone()], owners_hidden: false };
        let second = Snapshot { sockets: vec![b.clone()], owners_hidden: false };
        let (tx, rx) = mpsc::channel();
        // A long interval: the second update only comes from refresh_now.
        let collector = Collector::spawn(
            Box::new(FakeSource::new(vec![first, second])),
            Duration::from_hours(1),
            move |u| tx.send(u).is_ok(),
        );
        let u1 = rx.recv().unwrap().unwrap();
        assert_eq!(u1.snapshot.sockets, vec![a.clone()]);
        assert!(u1.added.is_empty() && u1.closed.is_empty());
        collector.set_paused(true);
        collector.refresh_now();
        let u2 = rx.recv().unwrap().unwrap();
        assert_eq!(u2.added, vec![b.key()]);
        assert_eq!(u2.closed, vec![a]);
        collector.set_interval(Duration::from_millis(1));
        collector.stop();
        // The sink was dropped with the thread: the channel ends.
        while rx.recv().is_ok() {}
    }

    #[test]
    fn sink_returning_false_ends_the_thread() {
        let (tx, rx) = mpsc::channel();
        let mut n = 0;
        let collector = Collector::spawn(Box::new(FakeSource::new(vec![])), Duration::ZERO, move |u| {
            n += 1;
            tx.send(u.is_ok()).is_ok() && n < 3
        });
        let got: Vec<bool> = rx.iter().collect();
        assert_eq!(got, vec![true, true, true]);
        collector.stop();
    }

    #[test]
    fn fast_json_is_serde_json() {
        let owner = |pid, process: &str, command: &str| Owner {
            pid,
            process: process.into(),
            command: command.into(),
        };
        let shared: Arc<[Owner]> = Arc::new([owner(9, "a\"b", "x\u{1b}[2J y")]);
        let pair: Arc<[Owner]> = Arc::new([owner(9, "a\"b", "x\u{1b}[2J y"), owner(10, "c", "")]);
        let mut sockets: Vec<Socket> =
            (0..5).map(|i| sock(Protocol::Tcp, SocketState::Established, 40000 + i, 22, i.into())).collect();
        sockets[0].owners = Arc::clone(&shared);
        sockets[1].owners = Arc::clone(&shared);
        sockets[2].owners = Arc::clone(&pair);
        sockets[3].owners = Arc::new([]);
        sockets[3].user = Some("pg".into());
        sockets[4].owners = pair;
        let refs: Vec<&Socket> = sockets.iter().collect();
        let mut fast = Vec::new();
        write_json(&mut fast, &refs).unwrap();
        assert_eq!(String::from_utf8(fast).unwrap(), serde_json::to_string(&refs).unwrap());
        // A C1 control serde leaves raw is escaped, and the JSON still says the same.
        sockets[0].owners = Arc::new([owner(9, "evil\u{9b}2J\u{202e}", "x")]);
        let refs: Vec<&Socket> = sockets.iter().collect();
        let mut fast = Vec::new();
        write_json(&mut fast, &refs).unwrap();
        let text = String::from_utf8(fast).unwrap();
        assert!(text.contains(r"evil\u009b2J\u202e") && !text.contains('\u{9b}'), "{text}");
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, serde_json::to_value(&refs).unwrap());
        let mut empty = Vec::new();
        write_json(&mut empty, &[]).unwrap();
        assert_eq!(empty, b"[]");
    }

    #[test]
    fn json_shape() {
        let mut s = sock(Protocol::Tcp, SocketState::Established, 50000, 22, 9);
        s.service = Some("ssh".into());
        s.service_port = Some(22);
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["state"], "ESTABLISHED");
        assert_eq!(v["owners"][0]["pid"], 7);
        assert_eq!(v["local_range"], "dynamic");
        assert_eq!(v["remote_range"], "well-known");
        assert_eq!(v["service"], "ssh");
    }
}
