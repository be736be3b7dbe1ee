//! Deterministic stand-ins for the registry, the machine and the search engine, shared by the TUI's
//! tests and the render benchmark. Not part of the program's behaviour.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use super::{App, Options, SearchHit, Searcher, SocketFeed};
use crate::registry::{PortSpan, Protocol, RecordBuf, Registry};
use crate::sockets::{Endpoint, Family, Owner, Snapshot, Socket, SocketState};
use crate::system::{LINUX_DEFAULT_EPHEMERAL, PortSettings};

fn rec(service: &str, ports: &str, proto: Protocol, description: &str) -> RecordBuf {
    RecordBuf {
        service: service.into(),
        ports: ports.parse().ok(),
        protocol: Some(proto),
        description: description.into(),
        assignee: "IETF".into(),
        reference: "[RFC0000]".into(),
        registered: "2001-01-01".into(),
        ..RecordBuf::default()
    }
}

/// A small registry with services in all three ranges.
pub fn registry() -> Registry {
    let mut records = vec![RecordBuf {
        ports: Some(PortSpan::single(0)),
        protocol: Some(Protocol::Tcp),
        description: "Reserved".into(),
        ..RecordBuf::default()
    }];
    for (s, p, d) in [
        ("echo", "7", "Echo"),
        ("ftp", "21", "File Transfer Protocol [Control]"),
        ("ssh", "22", "The Secure Shell (SSH) Protocol"),
        ("smtp", "25", "Simple Mail Transfer"),
        ("domain", "53", "Domain Name Server"),
        ("http", "80", "World Wide Web HTTP"),
        ("https", "443", "http protocol over TLS/SSL"),
        ("mysql", "3306", "MySQL"),
        ("postgresql", "5432", "PostgreSQL Database"),
        ("x11", "6000-6063", "X Window System"),
        ("http-alt", "8080", "HTTP Alternate (see port 80)"),
        ("evil\u{1b}[2J", "9999", "control \u{1b}]0;title\u{7} characters"),
        ("dircproxy", "57000", "Detachable IRC Proxy"),
    ] {
        records.push(rec(s, p, Protocol::Tcp, d));
    }
    records.push(rec("domain", "53", Protocol::Udp, "Domain Name Server"));
    Registry::from_records(&records)
}

pub fn settings() -> PortSettings {
    PortSettings {
        ephemeral: Some(LINUX_DEFAULT_EPHEMERAL),
        unprivileged_start: Some(1024),
        reserved: Some(vec![]),
    }
}

pub fn socket(
    proto: Protocol,
    state: SocketState,
    local: (IpAddr, u16),
    remote: (IpAddr, u16),
    pid: u32,
    name: &str,
) -> Socket {
    Socket {
        protocol: proto,
        family: if local.0.is_ipv4() { Family::V4 } else { Family::V6 },
        state,
        local: Endpoint { addr: local.0, port: local.1 },
        remote: Endpoint { addr: remote.0, port: remote.1 },
        uid: 1000,
        user: Some("alice".into()),
        inode: u64::from(pid) * 100_000 + u64::from(local.1),
        owners: Arc::new([Owner { pid, process: name.into(), command: format!("/usr/bin/{name}").into() }]),
        owners_visible: true,
        service: None,
        service_port: None,
    }
}

const ANY: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
const LO: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A handful of sockets: listeners on 22 and 5432, a client on an ephemeral port, UDP, IPv6.
pub fn snapshot() -> Snapshot {
    let remote = IpAddr::V4(Ipv4Addr::new(93, 184, 215, 14));
    let mut ssh = socket(Protocol::Tcp, SocketState::Listen, (ANY, 22), (ANY, 0), 812, "sshd");
    ssh.service = Some("ssh".into());
    ssh.service_port = Some(22);
    let mut pg = socket(Protocol::Tcp, SocketState::Listen, (LO, 5432), (ANY, 0), 1201, "postgres");
    pg.service = Some("postgresql".into());
    pg.service_port = Some(5432);
    let mut web = socket(Protocol::Tcp, SocketState::Established, (LO, 45678), (remote, 443), 4242, "curl");
    web.service = Some("https".into());
    web.service_port = Some(443);
    let mut dns = socket(Protocol::Udp, SocketState::Unconn, (LO, 53), (ANY, 0), 300, "resolved\u{1b}[31m");
    dns.service = Some("domain".into());
    dns.service_port = Some(53);
    let v6 = socket(
        Protocol::Tcp,
        SocketState::Established,
        (IpAddr::V6(Ipv6Addr::LOCALHOST), 50123),
        (IpAddr::V6(Ipv6Addr::LOCALHOST), 8080),
        4243,
        "python3",
    );
    Snapshot { sockets: vec![ssh, pg, web, dns, v6], owners_hidden: true }
}

/// `n` established loopback sockets spread over many ports and processes.
pub fn big_snapshot(n: usize) -> Snapshot {
    let sockets = (0..n)
        .map(|i| {
            let port = 32768 + u16::try_from(i % 28_000).unwrap_or(0);
            let pid = 2000 + u32::try_from(i % 50).unwrap_or(0);
            socket(Protocol::Tcp, SocketState::Established, (LO, port), (LO, 5432), pid, "worker")
        })
        .collect();
    Snapshot { sockets, owners_hidden: false }
}

pub fn feed(snapshot: Snapshot) -> SocketFeed {
    SocketFeed { snapshot, took: Duration::from_micros(4200), ..SocketFeed::default() }
}

/// Case-insensitive subsequence match over service names and descriptions.
pub struct FakeSearcher {
    registry: Arc<Registry>,
}

impl FakeSearcher {
    pub fn new(registry: Arc<Registry>) -> FakeSearcher {
        FakeSearcher { registry }
    }
}

fn positions(text: &str, query: &str) -> Option<Vec<usize>> {
    let lower = text.to_lowercase();
    let start = lower.find(&query.to_lowercase())?;
    let first = lower[..start].chars().count();
    Some((first..first + query.chars().count()).collect())
}

impl Searcher for FakeSearcher {
    fn search(&mut self, query: &str) -> Vec<SearchHit> {
        let mut hits: Vec<SearchHit> = Vec::new();
        for r in self.registry.records() {
            let Some(span) = r.ports else { continue };
            let ms = positions(r.service, query);
            let md = positions(r.description, query);
            if ms.is_none() && md.is_none() || r.service.is_empty() {
                continue;
            }
            if hits.iter().any(|h| h.service == r.service && h.span == span) {
                continue;
            }
            hits.push(SearchHit {
                service: crate::sanitize::clean(r.service).into_owned(),
                span,
                protocols: r.protocol.map_or("", |p| p.as_str()).to_owned(),
                description: crate::sanitize::clean(r.description).into_owned(),
                matched_service: ms.unwrap_or_default(),
                matched_description: md.unwrap_or_default(),
            });
        }
        hits
    }
}

/// An app over the fake registry and settings, with the fake searcher, sized `w`×`h`.
pub fn app(w: u16, h: u16, color: bool) -> App {
    let registry = Arc::new(registry());
    let mut app = App::new(
        Arc::clone(&registry),
        settings(),
        Options { refresh: Duration::from_secs(1), color, mouse: true },
    );
    app.set_searcher(Box::new(FakeSearcher::new(registry)));
    app.apply(super::Event::Resize(w, h));
    app
}
