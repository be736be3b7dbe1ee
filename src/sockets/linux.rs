//! The Linux collector: `sock_diag` (or `/proc/net`) for the sockets, `/proc/<pid>/fd` for their
//! owners, `/etc/passwd` for user names.

pub mod netlink;
pub mod owners;
pub mod procnet;
pub mod users;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use netlink::{Netlink, RawSocket};
use owners::{OwnerScanner, Viewer};
use users::Users;

use super::{Annotator, Endpoint, Snapshot, Socket, SocketError, SocketSource};
use crate::registry::Protocol;
use crate::registry::Registry;
use crate::system::PortSettings;

/// How often the owner map is rebuilt even when no unknown socket appeared.
pub const FULL_RESCAN: Duration = Duration::from_secs(5);

pub struct LinuxSource {
    registry: Arc<Registry>,
    netlink: Option<Netlink>,
    proc_root: PathBuf,
    owners: OwnerScanner,
    users: Users,
    viewer: Viewer,
    settings: PortSettings,
    raw: Vec<RawSocket>,
    inodes: Vec<u64>,
}

impl LinuxSource {
    /// A collector over the real kernel; `sock_diag` when it can be opened, else `/proc/net`.
    pub fn new(registry: Arc<Registry>) -> Result<LinuxSource, SocketError> {
        let proc_root = Path::new("/proc");
        let netlink = Netlink::open().ok();
        if netlink.is_none() && !proc_root.join("net/tcp").exists() {
            return Err(SocketError::Unsupported("neither sock_diag nor /proc/net is available".into()));
        }
        Ok(LinuxSource {
            registry,
            netlink,
            proc_root: proc_root.to_owned(),
            owners: OwnerScanner::new(proc_root, FULL_RESCAN),
            users: Users::load(Path::new("/etc/passwd")),
            viewer: Viewer::current(proc_root),
            settings: PortSettings::read(),
            raw: Vec::new(),
            inodes: Vec::new(),
        })
    }
}

/// Lists the kernel's sockets into `raw`, falling back to `/proc/net` for good when `sock_diag` fails.
fn list(
    netlink: &mut Option<Netlink>,
    proc_root: &Path,
    raw: &mut Vec<RawSocket>,
) -> Result<(), SocketError> {
    raw.clear();
    if let Some(nl) = netlink {
        if nl.dump_all(raw).is_ok() {
            return Ok(());
        }
        *netlink = None;
        raw.clear();
    }
    procnet::read_all(&proc_root.join("net"), raw)
}

impl SocketSource for LinuxSource {
    fn collect(&mut self) -> Result<Snapshot, SocketError> {
        let now = Instant::now();
        if self.owners.is_stale(now) {
            // The two expensive walks are independent: the fd scan runs beside the kernel dump.
            let owners = &mut self.owners;
            std::thread::scope(|scope| {
                let scan = scope.spawn(move || owners.rescan(now));
                let listed = list(&mut self.netlink, &self.proc_root, &mut self.raw);
                let _ = scan.join();
                listed
            })?;
        } else {
            list(&mut self.netlink, &self.proc_root, &mut self.raw)?;
        }
        Ok(self.build(now, &|_, _, _| true))
    }

    /// Lists first, and scans processes only when some socket is kept: `portolan lookup 5432`
    /// on a port nothing uses reads no `/proc/<pid>/fd` at all.
    fn collect_where(
        &mut self,
        keep: &dyn Fn(Protocol, Endpoint, Endpoint) -> bool,
    ) -> Result<Snapshot, SocketError> {
        list(&mut self.netlink, &self.proc_root, &mut self.raw)?;
        Ok(self.build(Instant::now(), keep))
    }
}

impl LinuxSource {
    /// The snapshot of the listed sockets `keep` accepts, owners refreshed as needed.
    fn build(&mut self, now: Instant, keep: &dyn Fn(Protocol, Endpoint, Endpoint) -> bool) -> Snapshot {
        // Services are decided with every listening port as evidence, kept or not.
        let servers: Vec<(Protocol, u16)> = self
            .raw
            .iter()
            .filter(|r| r.state.is_listening() && r.remote.is_unspecified())
            .map(|r| (r.protocol, r.local.port))
            .collect();
        self.raw.retain(|r| keep(r.protocol, r.local, r.remote));
        if !self.raw.is_empty() {
            self.inodes.clear();
            self.inodes.extend(self.raw.iter().map(|r| r.inode));
            self.owners.refresh(&self.inodes, now);
        }
        let mut owners_hidden = false;
        let sockets: Vec<Socket> = self
            .raw
            .iter()
            .map(|r| {
                let owners = Arc::clone(self.owners.owners(r.inode));
                let owners_visible =
                    self.viewer.sees_owners(!owners.is_empty(), r.uid, r.inode, self.owners.denied_users());
                owners_hidden |= !owners_visible;
                Socket {
                    protocol: r.protocol,
                    family: r.family,
                    state: r.state,
                    local: r.local,
                    remote: r.remote,
                    uid: r.uid,
                    user: self.users.name(r.uid).cloned(),
                    inode: r.inode,
                    owners,
                    owners_visible,
                    service: None,
                    service_port: None,
                }
            })
            .collect();
        let mut snapshot = Snapshot { sockets, owners_hidden };
        Annotator::with_servers(&self.registry, &self.settings, servers.into_iter())
            .annotate_all(&mut snapshot.sockets);
        snapshot
    }
}
