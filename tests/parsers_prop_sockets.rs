//! Property tests for what the Linux collector reads from the kernel and `/proc`: `sock_diag` replies,
//! the `/proc/net` tables, `/proc/<pid>` entries and `/etc/passwd`. Arbitrary bytes never panic,
//! malformed replies are errors that name the byte, and what a kernel writes reads back the same.
#![cfg(target_os = "linux")]

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use portolan::registry::Protocol;
use portolan::sockets::linux::netlink::{Progress, RawSocket, parse_diag_msg, parse_replies};
use portolan::sockets::linux::owners::{self, MAX_COMM, MAX_COMMAND, OwnerScanner, read_owner, socket_inode};
use portolan::sockets::linux::procnet::{parse_line, parse_table};
use portolan::sockets::linux::users::Users;
use portolan::sockets::{Endpoint, Family, SocketState};

const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const TCPDIAG_GETSOCK: u16 = 18;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `nlmsghdr` (16) + `inet_diag_msg` (72): the least one listed socket takes.
const SOCKET_BYTES: usize = 88;

/// One socket as a kernel holds it (the bytes it reports) and as portolan must show it.
#[derive(Debug, Clone)]
struct KernelSocket {
    family: u8,
    state: u8,
    src: [u8; 16],
    sport: u16,
    dst: [u8; 16],
    dport: u16,
    uid: u32,
    inode: u32,
    /// expires, rqueue, wqueue, interface and cookie: read by nobody, so arbitrary.
    filler: [u8; 24],
    want: RawSocket,
}

fn protocol() -> impl Strategy<Value = Protocol> {
    prop_oneof![Just(Protocol::Tcp), Just(Protocol::Udp)]
}

/// The kernel's state numbers and what portolan calls them for each protocol.
fn state() -> impl Strategy<Value = (u8, SocketState, SocketState)> {
    use SocketState::*;
    proptest::sample::select(vec![
        (1, Established, Established),
        (2, SynSent, SynSent),
        (3, SynRecv, SynRecv),
        (4, FinWait1, FinWait1),
        (5, FinWait2, FinWait2),
        (6, TimeWait, TimeWait),
        (7, Close, Unconn),
        (8, CloseWait, CloseWait),
        (9, LastAck, LastAck),
        (10, Listen, Listen),
        (11, Closing, Closing),
        (12, SynRecv, NewSynRecv),
    ])
}

fn v6(a: Ipv4Addr) -> [u8; 16] {
    a.to_ipv6_mapped().octets()
}

/// IPv4, IPv6 (never IPv4-mapped), or IPv6 with an IPv4-mapped local address, which is shown as
/// IPv4 when the peer is mapped too or unspecified (a listener).
fn addresses() -> impl Strategy<Value = (u8, [u8; 16], [u8; 16], Family, IpAddr, IpAddr)> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<[u8; 4]>()).prop_map(|(l, r)| {
            let (mut src, mut dst) = ([0; 16], [0; 16]);
            src[..4].copy_from_slice(&l);
            dst[..4].copy_from_slice(&r);
            (2, src, dst, Family::V4, IpAddr::from(l), IpAddr::from(r))
        }),
        (any::<[u8; 16]>(), any::<[u8; 16]>()).prop_map(|(mut l, r)| {
            if Ipv6Addr::from(l).to_ipv4_mapped().is_some() {
                l[0] = 0x20;
            }
            (10, l, r, Family::V6, IpAddr::from(l), IpAddr::from(r))
        }),
        (any::<[u8; 4]>(), any::<[u8; 4]>(), any::<bool>()).prop_map(|(l, r, listener)| {
            let (l, r) =
                (Ipv4Addr::from(l), if listener { Ipv4Addr::UNSPECIFIED } else { Ipv4Addr::from(r) });
            let dst = if listener { [0; 16] } else { v6(r) };
            (10, v6(l), dst, Family::V4, IpAddr::V4(l), IpAddr::V4(r))
        }),
    ]
}

fn kernel_socket(protocol: Protocol) -> impl Strategy<Value = KernelSocket> {
    (state(), addresses(), any::<u16>(), any::<u16>(), any::<u32>(), any::<u32>(), any::<[u8; 24]>())
        .prop_map(
            move |(
                (code, tcp, udp),
                (family, src, dst, shown, laddr, raddr),
                sport,
                dport,
                uid,
                inode,
                filler,
            )| {
                KernelSocket {
                    family,
                    state: code,
                    src,
                    sport,
                    dst,
                    dport,
                    uid,
                    inode,
                    filler,
                    want: RawSocket {
                        protocol,
                        family: shown,
                        state: if protocol == Protocol::Tcp { tcp } else { udp },
                        local: Endpoint { addr: laddr, port: sport },
                        remote: Endpoint { addr: raddr, port: dport },
                        uid,
                        inode: u64::from(inode),
                    },
                }
            },
        )
}

fn sockets(range: std::ops::Range<usize>) -> impl Strategy<Value = (Protocol, Vec<(KernelSocket, Vec<u8>)>)> {
    protocol().prop_flat_map(move |p| {
        // Each with 0-11 bytes of attributes after the inet_diag_msg, so lengths are not always aligned.
        let one = (kernel_socket(p), proptest::collection::vec(any::<u8>(), 0..12));
        (Just(p), proptest::collection::vec(one, range.clone()))
    })
}

/// `inet_diag_msg` as the kernel lays it out.
fn diag_body(s: &KernelSocket) -> Vec<u8> {
    let mut b = vec![s.family, s.state, 0, 0];
    b.extend_from_slice(&s.sport.to_be_bytes());
    b.extend_from_slice(&s.dport.to_be_bytes());
    b.extend_from_slice(&s.src);
    b.extend_from_slice(&s.dst);
    b.extend_from_slice(&s.filler);
    b.extend_from_slice(&s.uid.to_ne_bytes());
    b.extend_from_slice(&s.inode.to_ne_bytes());
    b
}

/// Appends one netlink message (header, body, padding to 4 bytes); returns where it starts and its
/// `nlmsg_len`.
fn push_message(buf: &mut Vec<u8>, kind: u16, body: &[u8]) -> (usize, usize) {
    let start = buf.len();
    let len = 16 + body.len();
    buf.extend_from_slice(&u32::try_from(len).unwrap().to_ne_bytes());
    buf.extend_from_slice(&kind.to_ne_bytes());
    buf.extend_from_slice(&2u16.to_ne_bytes()); // NLM_F_MULTI
    buf.extend_from_slice(&7u32.to_ne_bytes());
    buf.extend_from_slice(&0u32.to_ne_bytes());
    buf.extend_from_slice(body);
    buf.resize(buf.len().next_multiple_of(4), 0);
    (start, len)
}

/// A reply holding `sockets`; the (start, `nlmsg_len`) of each message.
fn reply(sockets: &[(KernelSocket, Vec<u8>)], kind: u16) -> (Vec<u8>, Vec<(usize, usize)>) {
    let mut buf = Vec::new();
    let spans = sockets
        .iter()
        .map(|(s, attrs)| push_message(&mut buf, kind, &[diag_body(s), attrs.clone()].concat()))
        .collect();
    (buf, spans)
}

/// Netlink messages of any type with any body, each length field true or a lie.
fn messages() -> impl Strategy<Value = Vec<u8>> {
    let kind = prop_oneof![
        proptest::sample::select(vec![
            1u16,
            NLMSG_ERROR,
            NLMSG_DONE,
            4,
            TCPDIAG_GETSOCK,
            SOCK_DIAG_BY_FAMILY
        ]),
        any::<u16>(),
    ];
    let lie = proptest::option::weighted(0.2, any::<u32>());
    proptest::collection::vec((kind, proptest::collection::vec(any::<u8>(), 0..100), lie), 0..6).prop_map(
        |msgs| {
            let mut buf = Vec::new();
            for (kind, body, lie) in msgs {
                let (start, _) = push_message(&mut buf, kind, &body);
                if let Some(lie) = lie {
                    buf[start..start + 4].copy_from_slice(&lie.to_ne_bytes());
                }
            }
            buf
        },
    )
}

/// An error from `parse_replies` must say where the reply went wrong, or that the kernel refused.
fn check_error(e: &portolan::sockets::SocketError, len: usize) -> Result<(), TestCaseError> {
    let text = e.to_string();
    if text.contains("sock_diag refused the request") {
        return Ok(());
    }
    let at = text
        .split_once("malformed sock_diag reply at byte ")
        .and_then(|(_, rest)| rest.split_once(&format!(" of {len}:")))
        .and_then(|(at, _)| at.parse::<usize>().ok());
    prop_assert!(at.is_some_and(|at| at < len), "{text}");
    Ok(())
}

/// A `/proc/net/{tcp,udp}[6]` line as the kernel prints it: addresses as native-endian hex words of
/// network-order bytes (one word for IPv4 tables, four for IPv6), ports as hex, uid and inode decimal.
fn procnet_line(sl: u16, s: &KernelSocket, v6_table: bool, junk: [u32; 4]) -> String {
    let hex = |b: &[u8; 16]| -> String {
        let words = if v6_table { 4 } else { 1 };
        (0..words).fold(String::new(), |mut out, i| {
            let _ = write!(out, "{:08X}", u32::from_ne_bytes(b[i * 4..i * 4 + 4].try_into().unwrap()));
            out
        })
    };
    format!(
        "{sl:4}: {}:{:04X} {}:{:04X} {:02X} {:08X}:{:08X} {:02X}:{:08X} {:08X} {:5} {:8} {} 1 0000000000000000 100 0 0 10 0",
        hex(&s.src),
        s.sport,
        hex(&s.dst),
        s.dport,
        s.state,
        junk[0],
        junk[1],
        junk[2] & 0xff,
        junk[3],
        junk[0] & 0xff,
        s.uid,
        junk[1] % 1000,
        s.inode
    )
}

/// Where the `n`th whitespace-separated field of `line` starts.
fn field_start(line: &str, n: usize) -> usize {
    let mut starts = line
        .char_indices()
        .filter(|&(i, c)| {
            !c.is_ascii_whitespace() && (i == 0 || line.as_bytes()[i - 1].is_ascii_whitespace())
        })
        .map(|(i, _)| i);
    starts.nth(n).unwrap()
}

const PROCNET_HEADER: &str =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";

/// Bytes a symlink target can hold: anything but NUL (and at least one byte).
fn link_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(1u8..=255, 1..max)
}

fn link_target() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (1u64..6).prop_map(|n| format!("socket:[{n}]").into_bytes()),
        // Cut by a 64-byte readlink buffer, this one would read as socket:[n].
        (1u64..6, link_bytes(40))
            .prop_map(|(n, tail)| [format!("socket:[{n:0>55}]").into_bytes(), tail].concat()),
        (1u64..6, 0usize..60)
            .prop_map(|(n, zeros)| format!("socket:[{}{n}]", "0".repeat(zeros)).into_bytes()),
        link_bytes(120),
        "(socket|pipe|anon_inode):\\[[0-9a-z\\]\\[ -]{0,24}\\]?".prop_map(String::into_bytes),
    ]
}

/// What `read_owner` must make of a process directory's files.
#[derive(Debug, Clone)]
struct ProcFiles {
    comm: Option<Vec<u8>>,
    cmdline: Option<Vec<u8>>,
    /// The executable's file name (no `/`, no NUL), possibly ending in ` (deleted)`.
    exe: Option<Vec<u8>>,
}

fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..80),
        "(?s)[a-z\\x00\\x1b\\[\\]0-9;\\n\\t\u{9b}\u{202e} ]{0,40}".prop_map(String::into_bytes),
        // Longer than anything kept: the read must stop at the bound.
        (proptest::collection::vec(any::<u8>(), 1..8), 0usize..(usize::try_from(MAX_COMMAND).unwrap() / 3))
            .prop_map(|(unit, times)| unit.repeat(times)),
    ]
}

fn exe_name() -> impl Strategy<Value = Vec<u8>> {
    let name = prop_oneof![
        proptest::collection::vec(any::<u8>().prop_filter("no / or NUL", |b| *b != b'/' && *b != 0), 1..60),
        Just(b"evil\x1b]0;pwned\x07\x1b[2J".to_vec()),
        Just(Vec::new()),
    ];
    (name, any::<bool>())
        .prop_map(|(name, deleted)| if deleted { [&name[..], b" (deleted)"].concat() } else { name })
        .prop_filter("a file name", |n| !n.is_empty() && n != b"." && n != b"..")
}

fn proc_files() -> impl Strategy<Value = ProcFiles> {
    (
        proptest::option::of(hostile_bytes()),
        proptest::option::of(hostile_bytes()),
        proptest::option::of(exe_name()),
    )
        .prop_map(|(comm, cmdline, exe)| ProcFiles { comm, cmdline, exe })
}

fn write_proc(root: &Path, pid: u32, files: &ProcFiles) {
    let dir = root.join(pid.to_string());
    std::fs::create_dir_all(&dir).unwrap();
    if let Some(comm) = &files.comm {
        std::fs::write(dir.join("comm"), comm).unwrap();
    }
    if let Some(cmdline) = &files.cmdline {
        std::fs::write(dir.join("cmdline"), cmdline).unwrap();
    }
    if let Some(exe) = &files.exe {
        symlink(OsStr::from_bytes(&[b"/usr/bin/", &exe[..]].concat()), dir.join("exe")).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn netlink_replies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), framed in messages(), p in protocol()) {
        for buf in [&bytes, &framed] {
            let mut out = Vec::new();
            if let Err(e) = parse_replies(buf, p, &mut out) {
                check_error(&e, buf.len())?;
            }
            prop_assert!(out.len() <= buf.len() / SOCKET_BYTES, "{} sockets from {} bytes", out.len(), buf.len());
            if let Some(s) = parse_diag_msg(buf, p) {
                prop_assert!(buf.len() >= 72);
                prop_assert_eq!(s.local.port, u16::from_be_bytes([buf[4], buf[5]]));
            }
        }
    }

    #[test]
    fn netlink_messages_round_trip(
        (p, socks) in sockets(0..12),
        kind in proptest::sample::select(vec![TCPDIAG_GETSOCK, SOCK_DIAG_BY_FAMILY]),
        done in any::<bool>(),
    ) {
        let (mut buf, _) = reply(&socks, kind);
        if done {
            push_message(&mut buf, NLMSG_DONE, &0u32.to_ne_bytes());
        }
        let mut out = Vec::new();
        let progress = parse_replies(&buf, p, &mut out).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(progress, if done { Progress::Done } else { Progress::More });
        let want: Vec<RawSocket> = socks.iter().map(|(s, _)| s.want).collect();
        prop_assert_eq!(&out, &want);
        for (s, _) in &socks {
            prop_assert_eq!(parse_diag_msg(&diag_body(s), p), Some(s.want));
        }
    }

    #[test]
    fn netlink_cut_or_lying_replies_are_errors(
        (p, socks) in sockets(1..6),
        cut in any::<proptest::sample::Index>(),
        liar in any::<proptest::sample::Index>(),
        lie in prop_oneof![0u32..16, any::<u32>()],
    ) {
        let (buf, spans) = reply(&socks, SOCK_DIAG_BY_FAMILY);
        // A read cut short: an error inside a message, whole messages before it kept.
        let cut = cut.index(buf.len());
        let mut out = Vec::new();
        let result = parse_replies(&buf[..cut], p, &mut out);
        let whole = spans.iter().filter(|(start, len)| start + len <= cut).count();
        prop_assert_eq!(out.len(), whole);
        match spans.iter().find(|(start, len)| *start < cut && cut < start + len) {
            Some((start, _)) => {
                let e = result.err().ok_or_else(|| TestCaseError::fail(format!("cut at {cut} accepted")))?;
                let text = e.to_string();
                prop_assert!(text.contains(&format!("at byte {start} of {cut}:")), "{}", text);
            }
            None => prop_assert!(result.is_ok(), "cut at {} between messages: {:?}", cut, result),
        }
        // A length field that lies: too short for a header, or past the end of the read.
        let (start, _) = spans[liar.index(spans.len())];
        let lying = lie < 16 || lie as usize > buf.len() - start;
        let mut bad = buf.clone();
        bad[start..start + 4].copy_from_slice(&lie.to_ne_bytes());
        let mut out = Vec::new();
        let result = parse_replies(&bad, p, &mut out);
        if lying {
            let e = result.err().ok_or_else(|| TestCaseError::fail("a lying length was accepted"))?;
            prop_assert!(e.to_string().contains(&format!("at byte {start} of {}:", bad.len())), "{}", e);
        } else if let Err(e) = result {
            check_error(&e, bad.len())?;
        }
        prop_assert!(out.len() <= bad.len() / SOCKET_BYTES);
    }

    #[test]
    fn procnet_text_never_panics(
        text in "(?s).{0,400}",
        near in "( {0,3}[0-9]{1,3}: [0-9A-Fa-f:+-]{0,40} [0-9A-F:]{0,40} [0-9A-F]{1,3}( [0-9A-F:-]{1,20}){0,12}\n){0,6}",
        p in protocol(),
    ) {
        for text in [&text, &near] {
            let mut out = Vec::new();
            parse_table(text, p, &mut out);
            prop_assert!(out.len() <= text.lines().count().saturating_sub(1));
            for s in &out {
                prop_assert_eq!(s.protocol, p);
            }
        }
    }

    #[test]
    fn procnet_lines_round_trip((p, socks) in sockets(0..12), junk in any::<[u32; 4]>()) {
        let mut text = String::from(PROCNET_HEADER);
        for (sl, (s, _)) in socks.iter().enumerate() {
            text.push('\n');
            text.push_str(&procnet_line(u16::try_from(sl).unwrap(), s, s.family == 10, junk));
        }
        let mut out = Vec::new();
        parse_table(&text, p, &mut out);
        let want: Vec<RawSocket> = socks.iter().map(|(s, _)| s.want).collect();
        prop_assert_eq!(out, want);
    }

    #[test]
    fn procnet_malformed_lines_are_skipped(
        (p, socks) in sockets(1..2),
        junk in any::<[u32; 4]>(),
        cut in any::<proptest::sample::Index>(),
        at in any::<proptest::sample::Index>(),
        with in any::<char>(),
    ) {
        let s = &socks[0].0;
        let line = procnet_line(0, s, s.family == 10, junk);
        // Cut anywhere before the inode: a field is missing, so the line is skipped.
        // sl local rem st tx:rx tr:when retrnsmt uid timeout inode: the inode is the tenth field.
        let inode_at = field_start(&line, 9);
        let before_inode = &line[..cut.index(inode_at)];
        prop_assert_eq!(parse_line(before_inode, p), None, "{}", before_inode);
        // Any one character replaced: skipped, or read as some socket; never a crash.
        let mut chars: Vec<char> = line.chars().collect();
        let i = at.index(chars.len());
        chars[i] = with;
        let changed: String = chars.into_iter().collect();
        let _ = parse_line(&changed, p);
    }

    #[test]
    fn socket_links_read_back(n in any::<u64>(), zeros in 1usize..4, bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        prop_assert_eq!(socket_inode(format!("socket:[{n}]").as_bytes()), Some(n));
        // The kernel writes no leading zeros; a link that has them was not written by it.
        prop_assert_eq!(socket_inode(format!("socket:[{}{n}]", "0".repeat(zeros)).as_bytes()), None);
        prop_assert_eq!(socket_inode(format!("socket:[{n}]x").as_bytes()), None);
        prop_assert_eq!(socket_inode(format!("socket:[-{n}]").as_bytes()), None);
        if let Some(inode) = socket_inode(&bytes) {
            prop_assert_eq!(bytes, format!("socket:[{inode}]").into_bytes());
        }
    }

    #[test]
    fn cap_eff_reads_the_mask(
        mask in any::<u64>(),
        before in proptest::collection::vec(
            "[A-Za-z]{1,10}:\t[0-9a-f ]{0,20}".prop_filter("another field", |l| !l.starts_with("CapEff:")),
            0..6,
        ),
        after in proptest::collection::vec("(?s).{0,30}", 0..4),
        text in "(?s).{0,200}",
    ) {
        let _ = owners::cap_eff(&text);
        let mut status = before.join("\n");
        let _ = writeln!(status, "\nCapEff:\t{mask:016x}");
        status.push_str(&after.join("\n"));
        prop_assert_eq!(owners::cap_eff(&status), Some(mask));
    }

    #[test]
    fn passwd_first_entry_for_a_uid_wins(
        entries in proptest::collection::vec(("[a-z_][a-z0-9_-]{0,15}", 0u32..8), 0..12),
        junk in proptest::collection::vec("[^\n]{0,30}", 0..6),
        text in "(?s).{0,300}",
    ) {
        for uid in 0u32..9 {
            if let Some(name) = Users::parse(&text).name(uid) {
                prop_assert!(!name.is_empty() && !name.contains([':', '\n']));
            }
        }
        let mut passwd = String::new();
        for (name, uid) in &entries {
            let _ = writeln!(passwd, "{name}:x:{uid}:{uid}::/home/{name}:/bin/sh");
        }
        for line in &junk {
            // Comments, whatever follows the `#`.
            let _ = writeln!(passwd, "#{line}");
        }
        let users = Users::parse(&passwd);
        for uid in 0u32..9 {
            let first = entries.iter().find(|(_, u)| *u == uid).map(|(n, _)| n.as_str());
            prop_assert_eq!(users.name(uid).map(|n| &**n), first);
        }
    }
}

proptest! {
    // Each case writes a small tree of files.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn read_owner_makes_sense_of_hostile_files(files in proc_files(), pid in any::<u32>()) {
        let root = tempfile::tempdir().unwrap();
        write_proc(root.path(), pid, &files);
        let owner = read_owner(root.path(), pid);
        prop_assert_eq!(owner.pid, pid);
        let exe = files.exe.as_deref().map(|e| {
            let e = String::from_utf8_lossy(e).into_owned();
            e.strip_suffix(" (deleted)").map(str::to_owned).unwrap_or(e)
        });
        let want_process = match (exe.filter(|e| !e.is_empty()), &files.comm) {
            (Some(exe), _) => exe,
            (None, Some(comm)) => {
                let comm = String::from_utf8_lossy(&comm[..comm.len().min(usize::try_from(MAX_COMM).unwrap())]).into_owned();
                comm.trim_end().to_owned()
            }
            (None, None) => String::new(),
        };
        prop_assert_eq!(&*owner.process, want_process.as_str());
        prop_assert!(!owner.command.contains('\0'));
        prop_assert!(owner.command.chars().count() as u64 <= MAX_COMMAND, "{} chars", owner.command.chars().count());
        let cmdline = files.cmdline.unwrap_or_default();
        let kept = &cmdline[..cmdline.len().min(usize::try_from(MAX_COMMAND).unwrap())];
        let kept = kept.strip_suffix(b"\0").unwrap_or(kept);
        let want_command = String::from_utf8_lossy(kept).replace('\0', " ");
        prop_assert_eq!(&*owner.command, want_command.as_str());
        for text in [&*owner.process, &*owner.command] {
            prop_assert!(!portolan::sanitize::clean(text).chars().any(char::is_control));
        }
    }

    #[test]
    fn owner_scanner_reads_only_real_socket_links(
        procs in proptest::collection::btree_map(1u32..100_000, proptest::collection::vec(link_target(), 0..6), 0..5),
        other in proptest::collection::vec("[a-z0-9]{1,12}", 0..3),
    ) {
        let root = tempfile::tempdir().unwrap();
        for (pid, links) in &procs {
            let fd = root.path().join(pid.to_string()).join("fd");
            std::fs::create_dir_all(&fd).unwrap();
            std::fs::write(root.path().join(pid.to_string()).join("comm"), "prop\n").unwrap();
            for (i, target) in links.iter().enumerate() {
                symlink(OsStr::from_bytes(target), fd.join(i.to_string())).unwrap();
            }
            // fd names that are not numbers are not fds.
            symlink("socket:[1]", fd.join("x")).unwrap();
        }
        for name in &other {
            // Entries that are not processes, or processes without an fd folder.
            let _ = std::fs::create_dir_all(root.path().join(name));
        }
        let mut scanner = OwnerScanner::new(root.path(), Duration::from_mins(1));
        let inodes: Vec<u64> = (1..6).collect();
        scanner.refresh(&inodes, Instant::now());
        for inode in inodes {
            let want: Vec<u32> = procs
                .iter()
                .filter(|(_, links)| links.iter().any(|l| socket_inode(l) == Some(inode)))
                .map(|(pid, _)| *pid)
                .collect();
            let mut got: Vec<u32> = scanner.owners(inode).iter().map(|o| o.pid).collect();
            // Holders come in directory order, which is pid order only in the real /proc.
            got.sort_unstable();
            prop_assert_eq!(got, want, "inode {}", inode);
            prop_assert!(scanner.owners(inode).iter().all(|o| &*o.process == "prop"));
        }
    }
}
