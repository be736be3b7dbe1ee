use super::*;
use crate::registry::RecordBuf;

fn rec(service: &str, ports: &str, proto: Protocol, description: &str) -> RecordBuf {
    RecordBuf {
        service: service.into(),
        ports: Some(ports.parse().unwrap()),
        protocol: Some(proto),
        description: description.into(),
        ..RecordBuf::default()
    }
}

fn small() -> Registry {
    use Protocol::{Sctp, Tcp, Udp};
    Registry::from_records(&[
        rec("", "0", Tcp, "Reserved"),
        rec("ssh", "22", Tcp, "The Secure Shell (SSH) Protocol"),
        rec("ssh", "22", Udp, "The Secure Shell (SSH) Protocol"),
        rec("domain", "53", Tcp, "Domain Name Server"),
        rec("domain", "53", Udp, "Domain Name Server"),
        rec("http", "80", Tcp, "World Wide Web HTTP"),
        rec("http", "80", Udp, "World Wide Web HTTP"),
        rec("http", "80", Sctp, "HTTP"),
        rec("hkp", "11371", Tcp, "OpenPGP HTTP Keyserver"),
        rec("", "1025-1026", Tcp, "Unassigned"),
        rec("", "1025-1026", Udp, "Unassigned"),
        rec("postgresql", "5432", Tcp, "PostgreSQL Database"),
        rec("x11", "6000-6063", Tcp, "X Window System"),
        rec("sshell", "614", Tcp, "SSLshell"),
        RecordBuf {
            service: "rdp".into(),
            description: "Reliable Data Protocol".into(),
            ..RecordBuf::default()
        },
        rec("ms-wbt-server", "3389", Tcp, "MS WBT Server"),
        rec("pgbouncer", "6432", Tcp, "pgbouncer"),
    ])
}

fn tables() -> (Aliases, Popularity) {
    let aliases = Aliases::parse(
        "[aliases]\ndns = [\"domain\"]\npg = [\"postgresql\"]\npostgres = [\"postgresql\"]\nrdp = [\"ms-wbt-server\"]\n",
    )
    .unwrap();
    let popular = Popularity::parse(
        "[[popular]]\nname = \"ssh\"\nport = 22\n[[popular]]\nname = \"http\"\nport = 80\n\
         [[popular]]\nname = \"ms-wbt-server\"\nport = 3389\n",
    )
    .unwrap();
    (aliases, popular)
}

fn engine(reg: &Registry) -> SearchEngine {
    let (aliases, popular) = tables();
    SearchEngine::with_tables(reg, &aliases, &popular)
}

fn names(hits: &[Hit]) -> Vec<String> {
    hits.iter().map(|h| format!("{}/{}", h.service, h.span().map_or("-".into(), |s| s.to_string()))).collect()
}

#[test]
fn one_hit_per_service_and_port_with_protocols_merged() {
    let reg = small();
    let mut e = engine(&reg);
    let hits = e.search(&reg, "http", &SearchOptions::default());
    assert_eq!(names(&hits)[0], "http/80");
    assert_eq!(hits[0].protocols, [Protocol::Tcp, Protocol::Udp, Protocol::Sctp]);
    assert_eq!(hits[0].records.len(), 3);
    assert_eq!(hits.iter().filter(|h| h.service == "http").count(), 1);
    assert_eq!(hits[0].rank, 1);
    assert_eq!(hits[0].matched.service, [0, 1, 2, 3]);
    // "World Wide Web HTTP": the 4 chars of HTTP at 15..19.
    assert_eq!(hits[0].matched.description, [15, 16, 17, 18]);
}

#[test]
fn ranking_table() {
    let reg = small();
    let mut e = engine(&reg);
    // (query, expected first hit)
    let cases = [
        ("ssh", "ssh/22"),
        ("SSH", "ssh/22"),
        ("dns", "domain/53"),
        ("pg", "postgresql/5432"),
        ("postgres", "postgresql/5432"),
        ("postgrs", "postgresql/5432"),
        ("5432", "postgresql/5432"),
        ("543", "postgresql/5432"),
        ("6010", "x11/6000-6063"),
        ("rdp", "ms-wbt-server/3389"),
        ("h", "http/80"),
        ("keyserver", "hkp/11371"),
        ("udp 53", "domain/53"),
        ("53/udp", "domain/53"),
        ("x11", "x11/6000-6063"),
    ];
    for (query, first) in cases {
        let hits = e.search(&reg, query, &SearchOptions::default());
        assert_eq!(
            names(&hits).first().map(String::as_str),
            Some(first),
            "query {query:?}: {:?}",
            names(&hits)
        );
    }
}

#[test]
fn alias_hits_name_the_alias() {
    let reg = small();
    let hits = engine(&reg).search(&reg, "dns", &SearchOptions::default());
    assert_eq!(hits[0].alias.as_deref(), Some("dns"));
    assert!(hits[0].matched.service.is_empty());
}

#[test]
fn placeholders_come_last_and_only_when_asked_for() {
    let reg = small();
    let mut e = engine(&reg);
    // Short text queries never reach Reserved/Unassigned rows.
    for q in ["u", "un", "una", "res"] {
        let hits = e.search(&reg, q, &SearchOptions::default());
        assert!(hits.iter().all(|h| !h.service.is_empty()), "{q}: {:?}", names(&hits));
    }
    let hits = e.search(&reg, "unassigned", &SearchOptions::default());
    assert_eq!(names(&hits), ["/1025-1026"]);
    assert_eq!(hits[0].matched.description, (0..10).collect::<Vec<_>>());
    // An exact port still shows its placeholder row, after real services.
    let hits = e.search(&reg, "0", &SearchOptions::default());
    assert_eq!(names(&hits).last().map(String::as_str), Some("/0"), "{:?}", names(&hits));
    let hits = e.search(&reg, "102", &SearchOptions::default());
    assert!(hits.is_empty(), "prefix digits skip placeholders: {:?}", names(&hits));
}

#[test]
fn numeric_queries_are_port_lookups_first() {
    let reg = small();
    let mut e = engine(&reg);
    let hits = e.search(&reg, "22", &SearchOptions::default());
    assert_eq!(names(&hits)[0], "ssh/22");
    let hits = e.search(&reg, "6", &SearchOptions::default());
    // Ports starting with 6: 614 (3 digits) before 6000-6063 and 6432 (4 digits).
    assert_eq!(names(&hits)[..3], ["sshell/614", "x11/6000-6063", "pgbouncer/6432"]);
}

#[test]
fn filters_by_protocol_and_range() {
    let reg = small();
    let mut e = engine(&reg);
    let udp = SearchOptions { protocol: Some(Protocol::Udp), ..SearchOptions::default() };
    let hits = e.search(&reg, "s", &udp);
    assert!(hits.iter().all(|h| h.protocols.contains(&Protocol::Udp)), "{:?}", names(&hits));
    assert!(!hits.is_empty());
    assert!(e.search(&reg, "postgresql/udp", &SearchOptions::default()).is_empty());
    assert_eq!(names(&e.search(&reg, "postgresql tcp", &SearchOptions::default())), ["postgresql/5432"]);
    // A conflicting --proto and query protocol find nothing.
    assert!(e.search(&reg, "ssh/tcp", &udp).is_empty());
    let registered = SearchOptions { range: Some(PortRange::Registered), ..SearchOptions::default() };
    let hits = e.search(&reg, "s", &registered);
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h.range == Some(PortRange::Registered)), "{:?}", names(&hits));
}

#[test]
fn limit_bounds_the_hits() {
    let reg = small();
    let mut e = engine(&reg);
    let all = e.search(&reg, "s", &SearchOptions::default());
    assert!(all.len() > 3);
    let three = e.search(&reg, "s", &SearchOptions { limit: Some(3), ..SearchOptions::default() });
    assert_eq!(names(&three), names(&all)[..3]);
    assert!(e.search(&reg, "s", &SearchOptions { limit: Some(0), ..SearchOptions::default() }).is_empty());
}

#[test]
fn empty_and_hostile_queries_find_nothing_without_panicking() {
    let reg = small();
    let mut e = engine(&reg);
    for q in
        ["", "   ", "/", "/udp", "\u{1b}[2J", "zzzzzz", "99999", "0000", "ü", "a\u{0}b", &"s".repeat(5000)]
    {
        let hits = e.search(&reg, q, &SearchOptions::default());
        assert!(hits.iter().all(|h| !h.service.contains('\u{1b}')), "{q:?}");
    }
    assert!(e.search(&reg, "", &SearchOptions::default()).is_empty());
    assert!(e.search(&reg, "zzzzzz", &SearchOptions::default()).is_empty());
}

/// Typing a query one character at a time, with reuse, gives exactly what a fresh engine gives.
#[test]
fn incremental_search_equals_fresh_search() {
    let reg = Registry::bundled();
    let mut typed = SearchEngine::new(&reg);
    let opts = SearchOptions { limit: Some(30), ..SearchOptions::default() };
    for query in ["postgres", "udp 53", "sql server", "6000", "kerb", "x11", "53/udp", "micro ds"] {
        let mut q = String::new();
        for c in query.chars() {
            q.push(c);
            let mut fresh = SearchEngine::new(&reg);
            assert_eq!(typed.search(&reg, &q, &opts), fresh.search(&reg, &q, &opts), "at {q:?}");
        }
        // Backspacing (the query shrank) rescans.
        q.pop();
        let mut fresh = SearchEngine::new(&reg);
        assert_eq!(typed.search(&reg, &q, &opts), fresh.search(&reg, &q, &opts), "back to {q:?}");
    }
}

/// The reuse rests on this: whenever skim matches a longer query, it matched its prefix too, and the
/// candidate test accepts every skim match.
#[test]
fn skim_matches_imply_candidates_for_every_prefix() {
    let reg = Registry::bundled();
    let e = SearchEngine::new(&reg);
    for query in ["postgres", "ms-sql", "kerberos", "http3", "x11"] {
        let terms = parse_query(query).terms;
        for entry in &e.entries {
            let texts = std::iter::once(entry.name)
                .chain(std::iter::once(entry.description))
                .chain(entry.aliases.iter().map(|a| a.text));
            if texts.into_iter().any(|t| e.matcher.fuzzy(e.field(t), query, false).is_some()) {
                for end in 1..=query.len() {
                    let prefix = parse_query(&query[..end]).terms;
                    assert!(e.is_candidate(entry, &prefix), "{query} / {}", e.field(entry.name));
                }
                assert!(e.is_candidate(entry, &terms));
            }
        }
    }
}

#[test]
fn query_parsing() {
    let p = parse_query("  UDP   53 ");
    assert_eq!(p.protocol, Some(Protocol::Udp));
    assert_eq!(p.terms.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(), ["53"]);
    assert!(p.terms[0].numeric);
    let p = parse_query("udp");
    assert_eq!((p.protocol, p.terms.len()), (None, 1));
    let p = parse_query("ssh/tcp");
    assert_eq!((p.protocol, p.terms[0].text.as_str()), (Some(Protocol::Tcp), "ssh"));
    let p = parse_query("a/b");
    assert_eq!((p.protocol, p.terms[0].text.as_str()), (None, "a/b"));
}

#[test]
fn port_prefixes() {
    let span = |a, b| PortSpan { start: a, end: b };
    assert_eq!(port_prefix_extra(span(22, 22), "22"), Some(0));
    assert_eq!(port_prefix_extra(span(2222, 2222), "22"), Some(2));
    assert_eq!(port_prefix_extra(span(6000, 6063), "601"), Some(1));
    assert_eq!(port_prefix_extra(span(6000, 6063), "607"), None);
    assert_eq!(port_prefix_extra(span(5, 5), "0"), None);
    assert_eq!(port_prefix_extra(span(0, 0), "0"), Some(0));
    assert_eq!(port_prefix_extra(span(53, 53), "053"), None);
    assert_eq!(port_prefix_extra(span(65535, 65535), "6553"), Some(1));
    assert_eq!(port_prefix_extra(span(65535, 65535), "99999"), None);
}

#[test]
fn hits_serialize_as_documented() {
    let reg = small();
    let hits = engine(&reg).search(&reg, "x11", &SearchOptions::default());
    let json = serde_json::to_value(&hits[0]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "rank": 1, "service": "x11", "port": 6000, "port_end": 6063, "protocols": ["tcp"],
            "description": "X Window System", "range": "registered", "source": "iana",
            "score": hits[0].score, "matched": {"service": [0, 1, 2], "description": []}
        })
    );
}

#[test]
fn bundled_engine_covers_every_layer() {
    let reg = Registry::bundled();
    let mut e = SearchEngine::new(&reg);
    assert!(e.len() > 5000 && e.len() < reg.len());
    let hits = e.search(&reg, "vite", &SearchOptions::default());
    assert_eq!((hits[0].service.as_str(), hits[0].source), ("vite", Source::Common));
}

/// The one-shot engine (only matching records folded) answers exactly as the full engine does.
#[test]
fn one_shot_search_equals_full_engine() {
    let reg = Registry::bundled();
    let mut full = SearchEngine::new(&reg);
    let queries = [
        "h",
        "http",
        "e",
        "dns",
        "pg",
        "5432",
        "53",
        "udp 53",
        "53/udp",
        "x11",
        "6010",
        "k8s",
        "rdp",
        "unassigned",
        "reserved",
        "0",
        "sql server",
        "kerbros",
        "mongo",
        "vite",
        "www",
        "secure shell",
    ];
    for q in queries {
        for opts in [
            SearchOptions { limit: Some(20), ..SearchOptions::default() },
            SearchOptions { limit: Some(3), ..SearchOptions::default() },
            SearchOptions { limit: Some(10), protocol: Some(Protocol::Tcp), range: None },
            SearchOptions { limit: None, protocol: Some(Protocol::Udp), range: None },
            SearchOptions { limit: Some(50), protocol: None, range: Some(PortRange::WellKnown) },
        ] {
            let want = full.search(&reg, q, &opts);
            let got = SearchEngine::search_once(&reg, q, &opts);
            assert_eq!(names(&got), names(&want), "{q:?} {opts:?}");
            assert_eq!(got, want, "{q:?} {opts:?}");
        }
    }
}

#[test]
fn two_letters_match_descriptions_where_they_stand_together() {
    let reg = Registry::from_records(&[
        rec("alpha", "7001", Protocol::Tcp, "Remote backup agent"),
        rec("beta", "7002", Protocol::Tcp, "Secure relay"),
        rec("gamma", "7003", Protocol::Tcp, "Router extension"),
    ]);
    let mut e = engine(&reg);
    let hits = e.search(&reg, "re", &SearchOptions::default());
    // "Remote" starts a word: first; "Secure relay" has "re" mid-word and at a word start;
    // "Router extension" has r…e only scattered, which says nothing.
    assert_eq!(names(&hits)[..2], ["alpha/7001", "beta/7002"]);
    assert!(!names(&hits).contains(&"gamma/7003".to_owned()), "{:?}", names(&hits));
    let beta = hits.iter().find(|h| h.service == "beta").unwrap();
    assert_eq!(beta.matched.description, [7, 8], "the word start, not the first occurrence");
}
