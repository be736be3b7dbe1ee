//! Property tests for every parser that reads outside data: arbitrary bytes never panic, errors point
//! at a real line, and what is written in a format reads back the same.

use proptest::prelude::*;

use portolan::registry::{
    IANA_HEADER, PortSpan, Protocol, Query, RecordBuf, Registry, parse_etc_services, parse_iana_csv,
    parse_services_toml,
};
use portolan::sanitize;
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn iana_csv_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut data = IANA_HEADER.join(",").into_bytes();
        data.push(b'\n');
        data.extend_from_slice(&bytes);
        if let Err(e) = parse_iana_csv(&data) {
            let lines = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
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
}
