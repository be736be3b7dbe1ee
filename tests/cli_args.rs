//! Hostile command lines on the real binary: out-of-range numbers, NaN, invalid UTF-8, escape
//! sequences. Each is a usage error (exit 2) explained in a few plain lines, never a panic, and
//! nothing from the argument reaches the terminal raw.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use assert_cmd::Command;

fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[test]
fn nasty_arguments_are_usage_errors() {
    let s = |args: &[&str]| args.iter().map(OsString::from).collect::<Vec<_>>();
    let cases: Vec<(Vec<OsString>, &str)> = vec![
        (s(&["sockets", "--port", "70000"]), "70000"),
        (s(&["sockets", "--port", "18446744073709551616"]), "--port"),
        (s(&["sockets", "--watch", "-1"]), "-1"),
        (s(&["sockets", "--watch", "nan"]), "nan"),
        (s(&["sockets", "--watch", "1e309"]), "1e309"),
        (s(&["tui", "--refresh", "nan"]), "nan"),
        (s(&["tui", "--refresh", "inf"]), "inf"),
        (s(&["search", "-n", "0", "ssh"]), "positive"),
        (s(&["search", "-n", "99999999999999999999999", "ssh"]), "--limit"),
        (s(&["free", "65535-1"]), "reversed"),
        (s(&["free", "--proto", "sctp"]), "sctp"),
        (s(&["lookup"]), "QUERY"),
        (s(&["--color", "\u{1F600}"]), "--color"),
        (s(&["sockets", "--state", "listen\u{202e}"]), "--state"),
        (s(&["sockets", "--state", "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m"]), "--state"),
        (s(&["\u{1b}[31mred", "\u{7f}x"]), "error"),
        (
            vec![
                OsString::from("lookup"),
                OsString::from("--proto"),
                OsString::from_vec(b"tcp\xff\xfe".to_vec()),
            ],
            "UTF-8",
        ),
    ];
    for (args, says) in cases {
        // Arguments are checked before any file is read, so no folder needs setting up.
        let out = Command::cargo_bin("portolan").unwrap().args(&args).env("NO_COLOR", "1").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: ") || stderr.starts_with("portolan: "), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?} should mention {says}: {stderr}");
        assert!(stderr.lines().count() <= 6, "{args:?}: {stderr}");
        assert!(!stderr.chars().any(unsafe_char), "{args:?} reached stderr raw: {stderr:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
