//! The rows of the three range panes: one row per assignment, consecutive unassigned or reserved
//! ports folded into one row, split again around ports this machine is using right now.

use std::collections::BTreeMap;

use crate::registry::{PortRange, PortSpan, Protocol, RecordId, Registry};
use crate::sanitize::clean;

/// How a port is used on this machine right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Use {
    #[default]
    Free,
    /// Some socket on this local port is connected (typically a client's ephemeral port).
    Connected,
    /// Some socket listens on this local port (TCP LISTEN or bound UDP).
    Listening,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Service,
    Reserved,
    Unassigned,
}

/// One row of a range pane. Strings are already sanitized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub span: PortSpan,
    pub kind: RowKind,
    pub service: String,
    /// `tcp/udp`, in protocol order.
    pub protocols: String,
    pub description: String,
    /// How many other service names share these ports.
    pub more: usize,
    pub used: Use,
}

impl Row {
    fn fold(span: PortSpan, kind: RowKind) -> Row {
        Row {
            span,
            kind,
            service: String::new(),
            protocols: String::new(),
            description: String::new(),
            more: 0,
            used: Use::Free,
        }
    }
}

/// The registry's rows of `range`, with no machine state.
pub fn base_rows(registry: &Registry, range: PortRange) -> Vec<Row> {
    let span = range.span();
    let mut rows: Vec<Row> = Vec::new();
    let mut prev_ids: Vec<RecordId> = Vec::new();
    let mut ids: Vec<RecordId> = Vec::new();
    for port in span.start..=span.end {
        ids.clear();
        let mut reserved = false;
        for r in registry.at_port(port) {
            if !r.service.is_empty() {
                ids.push(r.id);
            } else if r.is_reserved() {
                reserved = true;
            }
        }
        let kind = if !ids.is_empty() {
            RowKind::Service
        } else if reserved {
            RowKind::Reserved
        } else {
            RowKind::Unassigned
        };
        if let Some(last) = rows.last_mut()
            && last.kind == kind
            && last.span.end.checked_add(1) == Some(port)
            && ids == prev_ids
        {
            last.span.end = port;
            continue;
        }
        rows.push(match kind {
            RowKind::Service => service_row(registry, port, &ids),
            other => Row::fold(PortSpan::single(port), other),
        });
        std::mem::swap(&mut prev_ids, &mut ids);
    }
    rows
}

fn service_row(registry: &Registry, port: u16, ids: &[RecordId]) -> Row {
    let records: Vec<_> = ids.iter().filter_map(|id| registry.get(*id)).collect();
    let first = records.first();
    let service = first.map(|r| r.service).unwrap_or_default();
    let mut protocols: Vec<Protocol> = records.iter().filter_map(|r| r.protocol).collect();
    protocols.sort();
    protocols.dedup();
    let mut names: Vec<String> = records.iter().map(|r| r.service.to_ascii_lowercase()).collect();
    names.sort();
    names.dedup();
    let description = records.iter().map(|r| r.description).find(|d| !d.is_empty()).unwrap_or_default();
    Row {
        span: PortSpan::single(port),
        kind: RowKind::Service,
        service: clean(service).into_owned(),
        protocols: protocols.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("/"),
        description: clean(description).into_owned(),
        more: names.len().saturating_sub(1),
        used: Use::Free,
    }
}

/// `base` with the machine's port use marked, folded rows split so each used port stands alone.
pub fn with_use(base: &[Row], used: &BTreeMap<u16, Use>) -> Vec<Row> {
    let mut out = Vec::with_capacity(base.len());
    for row in base {
        let mut inside = used.range(row.span.start..=row.span.end).peekable();
        if inside.peek().is_none() {
            out.push(row.clone());
            continue;
        }
        if row.kind == RowKind::Service {
            let mut r = row.clone();
            r.used = inside.map(|(_, u)| *u).max().unwrap_or_default();
            out.push(r);
            continue;
        }
        // The first port not yet covered; `None` once the span is done.
        let mut next = Some(row.span.start);
        for (&port, &u) in inside {
            if let Some(start) = next.filter(|&n| n < port) {
                out.push(Row::fold(PortSpan { start, end: port - 1 }, row.kind));
            }
            let mut r = Row::fold(PortSpan::single(port), row.kind);
            r.used = u;
            out.push(r);
            next = port.checked_add(1);
        }
        if let Some(start) = next.filter(|&n| n <= row.span.end) {
            out.push(Row::fold(PortSpan { start, end: row.span.end }, row.kind));
        }
    }
    out
}

/// Index of the row containing `port`.
pub fn row_of(rows: &[Row], port: u16) -> Option<usize> {
    let i = rows.partition_point(|r| r.span.end < port);
    rows.get(i).filter(|r| r.span.contains(port)).map(|_| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::RecordBuf;

    fn rec(service: &str, ports: &str, proto: Protocol) -> RecordBuf {
        RecordBuf {
            service: service.into(),
            ports: Some(ports.parse().unwrap()),
            protocol: Some(proto),
            description: format!("{service} desc"),
            ..RecordBuf::default()
        }
    }

    #[test]
    fn folds_unassigned_and_merges_protocols() {
        let reg = Registry::from_records(&[
            RecordBuf {
                ports: Some(PortSpan::single(0)),
                description: "Reserved".into(),
                ..RecordBuf::default()
            },
            rec("echo", "7", Protocol::Tcp),
            rec("echo", "7", Protocol::Udp),
            rec("x11", "6000-6063", Protocol::Tcp),
        ]);
        let wk = base_rows(&reg, PortRange::WellKnown);
        let shape: Vec<(String, RowKind)> = wk.iter().map(|r| (r.span.to_string(), r.kind)).collect();
        assert_eq!(
            shape,
            [
                ("0".into(), RowKind::Reserved),
                ("1-6".into(), RowKind::Unassigned),
                ("7".into(), RowKind::Service),
                ("8-1023".into(), RowKind::Unassigned),
            ]
        );
        assert_eq!(wk[2].protocols, "tcp/udp");
        let reg_rows = base_rows(&reg, PortRange::Registered);
        assert!(reg_rows.iter().any(|r| r.span == PortSpan { start: 6000, end: 6063 } && r.service == "x11"));
        assert_eq!(row_of(&wk, 500), Some(3));
        assert_eq!(row_of(&wk, 7), Some(2));
    }

    #[test]
    fn used_ports_split_folds() {
        let base = vec![Row::fold(PortSpan { start: 49152, end: 65535 }, RowKind::Unassigned)];
        let used =
            BTreeMap::from([(49152, Use::Connected), (50000, Use::Listening), (65535, Use::Connected)]);
        let rows = with_use(&base, &used);
        let shape: Vec<(String, Use)> = rows.iter().map(|r| (r.span.to_string(), r.used)).collect();
        assert_eq!(
            shape,
            [
                ("49152".into(), Use::Connected),
                ("49153-49999".into(), Use::Free),
                ("50000".into(), Use::Listening),
                ("50001-65534".into(), Use::Free),
                ("65535".into(), Use::Connected),
            ]
        );
    }
}
