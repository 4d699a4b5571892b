//! The runner's side of the boundary: what a `mldrill-runner-*` executable does between
//! its first line and its exit. It limits itself, moves stdout out of the candidate's
//! reach, runs the requested properties and reports each over the protocol pipe. The CLI
//! starts it through `mldrill-supervisor`, which adds the limits only a parent can set.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use crate::protocol::{Message, Outcome, PROTOCOL_VERSION};
use crate::sandbox::{self, Limits};
use crate::suite::Failure;

/// One exercise's suite with its implementations bound: what the runner binary links.
pub trait BoundSuite {
    /// The exercise id.
    fn exercise(&self) -> &'static str;
    /// Every property id, in task order.
    fn property_ids(&self) -> Vec<&'static str>;
    /// Runs one property against one implementation (`candidate`, `reference` or
    /// `mutant:<name>`); `None` when either is unknown.
    fn run(
        &self,
        implementation: &str,
        property: &str,
        seed: u64,
        cases: u32,
    ) -> Option<Result<(), Failure>>;

    /// Loads what the requested properties need from disk (or builds and caches it),
    /// before the sandbox takes the filesystem away. Runs our code only: no candidate
    /// code has run yet.
    fn prepare(&self, properties: &[String], seed: u64, data_cache: Option<&Path>) {
        let _ = (properties, seed, data_cache);
    }

    /// Benchmark `bench` for `implementation` (`candidate` or `reference`), on several
    /// inputs derived from `seed` and built once; `None` when the exercise has no such
    /// benchmark.
    fn workload<'a>(
        &'a self,
        bench: &str,
        implementation: &str,
        seed: u64,
    ) -> Option<crate::timing::Workload<'a>> {
        let _ = (bench, implementation, seed);
        None
    }
}

/// Whether a runner executable links the candidate crates of its suites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Candidates {
    /// The exercise's runner: the candidate crate is linked in.
    Linked,
    /// The references-only runner: it builds even when a candidate does not compile, and
    /// refuses to run `candidate`.
    Absent,
}

/// The runner's command line; only the CLI calls it.
#[derive(Debug, Parser)]
#[command(
    name = "mldrill-runner",
    about = "Runs property suites for mldrill; started by `mldrill`, not by hand"
)]
struct RunnerArgs {
    #[arg(long)]
    exercise: String,
    #[arg(long, default_value = "candidate")]
    implementation: String,
    /// Property ids to run; all of the exercise's when none is given.
    #[arg(long = "property")]
    properties: Vec<String>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, default_value_t = 256)]
    cases: u32,
    #[arg(long, default_value_t = Limits::default().memory_mib)]
    memory_mib: u64,
    #[arg(long, default_value_t = Limits::default().address_space_mib)]
    address_space_mib: u64,
    #[arg(long, default_value_t = Limits::default().cpu_seconds)]
    cpu_seconds: u64,
    /// Time the candidate against the reference on this benchmark instead of running
    /// properties.
    #[arg(long)]
    bench: Option<String>,
    /// Where exercises cache generated data (a trained model's activations), read and
    /// written before the sandbox is applied.
    #[arg(long)]
    data_cache: Option<PathBuf>,
    /// Print the exercise's property ids, one a line, and exit.
    #[arg(long)]
    list: bool,
    /// Set by the supervisor: read what it applied on stdin, to the end, first.
    #[arg(long, hide = true)]
    supervised: bool,
}

/// The runner's `main`: exit code 0 when every requested property was reported (whatever
/// its outcome), 2 when the request itself was wrong.
pub fn main(suites: &[&dyn BoundSuite], candidates: Candidates) -> ExitCode {
    let args = RunnerArgs::parse();
    let Some(suite) = suites.iter().find(|s| s.exercise() == args.exercise) else {
        eprintln!("mldrill-runner: unknown exercise '{}'", args.exercise);
        return ExitCode::from(2);
    };
    if args.list {
        suite.property_ids().iter().for_each(|id| println!("{id}"));
        return ExitCode::SUCCESS;
    }
    if candidates == Candidates::Absent
        && (args.implementation == "candidate" || args.bench.is_some())
    {
        eprintln!(
            "mldrill-runner: this runner links no candidate; use mldrill-runner-{}",
            args.exercise
        );
        return ExitCode::from(2);
    }
    let limits = Limits {
        memory_mib: args.memory_mib,
        address_space_mib: args.address_space_mib,
        cpu_seconds: args.cpu_seconds,
        ..Limits::default()
    };
    run(&args, *suite, &limits)
}

/// Everything that runs candidate code.
fn run(args: &RunnerArgs, suite: &dyn BoundSuite, limits: &Limits) -> ExitCode {
    let _ = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    // What the supervisor applied from outside; it closes the pipe when done.
    let mut from_supervisor = String::new();
    if args.supervised {
        let _ = std::io::stdin()
            .take(64 * 1024)
            .read_to_string(&mut from_supervisor);
    }
    let mut channel = match protocol_channel() {
        Ok(file) => file,
        Err(e) => {
            eprintln!("mldrill-runner: failed to set up the protocol pipe: {e}");
            return ExitCode::from(2);
        }
    };
    let properties: Vec<String> = if args.properties.is_empty() {
        suite
            .property_ids()
            .into_iter()
            .map(str::to_owned)
            .collect()
    } else {
        args.properties.clone()
    };
    if args.bench.is_none() {
        suite.prepare(&properties, args.seed, args.data_cache.as_deref());
    }
    let mut applied = sandbox::apply(limits);
    applied.extend(from_supervisor.lines().map(str::to_owned));
    // One intra-op thread: results that sum floats do not depend on the machine's cores,
    // parallel grades do not oversubscribe the cores (libtorch sizes its pool by the
    // host's cores, not the container's), and the benchmark times the candidate and the
    // reference on equal terms.
    tch::set_num_threads(1);
    applied.push("libtorch threads 1".to_owned());
    // Panics are reported as failures; the default hook would only flood stderr.
    std::panic::set_hook(Box::new(|_| {}));

    let mut send = |message: Message| {
        channel
            .write_all(message.to_line().as_bytes())
            .and_then(|()| channel.flush())
    };
    let hello = Message::Hello {
        protocol: PROTOCOL_VERSION,
        exercise: args.exercise.clone(),
        implementation: args.implementation.clone(),
        sandbox: applied,
    };
    if send(hello).is_err() {
        return ExitCode::from(2);
    }
    if let Some(bench) = &args.bench {
        let message = measure(suite, bench, args.seed);
        return match send(message).and_then(|()| send(Message::Done {})) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(2),
        };
    }
    for property in &properties {
        let Some(result) = suite.run(&args.implementation, property, args.seed, args.cases) else {
            eprintln!(
                "mldrill-runner: unknown implementation '{}' or property '{property}'",
                args.implementation
            );
            return ExitCode::from(2);
        };
        let (outcome, message, counterexample) = match result {
            Ok(()) => (Outcome::Pass, None, None),
            Err(f) if f.is_not_implemented() => {
                (Outcome::NotImplemented, Some(f.reason), f.counterexample)
            }
            Err(f) if is_allocation_failure(&f.reason) => {
                (Outcome::Memory, Some(f.reason), f.counterexample)
            }
            Err(f) => (Outcome::Fail, Some(f.reason), f.counterexample),
        };
        let record = Message::Result {
            property: property.clone(),
            outcome,
            message,
            counterexample,
        };
        if send(record).is_err() {
            return ExitCode::from(2);
        }
    }
    match send(Message::Done {}) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(2),
    }
}

/// A failure that is libtorch's allocator (or C++'s) refusing memory under the limit:
/// tch turns it into an error, which the property reports as a panic or a failure.
fn is_allocation_failure(reason: &str) -> bool {
    reason.contains("DefaultCPUAllocator: can't allocate memory")
        || reason.contains("std::bad_alloc")
}

fn measure(suite: &dyn BoundSuite, bench: &str, seed: u64) -> Message {
    let outcome = match (
        suite.workload(bench, "candidate", seed),
        suite.workload(bench, "reference", seed),
    ) {
        (Some(mut candidate), Some(mut reference)) => {
            crate::timing::compare(&mut candidate, &mut reference)
        }
        _ => Err(format!(
            "exercise {} has no benchmark '{bench}'",
            suite.exercise()
        )),
    };
    match outcome {
        Ok(c) => Message::Bench {
            bench: bench.to_owned(),
            ratio: Some(c.ratio),
            candidate_ns: Some(c.candidate_ns),
            reference_ns: Some(c.reference_ns),
            error: None,
        },
        Err(error) => Message::Bench {
            bench: bench.to_owned(),
            ratio: None,
            candidate_ns: None,
            reference_ns: None,
            error: Some(error),
        },
    }
}

/// Takes the pipe the CLI reads (our stdout) for the protocol alone, and points stdout at
/// stderr, so that anything candidate code prints lands in the captured, capped output
/// and never looks like a record.
fn protocol_channel() -> std::io::Result<File> {
    let stdout = std::io::stdout();
    let _lock = stdout.lock();
    // Close-on-exec: a process candidate code starts never holds the protocol pipe.
    let channel = rustix::io::fcntl_dupfd_cloexec(&stdout, 3)?;
    rustix::stdio::dup2_stdout(std::io::stderr())?;
    Ok(File::from(channel))
}
