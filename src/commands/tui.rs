//! `portolan` / `portolan tui`: hands the registry to the full-screen interface.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use super::{Context, Status};
use crate::app::Options;
use crate::cli::TuiArgs;

pub fn run(ctx: &Context, args: &TuiArgs, err: &mut dyn Write) -> io::Result<Status> {
    if !io::IsTerminal::is_terminal(&io::stdout()) {
        super::error_line(err, "the TUI needs a terminal; try `portolan lookup` or `--help`")?;
        return Ok(Status::Invalid);
    }
    let options =
        Options { refresh: Duration::from_secs_f64(args.refresh), color: ctx.color, mouse: !args.no_mouse };
    crate::tui::run(Arc::clone(&ctx.registry), options)?;
    Ok(Status::Found)
}
