//! Packs the bundled IANA registry (assets/iana-services.csv) and the common-use layer
//! (assets/common-ports.toml) into the binary table format at build time, so that the program starts
//! with indexed registries and no parsing.

#[path = "src/registry/iana_csv.rs"]
#[allow(dead_code)]
mod iana_csv;
#[path = "src/registry/model.rs"]
#[allow(dead_code)]
mod model;
#[path = "src/registry/overlay.rs"]
#[allow(dead_code)]
mod overlay;
#[path = "src/registry/table.rs"]
#[allow(dead_code)]
mod table;

use std::path::PathBuf;

fn main() {
    let asset = "assets/iana-services.csv";
    println!("cargo::rerun-if-changed={asset}");
    println!("cargo::rerun-if-changed=assets/common-ports.toml");
    println!("cargo::rerun-if-changed=src/registry/overlay.rs");
    println!("cargo::rerun-if-changed=src/registry/iana_csv.rs");
    println!("cargo::rerun-if-changed=src/registry/model.rs");
    println!("cargo::rerun-if-changed=src/registry/table.rs");
    let data = std::fs::read(asset).unwrap_or_else(|e| panic!("reading {asset}: {e}"));
    let records = iana_csv::parse(&data).unwrap_or_else(|e| panic!("{asset}: {e}"));
    let table = table::Table::build(&records);
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("iana.table"), table.as_bytes()).expect("writing the packed registry");

    let common = "assets/common-ports.toml";
    let text = std::fs::read_to_string(common).unwrap_or_else(|e| panic!("reading {common}: {e}"));
    let records = overlay::parse_services_toml(&text).unwrap_or_else(|e| panic!("{common}:{e}"));
    let table = table::Table::build(&records);
    std::fs::write(out.join("common.table"), table.as_bytes()).expect("writing the packed common layer");
}
