//! `portolan free [A-B]`: ports nothing is bound to right now and the kernel does not reserve,
//! best first: no IANA assignment and outside the ephemeral range before the rest.

use std::io::{self, Write};

use serde::Serialize;

use super::{Context, Status, error_line};
use crate::cli::FreeArgs;
use crate::output::{Cell, Table, write_json};
use crate::registry::{PortRange, PortSpan, Protocol, Registry};
use crate::sockets::{PortSet, Snapshot};
use crate::system::PortSettings;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FreePort {
    pub port: u16,
    pub range: PortRange,
    /// The registered service, when IANA (or another layer) assigns the port.
    pub service: Option<String>,
    /// In the kernel's ephemeral range: a client may take it at any moment.
    pub ephemeral: bool,
}

/// What the search found, and why there may be fewer ports than asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeSearch {
    pub ports: Vec<FreePort>,
    pub free_total: u32,
    pub bound: u32,
    pub reserved: u32,
}

/// The best `count` free ports of `span`; `proto` None means free for both TCP and UDP.
pub fn find_free(
    registry: &Registry,
    snapshot: &Snapshot,
    settings: &PortSettings,
    span: PortSpan,
    proto: Option<Protocol>,
    count: usize,
) -> FreeSearch {
    let mut bound = PortSet::default();
    for s in snapshot.sockets.iter().filter(|s| proto.is_none_or(|p| p == s.protocol)) {
        bound.insert(s.local.port);
    }
    let (mut n_bound, mut n_reserved) = (0, 0);
    let mut free = Vec::new();
    for port in span.start..=span.end {
        if port == 0 {
            continue;
        }
        if bound.contains(port) {
            n_bound += 1;
        } else if settings.is_reserved(port) {
            n_reserved += 1;
        } else {
            let service =
                registry.at_port(port).find(|r| !r.service.is_empty()).map(|r| r.service.to_owned());
            let ephemeral = settings.ephemeral.is_some_and(|e| e.contains(port));
            free.push(FreePort { port, range: PortRange::of(port), service, ephemeral });
        }
    }
    let free_total = u32::try_from(free.len()).unwrap_or(u32::MAX);
    free.sort_by_key(|f| (f.service.is_some(), f.ephemeral, f.port));
    free.truncate(count);
    free.sort_by_key(|f| f.port);
    FreeSearch { ports: free, free_total, bound: n_bound, reserved: n_reserved }
}

pub fn run(ctx: &Context, args: &FreeArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Status> {
    let span = args.span.unwrap_or(PortRange::Registered.span());
    let snapshot = match super::sockets::snapshot(ctx) {
        Ok(s) => s,
        Err(e) => {
            error_line(err, &format!("cannot tell which ports are free: {e}"))?;
            return Ok(Status::Invalid);
        }
    };
    let settings = PortSettings::read();
    let found = find_free(&ctx.registry, &snapshot, &settings, span, args.proto, args.count);
    if found.ports.len() < args.count {
        error_line(
            err,
            &format!(
                "only {} of the {} ports in {span} are free ({} bound, {} reserved by ip_local_reserved_ports)",
                found.free_total,
                span.count(),
                found.bound,
                found.reserved
            ),
        )?;
    }
    if args.json {
        write_json(out, &found.ports)?;
    } else {
        let mut table = Table::new(&["PORT", "RANGE", "IANA", "NOTE"]);
        for f in &found.ports {
            table.push(vec![
                Cell::range(f.port.to_string(), f.range).bold(),
                Cell::range(f.range.as_str(), f.range),
                Cell::new(
                    f.service
                        .as_deref()
                        .map_or_else(|| "unassigned".to_owned(), |s| format!("assigned: {s}")),
                ),
                Cell::new(if f.ephemeral { "ephemeral range: a client may take it" } else { "" }),
            ]);
        }
        if !table.is_empty() {
            table.write(out, ctx.color)?;
        }
    }
    Ok(if found.ports.is_empty() { Status::NotFound } else { Status::Found })
}
