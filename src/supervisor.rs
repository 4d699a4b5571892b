//! The runner's first process, which runs no candidate code: it starts the worker (the
//! same executable, with `--worker`) in a new PID namespace and a pids cgroup where the OS
//! allows them, waits for it, and reports how it ended as an exit code the CLI reads.
//!
//! The PID namespace is what makes cleanup certain: the worker is its init, so when the
//! worker ends the kernel kills every process it left behind, even one that left the
//! process group the CLI kills on a timeout. The worker cannot tell its own limits from
//! outside, so the lines saying what was applied reach it on its stdin, which it reads
//! to the end before anything else.

use std::io::Write;
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use crate::protocol::{EXIT_CPU_LIMIT, EXIT_SIGNAL_BASE};
use crate::sandbox::{self, Limits, cgroup};

/// Starts the worker with `args` (the runner's own, without the program name), waits for
/// it and turns its ending into the runner's exit code: the worker's own code, or
/// [`EXIT_SIGNAL_BASE`] plus the signal that killed it, or [`EXIT_CPU_LIMIT`] when it
/// used up its CPU time.
pub fn supervise(args: Vec<std::ffi::OsString>, limits: &Limits) -> ExitCode {
    // Whoever started us (the CLI) going away takes us with it, and our worker with us.
    let _ = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    let _ = rustix::process::setrlimit(
        rustix::process::Resource::Core,
        rustix::process::Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    );
    let mut notes = vec![sandbox::new_pid_namespace()];
    let pids = cgroup::Pids::create(limits.processes);
    let executable = match std::env::current_exe() {
        Ok(path) => path,
        Err(e) => {
            eprintln!("mldrill-runner: failed to find its own executable: {e}");
            return ExitCode::from(2);
        }
    };
    let mut worker = match Command::new(executable)
        .args(args)
        .arg("--worker")
        .stdin(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!("mldrill-runner: failed to start its worker: {e}");
            if let Ok(pids) = &pids {
                pids.remove();
            }
            return ExitCode::from(2);
        }
    };
    notes.push(match &pids {
        Ok(pids) => match pids.join(worker.id()) {
            Ok(()) => format!("pids cgroup: at most {} processes", limits.processes),
            Err(e) => format!("pids cgroup: not applied ({e})"),
        },
        Err(e) => format!("pids cgroup: not applied ({e})"),
    });
    if let Some(mut stdin) = worker.stdin.take() {
        // A worker that died already cannot read them; its ending tells the rest.
        let _ = stdin.write_all(notes.join("\n").as_bytes());
    }
    let status = worker.wait();
    let cpu = cpu_time_of_children();
    if let Ok(pids) = &pids {
        pids.remove();
    }
    use std::os::unix::process::ExitStatusExt;
    let code = match status {
        Ok(s) if s.success() => 0,
        Ok(_) if cpu >= Duration::from_secs(limits.cpu_seconds) => EXIT_CPU_LIMIT,
        Ok(s) => match (s.code(), s.signal()) {
            (Some(code), _) => code,
            (None, Some(signal)) => EXIT_SIGNAL_BASE + signal,
            (None, None) => 2,
        },
        Err(e) => {
            eprintln!("mldrill-runner: failed to wait for its worker: {e}");
            2
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}

/// User and system time of the children this process waited for (the worker alone).
fn cpu_time_of_children() -> Duration {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_CHILDREN).map_or(Duration::ZERO, |usage| {
        let (user, system) = (usage.user_time(), usage.system_time());
        let micros = |t: nix::sys::time::TimeVal| {
            Duration::from_secs(t.tv_sec().max(0) as u64)
                + Duration::from_micros(t.tv_usec().max(0) as u64)
        };
        micros(user) + micros(system)
    })
}
