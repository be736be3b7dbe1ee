#![no_main]
//! The alias and popularity tables search reads (`assets/aliases.toml`, `assets/popular.toml`).
//! The common-use layer (`assets/common-ports.toml`) is read by `parse_services_toml`, at build time
//! only: the `services_toml` target covers it.

use libfuzzer_sys::fuzz_target;
use portolan::search::{Aliases, AssetError, Popularity};

fn check(e: &AssetError, file: &str, text: &str) {
    assert!(e.line() >= 1 && e.line() <= text.lines().count() + 1, "{e}");
    assert!(e.to_string().starts_with(&format!("{file}:{}: ", e.line())), "{e}");
}

fuzz_target!(|text: &str| {
    match Aliases::parse(text) {
        Ok(aliases) => {
            for (word, targets) in aliases.iter() {
                assert_eq!(aliases.targets(word), targets, "{word}");
                assert!(!word.is_empty() && !word.chars().any(char::is_whitespace));
            }
        }
        Err(e) => check(&e, "aliases.toml", text),
    }
    match Popularity::parse(text) {
        Ok(popular) => {
            for (i, (rank, _, _)) in popular.iter().enumerate() {
                assert_eq!(rank, i + 1);
            }
        }
        Err(e) => check(&e, "popular.toml", text),
    }
});
