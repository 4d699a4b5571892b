//! The CLI's side of the boundary: builds the runner executable, starts it as a child
//! process under limits, and turns what arrives on the protocol pipe into one verdict
//! per expected property. Nothing the child says is trusted beyond its well-formed
//! records; everything missing gets the status of how the child ended.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;
use wait_timeout::ChildExt;

use crate::feedback::Activity;
use crate::protocol::{Message, Outcome, PROTOCOL_VERSION};
use crate::sandbox::Limits;

/// How one property ended, as the CLI decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub property: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<String>,
}

/// What one runner process came to.
#[derive(Debug, Clone)]
pub struct Run {
    /// One per requested property, in request order.
    pub verdicts: Vec<Verdict>,
    /// What the process printed (candidate output included), capped at [`OUTPUT_CAP`].
    pub output: String,
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

/// Most bytes of the runner's own output (what candidate code prints) kept for reports.
pub const OUTPUT_CAP: usize = 64 * 1024;
/// Most bytes accepted on the protocol pipe before the runner is stopped as broken.
const PROTOCOL_CAP: usize = 8 * 1024 * 1024;

/// The built runner and the workspace it was built from.
#[derive(Debug, Clone)]
pub struct Runner {
    pub executable: PathBuf,
}

/// What `cargo build` of the runner came to.
pub enum Build {
    Ready(Runner),
    /// The candidate's code (or the workspace) did not compile; cargo's own output.
    Failed(String),
}

/// Where and how to build the runner.
#[derive(Debug, Clone)]
pub struct BuildPlan<'a> {
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
    pub quiet: bool,
}

impl Runner {
    /// Builds `mldrill-runner` in release mode, with cargo's progress on stderr and the
    /// compiler's errors kept for the report.
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
        }
        command
            .current_dir(workspace)
            .args([
                "build",
                "--release",
                "--package",
                "mldrill-runner",
                "--color",
                "never",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if quiet {
            command.arg("--quiet");
        }
        // Its own process group, so that a build stopped at the limit takes rustc with it.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().map_err(RunnerError::CargoMissing)?;
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
            executable: target.join("release").join("mldrill-runner"),
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
        Ok(Run {
            verdicts: verdicts(request, records, &ending),
            output,
        })
    }

    /// Times the candidate against the reference on `bench`, in one runner under the
    /// same limits as the properties.
    pub fn bench(
        &self,
        exercise: &str,
        bench: &str,
        limits: &Limits,
        wall_clock: Duration,
    ) -> Result<BenchOutcome, RunnerError> {
        let args = ["--bench".to_owned(), bench.to_owned()];
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

    /// Starts the runner for `exercise` with `args` under `limits`, and collects what it
    /// reported, how it ended and what it printed.
    fn converse(
        &self,
        exercise: &str,
        args: &[String],
        limits: &Limits,
        wall_clock: Duration,
    ) -> Result<(Records, Ending, String), RunnerError> {
        let mut command = Command::new(&self.executable);
        command
            .args(["--exercise", exercise])
            .args(args)
            .args(["--memory-mib", &limits.memory_mib.to_string()])
            .args(["--address-space-mib", &limits.address_space_mib.to_string()])
            .args(["--cpu-seconds", &limits.cpu_seconds.to_string()])
            .arg("--data-cache")
            .arg(crate::backdoor::cache::default_dir())
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = command.spawn().map_err(|source| RunnerError::Spawn {
            path: self.executable.clone(),
            source,
        })?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let records = thread::spawn(move || read_protocol(stdout));
        let output = thread::spawn(move || read_capped(stderr, OUTPUT_CAP));

        let ended = child.wait_timeout(wall_clock).ok().flatten();
        let timed_out = ended.is_none();
        if timed_out {
            let _ = child.kill();
        }
        let status = ended.or_else(|| child.wait().ok());
        let records = records
            .join()
            .unwrap_or_else(|_| Err("protocol reader panicked".into()));
        let output = output.join().unwrap_or_default();
        let ending = Ending::classify(timed_out, status, &output, started.elapsed());
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

/// Reads `reader` to the end, keeping the first `cap` bytes.
fn read_capped(reader: impl Read, cap: usize) -> String {
    let mut kept = Vec::new();
    let mut total = 0usize;
    let mut reader = BufReader::new(reader);
    let mut buf = [0u8; 8192];
    while let Ok(n) = reader.read(&mut buf) {
        if n == 0 {
            break;
        }
        total += n;
        let room = cap.saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
    let mut text = String::from_utf8_lossy(&kept).into_owned();
    if total > cap {
        text.push_str(&format!(
            "\n[... {} more bytes of output dropped]",
            total - cap
        ));
    }
    text
}

/// The protocol's records, or why the stream was not a well-formed conversation.
type Records = Result<(Vec<Message>, bool), String>;

fn read_protocol(stdout: impl Read) -> Records {
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
    fn classify(
        timed_out: bool,
        exit: Option<ExitStatus>,
        output: &str,
        elapsed: Duration,
    ) -> Self {
        use std::os::unix::process::ExitStatusExt;
        let out_of_memory =
            output.contains("memory allocation of") || output.contains("std::bad_alloc");
        let (status, reason) = match exit {
            _ if timed_out => (
                Status::Timeout,
                format!(
                    "stopped after the wall-clock limit of {:.0} s",
                    elapsed.as_secs_f64()
                ),
            ),
            Some(s) if s.signal() == Some(24) => {
                (Status::Timeout, "stopped at the CPU-time limit".to_owned())
            }
            Some(_) if out_of_memory => (
                Status::Memory,
                "ran out of memory under the memory limit".to_owned(),
            ),
            Some(s) if s.signal() == Some(11) && output.contains("overflowed its stack") => {
                (Status::Crashed, "stack overflow".to_owned())
            }
            Some(s) if s.signal().is_some() => (
                Status::Crashed,
                format!("killed by signal {}", s.signal().unwrap_or(0)),
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

    #[test]
    fn output_beyond_the_cap_is_dropped_and_counted() {
        let text = read_capped("x".repeat(100).as_bytes(), 10);
        assert!(text.starts_with("xxxxxxxxxx\n[... 90 more bytes"), "{text}");
    }
}
