//! `mldrill dev check [<id>]`: proves a pack before anyone uses it. Each check is one line
//! with its result: the manifest and the statement; the tasks against the pack's
//! properties and mutants; the statement's claims; the interviewer's guide; the reference
//! over many seeds; every mutant caught by its own task; the untouched stub; the benchmark
//! timed against itself; the exported screen. Properties run exactly as in grading: in the
//! judge, against call servers (the references' runner for the reference and the mutants,
//! the candidate's runner for the stub).

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use mldrill_pack::Pack;

use crate::catalog::Exercise;
use crate::grade::TaskResult;
use crate::runner::{BenchOutcome, Binary, Build, BuildPlan, Request, Runner};
use crate::sandbox::Limits;
use crate::verdict::Status;

/// How thoroughly to check.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seeds the reference must pass every property on: 0 to `seeds - 1`.
    pub seeds: u32,
    /// Generated cases per property and seed.
    pub cases: u32,
    pub wall_clock: Duration,
    pub limits: Limits,
    /// Export a screen with the pack and build it.
    pub screen: bool,
    pub quiet: bool,
}

/// What one check came to: a short account either way.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pass(String),
    Fail(String),
}

/// One check of a pack.
#[derive(Debug, Clone)]
pub struct Line {
    pub check: &'static str,
    pub outcome: Outcome,
}

impl Line {
    fn new(check: &'static str, outcome: Outcome) -> Self {
        Self { check, outcome }
    }

    pub fn passed(&self) -> bool {
        matches!(self.outcome, Outcome::Pass(_))
    }
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (mark, text) = match &self.outcome {
            Outcome::Pass(text) => ("ok  ", text),
            Outcome::Fail(text) => ("FAIL", text),
        };
        write!(f, "  {mark}  {:<10}  {text}", self.check)
    }
}

/// Runs every check of `pack` in the checkout at `root`, handing each line to `report`
/// as soon as it is known. Only an environment problem (cargo missing, libtorch not set
/// up, a harness that does not build) is an `Err`.
pub fn check(
    root: &Path,
    pack: &dyn Pack,
    options: &Options,
    report: &mut dyn FnMut(&Line),
) -> Result<Vec<Line>> {
    let mut lines = Vec::new();
    let mut say = |line: Line| {
        report(&line);
        lines.push(line);
    };
    let dir = root.join("exercises").join(pack.id());
    let exercise = match Exercise::load(&dir) {
        Ok(exercise) => exercise,
        Err(e) => {
            say(Line::new("manifest", Outcome::Fail(e.to_string())));
            return Ok(lines);
        }
    };
    let statement = fs::read_to_string(exercise.statement_path()).unwrap_or_default();
    say(Line::new("manifest", manifest(&exercise, &statement)));
    say(Line::new("tasks", tasks(pack, &exercise)));
    say(Line::new("claims", claims(pack, &statement)));
    say(Line::new("guide", guide(&exercise)));

    let references = build(root, Binary::References, options.quiet)?;
    let references = match references {
        Ok(runner) => runner,
        Err(log) => {
            let why = format!("the references' runner did not build:\n{log}");
            say(Line::new("reference", Outcome::Fail(why)));
            return Ok(lines);
        }
    };
    say(Line::new(
        "reference",
        reference(&references, &exercise, options)?,
    ));
    say(Line::new(
        "mutants",
        mutants(&references, pack, &exercise, options)?,
    ));
    say(Line::new("stub", stub(root, &exercise, options)?));
    say(Line::new(
        "benchmark",
        benchmark(&references, &exercise, options)?,
    ));
    if options.screen {
        say(Line::new("screen", screen(root, &exercise)));
    }
    Ok(lines)
}

/// The runner `binary` of the checkout at `root`: `Ok(Err(log))` when it did not build.
fn build(root: &Path, binary: Binary, quiet: bool) -> Result<Result<Runner, String>> {
    let plan = BuildPlan {
        binary,
        workspace: root,
        home: root,
        target_dir: None,
        time_limit: crate::runner::BUILD_TIME_LIMIT,
        memory_mib: None,
        quiet,
    };
    Ok(match Runner::build(&plan)? {
        Build::Ready(runner) => Ok(runner),
        Build::Failed(log) => Err(log),
    })
}

/// The statement names every task with its points, and says that speed needs the timed
/// task; the tasks total 100.
fn manifest(exercise: &Exercise, statement: &str) -> Outcome {
    if statement.trim().is_empty() {
        return Outcome::Fail(format!(
            "{} is missing or empty: write the statement",
            exercise.statement_path().display()
        ));
    }
    let total: u32 = exercise.tasks.iter().map(|t| t.points).sum();
    if total != 100 {
        return Outcome::Fail(format!(
            "the tasks' points total {total}; make them total 100"
        ));
    }
    if let Some(task) = exercise.tasks.iter().find(|t| t.points == 0) {
        return Outcome::Fail(format!("task {} earns no points", task.id));
    }
    let listed: Vec<String> = exercise
        .tasks
        .iter()
        .map(|t| format!("`{}` ({})", t.id, t.points))
        .collect();
    let line = format!(
        "Tasks: {}, plus {} for performance.",
        listed.join(", "),
        exercise.performance.points
    );
    let text = mldrill_pack::claim::squeezed(statement);
    if !text.contains(&line) {
        return Outcome::Fail(format!("the statement does not say \"{line}\""));
    }
    if exercise.performance.points > 0 && !text.contains("Speed points require the timed task") {
        return Outcome::Fail(
            "the statement must say \"Speed points require the timed task\" (to pass first)".into(),
        );
    }
    Outcome::Pass(format!(
        "{}, {total} points plus {} for speed; the statement lists them",
        count(exercise.tasks.len(), "task"),
        exercise.performance.points
    ))
}

/// Every task's properties are the pack's, each task has a mutant and two hints.
fn tasks(pack: &dyn Pack, exercise: &Exercise) -> Outcome {
    let ids = pack.property_ids();
    let mutants = pack.mutant_ids();
    let mut problems = Vec::new();
    for task in &exercise.tasks {
        for listed in &task.properties {
            if !ids.contains(&listed.as_str()) {
                problems.push(format!(
                    "task {} lists property {listed}, which the pack does not have",
                    task.id
                ));
            }
        }
        if task.hints.len() < 2 {
            problems.push(format!(
                "task {} has {} hint(s); give it at least two",
                task.id,
                task.hints.len()
            ));
        }
        if !mutants
            .iter()
            .any(|m| pack.mutant_tasks(m).contains(&task.id.as_str()))
        {
            problems.push(format!(
                "task {} has no mutant: add a plausible wrong implementation that its properties catch",
                task.id
            ));
        }
    }
    for id in &ids {
        if !exercise
            .tasks
            .iter()
            .any(|t| t.properties.iter().any(|p| p == id))
        {
            problems.push(format!(
                "property {id} is in the pack but in no task's list: add it to the manifest"
            ));
        }
    }
    for mutant in &mutants {
        let tasks = pack.mutant_tasks(mutant);
        if tasks.is_empty()
            || !tasks
                .iter()
                .all(|t| exercise.tasks.iter().any(|task| task.id == *t))
        {
            problems.push(format!("{mutant} belongs to no task of the manifest"));
        }
    }
    match problems.first() {
        Some(first) => Outcome::Fail(with_more(first, problems.len())),
        None => Outcome::Pass(format!(
            "{} and {} over {}",
            count(ids.len(), "property"),
            count(mutants.len(), "mutant"),
            count(exercise.tasks.len(), "task")
        )),
    }
}

/// `n thing`, or `n things` (`properties` for `property`).
fn count(n: usize, thing: &str) -> String {
    match (n, thing.strip_suffix('y')) {
        (1, _) => format!("1 {thing}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {thing}s"),
    }
}

fn with_more(first: &str, count: usize) -> String {
    match count {
        0 | 1 => first.to_owned(),
        n => format!("{first} (and {} more)", n - 1),
    }
}

/// The statement's worked examples and formulas hold of the reference.
fn claims(pack: &dyn Pack, statement: &str) -> Outcome {
    let claims = pack.claims();
    if claims.is_empty() {
        return Outcome::Fail(
            "the pack checks no claim of its statement: list each worked example and formula in \
             its claims()"
                .into(),
        );
    }
    let broken = mldrill_pack::claim::broken(statement, &claims);
    match broken.first() {
        Some(first) => Outcome::Fail(with_more(first, broken.len())),
        None => Outcome::Pass(format!(
            "{} claims of the statement hold of the reference",
            claims.len()
        )),
    }
}

/// The interviewer's guide is complete.
fn guide(exercise: &Exercise) -> Outcome {
    let guide = &exercise.guide;
    let missing: Vec<&str> = [
        ("areas", guide.areas.is_empty()),
        ("follow_ups", guide.follow_ups.is_empty()),
        ("security_pivot", guide.security_pivot.is_empty()),
        ("junior", guide.junior.trim().is_empty()),
        ("senior", guide.senior.trim().is_empty()),
    ]
    .into_iter()
    .filter_map(|(name, empty)| empty.then_some(name))
    .collect();
    if missing.is_empty() {
        Outcome::Pass(format!(
            "{}, {}, {}, junior and senior answers",
            count(guide.areas.len(), "area"),
            count(guide.follow_ups.len(), "follow-up"),
            count(guide.security_pivot.len(), "security pivot")
        ))
    } else {
        Outcome::Fail(format!(
            "the guide has no {}: fill them in [guide] of the manifest",
            missing.join(", ")
        ))
    }
}

fn every_property(exercise: &Exercise) -> Vec<String> {
    exercise
        .tasks
        .iter()
        .flat_map(|t| t.properties.iter().cloned())
        .collect()
}

fn request<'a>(
    exercise: &'a Exercise,
    implementation: &'a str,
    properties: &'a [String],
    seed: u64,
    options: &Options,
) -> Request<'a> {
    Request {
        exercise: &exercise.id,
        implementation,
        properties,
        seed,
        cases: options.cases,
        limits: options.limits,
        wall_clock: options.wall_clock,
    }
}

/// The reference passes every property on every seed.
fn reference(runner: &Runner, exercise: &Exercise, options: &Options) -> Result<Outcome> {
    let properties = every_property(exercise);
    for seed in 0..u64::from(options.seeds) {
        let run = runner.run(&request(exercise, "reference", &properties, seed, options))?;
        if let Some(failed) = run.verdicts.iter().find(|v| v.status != Status::Pass) {
            return Ok(Outcome::Fail(format!(
                "the reference does not pass {} with seed {seed} ({}): {}; replay: mldrill check {} --impl reference --seed {seed}",
                failed.property,
                failed.status.as_str(),
                failed.message.as_deref().unwrap_or("no message"),
                exercise.id
            )));
        }
    }
    Ok(Outcome::Pass(format!(
        "every property holds of the reference over {} seeds, {} cases each",
        options.seeds, options.cases
    )))
}

/// Every mutant fails a property of its own task.
fn mutants(
    runner: &Runner,
    pack: &dyn Pack,
    exercise: &Exercise,
    options: &Options,
) -> Result<Outcome> {
    let mut survivors = Vec::new();
    let mutants = pack.mutant_ids();
    for mutant in &mutants {
        // A flaw listed under several tasks must be caught by each of them.
        for task in pack
            .mutant_tasks(mutant)
            .into_iter()
            .filter_map(|t| exercise.tasks.iter().find(|task| task.id == t))
        {
            let run = runner.run(&request(exercise, mutant, &task.properties, 0, options))?;
            if run.verdicts.iter().all(|v| v.status == Status::Pass) {
                survivors.push(format!(
                    "{mutant} passes every property of its task {}",
                    task.id
                ));
            }
        }
    }
    Ok(match survivors.first() {
        Some(first) => Outcome::Fail(format!(
            "{}: a property must catch it (or the mutant is not a mistake)",
            with_more(first, survivors.len())
        )),
        None => Outcome::Pass(format!(
            "each of the {} mutants fails a property of its own task",
            mutants.len()
        )),
    })
}

/// The untouched stub builds as a candidate's code does, and every task is
/// `not_implemented`.
fn stub(root: &Path, exercise: &Exercise, options: &Options) -> Result<Outcome> {
    let stub = exercise.dir.join(".stub");
    let src = exercise.dir.join("src");
    let (stub_files, src_files) = (
        crate::stubs::read_tree(&stub).unwrap_or_default(),
        crate::stubs::read_tree(&src).unwrap_or_default(),
    );
    if stub_files.is_empty() {
        return Ok(Outcome::Fail(format!(
            "{} holds no stub: keep a pristine copy of src/ there",
            stub.display()
        )));
    }
    if stub_files != src_files {
        return Ok(Outcome::Fail(format!(
            "{} differs from {}: the stub a learner starts from must be the pristine copy \
             (restore src/ with `mldrill reset {}`, or update .stub/)",
            src.display(),
            stub.display(),
            exercise.id
        )));
    }
    let runner = match build(root, Binary::Candidate(exercise.id.clone()), options.quiet)? {
        Ok(runner) => runner,
        Err(log) => {
            return Ok(Outcome::Fail(format!(
                "the untouched stub does not build:\n{log}"
            )));
        }
    };
    let mut implemented = Vec::new();
    for task in &exercise.tasks {
        let quick = Options {
            cases: 4,
            ..options.clone()
        };
        let run = runner.run(&request(exercise, "candidate", &task.properties, 0, &quick))?;
        let result = TaskResult::new(task, run.verdicts, run.output);
        if result.status != Status::NotImplemented {
            implemented.push(format!("task {} is {}", task.id, result.status.as_str()));
        }
    }
    Ok(match implemented.first() {
        Some(first) => Outcome::Fail(format!(
            "on the untouched stub {}: every method of the stub must be a todo!()",
            with_more(first, implemented.len())
        )),
        None => Outcome::Pass(format!(
            "the untouched stub builds and every task is not_implemented ({})",
            count(exercise.tasks.len(), "task")
        )),
    })
}

/// The reference timed against itself comes out even, within the noise.
fn benchmark(runner: &Runner, exercise: &Exercise, options: &Options) -> Result<Outcome> {
    /// A reference timed against itself on a shared machine: anything further from 1
    /// means the workload, not the code, decides the time (setup inside the timed calls,
    /// a cache one side warms for the other).
    const EVEN: std::ops::RangeInclusive<f64> = 0.5..=2.0;
    let bench = &exercise.performance.bench;
    let outcome = runner.bench(
        &exercise.id,
        "reference",
        bench,
        0,
        &options.limits,
        options.wall_clock,
    )?;
    Ok(match outcome {
        BenchOutcome::Failed(why) => Outcome::Fail(format!("benchmark {bench} failed: {why}")),
        BenchOutcome::Measured(m) if EVEN.contains(&m.ratio) => Outcome::Pass(format!(
            "benchmark {bench}: the reference against itself {:.2}x (quartiles {:.2}-{:.2}, {} rounds)",
            m.ratio, m.spread.0, m.spread.1, m.rounds
        )),
        BenchOutcome::Measured(m) => Outcome::Fail(format!(
            "benchmark {bench}: the reference against itself is {:.2}x (quartiles {:.2}-{:.2}); \
             it should be near 1: keep setup out of the timed calls",
            m.ratio, m.spread.0, m.spread.1
        )),
    })
}

/// A screen with the pack exports, and its workspace builds.
fn screen(root: &Path, exercise: &Exercise) -> Outcome {
    let Ok(scratch) = tempfile::tempdir() else {
        return Outcome::Fail("could not create a scratch folder for the export".into());
    };
    let out = scratch.path().join("screen");
    let records = scratch.path().join("records");
    if let Err(e) = crate::screen::export(root, &[exercise], &out, 60, Some(0), &records) {
        return Outcome::Fail(format!("the screen does not export: {e}"));
    }
    // The checkout's target folder and libtorch, so that libtorch's crates are reused.
    let mut command = crate::runner::cargo_for_checkout(root);
    command.current_dir(&out).args([
        "build",
        "--quiet",
        "--locked",
        "--offline",
        "--package",
        "mldrill-checks",
    ]);
    match command.output() {
        Ok(done) if done.status.success() => {
            Outcome::Pass("a screen with it exports, and its workspace builds".into())
        }
        Ok(done) => {
            let mut why = String::from("the exported screen does not build: ");
            let stderr = String::from_utf8_lossy(&done.stderr);
            let _ = write!(
                why,
                "{}",
                stderr.lines().take(20).collect::<Vec<_>>().join("\n")
            );
            Outcome::Fail(why)
        }
        Err(e) => Outcome::Fail(format!("failed to start cargo: {e}")),
    }
}
