//! The real binary in a pseudo-terminal: it starts, draws, answers keys, quits, and leaves the
//! terminal as it found it. The PTY is drained on a thread into a vt100 screen; every wait is a
//! screen predicate with a deadline, never a fixed sleep.

mod support;

use support::{Pty, find, find_last};

#[test]
fn starts_shows_the_three_ranges_and_restores_the_terminal() {
    let pty = Pty::start(&[], &[]);
    pty.wait("the three ranges", |s| {
        let c = s.contents();
        s.alternate_screen()
            && c.contains("Well-known 0–1023")
            && c.contains("Registered 1024–49151")
            && c.contains("Dynamic 49152–65535")
    });
    pty.quit_and_check();
}

#[test]
fn jumps_to_a_port_and_shows_its_detail() {
    let mut pty = Pty::start(&["tui", "--no-mouse"], &[("NO_COLOR", "1")]);
    pty.wait_text("Well-known 0–1023");
    pty.send(":5432\r");
    pty.wait_text("postgresql");
    pty.send("\r");
    pty.wait_text("Port 5432");
    // Esc alone in its own write, so it is not read as the start of an escape sequence.
    pty.send("\x1b");
    pty.wait("the detail to close", |s| !s.contents().contains("Port 5432 "));
    pty.send("i");
    pty.wait_text("CAP_NET_BIND_SERVICE");
    pty.send("?");
    pty.wait_text("Ctrl-z");
    pty.quit_and_check();
}

#[test]
fn sigterm_sighup_and_sigint_restore_the_terminal_then_end_by_the_signal() {
    use rustix::process::{Pid, Signal, kill_process};
    for signal in [Signal::TERM, Signal::HUP, Signal::INT] {
        let mut pty = Pty::start(&[], &[]);
        pty.wait("the alternate screen", |s| s.alternate_screen() && s.contents().contains("Well-known"));
        let pid = Pid::from_raw(i32::try_from(pty.pid()).unwrap()).unwrap();
        kill_process(pid, signal).unwrap_or_else(|e| panic!("kill {signal:?} {pid:?}: {e}"));
        let status = pty.wait_exit();
        // Ended by the signal itself (as a shell expects), not by a normal exit or a crash.
        assert!(status.signal().is_some(), "{signal:?}: exited with {status:?}");
        pty.check_restored();
    }
}

#[test]
fn a_panic_restores_the_terminal_before_its_message_prints() {
    let mut pty = Pty::start(&[], &[("PORTOLAN_TEST_PANIC", "after-first-frame"), ("RUST_BACKTRACE", "0")]);
    let status = pty.wait_exit();
    assert_eq!((status.signal(), status.exit_code()), (None, 101), "a panic exits with 101: {status:?}");
    pty.check_restored();
    let message = "the test-only panic after the first frame";
    pty.wait_text(message);
    let raw = pty.raw();
    let drawn = find(&raw, b"\x1b[?1049h").expect("the first frame on the alternate screen");
    let panes = find(&raw, "Well-known 0–1023".as_bytes()).expect("the first frame's panes");
    let restored = find_last(&raw, b"\x1b[?1049l").expect("the alternate screen left");
    let said = find(&raw, message.as_bytes()).unwrap();
    assert!(drawn < panes && panes < restored && restored < said, "frame, restore, then the message");
    // Printed in cooked mode: the message starts its own line instead of a raw-mode staircase.
    let contents = pty.contents();
    assert!(
        contents.lines().any(|l| l.starts_with("PORTOLAN_TEST_PANIC=after-first-frame: the test-only")),
        "{contents}"
    );
}

#[test]
fn a_panic_on_the_collector_thread_restores_the_terminal_and_ends_the_program() {
    let mut pty = Pty::start(&[], &[("PORTOLAN_TEST_PANIC", "in-collector"), ("RUST_BACKTRACE", "0")]);
    let status = pty.wait_exit();
    assert_eq!((status.signal(), status.exit_code()), (None, 101), "not left running: {status:?}");
    pty.check_restored();
    pty.wait_text("the test-only panic on the collector's thread");
}

/// Rows × columns the resize tests walk through, smallest first.
const SIZES: [(u16, u16); 7] = [(1, 1), (2, 2), (3, 5), (5, 20), (10, 40), (24, 80), (60, 200)];

#[test]
fn survives_a_storm_of_resizes_down_to_one_cell_on_every_screen() {
    let mut pty = Pty::start(&["tui", "--refresh", "0.25"], &[]);
    pty.wait_text("Well-known 0–1023");
    // Ports, Ports with the detail open, Sockets, Learn, Help, and the search line.
    for keys in ["p", "\r", "s", "i", "?", "p/http"] {
        pty.send(keys);
        for _ in 0..10 {
            for &(rows, cols) in SIZES.iter().chain(SIZES.iter().rev()) {
                pty.resize(rows, cols);
            }
        }
        pty.assert_alive();
    }
    pty.resize(40, 120);
    // Enter takes the search's best hit, then the jump: both answered in a full-size frame.
    pty.send("\r:5432\r");
    pty.wait("a full-size frame after the storm", |s| {
        let c = s.contents();
        c.contains("postgresql") && c.contains("Port 5432")
    });
    pty.quit_and_check();
}

#[test]
fn thousands_of_keys_at_once_are_all_applied_in_order() {
    let mut pty = Pty::start(&["tui", "--refresh", "0.25"], &[]);
    pty.wait_text("Well-known 0–1023");
    let page_down = "\x1b[6~";
    let moves = format!("{}{}{}", "j".repeat(3000), page_down.repeat(1000), "k".repeat(3000));
    pty.send("s");
    pty.send(&moves);
    pty.send("p");
    // 1000 Tabs from the first pane land on the second (1000 = 3 × 333 + 1); `g` goes to its top.
    pty.send(&format!("{moves}{}{moves}g\r", "\t".repeat(1000)));
    pty.wait("the detail of the registered pane's first port", |s| s.contents().contains("Port 1024"));
    pty.quit_and_check();
}

#[test]
fn a_10_kb_typed_paste_into_the_search_line_is_capped_and_searched() {
    let mut pty = Pty::start(&[], &[]);
    pty.wait_text("Well-known 0–1023");
    // Typed, key by key, as a terminal without bracketed paste would send it.
    pty.send(&format!("/{}", "postgres ".repeat(1200)));
    pty.wait("the limit and the hit", |s| {
        let c = s.contents();
        c.contains("at the 256-character limit") && c.lines().any(|l| l.contains("5432"))
    });
    // The line shows its end, next to the help: the text did not push the help off the screen.
    let footer = pty.contents().lines().last().unwrap_or_default().to_owned();
    assert!(footer.starts_with("/…") && footer.contains("Esc clear"), "{footer:?}");
    pty.send("\x1b");
    pty.wait("the search cleared", |s| !s.contents().contains("256-character"));
    pty.quit_and_check();
}

#[test]
fn a_bracketed_paste_goes_into_the_line_and_is_never_taken_for_commands() {
    let mut pty = Pty::start(&[], &[]);
    pty.wait("bracketed paste on", |s| s.bracketed_paste() && s.contents().contains("Well-known 0–1023"));
    // Outside a line, a paste is ignored: its `q` does not quit, its `:` does not jump.
    pty.send("\x1b[200~q:5432\r\x1b[201~");
    pty.send("?");
    pty.wait_text("Ctrl-z");
    pty.assert_alive();
    pty.send("p");
    // Into the search line: 10 kB in one paste, with newlines, tabs and controls that are dropped.
    let paste = "postgres\x1b\x07\u{202e}\u{9b}\t\n".repeat(600);
    pty.send(&format!("/\x1b[200~{paste}\x1b[201~"));
    pty.wait("the capped paste and its hits", |s| {
        let c = s.contents();
        let footer = c.lines().last().unwrap_or_default();
        footer.starts_with("/…")
            && footer.contains("postgres  postgres")
            && footer.contains("at the 256-character limit")
            && c.lines().any(|l| l.contains("5432"))
    });
    pty.send("\x1b");
    pty.wait("the search cleared", |s| !s.contents().contains("256-character"));
    // A title-setting sequence in a paste reaches the line as plain text, and never the terminal.
    pty.send("/\x1b[200~\x1b]0;pwned\x07\x1b[201~");
    pty.wait_text("/]0;pwned▏");
    assert!(find(&pty.raw(), b"\x1b]0;pwned").is_none());
    assert!(pty.seen(|s| s.titles.is_empty()), "the title was set");
    pty.send("\x1b");
    pty.wait("the search cleared", |s| !s.contents().contains("pwned"));
    pty.quit_and_check();
}

#[test]
fn sockets_screen_shows_our_listener_with_our_pid() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut pty = Pty::start(&["tui", "--refresh", "0.25"], &[]);
    pty.wait_text("Well-known 0–1023");
    pty.send("s");
    pty.wait_text("PROTO");
    pty.send(&format!("/{port}"));
    let local = format!("127.0.0.1:{port}");
    let owner = format!("{}/", std::process::id());
    pty.wait("our listener with our pid", |s| {
        s.contents().lines().any(|l| l.contains(&local) && l.contains("LISTEN") && l.contains(&owner))
    });
    pty.send("\x1b");
    pty.wait_text("/ filter");
    pty.quit_and_check();
    drop(listener);
}

#[test]
fn ctrl_z_without_job_control_carries_on() {
    // Under the test harness nobody could resume a stopped job (the PTY's session has no shell),
    // so the kernel discards the stop; the TUI must take the terminal back and keep working.
    let mut pty = Pty::start(&[], &[]);
    pty.wait_text("Well-known 0–1023");
    pty.send("\x1a");
    pty.send(":5432\r");
    pty.wait("a repaint after the suspend", |s| s.alternate_screen() && s.contents().contains("postgresql"));
    pty.quit_and_check();
}

#[test]
fn search_postgres_finds_5432_and_enter_jumps_there() {
    let mut pty = Pty::start(&[], &[]);
    pty.wait_text("Well-known 0–1023");
    pty.send("/postgres");
    pty.wait("5432 among the hits", |s| {
        let c = s.contents();
        c.contains("hits") && c.lines().any(|l| l.contains("5432") && l.to_lowercase().contains("postgres"))
    });
    pty.send("\r");
    pty.wait_text("Port 5432");
    pty.quit_and_check();
}
