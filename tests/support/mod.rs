//! The real binary in a pseudo-terminal, shared by the PTY tests. The PTY is drained on a thread
//! into a vt100 screen and a log of every raw byte; every wait is a screen predicate with a
//! deadline, never a fixed sleep.
// Each test crate that includes this module uses a different part of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};

/// A ceiling for every wait, generous for a loaded 2-core machine; tests never assert on time.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// What the terminal was asked to do besides drawing: set its title, ring its bell, print what
/// vt100 does not draw.
#[derive(Debug, Default)]
pub struct Seen {
    pub titles: Vec<Vec<u8>>,
    pub bells: usize,
    /// U+FFFD printed. vt100 cannot tell it from invalid UTF-8, so it leaves it off the screen
    /// (a real terminal draws it): screen text shows the sanitizer's stand-ins as nothing.
    pub replacements: usize,
    /// C1 controls (U+0080–U+009F) printed as characters.
    pub c1: Vec<char>,
}

impl vt100::Callbacks for Seen {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }

    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.titles.push(title.to_vec());
    }

    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, name: &[u8]) {
        self.titles.push(name.to_vec());
    }

    fn unhandled_char(&mut self, _: &mut vt100::Screen, c: char) {
        if c == '\u{fffd}' {
            self.replacements += 1;
        } else {
            self.c1.push(c);
        }
    }
}

pub struct Pty {
    screen: Arc<Mutex<vt100::Parser<Seen>>>,
    /// Every byte the program wrote to the terminal, in order.
    raw: Arc<Mutex<Vec<u8>>>,
    /// Shared with the thread each write runs on (see `send_bytes`).
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    master: Box<dyn MasterPty + Send>,
    pub child: Box<dyn Child + Send + Sync>,
    tty: Option<std::path::PathBuf>,
}

fn nonzero(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n.max(1)).unwrap()
}

impl Pty {
    /// Runs `portolan ARGS` in a 120×40 pseudo-terminal.
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Pty {
        Pty::start_sized(args, env, 40, 120)
    }

    /// Runs `portolan ARGS` in a pseudo-terminal of `rows`×`cols`.
    pub fn start_sized(args: &[&str], env: &[(&str, &str)], rows: u16, cols: u16) -> Pty {
        let pty = native_pty_system()
            .openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 })
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
        let screen = Arc::new(Mutex::new(vt100::Parser::new_with_callbacks(
            nonzero(rows),
            nonzero(cols),
            0,
            Seen::default(),
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (sink, log) = (Arc::clone(&screen), Arc::clone(&raw));
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                // The log first: whoever sees the screen change also finds its bytes logged.
                log.lock().unwrap().extend_from_slice(&buf[..n]);
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        Pty { screen, raw, writer: Arc::new(Mutex::new(writer)), master: pty.master, child, tty }
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("our child's pid")
    }

    pub fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// A copy of every byte written to the terminal so far.
    pub fn raw(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    /// What the terminal was asked to do besides drawing.
    pub fn seen<T>(&self, f: impl FnOnce(&Seen) -> T) -> T {
        f(self.screen.lock().unwrap().callbacks())
    }

    /// Waits until `pred` holds for the screen, or fails with what the screen shows.
    pub fn wait(&self, what: &str, pred: impl Fn(&vt100::Screen) -> bool) {
        let end = Instant::now() + DEADLINE;
        loop {
            if pred(self.screen.lock().unwrap().screen()) {
                return;
            }
            assert!(Instant::now() < end, "timed out waiting for {what}; screen:\n{}", self.contents());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn wait_text(&self, text: &str) {
        self.wait(text, |s| s.contents().contains(text));
    }

    pub fn send(&mut self, text: &str) {
        self.send_bytes(text.as_bytes());
    }

    /// Writes `bytes` as the keyboard would. The write runs on its own thread: a program that
    /// stops reading its input fills the terminal's buffer, and the test must fail, not hang.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        let (done, written) = std::sync::mpsc::channel();
        let (writer, bytes) = (Arc::clone(&self.writer), bytes.to_vec());
        std::thread::spawn(move || {
            let mut w = writer.lock().unwrap();
            let _ = done.send(w.write_all(&bytes).and_then(|()| w.flush()).map_err(|e| e.to_string()));
        });
        match written.recv_timeout(DEADLINE) {
            Ok(result) => result.unwrap(),
            Err(
                std::sync::mpsc::RecvTimeoutError::Timeout | std::sync::mpsc::RecvTimeoutError::Disconnected,
            ) => {
                panic!("portolan stopped reading its input; screen:\n{}", self.contents())
            }
        }
    }

    /// Resizes the terminal (the program gets SIGWINCH) and the screen model with it.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        self.master.resize(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).expect("resize the pty");
        self.screen.lock().unwrap().set_size(nonzero(rows), nonzero(cols));
    }

    /// Fails unless the program is still running.
    pub fn assert_alive(&mut self) {
        let status = self.child.try_wait().unwrap();
        assert!(status.is_none(), "portolan exited: {status:?}; screen:\n{}", self.contents());
    }

    /// Waits for the process to exit and returns how it ended.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let end = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < end, "portolan did not exit; screen:\n{}", self.contents());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// After exit: main screen, no mouse reporting, no bracketed paste, cursor shown, echo and
    /// canonical mode back on.
    pub fn check_restored(&self) {
        // The drain thread may still be parsing the last bytes.
        self.wait("the main screen", |s| !s.alternate_screen());
        let parser = self.screen.lock().unwrap();
        let screen = parser.screen();
        assert_eq!(screen.mouse_protocol_mode(), vt100::MouseProtocolMode::None, "mouse reporting still on");
        assert!(!screen.hide_cursor(), "cursor still hidden");
        assert!(!screen.bracketed_paste(), "bracketed paste still on");
        drop(parser);
        let raw = self.raw();
        for (on, off) in [("\x1b[?1049h", "\x1b[?1049l"), ("\x1b[?2004h", "\x1b[?2004l")] {
            let set = find_last(&raw, on.as_bytes()).unwrap_or_else(|| panic!("{on:?} never sent"));
            let reset = find_last(&raw, off.as_bytes());
            assert!(reset.is_some_and(|r| r > set), "{off:?} not sent after the last {on:?}");
        }
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

    /// Quits with `q`, expects exit status 0 and the terminal restored.
    pub fn quit_and_check(mut self) {
        self.send("q");
        let status = self.wait_exit();
        assert!(status.success(), "portolan exited with {status:?}");
        self.check_restored();
    }
}

impl Drop for Pty {
    /// A test that failed half-way must not leave its portolan running.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Where `needle` starts in `hay`, the first time.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Where `needle` starts in `hay`, the last time.
pub fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}
