#![no_main]
//! `/proc/net/{tcp,tcp6,udp,udp6}` tables: any text, whole tables and single lines.

use libfuzzer_sys::fuzz_target;
use portolan::registry::Protocol;
use portolan::sockets::linux::procnet::{parse_line, parse_table};

fuzz_target!(|text: &str| {
    for protocol in [Protocol::Tcp, Protocol::Udp] {
        let mut out = Vec::new();
        parse_table(text, protocol, &mut out);
        // The first line is the header; every other line gives at most one socket.
        assert!(out.len() <= text.lines().count().saturating_sub(1));
        let lines = text.lines().filter(|l| parse_line(l, protocol).is_some()).count();
        assert!(out.len() <= lines);
    }
});
