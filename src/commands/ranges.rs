//! `portolan ranges`: IANA's three ranges side by side with what this machine's kernel does.

use std::io::{self, Write};

use serde::Serialize;

use super::{Context, Status};
use crate::cli::JsonArgs;
use crate::output::{Cell, Table, write_json};
use crate::registry::{PortRange, PortSpan};
use crate::system::{LINUX_DEFAULT_EPHEMERAL, PortSettings};

#[derive(Debug, Serialize)]
struct RangeJson {
    name: &'static str,
    rfc6335_name: &'static str,
    start: u16,
    end: u16,
    ports: u32,
    assigned_ports: usize,
    purpose: &'static str,
}

#[derive(Debug, Serialize)]
struct RangesJson {
    ranges: Vec<RangeJson>,
    machine: PortSettings,
}

pub fn run(ctx: &Context, args: &JsonArgs, out: &mut dyn Write) -> io::Result<Status> {
    let settings = PortSettings::read();
    let counts = ctx.registry.assigned_counts();
    let ranges: Vec<RangeJson> = PortRange::ALL
        .into_iter()
        .map(|r| RangeJson {
            name: r.as_str(),
            rfc6335_name: r.rfc6335_name(),
            start: r.span().start,
            end: r.span().end,
            ports: r.span().count(),
            assigned_ports: counts[r as usize],
            purpose: r.purpose(),
        })
        .collect();
    if args.json {
        write_json(out, &RangesJson { ranges, machine: settings })?;
        return Ok(Status::Found);
    }
    let mut table = Table::new(&["RANGE", "PORTS", "RFC 6335", "ASSIGNED", "PURPOSE"]);
    for (r, json) in PortRange::ALL.into_iter().zip(&ranges) {
        table.push(vec![
            Cell::range(r.title(), r).bold(),
            Cell::range(r.span().to_string(), r),
            Cell::new(r.rfc6335_name()),
            Cell::new(format!("{} of {}", json.assigned_ports, json.ports)),
            Cell::new(r.purpose()),
        ]);
    }
    table.write(out, ctx.color)?;
    out.write_all(b"\nThis machine (/proc/sys/net/ipv4):\n")?;
    let mut machine = Table::new(&["SETTING", "VALUE", "IANA'S VIEW"]);
    let unknown = || "unknown (not readable here)".to_owned();
    machine.push(vec![
        Cell::new("ip_local_port_range"),
        Cell::new(settings.ephemeral.map_or_else(unknown, describe_ephemeral)),
        Cell::new(format!("dynamic range is {}", PortRange::Dynamic.span())),
    ]);
    machine.push(vec![
        Cell::new("ip_unprivileged_port_start"),
        Cell::new(
            settings.unprivileged_start.map_or_else(unknown, |p| {
                format!("{p}: binding below it needs root or CAP_NET_BIND_SERVICE")
            }),
        ),
        Cell::new(format!("system ports are {}", PortRange::WellKnown.span())),
    ]);
    machine.push(vec![
        Cell::new("ip_local_reserved_ports"),
        Cell::new(settings.reserved.as_ref().map_or_else(unknown, |r| {
            if r.is_empty() {
                "none".to_owned()
            } else {
                r.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
            }
        })),
        Cell::new("never handed out as ephemeral ports"),
    ]);
    machine.write(out, ctx.color)?;
    Ok(Status::Found)
}

/// How the kernel's ephemeral range sits against IANA's dynamic range.
pub fn describe_ephemeral(span: PortSpan) -> String {
    let dynamic = PortRange::Dynamic.span();
    let default = if span == LINUX_DEFAULT_EPHEMERAL { ", Linux's default" } else { "" };
    let relation = if span == dynamic {
        "exactly IANA's dynamic range".to_owned()
    } else if span.start >= dynamic.start {
        "inside IANA's dynamic range".to_owned()
    } else {
        let below = u32::from(dynamic.start.min(span.end.saturating_add(1))) - u32::from(span.start);
        format!("{below} of its {} ports lie in IANA's registered range", span.count())
    };
    format!("{span} ({} ports{default}): {relation}", span.count())
}
