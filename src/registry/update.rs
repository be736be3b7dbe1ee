//! `portolan registry update`: validate an IANA-layout CSV, report what it changes against the
//! registry in use, and store it in the user data folder atomically.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Paths, Record, RecordBuf, Registry, Source, parse_iana_csv};
use crate::fsutil;

/// File name of the imported registry inside the data folder.
pub const REGISTRY_FILE: &str = "iana-services.csv";
const META_FILE: &str = "registry.json";

/// The packed copy of an imported registry, which loads without parsing.
pub fn packed_path(csv: &Path) -> PathBuf {
    csv.with_extension("table")
}
/// Fewer rows than this cannot be IANA's registry (it has had over 10,000 for decades).
pub const MIN_ROWS: usize = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}", line = .source.line, message = .source.message)]
    Invalid { path: PathBuf, source: super::CsvError },
    #[error("{path}: only {rows} rows; IANA's registry has over {MIN_ROWS}, so this is not a full registry")]
    TooFew { path: PathBuf, rows: usize },
    #[error("no data folder is known on this platform (set XDG_DATA_HOME)")]
    NoDataDir,
    #[error("writing {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// Sidecar kept next to the imported registry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    pub imported_from: String,
    pub imported_at: u64,
}

pub fn read_meta(paths: &Paths) -> Option<Meta> {
    let path = paths.data_dir.as_ref()?.join(META_FILE);
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// What an update changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateReport {
    pub path: PathBuf,
    pub rows: usize,
    pub added: usize,
    pub removed: usize,
    pub modified: usize,
    pub newest_date: Option<String>,
}

type Key = (String, Option<u16>, Option<u16>, u8);

fn key_of(
    service: &str,
    ports: Option<super::PortSpan>,
    proto: Option<super::Protocol>,
    description: &str,
) -> Key {
    // Unnamed rows (Reserved/Unassigned) are told apart by their description.
    let name =
        if service.is_empty() { description.to_ascii_lowercase() } else { service.to_ascii_lowercase() };
    (name, ports.map(|p| p.start), ports.map(|p| p.end), super::Protocol::code(proto))
}

fn body_of(r: &RecordBuf) -> [&str; 9] {
    [
        &r.description,
        &r.assignee,
        &r.contact,
        &r.registered,
        &r.modified,
        &r.reference,
        &r.service_code,
        &r.unauthorized_use,
        &r.notes,
    ]
}

fn body_of_record<'a>(r: &Record<'a>) -> [&'a str; 9] {
    [
        r.description,
        r.assignee,
        r.contact,
        r.registered,
        r.modified,
        r.reference,
        r.service_code,
        r.unauthorized_use,
        r.notes,
    ]
}

/// Validates `from`, compares it with the IANA layer of `current`, and stores it. A file that fails
/// validation changes nothing.
pub fn update(paths: &Paths, current: &Registry, from: &Path) -> Result<UpdateReport, UpdateError> {
    let bytes = std::fs::read(from).map_err(|source| UpdateError::Read { path: from.to_owned(), source })?;
    let records =
        parse_iana_csv(&bytes).map_err(|source| UpdateError::Invalid { path: from.to_owned(), source })?;
    if records.len() < MIN_ROWS {
        return Err(UpdateError::TooFew { path: from.to_owned(), rows: records.len() });
    }
    let mut report = diff(current, &records);
    let data_dir = paths.data_dir.as_ref().ok_or(UpdateError::NoDataDir)?;
    let target = data_dir.join(REGISTRY_FILE);
    fsutil::remove_stale_temps(data_dir);
    let write_err = |path: &Path| {
        let path = path.to_owned();
        move |source| UpdateError::Write { path, source }
    };
    fsutil::write_atomic(&target, &bytes).map_err(write_err(&target))?;
    // Written after the CSV, so its newer time marks it as the CSV's packed copy.
    let packed = packed_path(&target);
    fsutil::write_atomic(&packed, super::Table::build(&records).as_bytes()).map_err(write_err(&packed))?;
    let meta = Meta {
        imported_from: from.canonicalize().unwrap_or_else(|_| from.to_owned()).display().to_string(),
        imported_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    };
    let meta_path = data_dir.join(META_FILE);
    let json = serde_json::to_vec_pretty(&meta).unwrap_or_default();
    fsutil::write_atomic(&meta_path, &json).map_err(write_err(&meta_path))?;
    report.path = target;
    Ok(report)
}

/// Rows added, removed and modified between the IANA layer in use and `records`.
pub fn diff(current: &Registry, records: &[RecordBuf]) -> UpdateReport {
    let mut old: HashMap<Key, Vec<[&str; 9]>> = HashMap::new();
    for r in current.records().filter(|r| r.source == Source::Iana) {
        old.entry(key_of(r.service, r.ports, r.protocol, r.description))
            .or_default()
            .push(body_of_record(&r));
    }
    let mut report = UpdateReport { rows: records.len(), ..UpdateReport::default() };
    for r in records {
        match old.get_mut(&key_of(&r.service, r.ports, r.protocol, &r.description)) {
            Some(bodies) if !bodies.is_empty() => {
                let body = body_of(r);
                if let Some(i) = bodies.iter().position(|b| *b == body) {
                    bodies.swap_remove(i);
                } else {
                    bodies.pop();
                    report.modified += 1;
                }
            }
            _ => report.added += 1,
        }
    }
    report.removed = old.values().map(Vec::len).sum();
    report.newest_date = records
        .iter()
        .flat_map(|r| [r.registered.as_str(), r.modified.as_str()])
        .filter(|d| super::is_date(d))
        .max()
        .map(str::to_owned);
    report
}
