//! Reads IANA's 12-column registry CSV (the published file and our bundled copy share this layout):
//! quoted multi-line fields, port ranges, empty protocols and name-only rows are all legal.

use std::fmt;

use super::model::{PortSpan, Protocol, RecordBuf};

/// The header IANA publishes, which the importer requires exactly.
pub const HEADER: [&str; 12] = [
    "Service Name",
    "Port Number",
    "Transport Protocol",
    "Description",
    "Assignee",
    "Contact",
    "Registration Date",
    "Modification Date",
    "Reference",
    "Service Code",
    "Unauthorized Use Reported",
    "Assignment Notes",
];

/// A CSV problem, with the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    pub line: u64,
    pub message: String,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for CsvError {}

/// Parses a whole registry CSV; the first bad row fails the whole file.
pub fn parse(data: &[u8]) -> Result<Vec<RecordBuf>, CsvError> {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(data);
    let mut rows = reader.byte_records();
    let header = match rows.next() {
        None => return Err(CsvError { line: 1, message: "the file is empty".to_owned() }),
        Some(row) => row.map_err(|e| csv_error(&e))?,
    };
    let found: Vec<String> = header.iter().map(|f| String::from_utf8_lossy(f).trim().to_owned()).collect();
    if found != HEADER {
        return Err(CsvError {
            line: 1,
            message: format!("not IANA's registry layout: the header must be '{}'", HEADER.join(",")),
        });
    }
    let mut records = Vec::new();
    for row in rows {
        let row = row.map_err(|e| csv_error(&e))?;
        let line = row.position().map_or(0, csv::Position::line);
        let fail = |message: String| CsvError { line, message };
        if row.len() != HEADER.len() {
            if row.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                continue;
            }
            return Err(fail(format!("expected {} fields, found {}", HEADER.len(), row.len())));
        }
        let mut text = [""; 12];
        for (slot, field) in text.iter_mut().zip(row.iter()) {
            *slot =
                std::str::from_utf8(field).map_err(|_| fail("a field is not valid UTF-8".to_owned()))?.trim();
        }
        let ports = match text[1] {
            "" => None,
            p => Some(p.parse::<PortSpan>().map_err(fail)?),
        };
        let protocol = match text[2] {
            "" => None,
            p => Some(p.parse::<Protocol>().map_err(fail)?),
        };
        if ports.is_none() && text[0].is_empty() {
            return Err(fail("a row needs a service name or a port number".to_owned()));
        }
        records.push(RecordBuf {
            service: text[0].to_owned(),
            ports,
            protocol,
            description: text[3].to_owned(),
            assignee: text[4].to_owned(),
            contact: text[5].to_owned(),
            registered: text[6].to_owned(),
            modified: text[7].to_owned(),
            reference: text[8].to_owned(),
            service_code: text[9].to_owned(),
            unauthorized_use: text[10].to_owned(),
            notes: text[11].to_owned(),
            category: String::new(),
            aliases: String::new(),
        });
    }
    Ok(records)
}

fn csv_error(e: &csv::Error) -> CsvError {
    let line = e.position().map_or(0, csv::Position::line);
    let message = match e.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        csv::ErrorKind::Utf8 { .. } => "a field is not valid UTF-8".to_owned(),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("expected {expected_len} fields, found {len}")
        }
        _ => e.to_string(),
    };
    CsvError { line, message }
}
