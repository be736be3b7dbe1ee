//! The `portolan` binary: parse the command line, run the command, turn its outcome into an exit code.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use portolan::cli::{Cli, Command, RegistryCommand};
use portolan::commands::{self, Context, Status};
use portolan::output::use_color;
use portolan::registry::{Paths, Registry};
use portolan::sanitize;

fn main() -> ExitCode {
    let cli = Cli::try_parse().unwrap_or_else(|e| usage_error(&e));
    let paths = Paths::from_env();
    let registry = Registry::load(&paths);
    // Neither stream is locked for the program's life: a worker thread's panic message (or the TUI's
    // panic hook) must be able to reach stderr without waiting for `main` forever.
    let mut err = io::stderr();
    for warning in registry.warnings() {
        let _ = writeln!(err, "portolan: warning: {}", sanitize::clean(warning));
    }
    let ctx = Context { registry: std::sync::Arc::new(registry), paths, color: use_color(cli.color) };
    let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout());
    let result =
        run(&ctx, cli.command, &cli.tui, &mut out, &mut err).and_then(|status| out.flush().map(|()| status));
    match result {
        Ok(status) => ExitCode::from(status.code()),
        // A closed pipe (`portolan lookup … | head`) is the reader's choice, not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = commands::error_line(&mut err, &e.to_string());
            ExitCode::from(Status::Invalid.code())
        }
    }
}

/// Help and version print as clap writes them. A usage error goes out as plain text through the
/// sanitizer, line by line: it quotes the argument back, and an argument can hold escape sequences or
/// bidi overrides (clap strips only its own styles, and only when stderr is not a terminal).
fn usage_error(e: &clap::Error) -> ! {
    if !e.use_stderr() {
        e.exit();
    }
    let mut err = io::stderr().lock();
    for line in e.render().to_string().lines() {
        let _ = writeln!(err, "{}", sanitize::clean(line));
    }
    std::process::exit(e.exit_code())
}

fn run(
    ctx: &Context,
    command: Option<Command>,
    tui: &portolan::cli::TuiArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Status> {
    match command {
        Some(Command::Lookup(args)) => commands::lookup::run(ctx, &args, out, err),
        Some(Command::Search(args)) => commands::search::run(ctx, &args, out, err),
        Some(Command::Ranges(args)) => commands::ranges::run(ctx, &args, out),
        Some(Command::Registry(RegistryCommand::Info(args))) => commands::registry::info(ctx, args.json, out),
        Some(Command::Registry(RegistryCommand::Update { from, json })) => {
            commands::registry::update(ctx, &from, json, out, err)
        }
        Some(Command::Completions { shell }) => {
            // Generated into memory: clap_complete panics on a failed write, `out` may be a closed pipe.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "portolan", &mut script);
            out.write_all(&script)?;
            Ok(Status::Found)
        }
        Some(Command::Man) => {
            clap_mangen::Man::new(Cli::command()).render(out)?;
            Ok(Status::Found)
        }
        Some(Command::Sockets(args)) => commands::sockets::run(ctx, &args, out, err),
        Some(Command::Free(args)) => commands::free::run(ctx, &args, out, err),
        Some(Command::Tui(args)) => commands::tui::run(ctx, &args, err),
        // With no command, a terminal gets the TUI and a pipe gets the help.
        None if io::IsTerminal::is_terminal(&io::stdout()) => commands::tui::run(ctx, tui, err),
        None => {
            write!(out, "{}", Cli::command().render_help())?;
            Ok(Status::Found)
        }
    }
}
