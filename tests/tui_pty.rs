//! The real binary in a pseudo-terminal: it starts, draws, answers keys, quits, and leaves the
//! terminal as it found it. The PTY is drained on a thread into a vt100 screen; every wait is a
//! screen predicate with a deadline, never a fixed sleep.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

const DEADLINE: Duration = Duration::from_secs(20);

struct Pty {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    tty: Option<std::path::PathBuf>,
}

impl Pty {
    /// Runs `portolan ARGS` in a 120×40 pseudo-terminal.
    fn start(args: &[&str], env: &[(&str, &str)]) -> Pty {
        let pty = native_pty_system()
            .openpty(PtySize { rows: 40, cols: 120, pixel_width: 0, pixel_height: 0 })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_portolan"));
        for a in args {
            cmd.arg(a);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("XDG_CONFIG_HOME", "/nonexistent-portolan-test");
        cmd.env("XDG_DATA_HOME", "/nonexistent-portolan-test");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn portolan");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let writer = pty.master.take_writer().expect("pty writer");
        let tty = pty.master.tty_name();
        let screen =
            Arc::new(Mutex::new(vt100::Parser::new(40.try_into().unwrap(), 120.try_into().unwrap(), 0)));
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let _master = pty.master;
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        Pty { screen, writer, child, tty }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits until `pred` holds for the screen, or fails with what the screen shows.
    fn wait(&self, what: &str, pred: impl Fn(&vt100::Screen) -> bool) {
        let end = Instant::now() + DEADLINE;
        loop {
            if pred(self.screen.lock().unwrap().screen()) {
                return;
            }
            assert!(Instant::now() < end, "timed out waiting for {what}; screen:\n{}", self.contents());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn wait_text(&self, text: &str) {
        self.wait(text, |s| s.contents().contains(text));
    }

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits for the process to exit and returns whether it succeeded.
    fn wait_exit(&mut self) -> bool {
        let end = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            assert!(Instant::now() < end, "portolan did not exit; screen:\n{}", self.contents());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// After exit: main screen, no mouse reporting, cursor shown, echo and canonical mode back on.
    fn check_restored(&self) {
        // The drain thread may still be parsing the last bytes.
        self.wait("the main screen", |s| !s.alternate_screen());
        let parser = self.screen.lock().unwrap();
        let screen = parser.screen();
        assert_eq!(screen.mouse_protocol_mode(), vt100::MouseProtocolMode::None, "mouse reporting still on");
        assert!(!screen.hide_cursor(), "cursor still hidden");
        drop(parser);
        let Some(tty) = &self.tty else {
            eprintln!("no tty name: skipping the termios check");
            return;
        };
        let out = std::process::Command::new("stty").arg("-a").arg("-F").arg(tty).output();
        let Some(out) = out.ok().filter(|o| o.status.success()) else {
            eprintln!("stty -F unavailable: skipping the termios check");
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let words: Vec<&str> = text.split_whitespace().collect();
        assert!(words.contains(&"echo") && !words.contains(&"-echo"), "echo is off:\n{text}");
        assert!(words.contains(&"icanon") && !words.contains(&"-icanon"), "raw mode is still on:\n{text}");
    }

    fn quit_and_check(mut self) {
        self.send("q");
        assert!(self.wait_exit(), "portolan exited with an error");
        self.check_restored();
    }
}

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
fn sigterm_and_sighup_restore_the_terminal() {
    for signal in ["-TERM", "-HUP"] {
        let mut pty = Pty::start(&[], &[]);
        pty.wait("the alternate screen", |s| s.alternate_screen() && s.contents().contains("Well-known"));
        let pid = pty.child.process_id().expect("our child's pid");
        let sent = std::process::Command::new("kill").arg(signal).arg(pid.to_string()).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill {signal} {pid}");
        pty.wait_exit();
        pty.check_restored();
    }
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
