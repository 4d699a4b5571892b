//! Limits the runner puts on itself before any candidate code runs: CPU time, memory
//! (data segment and address space), processes, file size, core dumps, the network (a new
//! network namespace where the OS allows one) and the filesystem (Landlock: read-only
//! system folders and libtorch, nothing else; so tch's file APIs cannot read the grading
//! workspace or another submission, nor write anywhere).
//!
//! The runner is our code and starts before candidate code; limits set here are
//! inherited by everything the candidate could start and cannot be raised again. The
//! runner's supervisor (`mldrill-supervisor`) adds what must be set up from outside the
//! process: a PID namespace (every process the candidate starts dies with it) and a pids
//! cgroup (a process count that holds for root too), where the OS allows them.

use std::time::Duration;

use rustix::process::{Resource, Rlimit, setrlimit};

/// The limits for one runner process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Heap and anonymous memory, in MiB (RLIMIT_DATA).
    pub memory_mib: u64,
    /// Address space, in MiB (RLIMIT_AS): memory plus room for libtorch's mapped libraries.
    pub address_space_mib: u64,
    /// CPU seconds (RLIMIT_CPU): a backstop should the CLI's wall-clock limit not act (the
    /// CLI gone); see [`Limits::new`].
    pub cpu_seconds: u64,
    /// Largest file the process may write, in MiB (RLIMIT_FSIZE).
    pub file_size_mib: u64,
    /// Processes and threads of this user (RLIMIT_NPROC; not enforced for root), and of
    /// the runner's pids cgroup where there is one.
    pub processes: u64,
}

impl Limits {
    /// The limits for a memory budget and a wall-clock limit. The address space keeps
    /// room for libtorch's mapped libraries on top of the budget. The CPU limit is the
    /// wall-clock limit times the threads that can run at once (a multithreaded candidate
    /// burns CPU time faster than wall time), plus a margin, so the wall clock decides a
    /// timeout and the CPU limit only stops a runner nobody watches any more.
    pub fn new(memory_mib: u64, wall_clock: Duration) -> Self {
        let defaults = Limits::default();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
        Limits {
            memory_mib,
            address_space_mib: memory_mib + defaults.address_space_mib - defaults.memory_mib,
            cpu_seconds: wall_clock.as_secs().max(1) * threads + 5,
            ..defaults
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_mib: 2048,
            address_space_mib: 2048 + 12 * 1024,
            cpu_seconds: 120,
            file_size_mib: 16,
            processes: 4096,
        }
    }
}

fn set(resource: Resource, value: u64) -> rustix::io::Result<()> {
    setrlimit(
        resource,
        Rlimit {
            current: Some(value),
            maximum: Some(value),
        },
    )
}

/// Applies `limits` to this process; returns one line per measure, saying what took.
pub fn apply(limits: &Limits) -> Vec<String> {
    const MIB: u64 = 1024 * 1024;
    let mut applied = Vec::new();
    let mut note = |what: String, result: rustix::io::Result<()>| match result {
        Ok(()) => applied.push(what),
        Err(e) => applied.push(format!("{what}: not applied ({e})")),
    };
    note(
        format!("memory {} MiB", limits.memory_mib),
        set(Resource::Data, limits.memory_mib * MIB),
    );
    note(
        format!("address space {} MiB", limits.address_space_mib),
        set(Resource::As, limits.address_space_mib * MIB),
    );
    note(
        format!("cpu {} s", limits.cpu_seconds),
        set(Resource::Cpu, limits.cpu_seconds),
    );
    note(
        format!("file size {} MiB", limits.file_size_mib),
        set(Resource::Fsize, limits.file_size_mib * MIB),
    );
    let root = rustix::process::getuid().is_root();
    note(
        format!(
            "processes {}{}",
            limits.processes,
            if root {
                " (RLIMIT_NPROC: not enforced for root)"
            } else {
                ""
            }
        ),
        set(Resource::Nproc, limits.processes),
    );
    note("no core dumps".into(), set(Resource::Core, 0));
    note("no network".into(), isolate_network());
    match confine_filesystem() {
        Ok(status) => applied.push(status),
        Err(e) => applied.push(format!("filesystem: not confined ({e})")),
    }
    applied
}

/// Read-only folders (and files) the runner may still need after start: the C runtime and
/// libtorch's lazily loaded libraries, libtorch's seed source, and what the standard
/// library reads to size thread pools.
fn readable_folders() -> Vec<&'static str> {
    let mut folders = vec![
        "/usr",
        "/lib",
        "/lib64",
        "/etc/ld.so.cache",
        // libtorch seeds its default generator from here the first time one is needed
        // (`Tensor::randn`, layer initialisation); refused, it throws and the runner aborts.
        "/dev/urandom",
        // libtorch's CPU detection picks its vector kernels from here.
        "/proc/cpuinfo",
        "/proc/self",
        "/sys/devices/system/cpu",
        "/sys/fs/cgroup",
    ];
    folders.extend(option_env!("MLDRILL_LIBTORCH_LIB"));
    folders
}

fn confine_filesystem() -> Result<String, landlock::RulesetError> {
    use landlock::{
        ABI, Access, AccessFs, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
        path_beneath_rules,
    };
    let abi = ABI::V3;
    let readable: Vec<&str> = readable_folders()
        .into_iter()
        .filter(|p| std::path::Path::new(p).exists())
        .collect();
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))?
        .create()?
        .add_rules(path_beneath_rules(readable, AccessFs::from_read(abi)))?
        .restrict_self()?;
    Ok(match status.ruleset {
        RulesetStatus::FullyEnforced => "filesystem: read-only system folders".to_owned(),
        RulesetStatus::PartiallyEnforced => "filesystem: partly confined (old kernel)".to_owned(),
        RulesetStatus::NotEnforced => {
            "filesystem: not confined (no Landlock in this kernel)".to_owned()
        }
    })
}

/// Moves this process into a new, empty network namespace (only loopback, down).
/// Unprivileged users need a user namespace first; root can unshare the network alone.
fn isolate_network() -> rustix::io::Result<()> {
    use nix::sched::{CloneFlags, unshare};
    unshare(CloneFlags::CLONE_NEWNET)
        .or_else(|_| unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNET))
        .map_err(|errno| rustix::io::Errno::from_raw_os_error(errno as i32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_limit_follows_the_wall_clock_and_the_cores() {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
        let short = Limits::new(1024, Duration::from_secs(60));
        let long = Limits::new(1024, Duration::from_secs(3600));
        assert!(short.cpu_seconds >= 60 * threads, "{short:?}");
        assert!(long.cpu_seconds >= 3600 * threads, "{long:?}");
        assert_eq!(long.address_space_mib - long.memory_mib, 12 * 1024);
    }
}
