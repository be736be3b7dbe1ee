//! The layers merged under IANA's data: the system's `/etc/services`, the curated common-use list
//! shipped in `assets/`, and the user's own `services.toml`.

use std::fmt;

use serde::Deserialize;

use super::model::{PortSpan, Protocol, RecordBuf};

/// A problem in an overlay file, pointing at its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for OverlayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.line, self.message)
    }
}

/// Reads `/etc/services` lines (`name port/proto [aliases…] [# comment]`); lines that do not fit are
/// skipped, as the C library does.
pub fn parse_etc_services(text: &str) -> Vec<RecordBuf> {
    text.lines()
        .filter_map(|line| {
            let (entry, comment) = match line.split_once('#') {
                Some((entry, comment)) => (entry, comment.trim()),
                None => (line, ""),
            };
            let mut words = entry.split_whitespace();
            let name = words.next()?;
            let (port, proto) = words.next()?.split_once('/')?;
            let port = port.parse::<u16>().ok()?;
            let protocol = proto.parse::<Protocol>().ok()?;
            let aliases: Vec<&str> = words.collect();
            Some(RecordBuf {
                service: name.to_owned(),
                ports: Some(PortSpan::single(port)),
                protocol: Some(protocol),
                description: comment.to_owned(),
                aliases: aliases.join(" "),
                ..RecordBuf::default()
            })
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServicesFile {
    #[serde(default)]
    service: Vec<ServiceEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceEntry {
    name: String,
    port: u16,
    port_end: Option<u16>,
    #[serde(default = "default_protocols")]
    protocols: Vec<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category: String,
}

fn default_protocols() -> Vec<String> {
    vec!["tcp".to_owned()]
}

/// Reads a services TOML file (`[[service]]` tables with name, port, optional `port_end`, protocols,
/// description, category) into one record per protocol.
pub fn parse_services_toml(text: &str) -> Result<Vec<RecordBuf>, OverlayError> {
    let file: ServicesFile = toml::from_str(text).map_err(|e| OverlayError {
        line: toml_error_line(text, &e),
        message: e.message().trim().to_owned(),
    })?;
    // Point later errors at the entry's own `[[service]]` header.
    let headers: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[service]]"))
        .map(|(i, _)| i + 1)
        .collect();
    let mut records = Vec::new();
    for (i, entry) in file.service.into_iter().enumerate() {
        let fail = |message: String| OverlayError { line: headers.get(i).copied().unwrap_or(1), message };
        let name = entry.name.trim();
        if name.is_empty() || name.chars().any(char::is_whitespace) {
            return Err(fail(format!("service name '{name}' must be one word")));
        }
        let end = entry.port_end.unwrap_or(entry.port);
        let ports = PortSpan::new(entry.port, end)
            .ok_or_else(|| fail(format!("port_end {end} is below port {}", entry.port)))?;
        if entry.protocols.is_empty() {
            return Err(fail(format!("service '{name}' lists no protocols")));
        }
        for proto in &entry.protocols {
            let protocol = proto.parse::<Protocol>().map_err(fail)?;
            records.push(RecordBuf {
                service: name.to_owned(),
                ports: Some(ports),
                protocol: Some(protocol),
                description: entry.description.trim().to_owned(),
                category: entry.category.trim().to_owned(),
                ..RecordBuf::default()
            });
        }
    }
    Ok(records)
}

/// The line (from 1) a TOML error points at; 1 when it points nowhere.
pub(crate) fn toml_error_line(text: &str, error: &toml::de::Error) -> usize {
    error.span().map_or(1, |span| line_of(text, span.start))
}

/// The line (from 1) holding byte `offset` of `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(1, |t| t.matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etc_services_lines() {
        let recs = parse_etc_services(
            "# comment\n\nsmtp\t\t25/tcp\t\tmail\nssh 22/tcp # SSH Remote Login\nbroken line\nx 99999/tcp\ny 7/xyz\n",
        );
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].service, "smtp");
        assert_eq!(recs[0].aliases, "mail");
        assert_eq!(recs[1].description, "SSH Remote Login");
        assert_eq!(recs[1].ports, Some(PortSpan::single(22)));
    }

    #[test]
    fn services_toml_entries_and_errors() {
        let recs = parse_services_toml(
            "[[service]]\nname = \"billing\"\nport = 7000\nport_end = 7002\nprotocols = [\"tcp\", \"udp\"]\n",
        )
        .unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].protocol, Some(Protocol::Udp));
        assert_eq!(recs[0].ports, PortSpan::new(7000, 7002));

        let err = parse_services_toml("[[service]]\nname = \"a\"\nport = 70000\n").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        let err = parse_services_toml(
            "[[service]]\nname = \"a\"\nport = 1\n\n[[service]]\nname = \"b\"\nport = 9\nport_end = 3\n",
        )
        .unwrap_err();
        assert_eq!(err.line, 5, "{err}");
        assert!(err.message.contains("below"));
        let err =
            parse_services_toml("[[service]]\nname = \"a\"\nport = 1\nprotocols = [\"icmp\"]\n").unwrap_err();
        assert!(err.message.contains("icmp"));
        let err = parse_services_toml("[[service]]\nnme = \"a\"\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
    }
}
