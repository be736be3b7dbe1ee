//! A process that tries to attack the terminal of whoever looks at its sockets: its executable's
//! name and its command line carry escape sequences (title, clear screen, colour), bidi overrides,
//! a C1 control, a bell, invalid UTF-8 and a 64 KiB argument, and it listens on 127.0.0.1.
//! Human output and the TUI show a cleaned name and pass none of it to the terminal; `--json`
//! keeps the strings exactly, escaped.
#![cfg(target_os = "linux")]

mod support;

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use assert_cmd::cargo::cargo_bin;
use portolan::sanitize::clean;
use serde_json::Value;
use support::{Pty, find};

/// The executable's file name: anything but `/` and NUL is allowed, up to 255 bytes.
fn hostile_name() -> Vec<u8> {
    let mut name = b"portolan-evil\x1b]0;pwned\x07\x1b[2J\x1b[H\x1b[31mred".to_vec();
    name.extend_from_slice("\u{202e}RTL\u{2066}iso\u{9b}31mC1\u{200f}".as_bytes());
    name.extend_from_slice(b"\xff\xfe-bad-utf8-");
    name.resize(250, b'N');
    name
}

/// The arguments after the script: every kind of hostile byte, and one argument of 64 KiB.
fn hostile_args() -> Vec<Vec<u8>> {
    let mut long = b"long".to_vec();
    long.resize(64 * 1024, b'L');
    long.extend_from_slice(b"\x1b]0;pwned-long\x07");
    vec![
        b"\x1b]0;pwned\x07".to_vec(),
        b"\x07bell\x07".to_vec(),
        b"\x1b[2J\x1b[H\x1b[31mred".to_vec(),
        "\u{202e}\u{2066}bidi\u{2069}\u{200e}\u{200f}".as_bytes().to_vec(),
        "\u{9b}31mC1".as_bytes().to_vec(),
        b"bad\xff\xfeutf8".to_vec(),
        long,
    ]
}

/// Binds 127.0.0.1:0, says the port, and lives until its stdin closes (so it never outlives us).
const SCRIPT: &str = "import socket, sys\n\
s = socket.socket()\n\
s.bind(('127.0.0.1', 0))\n\
s.listen()\n\
print(s.getsockname()[1], flush=True)\n\
sys.stdin.buffer.read()\n";

/// The hostile listener, with what portolan should report for it.
struct Hostile {
    child: Child,
    port: u16,
    pid: u32,
    /// The `process` field `--json` must hold: the file name, invalid UTF-8 replaced.
    process: String,
    /// The `command` field: every argument, joined by spaces, invalid UTF-8 replaced.
    command: String,
    _dir: tempfile::TempDir,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        // Closing its stdin ends it; wait so no zombie is left.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// A real Python executable (not a wrapper script), copied under a name of our choosing.
fn python() -> Option<PathBuf> {
    ["python3", "/usr/bin/python3"].into_iter().find_map(|candidate| {
        let out = Command::new(candidate).args(["-c", "import sys; print(sys.executable)"]).output().ok()?;
        let path = String::from_utf8(out.stdout).ok()?;
        let path = PathBuf::from(path.trim());
        (out.status.success() && path.is_absolute()).then(|| path.canonicalize().ok()).flatten()
    })
}

/// Starts the hostile listener, or says why it cannot and returns `None` (the test then skips).
fn hostile() -> Option<Hostile> {
    let Some(python) = python() else {
        eprintln!("skipping: no python3 to run the hostile listener");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let name = hostile_name();
    // A copy, not a link: `/proc/<pid>/exe` resolves links, and the name must be the process's own.
    let exe = dir.path().join(std::ffi::OsStr::from_bytes(&name));
    std::fs::copy(&python, &exe).unwrap();
    let args: Vec<OsString> = hostile_args().into_iter().map(OsString::from_vec).collect();
    let mut cmd = Command::new(&exe);
    cmd.arg("-c").arg(SCRIPT).args(&args).stdin(Stdio::piped()).stdout(Stdio::piped());
    // Another test thread may fork while the copy's write handle is still open in the child it
    // forks (until that child execs): then exec fails with ETXTBSY for a moment.
    let mut child = (0..100)
        .find_map(|_| match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(26) => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                None
            }
            other => Some(other),
        })
        .expect("the copy stayed busy")
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let Ok(port) = line.trim().parse::<u16>() else {
        eprintln!("skipping: the copied python3 did not start ({line:?})");
        drop(child.stdin.take());
        let _ = child.wait();
        return None;
    };
    let mut command_line: Vec<&[u8]> = vec![exe.as_os_str().as_bytes(), b"-c", SCRIPT.as_bytes()];
    command_line.extend(args.iter().map(|a| a.as_bytes()));
    Some(Hostile {
        pid: child.id(),
        child,
        port,
        process: String::from_utf8_lossy(&name).into_owned(),
        command: String::from_utf8_lossy(&command_line.join(&b' ')).into_owned(),
        _dir: dir,
    })
}

/// Stdout of `portolan ARGS`, which must answer 0 (found) or 1 (`lookup` of an unassigned port).
fn portolan(args: &[&str]) -> Vec<u8> {
    let out = Command::new(cargo_bin("portolan")).args(args).env("NO_COLOR", "1").output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {out:?}");
    out.stdout
}

/// Characters that must never reach a terminal raw: C0 (but the newline), DEL, C1, bidi controls.
fn is_forbidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}')
}

/// Fails when `out` holds a forbidden character (or bytes that are not UTF-8, like a raw 0xff).
fn assert_terminal_safe(what: &str, out: &[u8]) {
    let text = std::str::from_utf8(out).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"));
    if let Some((at, c)) = text.char_indices().find(|&(_, c)| is_forbidden(c)) {
        panic!("{what}: raw {c:?} at byte {at}: …{:?}…", &text[at.saturating_sub(40)..at]);
    }
}

#[test]
fn human_output_shows_a_clean_clipped_name_and_nothing_raw() {
    let Some(h) = hostile() else { return };
    let port = h.port.to_string();
    // What people see: the cleaned name, cut to 40 columns (`…` as the 40th).
    let shown: String = clean(&h.process).chars().take(39).collect();
    let label = format!("{}/{shown}…", h.pid);
    for args in [&["sockets"][..], &["sockets", "--port", &port], &["lookup", &port]] {
        let out = portolan(args);
        assert_terminal_safe(&format!("{args:?}"), &out);
        let text = String::from_utf8(out).unwrap();
        let row = text.lines().find(|l| l.contains(&format!("127.0.0.1:{port}")));
        let row = row.unwrap_or_else(|| panic!("{args:?}: no row for our listener:\n{text}"));
        assert!(row.contains(&label), "{args:?}: {label:?} not in {row:?}");
        assert!(text.contains("portolan-evil\u{fffd}]0;pwned\u{fffd}\u{fffd}[2J"), "{text}");
        // Neither the 250-byte name nor the 64 KiB command line makes the row unusable.
        assert!(row.chars().count() < 160, "{args:?}: a row of {} characters", row.chars().count());
    }
    let only_ours = portolan(&["sockets", "--port", &port]);
    assert!(only_ours.len() < 1024, "the command line leaked into the table: {} bytes", only_ours.len());
}

#[test]
fn json_keeps_the_exact_strings_escaped() {
    let Some(h) = hostile() else { return };
    let port = h.port.to_string();
    let owners_of = |v: &Value| -> Vec<Value> {
        v.as_array().unwrap().iter().flat_map(|s| s["owners"].as_array().unwrap().clone()).collect()
    };
    let sockets = portolan(&["sockets", "--json", "--port", &port]);
    let lookup = portolan(&["lookup", &port, "--json"]);
    for (what, out, owners) in [
        ("sockets --json", &sockets, owners_of(&serde_json::from_slice(&sockets).unwrap())),
        (
            "lookup --json",
            &lookup,
            owners_of(&serde_json::from_slice::<Value>(&lookup).unwrap()[0]["sockets"]),
        ),
    ] {
        // serde escapes C0 controls; portolan escapes what serde leaves raw (DEL, C1, bidi).
        assert_terminal_safe(what, out);
        let ours = owners.iter().find(|o| o["pid"] == h.pid).unwrap_or_else(|| panic!("{what}: {owners:?}"));
        assert_eq!(ours["process"].as_str(), Some(h.process.as_str()), "{what}");
        let command = ours["command"].as_str().unwrap();
        assert!(command.len() > 64 * 1024, "{what}: the command line was cut to {} bytes", command.len());
        assert_eq!(command, h.command, "{what}");
    }
}

#[test]
fn the_tui_shows_the_listener_and_never_sends_its_payload() {
    let Some(h) = hostile() else { return };
    let port = h.port;
    let mut pty = Pty::start_sized(&["tui", "--refresh", "0.25"], &[], 40, 200);
    pty.wait_text("Well-known 0–1023");
    pty.send("s");
    pty.wait_text("PROTO");
    pty.send(&format!("/{port}"));
    let local = format!("127.0.0.1:{port}");
    // vt100 leaves U+FFFD off its screen (see `Seen::replacements`), so the screen shows the
    // cleaned name without its stand-ins; the bytes sent hold it whole.
    let owner = format!("{}/portolan-evil]0;pwned[2J[H[31mred", h.pid);
    let filter = format!("filter: {port}▏");
    pty.wait("the hostile listener, cleaned", |s| {
        let c = s.contents();
        c.contains(&filter)
            && c.lines().any(|l| l.contains(&local) && l.contains("LISTEN") && l.contains(&owner))
    });
    let cleaned = format!("{}/{}", h.pid, clean(&h.process).chars().take(39).collect::<String>());
    assert!(find(&pty.raw(), cleaned.as_bytes()).is_some(), "{cleaned:?} was not drawn");
    // Enter closes the filter line, then opens the port's detail, which names the owners too.
    pty.send("\r");
    pty.wait_text("Enter port");
    pty.send("\r");
    pty.wait_text(&format!("Local sockets on {port}: 1"));
    pty.wait_text(&owner);
    pty.send("q");
    assert!(pty.wait_exit().success());
    pty.check_restored();
    let raw = pty.raw();
    // The TUI's own sequences are all there is: no OSC at all (so no title), no bell, no payload.
    for payload in [&b"\x1b]"[..], b"\x07", b"\x1b[2J\x1b[H\x1b[31mred", b"\xe2\x80\xae", b"\xc2\x9b", b"\0"]
    {
        let at = find(&raw, payload);
        assert!(at.is_none(), "{payload:?} reached the terminal at byte {at:?}");
    }
    let text = std::str::from_utf8(&raw).expect("everything drawn is UTF-8 (no raw 0xff)");
    let bidi = text.chars().find(|&c| is_forbidden(c) && !c.is_control());
    assert_eq!(bidi, None, "a bidi control reached the terminal");
    pty.seen(|seen| {
        assert!(seen.titles.is_empty(), "the title was set: {:?}", seen.titles);
        assert_eq!((seen.bells, &seen.c1), (0, &vec![]), "a bell or a C1 control was sent");
        assert!(seen.replacements > 0, "the stand-ins for the controls were drawn");
    });
}
