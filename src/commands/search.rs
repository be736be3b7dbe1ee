//! `portolan search TEXT…`: the fuzzy search engine from the shell, as a ranked table or JSON.

use std::io::{self, Write};

use super::{Context, Status, error_line};
use crate::cli::SearchArgs;
use crate::output::{Cell, Table, write_json};
use crate::search::{Hit, SearchEngine, SearchOptions};

pub fn run(ctx: &Context, args: &SearchArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Status> {
    let query = args.text.join(" ");
    if query.trim().is_empty() {
        error_line(err, "empty search: give a name, a word like 'dns', or a port")?;
        return Ok(Status::Invalid);
    }
    let opts = SearchOptions { limit: Some(args.limit), protocol: args.proto, range: args.range };
    let hits = SearchEngine::search_once(&ctx.registry, &query, &opts);
    if args.json {
        write_json(out, &hits)?;
    } else if hits.is_empty() {
        writeln!(err, "portolan: nothing matches '{}'", crate::sanitize::clean(&query))?;
    } else {
        write_table(out, &hits, ctx.color)?;
    }
    Ok(if hits.is_empty() { Status::NotFound } else { Status::Found })
}

fn write_table(out: &mut dyn Write, hits: &[Hit], color: bool) -> io::Result<()> {
    let mut table = Table::new(&["#", "PORT", "PROTO", "SERVICE", "SOURCE", "DESCRIPTION"]);
    for hit in hits {
        let port = hit.span().map_or_else(|| "-".to_owned(), |s| s.to_string());
        let port = match hit.range {
            Some(range) => Cell::range(port, range),
            None => Cell::new(port),
        };
        let protocols: Vec<&str> = hit.protocols.iter().map(|p| p.as_str()).collect();
        let protocols = if protocols.is_empty() { "-".to_owned() } else { protocols.join("/") };
        let mut service = if hit.service.is_empty() { "-".to_owned() } else { hit.service.clone() };
        if let Some(alias) = &hit.alias {
            service = format!("{service} ({alias})");
        }
        let service = match hit.range {
            Some(range) => Cell::range(service, range),
            None => Cell::new(service),
        };
        table.push(vec![
            Cell::new(hit.rank.to_string()),
            port,
            Cell::new(protocols),
            service.bold().marked(&hit.matched.service),
            Cell::new(hit.source.as_str()),
            Cell::new(&hit.description).marked(&hit.matched.description),
        ]);
    }
    table.write(out, color)
}
