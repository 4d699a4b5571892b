//! A pids cgroup for one runner: a cap on the processes and threads its worker and
//! everything the worker starts may have at once, which, unlike RLIMIT_NPROC, holds for
//! root too. Used where the machine has a pids controller this process may write to
//! (cgroup v1's `pids` hierarchy, or cgroup v2 with `pids` delegated to our cgroup);
//! elsewhere the report says it was not applied.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

const MOUNT: &str = "/sys/fs/cgroup";
const PREFIX: &str = "mldrill-runner-";

/// A cgroup this process created; removed (once empty) by [`Pids::remove`].
#[derive(Debug)]
pub struct Pids {
    dir: PathBuf,
}

impl Pids {
    /// Creates a cgroup allowing `max` processes, beside this process's own cgroup.
    pub fn create(max: u64) -> io::Result<Pids> {
        let base = own_pids_cgroup()?;
        sweep_stale(&base);
        let dir = base.join(format!("{PREFIX}{}", std::process::id()));
        match fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let cgroup = Pids { dir };
        if let Err(e) = fs::write(cgroup.dir.join("pids.max"), max.to_string()) {
            cgroup.remove();
            return Err(e);
        }
        Ok(cgroup)
    }

    /// Moves process `pid` (and so whatever it starts later) into the cgroup.
    pub fn join(&self, pid: u32) -> io::Result<()> {
        fs::write(self.dir.join("cgroup.procs"), pid.to_string())
    }

    /// Removes the cgroup, waiting briefly for the kernel to reap its last members.
    pub fn remove(&self) {
        for _ in 0..50 {
            if fs::remove_dir(&self.dir).is_ok() || !self.dir.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The folder of this process's cgroup in the hierarchy that has the pids controller.
fn own_pids_cgroup() -> io::Result<PathBuf> {
    let membership = fs::read_to_string("/proc/self/cgroup")?;
    let relative = |path: &str| path.trim_start_matches('/').to_owned();
    // cgroup v1: `N:pids:/path`, mounted at /sys/fs/cgroup/pids.
    let v1 = Path::new(MOUNT).join("pids");
    if let Some(path) = membership.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers.split(',').any(|c| c == "pids").then_some(path)
    }) && v1.is_dir()
    {
        return Ok(v1.join(relative(path)));
    }
    // cgroup v2: `0::/path`, with pids enabled for our cgroup's children.
    if let Some(path) = membership.lines().find_map(|l| l.strip_prefix("0::")) {
        let base = Path::new(MOUNT).join(relative(path));
        let delegated = fs::read_to_string(base.join("cgroup.subtree_control"))
            .is_ok_and(|c| c.split_whitespace().any(|c| c == "pids"));
        if delegated {
            return Ok(base);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no writable pids controller",
    ))
}

/// Removes cgroups of runners that are gone (a runner killed at the wall-clock limit
/// cannot remove its own); a cgroup still in use is not empty and stays.
fn sweep_stale(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_dir(entry.path());
        }
    }
}
