#![no_main]
//! Command-line queries: ports, ranges, names, and what the sanitizer makes of them.

use libfuzzer_sys::fuzz_target;
use portolan::registry::Query;

fuzz_target!(|text: &str| {
    let _ = text.parse::<Query>();
    let clean = portolan::sanitize::clean(text);
    assert!(!clean.chars().any(char::is_control));
});
