//! The terminal side of the TUI: set the terminal up and always put it back (quit, error, panic,
//! SIGTERM/SIGHUP/SIGINT, Ctrl-Z), and run the event loop. An input thread, a signal thread and the
//! socket collector feed one channel; the loop applies everything pending, then draws one frame.

use std::io::{self, Stdout};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use crossterm::event::{
    self as term_event, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGTSTP};

use crate::app::{App, Event, Options};
use crate::registry::Registry;
use crate::system::PortSettings;

type Term = Terminal<CrosstermBackend<Stdout>>;

/// A hidden switch that exists only for the terminal-restore tests in `tests/tui_pty.rs`: with
/// `PORTOLAN_TEST_PANIC=after-first-frame` the TUI panics right after drawing its first frame, and
/// with `PORTOLAN_TEST_PANIC=in-collector` the socket collector's thread panics on its first
/// snapshot, so the tests can check that a panic on any thread gives the terminal back before
/// its message prints, and ends the program.
const TEST_PANIC: &str = "PORTOLAN_TEST_PANIC";

/// How the TUI ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The user quit.
    Quit,
    /// SIGTERM, SIGHUP or SIGINT asked it to stop; the terminal is restored, and the caller should
    /// end the process the way that signal would have.
    Signal(i32),
}

/// What arrives on the loop's one channel.
enum Msg {
    App(Event),
    /// The search engine, built off the main thread.
    Searcher(Box<dyn crate::app::Searcher>),
    /// SIGTERM, SIGHUP or SIGINT: leave cleanly.
    Signal(i32),
}

fn setup(mouse: bool) -> io::Result<()> {
    enable_raw_mode()?;
    // Bracketed paste: a paste arrives as one event, not as keys that would run commands.
    execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
    if mouse {
        execute!(io::stdout(), EnableMouseCapture)?;
    }
    Ok(())
}

/// Puts the terminal back; safe to call more than once and from the panic hook.
fn restore(mouse: bool) {
    if mouse {
        let _ = execute!(io::stdout(), DisableMouseCapture);
    }
    let _ = execute!(io::stdout(), DisableBracketedPaste, LeaveAlternateScreen, crossterm::cursor::Show);
    let _ = disable_raw_mode();
}

/// Restores the terminal before the default hook prints the panic, so the message is readable,
/// then ends the process: a panic on another thread (the collector, the input reader) must not
/// leave the TUI drawing on a terminal that has been given back.
fn install_panic_hook(mouse: bool) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Held until the exit, so that the UI thread cannot draw another frame over the restored
        // terminal while another thread's panic is reported (the lock is reentrant for us).
        let _stdout = io::stdout().lock();
        restore(mouse);
        previous(info);
        std::process::exit(101);
    }));
}

/// Runs the TUI until the user quits or a signal asks it to stop.
#[allow(clippy::needless_pass_by_value, reason = "the TUI holds the registry for its whole life")]
pub fn run(registry: Arc<Registry>, options: Options) -> io::Result<Ended> {
    // Catch the signals before the terminal changes, so none can end us with it in raw mode.
    let signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT])?;
    let mut app = App::new(Arc::clone(&registry), PortSettings::read(), options);
    install_panic_hook(options.mouse);
    setup(options.mouse).inspect_err(|_| restore(options.mouse))?;
    let result = Terminal::new(CrosstermBackend::new(io::stdout()))
        .and_then(|mut terminal| event_loop(&mut terminal, &mut app, &registry, signals));
    restore(options.mouse);
    result
}

fn event_loop(
    terminal: &mut Term,
    app: &mut App,
    registry: &Arc<Registry>,
    signals: signal_hook::iterator::Signals,
) -> io::Result<Ended> {
    let size = terminal.size()?;
    app.apply(Event::Resize(size.width, size.height));
    terminal.draw(|f| crate::ui::render(f, app))?;
    assert!(
        std::env::var_os(TEST_PANIC).is_none_or(|v| v != "after-first-frame"),
        "{TEST_PANIC}=after-first-frame: the test-only panic after the first frame"
    );

    let (tx, rx) = mpsc::channel::<Msg>();
    spawn_input(tx.clone());
    spawn_signals(signals, tx.clone());
    spawn_search(Arc::clone(registry), tx.clone());
    let collector = sockets::start(Arc::clone(registry), app.sockets.refresh, app.sockets.order.clone(), tx);
    let mut applied = (app.sockets.refresh, app.sockets.paused);

    let ended = loop {
        if let Some(ended) = wait_and_apply(&rx, app) {
            break ended;
        }
        if app.quit {
            break Ended::Quit;
        }
        if app.suspend {
            app.suspend = false;
            suspend(terminal, app.options.mouse)?;
        }
        let wanted = (app.sockets.refresh, app.sockets.paused);
        if wanted != applied {
            sockets::configure(collector.as_ref(), wanted.0, wanted.1);
            applied = wanted;
        }
        terminal.draw(|f| crate::ui::render(f, app))?;
    };
    sockets::stop(collector);
    Ok(ended)
}

/// Blocks for the next message, then applies everything already queued so only one frame is drawn
/// for a burst. `Some` when the loop should end.
fn wait_and_apply(rx: &Receiver<Msg>, app: &mut App) -> Option<Ended> {
    let Ok(first) = rx.recv() else { return Some(Ended::Quit) };
    let mut next = Some(first);
    while let Some(msg) = next {
        match msg {
            Msg::App(event) => app.apply(event),
            Msg::Searcher(searcher) => app.set_searcher(searcher),
            Msg::Signal(signal) => return Some(Ended::Signal(signal)),
        }
        if app.quit || app.suspend {
            return None;
        }
        next = rx.try_recv().ok();
    }
    None
}

fn spawn_input(tx: Sender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let event = match term_event::read() {
                Ok(term_event::Event::Key(k)) => Event::Key(k),
                Ok(term_event::Event::Mouse(m)) => Event::Mouse(m),
                Ok(term_event::Event::Resize(w, h)) => Event::Resize(w, h),
                Ok(term_event::Event::Paste(text)) => Event::Paste(text),
                Ok(_) => continue,
                Err(_) => break,
            };
            if tx.send(Msg::App(event)).is_err() {
                break;
            }
        }
    });
}

fn spawn_signals(mut signals: signal_hook::iterator::Signals, tx: Sender<Msg>) {
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let _ = tx.send(Msg::Signal(signal));
        }
    });
}

/// Ctrl-Z: give the terminal back, stop like any job, take it again on `fg`.
fn suspend(terminal: &mut Term, mouse: bool) -> io::Result<()> {
    restore(mouse);
    signal_hook::low_level::raise(SIGTSTP)?;
    setup(mouse)?;
    execute!(io::stdout(), crossterm::terminal::Clear(crossterm::terminal::ClearType::All))?;
    // A fresh Terminal has empty buffers, so the next draw repaints everything. (`Terminal::clear`
    // would ask the terminal for the cursor position, which races the input thread's reads.)
    *terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    Ok(())
}

/// Builds the search engine on its own thread and hands it to the loop.
fn spawn_search(registry: Arc<Registry>, tx: Sender<Msg>) {
    std::thread::spawn(move || {
        if let Some(searcher) = crate::app::engine_searcher(registry) {
            let _ = tx.send(Msg::Searcher(searcher));
        }
    });
}

/// The socket collector, feeding the loop's channel from its own thread.
mod sockets {
    use super::{Arc, Duration, Event, Msg, Registry, Sender, TEST_PANIC};
    use crate::app::{SharedOrder, SocketFeed};
    use crate::sockets::{Collector, system_source};

    pub fn start(
        registry: Arc<Registry>,
        interval: Duration,
        order: SharedOrder,
        tx: Sender<Msg>,
    ) -> Option<Collector> {
        let source = match system_source(registry) {
            Ok(source) => source,
            Err(e) => {
                let _ = tx.send(Msg::App(Event::SocketsFailed(e.to_string())));
                return None;
            }
        };
        let panic_here = std::env::var_os(TEST_PANIC).is_some_and(|v| v == "in-collector");
        Some(Collector::spawn(source, interval, move |result| {
            assert!(!panic_here, "{TEST_PANIC}=in-collector: the test-only panic on the collector's thread");
            let event = match result {
                // The per-socket work happens here, on the collector's thread, not the UI's.
                Ok(u) => Event::Sockets(SocketFeed::from_update(u).prepare(order.get())),
                Err(e) => Event::SocketsFailed(e.to_string()),
            };
            tx.send(Msg::App(event)).is_ok()
        }))
    }

    pub fn configure(collector: Option<&Collector>, interval: Duration, paused: bool) {
        if let Some(c) = collector {
            c.set_interval(interval);
            c.set_paused(paused);
        }
    }

    pub fn stop(collector: Option<Collector>) {
        if let Some(c) = collector {
            c.stop();
        }
    }
}
