#![no_main]
//! IANA-layout CSV import: arbitrary bytes after a valid header, and with none.

use libfuzzer_sys::fuzz_target;
use portolan::registry::{IANA_HEADER, Registry, parse_iana_csv};

fuzz_target!(|data: &[u8]| {
    let _ = parse_iana_csv(data);
    let mut with_header = IANA_HEADER.join(",").into_bytes();
    with_header.push(b'\n');
    with_header.extend_from_slice(data);
    if let Ok(records) = parse_iana_csv(&with_header) {
        // Whatever parses must pack into a table that answers lookups.
        let registry = Registry::from_records(&records);
        for r in &records {
            if let Some(span) = r.ports {
                assert!(registry.at_port(span.start).count() > 0);
            }
        }
    }
});
