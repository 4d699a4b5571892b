//! The supervisor end to end, on a shell standing in for the runner: the exit code tells how
//! the runner ended, and where it got a PID namespace, the runner is its init and nothing
//! it started outlives it.

use std::process::{Command, Output};

fn supervise(script: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mldrill-supervisor"))
        .args([
            "--processes",
            "64",
            "--cpu-seconds",
            "60",
            "--",
            "sh",
            "-c",
            script,
        ])
        .output()
        .unwrap()
}

fn namespaced() -> bool {
    String::from_utf8_lossy(&supervise("echo $$").stdout).trim() == "1"
}

#[test]
fn the_exit_code_tells_how_the_runner_ended() {
    assert_eq!(supervise("exit 0").status.code(), Some(0));
    assert_eq!(supervise("exit 3").status.code(), Some(3));
    // Killed by SIGKILL (9) from outside (an init ignores it from inside its namespace):
    // the base plus the signal.
    let mut supervisor = Command::new(env!("CARGO_BIN_EXE_mldrill-supervisor"))
        .args([
            "--processes",
            "64",
            "--cpu-seconds",
            "60",
            "--",
            "sh",
            "-c",
            "exec sleep 1000",
        ])
        .spawn()
        .unwrap();
    let children = format!("/proc/{0}/task/{0}/children", supervisor.id());
    let mut runner = None;
    for _ in 0..1000 {
        let listed = std::fs::read_to_string(&children).unwrap_or_default();
        runner = listed.split_whitespace().next().map(str::to_owned);
        if runner.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let runner = runner.expect("the supervisor started the runner");
    assert!(
        Command::new("kill")
            .args(["-KILL", &runner])
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(supervisor.wait().unwrap().code(), Some(128 + 9));
    let refused = Command::new(env!("CARGO_BIN_EXE_mldrill-supervisor"))
        .args(["--processes", "x", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--processes takes a number"));
}

#[test]
fn nothing_the_runner_started_outlives_it_in_its_namespace() {
    if !namespaced() {
        eprintln!("no PID namespace on this machine; the cleanup it brings is not exercised");
        return;
    }
    let mark = format!("1000.{}", std::process::id());
    // A daemon in its own session, holding nothing open, left behind.
    let script = format!("setsid sleep {mark} </dev/null >/dev/null 2>&1 & exit 0");
    assert_eq!(supervise(&script).status.code(), Some(0));
    let left: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|line| String::from_utf8_lossy(&line).replace('\0', " "))
        .filter(|line| line.contains(&mark))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn the_judge_reads_what_was_applied_before_the_runner_runs_anything() {
    let output = supervise("exit 0");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("mldrill-supervisor: note: ")),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("mldrill-supervisor: pid: ")),
        "{stderr}"
    );
    assert_eq!(lines.last(), Some(&"mldrill-supervisor: ready"), "{stderr}");
}

#[test]
fn a_runner_killed_at_the_memory_limit_is_told_from_a_crash() {
    let output = Command::new(env!("CARGO_BIN_EXE_mldrill-supervisor"))
        .args([
            "--processes",
            "64",
            "--cpu-seconds",
            "60",
            "--memory-mib",
            "32",
            "--",
        ])
        .args([
            "sh",
            "-c",
            "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo ${#x}",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stderr.contains("note: memory cgroup: 32 MiB") {
        eprintln!("no memory cgroup on this machine; the memory status is not exercised");
        return;
    }
    assert_eq!(
        output.status.code(),
        Some(mldrill_supervisor::EXIT_MEMORY_LIMIT),
        "{stderr}"
    );
}
