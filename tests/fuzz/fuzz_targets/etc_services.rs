#![no_main]
//! `/etc/services` lines.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for r in portolan::registry::parse_etc_services(text) {
        assert!(r.ports.is_some());
    }
});
