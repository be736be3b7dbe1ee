#![no_main]
//! Command lines: any argument vector, invalid UTF-8 included. Parsing ends in a command whose
//! values are in range, in help or version, or in a usage error; never in a panic.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use clap::Parser;
use libfuzzer_sys::fuzz_target;
use portolan::cli::{Cli, Command};

fuzz_target!(|args: Vec<Vec<u8>>| {
    let argv = std::iter::once(OsString::from("portolan")).chain(args.into_iter().map(OsString::from_vec));
    match Cli::try_parse_from(argv) {
        Ok(cli) => match cli.command {
            Some(Command::Sockets(a)) => {
                assert!(a.watch.is_none_or(|w| w.is_finite() && (0.1..=86_400.0).contains(&w)));
            }
            Some(Command::Tui(a)) => assert!((0.25..=60.0).contains(&a.refresh)),
            Some(Command::Search(a)) => assert!(a.limit >= 1 && !a.text.is_empty()),
            Some(Command::Lookup(a)) => assert!(!a.queries.is_empty()),
            Some(Command::Free(a)) => assert!(a.span.is_none_or(|s| s.start <= s.end)),
            _ => {}
        },
        Err(e) => {
            assert_eq!(e.exit_code(), if e.use_stderr() { 2 } else { 0 });
            assert!(!e.render().to_string().trim().is_empty());
        }
    }
});
