//! The `/proc/net/{tcp,tcp6,udp,udp6}` fallback, for kernels or sandboxes without `sock_diag`.
//! Addresses are printed as native-endian hex words of network-order bytes; ports as plain hex.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use super::netlink::{RawSocket, state_of, unmap};
use crate::registry::Protocol;
use crate::sockets::{Endpoint, Family, SocketError};

/// Reads all four tables under `net_dir` (normally `/proc/net`); a missing v6 table is no error.
pub fn read_all(net_dir: &Path, out: &mut Vec<RawSocket>) -> Result<(), SocketError> {
    let mut read_any = false;
    for (name, protocol) in
        [("tcp", Protocol::Tcp), ("tcp6", Protocol::Tcp), ("udp", Protocol::Udp), ("udp6", Protocol::Udp)]
    {
        if let Ok(text) = std::fs::read_to_string(net_dir.join(name)) {
            read_any = true;
            parse_table(&text, protocol, out);
        }
    }
    if read_any { Ok(()) } else { Err(SocketError::Proc(format!("cannot read {}/tcp", net_dir.display()))) }
}

/// Parses one table; malformed lines are skipped.
pub fn parse_table(text: &str, protocol: Protocol, out: &mut Vec<RawSocket>) {
    out.extend(text.lines().skip(1).filter_map(|line| parse_line(line, protocol)));
}

/// `sl local rem st tx:rx tr:when retrnsmt uid timeout inode …`
pub fn parse_line(line: &str, protocol: Protocol) -> Option<RawSocket> {
    let mut f = line.split_ascii_whitespace();
    let _sl = f.next()?;
    let (laddr, lport) = parse_endpoint(f.next()?)?;
    let (raddr, rport) = parse_endpoint(f.next()?)?;
    let state = state_of(protocol, u8::from_str_radix(f.next()?, 16).ok()?)?;
    let uid = f.nth(3)?.parse().ok()?;
    let inode = f.nth(1)?.parse().ok()?;
    let (family, laddr, raddr) = match (laddr, raddr) {
        (IpAddr::V6(l), IpAddr::V6(r)) => unmap(l, r),
        (l, r) => (Family::V4, l, r),
    };
    Some(RawSocket {
        protocol,
        family,
        state,
        local: Endpoint { addr: laddr, port: lport },
        remote: Endpoint { addr: raddr, port: rport },
        uid,
        inode,
    })
}

fn parse_endpoint(s: &str) -> Option<(IpAddr, u16)> {
    let (addr, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| -> Option<[u8; 4]> {
        Some(u32::from_str_radix(addr.get(i * 8..i * 8 + 8)?, 16).ok()?.to_ne_bytes())
    };
    let addr = match addr.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(0)?)),
        32 => {
            let mut b = [0u8; 16];
            for i in 0..4 {
                b[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => return None,
    };
    Some((addr, port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sockets::SocketState;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/procnet").join(name),
        )
        .unwrap()
    }

    #[test]
    fn parses_lines() {
        // Captured on x86_64 (little-endian): 127.0.0.1:8080 listening, uid 1000.
        type Want = Option<(&'static str, &'static str, SocketState, u32, u64)>;
        let cases: &[(&str, Protocol, Want)] = &[
            (
                "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0",
                Protocol::Tcp,
                Some(("127.0.0.1:8080", "0.0.0.0:0", SocketState::Listen, 1000, 4242)),
            ),
            (
                "   1: 00000000000000000000000001000000:0016 00000000000000000000000001000000:C350 01 00000000:00000000 00:00000000 00000000     0        0 7 1 0",
                Protocol::Tcp,
                Some(("[::1]:22", "[::1]:50000", SocketState::Established, 0, 7)),
            ),
            (
                "  2: 0000000000000000FFFF00000100007F:01BB 0000000000000000FFFF00000100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 8 1 0",
                Protocol::Tcp,
                Some(("127.0.0.1:443", "127.0.0.1:40000", SocketState::Established, 0, 8)),
            ),
            (
                "  3: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 99 2 0",
                Protocol::Udp,
                Some(("0.0.0.0:53", "0.0.0.0:0", SocketState::Unconn, 101, 99)),
            ),
            ("  4: garbage", Protocol::Tcp, None),
            ("  5: 0100007F:XYZ 00000000:0000 0A 0 0 0 0 0 1", Protocol::Tcp, None),
            ("", Protocol::Tcp, None),
        ];
        for (line, proto, want) in cases {
            let got = parse_line(line, *proto)
                .map(|s| (s.local.to_string(), s.remote.to_string(), s.state, s.uid, s.inode));
            let want = want.map(|(l, r, st, u, i)| (l.to_owned(), r.to_owned(), st, u, i));
            assert_eq!(got, want, "{line}");
        }
    }

    #[test]
    fn parses_captured_tables() {
        let mut out = Vec::new();
        parse_table(&fixture("tcp"), Protocol::Tcp, &mut out);
        parse_table(&fixture("tcp6"), Protocol::Tcp, &mut out);
        parse_table(&fixture("udp"), Protocol::Udp, &mut out);
        assert!(out.iter().any(|s| s.state == SocketState::Listen && s.local.port == 47001 && s.inode != 0));
        assert!(out.iter().any(|s| s.family == Family::V6 && s.local.port == 47002));
        assert!(
            out.iter().any(|s| s.protocol == Protocol::Udp
                && s.state == SocketState::Unconn
                && s.local.port == 47003)
        );
    }

    #[test]
    fn missing_dir_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_all(&dir.path().join("nope"), &mut Vec::new()).is_err());
    }
}
