//! Query -> ranked hits, at every keystroke: fuzzy (skim's algorithm from fuzzy-matcher) over service
//! names, aliases, descriptions and ports, ranked the way an expert reads the registry.
//!
//! The registry is folded once into entries, one per (service, port or range) with its protocols
//! merged. A query is split into terms (all must match); `udp`/`tcp`… next to other terms, or a
//! `/udp` suffix, filter by protocol. Each term is scored against an entry in tiers:
//!
//! ```text
//! 5 exact   name or alias equals the term        | numeric: the port (or a range holding it)
//! 4 prefix  name or alias starts with the term   | numeric: a port starting with those digits
//! 3 fuzzy   skim matches the name or an alias    |
//! 2 text    skim matches the description         | numeric: the number appears in the text
//! 1 placeholder  Reserved/Unassigned rows (exact port, or a 4+ letter substring of their text)
//! ```
//!
//! An entry's tier is its weakest term's; inside a tier, skim's score, popularity (assets/popular.toml)
//! and the port range order the hits. Speed comes from three things: the candidate set of the
//! previous keystroke is reused when the query only grew (a candidate is an entry where every term is
//! an ASCII-case-insensitive byte subsequence of some field: skim matches only subsequences, and a
//! subsequence of a longer query is one of its prefix, so the set can only shrink); exact and prefix
//! tiers are decided with byte compares, and skim runs only when they cannot fill the limit; and the
//! top `limit` hits are picked with a partial sort.

mod assets;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use fuzzy_matcher::skim::SkimMatcherV2;
use serde::Serialize;
use serde::ser::SerializeStruct;

pub use assets::{ALIASES_TOML, Aliases, AssetError, POPULAR_TOML, Popularity};

use crate::registry::{PortRange, PortSpan, Protocol, RecordId, Registry, Source};

/// Longest query considered, in bytes; the rest is ignored (no service name comes close).
const MAX_QUERY: usize = 256;

/// Filters and size of a search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SearchOptions {
    /// At most this many hits (all when `None`); a limit also lets the engine skip work.
    pub limit: Option<usize>,
    pub protocol: Option<Protocol>,
    pub range: Option<PortRange>,
}

/// Character positions (not bytes) that matched, per field, for highlighting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Matched {
    pub service: Vec<usize>,
    pub description: Vec<usize>,
}

/// One ranked result: a service on a port or range, with its protocols merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// 1-based position in the results.
    pub rank: usize,
    /// Empty for Reserved/Unassigned rows.
    pub service: String,
    /// `None` for name-only registrations.
    pub port: Option<u16>,
    pub port_end: Option<u16>,
    pub protocols: Vec<Protocol>,
    pub description: String,
    pub range: Option<PortRange>,
    pub source: Source,
    pub score: i64,
    pub matched: Matched,
    /// Every registry record folded into this hit.
    pub records: Vec<RecordId>,
    /// The alias word that led here (`dns` for `domain`), when the hit came through one.
    pub alias: Option<String>,
}

impl Hit {
    pub fn span(&self) -> Option<PortSpan> {
        Some(PortSpan { start: self.port?, end: self.port_end? })
    }
}

impl Serialize for Hit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Hit", 11)?;
        s.serialize_field("rank", &self.rank)?;
        s.serialize_field("service", &Some(self.service.as_str()).filter(|s| !s.is_empty()))?;
        s.serialize_field("port", &self.port)?;
        s.serialize_field("port_end", &self.port_end)?;
        let protocols: Vec<&str> = self.protocols.iter().map(|p| p.as_str()).collect();
        s.serialize_field("protocols", &protocols)?;
        s.serialize_field("description", &self.description)?;
        s.serialize_field("range", &self.range)?;
        s.serialize_field("source", &self.source)?;
        s.serialize_field("score", &self.score)?;
        s.serialize_field("matched", &self.matched)?;
        s.end()
    }
}

const EXACT: i64 = 5;
const PREFIX: i64 = 4;
const FUZZY: i64 = 3;
const TEXT: i64 = 2;
const PLACEHOLDER: i64 = 1;
/// Tier weight: any score inside a tier stays below it.
const TIER: i64 = 1_000_000;

/// A span of the engine's text arena.
#[derive(Debug, Clone, Copy, Default)]
struct Text {
    start: u32,
    len: u32,
}

#[derive(Debug, Clone, Copy)]
struct Alias {
    text: Text,
    /// Position of the target in the alias table's list (0 = most likely); 0 for `/etc/services`.
    order: u8,
    /// True for words from assets/aliases.toml (shown as "via"), false for `/etc/services` aliases.
    from_table: bool,
}

#[derive(Debug, Clone)]
struct Entry {
    name: Text,
    description: Text,
    aliases: Vec<Alias>,
    ports: Option<PortSpan>,
    /// Bit per `Protocol::code - 1`.
    protocols: u8,
    source: Source,
    /// 1 = most popular; 0 = not in the list.
    popularity: u16,
    placeholder: bool,
    /// Which characters occur anywhere in the entry's text (see `char_mask`).
    mask: u64,
    records: Vec<RecordId>,
}

/// One query term, lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    text: String,
    chars: usize,
    numeric: bool,
    mask: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ParsedQuery {
    terms: Vec<Term>,
    protocol: Option<Protocol>,
}

/// How a term meets an entry.
#[derive(Debug, Clone, Copy)]
struct TermScore {
    tier: i64,
    sub: i64,
}

/// The search engine: registry entries precomputed for matching, plus the last keystroke's state.
pub struct SearchEngine {
    text: String,
    entries: Vec<Entry>,
    matcher: SkimMatcherV2,
    /// Registry size the entries were built from, to notice a different registry.
    built_from: usize,
    last_terms: Vec<Term>,
    /// Entries matching `last_terms` (a superset of the hits), in entry order.
    candidates: Vec<u32>,
    has_candidates: bool,
    scratch: Vec<u32>,
    scored: Vec<(i64, u32)>,
    pending: Vec<u32>,
}

impl std::fmt::Debug for SearchEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchEngine").field("entries", &self.entries.len()).finish_non_exhaustive()
    }
}

impl SearchEngine {
    /// An engine over `registry` with the bundled alias and popularity tables.
    pub fn new(registry: &Registry) -> SearchEngine {
        // Both tables are compiled in and checked by unit tests; an empty table only loses ranking hints.
        let aliases = Aliases::bundled().unwrap_or_default();
        let popularity = Popularity::bundled().unwrap_or_default();
        SearchEngine::with_tables(registry, &aliases, &popularity)
    }

    /// An engine with the given alias and popularity tables.
    pub fn with_tables(registry: &Registry, aliases: &Aliases, popularity: &Popularity) -> SearchEngine {
        let mut b = Builder {
            text: String::with_capacity(1 << 20),
            entries: Vec::with_capacity(registry.len()),
            keys: HashMap::with_capacity_and_hasher(registry.len(), BuildHasherDefault::default()),
        };
        b.add_records(registry);
        b.add_aliases(registry, aliases);
        b.add_popularity(registry, popularity);
        let Builder { text, mut entries, .. } = b;
        for e in &mut entries {
            e.mask = entry_mask(&text, e);
        }
        SearchEngine {
            text,
            entries,
            matcher: SkimMatcherV2::default().ignore_case(),
            built_from: registry.len(),
            last_terms: Vec::new(),
            candidates: Vec::new(),
            has_candidates: false,
            scratch: Vec::new(),
            scored: Vec::new(),
            pending: Vec::new(),
        }
    }

    /// Number of entries (services per port or range) searched.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Ranked hits for `query`; reuses the previous keystroke's candidates when the query only grew.
    /// An empty query has no hits.
    pub fn search(&mut self, registry: &Registry, query: &str, opts: &SearchOptions) -> Vec<Hit> {
        if registry.len() != self.built_from {
            *self = SearchEngine::new(registry);
        }
        let parsed = parse_query(query);
        let protocol = match (parsed.protocol, opts.protocol) {
            (Some(a), Some(b)) if a != b => return Vec::new(),
            (a, b) => a.or(b),
        };
        if parsed.terms.is_empty() {
            return Vec::new();
        }
        self.update_candidates(&parsed.terms);
        let limit = opts.limit.unwrap_or(usize::MAX);
        if limit == 0 {
            return Vec::new();
        }

        let filter = |e: &Entry| {
            protocol.is_none_or(|p| e.protocols & proto_bit(p) != 0)
                && opts.range.is_none_or(|r| e.ports.is_some_and(|s| PortRange::of(s.start) == r))
        };
        self.scored.clear();
        self.pending.clear();
        let mut decided_above_fuzzy = 0usize;
        for &i in &self.candidates {
            let e = &self.entries[i as usize];
            if !filter(e) {
                continue;
            }
            match self.cheap_score(e, &parsed.terms) {
                Cheap::Scored(tier, score) => {
                    if tier > FUZZY {
                        decided_above_fuzzy += 1;
                    }
                    self.scored.push((score, i));
                }
                Cheap::Pending => self.pending.push(i),
                Cheap::No => {}
            }
        }
        // Pending entries can reach the fuzzy tier at best: skip skim when the higher tiers fill the limit.
        if decided_above_fuzzy < limit {
            for &i in &self.pending {
                let e = &self.entries[i as usize];
                if let Some(score) = self.full_score(e, &parsed.terms) {
                    self.scored.push((score, i));
                }
            }
        }

        let entries = &self.entries;
        let text = &self.text;
        let order = |a: &(i64, u32), b: &(i64, u32)| {
            let (ea, eb) = (&entries[a.1 as usize], &entries[b.1 as usize]);
            b.0.cmp(&a.0)
                .then_with(|| port_key(ea).cmp(&port_key(eb)))
                .then_with(|| slice(text, ea.name).cmp(slice(text, eb.name)))
                .then(a.1.cmp(&b.1))
        };
        if self.scored.len() > limit {
            self.scored.select_nth_unstable_by(limit - 1, order);
            self.scored.truncate(limit);
        }
        self.scored.sort_unstable_by(order);
        self.scored
            .iter()
            .enumerate()
            .map(|(rank, &(score, i))| self.hit(rank + 1, score, &self.entries[i as usize], &parsed.terms))
            .collect()
    }

    /// Narrows the previous candidates when every old term is a prefix of the new one in its place
    /// (the query grew), else scans every entry.
    fn update_candidates(&mut self, terms: &[Term]) {
        let grew = self.has_candidates
            && terms.len() >= self.last_terms.len()
            && self
                .last_terms
                .iter()
                .zip(terms)
                .all(|(old, new)| old.numeric == new.numeric && new.text.starts_with(old.text.as_str()));
        if grew && self.last_terms.as_slice() == terms {
            return;
        }
        let mut next = std::mem::take(&mut self.scratch);
        next.clear();
        let keep = |i: u32| self.is_candidate(&self.entries[i as usize], terms);
        if grew {
            next.extend(self.candidates.iter().copied().filter(|&i| keep(i)));
        } else {
            next.extend((0..self.entries.len()).filter_map(|i| u32::try_from(i).ok()).filter(|&i| keep(i)));
        }
        self.scratch = std::mem::replace(&mut self.candidates, next);
        self.last_terms.clear();
        self.last_terms.extend_from_slice(terms);
        self.has_candidates = true;
    }

    fn field(&self, t: Text) -> &str {
        slice(&self.text, t)
    }

    /// The monotone test behind candidate reuse: every term is a byte subsequence of some field
    /// (numeric terms: a port of the entry starts with the digits, or the text holds them).
    fn is_candidate(&self, e: &Entry, terms: &[Term]) -> bool {
        terms.iter().all(|t| {
            if t.numeric && e.ports.is_some_and(|s| port_prefix_extra(s, &t.text).is_some()) {
                return true;
            }
            e.mask & t.mask == t.mask
                && (is_subsequence(t.text.as_bytes(), self.field(e.name).as_bytes())
                    || is_subsequence(t.text.as_bytes(), self.field(e.description).as_bytes())
                    || e.aliases
                        .iter()
                        .any(|a| is_subsequence(t.text.as_bytes(), self.field(a.text).as_bytes())))
        })
    }

    /// Scores what byte compares can decide; `Pending` when only skim can tell.
    fn cheap_score(&self, e: &Entry, terms: &[Term]) -> Cheap {
        let mut tier = EXACT;
        let mut sub = 0;
        let mut pending = false;
        for t in terms {
            match self.cheap_term(e, t) {
                Cheap::Scored(t_tier, t_sub) => {
                    tier = tier.min(t_tier);
                    sub += t_sub;
                }
                Cheap::Pending => pending = true,
                Cheap::No => return Cheap::No,
            }
        }
        if pending { Cheap::Pending } else { Cheap::Scored(tier, self.total(e, tier, sub)) }
    }

    fn full_score(&self, e: &Entry, terms: &[Term]) -> Option<i64> {
        let mut tier = EXACT;
        let mut sub = 0;
        for t in terms {
            let s = match self.cheap_term(e, t) {
                Cheap::Scored(tier, sub) => TermScore { tier, sub },
                Cheap::Pending => self.fuzzy_term(e, t)?,
                Cheap::No => return None,
            };
            tier = tier.min(s.tier);
            sub += s.sub;
        }
        Some(self.total(e, tier, sub))
    }

    fn total(&self, e: &Entry, tier: i64, sub: i64) -> i64 {
        let popularity = if e.popularity > 0 { 2 * (130 - i64::from(e.popularity.min(129))) } else { 0 };
        let range = match e.ports.map(|s| PortRange::of(s.start)) {
            Some(PortRange::WellKnown) => 30,
            Some(PortRange::Registered) => 15,
            Some(PortRange::Dynamic) => 0,
            None => -40,
        };
        tier * TIER + (sub + popularity + range + 100).clamp(0, TIER - 1)
    }

    fn cheap_term(&self, e: &Entry, t: &Term) -> Cheap {
        if t.numeric {
            return self.numeric_term(e, t);
        }
        let name = self.field(e.name);
        let description = self.field(e.description);
        if e.placeholder {
            return if t.chars >= 4 && find_ignore_case(description, &t.text).is_some() {
                Cheap::Scored(PLACEHOLDER, 0)
            } else {
                Cheap::No
            };
        }
        let len_penalty =
            |len: usize| i64::try_from(len.saturating_sub(t.text.len()) * 4).unwrap_or(100).min(100);
        if name.eq_ignore_ascii_case(&t.text) {
            return Cheap::Scored(EXACT, 300);
        }
        let mut best: Option<(i64, i64)> = None;
        let mut consider = |tier: i64, sub: i64| {
            if best.is_none_or(|b| (tier, sub) > b) {
                best = Some((tier, sub));
            }
        };
        for a in &e.aliases {
            let word = self.field(a.text);
            if word.eq_ignore_ascii_case(&t.text) {
                consider(EXACT, 280 - 10 * i64::from(a.order));
            } else if starts_with_ignore_case(word, &t.text) {
                consider(PREFIX, 150 - len_penalty(word.len()) - 10 * i64::from(a.order));
            }
        }
        if starts_with_ignore_case(name, &t.text) {
            consider(PREFIX, 200 - len_penalty(name.len()));
        }
        if let Some((tier, sub)) = best {
            return Cheap::Scored(tier, sub);
        }
        let bytes = t.text.as_bytes();
        let fuzzy_possible = e.mask & t.mask == t.mask
            && (is_subsequence(bytes, name.as_bytes())
                || e.aliases.iter().any(|a| is_subsequence(bytes, self.field(a.text).as_bytes()))
                || (t.chars >= 2 && is_subsequence(bytes, description.as_bytes())));
        if fuzzy_possible { Cheap::Pending } else { Cheap::No }
    }

    /// Skim on the name and aliases (fuzzy tier), else on the description (text tier).
    fn fuzzy_term(&self, e: &Entry, t: &Term) -> Option<TermScore> {
        let mut best: Option<i64> = self.matcher.fuzzy(self.field(e.name), &t.text, false).map(|(s, _)| s);
        for a in &e.aliases {
            if let Some((s, _)) = self.matcher.fuzzy(self.field(a.text), &t.text, false) {
                let s = s * 3 / 4 - 10 * i64::from(a.order);
                best = Some(best.map_or(s, |b| b.max(s)));
            }
        }
        if let Some(sub) = best {
            return Some(TermScore { tier: FUZZY, sub });
        }
        if t.chars < 2 {
            return None;
        }
        let (s, _) = self.matcher.fuzzy(self.field(e.description), &t.text, false)?;
        Some(TermScore { tier: TEXT, sub: s })
    }

    fn numeric_term(&self, e: &Entry, t: &Term) -> Cheap {
        if let Some(span) = e.ports {
            if let Ok(port) = t.text.parse::<u16>()
                && span.contains(port)
                && (t.text == "0" || !t.text.starts_with('0'))
            {
                if e.placeholder {
                    return Cheap::Scored(PLACEHOLDER, 0);
                }
                let width = i64::from(span.count().min(100));
                let sub = if span.is_single() { 300 } else { 250 - width / 2 };
                return Cheap::Scored(EXACT, sub);
            }
            if e.placeholder {
                return Cheap::No;
            }
            if let Some(extra) = port_prefix_extra(span, &t.text) {
                return Cheap::Scored(PREFIX, 200 - 30 * i64::from(extra));
            }
        }
        if e.placeholder {
            return Cheap::No;
        }
        let mentions = find_ignore_case(self.field(e.name), &t.text).is_some()
            || find_ignore_case(self.field(e.description), &t.text).is_some()
            || e.aliases.iter().any(|a| find_ignore_case(self.field(a.text), &t.text).is_some());
        if mentions { Cheap::Scored(TEXT, 100) } else { Cheap::No }
    }

    fn hit(&self, rank: usize, score: i64, e: &Entry, terms: &[Term]) -> Hit {
        let name = self.field(e.name);
        let description = self.field(e.description);
        let mut matched = Matched::default();
        let mut alias = None;
        for t in terms {
            if t.numeric {
                if let Some(at) = find_ignore_case(description, &t.text) {
                    let first = description[..at].chars().count();
                    matched.description.extend(first..first + t.chars);
                }
                continue;
            }
            if starts_with_ignore_case(name, &t.text) {
                matched.service.extend(0..t.chars);
            } else if let Some(a) =
                e.aliases.iter().find(|a| starts_with_ignore_case(self.field(a.text), &t.text))
            {
                alias = alias.or_else(|| a.from_table.then(|| self.field(a.text).to_owned()));
            } else if let Some((_, idx)) = self.matcher.fuzzy(name, &t.text, true) {
                matched.service.extend(idx);
            }
            if e.placeholder {
                if let Some(at) = find_ignore_case(description, &t.text) {
                    let first = description[..at].chars().count();
                    matched.description.extend(first..first + t.chars);
                }
            } else if t.chars >= 2
                && let Some((_, idx)) = self.matcher.fuzzy(description, &t.text, true)
            {
                matched.description.extend(idx);
            }
        }
        for v in [&mut matched.service, &mut matched.description] {
            v.sort_unstable();
            v.dedup();
        }
        Hit {
            rank,
            service: name.to_owned(),
            port: e.ports.map(|s| s.start),
            port_end: e.ports.map(|s| s.end),
            protocols: Protocol::ALL.into_iter().filter(|&p| e.protocols & proto_bit(p) != 0).collect(),
            description: description.to_owned(),
            range: e.ports.map(|s| PortRange::of(s.start)),
            source: e.source,
            score,
            matched,
            records: e.records.clone(),
            alias,
        }
    }
}

enum Cheap {
    Scored(i64, i64),
    Pending,
    No,
}

/// Folds registry records into entries.
struct Builder<'r> {
    text: String,
    entries: Vec<Entry>,
    /// (lowercase service name, ports) -> entry.
    keys: HashMap<(std::borrow::Cow<'r, str>, Option<PortSpan>), u32, BuildHasherDefault<Fnv>>,
}

/// FNV-1a: the builder hashes ~15,000 short keys at start-up, where SipHash's DoS resistance buys
/// nothing (the keys are the registry's own names) and costs a visible share of `portolan search`.
#[derive(Debug, Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl<'r> Builder<'r> {
    fn push_text(&mut self, s: &str) -> Text {
        let start = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        self.text.push_str(s);
        Text { start, len: u32::try_from(s.len()).unwrap_or(0) }
    }

    fn add_records(&mut self, registry: &'r Registry) {
        let mut last: Option<(&'r str, Option<PortSpan>, u32)> = None;
        for r in registry.records() {
            // Runs of one service on one port (tcp, udp, sctp rows) are adjacent in the registry.
            let index = match last {
                Some((name, ports, i)) if name == r.service && ports == r.ports => i,
                _ => {
                    let key = if r.service.bytes().any(|b| b.is_ascii_uppercase()) {
                        std::borrow::Cow::Owned(r.service.to_ascii_lowercase())
                    } else {
                        std::borrow::Cow::Borrowed(r.service)
                    };
                    let key = (key, r.ports);
                    match self.keys.get(&key).copied().or_else(|| self.covering(registry, &r)) {
                        Some(i) => i,
                        None => {
                            let next = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
                            self.keys.insert(key, next);
                            let name = self.push_text(r.service);
                            let description = self.push_text(r.description);
                            self.entries.push(Entry {
                                name,
                                description,
                                aliases: Vec::new(),
                                ports: r.ports,
                                protocols: 0,
                                source: r.source,
                                popularity: 0,
                                placeholder: r.service.is_empty(),
                                mask: 0,
                                records: Vec::new(),
                            });
                            next
                        }
                    }
                }
            };
            last = Some((r.service, r.ports, index));
            let Some(entry) = self.entries.get(index as usize) else { continue };
            let needs_description = entry.description.len == 0 && !r.description.is_empty();
            let description = needs_description.then(|| self.push_text(r.description));
            let mut aliases = Vec::new();
            for word in r.aliases.split(' ').filter(|w| !w.is_empty()) {
                let known = self.entries.get(index as usize).is_none_or(|e| {
                    e.aliases
                        .iter()
                        .chain(&aliases)
                        .any(|a| slice(&self.text, a.text).eq_ignore_ascii_case(word))
                });
                if !known {
                    aliases.push(Alias { text: self.push_text(word), order: 0, from_table: false });
                }
            }
            if let Some(entry) = self.entries.get_mut(index as usize) {
                if let Some(p) = r.protocol {
                    entry.protocols |= proto_bit(p);
                }
                entry.records.push(r.id);
                if let Some(d) = description {
                    entry.description = d;
                }
                entry.aliases.append(&mut aliases);
            }
        }
    }

    /// For a record outside IANA's layer, the IANA entry of the same name whose range holds its port
    /// (`/etc/services` lists `x11 6000/tcp` where IANA has x11 on 6000-6063).
    fn covering(&self, registry: &Registry, r: &crate::registry::Record<'_>) -> Option<u32> {
        let span = r.ports.filter(|_| r.source != Source::Iana && !r.service.is_empty())?;
        registry
            .at_port(span.start)
            .filter(|k| k.source == Source::Iana && k.service.eq_ignore_ascii_case(r.service))
            .find_map(|k| self.keys.get(&(std::borrow::Cow::Owned(k.service.to_ascii_lowercase()), k.ports)))
            .copied()
    }

    /// Entries named `name` (any case), found through the registry's name index.
    fn named(&self, registry: &Registry, name: &str) -> Vec<(u32, Option<PortSpan>)> {
        let mut out: Vec<(u32, Option<PortSpan>)> = registry
            .named(name)
            .iter()
            .filter(|r| r.service.eq_ignore_ascii_case(name))
            .filter_map(|r| {
                let key = (std::borrow::Cow::Owned(r.service.to_ascii_lowercase()), r.ports);
                self.keys.get(&key).map(|&i| (i, r.ports))
            })
            .collect();
        out.sort_unstable_by_key(|&(i, _)| i);
        out.dedup_by_key(|&mut (i, _)| i);
        out
    }

    fn add_aliases(&mut self, registry: &Registry, aliases: &Aliases) {
        for (word, targets) in aliases.iter() {
            for (order, target) in targets.iter().enumerate() {
                for (i, _) in self.named(registry, target) {
                    let exists = self.entries.get(i as usize).is_none_or(|e| {
                        e.aliases.iter().any(|a| slice(&self.text, a.text) == word)
                            || slice(&self.text, e.name).eq_ignore_ascii_case(word)
                    });
                    if exists {
                        continue;
                    }
                    let text = self.push_text(word);
                    let order = u8::try_from(order).unwrap_or(u8::MAX);
                    if let Some(e) = self.entries.get_mut(i as usize) {
                        e.aliases.push(Alias { text, order, from_table: true });
                    }
                }
            }
        }
    }

    fn add_popularity(&mut self, registry: &Registry, popularity: &Popularity) {
        for (rank, name, port) in popularity.iter() {
            for (i, ports) in self.named(registry, name) {
                if let Some(e) = self.entries.get_mut(i as usize)
                    && ports.is_some_and(|s| s.contains(port))
                    && e.popularity == 0
                {
                    e.popularity = u16::try_from(rank).unwrap_or(u16::MAX);
                }
            }
        }
    }
}

fn slice(text: &str, t: Text) -> &str {
    text.get(t.start as usize..(t.start + t.len) as usize).unwrap_or("")
}

fn proto_bit(p: Protocol) -> u8 {
    1 << (Protocol::code(Some(p)).saturating_sub(1))
}

/// Sort key putting lower ports first and name-only entries last.
fn port_key(e: &Entry) -> (bool, u16, u16) {
    e.ports.map_or((true, 0, 0), |s| (false, s.start, s.end))
}

/// A bit per character class: letters and digits have their own, everything else shares 28 buckets.
fn char_mask(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |m, &b| {
        let b = b.to_ascii_lowercase();
        let bit = match b {
            b'a'..=b'z' => b - b'a',
            b'0'..=b'9' => 26 + b - b'0',
            _ => 36 + b % 28,
        };
        m | 1 << bit
    })
}

fn entry_mask(text: &str, e: &Entry) -> u64 {
    let mut m = char_mask(slice(text, e.name).as_bytes()) | char_mask(slice(text, e.description).as_bytes());
    for a in &e.aliases {
        m |= char_mask(slice(text, a.text).as_bytes());
    }
    m
}

/// Whether `needle` (lowercase) occurs in order in `hay`, ignoring ASCII case.
fn is_subsequence(needle: &[u8], hay: &[u8]) -> bool {
    let mut want = needle.iter();
    let Some(mut next) = want.next() else { return true };
    for &b in hay {
        if b.to_ascii_lowercase() == *next {
            match want.next() {
                Some(n) => next = n,
                None => return true,
            }
        }
    }
    false
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Byte offset of the first ASCII-case-insensitive occurrence of `needle` (lowercase) in `hay`.
fn find_ignore_case(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() || n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| hay.is_char_boundary(i) && h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// How many more digits than `digits` the shortest port of `span` starting with them has, if any.
fn port_prefix_extra(span: PortSpan, digits: &str) -> Option<u8> {
    if digits.is_empty() || digits.len() > 5 || (digits.len() > 1 && digits.starts_with('0')) {
        return None;
    }
    let value: u32 = digits.parse().ok()?;
    if value == 0 {
        return span.contains(0).then_some(0);
    }
    let (start, end) = (u32::from(span.start), u32::from(span.end));
    let mut scale = 1u32;
    for extra in 0..=(5 - digits.len()) {
        let (lo, hi) = (value * scale, (value + 1) * scale - 1);
        if lo > 65535 {
            break;
        }
        if lo <= end && start <= hi {
            return u8::try_from(extra).ok();
        }
        scale *= 10;
    }
    None
}

/// Splits a query into terms and a protocol filter: `udp 53`, `53/udp`, `ssh/tcp`.
fn parse_query(query: &str) -> ParsedQuery {
    let mut cut = query.len().min(MAX_QUERY);
    while !query.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut words: Vec<&str> = Vec::new();
    let mut protocol = None;
    for word in query[..cut].split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if let Some((left, right)) = word.rsplit_once('/')
            && let Ok(p) = right.parse::<Protocol>()
        {
            protocol = Some(p);
            if !left.is_empty() {
                words.push(left);
            }
            continue;
        }
        words.push(word);
    }
    // A protocol word filters only next to something else to search for: `udp` alone is a search.
    if words.len() > 1 && words.iter().any(|w| w.parse::<Protocol>().is_err()) {
        words.retain(|w| match w.parse::<Protocol>() {
            Ok(p) => {
                protocol.get_or_insert(p);
                false
            }
            Err(_) => true,
        });
    }
    let terms = words
        .into_iter()
        .map(|w| {
            let text = w.to_ascii_lowercase();
            Term {
                chars: text.chars().count(),
                numeric: text.bytes().all(|b| b.is_ascii_digit()),
                mask: char_mask(text.as_bytes()),
                text,
            }
        })
        .collect();
    ParsedQuery { terms, protocol }
}

#[cfg(test)]
mod tests;
