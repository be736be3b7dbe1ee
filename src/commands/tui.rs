//! `portolan` / `portolan tui`: hands the registry to the full-screen interface.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use super::{Context, Status};
use crate::app::Options;
use crate::cli::TuiArgs;
use crate::tui::Ended;

pub fn run(ctx: &Context, args: &TuiArgs, err: &mut dyn Write) -> io::Result<Status> {
    if !io::IsTerminal::is_terminal(&io::stdout()) {
        super::error_line(err, "the TUI needs a terminal; try `portolan lookup` or `--help`")?;
        return Ok(Status::Invalid);
    }
    let options =
        Options { refresh: Duration::from_secs_f64(args.refresh), color: ctx.color, mouse: !args.no_mouse };
    if let Ended::Signal(signal) = crate::tui::run(Arc::clone(&ctx.registry), options)? {
        // The terminal is back: now end the way the signal would have, so a shell or supervisor
        // sees that it stopped us (`kill -INT` ends a script's loop, SIGTERM is not a success).
        signal_hook::low_level::emulate_default_handler(signal)?;
    }
    Ok(Status::Found)
}
