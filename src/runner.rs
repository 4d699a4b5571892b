//! The CLI's side of the boundary: builds the call server executables, and judges an
//! implementation by starting one under limits ([`crate::judge`]). Every status comes from
//! what the judge observes; nothing the server writes is a verdict.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use wait_timeout::ChildExt;

use crate::feedback::Activity;
use crate::judge::session::{Launch, Session};
use crate::judge::timing::Comparison;
use crate::judge::{self, Server};
use crate::sandbox::Limits;

pub use crate::verdict::{Status, Verdict};

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
    /// What the properties recorded of what they measured, for the report to draw.
    pub figures: Vec<mldrill_pack::Figure>,
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
    #[error(
        "LIBTORCH={0} has no lib/libtorch_cpu.so; point LIBTORCH at a libtorch folder, or unset it and run `make setup`"
    )]
    BadLibtorch(PathBuf),
    #[error("failed to start the runner {path}: {why}")]
    Spawn { path: PathBuf, why: String },
}

/// One request to the judge.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub exercise: &'a str,
    /// `candidate` for a candidate's runner; `reference` or `mutant:<Flaw>` for the
    /// references' runner.
    pub implementation: &'a str,
    pub properties: &'a [String],
    pub seed: u64,
    pub cases: u32,
    pub limits: Limits,
    /// The most one property may take.
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

pub use crate::judge::session::OUTPUT_CAP;

/// The supervisor's package and executable: it starts every runner (see its crate).
const SUPERVISOR: &str = "mldrill-supervisor";

/// A built runner executable, the supervisor that starts it, and the call server kept
/// running between requests.
pub struct Runner {
    pub executable: PathBuf,
    pub supervisor: PathBuf,
    server: Server,
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
    /// `mldrill-runner-reference`: every exercise's reference and mutants, no candidate
    /// crate (trusted code, served the same way so that it is judged the same way).
    References,
}

impl Binary {
    pub fn name(&self) -> String {
        match self {
            Binary::Candidate(id) => format!("mldrill-runner-{id}"),
            Binary::References => "mldrill-runner-reference".to_owned(),
        }
    }

    /// Cargo's arguments that select it, with the supervisor it runs under. A candidate's
    /// runner is its pack's own package (`exercises/<id>/runner`), which links the candidate
    /// crate and nothing of the judge.
    fn cargo_args(&self) -> Vec<String> {
        let name = self.name();
        let package = match self {
            Binary::Candidate(_) => name.clone(),
            Binary::References => "mldrill".to_owned(),
        };
        vec![
            "--package".to_owned(),
            package,
            "--bin".to_owned(),
            name,
            "--package".to_owned(),
            SUPERVISOR.to_owned(),
            "--bin".to_owned(),
            SUPERVISOR.to_owned(),
        ]
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

/// The target folder of the checkout at `home`: `CARGO_TARGET_DIR`, else `home/target`.
pub fn checkout_target(home: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| home.join("target"), PathBuf::from)
}

/// A cargo command for a build in or beside the checkout at `home`: `CARGO_TARGET_DIR` set
/// to its target folder, and `LIBTORCH` (unless the user set one) exactly as the checkout's
/// `.cargo/config.toml` spells it, so that libtorch's crates are not compiled again.
pub fn cargo_for_checkout(home: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.env("CARGO_TARGET_DIR", checkout_target(home));
    if std::env::var_os("LIBTORCH").is_none() {
        command.env("LIBTORCH", home.join(".libtorch"));
    }
    command
}

/// Starts a new target folder from the compiled registry crates of the checkout's own
/// release build, when there is one (`make build`): see [`crate::warm_start`]. A warm start
/// that fails only costs time, so its error is dropped and the build starts cold.
fn warm_start(home: &Path, workspace: &Path, target_dir: &Path) {
    let home_target = checkout_target(home);
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
        if let Some(libtorch) = std::env::var_os("LIBTORCH").map(PathBuf::from) {
            if !libtorch.join("lib").join("libtorch_cpu.so").is_file() {
                return Err(RunnerError::BadLibtorch(libtorch));
            }
        } else {
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
        // The spinner shows only when cargo compiles something: a build with nothing to
        // do (the usual check after an edit) says nothing.
        let log = thread::spawn(move || {
            let mut log = String::new();
            let mut activity: Option<Activity> = None;
            let mut reader = BufReader::new(stderr);
            let mut line = String::new();
            loop {
                line.clear();
                // Lines are capped as they are read, and so is the log: a flood of compiler
                // errors cannot grow this process.
                match std::io::Read::take(&mut reader, 64 * 1024).read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let trimmed = line.trim();
                if trimmed.starts_with("Compiling") {
                    activity
                        .get_or_insert_with(|| {
                            Activity::start(
                                quiet,
                                "building the runner (a first build takes a few minutes)",
                            )
                        })
                        .detail(trimmed);
                    continue;
                }
                if trimmed.starts_with("Finished") {
                    continue;
                }
                if log.len() < OUTPUT_CAP {
                    log.push_str(&line);
                }
            }
            if let Some(activity) = activity {
                activity.finish();
            }
            if log.len() > OUTPUT_CAP {
                let mut cut = OUTPUT_CAP;
                while !log.is_char_boundary(cut) {
                    cut -= 1;
                }
                log.truncate(cut);
                log.push_str("\n[... more compiler output dropped ...]\n");
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
            let _ = log.join();
            return Ok(Build::Failed(format!(
                "the build did not finish within {} s",
                plan.time_limit.as_secs()
            )));
        };
        let log = log.join().unwrap_or_default();
        if !status.success() {
            return Ok(Build::Failed(log));
        }
        let target = plan
            .target_dir
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
            .unwrap_or_else(|| workspace.join("target"));
        Ok(Build::Ready(Runner {
            executable: target.join("release").join(plan.binary.name()),
            supervisor: target.join("release").join(SUPERVISOR),
            server: Server::default(),
        }))
    }

    /// Judges the requested properties against this runner's implementation and returns
    /// a verdict for each, in request order. Fails only when no runner could be started.
    pub fn run(&self, request: &Request) -> Result<Run, RunnerError> {
        let exercise = self.exercise(request.exercise)?;
        let launch = self.launch(
            &self.executable,
            request.exercise,
            request.implementation,
            request.limits,
        );
        let judged = judge::judge(
            exercise,
            &self.server,
            &launch,
            request.properties,
            request.seed,
            request.cases,
            request.wall_clock,
        )
        .map_err(|why| RunnerError::Spawn {
            path: self.executable.clone(),
            why,
        })?;
        Ok(Run {
            verdicts: judged.verdicts,
            output: judged.output,
            sandbox: judged.sandbox,
            figures: judged.figures,
        })
    }

    fn exercise(&self, id: &str) -> Result<&'static dyn crate::exercises::Pack, RunnerError> {
        crate::exercises::find(id).ok_or_else(|| RunnerError::Spawn {
            path: self.executable.clone(),
            why: format!("this build knows no exercise {id}"),
        })
    }

    fn launch<'a>(
        &'a self,
        executable: &'a Path,
        exercise: &'a str,
        implementation: &str,
        limits: Limits,
    ) -> Launch<'a> {
        let args = if executable.file_name() == Some(Binary::References.name().as_ref()) {
            vec![
                "--exercise".to_owned(),
                exercise.to_owned(),
                "--implementation".to_owned(),
                implementation.to_owned(),
            ]
        } else {
            Vec::new()
        };
        Launch {
            supervisor: &self.supervisor,
            executable,
            args,
            limits,
            exercise,
        }
    }

    /// The references' runner beside this one: the other side of a benchmark.
    fn reference_executable(&self) -> Result<PathBuf, RunnerError> {
        let path = self.executable.with_file_name(Binary::References.name());
        if path.is_file() {
            Ok(path)
        } else {
            Err(RunnerError::Harness(format!(
                "{} is missing; build it with `make build`",
                path.display()
            )))
        }
    }

    /// Times this runner's `implementation` (`candidate`, or for the references' runner
    /// `reference` or `mutant:<Flaw>`) against the reference on `bench`, on inputs derived
    /// from `seed`, both as call servers under `limits`, by the judge's clock.
    pub fn bench(
        &self,
        exercise: &str,
        implementation: &str,
        bench: &str,
        seed: u64,
        limits: &Limits,
        wall_clock: Duration,
    ) -> Result<BenchOutcome, RunnerError> {
        let judged = self.exercise(exercise)?;
        let Some(work) = judged.bench(bench, seed) else {
            return Ok(BenchOutcome::Failed(format!(
                "exercise {exercise} has no benchmark '{bench}'"
            )));
        };
        let reference_exe = self.reference_executable()?;
        let start = |exe: &Path, implementation: &str| {
            Session::start(&self.launch(exe, exercise, implementation, *limits)).map_err(|why| {
                RunnerError::Spawn {
                    path: exe.to_owned(),
                    why,
                }
            })
        };
        let candidate = start(&self.executable, implementation)?;
        let reference = start(&reference_exe, "reference")?;
        candidate.set_limit(wall_clock);
        reference.set_limit(wall_clock);
        Ok(
            match judge::quietly(|| crate::judge::timing::compare(&candidate, &reference, &work)) {
                Ok(comparison) => BenchOutcome::Measured(comparison),
                Err(why) => BenchOutcome::Failed(why),
            },
        )
    }
}

/// What timing the candidate against the reference came to.
#[derive(Debug, Clone, PartialEq)]
pub enum BenchOutcome {
    Measured(Comparison),
    Failed(String),
}
