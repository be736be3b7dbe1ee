//! Which processes hold which sockets: `/proc/<pid>/fd/*` links read `socket:[inode]`.
//! Scanning every fd of every process is the expensive part of a snapshot (nearly all kernel time),
//! so the map is cached: a refresh rescans only when an inode it has never accounted for appears,
//! and in full every few seconds so exits, forks and passed sockets are caught up with.

use std::collections::{HashMap, HashSet};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustix::fs::{Dir, Mode, OFlags};
use rustix::io::Errno;

use crate::sockets::Owner;

/// Who is looking: decides whether a socket without visible owners is hidden from us or simply
/// has none (a TIME_WAIT socket, a socket only the kernel holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub euid: u32,
    /// Root, or `CAP_SYS_PTRACE` / `CAP_DAC_READ_SEARCH`: every process's fds are readable.
    pub privileged: bool,
}

const CAP_DAC_READ_SEARCH: u32 = 2;
const CAP_SYS_PTRACE: u32 = 19;

impl Viewer {
    /// This process, with capabilities read from `<proc_root>/self/status`.
    pub fn current(proc_root: &Path) -> Viewer {
        let euid = rustix::process::geteuid().as_raw();
        let caps = std::fs::read_to_string(proc_root.join("self/status")).ok().and_then(|t| cap_eff(&t));
        Viewer { euid, privileged: euid == 0 || caps.is_some_and(has_owner_caps) }
    }

    /// Whether the owners of a socket of `uid` are visible to this viewer.
    pub fn sees_owners(self, found_any: bool, uid: u32, inode: u64) -> bool {
        found_any || inode == 0 || self.privileged || uid == self.euid
    }
}

/// The `CapEff:` mask of a `/proc/<pid>/status` text.
pub fn cap_eff(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|l| l.strip_prefix("CapEff:"))?;
    u64::from_str_radix(line.trim(), 16).ok()
}

pub fn has_owner_caps(mask: u64) -> bool {
    mask & (1 << CAP_SYS_PTRACE) != 0 || mask & (1 << CAP_DAC_READ_SEARCH) != 0
}

/// The inode → owners map and the scan that fills it.
pub struct OwnerScanner {
    proc_root: PathBuf,
    /// Socket inode → indices into `procs`.
    by_inode: HashMap<u64, Vec<u32>>,
    procs: Vec<Owner>,
    /// Inodes the last scan looked for and did not find: no reason to rescan for them again.
    unowned: HashSet<u64>,
    last_full: Option<Instant>,
    full_every: Duration,
    pub scans: u64,
}

impl OwnerScanner {
    pub fn new(proc_root: &Path, full_every: Duration) -> OwnerScanner {
        OwnerScanner {
            proc_root: proc_root.to_owned(),
            by_inode: HashMap::new(),
            procs: Vec::new(),
            unowned: HashSet::new(),
            last_full: None,
            full_every,
            scans: 0,
        }
    }

    /// Makes the map current enough for `inodes`: rescans when one is unaccounted for or the
    /// last full scan is older than `full_every`.
    pub fn refresh(&mut self, inodes: &[u64], now: Instant) {
        let stale = self.last_full.is_none_or(|t| now.saturating_duration_since(t) >= self.full_every);
        let unknown =
            || inodes.iter().any(|i| *i != 0 && !self.by_inode.contains_key(i) && !self.unowned.contains(i));
        if stale || unknown() {
            self.scan();
            self.last_full = Some(now);
            self.unowned = inodes.iter().copied().filter(|i| !self.by_inode.contains_key(i)).collect();
        }
    }

    /// The processes holding `inode`, by pid.
    pub fn owners(&self, inode: u64) -> impl Iterator<Item = &Owner> {
        self.by_inode.get(&inode).into_iter().flatten().filter_map(|i| self.procs.get(*i as usize))
    }

    /// Walks every process's fds. Processes that exit mid-scan and denied entries are skipped.
    fn scan(&mut self) {
        self.scans += 1;
        self.by_inode.clear();
        self.procs.clear();
        let Ok(root) = open_dir(None, &self.proc_root) else { return };
        let Ok(pids) = Dir::read_from(&root) else { return };
        let mut link = [0u8; 64];
        for entry in pids {
            let Ok(entry) = entry else { break };
            let Some(pid) = parse_u32(entry.file_name().to_bytes()) else { continue };
            let Ok(fd_dir) = open_dir(Some(&root), Path::new(&format!("{pid}/fd"))) else { continue };
            let Ok(fds) = Dir::read_from(&fd_dir) else { continue };
            let mut index: Option<u32> = None;
            for fd in fds {
                let Ok(fd) = fd else { break };
                let Ok(n) = rustix::fs::readlinkat_raw(&fd_dir, fd.file_name(), &mut link[..]) else {
                    continue;
                };
                let Some(inode) = link.get(..n).and_then(socket_inode) else { continue };
                let i = *index.get_or_insert_with(|| {
                    self.procs.push(read_owner(&self.proc_root, pid));
                    (self.procs.len() - 1) as u32
                });
                let holders = self.by_inode.entry(inode).or_default();
                if holders.last() != Some(&i) {
                    holders.push(i);
                }
            }
        }
    }
}

fn parse_u32(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// `socket:[12345]` → 12345.
pub fn socket_inode(link: &[u8]) -> Option<u64> {
    let digits = link.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Name from the executable (a thread or `prctl` name can lie), else `comm`; command line with
/// NULs as spaces. A process that is gone by now gets what could be read.
pub fn read_owner(proc_root: &Path, pid: u32) -> Owner {
    let dir = proc_root.join(pid.to_string());
    let exe = std::fs::read_link(dir.join("exe")).ok().and_then(|p| {
        let name = p.file_name()?.to_string_lossy().into_owned();
        Some(name.strip_suffix(" (deleted)").map(str::to_owned).unwrap_or(name))
    });
    let process = exe
        .filter(|n| !n.is_empty())
        .or_else(|| {
            std::fs::read(dir.join("comm")).ok().map(|b| String::from_utf8_lossy(&b).trim_end().to_owned())
        })
        .unwrap_or_default();
    let command = std::fs::read(dir.join("cmdline"))
        .map(|b| {
            let b = b.strip_suffix(b"\0").unwrap_or(&b);
            String::from_utf8_lossy(b).replace('\0', " ")
        })
        .unwrap_or_default();
    Owner { pid, process, command }
}

fn open_dir(at: Option<&OwnedFd>, path: &Path) -> Result<OwnedFd, Errno> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    match at {
        Some(fd) => rustix::fs::openat(fd, path, flags, Mode::empty()),
        None => rustix::fs::open(path, flags, Mode::empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn fake_proc() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        for (pid, comm, cmdline, links) in [
            (
                "100",
                "nginx\n",
                "nginx: master\0-g\0daemon off;\0",
                &["socket:[555]", "/dev/null", "socket:[556]"][..],
            ),
            ("101", "nginx\n", "nginx: worker\0", &["socket:[555]", "socket:[555]"][..]),
            ("102", "evil\x1b[2J\n", "", &["pipe:[1]"][..]),
        ] {
            std::fs::create_dir_all(p.join(pid).join("fd")).unwrap();
            std::fs::write(p.join(pid).join("comm"), comm).unwrap();
            std::fs::write(p.join(pid).join("cmdline"), cmdline).unwrap();
            for (i, l) in links.iter().enumerate() {
                symlink(l, p.join(pid).join("fd").join(i.to_string())).unwrap();
            }
        }
        std::fs::create_dir_all(p.join("self")).unwrap();
        std::fs::write(p.join("self/status"), "Name:\tx\nCapEff:\t0000000000080000\n").unwrap();
        std::fs::write(p.join("version"), "not a pid").unwrap();
        std::fs::create_dir_all(p.join("103")).unwrap(); // no fd dir: gone or denied
        dir
    }

    #[test]
    fn maps_inodes_to_every_holder() {
        let proc = fake_proc();
        let mut scanner = OwnerScanner::new(proc.path(), Duration::from_secs(5));
        let t0 = Instant::now();
        scanner.refresh(&[555, 556, 0], t0);
        let holders: Vec<(u32, &str, &str)> =
            scanner.owners(555).map(|o| (o.pid, o.process.as_str(), o.command.as_str())).collect();
        assert_eq!(
            holders,
            vec![(100, "nginx", "nginx: master -g daemon off;"), (101, "nginx", "nginx: worker")]
        );
        assert_eq!(scanner.owners(556).count(), 1);
        assert_eq!(scanner.owners(9).count(), 0);
        assert_eq!(scanner.scans, 1);
        // Steady state: nothing unknown, no rescan.
        scanner.refresh(&[555, 556], t0 + Duration::from_secs(1));
        assert_eq!(scanner.scans, 1);
        // An unknown inode triggers one rescan; if still unowned it does not trigger another.
        scanner.refresh(&[555, 777], t0 + Duration::from_secs(2));
        scanner.refresh(&[555, 777], t0 + Duration::from_secs(3));
        assert_eq!(scanner.scans, 2);
        // And the periodic full rescan catches up.
        scanner.refresh(&[555, 777], t0 + Duration::from_secs(8));
        assert_eq!(scanner.scans, 3);
    }

    #[test]
    fn visibility_rules() {
        let proc = fake_proc();
        let me = Viewer::current(proc.path());
        // The fake status grants CAP_SYS_PTRACE.
        assert!(me.privileged);
        let user = Viewer { euid: 1000, privileged: false };
        assert!(user.sees_owners(false, 1000, 5), "own socket without owners: none to see");
        assert!(!user.sees_owners(false, 0, 5), "root's socket: hidden from a user");
        assert!(user.sees_owners(false, 0, 0), "no inode (TIME_WAIT): nothing hidden");
        assert!(user.sees_owners(true, 0, 5));
        assert!(Viewer { euid: 1000, privileged: true }.sees_owners(false, 0, 5));
        assert_eq!(cap_eff("CapEff:\t0000000000000004\n").map(has_owner_caps), Some(true));
        assert_eq!(cap_eff("CapEff:\t0000000000000000\n").map(has_owner_caps), Some(false));
        assert_eq!(cap_eff("nothing"), None);
    }

    #[test]
    fn socket_links() {
        assert_eq!(socket_inode(b"socket:[123]"), Some(123));
        assert_eq!(socket_inode(b"socket:[99999999999]"), Some(99_999_999_999));
        for bad in [&b"socket:[]"[..], b"pipe:[1]", b"socket:[12", b"socket:[-1]", b""] {
            assert_eq!(socket_inode(bad), None);
        }
    }
}
