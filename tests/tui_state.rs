//! The TUI's state driven by key, mouse and collector events, with no terminal.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use portolan::app::{App, Entry, Event, MAX_INPUT, Screen, SortKey, Use, fake};
use portolan::registry::{PortRange, Protocol};
use portolan::sockets::SocketState;

fn key(app: &mut App, code: KeyCode) {
    app.apply(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn ctrl(app: &mut App, c: char) {
    app.apply(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn app() -> App {
    fake::app(160, 48, true)
}

#[test]
fn moves_through_rows_and_panes() {
    let mut a = app();
    assert_eq!(a.selected_port(), Some(0));
    typed(&mut a, "jj");
    assert_eq!(a.selected_port(), Some(7), "0 reserved, 1-6 unassigned, 7 echo");
    key(&mut a, KeyCode::Up);
    assert_eq!(a.selected_port(), Some(1));
    typed(&mut a, "G");
    assert_eq!(a.selected_port(), Some(444), "last row is the unassigned fold after https");
    typed(&mut a, "g");
    assert_eq!(a.selected_port(), Some(0));
    key(&mut a, KeyCode::Tab);
    assert_eq!((a.focus, a.selected_port()), (1, Some(1024)));
    key(&mut a, KeyCode::BackTab);
    key(&mut a, KeyCode::BackTab);
    assert_eq!(a.focus, 2);
    typed(&mut a, "2");
    assert_eq!(a.focus, 1);
    typed(&mut a, "l");
    assert_eq!(a.focus, 2);
    ctrl(&mut a, 'd');
    key(&mut a, KeyCode::PageDown);
    key(&mut a, KeyCode::End);
    key(&mut a, KeyCode::Home);
    assert_eq!(a.selected_port(), Some(49152));
}

#[test]
fn search_narrows_panes_and_enter_jumps() {
    let mut a = app();
    typed(&mut a, "/postgres");
    assert!(a.searching());
    assert_eq!(a.hits.each_ref().map(Vec::len), [0, 1, 0]);
    assert_eq!(a.focus, 1, "focus follows the hits");
    assert_eq!(a.hits[1][0].matched_service, (0..8).collect::<Vec<_>>());
    key(&mut a, KeyCode::Backspace);
    assert_eq!(a.query, "postgre");
    key(&mut a, KeyCode::Enter);
    assert!(!a.searching() && a.input.is_none());
    assert_eq!(a.selected_port(), Some(5432));
    assert!(a.detail_open);
    key(&mut a, KeyCode::Esc);
    assert!(!a.detail_open);

    typed(&mut a, "/http");
    assert_eq!(a.hits[0].len(), 2, "http and https in the well-known pane");
    assert_eq!(a.hits[1].len(), 1, "http-alt, by name");
    key(&mut a, KeyCode::Esc);
    assert!(!a.searching() && a.input.is_none());
    assert_eq!(a.selected_port(), Some(5432), "Esc keeps the ranges' own selection");
}

#[test]
fn letters_in_the_search_line_are_text_not_keys() {
    let mut a = app();
    typed(&mut a, "/qsip");
    assert!(!a.quit);
    assert_eq!(a.screen, Screen::Ports);
    assert_eq!(a.input.as_ref().map(|i| i.text.as_str()), Some("qsip"));
    ctrl(&mut a, 'c');
    assert!(a.quit, "Ctrl-C quits even while typing");
}

#[test]
fn jump_goes_to_ports_and_ranges_or_explains() {
    let mut a = app();
    for (text, port) in [("5432", 5432), ("6001", 6000), ("8000-8100", 6064), ("60000", 57001)] {
        typed(&mut a, ":");
        typed(&mut a, text);
        key(&mut a, KeyCode::Enter);
        assert_eq!(a.selected_port(), Some(port), ":{text}");
        assert_eq!(a.focus, PortRange::of(port) as usize);
    }
    typed(&mut a, ":70000");
    key(&mut a, KeyCode::Enter);
    assert!(a.message.as_deref().is_some_and(|m| m.contains("out of range")), "{:?}", a.message);
}

#[test]
fn esc_backs_out_one_level() {
    let mut a = app();
    typed(&mut a, "s");
    assert_eq!(a.screen, Screen::Sockets);
    typed(&mut a, "?");
    assert_eq!(a.screen, Screen::Help);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.screen, Screen::Sockets, "back to where Help was opened");
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.screen, Screen::Ports);
    typed(&mut a, "i");
    assert_eq!(a.screen, Screen::Learn);
    key(&mut a, KeyCode::F(3));
    assert_eq!(a.screen, Screen::Sockets);
    key(&mut a, KeyCode::F(2));
    assert_eq!(a.screen, Screen::Ports);
    key(&mut a, KeyCode::Esc);
    assert!(!a.quit, "Esc on the home screen does not quit");
    ctrl(&mut a, 'z');
    assert!(a.suspend);
    typed(&mut a, "q");
    assert!(a.quit);
}

#[test]
fn sockets_mark_ports_in_use() {
    let mut a = app();
    a.apply(Event::Sockets(fake::feed(fake::snapshot())));
    assert_eq!(a.used.get(&22), Some(&Use::Listening));
    assert_eq!(a.used.get(&53), Some(&Use::Listening), "bound UDP counts as listening");
    assert_eq!(a.used.get(&45678), Some(&Use::Connected));
    let dynamic = &a.rows[2];
    let row = dynamic.iter().find(|r| r.span.contains(50123)).unwrap();
    assert_eq!((row.span.start, row.span.end, row.used), (50123, 50123, Use::Connected));
    let reg = &a.rows[1];
    assert!(reg.iter().any(|r| r.span.start == 45678 && r.span.is_single() && r.used == Use::Connected));
    assert_eq!(a.sockets_on(5432).count(), 1);
    let name = &a.sockets.snapshot.sockets[3].owners[0].process;
    assert!(!name.contains('\u{1b}'), "process names are sanitized on arrival: {name:?}");
}

#[test]
fn sockets_sort_filter_and_toggle() {
    let mut a = app();
    a.apply(Event::Sockets(fake::feed(fake::snapshot())));
    typed(&mut a, "s");
    let ports = |a: &App| -> Vec<u16> {
        a.sockets.view.iter().filter_map(|e| a.sockets.socket(*e)).map(|s| s.local.port).collect()
    };
    assert_eq!(ports(&a), [22, 53, 5432, 45678, 50123]);
    typed(&mut a, "O");
    assert_eq!(ports(&a), [50123, 45678, 5432, 53, 22]);
    typed(&mut a, "O");
    typed(&mut a, "o");
    assert_eq!(a.sockets.sort, SortKey::Proto);
    typed(&mut a, "ooo");
    assert_eq!(a.sockets.sort, SortKey::Remote);
    typed(&mut a, "oo");
    assert_eq!(a.sockets.sort, SortKey::Local);

    typed(&mut a, "L");
    assert_eq!(ports(&a), [22, 53, 5432]);
    typed(&mut a, "t");
    assert_eq!(ports(&a), [22, 5432], "tcp only");
    typed(&mut a, "t");
    assert_eq!(ports(&a), [53], "udp only");
    typed(&mut a, "tL");
    typed(&mut a, "v");
    assert_eq!(ports(&a), [22, 53, 5432, 45678]);
    typed(&mut a, "v");
    assert_eq!(ports(&a), [50123]);
    typed(&mut a, "v");
    typed(&mut a, "x");
    assert_eq!(ports(&a), [22], "loopback hidden");
    typed(&mut a, "x");

    for (filter, want) in [
        ("postgres", vec![5432]),
        ("4242", vec![45678]),
        ("93.184", vec![45678]),
        ("domain", vec![53]),
        (":22", vec![22]),
    ] {
        typed(&mut a, "/");
        typed(&mut a, filter);
        assert_eq!(ports(&a), want, "filter {filter}");
        key(&mut a, KeyCode::Esc);
        assert_eq!(ports(&a).len(), 5, "Esc clears the filter");
    }
    assert_eq!(a.screen, Screen::Sockets);
}

#[test]
fn refresh_steps_and_pause() {
    let mut a = app();
    typed(&mut a, "s");
    typed(&mut a, "+");
    assert_eq!(a.sockets.refresh.as_millis(), 500);
    typed(&mut a, "+++");
    assert_eq!(a.sockets.refresh.as_millis(), 250, "floor");
    typed(&mut a, "--");
    assert_eq!(a.sockets.refresh.as_millis(), 1000);
    typed(&mut a, " ");
    assert!(a.sockets.paused);
    typed(&mut a, " ");
    assert!(!a.sockets.paused);
}

#[test]
fn new_sockets_highlight_and_closed_ones_linger() {
    let mut a = app();
    let first = fake::snapshot();
    a.apply(Event::Sockets(fake::feed(first.clone())));
    assert!(first.sockets.iter().all(|s| !a.sockets.is_new(s)), "nothing is new in the first snapshot");
    let mut second = first.clone();
    let gone = second.sockets.remove(2);
    let extra = fake::socket(
        Protocol::Tcp,
        SocketState::Listen,
        ("127.0.0.1".parse().unwrap(), 8080),
        ("0.0.0.0".parse().unwrap(), 0),
        77,
        "webapp",
    );
    second.sockets.push(extra.clone());
    let mut feed = fake::feed(second.clone());
    feed.closed = vec![gone];
    a.apply(Event::Sockets(feed));
    assert!(a.sockets.is_new(&extra));
    assert!(a.sockets.view.iter().any(|e| matches!(e, Entry::Closed(_))));
    for _ in 0..2 {
        a.apply(Event::Sockets(fake::feed(second.clone())));
    }
    assert!(a.sockets.is_new(&extra), "still new on its third refresh");
    assert!(!a.sockets.view.iter().any(|e| matches!(e, Entry::Closed(_))), "closed ones go after two");
    a.apply(Event::Sockets(fake::feed(second)));
    assert!(!a.sockets.is_new(&extra));
}

#[test]
fn enter_on_a_socket_opens_its_service_port() {
    let mut a = app();
    a.apply(Event::Sockets(fake::feed(fake::snapshot())));
    typed(&mut a, "s");
    typed(&mut a, "jjj");
    assert_eq!(a.sockets.selected_socket().map(|s| s.local.port), Some(45678));
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.screen, Screen::Ports);
    assert_eq!(a.selected_port(), Some(443), "the service port, not the client's ephemeral one");
    assert!(a.detail_open);
}

#[test]
fn mouse_clicks_focus_and_select_and_the_wheel_scrolls() {
    let mut a = app();
    let click = |col, row| {
        Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: col,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // Wide layout: three panes in the left 70%; pane 2 starts about a third in. Row 2 is the
    // first list row (header, border).
    a.apply(click(45, 4));
    assert_eq!(a.focus, 1);
    assert_eq!(a.selected_port(), Some(3307), "third row: after the fold and mysql");
    a.apply(Event::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 10,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(a.focus, 0);
    assert_eq!(a.selected_port(), Some(8), "three rows down: 0, 1-6, 7, 8-20");
    // Clicking a tab in the header switches screens.
    a.apply(click(22, 0));
    assert_eq!(a.screen, Screen::Sockets);

    let mut off = fake::app(160, 48, true);
    off.options.mouse = false;
    off.apply(click(45, 4));
    assert_eq!(off.focus, 0, "--no-mouse ignores the mouse");
}

#[test]
fn key_releases_are_ignored() {
    let mut a = app();
    let mut ev = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    ev.kind = KeyEventKind::Release;
    a.apply(Event::Key(ev));
    assert_eq!(a.selected_port(), Some(0));
}

#[test]
fn collector_errors_show_sanitized() {
    let mut a = app();
    a.apply(Event::SocketsFailed("no \u{1b}[2J access".into()));
    assert_eq!(a.sockets.error.as_deref(), Some("no \u{fffd}[2J access"));
}

#[test]
fn a_query_typed_while_the_engine_loads_runs_when_it_arrives() {
    let registry = std::sync::Arc::new(fake::registry());
    let mut a =
        App::new(std::sync::Arc::clone(&registry), fake::settings(), portolan::app::Options::default());
    typed(&mut a, "/ssh");
    assert!(!a.searching());
    assert!(a.message.as_deref().is_some_and(|m| m.contains("loading")));
    a.set_searcher(Box::new(fake::FakeSearcher::new(registry)));
    assert_eq!(a.query, "ssh");
    assert_eq!(a.hits[0].first().map(|h| h.span.start), Some(22));
}

#[test]
fn input_lines_are_capped_and_hold_no_control_characters() {
    let mut a = app();
    typed(&mut a, "/");
    a.apply(Event::Paste("postgres\x1b]0;pwned\x07\u{202e}\u{9b}\n".repeat(1000)));
    let input = a.input.clone().unwrap();
    assert_eq!(input.text.chars().count(), MAX_INPUT);
    assert!(input.is_full());
    assert!(input.text.starts_with("postgres]0;pwned postgres]0;pwned "), "{:?}", input.text);
    assert!(!input.text.contains(['\x1b', '\x07', '\u{202e}', '\u{9b}', '\n']), "{:?}", input.text);
    // Typing at the limit changes nothing; after a Backspace there is room for one.
    typed(&mut a, "xyz");
    assert_eq!(a.input.as_ref().unwrap().text, input.text);
    key(&mut a, KeyCode::Backspace);
    typed(&mut a, "xyz");
    let text = &a.input.as_ref().unwrap().text;
    assert_eq!((text.chars().count(), text.chars().last()), (MAX_INPUT, Some('x')));
    // A paste with no line open is ignored: its `q` does not quit.
    key(&mut a, KeyCode::Esc);
    a.apply(Event::Paste("q:5432".into()));
    assert!(!a.quit && a.input.is_none() && a.message.is_none());
    // The Sockets filter is an input line too.
    typed(&mut a, "s/");
    a.apply(Event::Paste("1".repeat(10_000)));
    assert_eq!(a.sockets.filter.len(), MAX_INPUT);
}
