//! Limits the call server puts on its own process before any candidate code runs, and
//! the arguments that carry them. Together with what `mldrill-supervisor` sets from
//! outside (PID and IPC namespaces, pids and memory cgroups), they are the defence in
//! depth around a process the judge treats as fully compromised:
//!
//! - every descriptor closed but the two call pipes, which move off stdin/stdout
//!   (close-on-exec), so the process holds nothing of the CLI's;
//! - rlimits: memory, address space, CPU time, file size, processes, no core dumps;
//! - a new network namespace (no network);
//! - Landlock: read-only system folders and libtorch, nothing else, and not `/proc/self`
//!   (no reopening a descriptor through `/proc/self/fd`);
//! - every capability dropped (bounding set included), `no_new_privs`, not dumpable;
//! - last, a seccomp allowlist (built by `seccompiler`): no sockets, no `ptrace` or
//!   `process_vm_*`, no SysV or POSIX IPC, no `mount`/`unshare`/`setns`, no `execve`, no
//!   new processes (threads only).
//!
//! The process is our code until it answers its first call, so every limit here is in
//! place before candidate code runs, and is inherited by every thread it starts.

use std::fs::File;
use std::os::fd::OwnedFd;
use std::time::Duration;

use rustix::process::{Resource, Rlimit, setrlimit};

/// The limits for one runner process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Heap and anonymous memory, in MiB (RLIMIT_DATA, and the supervisor's memory cgroup).
    pub memory_mib: u64,
    /// Address space, in MiB (RLIMIT_AS): memory plus room for libtorch's mapped libraries.
    pub address_space_mib: u64,
    /// CPU seconds (RLIMIT_CPU): a backstop should the judge's wall clock not act (the
    /// CLI gone); see [`Limits::new`].
    pub cpu_seconds: u64,
    /// Largest file the process may write, in MiB (RLIMIT_FSIZE).
    pub file_size_mib: u64,
    /// Processes and threads of this user (RLIMIT_NPROC; not enforced for root), and of
    /// the runner's pids cgroup where there is one.
    pub processes: u64,
    /// A memory cgroup of `memory_mib` holds the process (the supervisor says so): the
    /// kernel's kill at that limit is what tells a runner out of memory, and RLIMIT_DATA
    /// only stops allocations far beyond it.
    pub memory_cgroup: bool,
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

    /// The runner's command line for these limits.
    pub fn to_args(&self) -> Vec<String> {
        vec![
            "--memory-mib".into(),
            self.memory_mib.to_string(),
            "--address-space-mib".into(),
            self.address_space_mib.to_string(),
            "--cpu-seconds".into(),
            self.cpu_seconds.to_string(),
        ]
    }

    /// Reads [`Limits::to_args`]' output back; other arguments are an error.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut limits = Limits::default();
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            if flag == "--memory-cgroup" {
                limits.memory_cgroup = true;
                continue;
            }
            let slot = match flag.as_str() {
                "--memory-mib" => &mut limits.memory_mib,
                "--address-space-mib" => &mut limits.address_space_mib,
                "--cpu-seconds" => &mut limits.cpu_seconds,
                other => return Err(format!("unexpected argument {other:?}")),
            };
            *slot = args
                .next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{flag} takes a number"))?;
        }
        Ok(limits)
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
            memory_cgroup: false,
        }
    }
}

/// Takes the call pipes off stdin (calls in) and stdout (replies out) to close-on-exec
/// descriptors, closes every other inherited descriptor, points stdout at stderr (so
/// that what candidate code prints is only captured output) and stdin at `/dev/null`.
pub fn take_pipes() -> std::io::Result<(File, File)> {
    use rustix::io::{FdFlags, fcntl_dupfd_cloexec};
    let null = File::open("/dev/null")?;
    let calls = fcntl_dupfd_cloexec(std::io::stdin(), 3)?;
    let replies = fcntl_dupfd_cloexec(std::io::stdout(), 3)?;
    rustix::stdio::dup2_stdout(std::io::stderr())?;
    rustix::stdio::dup2_stdin(&null)?;
    drop(null);
    close_others(&[&calls, &replies]);
    for fd in [&calls, &replies] {
        rustix::io::fcntl_setfd(fd, FdFlags::CLOEXEC)?;
    }
    Ok((File::from(calls), File::from(replies)))
}

/// Closes every descriptor above 2 except `keep`: those listed in `/proc/self/fd`, or
/// the first 4096 where that cannot be read.
fn close_others(keep: &[&OwnedFd]) {
    use std::os::fd::{AsRawFd, RawFd};
    let keep: Vec<RawFd> = keep.iter().map(|fd| fd.as_raw_fd()).collect();
    let open: Vec<RawFd> = match std::fs::read_dir("/proc/self/fd") {
        Ok(entries) => entries
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .collect(),
        Err(_) => (3..4096).collect(),
    };
    for fd in open {
        if fd > 2 && !keep.contains(&fd) {
            // A number that is not open (the listing's own, now closed) answers EBADF.
            let _ = nix::unistd::close(fd);
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

/// Applies `limits` and every other measure to this process; returns one line per
/// measure, saying what took.
pub fn apply(limits: &Limits) -> Vec<String> {
    const MIB: u64 = 1024 * 1024;
    let mut applied = vec!["descriptors: only the call pipes".to_owned()];
    let mut note = |what: String, result: std::io::Result<()>| match result {
        Ok(()) => applied.push(what),
        Err(e) => applied.push(format!("{what}: not applied ({e})")),
    };
    let data = if limits.memory_cgroup {
        2 * limits.memory_mib
    } else {
        limits.memory_mib
    };
    note(
        format!("data segment {data} MiB"),
        set(Resource::Data, data * MIB).map_err(Into::into),
    );
    note(
        format!("address space {} MiB", limits.address_space_mib),
        set(Resource::As, limits.address_space_mib * MIB).map_err(Into::into),
    );
    note(
        format!("cpu {} s", limits.cpu_seconds),
        set(Resource::Cpu, limits.cpu_seconds).map_err(Into::into),
    );
    note(
        format!("file size {} MiB", limits.file_size_mib),
        set(Resource::Fsize, limits.file_size_mib * MIB).map_err(Into::into),
    );
    note(
        format!("processes {}", limits.processes),
        set(Resource::Nproc, limits.processes).map_err(Into::into),
    );
    note(
        "no core dumps".into(),
        set(Resource::Core, 0).map_err(Into::into),
    );
    note("no network".into(), isolate_network());
    // libtorch sizes its pool now, before the filters: one intra-op thread, so results
    // that sum floats do not depend on the machine's cores and the judge times the
    // candidate and the reference on equal terms.
    tch::set_num_threads(1);
    applied.push("libtorch threads 1".to_owned());
    applied.push(match confine_filesystem() {
        Ok(status) => status,
        Err(e) => format!("filesystem: not confined ({e})"),
    });
    applied.push(drop_privileges());
    applied.push(match crate::sandbox::syscalls::install() {
        Ok(()) => "seccomp: syscall allowlist".to_owned(),
        Err(e) => format!("seccomp: not applied ({e})"),
    });
    applied
}

/// Read-only folders (and files) the runner may still need: the C runtime and libtorch's
/// lazily loaded libraries, libtorch's seed source and its CPU detection.
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
        "/sys/devices/system/cpu",
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
        RulesetStatus::FullyEnforced => {
            "filesystem: read-only system folders (no /proc/self)".to_owned()
        }
        RulesetStatus::PartiallyEnforced => "filesystem: partly confined (old kernel)".to_owned(),
        RulesetStatus::NotEnforced => {
            "filesystem: not confined (no Landlock in this kernel)".to_owned()
        }
    })
}

/// Moves this process into a new, empty network namespace (only loopback, down).
/// Unprivileged users need a user namespace first; root can unshare the network alone.
fn isolate_network() -> std::io::Result<()> {
    use nix::sched::{CloneFlags, unshare};
    unshare(CloneFlags::CLONE_NEWNET)
        .or_else(|_| unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNET))
        .map_err(|errno| std::io::Error::from_raw_os_error(errno as i32))
}

/// Drops every capability (the bounding set first, then the thread's sets), forbids
/// gaining privileges again and makes the process undumpable (its `/proc` entries become
/// root's, out of reach of a process with no capabilities). Returns the report line.
fn drop_privileges() -> String {
    use rustix::process::{DumpableBehavior, set_dumpable_behavior};
    use rustix::thread::{
        CapabilitySet, CapabilitySets, remove_capability_from_bounding_set, set_capabilities,
        set_no_new_privs,
    };
    let mut failures = Vec::new();
    for bit in 0..64u32 {
        let Some(cap) = CapabilitySet::from_bits(1u64 << bit) else {
            continue;
        };
        // Bits the kernel does not know answer EINVAL: nothing to drop there.
        let _ = remove_capability_from_bounding_set(cap);
    }
    let none = CapabilitySets {
        effective: CapabilitySet::empty(),
        permitted: CapabilitySet::empty(),
        inheritable: CapabilitySet::empty(),
    };
    if let Err(e) = set_capabilities(None, none) {
        failures.push(format!("capabilities ({e})"));
    }
    if let Err(e) = set_no_new_privs(true) {
        failures.push(format!("no_new_privs ({e})"));
    }
    if let Err(e) = set_dumpable_behavior(DumpableBehavior::NotDumpable) {
        failures.push(format!("not dumpable ({e})"));
    }
    if failures.is_empty() {
        "capabilities: all dropped, no_new_privs, not dumpable".to_owned()
    } else {
        format!("privileges: not all dropped: {}", failures.join(", "))
    }
}

pub mod syscalls;

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

    #[test]
    fn limits_round_trip_through_the_command_line() {
        let limits = Limits::new(512, Duration::from_secs(30));
        let back = Limits::from_args(limits.to_args()).unwrap();
        assert_eq!(back.memory_mib, 512);
        assert_eq!(back.cpu_seconds, limits.cpu_seconds);
        assert!(Limits::from_args(["--seed".to_owned(), "1".to_owned()]).is_err());
        assert!(Limits::from_args(["--memory-mib".to_owned(), "x".to_owned()]).is_err());
    }
}
