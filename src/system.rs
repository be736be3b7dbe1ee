//! This machine's port settings, read from `/proc/sys/net/ipv4/` on Linux: the ephemeral range the
//! kernel picks client ports from, the first port an unprivileged process may bind, reserved ports.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::registry::PortSpan;

/// The kernel's port settings; each is `None` where it could not be read (another OS, a sandbox).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortSettings {
    /// `ip_local_port_range`: where the kernel picks ephemeral ports.
    #[serde(serialize_with = "span_json")]
    pub ephemeral: Option<PortSpan>,
    /// `ip_unprivileged_port_start`: binding below it needs `CAP_NET_BIND_SERVICE`.
    pub unprivileged_start: Option<u16>,
    /// `ip_local_reserved_ports`: never handed out as ephemeral ports.
    #[serde(serialize_with = "spans_json")]
    pub reserved: Option<Vec<PortSpan>>,
}

#[allow(
    clippy::ref_option,
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's serialize_with passes the field by reference"
)]
fn span_json<S: serde::Serializer>(span: &Option<PortSpan>, s: S) -> Result<S::Ok, S::Error> {
    span.map(|p| [p.start, p.end]).serialize(s)
}

#[allow(clippy::ref_option, reason = "serde's serialize_with passes the field by reference")]
fn spans_json<S: serde::Serializer>(spans: &Option<Vec<PortSpan>>, s: S) -> Result<S::Ok, S::Error> {
    spans.as_ref().map(|v| v.iter().map(|p| [p.start, p.end]).collect::<Vec<_>>()).serialize(s)
}

/// Linux's defaults, for explaining what a machine changed.
pub const LINUX_DEFAULT_EPHEMERAL: PortSpan = PortSpan { start: 32768, end: 60999 };
pub const LINUX_DEFAULT_UNPRIVILEGED_START: u16 = 1024;

impl PortSettings {
    /// Reads the settings of this machine.
    pub fn read() -> PortSettings {
        PortSettings::read_from(Path::new("/proc/sys/net/ipv4"))
    }

    /// Reads the settings from a folder laid out like `/proc/sys/net/ipv4`.
    pub fn read_from(dir: &Path) -> PortSettings {
        let read = |name: &str| std::fs::read_to_string(PathBuf::from(dir).join(name)).ok();
        PortSettings {
            ephemeral: read("ip_local_port_range").and_then(|t| parse_port_range(&t)),
            unprivileged_start: read("ip_unprivileged_port_start").and_then(|t| t.trim().parse().ok()),
            reserved: read("ip_local_reserved_ports").and_then(|t| parse_reserved(&t)),
        }
    }

    pub fn is_reserved(&self, port: u16) -> bool {
        self.reserved.as_ref().is_some_and(|r| r.iter().any(|s| s.contains(port)))
    }
}

/// `32768\t60999` → 32768–60999.
pub fn parse_port_range(text: &str) -> Option<PortSpan> {
    let mut it = text.split_whitespace().map(str::parse::<u16>);
    let (Some(Ok(a)), Some(Ok(b)), None) = (it.next(), it.next(), it.next()) else { return None };
    PortSpan::new(a, b)
}

/// `8080,9000-9010` → spans; an empty file means no reserved ports.
pub fn parse_reserved(text: &str) -> Option<Vec<PortSpan>> {
    text.trim().split(',').filter(|s| !s.trim().is_empty()).map(|s| s.parse::<PortSpan>().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_values() {
        assert_eq!(parse_port_range("32768\t60999\n"), PortSpan::new(32768, 60999));
        assert_eq!(parse_port_range("60999 32768"), None);
        assert_eq!(parse_port_range("1"), None);
        assert_eq!(parse_reserved("\n"), Some(vec![]));
        assert_eq!(
            parse_reserved("8080,9000-9010\n"),
            Some(vec![PortSpan::single(8080), PortSpan { start: 9000, end: 9010 }])
        );
        assert_eq!(parse_reserved("80,x"), None);
    }

    #[test]
    fn reads_a_proc_like_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ip_local_port_range"), "40000 50000\n").unwrap();
        std::fs::write(dir.path().join("ip_unprivileged_port_start"), "80\n").unwrap();
        std::fs::write(dir.path().join("ip_local_reserved_ports"), "45000\n").unwrap();
        let s = PortSettings::read_from(dir.path());
        assert_eq!(s.ephemeral, PortSpan::new(40000, 50000));
        assert_eq!(s.unprivileged_start, Some(80));
        assert!(s.is_reserved(45000) && !s.is_reserved(45001));
        let missing = PortSettings::read_from(&dir.path().join("nope"));
        assert_eq!(missing.ephemeral, None);
    }
}
