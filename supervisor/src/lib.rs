//! The runner's supervisor, which runs no candidate code and links no libtorch (so it
//! starts in a millisecond): it starts the runner in new PID and IPC namespaces, a pids
//! cgroup and a memory cgroup where the OS allows them, waits for it, and reports how it
//! ended as an exit code the judge reads.
//!
//! The PID namespace is what makes cleanup certain: the runner is its init, so when the
//! runner ends the kernel kills every process it left behind, even one that left the
//! process group the judge kills on a timeout. The IPC namespace takes every SysV and
//! POSIX IPC object the runner could create away with it. The memory cgroup's kill
//! counter is how a runner stopped at the memory limit is told from one that crashed.
//!
//! What it applied reaches the judge on stderr, before the runner can have run any
//! candidate code (the runner answers calls only after the judge read these lines): one
//! `mldrill-supervisor: note: …` line per measure, `mldrill-supervisor: pid: N` (the
//! runner's process id as the judge sees it), then `mldrill-supervisor: ready`.

pub mod cgroup;

use std::ffi::OsString;
use std::process::{Command, Stdio};
use std::time::Duration;

use cgroup::Cgroup;

/// The exit code when the runner was stopped at the CPU-time limit.
pub const EXIT_CPU_LIMIT: i32 = 124;
/// The exit code when the kernel killed the runner at the memory cgroup's limit.
pub const EXIT_MEMORY_LIMIT: i32 = 125;
/// The exit code when the runner was killed by signal `s` is this plus `s`.
pub const EXIT_SIGNAL_BASE: i32 = 128;
/// The exit code when the supervisor itself could not do its job.
pub const EXIT_SUPERVISOR: i32 = 2;

/// The prefix of every line the supervisor writes for the judge.
pub const LINE_PREFIX: &str = "mldrill-supervisor: ";
/// The argument the runner gets when a memory cgroup holds its memory.
pub const MEMORY_CGROUP_ARG: &str = "--memory-cgroup";

/// What to supervise.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Most processes and threads in the cgroup.
    pub processes: u64,
    /// The runner's CPU-time limit (it sets RLIMIT_CPU itself); a runner that used this
    /// much ended at the limit.
    pub cpu_seconds: u64,
    /// The memory cgroup's limit, in MiB; none when `None`.
    pub memory_mib: Option<u64>,
    pub program: OsString,
    pub args: Vec<OsString>,
}

fn say(line: &str) {
    eprintln!("{LINE_PREFIX}{line}");
}

/// Starts the runner, waits for it and returns the exit code that tells how it ended:
/// its own code, or [`EXIT_SIGNAL_BASE`] plus the signal that killed it, or
/// [`EXIT_CPU_LIMIT`] / [`EXIT_MEMORY_LIMIT`] when it was stopped at a limit.
pub fn supervise(plan: &Plan) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    // Whoever started us (the judge) going away takes us with it, and our runner with us.
    let _ = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    let _ = rustix::process::setrlimit(
        rustix::process::Resource::Core,
        rustix::process::Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    );
    let mut notes = vec![new_namespaces()];
    let pids = Cgroup::pids(plan.processes);
    let memory = plan.memory_mib.map(|mib| (mib, Cgroup::memory(mib)));
    let mut command = Command::new(&plan.program);
    command.args(&plan.args).stdin(Stdio::inherit());
    if let Some((_, Ok(_))) = &memory {
        command.arg(MEMORY_CGROUP_ARG);
    }
    let remove = |pids: &std::io::Result<Cgroup>,
                  memory: &Option<(u64, std::io::Result<Cgroup>)>| {
        if let Ok(c) = pids {
            c.remove();
        }
        if let Some((_, Ok(c))) = memory {
            c.remove();
        }
    };
    let mut runner = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            say(&format!(
                "failed to start {}: {e}",
                plan.program.to_string_lossy()
            ));
            remove(&pids, &memory);
            return EXIT_SUPERVISOR;
        }
    };
    notes.push(match &pids {
        Ok(c) => match c.join(runner.id()) {
            Ok(()) => format!("pids cgroup: at most {} processes", plan.processes),
            Err(e) => format!("pids cgroup: not applied ({e})"),
        },
        Err(e) => format!("pids cgroup: not applied ({e})"),
    });
    if let Some((mib, cgroup)) = &memory {
        notes.push(match cgroup {
            Ok(c) => match c.join(runner.id()) {
                Ok(()) => format!("memory cgroup: {mib} MiB"),
                Err(e) => format!("memory cgroup: not applied ({e})"),
            },
            Err(e) => format!("memory cgroup: not applied ({e})"),
        });
    }
    for note in &notes {
        say(&format!("note: {note}"));
    }
    say(&format!("pid: {}", runner.id()));
    say("ready");
    let status = runner.wait();
    let cpu = cpu_time_of_children();
    let oom = matches!(&memory, Some((_, Ok(c))) if c.oom_kills() > 0 || c.hit_limit());
    remove(&pids, &memory);
    match status {
        Ok(s) if s.success() => 0,
        Ok(s) if oom && s.signal().is_some() => EXIT_MEMORY_LIMIT,
        Ok(_) if cpu >= Duration::from_secs(plan.cpu_seconds) => EXIT_CPU_LIMIT,
        Ok(s) => match (s.code(), s.signal()) {
            (Some(code), _) => code,
            (None, Some(signal)) => EXIT_SIGNAL_BASE + signal,
            (None, None) => EXIT_SUPERVISOR,
        },
        Err(e) => {
            say(&format!("failed to wait for the runner: {e}"));
            EXIT_SUPERVISOR
        }
    }
}

/// Makes the processes this one starts from now on members of a new PID namespace (the
/// first becomes its init, and when it exits the kernel kills every process left in the
/// namespace, whatever process group or session it moved to) and of a new IPC namespace
/// (SysV and POSIX IPC objects, gone when the namespace is). Unprivileged users need a
/// user namespace first. Returns the line for the report.
fn new_namespaces() -> String {
    use nix::sched::{CloneFlags, unshare};
    let both = CloneFlags::CLONE_NEWPID | CloneFlags::CLONE_NEWIPC;
    if unshare(both)
        .or_else(|_| unshare(CloneFlags::CLONE_NEWUSER | both))
        .is_ok()
    {
        return "pid and ipc namespaces".to_owned();
    }
    match unshare(CloneFlags::CLONE_NEWPID)
        .or_else(|_| unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWPID))
    {
        Ok(()) => "pid namespace; ipc namespace: not applied".to_owned(),
        Err(e) => format!("pid and ipc namespaces: not applied ({e})"),
    }
}

/// User and system time of the children this process waited for (the runner alone).
fn cpu_time_of_children() -> Duration {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_CHILDREN).map_or(Duration::ZERO, |usage| {
        let time = |t: nix::sys::time::TimeVal| {
            Duration::from_secs(t.tv_sec().max(0) as u64)
                + Duration::from_micros(t.tv_usec().max(0) as u64)
        };
        time(usage.user_time()) + time(usage.system_time())
    })
}
