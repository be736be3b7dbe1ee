//! Frames of every screen and overlay at several sizes, rendered from fake data into a
//! `TestBackend`: insta snapshots, plus checks that no size panics and `NO_COLOR` uses no color.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use portolan::app::{App, Event, fake};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.apply(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
    }
}

fn enter(app: &mut App) {
    app.apply(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
}

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| portolan::ui::render(f, app)).unwrap();
    t
}

/// An app of `w`×`h` with the fake machine's sockets, after `keys`.
fn app(w: u16, h: u16, color: bool, keys: &str) -> App {
    let mut a = fake::app(w, h, color);
    a.apply(Event::Sockets(fake::feed(fake::snapshot())));
    typed(&mut a, keys);
    a
}

const SIZES: [(u16, u16, &str); 3] = [(160, 48, "wide"), (100, 30, "medium"), (60, 20, "narrow")];

#[test]
fn screens_at_each_size() {
    for (w, h, size) in SIZES {
        for (screen, keys) in [("ports", ""), ("sockets", "s"), ("learn", "i"), ("help", "?")] {
            let t = draw(&app(w, h, true, keys));
            insta::assert_snapshot!(format!("{screen}_{size}"), t.backend());
        }
    }
}

#[test]
fn overlays_and_lines() {
    for (w, h, size) in SIZES {
        let mut a = app(w, h, true, ":22");
        enter(&mut a);
        enter(&mut a);
        insta::assert_snapshot!(format!("detail_22_{size}"), draw(&a).backend());
        let a = app(w, h, true, "/post");
        insta::assert_snapshot!(format!("search_post_{size}"), draw(&a).backend());
    }
    let a = app(100, 30, true, ":80");
    insta::assert_snapshot!("jump_line", draw(&a).backend());
    let a = app(120, 20, true, "s/postgres");
    insta::assert_snapshot!("sockets_filter", draw(&a).backend());
}

#[test]
fn tiny_terminals_say_so() {
    insta::assert_snapshot!("too_small", draw(&app(30, 8, true, "")).backend());
}

#[test]
fn no_size_panics() {
    for keys in ["", "s", "i", "?", "/post", ":5432\r", "s/x"] {
        let mut a = app(80, 24, true, &keys.replace('\r', ""));
        if keys.ends_with('\r') {
            enter(&mut a);
        }
        for w in [0, 1, 2, 10, 39, 40, 41, 79, 80, 149, 150, 300] {
            for h in [0, 1, 2, 9, 10, 11, 24, 100] {
                // A resize between frames, as when the window shrinks mid-use.
                a.apply(Event::Resize(w, h));
                let _ = draw(&a);
                for k in [KeyCode::PageDown, KeyCode::End, KeyCode::Enter, KeyCode::Tab] {
                    a.apply(Event::Key(KeyEvent::new(k, KeyModifiers::NONE)));
                    let _ = draw(&a);
                }
            }
        }
    }
}

#[test]
fn no_color_draws_without_color_and_keeps_the_selection_visible() {
    for keys in ["", "s", "i", "?", "/post", ":22\r"] {
        let mut a = app(160, 48, false, &keys.replace('\r', ""));
        if keys.ends_with('\r') {
            enter(&mut a);
        }
        let t = draw(&a);
        let buf = t.backend().buffer();
        for cell in buf.content() {
            assert!(
                matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
                "{keys:?}: colored cell {cell:?}"
            );
        }
        if keys.is_empty() {
            insta::assert_snapshot!("ports_no_color", t.backend());
            // The selected row (port 0, first list row of the first pane) is reversed.
            assert!(buf[(3, 2)].modifier.contains(Modifier::REVERSED));
        }
    }
}

#[test]
fn color_marks_each_range_with_its_own_color() {
    let t = draw(&app(160, 48, true, ""));
    let buf = t.backend().buffer();
    // Top-left corners of the three panes carry their range's border color.
    let corners: Vec<Color> = (0..160u16)
        .filter(|&x| buf[(x, 1)].symbol() == "┌" || buf[(x, 1)].symbol() == "┏")
        .map(|x| buf[(x, 1)].fg)
        .collect();
    assert_eq!(&corners[..3], &[Color::Magenta, Color::Blue, Color::Green]);
}

#[test]
fn hostile_strings_never_reach_the_screen() {
    for keys in ["", ":9999\r", "s", "/evil"] {
        let mut a = app(160, 48, true, &keys.replace('\r', ""));
        if keys.ends_with('\r') {
            enter(&mut a);
        }
        let t = draw(&a);
        for cell in t.backend().buffer().content() {
            assert!(!cell.symbol().chars().any(char::is_control), "{keys:?}: {:?}", cell.symbol());
        }
    }
}
