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
use std::hash::{BuildHasherDefault, Hash, Hasher};

use fuzzy_matcher::skim::SkimMatcherV2;
use serde::Serialize;
use serde::ser::SerializeStruct;

pub use assets::{ALIASES_TOML, Aliases, AssetError, POPULAR_TOML, Popularity};

use crate::registry::{Brief, PortRange, PortSpan, Protocol, RecordId, Registry, Source};

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
    /// This entry's slice of `SearchEngine::records`.
    records: Text,
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
    /// Registry records of every entry, entry after entry.
    records: Vec<RecordId>,
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
        SearchEngine::build(registry, aliases, popularity, Fold::All)
    }

    /// One query, once, for `portolan search`: folds only what the query can reach instead of the
    /// whole registry, and gives exactly the hits a full engine gives. First it tries the names and
    /// aliases starting with the query (the registry's name index finds them without a scan): when
    /// those fill the limit, nothing below the prefix tier can enter it. Otherwise it folds the records
    /// that pass the candidate test.
    pub fn search_once(registry: &Registry, query: &str, opts: &SearchOptions) -> Vec<Hit> {
        let aliases = Aliases::bundled().unwrap_or_default();
        let popularity = Popularity::bundled().unwrap_or_default();
        let terms = parse_query(query).terms;
        if let ([term], Some(limit)) = (terms.as_slice(), opts.limit)
            && !term.numeric
        {
            let records = prefix_records(registry, &aliases, &term.text);
            let mut engine = SearchEngine::build(registry, &aliases, &popularity, Fold::Records(records));
            let hits = engine.search(registry, query, opts);
            if hits.len() >= limit && hits.iter().all(|h| h.score >= PREFIX * TIER) {
                return hits;
            }
        }
        let mut engine = SearchEngine::build(registry, &aliases, &popularity, Fold::Matching(terms));
        let mut hits = engine.search(registry, query, opts);
        for hit in &mut hits {
            complete(registry, hit);
        }
        hits
    }

    fn build(
        registry: &Registry,
        aliases: &Aliases,
        popularity: &Popularity,
        fold: Fold<'_>,
    ) -> SearchEngine {
        let records = match &fold {
            Fold::Records(records) => records.len(),
            Fold::All | Fold::Matching(_) => registry.len(),
        };
        let mut b = Builder {
            text: String::with_capacity(records * 64),
            entries: Vec::with_capacity(records),
            keys: HashMap::with_capacity_and_hasher(records, BuildHasherDefault::default()),
            members: Vec::with_capacity(records),
            wanted: HashMap::default(),
            filter: None,
        };
        for name in aliases
            .iter()
            .flat_map(|(_, targets)| targets)
            .map(String::as_str)
            .chain(popularity.iter().map(|(_, name, _)| name))
        {
            b.wanted.entry(name.to_owned()).or_default();
        }
        match fold {
            Fold::All => b.add_records(registry, registry.briefs()),
            Fold::Matching(terms) => {
                b.filter = Some(Filter::new(terms, aliases));
                b.add_records(registry, registry.briefs());
            }
            Fold::Records(records) => b.add_records(registry, records.into_iter()),
        }
        b.add_aliases(aliases);
        b.add_popularity(popularity);
        let Builder { text, mut entries, mut members, .. } = b;
        // Stable, and nearly sorted already (records of an entry are mostly adjacent).
        members.sort_by_key(|&(entry, _)| entry);
        let records: Vec<RecordId> = members.iter().map(|&(_, id)| id).collect();
        let mut at = 0u32;
        for (i, e) in entries.iter_mut().enumerate() {
            e.mask = entry_mask(&text, e);
            let len = members
                .get(at as usize..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&(entry, _)| entry as usize == i)
                .count();
            let len = u32::try_from(len).unwrap_or(0);
            e.records = Text { start: at, len };
            at += len;
        }
        SearchEngine {
            text,
            entries,
            records,
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
        // Pending entries reach the fuzzy tier at best: skip skim when the higher tiers fill the limit.
        // Then names and aliases first; descriptions (the text tier, the costly part) only when the
        // tiers above it have not filled the limit.
        if decided_above_fuzzy < limit {
            let mut deferred = std::mem::take(&mut self.scratch);
            deferred.clear();
            for &i in &self.pending {
                let e = &self.entries[i as usize];
                match self.full_score(e, &parsed.terms, false) {
                    Scored::Yes(score) => self.scored.push((score, i)),
                    Scored::Deferred => deferred.push(i),
                    Scored::No => {}
                }
            }
            if self.scored.iter().filter(|(score, _)| score / TIER > TEXT).count() < limit {
                for &i in &deferred {
                    let e = &self.entries[i as usize];
                    if let Scored::Yes(score) = self.full_score(e, &parsed.terms, true) {
                        self.scored.push((score, i));
                    }
                }
            }
            self.scratch = deferred;
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
        if pending { Cheap::Pending } else { Cheap::Scored(tier, Self::total(e, tier, sub)) }
    }

    /// Scores with skim; without `descriptions`, an entry that would need a description match is
    /// `Deferred` (it can reach the text tier at best).
    fn full_score(&self, e: &Entry, terms: &[Term], descriptions: bool) -> Scored {
        let mut tier = EXACT;
        let mut sub = 0;
        let mut deferred = false;
        for t in terms {
            let s = match self.cheap_term(e, t) {
                Cheap::Scored(tier, sub) => TermScore { tier, sub },
                Cheap::Pending => match self.fuzzy_term(e, t, descriptions) {
                    Scored::Yes(s) => s,
                    Scored::Deferred => {
                        deferred = true;
                        continue;
                    }
                    Scored::No => return Scored::No,
                },
                Cheap::No => return Scored::No,
            };
            tier = tier.min(s.tier);
            sub += s.sub;
        }
        if deferred { Scored::Deferred } else { Scored::Yes(Self::total(e, tier, sub)) }
    }

    fn total(e: &Entry, tier: i64, sub: i64) -> i64 {
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
    fn fuzzy_term(&self, e: &Entry, t: &Term, descriptions: bool) -> Scored<TermScore> {
        let mut best: Option<i64> = self.skim(self.field(e.name), &t.text, false).map(|(s, _)| s);
        for a in &e.aliases {
            if let Some((s, _)) = self.skim(self.field(a.text), &t.text, false) {
                let s = s * 3 / 4 - 10 * i64::from(a.order);
                best = Some(best.map_or(s, |b| b.max(s)));
            }
        }
        if let Some(sub) = best {
            return Scored::Yes(TermScore { tier: FUZZY, sub });
        }
        let description = self.field(e.description);
        if t.chars < 2 || !is_subsequence(t.text.as_bytes(), description.as_bytes()) {
            return Scored::No;
        }
        if !descriptions {
            return Scored::Deferred;
        }
        // Two letters scattered through a long description say nothing: they count where the
        // description has them together, as a word's start scoring higher than its middle.
        if t.chars == 2 {
            return match find_word_ignore_case(description, &t.text) {
                Some((_, true)) => Scored::Yes(TermScore { tier: TEXT, sub: 40 }),
                Some((_, false)) => Scored::Yes(TermScore { tier: TEXT, sub: 20 }),
                None => Scored::No,
            };
        }
        match self.skim(description, &t.text, false) {
            Some((s, _)) => Scored::Yes(TermScore { tier: TEXT, sub: s }),
            None => Scored::No,
        }
    }

    /// Skim, called only when the cheap subsequence test passes (skim would refuse the rest anyway,
    /// after copying the text into its buffers).
    fn skim(&self, text: &str, pattern: &str, positions: bool) -> Option<(i64, Vec<usize>)> {
        if !is_subsequence(pattern.as_bytes(), text.as_bytes()) {
            return None;
        }
        self.matcher.fuzzy(text, pattern, positions)
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
        // Marks `t` where it stands as written in the description, `at` bytes in.
        let mark_at = |matched: &mut Matched, at: usize, t: &Term| {
            let first = description[..at].chars().count();
            matched.description.extend(first..first + t.chars);
        };
        let mut alias = None;
        for t in terms {
            if t.numeric {
                if let Some(at) = find_ignore_case(description, &t.text) {
                    mark_at(&mut matched, at, t);
                }
                continue;
            }
            if starts_with_ignore_case(name, &t.text) {
                matched.service.extend(0..t.chars);
            } else if let Some(a) =
                e.aliases.iter().find(|a| starts_with_ignore_case(self.field(a.text), &t.text))
            {
                alias = alias.or_else(|| a.from_table.then(|| self.field(a.text).to_owned()));
            } else if let Some((_, idx)) = self.skim(name, &t.text, true) {
                matched.service.extend(idx);
            }
            if e.placeholder {
                if let Some(at) = find_ignore_case(description, &t.text) {
                    mark_at(&mut matched, at, t);
                }
            } else if t.chars == 2 {
                // As scored: two letters count where they stand together, a word's start first.
                if let Some((at, _)) = find_word_ignore_case(description, &t.text) {
                    mark_at(&mut matched, at, t);
                }
            } else if t.chars > 2
                && let Some((_, idx)) = self.skim(description, &t.text, true)
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
            records: self
                .records
                .get(e.records.start as usize..(e.records.start + e.records.len) as usize)
                .unwrap_or_default()
                .to_vec(),
            alias,
        }
    }
}

/// Which records an engine folds.
enum Fold<'r> {
    All,
    /// Those passing the candidate test for these terms.
    Matching(Vec<Term>),
    /// These, in registry order.
    Records(Vec<Brief<'r>>),
}

/// Every record an exact or prefix match of `prefix` can reach, with the rows it folds together with:
/// names and `/etc/services` aliases from the registry's name index, the targets of alias words
/// starting with it, and each one's rows of the same name on its port. Sorted into registry order so
/// that entries are built as the full engine builds them.
fn prefix_records<'r>(registry: &'r Registry, aliases: &Aliases, prefix: &str) -> Vec<Brief<'r>> {
    let mut found = registry.named_prefix(prefix);
    for (word, targets) in aliases.iter() {
        if starts_with_ignore_case(word, prefix) {
            for target in targets {
                found.extend(registry.named(target));
            }
        }
    }
    let mut siblings = Vec::new();
    for r in &found {
        match r.ports {
            Some(span) => siblings
                .extend(registry.at_port(span.start).filter(|s| s.service.eq_ignore_ascii_case(r.service))),
            None => siblings.extend(registry.named(r.service).into_iter().filter(|s| s.ports.is_none())),
        }
    }
    let mut records: Vec<Brief<'r>> = found.iter().chain(&siblings).map(Brief::from).collect();
    records.sort_unstable_by_key(|b| b.id);
    records.dedup_by_key(|b| b.id);
    records
}

/// Re-reads a hit's protocols and records from the registry: a one-shot engine folds only the records
/// that matched, and a sibling row (the same service and port) whose text did not may be missing.
fn complete(registry: &Registry, hit: &mut Hit) {
    let same = |r: &crate::registry::Record<'_>| {
        r.service.eq_ignore_ascii_case(&hit.service)
            && match (r.ports, hit.span()) {
                (Some(p), Some(s)) => {
                    p == s || (r.source != Source::Iana && s.contains(p.start) && p.is_single())
                }
                (None, None) => true,
                _ => false,
            }
    };
    let records: Vec<crate::registry::Record<'_>> = match hit.span() {
        Some(s) => registry.at_port(s.start).filter(|r| same(r)).collect(),
        None => registry.named(&hit.service).into_iter().filter(|r| same(r)).collect(),
    };
    if records.is_empty() {
        return;
    }
    let mut protocols: Vec<Protocol> = records.iter().filter_map(|r| r.protocol).collect();
    protocols.sort_unstable();
    protocols.dedup();
    hit.protocols = protocols;
    hit.records = records.iter().map(|r| r.id).collect();
}

/// A skim-scored result, or a decision put off until descriptions are needed.
enum Scored<T = i64> {
    Yes(T),
    Deferred,
    No,
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
    /// (entry, record) in registry order; one flat list instead of a vector per entry.
    members: Vec<(u32, RecordId)>,
    /// Lowercase names the alias and popularity tables point at -> their entries.
    wanted: HashMap<String, Vec<u32>, BuildHasherDefault<Fnv>>,
    /// For a one-shot search: only records that can match it are folded.
    filter: Option<Filter>,
}

/// Which records a one-shot search needs: those passing the candidate test, judged on the record.
struct Filter {
    terms: Vec<Term>,
    /// Hashes of the (name, ports) keys whose first record failed.
    rejected: std::collections::HashSet<u64, BuildHasherDefault<Fnv>>,
    /// Lowercase service name -> the alias words that lead to it.
    words_of: HashMap<String, Vec<String>, BuildHasherDefault<Fnv>>,
}

impl Filter {
    fn new(terms: Vec<Term>, aliases: &Aliases) -> Filter {
        let mut words_of: HashMap<String, Vec<String>, BuildHasherDefault<Fnv>> = HashMap::default();
        for (word, targets) in aliases.iter() {
            for target in targets {
                words_of.entry(target.clone()).or_default().push(word.to_owned());
            }
        }
        Filter { terms, words_of, rejected: std::collections::HashSet::default() }
    }

    /// Whether to leave out a record that opens no entry yet: its key failed before, or it fails now.
    fn rejects(&mut self, key: &(std::borrow::Cow<'_, str>, Option<PortSpan>), r: &Brief<'_>) -> bool {
        let mut h = Fnv::default();
        key.hash(&mut h);
        let hash = h.finish();
        if self.rejected.contains(&hash) {
            return true;
        }
        if self.accepts(&key.0, r) {
            return false;
        }
        self.rejected.insert(hash);
        true
    }

    /// The record-level form of `SearchEngine::is_candidate`.
    fn accepts(&self, lowercase_name: &str, r: &Brief<'_>) -> bool {
        self.terms.iter().all(|t| {
            let needle = t.text.as_bytes();
            (t.numeric && r.ports.is_some_and(|s| port_prefix_extra(s, &t.text).is_some()))
                || is_subsequence(needle, r.service.as_bytes())
                || is_subsequence(needle, r.description.as_bytes())
                || r.aliases.split(' ').any(|a| is_subsequence(needle, a.as_bytes()))
                || self
                    .words_of
                    .get(lowercase_name)
                    .is_some_and(|words| words.iter().any(|w| is_subsequence(needle, w.as_bytes())))
        })
    }
}

/// FNV-1a: the builder hashes ~15,000 short keys at start-up, where `SipHash`'s denial-of-service resistance buys
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

    fn add_records(&mut self, registry: &'r Registry, records: impl Iterator<Item = Brief<'r>>) {
        let mut last: Option<(&'r str, Option<PortSpan>, Option<u32>)> = None;
        for r in records {
            // Runs of one service on one port (tcp, udp, sctp rows) are adjacent in the registry.
            let index = match last {
                Some((name, ports, i)) if name == r.service && ports == r.ports => match i {
                    Some(i) => i,
                    None => continue,
                },
                _ => {
                    let key = if r.service.bytes().any(|b| b.is_ascii_uppercase()) {
                        std::borrow::Cow::Owned(r.service.to_ascii_lowercase())
                    } else {
                        std::borrow::Cow::Borrowed(r.service)
                    };
                    let key = (key, r.ports);
                    match self.keys.get(&key).copied().or_else(|| self.covering(registry, &r)) {
                        Some(i) => i,
                        // A one-shot search folds a service only when its first record can match, as
                        // the full engine judges it by that record's description.
                        None if self.filter.as_mut().is_some_and(|f| f.rejects(&key, &r)) => {
                            last = Some((r.service, r.ports, None));
                            continue;
                        }
                        None => {
                            let next = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
                            if let Some(ids) = self.wanted.get_mut(key.0.as_ref()) {
                                ids.push(next);
                            }
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
                                records: Text::default(),
                            });
                            next
                        }
                    }
                }
            };
            last = Some((r.service, r.ports, Some(index)));
            self.members.push((index, r.id));
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
                if let Some(d) = description {
                    entry.description = d;
                }
                entry.aliases.append(&mut aliases);
            }
        }
    }

    /// For a record outside IANA's layer, the IANA entry of the same name whose range holds its port
    /// (`/etc/services` lists `x11 6000/tcp` where IANA has x11 on 6000-6063).
    fn covering(&self, registry: &Registry, r: &Brief<'_>) -> Option<u32> {
        let span = r.ports.filter(|_| r.source != Source::Iana && !r.service.is_empty())?;
        registry
            .at_port(span.start)
            .filter(|k| k.source == Source::Iana && k.service.eq_ignore_ascii_case(r.service))
            .find_map(|k| self.keys.get(&(std::borrow::Cow::Owned(k.service.to_ascii_lowercase()), k.ports)))
            .copied()
    }

    /// Entries named `name` (lowercase), as recorded in `wanted` while folding the records.
    fn named(&self, name: &str) -> Vec<(u32, Option<PortSpan>)> {
        let ids = self.wanted.get(name).map_or(&[][..], Vec::as_slice);
        ids.iter().filter_map(|&i| self.entries.get(i as usize).map(|e| (i, e.ports))).collect()
    }

    fn add_aliases(&mut self, aliases: &Aliases) {
        for (word, targets) in aliases.iter() {
            for (order, target) in targets.iter().enumerate() {
                for (i, _) in self.named(target) {
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

    fn add_popularity(&mut self, popularity: &Popularity) {
        for (rank, name, port) in popularity.iter() {
            for (i, ports) in self.named(name) {
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

/// A bit per character class: letters (either case) and digits have their own, everything else shares
/// 28 buckets.
#[allow(clippy::cast_possible_truncation, reason = "b < 256")]
const MASK_BITS: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let lower = (b as u8).to_ascii_lowercase();
        let bit = match lower {
            b'a'..=b'z' => lower - b'a',
            b'0'..=b'9' => 26 + lower - b'0',
            _ => 36 + lower % 28,
        };
        table[b] = 1 << bit;
        b += 1;
    }
    table
};

fn char_mask(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |m, &b| m | MASK_BITS[usize::from(b)])
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
/// Where `needle` occurs in `hay`, ignoring case: the first occurrence that starts a word (and
/// `true`), else the first one (and `false`). A byte offset on a character boundary.
fn find_word_ignore_case(hay: &str, needle: &str) -> Option<(usize, bool)> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return None;
    }
    let mut first = None;
    for (i, w) in h.windows(n.len()).enumerate() {
        if hay.is_char_boundary(i) && w.eq_ignore_ascii_case(n) {
            if i == 0 || !h[i - 1].is_ascii_alphanumeric() {
                return Some((i, true));
            }
            first = first.or(Some((i, false)));
        }
    }
    first
}

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
