//! Real sockets on loopback, seen by the real collector, and the whole snapshot against `ss`.
#![cfg(target_os = "linux")]

use std::collections::BTreeSet;
use std::net::{IpAddr, TcpListener, TcpStream, UdpSocket};
use std::process::Command;
use std::sync::Arc;

use portolan::registry::{Protocol, Registry};
use portolan::sockets::{Family, Snapshot, Socket, SocketState, system_source};

/// Tests that start and stop processes hold this, so the `ss` comparison never runs beside them.
static MACHINE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    MACHINE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn collect() -> Snapshot {
    system_source(Arc::new(Registry::bundled())).unwrap().collect().unwrap()
}

fn find(snap: &Snapshot, proto: Protocol, local: u16, remote: u16) -> Vec<&Socket> {
    snap.sockets
        .iter()
        .filter(|s| s.protocol == proto && s.local.port == local && s.remote.port == remote)
        .collect()
}

fn mine(s: &Socket) -> bool {
    s.owners.iter().any(|o| o.pid == std::process::id())
}

#[test]
fn loopback_sockets_appear_with_state_port_and_owner() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let lport = listener.local_addr().unwrap().port();
    let client = TcpStream::connect(("127.0.0.1", lport)).unwrap();
    let (_server, _) = listener.accept().unwrap();
    let cport = client.local_addr().unwrap().port();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let uport = udp.local_addr().unwrap().port();
    let udp_conn = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp_conn.connect(("127.0.0.1", uport)).unwrap();
    let connected_port = udp_conn.local_addr().unwrap().port();
    let v6 = TcpListener::bind("[::1]:0").ok();

    let snap = collect();
    let me = std::process::id();
    let checks = [
        (Protocol::Tcp, lport, 0, SocketState::Listen),
        (Protocol::Tcp, cport, lport, SocketState::Established),
        (Protocol::Tcp, lport, cport, SocketState::Established),
        (Protocol::Udp, uport, 0, SocketState::Unconn),
        (Protocol::Udp, connected_port, uport, SocketState::Established),
    ];
    for (proto, local, remote, state) in checks {
        let found = find(&snap, proto, local, remote);
        assert_eq!(found.len(), 1, "{proto:?} {local}->{remote}: {found:?}");
        let s = found[0];
        assert_eq!(s.state, state);
        assert_eq!(s.family, Family::V4);
        assert_eq!(s.local.addr, IpAddr::from([127, 0, 0, 1]));
        assert!(s.inode != 0 && s.owners_visible);
        assert!(mine(s), "owner pid {me} missing: {:?}", s.owners);
        let owner = s.owners.iter().find(|o| o.pid == me).unwrap();
        assert!(!owner.process.is_empty() && !owner.command.is_empty());
    }
    // The listener's port is the server side of both ends of the connection.
    assert_eq!(find(&snap, Protocol::Tcp, cport, lport)[0].service_port, Some(lport));
    if let Some(v6) = v6 {
        let port = v6.local_addr().unwrap().port();
        let found = find(&snap, Protocol::Tcp, port, 0);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].family, found[0].state), (Family::V6, SocketState::Listen));
        assert!(mine(found[0]));
    } else {
        eprintln!("no IPv6 loopback here: skipping the IPv6 check");
    }
    drop(client);
    // A closed listener is gone from the next snapshot.
    drop(listener);
    assert!(find(&collect(), Protocol::Tcp, lport, 0).is_empty());
}

/// One `ss -tuanpH` row: protocol, state, local, remote, owner pids.
#[derive(Debug)]
struct SsRow {
    proto: Protocol,
    state: SocketState,
    local: (Option<IpAddr>, u16),
    remote: (Option<IpAddr>, u16),
    pids: BTreeSet<u32>,
}

fn ss_endpoint(s: &str) -> Option<(Option<IpAddr>, u16)> {
    let (addr, port) = s.rsplit_once(':')?;
    let port = if port == "*" { 0 } else { port.parse().ok()? };
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    let addr = addr.split('%').next()?;
    let addr = match addr {
        "*" => None,
        a => Some(match a.parse::<IpAddr>().ok()? {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 @ IpAddr::V4(_) => v4,
        }),
    };
    Some((addr, port))
}

fn ss_state(s: &str) -> Option<SocketState> {
    let norm = s.replace("FIN-WAIT-", "FIN_WAIT");
    norm.parse().ok()
}

fn parse_ss(text: &str) -> Vec<SsRow> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let proto = f.first()?.parse().ok()?;
            let pids = line
                .split("pid=")
                .skip(1)
                .filter_map(|p| p.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
                .collect();
            Some(SsRow {
                proto,
                state: ss_state(f.get(1)?)?,
                local: ss_endpoint(f.get(4)?)?,
                remote: ss_endpoint(f.get(5)?)?,
                pids,
            })
        })
        .collect()
}

fn matches(row: &SsRow, s: &Socket) -> bool {
    let addr_ok = |want: Option<IpAddr>, got: IpAddr| want.is_none_or(|w| w == got);
    s.protocol == row.proto
        && s.state == row.state
        && s.local.port == row.local.1
        && s.remote.port == row.remote.1
        && addr_ok(row.local.0, s.local.addr)
        && (row.remote.1 == 0 || addr_ok(row.remote.0, s.remote.addr))
}

#[test]
fn whole_snapshot_agrees_with_ss() {
    let _machine = exclusive();
    let Ok(out) = Command::new("ss").arg("-tuanpH").output() else {
        eprintln!("ss is not installed: skipping the comparison");
        return;
    };
    // Keep some sockets of our own open so the comparison is never vacuous.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let _c = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let before = collect();
    let out = Command::new("ss").arg("-tuanpH").output().unwrap_or(out);
    let after = collect();
    let rows = parse_ss(&String::from_utf8_lossy(&out.stdout));
    assert!(!rows.is_empty(), "ss listed nothing: {}", String::from_utf8_lossy(&out.stderr));
    let mut missing = Vec::new();
    for row in &rows {
        let ours: Vec<&Socket> =
            before.sockets.iter().chain(&after.sockets).filter(|s| matches(row, s)).collect();
        if ours.is_empty() {
            missing.push(row);
            continue;
        }
        if !row.pids.is_empty() {
            // Owners may fork or exit between the three listings (other tests run alongside):
            // what ss saw must be what one of ours saw, or their union, up to processes gone now.
            let seen: BTreeSet<u32> = ours.iter().flat_map(|s| s.owners.iter().map(|o| o.pid)).collect();
            let alive = |pid: &u32| std::path::Path::new(&format!("/proc/{pid}")).exists();
            let agree =
                ours.iter().any(|s| s.owners.iter().map(|o| o.pid).collect::<BTreeSet<_>>() == row.pids)
                    || seen.symmetric_difference(&row.pids).all(|pid| !alive(pid));
            assert!(agree, "owners differ for {row:?}: {ours:?}");
        }
    }
    // Short-lived sockets may open and close between the three listings; the fixture ones may not.
    assert!(
        missing.len() <= 2 && missing.len() * 20 <= rows.len().max(20),
        "ss lists sockets we miss: {missing:?}"
    );
    let port = listener.local_addr().unwrap().port();
    assert!(rows.iter().any(|r| r.local.1 == port
        && r.state == SocketState::Listen
        && r.pids.contains(&std::process::id())));
}

/// A forked server whose parent exits: the next refresh of a long-running collector (owner map
/// cached, no full rescan due) must drop the dead parent and keep the child, not show a process
/// that no longer exists — nor whatever later reuses its pid — as the owner.
#[test]
fn an_exited_owner_is_dropped_at_the_next_refresh() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    let _machine = exclusive();
    let script = "import os, socket, sys, time\n\
        s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n\
        print(s.getsockname()[1], flush=True)\n\
        child = os.fork()\n\
        if child == 0:\n    time.sleep(60); os._exit(0)\n\
        print(child, flush=True)\n\
        sys.stdin.readline()\n";
    let Ok(mut parent) =
        Command::new("python3").args(["-c", script]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()
    else {
        eprintln!("skipped: python3 is not available");
        return;
    };
    let mut lines = BufReader::new(parent.stdout.take().unwrap()).lines();
    let port: u16 = lines.next().unwrap().unwrap().parse().unwrap();
    let child: u32 = lines.next().unwrap().unwrap().parse().unwrap();
    let mut source = system_source(Arc::new(Registry::bundled())).unwrap();
    let owners = |snap: &Snapshot| -> BTreeSet<u32> {
        let found = find(snap, Protocol::Tcp, port, 0);
        found.first().map(|s| s.owners.iter().map(|o| o.pid).collect()).unwrap_or_default()
    };
    let before = owners(&source.collect().unwrap());
    writeln!(parent.stdin.take().unwrap()).unwrap();
    parent.wait().unwrap();
    let after = owners(&source.collect().unwrap());
    let _ = Command::new("kill").arg(child.to_string()).status();
    assert_eq!(before, BTreeSet::from([parent.id(), child]), "both hold the listener at first");
    assert_eq!(after, BTreeSet::from([child]), "the parent is gone");
}

/// Processes that open a socket and exit while snapshots are taken: listing `/proc`, reading a
/// process's fds and its name race with its exit. Every snapshot must still succeed, and our
/// own listener must be owned by us, plus at most children caught between fork and exec (they
/// do hold it until exec closes it).
#[test]
fn processes_exiting_mid_scan_break_nothing() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let _machine = exclusive();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let stop = Arc::new(AtomicBool::new(false));
    let churn = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let code = "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()";
            let mut spawned = 0;
            while !stop.load(Ordering::Relaxed) {
                let Ok(mut children) = (0..4)
                    .map(|_| Command::new("python3").args(["-c", code]).spawn())
                    .collect::<Result<Vec<_>, _>>()
                else {
                    break;
                };
                spawned += children.len();
                for c in &mut children {
                    let _ = c.wait();
                }
            }
            spawned
        })
    };
    for _ in 0..40 {
        let snap = system_source(Arc::new(Registry::bundled())).unwrap().collect().expect("a snapshot");
        let ours = find(&snap, Protocol::Tcp, port, 0);
        assert_eq!(ours.len(), 1);
        let me = std::process::id();
        let pids: Vec<u32> = ours[0].owners.iter().map(|o| o.pid).collect();
        assert!(pids.contains(&me), "{pids:?}");
        for pid in pids.into_iter().filter(|p| *p != me) {
            // /proc/<pid>/stat: "pid (comm) state ppid ..."; a gone process has no file.
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let ppid = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1));
            assert!(stat.is_empty() || ppid == Some(&me.to_string()), "{pid} is not ours: {stat}");
        }
    }
    stop.store(true, Ordering::Relaxed);
    let spawned = churn.join().unwrap();
    if spawned == 0 {
        eprintln!("python3 is not available: the snapshots ran without churn");
    }
}
