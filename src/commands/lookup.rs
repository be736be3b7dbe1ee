//! `portolan lookup QUERY…`: ports, port ranges and service names, answered from the registry.

use std::io::{self, Write};

use serde::Serialize;

use super::{Context, Status, error_line};
use crate::cli::LookupArgs;
use crate::output::{Cell, Table, write_json};
use crate::registry::{PortRange, PortSpan, Protocol, Query, Record, Registry, Source};
use crate::sockets::{Snapshot, Socket, SocketError};

/// The answer to one query.
#[derive(Debug, Serialize)]
pub struct Answer<'a> {
    pub query: String,
    /// The range of a numeric query (`well-known`, …; a span across ranges lists them comma-separated).
    pub range: Option<String>,
    pub records: Vec<Record<'a>>,
    /// For a port query: the sockets using that port on this machine now (empty when live sockets
    /// are unavailable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sockets: Option<Vec<Socket>>,
}

/// Answers one query against the registry.
pub fn answer<'a>(registry: &'a Registry, query: &Query, raw: &str, proto: Option<Protocol>) -> Answer<'a> {
    let keep = |r: &Record<'_>| proto.is_none_or(|p| r.protocol == Some(p));
    let (range, records) = match query {
        Query::Port(port) => {
            (Some(PortRange::of(*port).as_str().to_owned()), registry.at_port(*port).filter(keep).collect())
        }
        Query::Span(span) => {
            (Some(ranges_of(*span)), registry.in_span(*span).into_iter().filter(keep).collect())
        }
        Query::Name(name) => (None, registry.named(name).into_iter().filter(keep).collect()),
    };
    Answer { query: raw.to_owned(), range, records, sockets: None }
}

fn ranges_of(span: PortSpan) -> String {
    PortRange::ALL
        .into_iter()
        .filter(|r| r.span().overlaps(span))
        .map(PortRange::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

pub fn run(ctx: &Context, args: &LookupArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Status> {
    let mut queries = Vec::new();
    for raw in &args.queries {
        match raw.parse::<Query>() {
            Ok(q) => queries.push((q, raw.trim())),
            Err(message) => {
                error_line(err, &format!("invalid query '{raw}': {message}"))?;
                return Ok(Status::Invalid);
            }
        }
    }
    let mut answers: Vec<Answer<'_>> =
        queries.iter().map(|(q, raw)| answer(&ctx.registry, q, raw, args.proto)).collect();
    let ports: Vec<u16> =
        queries.iter().filter_map(|(q, _)| if let Query::Port(p) = q { Some(*p) } else { None }).collect();
    let live = (!ports.is_empty()).then(|| super::sockets::snapshot_of_ports(ctx, &ports));
    for (answer, (query, _)) in answers.iter_mut().zip(&queries) {
        if let (Query::Port(port), Some(live)) = (query, &live) {
            answer.sockets =
                Some(live.as_ref().map(|s| using_port(s, *port, args.proto)).unwrap_or_default());
        }
    }
    let found = answers.iter().any(|a| !a.records.is_empty());
    if args.json {
        write_json(out, &answers)?;
    } else {
        for (i, (answer, (query, _))) in answers.iter().zip(&queries).enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            write_human(out, answer, query, ctx.color)?;
            if let (Query::Port(_), Some(live)) = (query, &live) {
                write_on_this_machine(out, answer, live.as_ref().err(), ctx.color)?;
            }
        }
        if live.as_ref().is_some_and(|l| l.as_ref().is_ok_and(|s| s.owners_hidden)) {
            out.flush()?;
            error_line(err, super::sockets::OWNERS_HIDDEN_NOTICE)?;
        }
    }
    Ok(if found { Status::Found } else { Status::NotFound })
}

fn write_human(out: &mut dyn Write, answer: &Answer<'_>, query: &Query, color: bool) -> io::Result<()> {
    let mut heading = Table::new(&[]);
    match query {
        Query::Port(port) => {
            let range = PortRange::of(*port);
            let named = |source: Option<Source>| {
                answer.records.iter().any(|r| !r.service.is_empty() && source.is_none_or(|s| r.source == s))
            };
            let status = match (named(Some(Source::Iana)), named(None)) {
                (true, _) => "assigned by IANA",
                (false, true) => "unassigned by IANA, known local or common use",
                (false, false) => "unassigned",
            };
            heading.push(vec![
                Cell::range(format!("port {port}"), range).bold(),
                Cell::range(format!("{} range ({})", range.title().to_lowercase(), range.span()), range),
                Cell::new(status),
            ]);
        }
        Query::Span(span) => {
            heading.push(vec![Cell::new(format!("ports {span}")).bold(), Cell::new(ranges_of(*span))]);
        }
        Query::Name(name) => heading.push(vec![Cell::new(format!("service '{name}'")).bold()]),
    }
    heading.write(out, color)?;
    if answer.records.is_empty() {
        return writeln!(out, "  no registered service");
    }
    let mut table = Table::new(&["PORT", "PROTO", "SERVICE", "SOURCE", "DESCRIPTION"]);
    // One row per service and source, its protocols joined (`tcp/udp`); JSON keeps every record.
    let mut rows: Vec<(&Record<'_>, Vec<&'static str>)> = Vec::new();
    for r in &answer.records {
        let proto = r.protocol.map_or("-", Protocol::as_str);
        match rows.iter_mut().find(|(k, _)| {
            (k.ports, k.service, k.source, k.description) == (r.ports, r.service, r.source, r.description)
        }) {
            Some((_, protos)) => protos.push(proto),
            None => rows.push((r, vec![proto])),
        }
    }
    for (r, protos) in rows {
        let port = r.ports.map_or_else(|| "-".to_owned(), |p| p.to_string());
        let port_cell = match r.range() {
            Some(range) => Cell::range(port, range),
            None => Cell::new(port),
        };
        let mut service = if r.service.is_empty() { "-".to_owned() } else { r.service.to_owned() };
        if !r.aliases.is_empty() {
            service = format!("{service} ({})", r.aliases.replace(' ', ", "));
        }
        table.push(vec![
            port_cell,
            Cell::new(protos.join("/")),
            Cell::new(service).bold(),
            Cell::new(r.source.as_str()),
            Cell::new(r.description),
        ]);
    }
    table.write(out, color)
}

/// Sockets bound to `port` here, and connections whose server side is `port`.
pub fn using_port(snapshot: &Snapshot, port: u16, proto: Option<Protocol>) -> Vec<Socket> {
    snapshot
        .sockets
        .iter()
        .filter(|s| proto.is_none_or(|p| p == s.protocol))
        .filter(|s| s.local.port == port || (s.remote.port == port && s.service_port == Some(port)))
        .cloned()
        .collect()
}

fn write_on_this_machine(
    out: &mut dyn Write,
    answer: &Answer<'_>,
    error: Option<&SocketError>,
    color: bool,
) -> io::Result<()> {
    out.write_all(b"\non this machine:\n")?;
    if let Some(e) = error {
        return writeln!(out, "  {}", crate::sanitize::clean(&e.to_string()));
    }
    let sockets: Vec<&Socket> = answer.sockets.iter().flatten().collect();
    if sockets.is_empty() {
        return writeln!(out, "  nothing is using it now");
    }
    super::sockets::socket_table(&sockets).write(out, color)
}
