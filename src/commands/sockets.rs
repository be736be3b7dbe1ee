//! `portolan sockets`: this machine's sockets, their owners and services, once or `--watch`ed.
//!
//! With `--watch SECS --json` the output is NDJSON: each line is one snapshot, the same array of
//! sockets that `--json` prints, compact.

use std::io::{self, Write};
use std::sync::mpsc;
use std::time::Duration;

use super::{Context, Status, error_line};
use crate::cli::SocketsArgs;
use crate::output::{Cell, Table};
use crate::sockets::{
    Collector, Endpoint, Owner, Snapshot, Socket, SocketError, SocketFilter, Update, system_source,
    write_json,
};

/// Said once, on stderr, when some owners could not be seen.
pub const OWNERS_HIDDEN_NOTICE: &str = "some sockets' owners are not visible: reading other users' \
processes needs root with CAP_SYS_PTRACE or CAP_DAC_READ_SEARCH (a container may withhold them)";

/// How many owners a table cell names before summarizing the rest.
const OWNERS_SHOWN: usize = 3;

/// One snapshot of this machine, sorted for display.
pub fn snapshot(ctx: &Context) -> Result<Snapshot, SocketError> {
    let mut snapshot = system_source(ctx.registry.clone())?.collect()?;
    snapshot.sort_for_display();
    Ok(snapshot)
}

/// The sockets with `port` at either end, sorted for display; processes are only scanned when
/// there are some.
pub fn snapshot_of_ports(ctx: &Context, ports: &[u16]) -> Result<Snapshot, SocketError> {
    let keep =
        |_, local: Endpoint, remote: Endpoint| ports.contains(&local.port) || ports.contains(&remote.port);
    let mut snapshot = system_source(ctx.registry.clone())?.collect_where(&keep)?;
    snapshot.sort_for_display();
    Ok(snapshot)
}

fn filter_of(args: &SocketsArgs) -> SocketFilter {
    SocketFilter {
        listening: args.listening,
        tcp: args.tcp,
        udp: args.udp,
        port: args.port,
        pid: args.pid,
        state: args.state,
    }
}

pub fn run(
    ctx: &Context,
    args: &SocketsArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Status> {
    let filter = filter_of(args);
    if let Some(secs) = args.watch {
        return watch(ctx, args, &filter, Duration::from_secs_f64(secs), out, err);
    }
    let snapshot = match snapshot(ctx) {
        Ok(s) => s,
        Err(e) => {
            error_line(err, &e.to_string())?;
            return Ok(Status::Invalid);
        }
    };
    let sockets: Vec<&Socket> = snapshot.sockets.iter().filter(|s| filter.matches(s)).collect();
    if args.json {
        // Compact: at 50k sockets the pretty form is ~30 MB and takes longer to print than to collect.
        write_json(out, &sockets)?;
        out.write_all(b"\n")?;
    } else {
        if sockets.is_empty() {
            writeln!(out, "no sockets match")?;
        } else {
            socket_table(&sockets).write(out, ctx.color)?;
        }
        if snapshot.owners_hidden {
            // After the table, also when both streams go to one terminal.
            out.flush()?;
            error_line(err, OWNERS_HIDDEN_NOTICE)?;
        }
    }
    Ok(if sockets.is_empty() { Status::NotFound } else { Status::Found })
}

fn watch(
    ctx: &Context,
    args: &SocketsArgs,
    filter: &SocketFilter,
    interval: Duration,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Status> {
    let source = match system_source(ctx.registry.clone()) {
        Ok(s) => s,
        Err(e) => {
            error_line(err, &e.to_string())?;
            return Ok(Status::Invalid);
        }
    };
    let (tx, rx) = mpsc::channel::<Result<Update, SocketError>>();
    let collector = Collector::spawn(source, interval, move |u| tx.send(u).is_ok());
    let mut noticed = false;
    let mut result = Ok(Status::Found);
    for (n, update) in rx.iter().enumerate() {
        let mut update = match update {
            Ok(u) => u,
            Err(e) => {
                error_line(err, &e.to_string())?;
                continue;
            }
        };
        update.snapshot.sort_for_display();
        let sockets: Vec<&Socket> = update.snapshot.sockets.iter().filter(|s| filter.matches(s)).collect();
        let written = if args.json {
            write_json(out, &sockets).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush())
        } else {
            write_watch_frame(out, &sockets, &update, n, ctx.color)
        };
        if let Err(e) = written {
            result = Err(e);
            break;
        }
        if update.snapshot.owners_hidden && !noticed && !args.json {
            noticed = true;
            error_line(err, OWNERS_HIDDEN_NOTICE)?;
        }
    }
    collector.stop();
    result
}

fn write_watch_frame(
    out: &mut dyn Write,
    sockets: &[&Socket],
    update: &Update,
    n: usize,
    color: bool,
) -> io::Result<()> {
    if n > 0 {
        out.write_all(b"\n")?;
    }
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    writeln!(
        out,
        "# {:02}:{:02}:{:02} UTC  {} sockets, {} new, {} closed",
        secs / 3600 % 24,
        secs / 60 % 60,
        secs % 60,
        sockets.len(),
        update.added.len(),
        update.closed.len()
    )?;
    socket_table(sockets).write(out, color)?;
    out.flush()
}

fn endpoint_cell(s: &Socket, local: bool) -> Cell {
    let e = if local { s.local } else { s.remote };
    if !local && e.is_unspecified() {
        return Cell::new("*");
    }
    Cell::range(e.to_string(), e.range())
}

/// `pid/name` of the first owners, `(hidden)` when they could not be seen.
pub fn owners_text(s: &Socket) -> String {
    if !s.owners_visible {
        return "(hidden)".to_owned();
    }
    if s.owners.is_empty() {
        return "-".to_owned();
    }
    let mut text: Vec<String> = s.owners.iter().take(OWNERS_SHOWN).map(Owner::label).collect();
    if s.owners.len() > OWNERS_SHOWN {
        text.push(format!("+{}", s.owners.len() - OWNERS_SHOWN));
    }
    text.join(",")
}

/// The sockets table shared by `sockets` and `lookup`; every cell is sanitized by `Cell`.
pub fn socket_table(sockets: &[&Socket]) -> Table {
    let mut table = Table::new(&["PROTO", "LOCAL", "REMOTE", "STATE", "SERVICE", "OWNERS", "USER"]);
    for s in sockets {
        let service = s.service.as_deref().unwrap_or("-");
        table.push(vec![
            Cell::new(s.protocol.as_str()),
            endpoint_cell(s, true),
            endpoint_cell(s, false),
            Cell::new(s.state.as_str()),
            Cell::new(service).bold(),
            Cell::new(owners_text(s)),
            Cell::new(s.user.as_deref().map_or_else(|| s.uid.to_string(), str::to_owned)),
        ]);
    }
    table
}
