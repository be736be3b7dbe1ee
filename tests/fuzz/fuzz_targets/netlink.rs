#![no_main]
//! sock_diag replies: one read's worth of netlink messages as they come, the same bytes cut into
//! messages with true length fields (so the fuzzer reaches the socket records), and a bare
//! `inet_diag_msg`.

use libfuzzer_sys::fuzz_target;
use portolan::registry::Protocol;
use portolan::sockets::linux::netlink::{parse_diag_msg, parse_replies};

/// nlmsghdr (16) + inet_diag_msg (72): the least one listed socket takes.
const SOCKET_BYTES: usize = 88;

/// Each message: a type chosen by one byte, a body length by the next, then that much body.
fn framed(mut data: &[u8]) -> Vec<u8> {
    let mut buf = Vec::new();
    while let [kind, len, rest @ ..] = data {
        let kind: u16 = match kind % 6 {
            0 => 2,      // NLMSG_ERROR
            1 => 3,      // NLMSG_DONE
            2 => 18,     // TCPDIAG_GETSOCK
            3 | 4 => 20, // SOCK_DIAG_BY_FAMILY
            _ => u16::from(*kind),
        };
        let body = &rest[..usize::from(*len).min(rest.len())];
        buf.extend_from_slice(&(16 + body.len() as u32).to_ne_bytes());
        buf.extend_from_slice(&kind.to_ne_bytes());
        buf.extend_from_slice(&[2, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
        buf.extend_from_slice(body);
        buf.resize(buf.len().next_multiple_of(4), 0);
        data = &rest[body.len()..];
    }
    buf
}

fuzz_target!(|data: &[u8]| {
    for buf in [data, &framed(data)] {
        for protocol in [Protocol::Tcp, Protocol::Udp] {
            let mut out = Vec::new();
            if let Err(e) = parse_replies(buf, protocol, &mut out) {
                let text = e.to_string();
                assert!(
                    text.contains("sock_diag refused the request")
                        || text.contains("malformed sock_diag reply at byte "),
                    "{text}"
                );
            }
            assert!(out.len() <= buf.len() / SOCKET_BYTES, "{} sockets from {} bytes", out.len(), buf.len());
            for s in &out {
                assert_eq!(s.protocol, protocol);
            }
            if let Some(s) = parse_diag_msg(buf, protocol) {
                assert_eq!(s.local.port, u16::from_be_bytes([buf[4], buf[5]]));
            }
        }
    }
});
