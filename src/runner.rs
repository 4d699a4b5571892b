//! The CLI's side of the boundary: builds a runner executable, starts it as a child
//! process under limits, and turns what arrives on the protocol pipe into one verdict
//! per expected property. Nothing the child says is trusted beyond its well-formed
//! records; everything missing gets the status of how the child ended.

pub mod capture;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use wait_timeout::ChildExt;

use crate::feedback::Activity;
use crate::protocol::{EXIT_CPU_LIMIT, EXIT_SIGNAL_BASE, Message, Outcome, PROTOCOL_VERSION};
use crate::sandbox::Limits;

/// How one property ended, as the CLI decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    NotImplemented,
    Fail,
    /// The source policy rejected the code; it was not built.
    Rejected,
    /// The wall-clock or CPU limit was hit.
    Timeout,
    /// The memory limit was hit.
    Memory,
    /// The runner died (signal, abort, stack overflow) or broke the protocol.
    Crashed,
    /// The harness could not run the property at all (for example, a build failure).
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::NotImplemented => "not_implemented",
            Status::Fail => "fail",
            Status::Rejected => "rejected",
            Status::Timeout => "timeout",
            Status::Memory => "memory",
            Status::Crashed => "crashed",
            Status::Error => "error",
        }
    }
}

/// The verdict on one property.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub property: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<String>,
}

/// What one runner process came to.
#[derive(Debug, Clone)]
pub struct Run {
    /// One per requested property, in request order.
    pub verdicts: Vec<Verdict>,
    /// What the process printed (candidate output included), its head and its tail,
    /// capped at [`OUTPUT_CAP`].
    pub output: String,
    /// The limits the runner reported it applied (empty when it never said hello).
    pub sandbox: Vec<String>,
}

/// Why the runner could not be built or started: an environment problem, not a grade.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("failed to start cargo: {0}; install Rust from rustup.rs and run `make setup`")]
    CargoMissing(#[source] std::io::Error),
    #[error(
        "libtorch is not set up for {workspace} (no .libtorch link and no LIBTORCH); run `make setup`"
    )]
    NoLibtorch { workspace: PathBuf },
    #[error(
        "failed to build the grading harness (not the submission's fault; does `mldrill check --impl reference` build?):\n{0}"
    )]
    Harness(String),
    #[error("failed to start the runner {path}: {source}")]
    Spawn {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// One request to the runner.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub exercise: &'a str,
    pub implementation: &'a str,
    pub properties: &'a [String],
    pub seed: u64,
    pub cases: u32,
    pub limits: Limits,
    pub wall_clock: Duration,
}

/// How long a build of the runner may take: long enough for a cold build of libtorch's
/// bindings on a small machine, short enough to stop a compile-time bomb.
pub const BUILD_TIME_LIMIT: Duration = Duration::from_secs(20 * 60);

/// How long building a submission's runner may take once the harness is built: the
/// candidate crate, the runner's `main` and the link, nothing else.
pub const CANDIDATE_BUILD_TIME_LIMIT: Duration = Duration::from_secs(5 * 60);

/// Memory for each process of a submission's build (RLIMIT_DATA on cargo, inherited by
/// rustc and the linker): plenty for one small crate, a stop for a const-evaluation or
/// macro-expansion bomb.
pub const CANDIDATE_BUILD_MEMORY_MIB: u64 = 4096;

/// Most bytes of the runner's own output (what candidate code prints) kept for reports.
pub const OUTPUT_CAP: usize = 64 * 1024;
/// Most bytes accepted on the protocol pipe before the runner is stopped as broken.
const PROTOCOL_CAP: usize = 8 * 1024 * 1024;

/// The supervisor's package and executable: it starts every runner (see its crate).
const SUPERVISOR: &str = "mldrill-supervisor";

/// A built runner executable, and the supervisor that starts it.
#[derive(Debug, Clone)]
pub struct Runner {
    pub executable: PathBuf,
    pub supervisor: PathBuf,
}

/// What `cargo build` of the runner came to.
pub enum Build {
    Ready(Runner),
    /// The candidate's code (or the workspace) did not compile; cargo's own output.
    Failed(String),
}

/// Which runner executable to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binary {
    /// `mldrill-runner-<id>`: exercise `<id>` with its candidate crate.
    Candidate(String),
    /// `mldrill-runner-reference`: every exercise's reference, no candidate crate.
    References,
}

impl Binary {
    pub fn name(&self) -> String {
        match self {
            Binary::Candidate(id) => format!("mldrill-runner-{id}"),
            Binary::References => "mldrill-runner-reference".to_owned(),
        }
    }

    /// Cargo's arguments that select it, with the supervisor it runs under: its bin, and
    /// the feature that links the candidate.
    fn cargo_args(&self) -> Vec<String> {
        let mut args = vec![
            "--package".to_owned(),
            "mldrill-runner".to_owned(),
            "--bin".to_owned(),
            self.name(),
            "--package".to_owned(),
            SUPERVISOR.to_owned(),
            "--bin".to_owned(),
            SUPERVISOR.to_owned(),
        ];
        if let Binary::Candidate(id) = self {
            args.extend(["--features".to_owned(), format!("mldrill-runner/{id}")]);
        }
        args
    }
}

/// Where and how to build the runner.
#[derive(Debug, Clone)]
pub struct BuildPlan<'a> {
    pub binary: Binary,
    /// The workspace whose `runner/` and `exercises/` are built.
    pub workspace: &'a Path,
    /// The checkout `make setup` ran in: its `.libtorch` link is what every build points
    /// LIBTORCH at, so that libtorch's crates are compiled once and shared.
    pub home: &'a Path,
    /// Cargo's target folder; `<workspace>/target` by default. Never share one between
    /// two workspaces of the same layout: cargo hashes path packages by their place in
    /// the workspace, so their artifacts would overwrite each other.
    pub target_dir: Option<&'a Path>,
    /// The longest a build may take: a cold one compiles libtorch's bindings (minutes); a
    /// submission whose code takes longer to compile (a const-evaluation bomb) is stopped.
    pub time_limit: Duration,
    /// Memory for each build process, in MiB; unlimited when `None`.
    pub memory_mib: Option<u64>,
    pub quiet: bool,
}

/// Starts a new target folder from the compiled registry crates of the checkout's own
/// release build, when there is one (`make build`): see [`crate::warm_start`]. A warm start
/// that fails only costs time, so its error is dropped and the build starts cold.
fn warm_start(home: &Path, workspace: &Path, target_dir: &Path) {
    let home_target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| home.join("target"), PathBuf::from);
    if home_target != target_dir {
        let _ = crate::warm_start::seed_profile(
            &home_target.join("release"),
            &target_dir.join("release"),
            &workspace.join("Cargo.lock"),
        );
    }
}

impl Runner {
    /// Builds the plan's runner executable in release mode, with cargo's progress on
    /// stderr and the compiler's errors kept for the report.
    pub fn build(plan: &BuildPlan) -> Result<Build, RunnerError> {
        let (workspace, quiet) = (plan.workspace, plan.quiet);
        let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        if std::env::var_os("LIBTORCH").is_none() {
            // Exactly the value `.cargo/config.toml` gives a build in `home`: any other
            // spelling of the same folder would make cargo rebuild libtorch's crates.
            let link = plan.home.join(".libtorch");
            if !link.exists() {
                return Err(RunnerError::NoLibtorch {
                    workspace: plan.home.to_owned(),
                });
            }
            command.env("LIBTORCH", link);
        }
        if let Some(dir) = plan.target_dir {
            command.env("CARGO_TARGET_DIR", dir);
            warm_start(plan.home, workspace, dir);
        }
        command
            .current_dir(workspace)
            .args(["build", "--release", "--color", "never"])
            .args(plan.binary.cargo_args())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if quiet {
            command.arg("--quiet");
        }
        // Its own process group, so that a build stopped at the limit takes rustc with it.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().map_err(RunnerError::CargoMissing)?;
        if let Some(mib) = plan.memory_mib {
            // Set before cargo starts rustc (it resolves the workspace first), and inherited
            // by every compiler and linker it starts.
            let limit = Some(mib * 1024 * 1024);
            let _ = rustix::process::prlimit(
                rustix::process::Pid::from_child(&child).into(),
                rustix::process::Resource::Data,
                rustix::process::Rlimit {
                    current: limit,
                    maximum: limit,
                },
            );
        }
        let stderr = child.stderr.take().expect("stderr is piped");
        let activity = Activity::start(
            quiet,
            "building the runner (the first build takes a few minutes)",
        );
        let shown = activity.clone();
        let log = thread::spawn(move || {
            let mut log = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let trimmed = line.trim_start();
                if trimmed.starts_with("Compiling") || trimmed.starts_with("Finished") {
                    shown.detail(&line);
                }
                log.push_str(&line);
                log.push('\n');
            }
            log
        });
        let waited = child.wait_timeout(plan.time_limit);
        let Some(status) = waited.map_err(RunnerError::CargoMissing)? else {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(child.id() as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
            let _ = child.wait();
            activity.finish();
            return Ok(Build::Failed(format!(
                "the build did not finish within {} s",
                plan.time_limit.as_secs()
            )));
        };
        let log = log.join().unwrap_or_default();
        activity.finish();
        if !status.success() {
            return Ok(Build::Failed(compiler_errors(&log)));
        }
        let target = plan
            .target_dir
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
            .unwrap_or_else(|| workspace.join("target"));
        Ok(Build::Ready(Runner {
            executable: target.join("release").join(plan.binary.name()),
            supervisor: target.join("release").join(SUPERVISOR),
        }))
    }

    /// Runs the requested properties in one child and returns a verdict for each, in
    /// request order. Never fails on what the child does; only on failing to start it.
    pub fn run(&self, request: &Request) -> Result<Run, RunnerError> {
        let mut args = vec![
            "--implementation".to_owned(),
            request.implementation.to_owned(),
        ];
        args.extend([
            "--seed".to_owned(),
            request.seed.to_string(),
            "--cases".to_owned(),
            request.cases.to_string(),
        ]);
        for property in request.properties {
            args.extend(["--property".to_owned(), property.clone()]);
        }
        let (records, ending, output) =
            self.converse(request.exercise, &args, &request.limits, request.wall_clock)?;
        let sandbox = match &records {
            Ok((messages, _)) => messages
                .iter()
                .find_map(|m| match m {
                    Message::Hello { sandbox, .. } => Some(sandbox.clone()),
                    _ => None,
                })
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        Ok(Run {
            verdicts: verdicts(request, records, &ending),
            output,
            sandbox,
        })
    }

    /// Times the candidate against the reference on `bench`, on inputs derived from
    /// `seed`, in one runner under the same limits as the properties.
    pub fn bench(
        &self,
        exercise: &str,
        bench: &str,
        seed: u64,
        limits: &Limits,
        wall_clock: Duration,
    ) -> Result<BenchOutcome, RunnerError> {
        let args = [
            "--bench".to_owned(),
            bench.to_owned(),
            "--seed".to_owned(),
            seed.to_string(),
        ];
        let (records, ending, _output) = self.converse(exercise, &args, limits, wall_clock)?;
        let measured = records.ok().and_then(|(messages, _)| {
            messages.into_iter().find_map(|m| match m {
                Message::Bench {
                    ratio: Some(ratio),
                    candidate_ns: Some(c),
                    reference_ns: Some(r),
                    ..
                } => Some(BenchOutcome::Measured {
                    ratio,
                    candidate_ns: c,
                    reference_ns: r,
                }),
                Message::Bench {
                    error: Some(error), ..
                } => Some(BenchOutcome::Failed(error)),
                _ => None,
            })
        });
        Ok(measured.unwrap_or_else(|| {
            BenchOutcome::Failed(format!("{}: {}", ending.status.as_str(), ending.reason))
        }))
    }

    /// Starts the runner for `exercise` with `args` under `limits`, in its own process
    /// group and a fresh scratch folder, and collects what it reported, how it ended and
    /// what it printed.
    fn converse(
        &self,
        exercise: &str,
        args: &[String],
        limits: &Limits,
        wall_clock: Duration,
    ) -> Result<(Records, Ending, String), RunnerError> {
        let spawn_error = |source| RunnerError::Spawn {
            path: self.executable.clone(),
            source,
        };
        let scratch = tempfile::Builder::new()
            .prefix("mldrill-run-")
            .tempdir()
            .map_err(spawn_error)?;
        let mut command = Command::new(&self.supervisor);
        command
            .args(["--processes", &limits.processes.to_string()])
            .args(["--cpu-seconds", &limits.cpu_seconds.to_string()])
            .arg("--")
            .arg(&self.executable)
            .args(["--exercise", exercise])
            .args(args)
            .args(["--memory-mib", &limits.memory_mib.to_string()])
            .args(["--address-space-mib", &limits.address_space_mib.to_string()])
            .args(["--cpu-seconds", &limits.cpu_seconds.to_string()])
            .arg("--data-cache")
            .arg(crate::backdoor::cache::default_dir())
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .current_dir(scratch.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group: a timeout or the end of the run kills everything in it.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let started = Instant::now();
        let mut child = command.spawn().map_err(spawn_error)?;
        let captured = capture::capture(&mut child, wall_clock, PROTOCOL_CAP, OUTPUT_CAP);
        let records = if captured.protocol_overflow {
            Err("the runner sent more than the protocol allows".to_owned())
        } else {
            read_protocol(&captured.protocol[..])
        };
        let ending = Ending::classify(
            captured.timed_out,
            captured.status,
            &captured.output.tail_text(),
            started.elapsed(),
        );
        let mut output = captured.output.render();
        if captured.abandoned {
            output.push_str(
                "\n[mldrill: a process the runner started still held its output; it was no longer read]\n",
            );
        }
        Ok((records, ending, output))
    }
}

/// What timing the candidate against the reference came to.
#[derive(Debug, Clone, PartialEq)]
pub enum BenchOutcome {
    Measured {
        ratio: f64,
        candidate_ns: f64,
        reference_ns: f64,
    },
    Failed(String),
}

/// The lines of cargo's output that explain a failed build, capped.
fn compiler_errors(log: &str) -> String {
    let relevant: Vec<&str> = log
        .lines()
        .filter(|l| {
            !l.trim_start().starts_with("Compiling") && !l.trim_start().starts_with("Finished")
        })
        .collect();
    let mut text = relevant.join("\n");
    text.truncate(OUTPUT_CAP);
    text
}

/// The protocol's records, or why the stream was not a well-formed conversation.
type Records = Result<(Vec<Message>, bool), String>;

fn read_protocol(stdout: &[u8]) -> Records {
    let mut messages = Vec::new();
    let mut done = false;
    let mut read = 0usize;
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("unreadable protocol stream: {e}"))?;
        read += line.len() + 1;
        if read > PROTOCOL_CAP {
            return Err("the runner sent more than the protocol allows".into());
        }
        let message =
            Message::from_line(&line).map_err(|e| format!("malformed protocol line ({e})"))?;
        if done {
            return Err("the runner kept talking after `done`".into());
        }
        match &message {
            Message::Hello { protocol, .. } if messages.is_empty() => {
                if *protocol != PROTOCOL_VERSION {
                    return Err(format!(
                        "runner speaks protocol {protocol}, this mldrill speaks {PROTOCOL_VERSION}; rebuild with `make build`"
                    ));
                }
            }
            Message::Hello { .. } => return Err("a second hello".into()),
            _ if messages.is_empty() => return Err("the runner did not start with hello".into()),
            Message::Done {} => done = true,
            Message::Result { .. } | Message::Bench { .. } => {}
        }
        messages.push(message);
    }
    Ok((messages, done))
}

/// How the child process ended, as far as the status of unreported properties goes.
struct Ending {
    status: Status,
    reason: String,
}

impl Ending {
    /// How the runner ended: `exit` is the supervisor's status, which carries the
    /// runner's ending (`mldrill_supervisor`); `tail` is the end of its output.
    fn classify(timed_out: bool, exit: Option<ExitStatus>, tail: &str, elapsed: Duration) -> Self {
        use std::os::unix::process::ExitStatusExt;
        let code = exit.and_then(|s| s.code());
        let signal = exit.and_then(|s| s.signal()).or_else(|| {
            code.filter(|c| (EXIT_SIGNAL_BASE + 1..EXIT_SIGNAL_BASE + 65).contains(c))
                .map(|c| c - EXIT_SIGNAL_BASE)
        });
        let (status, reason) = match exit {
            _ if timed_out => (
                Status::Timeout,
                format!(
                    "stopped after the wall-clock limit of {:.0} s",
                    elapsed.as_secs_f64()
                ),
            ),
            _ if code == Some(EXIT_CPU_LIMIT) || signal == Some(24) => {
                (Status::Timeout, "stopped at the CPU-time limit".to_owned())
            }
            Some(_) if out_of_memory(tail, signal) => (
                Status::Memory,
                "ran out of memory under the memory limit".to_owned(),
            ),
            Some(_) if signal == Some(11) && tail.contains("overflowed its stack") => {
                (Status::Crashed, "stack overflow".to_owned())
            }
            Some(_) if signal.is_some() => (
                Status::Crashed,
                format!("killed by signal {}", signal.unwrap_or(0)),
            ),
            Some(s) if s.success() => (
                Status::Crashed,
                "exited before reporting every property".to_owned(),
            ),
            Some(s) => (
                Status::Crashed,
                format!(
                    "exited with code {} before reporting every property",
                    s.code().unwrap_or(-1)
                ),
            ),
            None => (
                Status::Crashed,
                "ended in a way the OS did not report".to_owned(),
            ),
        };
        Self { status, reason }
    }
}

/// A process that died of an abort (SIGABRT; SIGSEGV when the runner is a PID
/// namespace's init, which cannot be killed by a signal it raises itself) right after
/// printing Rust's or C++'s allocation-failure message as its last words. Printing that
/// line and then crashing is indistinguishable, and fails all the same.
fn out_of_memory(tail: &str, signal: Option<i32>) -> bool {
    if !matches!(signal, Some(6 | 11)) {
        return false;
    }
    let mut last = tail
        .lines()
        .rev()
        .filter(|l| !l.trim().is_empty())
        // Rust's allocation-failure hook ends with this note when no backtrace is asked for.
        .skip_while(|l| l.starts_with("note: run with `RUST_BACKTRACE=1`"))
        .take(3)
        .peekable();
    let rust = last.peek().is_some_and(|l| {
        l.starts_with("memory allocation of ") && l.trim_end().ends_with("failed")
    });
    rust || last.any(|l| l.contains("std::bad_alloc"))
}

/// One verdict per requested property: its record when a well-formed one arrived, the
/// child's ending otherwise.
fn verdicts(request: &Request, records: Records, ending: &Ending) -> Vec<Verdict> {
    let mut reported: BTreeMap<String, Verdict> = BTreeMap::new();
    let broken = match records {
        Ok((messages, _done)) => {
            let mut duplicate = None;
            for message in messages {
                if let Message::Result {
                    property,
                    outcome,
                    message,
                    counterexample,
                } = message
                {
                    if !request.properties.contains(&property) {
                        continue;
                    }
                    let status = match outcome {
                        Outcome::Pass => Status::Pass,
                        Outcome::Fail => Status::Fail,
                        Outcome::NotImplemented => Status::NotImplemented,
                        Outcome::Memory => Status::Memory,
                    };
                    let verdict = Verdict {
                        property: property.clone(),
                        status,
                        message,
                        counterexample,
                    };
                    if reported.insert(property.clone(), verdict).is_some() {
                        duplicate = Some(property);
                    }
                }
            }
            duplicate.map(|p| format!("the runner reported {p} twice"))
        }
        Err(why) => Some(why),
    };
    if let Some(why) = broken {
        // A broken conversation discredits every record in it.
        return request
            .properties
            .iter()
            .map(|p| Verdict {
                property: p.clone(),
                status: Status::Crashed,
                message: Some(why.clone()),
                counterexample: None,
            })
            .collect();
    }
    request
        .properties
        .iter()
        .map(|p| {
            reported.remove(p).unwrap_or_else(|| Verdict {
                property: p.clone(),
                status: ending.status,
                message: Some(ending.reason.clone()),
                counterexample: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(properties: &[String]) -> Request<'_> {
        Request {
            exercise: "dataloader",
            implementation: "candidate",
            properties,
            seed: 1,
            cases: 1,
            limits: Limits::default(),
            wall_clock: Duration::from_secs(1),
        }
    }

    fn ids() -> Vec<String> {
        vec!["t/a".into(), "t/b".into()]
    }

    fn hello(protocol: u32) -> String {
        Message::Hello {
            protocol,
            exercise: "dataloader".into(),
            implementation: "candidate".into(),
            sandbox: vec![],
        }
        .to_line()
    }

    fn result(property: &str, outcome: Outcome) -> String {
        Message::Result {
            property: property.into(),
            outcome,
            message: None,
            counterexample: None,
        }
        .to_line()
    }

    fn judge(stream: &str, ending: Status) -> Vec<Status> {
        let ids = ids();
        let ending = Ending {
            status: ending,
            reason: "ended".into(),
        };
        verdicts(&request(&ids), read_protocol(stream.as_bytes()), &ending)
            .into_iter()
            .map(|v| v.status)
            .collect()
    }

    #[test]
    fn reported_properties_keep_their_outcome_and_missing_ones_get_the_ending() {
        let stream = hello(PROTOCOL_VERSION) + &result("t/a", Outcome::Pass);
        assert_eq!(
            judge(&stream, Status::Timeout),
            [Status::Pass, Status::Timeout]
        );
    }

    #[test]
    fn a_complete_conversation_is_taken_as_is() {
        let stream = hello(PROTOCOL_VERSION)
            + &result("t/a", Outcome::NotImplemented)
            + &result("t/b", Outcome::Fail)
            + &Message::Done {}.to_line();
        assert_eq!(
            judge(&stream, Status::Crashed),
            [Status::NotImplemented, Status::Fail]
        );
    }

    #[test]
    fn a_broken_conversation_discredits_every_record() {
        let duplicate =
            hello(PROTOCOL_VERSION) + &result("t/a", Outcome::Pass) + &result("t/a", Outcome::Pass);
        let garbage = hello(PROTOCOL_VERSION) + &result("t/a", Outcome::Pass) + "PASSED t/b\n";
        let no_hello = result("t/a", Outcome::Pass);
        let old_protocol = hello(PROTOCOL_VERSION + 1) + &result("t/a", Outcome::Pass);
        let after_done =
            hello(PROTOCOL_VERSION) + &Message::Done {}.to_line() + &result("t/a", Outcome::Pass);
        for stream in [duplicate, garbage, no_hello, old_protocol, after_done] {
            assert_eq!(
                judge(&stream, Status::Pass),
                [Status::Crashed, Status::Crashed],
                "{stream}"
            );
        }
    }

    fn ending(exit: ExitStatus, tail: &str) -> Status {
        Ending::classify(false, Some(exit), tail, Duration::from_secs(1)).status
    }

    #[test]
    fn the_supervisors_exit_code_carries_the_runners_ending() {
        use std::os::unix::process::ExitStatusExt;
        let code = |c: i32| ExitStatus::from_raw(c << 8);
        let oom = "lots of output\nmemory allocation of 268435456 bytes failed\n\
                   note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        assert_eq!(ending(code(EXIT_CPU_LIMIT), ""), Status::Timeout);
        assert_eq!(ending(code(EXIT_SIGNAL_BASE + 6), oom), Status::Memory);
        assert_eq!(ending(code(EXIT_SIGNAL_BASE + 11), oom), Status::Memory);
        assert_eq!(ending(ExitStatus::from_raw(6), oom), Status::Memory);
        assert_eq!(
            ending(
                code(EXIT_SIGNAL_BASE + 11),
                "thread 'x' has overflowed its stack\n"
            ),
            Status::Crashed
        );
        assert_eq!(ending(code(0), ""), Status::Crashed);
    }

    #[test]
    fn memory_is_read_from_the_last_words_only() {
        use std::os::unix::process::ExitStatusExt;
        let abort = ExitStatus::from_raw((EXIT_SIGNAL_BASE + 6) << 8);
        // The message early on, then a plain crash: not memory.
        let early = "memory allocation of 8 bytes failed\nthen a panic inside a panic\naborting\n";
        assert_eq!(ending(abort, early), Status::Crashed);
        // The message as the last words of a clean exit: not memory either.
        let exited = ExitStatus::from_raw(1 << 8);
        assert_eq!(
            ending(exited, "memory allocation of 8 bytes failed\n"),
            Status::Crashed
        );
    }
}
