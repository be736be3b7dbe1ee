#![no_main]
//! The user's services.toml (and the curated common-use file, which shares its format).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(e) = portolan::registry::parse_services_toml(text) {
        assert!(e.line >= 1 && e.line <= text.lines().count() + 1);
    }
});
