//! Cgroups for one runner: a cap on the processes and threads it and everything it starts
//! may have at once (`pids`, which unlike RLIMIT_NPROC holds for root too), and a cap on
//! the memory they may use (`memory`, whose out-of-memory kills the kernel counts, so a
//! runner stopped at the limit is told from one that crashed). Used where the machine has
//! the controller and this process may write to it (cgroup v1's per-controller hierarchy,
//! or cgroup v2 with the controller delegated to our cgroup); elsewhere the report says it
//! was not applied.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

const MOUNT: &str = "/sys/fs/cgroup";
const PREFIX: &str = "mldrill-runner-";

/// A cgroup this process created under one controller; removed (once empty) by
/// [`Cgroup::remove`].
#[derive(Debug)]
pub struct Cgroup {
    dir: PathBuf,
    v2: bool,
}

impl Cgroup {
    /// Creates a cgroup for `controller` beside this process's own cgroup.
    fn create(controller: &str) -> io::Result<Cgroup> {
        let (base, v2) = own_cgroup(controller)?;
        sweep_stale(&base);
        let dir = base.join(format!("{PREFIX}{}", std::process::id()));
        match fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        Ok(Cgroup { dir, v2 })
    }

    /// A cgroup allowing `max` processes.
    pub fn pids(max: u64) -> io::Result<Cgroup> {
        let cgroup = Cgroup::create("pids")?;
        cgroup.write("pids.max", &max.to_string())?;
        Ok(cgroup)
    }

    /// A cgroup whose processes may use `mib` MiB of memory, without swap.
    pub fn memory(mib: u64) -> io::Result<Cgroup> {
        let cgroup = Cgroup::create("memory")?;
        let bytes = (mib * 1024 * 1024).to_string();
        if cgroup.v2 {
            cgroup.write("memory.max", &bytes)?;
            let _ = fs::write(cgroup.dir.join("memory.swap.max"), "0");
        } else {
            cgroup.write("memory.limit_in_bytes", &bytes)?;
            let _ = fs::write(cgroup.dir.join("memory.memsw.limit_in_bytes"), &bytes);
        }
        Ok(cgroup)
    }

    fn write(&self, file: &str, value: &str) -> io::Result<()> {
        fs::write(self.dir.join(file), value).inspect_err(|_| self.remove())
    }

    /// Moves process `pid` (and so whatever it starts later) into the cgroup.
    pub fn join(&self, pid: u32) -> io::Result<()> {
        fs::write(self.dir.join("cgroup.procs"), pid.to_string())
    }

    /// How many times the kernel killed a process of this cgroup for memory.
    pub fn oom_kills(&self) -> u64 {
        let (file, key) = if self.v2 {
            ("memory.events", "oom_kill")
        } else {
            ("memory.oom_control", "oom_kill")
        };
        fs::read_to_string(self.dir.join(file))
            .ok()
            .and_then(|text| {
                text.lines().find_map(|l| {
                    let (name, value) = l.split_once(' ')?;
                    (name == key).then(|| value.trim().parse().ok())?
                })
            })
            .unwrap_or(0)
    }

    /// Whether the memory in use ever reached the limit (cgroup v1 counts it in
    /// `memory.failcnt`, v2 in the `max` event).
    pub fn hit_limit(&self) -> bool {
        if self.v2 {
            fs::read_to_string(self.dir.join("memory.events")).is_ok_and(|t| {
                t.lines()
                    .any(|l| l.strip_prefix("max ").is_some_and(|n| n.trim() != "0"))
            })
        } else {
            fs::read_to_string(self.dir.join("memory.failcnt"))
                .is_ok_and(|t| t.trim().parse::<u64>().is_ok_and(|n| n > 0))
        }
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

/// The folder of this process's cgroup in the hierarchy that has `controller`, and
/// whether it is cgroup v2.
fn own_cgroup(controller: &str) -> io::Result<(PathBuf, bool)> {
    let membership = fs::read_to_string("/proc/self/cgroup")?;
    let relative = |path: &str| path.trim_start_matches('/').to_owned();
    // cgroup v1: `N:controller:/path`, mounted at /sys/fs/cgroup/<controller>.
    let v1 = Path::new(MOUNT).join(controller);
    if let Some(path) = membership.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers
            .split(',')
            .any(|c| c == controller)
            .then_some(path)
    }) && v1.is_dir()
    {
        return Ok((v1.join(relative(path)), false));
    }
    // cgroup v2: `0::/path`, with the controller enabled for our cgroup's children.
    if let Some(path) = membership.lines().find_map(|l| l.strip_prefix("0::")) {
        let base = Path::new(MOUNT).join(relative(path));
        let delegated = fs::read_to_string(base.join("cgroup.subtree_control"))
            .is_ok_and(|c| c.split_whitespace().any(|c| c == controller));
        if delegated {
            return Ok((base, true));
        }
    }
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        format!("no writable {controller} controller"),
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
