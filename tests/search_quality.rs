//! Search quality, measured: queries typed the way people type them, each with the service that must
//! come first or within the top 3, against the bundled registry (no /etc/services, so the result is the
//! same on every machine). Prints the pass rate; fails when any case fails.

use portolan::registry::{PortRange, Protocol, Registry};
use portolan::search::{Hit, SearchEngine, SearchOptions};

/// (query, expected service, expected port or range, must be within the top N)
const CASES: &[(&str, &str, &str, usize)] = &[
    ("http", "http", "80", 1),
    ("https", "https", "443", 1),
    ("ssh", "ssh", "22", 1),
    ("postgres", "postgresql", "5432", 1),
    ("pg", "postgresql", "5432", 1),
    ("5432", "postgresql", "5432", 1),
    ("postgresql", "postgresql", "5432", 1),
    ("psql", "postgresql", "5432", 1),
    ("postgrs", "postgresql", "5432", 3),
    ("postgre", "postgresql", "5432", 1),
    ("dns", "domain", "53", 3),
    ("53", "domain", "53", 1),
    ("mysql", "mysql", "3306", 1),
    ("mariadb", "mysql", "3306", 1),
    ("3306", "mysql", "3306", 1),
    ("redis", "redis", "6379", 3),
    ("kerberos", "kerberos", "88", 1),
    ("ntp", "ntp", "123", 1),
    ("rdp", "ms-wbt-server", "3389", 3),
    ("remote desktop", "rdp", "3389", 3),
    ("x11", "x11", "6000-6063", 1),
    ("6010", "x11", "6000-6063", 1),
    ("mongo", "mongodb", "27017", 3),
    ("ldap", "ldap", "389", 1),
    ("ldaps", "ldaps", "636", 1),
    ("smtp", "smtp", "25", 1),
    ("imap", "imap", "143", 1),
    ("imaps", "imaps", "993", 1),
    ("pop3", "pop3", "110", 1),
    ("smb", "microsoft-ds", "445", 3),
    ("samba", "microsoft-ds", "445", 3),
    ("mssql", "ms-sql-s", "1433", 1),
    ("snmp", "snmp", "161", 1),
    ("ftp", "ftp", "21", 1),
    ("telnet", "telnet", "23", 1),
    ("k8s", "kube-apiserver", "6443", 3),
    ("kubernetes", "kube-apiserver", "6443", 3),
    ("vite", "vite", "5173", 1),
    ("vnc", "rfb", "5900", 3),
    ("dhcp", "bootps", "67", 3),
    ("syslog", "syslog", "514", 1),
    ("elastic", "elasticsearch", "9200", 3),
    ("rabbitmq", "rabbitmq", "5672", 1),
    ("amqp", "amqp", "5672", 1),
    ("memcached", "memcache", "11211", 3),
    ("mqtt", "mqtt", "1883", 1),
    ("22", "ssh", "22", 1),
    ("443", "https", "443", 1),
    ("8080", "http-alt", "8080", 1),
    ("udp 53", "domain", "53", 1),
    ("53/udp", "domain", "53", 1),
    ("udp 123", "ntp", "123", 1),
    ("Kerberos", "kerberos", "88", 1),
    ("HTTPS", "https", "443", 1),
    ("secure shell", "ssh", "22", 3),
    ("kerbros", "kerberos", "88", 3),
    ("openvpn", "openvpn", "1194", 1),
    ("wireguard", "wireguard", "51820", 1),
    ("grafana", "grafana", "3000", 1),
    ("prometheus", "prometheus", "9090", 1),
];

fn label(hit: &Hit) -> String {
    let span = hit.span().map_or_else(|| "-".to_owned(), |s| s.to_string());
    format!("{}/{span}", hit.service)
}

#[test]
fn queries_people_type_find_what_they_mean() {
    assert!(CASES.len() >= 40);
    let registry = Registry::bundled();
    let mut engine = SearchEngine::new(&registry);
    let opts = SearchOptions { limit: Some(10), ..SearchOptions::default() };
    let mut failures = Vec::new();
    for &(query, service, port, within) in CASES {
        // Typed one character at a time, as the TUI sees it.
        let mut hits = Vec::new();
        for end in query.char_indices().map(|(i, c)| i + c.len_utf8()) {
            hits = engine.search(&registry, &query[..end], &opts);
        }
        let want = format!("{service}/{port}");
        let position = hits.iter().position(|h| label(h) == want);
        if position.is_none_or(|p| p >= within) {
            let top: Vec<String> = hits.iter().take(5).map(label).collect();
            failures.push(format!(
                "{query:?}: want {want} within top {within}, got {} in {top:?}",
                position.map_or("nothing".to_owned(), |p| format!("#{}", p + 1))
            ));
        }
    }
    let passed = CASES.len() - failures.len();
    println!(
        "search quality: {passed}/{} passed ({:.1}%)",
        CASES.len(),
        100.0 * passed as f64 / CASES.len() as f64
    );
    assert!(failures.is_empty(), "failing queries:\n{}", failures.join("\n"));
}

#[test]
fn protocol_queries_keep_only_that_protocol() {
    let registry = Registry::bundled();
    let mut engine = SearchEngine::new(&registry);
    for query in ["udp 53", "53/udp", "53 udp"] {
        let hits = engine.search(&registry, query, &SearchOptions::default());
        assert!(!hits.is_empty(), "{query}");
        assert!(hits.iter().all(|h| h.protocols.contains(&Protocol::Udp)), "{query}");
    }
    let hits = engine.search(&registry, "redis/udp", &SearchOptions::default());
    assert!(hits.iter().all(|h| h.service != "redis"), "redis is tcp only");
}

#[test]
fn short_queries_are_not_flooded_by_placeholders() {
    let registry = Registry::bundled();
    let mut engine = SearchEngine::new(&registry);
    for query in ["u", "un", "una", "re", "res", "a", "d"] {
        let hits = engine.search(&registry, query, &SearchOptions::default());
        assert!(hits.iter().all(|h| !h.service.is_empty()), "{query}: a Reserved/Unassigned row");
    }
    // Well-known ports come before registered ones when all else is equal.
    let hits = engine.search(&registry, "1", &SearchOptions { limit: Some(5), ..SearchOptions::default() });
    assert!(
        hits.iter().all(|h| h.range == Some(PortRange::WellKnown)),
        "{:?}",
        hits.iter().map(label).collect::<Vec<_>>()
    );
}
