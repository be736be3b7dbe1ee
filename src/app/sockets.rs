//! The Sockets screen's state: the latest snapshot, which sockets are new or just closed, and the
//! filtered, sorted view the table shows (recomputed when data or settings change, never per frame).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::registry::Protocol;
use crate::sanitize::clean;
use crate::sockets::{Family, Snapshot, Socket, SocketKey, SocketState};

/// How many refreshes a new socket stays highlighted, and a closed one stays visible.
pub const NEW_FOR: u64 = 3;
pub const CLOSED_FOR: u64 = 2;

/// One collection, as the collector thread hands it over.
#[derive(Debug, Clone, Default)]
pub struct SocketFeed {
    pub snapshot: Snapshot,
    pub closed: Vec<Socket>,
    pub took: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Local,
    Proto,
    State,
    Process,
    Remote,
    User,
}

impl SortKey {
    pub const ALL: [SortKey; 6] =
        [SortKey::Local, SortKey::Proto, SortKey::State, SortKey::Process, SortKey::Remote, SortKey::User];

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Local => "local",
            SortKey::Proto => "proto",
            SortKey::State => "state",
            SortKey::Process => "process",
            SortKey::Remote => "remote",
            SortKey::User => "user",
        }
    }

    fn next(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(i + 1) % SortKey::ALL.len()]
    }
}

/// A row of the table: a live socket or one that closed within the last refreshes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Live(usize),
    Closed(usize),
}

#[derive(Debug, Clone)]
pub struct SocketsState {
    pub snapshot: Snapshot,
    /// Sockets that closed, with the refresh that saw them go.
    pub closed: Vec<(Socket, u64)>,
    first_seen: HashMap<SocketKey, u64>,
    /// Refreshes received so far.
    pub generation: u64,
    pub view: Vec<Entry>,
    pub sort: SortKey,
    pub reverse: bool,
    pub filter: String,
    pub listening_only: bool,
    pub protocol: Option<Protocol>,
    pub family: Option<Family>,
    pub hide_loopback: bool,
    pub selected: usize,
    pub offset: usize,
    pub refresh: Duration,
    pub paused: bool,
    pub error: Option<String>,
    pub took: Duration,
}

impl SocketsState {
    pub fn new(refresh: Duration) -> SocketsState {
        SocketsState {
            snapshot: Snapshot::default(),
            closed: Vec::new(),
            first_seen: HashMap::new(),
            generation: 0,
            view: Vec::new(),
            sort: SortKey::Local,
            reverse: false,
            filter: String::new(),
            listening_only: false,
            protocol: None,
            family: None,
            hide_loopback: false,
            selected: 0,
            offset: 0,
            refresh,
            paused: false,
            error: None,
            took: Duration::ZERO,
        }
    }

    /// Takes in a new collection: sanitizes its strings once, ages the new/closed marks.
    pub fn ingest(&mut self, mut feed: SocketFeed) {
        let selected_key = self.selected_socket().map(Socket::key);
        self.generation += 1;
        let generation = self.generation;
        for s in feed.snapshot.sockets.iter_mut().chain(feed.closed.iter_mut()) {
            sanitize_socket(s);
        }
        let mut first_seen = HashMap::with_capacity(feed.snapshot.sockets.len());
        for s in &feed.snapshot.sockets {
            let key = s.key();
            // Everything in the first snapshot was already there: nothing is "new" yet.
            let seen =
                self.first_seen.get(&key).copied().unwrap_or(if generation == 1 { 0 } else { generation });
            first_seen.insert(key, seen);
        }
        self.first_seen = first_seen;
        self.closed.retain(|(_, g)| generation - g < CLOSED_FOR);
        self.closed.extend(feed.closed.into_iter().map(|s| (s, generation)));
        self.snapshot = feed.snapshot;
        self.took = feed.took;
        self.error = None;
        self.rebuild();
        if let Some(key) = selected_key
            && let Some(i) = self.view.iter().position(|e| self.socket(*e).is_some_and(|s| s.key() == key))
        {
            self.selected = i;
        }
        self.clamp();
    }

    pub fn socket(&self, entry: Entry) -> Option<&Socket> {
        match entry {
            Entry::Live(i) => self.snapshot.sockets.get(i),
            Entry::Closed(i) => self.closed.get(i).map(|(s, _)| s),
        }
    }

    pub fn selected_socket(&self) -> Option<&Socket> {
        self.view.get(self.selected).and_then(|e| self.socket(*e))
    }

    /// True while a socket is within its first refreshes.
    pub fn is_new(&self, socket: &Socket) -> bool {
        self.first_seen.get(&socket.key()).is_some_and(|&g| g != 0 && self.generation - g < NEW_FOR)
    }

    fn keep(&self, s: &Socket, needle: &str) -> bool {
        if self.listening_only && !s.state.is_listening() {
            return false;
        }
        if self.protocol.is_some_and(|p| p != s.protocol) || self.family.is_some_and(|f| f != s.family) {
            return false;
        }
        if self.hide_loopback && is_loopback(s.local.addr) {
            return false;
        }
        needle.is_empty() || matches_text(s, needle)
    }

    /// Recomputes the view after the data, a filter or the sort changed.
    pub fn rebuild(&mut self) {
        let needle = self.filter.to_lowercase();
        let mut view: Vec<Entry> = Vec::with_capacity(self.snapshot.sockets.len() + self.closed.len());
        view.extend(
            self.snapshot
                .sockets
                .iter()
                .enumerate()
                .filter(|(_, s)| self.keep(s, &needle))
                .map(|(i, _)| Entry::Live(i)),
        );
        view.extend(
            self.closed
                .iter()
                .enumerate()
                .filter(|(_, (s, _))| self.keep(s, &needle))
                .map(|(i, _)| Entry::Closed(i)),
        );
        let sort = self.sort;
        let key_of = |e: &Entry| self.socket(*e);
        view.sort_by(|a, b| {
            let (Some(x), Some(y)) = (key_of(a), key_of(b)) else { return std::cmp::Ordering::Equal };
            let o =
                compare(sort, x, y).then_with(|| x.local.cmp(&y.local)).then_with(|| x.remote.cmp(&y.remote));
            if self.reverse { o.reverse() } else { o }
        });
        self.view = view;
        self.clamp();
    }

    fn clamp(&mut self) {
        self.selected = self.selected.min(self.view.len().saturating_sub(1));
    }

    pub fn cycle_sort(&mut self) {
        self.sort = self.sort.next();
        self.rebuild();
    }

    /// Counts for the summary line: per protocol, per state.
    pub fn counts(&self) -> (BTreeMap<Protocol, usize>, BTreeMap<SocketState, usize>) {
        let mut protos = BTreeMap::new();
        let mut states = BTreeMap::new();
        for s in &self.snapshot.sockets {
            *protos.entry(s.protocol).or_insert(0) += 1;
            *states.entry(s.state).or_insert(0) += 1;
        }
        (protos, states)
    }
}

fn is_loopback(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => a.is_loopback(),
        IpAddr::V6(a) => a.is_loopback() || a.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

fn compare(key: SortKey, x: &Socket, y: &Socket) -> std::cmp::Ordering {
    let process = |s: &Socket| s.owners.first().map(|o| o.process.to_lowercase());
    match key {
        SortKey::Local => x.local.port.cmp(&y.local.port).then_with(|| x.local.addr.cmp(&y.local.addr)),
        SortKey::Proto => x.protocol.cmp(&y.protocol).then_with(|| x.family.cmp(&y.family)),
        SortKey::State => x.state.cmp(&y.state),
        SortKey::Process => process(x).cmp(&process(y)),
        SortKey::Remote => x.remote.cmp(&y.remote),
        SortKey::User => x.user.cmp(&y.user).then_with(|| x.uid.cmp(&y.uid)),
    }
}

/// Typed filter: process name, pid, port, service or address, case-insensitive substring.
fn matches_text(s: &Socket, needle: &str) -> bool {
    let has = |h: &str| h.to_lowercase().contains(needle);
    s.owners.iter().any(|o| has(&o.process) || o.pid.to_string().contains(needle))
        || s.service.as_deref().is_some_and(has)
        || has(&s.local.to_string())
        || (!s.remote.is_unspecified() && has(&s.remote.to_string()))
        || s.user.as_deref().is_some_and(has)
}

fn sanitize_socket(s: &mut Socket) {
    fn fix(text: &mut Arc<str>) {
        if let std::borrow::Cow::Owned(c) = clean(text) {
            *text = c.into();
        }
    }
    if !s.owners.iter().all(|o| is_clean(&o.process) && is_clean(&o.command)) {
        s.owners = s
            .owners
            .iter()
            .map(|o| {
                let mut o = o.clone();
                fix(&mut o.process);
                fix(&mut o.command);
                o
            })
            .collect();
    }
    if let Some(u) = s.user.as_mut() {
        fix(u);
    }
    if let Some(svc) = s.service.as_mut() {
        fix(svc);
    }
}

fn is_clean(text: &str) -> bool {
    matches!(clean(text), std::borrow::Cow::Borrowed(_))
}
