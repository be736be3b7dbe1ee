//! Time per frame of each screen rendered into a 160×48 `TestBackend`, with the bundled registry
//! and a 10k-socket snapshot; plus keystroke-to-frame while snapshots keep arriving, and startup.
//! Run: `cargo bench --bench render` (release). Prints median and p99 per case.
//! `SOCKETS=100000 cargo bench --bench render` renders a bigger snapshot (default 10k).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use portolan::app::{App, Event, Options, fake};
use portolan::registry::Registry;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const W: u16 = 160;
const H: u16 = 48;
const RUNS: usize = 300;

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "an index into the samples")]
fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0;
    println!("{name:<44} median {:>7.3} ms   p99 {:>7.3} ms   (n={})", at(0.5), at(0.99), samples.len());
}

fn time_frames(
    name: &str,
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    before: impl FnMut(&mut App, usize),
) {
    time_frames_with(name, app, terminal, |i| i, before);
}

/// `setup` runs untimed (e.g. cloning a snapshot the collector thread would have built); `before`
/// and the frame are timed.
fn time_frames_with<T>(
    name: &str,
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    mut setup: impl FnMut(usize) -> T,
    mut before: impl FnMut(&mut App, T),
) {
    let mut samples = Vec::with_capacity(RUNS);
    for i in 0..RUNS {
        let input = setup(i);
        let t = Instant::now();
        before(app, input);
        terminal.draw(|f| portolan::ui::render(f, app)).unwrap();
        samples.push(t.elapsed());
    }
    report(name, samples);
}

fn main() {
    let registry = Arc::new(Registry::bundled());
    let t = Instant::now();
    let mut app = App::new(Arc::clone(&registry), fake::settings(), Options::default());
    let t_engine = Instant::now();
    if let Some(engine) = portolan::app::engine_searcher(Arc::clone(&registry)) {
        app.set_searcher(engine);
    }
    let engine_ms = t_engine.elapsed().as_secs_f64() * 1000.0;
    app.apply(Event::Resize(W, H));
    let mut terminal = Terminal::new(TestBackend::new(W, H)).unwrap();
    terminal.draw(|f| portolan::ui::render(f, &app)).unwrap();
    let total_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!("{:<44} {:>7.3} ms", "startup: App::new + first frame", total_ms - engine_ms);
    println!("{:<44} {:>7.3} ms", "search engine build (off the UI thread)", engine_ms);

    let sockets: usize = std::env::var("SOCKETS").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    println!("{:<44} {sockets}", "sockets in the snapshot");
    let big = fake::big_snapshot(sockets);
    app.apply(Event::Sockets(fake::feed(big.clone())));

    time_frames("ports screen (sockets marked)", &mut app, &mut terminal, |_, _| {});
    time_frames("ports: key j + frame", &mut app, &mut terminal, |a, _| a.apply(key('j')));
    app.apply(key(':'));
    for c in "5432".chars() {
        app.apply(key(c));
    }
    app.apply(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    app.apply(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    time_frames("ports + detail of 5432", &mut app, &mut terminal, |_, _| {});
    app.apply(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    app.apply(key('/'));
    // Type "postgresql" a key at a time, then erase it, over and over.
    let word: Vec<char> = "postgresql".chars().collect();
    time_frames("search: keystroke + re-rank + frame", &mut app, &mut terminal, |a, i| {
        if i % 20 < 10 {
            a.apply(key(word[i % 10]));
        } else {
            a.apply(Event::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)));
        }
    });
    app.apply(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    app.apply(key('s'));
    time_frames("sockets screen", &mut app, &mut terminal, |_, _| {});
    time_frames("sockets: key j + frame", &mut app, &mut terminal, |a, _| a.apply(key('j')));
    // The collector thread prepares each feed (sanitize, sort, count): timed on its own, and
    // untimed (as it is off the UI thread) in the cases below.
    let order = app.sockets.order.get();
    let mut prepare = Vec::with_capacity(RUNS / 10);
    for _ in 0..RUNS / 10 {
        let f = fake::feed(big.clone());
        let t = Instant::now();
        black_box(f.prepare(order));
        prepare.push(t.elapsed());
    }
    report("collector thread: prepare a snapshot", prepare);
    let feed = |_| fake::feed(black_box(big.clone())).prepare(order);
    time_frames_with("sockets: snapshot refresh + frame", &mut app, &mut terminal, feed, |a, f| {
        a.apply(Event::Sockets(f));
    });
    time_frames_with("sockets: refresh + key + frame (worst case)", &mut app, &mut terminal, feed, |a, f| {
        a.apply(Event::Sockets(f));
        a.apply(key('j'));
    });
    app.apply(key('p'));
    time_frames_with("ports: refresh + key + frame (worst case)", &mut app, &mut terminal, feed, |a, f| {
        a.apply(Event::Sockets(f));
        a.apply(key('j'));
    });
    app.apply(key('i'));
    time_frames("learn screen", &mut app, &mut terminal, |_, _| {});
    app.apply(key('?'));
    time_frames("help screen", &mut app, &mut terminal, |_, _| {});
}
