//! Which processes hold which sockets: `/proc/<pid>/fd/*` links read `socket:[inode]`.
//! Scanning every fd of every process is the expensive part of a snapshot (nearly all kernel time),
//! so the map is cached: a refresh rescans only when an inode it has never accounted for appears,
//! and in full every few seconds so exits, forks and passed sockets are caught up with.

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustc_hash::{FxHashMap, FxHashSet};
use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::fs::{Dir, Mode, OFlags};
use rustix::io::Errno;
use rustix::process::{Pid, PidfdFlags};

use crate::sockets::Owner;

/// Who is looking: decides whether a socket without visible owners is hidden from us or simply
/// has none (a `TIME_WAIT` socket, a socket only the kernel holds).
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

    /// Whether the owners of a socket of `uid` are visible to this viewer. `denied` holds the
    /// users whose processes' fds the last scan could not read: even root can be refused (a
    /// container without `CAP_SYS_PTRACE`, an LSM), and then an ownerless socket of such a user
    /// may well be theirs — not visible, rather than "no owner".
    pub fn sees_owners(self, found_any: bool, uid: u32, inode: u64, denied: &FxHashSet<u32>) -> bool {
        found_any || inode == 0 || (!denied.contains(&uid) && (self.privileged || uid == self.euid))
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
    /// Socket inode → its holders; sockets held by the same processes share one list.
    by_inode: FxHashMap<u64, Arc<[Owner]>>,
    /// Handed out for sockets no process holds (that we can see).
    nobody: Arc<[Owner]>,
    /// Inodes the last scan looked for and did not find: no reason to rescan for them again.
    unowned: FxHashSet<u64>,
    /// Users owning processes whose fds the last scan was refused.
    denied: FxHashSet<u32>,
    /// Pidfds of the processes the map names (real `/proc` only): one turns readable when its
    /// process exits, so a refresh notices a gone owner at once, whatever reuses its pid.
    watched: Vec<OwnedFd>,
    /// An owner exited before it could be watched: the next refresh rescans.
    owner_gone: bool,
    /// Owners found by the last scan, not watched yet.
    to_watch: Vec<u32>,
    live: bool,
    last_full: Option<Instant>,
    /// Set by `rescan`: the next `refresh` must not scan again.
    fresh: bool,
    full_every: Duration,
    pub scans: u64,
}

impl OwnerScanner {
    pub fn new(proc_root: &Path, full_every: Duration) -> OwnerScanner {
        OwnerScanner {
            proc_root: proc_root.to_owned(),
            by_inode: FxHashMap::default(),
            nobody: Arc::new([]),
            unowned: FxHashSet::default(),
            denied: FxHashSet::default(),
            watched: Vec::new(),
            owner_gone: false,
            to_watch: Vec::new(),
            live: proc_root == Path::new("/proc"),
            last_full: None,
            fresh: false,
            full_every,
            scans: 0,
        }
    }

    /// Makes the map current enough for `inodes`: rescans when one is unaccounted for or the
    /// last full scan is older than `full_every`.
    pub fn refresh(&mut self, inodes: &[u64], now: Instant) {
        let fresh = std::mem::take(&mut self.fresh);
        // The owners of the last scan are watched from the first refresh after it on: a one-shot
        // snapshot (`portolan sockets`) opens no pidfds at all.
        if !fresh && !self.to_watch.is_empty() {
            let pids = std::mem::take(&mut self.to_watch);
            self.watch(pids.into_iter());
        }
        let unknown =
            || inodes.iter().any(|i| *i != 0 && !self.by_inode.contains_key(i) && !self.unowned.contains(i));
        let scan = !fresh && (self.is_stale(now) || unknown() || self.an_owner_exited());
        if scan {
            self.scan();
            self.last_full = Some(now);
        }
        if fresh || scan {
            self.unowned = inodes.iter().copied().filter(|i| !self.by_inode.contains_key(i)).collect();
        }
    }

    /// Whether the next `refresh` will rescan in any case (first use, or the map is too old).
    pub fn is_stale(&self, now: Instant) -> bool {
        self.last_full.is_none_or(|t| now.saturating_duration_since(t) >= self.full_every)
    }

    /// A full rescan now, ahead of `refresh` (so it can run while the kernel lists sockets); the
    /// `refresh` that follows only notes which inodes this scan found no owner for.
    pub fn rescan(&mut self, now: Instant) {
        self.scan();
        self.last_full = Some(now);
        self.fresh = true;
    }

    /// Whether a process the map names has exited since the scan (its sockets may live on in a
    /// child it forked, or be gone: either way the map is out of date).
    fn an_owner_exited(&self) -> bool {
        if self.owner_gone {
            return true;
        }
        if self.watched.is_empty() {
            return false;
        }
        let mut fds: Vec<PollFd<'_>> = self.watched.iter().map(|fd| PollFd::new(fd, PollFlags::IN)).collect();
        rustix::event::poll(&mut fds, Some(&Timespec { tv_sec: 0, tv_nsec: 0 })).is_ok_and(|n| n > 0)
    }

    /// Users some of whose processes' fds could not be read by the last scan.
    pub fn denied_users(&self) -> &FxHashSet<u32> {
        &self.denied
    }

    /// The processes holding `inode`, in pid order (empty when none is known).
    pub fn owners(&self, inode: u64) -> &Arc<[Owner]> {
        self.by_inode.get(&inode).unwrap_or(&self.nobody)
    }

    /// Walks every process's fds. Processes that exit mid-scan and denied entries are skipped.
    ///
    /// One `readlinkat` per fd is nearly all the cost, kernel time that parallelizes well: while
    /// this thread lists the fd directories, reader threads already read the links of the batches
    /// listed so far. Holders are put back in pid order afterwards.
    fn scan(&mut self) {
        self.scans += 1;
        self.by_inode.clear();
        self.denied.clear();
        let Ok(root) = open_dir(None, &self.proc_root) else { return };
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_WORKERS));
        let (tx, rx) = std::sync::mpsc::channel::<Batch>();
        let rx = std::sync::Mutex::new(rx);
        let (procs, read) = std::thread::scope(|scope| {
            let readers: Vec<_> = (0..workers).map(|_| scope.spawn(|| read_batches(&rx))).collect();
            let procs = list_fds(&root, &mut self.denied, &tx);
            drop(tx);
            let read: Vec<Links> = readers.into_iter().map(|h| h.join().unwrap_or_default()).collect();
            (procs, read)
        });
        let mut found = Vec::with_capacity(read.len());
        for Links { found: links, refused } in read {
            found.push(links);
            for at in refused {
                let pid = procs[at].to_string();
                if let Ok(st) = rustix::fs::statat(&root, pid.as_str(), rustix::fs::AtFlags::empty()) {
                    self.denied.insert(st.st_uid);
                }
            }
        }
        // Holders per inode (as indices into `procs`, in pid order), then one shared list per
        // distinct set of holders: nearly always a single process.
        let mut holders: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
        for (inode, proc_at) in found.into_iter().flatten() {
            holders.entry(inode).or_default().push(proc_at);
        }
        for list in holders.values_mut() {
            if list.len() > 1 {
                list.sort_unstable();
                list.dedup();
            }
        }
        let mut owners: FxHashMap<u32, Owner> = FxHashMap::default();
        let mut lists: FxHashMap<Vec<u32>, Arc<[Owner]>> = FxHashMap::default();
        for (inode, list) in holders {
            let shared = if let Some(shared) = lists.get(&list) {
                Arc::clone(shared)
            } else {
                let resolved: Arc<[Owner]> = list
                    .iter()
                    .map(|&at| {
                        let pid = procs[at as usize];
                        owners.entry(pid).or_insert_with(|| read_owner(&self.proc_root, pid)).clone()
                    })
                    .collect();
                lists.insert(list, Arc::clone(&resolved));
                resolved
            };
            self.by_inode.insert(inode, shared);
        }
        self.watched.clear();
        self.owner_gone = false;
        self.to_watch = owners.into_keys().collect();
    }

    /// Opens a pidfd for each owner (up to `MAX_WATCHED`; beyond, the periodic rescan catches up).
    fn watch(&mut self, pids: impl Iterator<Item = u32>) {
        if !self.live {
            return;
        }
        for pid in pids.take(MAX_WATCHED) {
            let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else { continue };
            match rustix::process::pidfd_open(pid, PidfdFlags::empty()) {
                Ok(fd) => self.watched.push(fd),
                Err(Errno::SRCH) => self.owner_gone = true,
                // No pidfds here (an old kernel, a seccomp filter): the periodic rescan it is.
                Err(_) => {
                    self.watched.clear();
                    return;
                }
            }
        }
    }
}

/// Most owner processes watched through pidfds (each holds a file descriptor of ours).
const MAX_WATCHED: usize = 256;

const MAX_WORKERS: usize = 4;
/// Fds per batch handed to a reader thread.
const BATCH: usize = 512;

/// Some fds of one process, to read the links of.
struct Batch {
    /// Index of the process in what `list_fds` returns.
    at: usize,
    dir: Arc<OwnedFd>,
    fds: Vec<u32>,
}

/// Lists every process under `root` whose fd directory this user can list, sending its fd
/// numbers in batches to `tx` as they are read; returns the pids, indexed as the batches say. The
/// owners of the processes that refuse go to `denied` (one gone meanwhile is simply skipped).
fn list_fds(root: &OwnedFd, denied: &mut FxHashSet<u32>, tx: &std::sync::mpsc::Sender<Batch>) -> Vec<u32> {
    let mut pids = Vec::new();
    let Ok(entries) = Dir::read_from(root) else { return pids };
    for entry in entries {
        let Ok(entry) = entry else { break };
        let Some(pid) = parse_u32(entry.file_name().to_bytes()) else { continue };
        let dir = match open_dir(Some(root), Path::new(&format!("{pid}/fd"))) {
            Ok(dir) => Arc::new(dir),
            Err(Errno::ACCESS | Errno::PERM) => {
                if let Ok(st) = rustix::fs::statat(root, entry.file_name(), rustix::fs::AtFlags::empty()) {
                    denied.insert(st.st_uid);
                }
                continue;
            }
            Err(_) => continue,
        };
        let Ok(names) = Dir::read_from(&*dir) else { continue };
        let at = pids.len();
        pids.push(pid);
        let mut fds = Vec::with_capacity(BATCH);
        for fd in names.map_while(Result::ok).filter_map(|fd| parse_u32(fd.file_name().to_bytes())) {
            fds.push(fd);
            if fds.len() == BATCH {
                let full = std::mem::replace(&mut fds, Vec::with_capacity(BATCH));
                let _ = tx.send(Batch { at, dir: Arc::clone(&dir), fds: full });
            }
        }
        if !fds.is_empty() {
            let _ = tx.send(Batch { at, dir, fds });
        }
    }
    pids
}

/// A reader thread: reads the links of the batches it takes until the lister is done.
fn read_batches(rx: &std::sync::Mutex<std::sync::mpsc::Receiver<Batch>>) -> Links {
    let mut links = Links::default();
    loop {
        let batch = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return links,
        };
        let Ok(batch) = batch else { return links };
        read_links(&batch, &mut links);
    }
}

/// Reads the links of one batch: socket inodes go to `found`, a refusal to `refused` (listing
/// an fd directory can be allowed where reading its links is not).
fn read_links(batch: &Batch, links: &mut Links) {
    let mut link = [0u8; 64];
    let at = u32::try_from(batch.at).unwrap_or(u32::MAX);
    for &fd in &batch.fds {
        // rustix NUL-terminates a name this short on the stack: no allocation per fd.
        let mut name = itoa::Buffer::new();
        match rustix::fs::readlinkat_raw(&*batch.dir, name.format(fd), &mut link[..]) {
            Ok(n) => {
                if let Some(inode) = link.get(..n).and_then(socket_inode) {
                    links.found.push((inode, at));
                }
            }
            Err(Errno::ACCESS | Errno::PERM) => {
                links.refused.push(batch.at);
                return;
            }
            Err(_) => {}
        }
    }
}

/// What one reader thread saw.
#[derive(Default)]
struct Links {
    /// (socket inode, index of its process).
    found: Vec<(u64, u32)>,
    /// Processes whose links could not be read.
    refused: Vec<usize>,
}

fn parse_u32(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// `socket:[12345]` → 12345. Only what the kernel writes (`socket:[%lu]`: no sign, no leading
/// zero, at most 20 digits), so a real link always fits the 64-byte buffer `read_links` uses.
pub fn socket_inode(link: &[u8]) -> Option<u64> {
    let digits = link.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    let leading_zero = digits.len() > 1 && digits[0] == b'0';
    if digits.is_empty() || digits.len() > 20 || leading_zero || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// At most this much of a command line is kept: more than a screen or a log line shows, and a
/// bound on what one process (or a file in a fake tree) can make us hold.
pub const MAX_COMMAND: u64 = 128 * 1024;
/// `comm` is 16 bytes in the kernel; anything much longer is not a kernel `comm`.
pub const MAX_COMM: u64 = 256;

/// Name from the executable (a thread or `prctl` name can lie), else `comm`; command line with
/// NULs as spaces, cut at `MAX_COMMAND` bytes. A process that is gone by now gets what could be read.
pub fn read_owner(proc_root: &Path, pid: u32) -> Owner {
    let dir = proc_root.join(pid.to_string());
    let exe = std::fs::read_link(dir.join("exe")).ok().and_then(|p| {
        let name = p.file_name()?.to_string_lossy().into_owned();
        Some(name.strip_suffix(" (deleted)").map(str::to_owned).unwrap_or(name))
    });
    let process = exe
        .filter(|n| !n.is_empty())
        .or_else(|| {
            read_prefix(&dir.join("comm"), MAX_COMM)
                .map(|b| String::from_utf8_lossy(&b).trim_end().to_owned())
        })
        .unwrap_or_default();
    let command = read_prefix(&dir.join("cmdline"), MAX_COMMAND)
        .map(|b| {
            let b = b.strip_suffix(b"\0").unwrap_or(&b);
            String::from_utf8_lossy(b).replace('\0', " ")
        })
        .unwrap_or_default();
    Owner { pid, process: process.into(), command: command.into() }
}

/// The first `max` bytes of a file.
fn read_prefix(path: &Path, max: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path).ok()?.take(max).read_to_end(&mut bytes).ok()?;
    Some(bytes)
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
            scanner.owners(555).iter().map(|o| (o.pid, &*o.process, &*o.command)).collect();
        assert_eq!(
            holders,
            vec![(100, "nginx", "nginx: master -g daemon off;"), (101, "nginx", "nginx: worker")]
        );
        assert_eq!(scanner.owners(556).len(), 1);
        assert_eq!(scanner.owners(9).len(), 0);
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
        // A rescan ahead of the refresh is the refresh's scan, even with an ownerless inode about.
        scanner.rescan(t0 + Duration::from_secs(20));
        scanner.refresh(&[555, 888], t0 + Duration::from_secs(20));
        assert_eq!(scanner.scans, 4);
        scanner.refresh(&[555, 888], t0 + Duration::from_secs(21));
        assert_eq!(scanner.scans, 4, "888 was noted as ownerless");
    }

    #[test]
    fn refused_fd_dirs_name_their_user() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let proc = fake_proc();
        let fd_dir = proc.path().join("101/fd");
        std::fs::set_permissions(&fd_dir, std::fs::Permissions::from_mode(0o000)).unwrap();
        let readable = std::fs::read_dir(&fd_dir).is_ok();
        let mut scanner = OwnerScanner::new(proc.path(), Duration::from_secs(5));
        scanner.refresh(&[555], Instant::now());
        std::fs::set_permissions(&fd_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        if readable {
            eprintln!("skipped: this user reads any directory (root); the unprivileged CI run covers it");
            assert!(scanner.denied_users().is_empty());
            return;
        }
        let uid = std::fs::metadata(proc.path().join("101")).unwrap().uid();
        assert!(scanner.denied_users().contains(&uid), "{:?}", scanner.denied_users());
        // 100 still answers for 555; 101 is not claimed as an owner.
        assert_eq!(scanner.owners(555).iter().map(|o| o.pid).collect::<Vec<_>>(), vec![100]);
    }

    #[test]
    fn visibility_rules() {
        let proc = fake_proc();
        let me = Viewer::current(proc.path());
        // The fake status grants CAP_SYS_PTRACE.
        assert!(me.privileged);
        let user = Viewer { euid: 1000, privileged: false };
        let none = FxHashSet::default();
        assert!(user.sees_owners(false, 1000, 5, &none), "own socket without owners: none to see");
        assert!(!user.sees_owners(false, 0, 5, &none), "root's socket: hidden from a user");
        assert!(user.sees_owners(false, 0, 0, &none), "no inode (TIME_WAIT): nothing hidden");
        assert!(user.sees_owners(true, 0, 5, &none));
        let root = Viewer { euid: 0, privileged: true };
        assert!(root.sees_owners(false, 0, 5, &none));
        // Root refused a process of uid 0 (a container without CAP_SYS_PTRACE): not "no owner".
        let refused: FxHashSet<u32> = [0].into_iter().collect();
        assert!(!root.sees_owners(false, 0, 5, &refused));
        assert!(root.sees_owners(false, 7, 5, &refused), "nobody of uid 7 was refused");
        assert!(root.sees_owners(false, 0, 0, &refused), "TIME_WAIT has no owner to hide");
        assert_eq!(cap_eff("CapEff:\t0000000000000004\n").map(has_owner_caps), Some(true));
        assert_eq!(cap_eff("CapEff:\t0000000000000000\n").map(has_owner_caps), Some(false));
        assert_eq!(cap_eff("nothing"), None);
    }

    /// A link longer than the read buffer is cut by `readlink`; its first 64 bytes must not pass for
    /// `socket:[123]` (they do not: the kernel writes no leading zeros).
    #[test]
    fn cut_links_are_not_sockets() {
        let proc = tempfile::tempdir().unwrap();
        let fd = proc.path().join("7/fd");
        std::fs::create_dir_all(&fd).unwrap();
        let long = format!("socket:[{:0>55}]tail", 123);
        assert_eq!(long.find(']'), Some(63));
        symlink(&long, fd.join("3")).unwrap();
        symlink("socket:[124]", fd.join("4")).unwrap();
        let mut scanner = OwnerScanner::new(proc.path(), Duration::from_secs(5));
        scanner.refresh(&[123, 124], Instant::now());
        assert_eq!(scanner.owners(123).len(), 0, "{long} is no socket link");
        assert_eq!(scanner.owners(124).iter().map(|o| o.pid).collect::<Vec<_>>(), [7]);
    }

    #[test]
    fn socket_links() {
        assert_eq!(socket_inode(b"socket:[123]"), Some(123));
        assert_eq!(socket_inode(b"socket:[99999999999]"), Some(99_999_999_999));
        assert_eq!(socket_inode(b"socket:[18446744073709551615]"), Some(u64::MAX));
        assert_eq!(socket_inode(b"socket:[0]"), Some(0));
        for bad in [
            &b"socket:[]"[..],
            b"pipe:[1]",
            b"socket:[12",
            b"socket:[-1]",
            b"socket:[+1]",
            b"socket:[007]",
            b"socket:[18446744073709551616]",
            b"",
        ] {
            assert_eq!(socket_inode(bad), None);
        }
    }
}
