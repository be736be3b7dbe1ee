//! Property tests for every parser that reads outside data: arbitrary bytes never panic, errors point
//! at a real line, and what is written in a format reads back the same.

use std::fmt::Write as _;

use proptest::prelude::*;

use clap::Parser;
use portolan::cli::{Cli, Command};
use portolan::registry::{
    IANA_HEADER, PortSpan, Protocol, Query, RecordBuf, Registry, parse_etc_services, parse_iana_csv,
    parse_services_toml,
};
use portolan::sanitize;
use portolan::search::{Aliases, AssetError, Popularity};
use portolan::system::{parse_port_range, parse_reserved};

/// Field text as IANA writes it: anything printable, commas, quotes and newlines included, no
/// surrounding whitespace (the importer trims it).
fn field() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ,\"\n\\-_.\\[\\]é–]{0,24}".prop_map(|s| s.trim().to_owned())
}

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,12}"
}

fn protocol() -> impl Strategy<Value = Option<Protocol>> {
    prop_oneof![Just(None), proptest::sample::select(Protocol::ALL.to_vec()).prop_map(Some)]
}

fn span() -> impl Strategy<Value = PortSpan> {
    (any::<u16>(), 0u16..80).prop_map(|(start, len)| PortSpan { start, end: start.saturating_add(len) })
}

fn record() -> impl Strategy<Value = RecordBuf> {
    (name(), proptest::option::of(span()), protocol(), field(), field(), field(), field()).prop_map(
        |(service, ports, protocol, description, assignee, reference, notes)| RecordBuf {
            service,
            ports,
            protocol,
            description,
            assignee,
            reference,
            notes,
            ..RecordBuf::default()
        },
    )
}

fn to_csv(records: &[RecordBuf]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(IANA_HEADER).unwrap();
    for r in records {
        let port = r.ports.map(|p| p.to_string()).unwrap_or_default();
        let proto = r.protocol.map(|p| p.as_str().to_owned()).unwrap_or_default();
        w.write_record([
            r.service.as_str(),
            &port,
            &proto,
            &r.description,
            &r.assignee,
            "",
            "",
            "",
            &r.reference,
            "",
            "",
            &r.notes,
        ])
        .unwrap();
    }
    w.into_inner().unwrap()
}

/// `file:line: ` at the start of an asset error, with the line inside the text.
fn check_asset_error(e: &AssetError, file: &str, text: &str) -> Result<(), TestCaseError> {
    let lines = text.lines().count() + 1;
    prop_assert!(e.line() >= 1 && e.line() <= lines, "line {} of {}: {}", e.line(), lines, e);
    let shown = e.to_string();
    let prefix = format!("{file}:{}: ", e.line());
    prop_assert!(shown.starts_with(&prefix) && shown.len() > prefix.len(), "{}", shown);
    Ok(())
}

/// Lines that look like the asset files, and lines that do not.
fn asset_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("[aliases]".to_owned()),
        Just("[[popular]]".to_owned()),
        "[a-z0-9-]{0,6} = \\[(\"[a-zA-Z ]{0,5}\", ?){0,3}\\]",
        "\"[a-zA-Z ]{0,6}\" = \\[\"x\"\\]",
        "(name|rank) = \"[a-zA-Z]{0,5}\"",
        "port = -?[0-9]{1,6}",
        "[^\n]{0,20}",
    ];
    proptest::collection::vec(line, 0..12).prop_map(|lines| lines.join("\n"))
}

/// Command-line words: the program's own, values at and past every limit, and anything at all.
fn cli_word() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(vec![
            "lookup",
            "search",
            "ranges",
            "registry",
            "info",
            "update",
            "completions",
            "man",
            "sockets",
            "free",
            "tui",
            "--json",
            "--port",
            "--pid",
            "--state",
            "--watch",
            "--refresh",
            "--limit",
            "-n",
            "--count",
            "--proto",
            "--range",
            "--color",
            "--from",
            "-l",
            "-t",
            "-u",
            "--no-mouse",
            "--",
            "-",
        ])
        .prop_map(str::to_owned),
        proptest::sample::select(vec![
            "70000",
            "65535",
            "65536",
            "-1",
            "0",
            "0.1",
            "0.09",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "1e309",
            "86400",
            "86400.1",
            "1e-300",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999999",
            "0x50",
            "1-2",
            "65535-0",
            "0-65535",
            "listen",
            "time-wait",
            "bash",
            "tcp",
            "icmp",
            "well-known",
            "always",
        ])
        .prop_map(str::to_owned),
        "(?s).{0,12}",
        "[\u{0}-\u{1f}\u{7f}-\u{9f}\u{202a}-\u{202e}\u{1F600}]{1,4}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn iana_csv_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut data = IANA_HEADER.join(",").into_bytes();
        data.push(b'\n');
        data.extend_from_slice(&bytes);
        if let Err(e) = parse_iana_csv(&data) {
            let lines = memchr::memchr_iter(b'\n', &data).count() as u64 + 1;
            prop_assert!(e.line >= 1 && e.line <= lines, "line {} of {}", e.line, lines);
            prop_assert!(!e.message.is_empty());
        }
        let _ = parse_iana_csv(&bytes);
    }

    #[test]
    fn iana_csv_round_trips(records in proptest::collection::vec(record(), 0..40)) {
        let parsed = parse_iana_csv(&to_csv(&records)).unwrap();
        prop_assert_eq!(parsed, records);
    }

    #[test]
    fn packed_tables_find_every_record(records in proptest::collection::vec(record(), 1..60)) {
        let registry = Registry::from_records(&records);
        prop_assert_eq!(registry.len(), records.len());
        for r in &records {
            let by_name = registry.named(&r.service.to_uppercase());
            prop_assert!(by_name.iter().any(|f| f.ports == r.ports && f.protocol == r.protocol && f.description == r.description));
            if let Some(span) = r.ports {
                for port in [span.start, span.end] {
                    prop_assert!(registry.at_port(port).any(|f| f.service == r.service && f.ports == r.ports));
                }
            }
        }
        // Nothing is found on a port no record covers.
        for port in [0u16, 1, 1024, 49152, 65535] {
            let expected = records.iter().filter(|r| r.ports.is_some_and(|s| s.contains(port))).count();
            prop_assert_eq!(registry.at_port(port).count(), expected);
        }
    }

    #[test]
    fn etc_services_never_panics(text in "(?s).{0,600}") {
        for r in parse_etc_services(&text) {
            prop_assert!(!r.service.is_empty());
            prop_assert!(r.ports.is_some() && r.protocol.is_some());
        }
    }

    #[test]
    fn services_toml_errors_point_at_a_line(text in "(?s)(\\[\\[service\\]\\]\n|name = \"[a-z ]{0,5}\"\n|port = -?[0-9]{1,6}\n|port_end = [0-9]{1,6}\n|protocols = \\[\"[a-z]{0,5}\"\\]\n|[^\n]{0,20}\n){0,12}") {
        match parse_services_toml(&text) {
            Ok(records) => for r in records {
                prop_assert!(r.ports.is_some_and(|p| p.start <= p.end));
            },
            Err(e) => {
                let lines = text.lines().count().max(1) + 1;
                prop_assert!(e.line >= 1 && e.line <= lines, "line {} of {}: {}", e.line, lines, e.message);
            }
        }
    }

    #[test]
    fn queries_parse_or_explain(s in "(?s).{0,40}") {
        match s.parse::<Query>() {
            Ok(Query::Name(n)) => prop_assert!(!n.chars().any(char::is_control)),
            Ok(Query::Span(span)) => prop_assert!(span.start < span.end),
            Ok(Query::Port(_)) => {}
            Err(e) => prop_assert!(!e.is_empty()),
        }
    }

    #[test]
    fn numeric_queries_are_ports(port in any::<u16>(), end in any::<u16>()) {
        prop_assert_eq!(port.to_string().parse::<Query>(), Ok(Query::Port(port)));
        let q = format!("{port}-{end}").parse::<Query>();
        prop_assert_eq!(q.is_ok(), port <= end);
        let too_big = u32::from(port) + 65536;
        prop_assert!(too_big.to_string().parse::<Query>().is_err());
    }

    #[test]
    fn proc_settings_never_panic(s in "(?s).{0,60}") {
        if let Some(span) = parse_port_range(&s) {
            prop_assert!(span.start <= span.end);
        }
        let _ = parse_reserved(&s);
    }

    #[test]
    fn sanitized_text_has_no_controls(s in "(?s).{0,80}") {
        let clean = sanitize::clean(&s);
        let bidi = |c: char| ('\u{202a}'..='\u{202e}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c);
        let unsafe_chars = clean.chars().filter(|&c| c.is_control() || bidi(c)).count();
        prop_assert_eq!(unsafe_chars, 0);
    }

    #[test]
    fn asset_tables_never_panic(text in "(?s).{0,300}", near in asset_text()) {
        for text in [&text, &near] {
            if let Err(e) = Aliases::parse(text) {
                check_asset_error(&e, "aliases.toml", text)?;
            }
            if let Err(e) = Popularity::parse(text) {
                check_asset_error(&e, "popular.toml", text)?;
            }
        }
    }

    #[test]
    fn aliases_round_trip(
        table in proptest::collection::btree_map("[a-z0-9][a-z0-9-]{0,8}", proptest::collection::vec("[A-Za-z0-9-]{1,10}", 0..4), 0..12),
        bad in proptest::option::of(("[a-z]{1,4}[ A-Z][a-z]{0,4}", any::<proptest::sample::Index>())),
    ) {
        let mut lines: Vec<String> = table
            .iter()
            .map(|(word, targets)| {
                let targets: Vec<String> = targets.iter().map(|t| format!("\"{t}\"")).collect();
                format!("\"{word}\" = [{}]", targets.join(", "))
            })
            .collect();
        let bad_line = bad.as_ref().map(|(word, at)| {
            let at = at.index(lines.len() + 1);
            lines.insert(at, format!("\"{word}\" = [\"x\"]"));
            at + 3 // after the comment and the table header
        });
        let text = format!("# aliases\n[aliases]\n{}\n", lines.join("\n"));
        match (Aliases::parse(&text), bad_line) {
            (Ok(aliases), None) => {
                for (word, targets) in &table {
                    let want: Vec<String> = targets.iter().map(|t| t.to_ascii_lowercase()).collect();
                    prop_assert_eq!(aliases.targets(word), want.as_slice());
                }
                prop_assert!(aliases.targets("no such word").is_empty());
                prop_assert_eq!(aliases.iter().count(), table.len());
            }
            (Err(AssetError::BadWord { line, word, .. }), Some(bad_line)) => {
                prop_assert_eq!(line, bad_line, "{}", text);
                prop_assert_eq!(Some(word), bad.map(|(w, _)| w));
            }
            (other, _) => prop_assert!(false, "{:?} for {}", other, text),
        }
    }

    #[test]
    fn popularity_keeps_file_order(entries in proptest::collection::vec(("[A-Za-z][a-z0-9-]{0,10}", any::<u16>()), 0..20)) {
        let text = entries.iter().enumerate().fold(String::new(), |mut text, (i, (name, port))| {
            let _ = write!(text, "[[popular]]\nrank = {}\nname = \"{name}\"\nport = {port}\n\n", i + 1);
            text
        });
        let popular = Popularity::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let got: Vec<(usize, String, u16)> = popular.iter().map(|(r, n, p)| (r, n.to_owned(), p)).collect();
        let want: Vec<(usize, String, u16)> =
            entries.iter().enumerate().map(|(i, (n, p))| (i + 1, n.to_ascii_lowercase(), *p)).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn cli_arguments_parse_or_explain(words in proptest::collection::vec(cli_word(), 0..7)) {
        match Cli::try_parse_from(std::iter::once("portolan".to_owned()).chain(words)) {
            Ok(cli) => match cli.command {
                Some(Command::Sockets(a)) => {
                    prop_assert!(a.watch.is_none_or(|w| w.is_finite() && (0.1..=86_400.0).contains(&w)));
                }
                Some(Command::Tui(a)) => prop_assert!((0.25..=60.0).contains(&a.refresh)),
                Some(Command::Search(a)) => prop_assert!(a.limit >= 1 && !a.text.is_empty()),
                Some(Command::Lookup(a)) => prop_assert!(!a.queries.is_empty()),
                Some(Command::Free(a)) => prop_assert!(a.span.is_none_or(|s| s.start <= s.end)),
                _ => {}
            },
            Err(e) => {
                // Help and version are "errors" that exit 0; everything else is a usage error.
                prop_assert_eq!(e.exit_code(), if e.use_stderr() { 2 } else { 0 });
                prop_assert!(!e.render().to_string().trim().is_empty());
            }
        }
    }

    #[test]
    fn cli_numbers_are_checked(port in any::<u32>(), secs in any::<f64>(), text in "[-+.0-9eEinfaINFA]{1,8}") {
        let parse = |args: &[&str]| Cli::try_parse_from(std::iter::once("portolan").chain(args.iter().copied()));
        let p = port.to_string();
        prop_assert_eq!(parse(&["sockets", "--port", &p]).is_ok(), port <= 65535);
        for value in [secs.to_string(), text] {
            let watch = parse(&["sockets", "--watch", &value]);
            let refresh = parse(&["tui", "--refresh", &value]);
            match value.parse::<f64>() {
                Ok(v) => {
                    prop_assert_eq!(watch.is_ok(), (0.1..=86_400.0).contains(&v), "--watch {}", value);
                    prop_assert_eq!(refresh.is_ok(), (0.25..=60.0).contains(&v), "--refresh {}", value);
                }
                Err(_) => prop_assert!(watch.is_err() && refresh.is_err(), "{}", value),
            }
        }
    }
}
