#![no_main]
//! `/proc/<pid>` as the owner scan reads it: fd links, `comm`, `cmdline` and the `exe` link written
//! into a fake proc folder, plus the `status` and `/etc/passwd` texts read beside them.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use portolan::sockets::linux::owners::{MAX_COMMAND, OwnerScanner, cap_eff, read_owner, socket_inode};
use portolan::sockets::linux::users::Users;

/// What a symlink can point at: no NUL, not empty, not longer than a path.
fn target(bytes: &[u8]) -> Option<&OsStr> {
    (!bytes.is_empty() && bytes.len() < 4000 && !bytes.contains(&0)).then(|| OsStr::from_bytes(bytes))
}

/// The inode a sloppy reader would take from a link: digits after `socket:[`, whatever follows.
fn loose_inode(link: &[u8]) -> Option<u64> {
    let rest = link.strip_prefix(b"socket:[")?;
    let digits: Vec<u8> = rest.iter().copied().take_while(u8::is_ascii_digit).collect();
    let digits = std::str::from_utf8(&digits).ok()?.trim_start_matches('0');
    digits.get(..digits.len().min(19))?.parse().ok()
}

fuzz_target!(|input: (Option<Vec<u8>>, Option<Vec<u8>>, Option<Vec<u8>>, Vec<Vec<u8>>, String, String)| {
    let (comm, cmdline, exe, links, status, passwd) = input;
    let _ = cap_eff(&status);
    let users = Users::parse(&passwd);
    for uid in 0..4 {
        if let Some(name) = users.name(uid) {
            assert!(!name.is_empty() && !name.contains(':'));
        }
    }

    let Ok(root) = tempfile::tempdir() else { return };
    let dir = root.path().join("42");
    let fd = dir.join("fd");
    if std::fs::create_dir_all(&fd).is_err() {
        return;
    }
    if let Some(comm) = &comm {
        let _ = std::fs::write(dir.join("comm"), comm);
    }
    if let Some(cmdline) = &cmdline {
        let _ = std::fs::write(dir.join("cmdline"), cmdline);
    }
    if let Some(exe) = exe.as_deref().and_then(target) {
        let _ = symlink(exe, dir.join("exe"));
    }
    let mut inodes = Vec::new();
    let mut owned = Vec::new();
    for (i, link) in links.iter().take(16).enumerate() {
        let Some(t) = target(link) else { continue };
        if symlink(t, fd.join(i.to_string())).is_err() {
            continue;
        }
        owned.extend(socket_inode(link));
        inodes.extend(loose_inode(link));
    }
    inodes.extend(&owned);

    let owner = read_owner(root.path(), 42);
    assert_eq!(owner.pid, 42);
    assert!(!owner.command.contains('\0'));
    assert!(owner.command.chars().count() as u64 <= MAX_COMMAND);
    for text in [&*owner.process, &*owner.command] {
        assert!(!portolan::sanitize::clean(text).chars().any(char::is_control));
    }

    let mut scanner = OwnerScanner::new(root.path(), Duration::from_secs(60));
    scanner.refresh(&inodes, Instant::now());
    for inode in &inodes {
        let pids: Vec<u32> = scanner.owners(*inode).iter().map(|o| o.pid).collect();
        let want: &[u32] = if owned.contains(inode) { &[42] } else { &[] };
        assert_eq!(pids, want, "inode {inode}");
    }
});
