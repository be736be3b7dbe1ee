//! The Sockets screen's state: the latest snapshot, which sockets are new or just closed, and the
//! filtered, sorted view the table shows (recomputed when data or settings change, never per frame).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering as AtomicOrdering};
use std::time::Duration;

use rustc_hash::{FxHashMap, FxHashSet};

use super::rows::Use;
use crate::registry::Protocol;
use crate::sanitize::clean;
use crate::sockets::{Family, Snapshot, Socket, SocketKey, SocketState, Update};

/// How many refreshes a new socket stays highlighted, and a closed one stays visible.
pub const NEW_FOR: u64 = 3;
pub const CLOSED_FOR: u64 = 2;

/// One collection, as the collector thread hands it over.
#[derive(Debug, Clone, Default)]
pub struct SocketFeed {
    pub snapshot: Snapshot,
    pub closed: Vec<Socket>,
    /// Sockets that were not in the previous collection.
    pub added: Vec<SocketKey>,
    pub took: Duration,
    /// Set by `prepare`, which does the per-socket work away from the UI thread.
    pub prepared: Option<Prepared>,
}

/// What `SocketFeed::prepare` worked out: with it, taking in 100k sockets costs the UI thread a
/// filter pass, not a sanitize, a sort and a count.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// The order `snapshot.sockets` is in.
    pub order: (SortKey, bool),
    /// Local ports in use, and how.
    pub used: BTreeMap<u16, Use>,
    pub counts: Counts,
}

/// Sockets per protocol and per state, for the summary line.
pub type Counts = (BTreeMap<Protocol, usize>, BTreeMap<SocketState, usize>);

impl SocketFeed {
    /// A collector update, not prepared yet.
    pub fn from_update(u: Update) -> SocketFeed {
        SocketFeed { snapshot: u.snapshot, closed: u.closed, added: u.added, took: u.took, prepared: None }
    }

    /// Sanitizes every string, sorts the sockets in `order` and counts them: the work that
    /// grows with the number of sockets, done on the thread that collected them.
    #[must_use]
    pub fn prepare(mut self, order: (SortKey, bool)) -> SocketFeed {
        sanitize_all(&mut self.snapshot.sockets);
        sanitize_all(&mut self.closed);
        sort_sockets(&mut self.snapshot.sockets, order);
        let used = ports_in_use(&self.snapshot.sockets);
        let counts = count(&self.snapshot.sockets);
        self.prepared = Some(Prepared { order, used, counts });
        self
    }
}

/// The table's order, shared with the collector thread so that snapshots arrive sorted.
#[derive(Debug, Clone, Default)]
pub struct SharedOrder(Arc<AtomicU8>);

impl SharedOrder {
    pub fn set(&self, (sort, reverse): (SortKey, bool)) {
        let i = SortKey::ALL.iter().position(|k| *k == sort).and_then(|i| u8::try_from(i).ok()).unwrap_or(0);
        self.0.store(i << 1 | u8::from(reverse), AtomicOrdering::Relaxed);
    }

    pub fn get(&self) -> (SortKey, bool) {
        let v = self.0.load(AtomicOrdering::Relaxed);
        (SortKey::ALL.get(usize::from(v >> 1)).copied().unwrap_or(SortKey::Local), v & 1 == 1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
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
#[allow(clippy::struct_excessive_bools, reason = "each is one of the screen's toggles")]
pub struct SocketsState {
    pub snapshot: Snapshot,
    /// The order `snapshot.sockets` is in, when known.
    sorted_as: Option<(SortKey, bool)>,
    /// Shared with the collector thread (see `SharedOrder`).
    pub order: SharedOrder,
    pub counts: Counts,
    /// Sockets that closed, with the refresh that saw them go.
    pub closed: Vec<(Socket, u64)>,
    /// Sockets that appeared within the last `NEW_FOR` refreshes, with the refresh that saw them.
    new_since: FxHashMap<SocketKey, u64>,
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
            sorted_as: None,
            order: SharedOrder::default(),
            counts: Counts::default(),
            closed: Vec::new(),
            new_since: FxHashMap::default(),
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

    /// Takes in a new collection (preparing it here if the collector did not), ages the new and
    /// closed marks, and returns the local ports in use.
    pub fn ingest(&mut self, feed: SocketFeed) -> BTreeMap<u16, Use> {
        let selected_key = self.selected_socket().map(Socket::key);
        self.generation += 1;
        let generation = self.generation;
        let mut feed = feed;
        if feed.prepared.is_none() {
            // A feed that did not come through a collector (tests, demos): the diff is ours to make.
            let old: FxHashSet<SocketKey> = self.snapshot.sockets.iter().map(Socket::key).collect();
            feed.added = feed.snapshot.sockets.iter().map(Socket::key).filter(|k| !old.contains(k)).collect();
            feed = feed.prepare((self.sort, self.reverse));
        }
        let prepared = feed.prepared.take().unwrap_or_default();
        // Everything in the first snapshot was already there: nothing is "new" yet.
        if generation > 1 {
            self.new_since.extend(feed.added.into_iter().map(|k| (k, generation)));
        }
        self.new_since.retain(|_, g| generation - *g < NEW_FOR);
        self.closed.retain(|(_, g)| generation - g < CLOSED_FOR);
        self.closed.extend(feed.closed.into_iter().map(|s| (s, generation)));
        self.snapshot = feed.snapshot;
        self.sorted_as = Some(prepared.order);
        self.counts = prepared.counts;
        self.took = feed.took;
        self.error = None;
        self.rebuild();
        if let Some(key) = selected_key
            && let Some(i) = self.view.iter().position(|e| self.socket(*e).is_some_and(|s| s.key() == key))
        {
            self.selected = i;
        }
        self.clamp();
        prepared.used
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
        self.new_since.get(&socket.key()).is_some_and(|&g| self.generation - g < NEW_FOR)
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

    /// Recomputes the view after the data, a filter or the sort changed. The live sockets are
    /// kept sorted in the table's order (by the collector thread, or here once when the order
    /// changes), so this is a filter pass plus a merge of the few closed ones.
    pub fn rebuild(&mut self) {
        let order = (self.sort, self.reverse);
        if self.sorted_as != Some(order) {
            sort_sockets(&mut self.snapshot.sockets, order);
            self.sorted_as = Some(order);
        }
        let needle = self.filter.to_lowercase();
        let live = self.snapshot.sockets.iter().enumerate().filter(|(_, s)| self.keep(s, &needle));
        let mut closed: Vec<Entry> = self
            .closed
            .iter()
            .enumerate()
            .filter(|(_, (s, _))| self.keep(s, &needle))
            .map(|(i, _)| Entry::Closed(i))
            .collect();
        let cmp = |a: &Socket, b: &Socket| full_order(order, a, b);
        closed.sort_by(|a, b| match (self.socket(*a), self.socket(*b)) {
            (Some(x), Some(y)) => cmp(x, y),
            _ => std::cmp::Ordering::Equal,
        });
        // Merge the two sorted lists.
        let mut view = Vec::with_capacity(self.snapshot.sockets.len() + closed.len());
        let mut closed = closed.into_iter().peekable();
        for (i, s) in live {
            while let Some(c) = closed.peek().copied() {
                match self.socket(c) {
                    Some(cs) if cmp(cs, s) == std::cmp::Ordering::Less => {
                        view.push(c);
                        closed.next();
                    }
                    _ => break,
                }
            }
            view.push(Entry::Live(i));
        }
        view.extend(closed);
        self.view = view;
        self.clamp();
    }

    fn clamp(&mut self) {
        self.selected = self.selected.min(self.view.len().saturating_sub(1));
    }

    pub fn cycle_sort(&mut self) {
        self.sort = self.sort.next();
        self.order.set((self.sort, self.reverse));
        self.rebuild();
    }

    pub fn toggle_reverse(&mut self) {
        self.reverse = !self.reverse;
        self.order.set((self.sort, self.reverse));
        self.rebuild();
    }
}

/// Counts for the summary line: per protocol, per state.
fn count(sockets: &[Socket]) -> Counts {
    let mut protos = BTreeMap::new();
    let mut states = BTreeMap::new();
    for s in sockets {
        *protos.entry(s.protocol).or_insert(0) += 1;
        *states.entry(s.state).or_insert(0) += 1;
    }
    (protos, states)
}

/// Local ports in use: listening wins over connected.
fn ports_in_use(sockets: &[Socket]) -> BTreeMap<u16, Use> {
    let mut used = BTreeMap::new();
    for s in sockets {
        let u = if s.state.is_listening() { Use::Listening } else { Use::Connected };
        let e = used.entry(s.local.port).or_insert(u);
        *e = (*e).max(u);
    }
    used.remove(&0);
    used
}

/// The table's order: the sort column, then local and remote endpoints; reversed on request.
fn full_order((sort, reverse): (SortKey, bool), x: &Socket, y: &Socket) -> std::cmp::Ordering {
    let o = compare(sort, x, y).then_with(|| x.local.cmp(&y.local)).then_with(|| x.remote.cmp(&y.remote));
    if reverse { o.reverse() } else { o }
}

/// Sorts in the table's order; by process, the lowercased names are worked out once per socket.
fn sort_sockets(sockets: &mut [Socket], order: (SortKey, bool)) {
    if order.0 == SortKey::Process {
        sockets.sort_by_cached_key(|s| (process_key(s), s.local, s.remote));
        if order.1 {
            sockets.reverse();
        }
    } else {
        sockets.sort_unstable_by(|x, y| full_order(order, x, y));
    }
}

fn process_key(s: &Socket) -> Option<String> {
    s.owners.first().map(|o| o.process.to_lowercase())
}

fn is_loopback(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => a.is_loopback(),
        IpAddr::V6(a) => a.is_loopback() || a.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

fn compare(key: SortKey, x: &Socket, y: &Socket) -> std::cmp::Ordering {
    let process = process_key;
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

/// Sanitizes every string of `sockets`. Owner lists and names are shared between sockets, so
/// each distinct one is checked once and, when dirty, replaced by one cleaned copy.
fn sanitize_all(sockets: &mut [Socket]) {
    fn fix(text: &mut Arc<str>, cache: &mut FxHashMap<*const u8, Arc<str>>) {
        let key = text.as_ptr();
        if let Some(clean) = cache.get(&key) {
            *text = Arc::clone(clean);
        } else {
            let cleaned: Arc<str> = match clean(text) {
                std::borrow::Cow::Owned(c) => c.into(),
                std::borrow::Cow::Borrowed(_) => Arc::clone(text),
            };
            cache.insert(key, Arc::clone(&cleaned));
            *text = cleaned;
        }
    }
    let mut texts: FxHashMap<*const u8, Arc<str>> = FxHashMap::default();
    let mut lists: FxHashMap<*const crate::sockets::Owner, Arc<[crate::sockets::Owner]>> =
        FxHashMap::default();
    for s in sockets {
        if !s.owners.is_empty() {
            let key = s.owners.as_ptr();
            let list = if let Some(list) = lists.get(&key) {
                Arc::clone(list)
            } else {
                let list: Arc<[crate::sockets::Owner]> = s
                    .owners
                    .iter()
                    .map(|o| {
                        let mut o = o.clone();
                        fix(&mut o.process, &mut texts);
                        fix(&mut o.command, &mut texts);
                        o
                    })
                    .collect();
                lists.insert(key, Arc::clone(&list));
                list
            };
            s.owners = list;
        }
        if let Some(u) = s.user.as_mut() {
            fix(u, &mut texts);
        }
        if let Some(svc) = s.service.as_mut() {
            fix(svc, &mut texts);
        }
    }
}
