//! The runner's supervisor, which runs no candidate code and links no libtorch (so it
//! starts in a millisecond): it starts the runner in a new PID namespace and a pids cgroup
//! where the OS allows them, waits for it, and reports how it ended as an exit code the
//! CLI reads.
//!
//! The PID namespace is what makes cleanup certain: the runner is its init, so when the
//! runner ends the kernel kills every process it left behind, even one that left the
//! process group the CLI kills on a timeout. The runner cannot tell these limits from
//! inside, so the lines saying what was applied reach it on its stdin, which it reads to
//! the end (`--supervised`) before anything else.

pub mod cgroup;

use std::ffi::OsString;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The exit code when the runner was stopped at the CPU-time limit.
pub const EXIT_CPU_LIMIT: i32 = 124;
/// The exit code when the runner was killed by signal `s` is this plus `s`.
pub const EXIT_SIGNAL_BASE: i32 = 128;
/// The exit code when the supervisor itself could not do its job.
pub const EXIT_SUPERVISOR: i32 = 2;

/// What to supervise.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Most processes and threads in the cgroup.
    pub processes: u64,
    /// The runner's CPU-time limit (it sets RLIMIT_CPU itself); a runner that used this
    /// much ended at the limit.
    pub cpu_seconds: u64,
    pub program: OsString,
    pub args: Vec<OsString>,
}

/// Starts the runner, waits for it and returns the exit code that tells how it ended:
/// its own code, or [`EXIT_SIGNAL_BASE`] plus the signal that killed it, or
/// [`EXIT_CPU_LIMIT`] when it used up its CPU time.
pub fn supervise(plan: &Plan) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    // Whoever started us (the CLI) going away takes us with it, and our runner with us.
    let _ = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    let _ = rustix::process::setrlimit(
        rustix::process::Resource::Core,
        rustix::process::Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    );
    let mut notes = vec![new_pid_namespace()];
    let pids = cgroup::Pids::create(plan.processes);
    let mut runner = match Command::new(&plan.program)
        .args(&plan.args)
        .arg("--supervised")
        .stdin(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!(
                "mldrill-supervisor: failed to start {}: {e}",
                plan.program.to_string_lossy()
            );
            if let Ok(pids) = &pids {
                pids.remove();
            }
            return EXIT_SUPERVISOR;
        }
    };
    notes.push(match &pids {
        Ok(pids) => match pids.join(runner.id()) {
            Ok(()) => format!("pids cgroup: at most {} processes", plan.processes),
            Err(e) => format!("pids cgroup: not applied ({e})"),
        },
        Err(e) => format!("pids cgroup: not applied ({e})"),
    });
    if let Some(mut stdin) = runner.stdin.take() {
        // A runner that died already cannot read them; its ending tells the rest.
        let _ = stdin.write_all(notes.join("\n").as_bytes());
    }
    let status = runner.wait();
    let cpu = cpu_time_of_children();
    if let Ok(pids) = &pids {
        pids.remove();
    }
    match status {
        Ok(s) if s.success() => 0,
        Ok(_) if cpu >= Duration::from_secs(plan.cpu_seconds) => EXIT_CPU_LIMIT,
        Ok(s) => match (s.code(), s.signal()) {
            (Some(code), _) => code,
            (None, Some(signal)) => EXIT_SIGNAL_BASE + signal,
            (None, None) => EXIT_SUPERVISOR,
        },
        Err(e) => {
            eprintln!("mldrill-supervisor: failed to wait for the runner: {e}");
            EXIT_SUPERVISOR
        }
    }
}

/// Makes the processes this one starts from now on members of a new PID namespace: the
/// first becomes its init, and when it exits the kernel kills every process left in the
/// namespace, whatever process group or session it moved to. Unprivileged users need a
/// user namespace first. Returns the line for the report.
fn new_pid_namespace() -> String {
    use nix::sched::{CloneFlags, unshare};
    match unshare(CloneFlags::CLONE_NEWPID)
        .or_else(|_| unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWPID))
    {
        Ok(()) => "pid namespace".to_owned(),
        Err(e) => format!("pid namespace: not applied ({e})"),
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
