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
        if row.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if row.len() != HEADER.len() {
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

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,Registration Date,Modification Date,Reference,Service Code,Unauthorized Use Reported,Assignment Notes\n";

    fn parse_body(body: &str) -> Result<Vec<RecordBuf>, CsvError> {
        parse(format!("{HEAD}{body}").as_bytes())
    }

    #[test]
    fn reads_iana_rows() {
        let recs = parse_body(concat!(
            "http,80,tcp,World Wide Web HTTP,,,,,[RFC9110],,,\n",
            "x11,6000-6063,udp,X Window System,[Robert_Scheifler],[Robert_Scheifler],,,,,,\"Known UNAUTHORIZED\nuse on port 6000\"\n",
            ",4,,Unassigned,,,,,,,,\n",
            "nameonly,,,\"Name, only\",,,2010-01-01,,,,,\n",
            ",,,,,,,,,,,\n",
        ))
        .unwrap();
        assert_eq!(recs.len(), 4, "the blank row is skipped");
        assert_eq!(recs[0].service, "http");
        assert_eq!(recs[0].protocol, Some(Protocol::Tcp));
        assert_eq!(recs[0].reference, "[RFC9110]");
        assert_eq!(recs[1].ports, PortSpan::new(6000, 6063));
        assert_eq!(recs[1].notes, "Known UNAUTHORIZED\nuse on port 6000", "multi-line field kept whole");
        assert_eq!(recs[2].protocol, None);
        assert_eq!(recs[2].description, "Unassigned");
        assert_eq!(recs[3].ports, None);
        assert_eq!(recs[3].description, "Name, only");
        assert_eq!(recs[3].registered, "2010-01-01");
    }

    #[test]
    fn rejects_bad_files_with_the_line() {
        let cases: &[(&str, u64, &str)] = &[
            ("http,70000,tcp,x,,,,,,,,\n", 2, "out of range"),
            ("a,1,tcp,x,,,,,,,,\nhttp,9-3,tcp,x,,,,,,,,\n", 3, "reversed"),
            ("http,80,icmp,x,,,,,,,,\n", 2, "unknown protocol"),
            ("http,80,tcp\n", 2, "expected 12 fields"),
            ("a,1,tcp,\"multi\nline\",,,,,,,,\nhttp,abc,tcp,x,,,,,,,,\n", 4, "not a port"),
            (",,tcp,x,,,,,,,,\n", 2, "service name or a port"),
        ];
        for (body, line, needle) in cases {
            let err = parse_body(body).unwrap_err();
            assert_eq!(err.line, *line, "{body:?}: {err}");
            assert!(err.message.contains(needle), "{body:?}: {err}");
        }
        let err = parse(b"name,port\nhttp,80\n").unwrap_err();
        assert!(err.message.contains("header"), "{err}");
        assert!(parse(b"").is_err());
        assert!(parse(b"\xff\xfe\x00garbage").is_err());
    }

    #[test]
    fn accepts_a_byte_order_mark_and_crlf() {
        let data = format!("\u{feff}{}http,80,tcp,x,,,,,,,,\r\n", HEAD.replace('\n', "\r\n"));
        assert_eq!(parse(data.as_bytes()).unwrap().len(), 1);
    }
}
