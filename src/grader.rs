//! Grading one submission: read it, check its sources against the policy, place them in a
//! warm grading slot, build the harness, then each exercise's own runner, check what the
//! compiler read, run every task of every exercise it brings, then time the benchmark
//! against the reference. Nothing the submission does stops the grade: each problem
//! becomes a status in the result, or the submission's error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, Exercise};
use crate::grade::{ExerciseResult, Performance, TaskResult};
use crate::policy::{self, Violation};
use crate::runner::{BenchOutcome, Binary, Build, BuildPlan, Request, Runner, RunnerError, Status};
use crate::sandbox::Limits;
use crate::screen::record;
use crate::similarity::{self, Fingerprints, SimilarityFlag, Template};
use crate::submission::Submission;
use crate::workspace::{Slot, Sources};

/// The version of the JSON document [`SubmissionResult`] serializes to. Version 2 added
/// the candidate's name, the fingerprints of its code and the similarity flags.
pub const SUBMISSION_SCHEMA_VERSION: u32 = 2;

/// How to grade.
#[derive(Debug, Clone)]
pub struct GradeOptions {
    /// Seed for generated inputs; the export record's seed, else 0, when not given.
    pub seed: Option<u64>,
    pub cases: u32,
    pub wall_clock: Duration,
    pub limits: Limits,
    /// Grade only these exercises (the export record's, else all the submission brings,
    /// when empty).
    pub exercises: Vec<String>,
    /// Where export records are looked up ([`record::records_dir`]).
    pub records: PathBuf,
    pub quiet: bool,
}

/// One exercise of a submission, graded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradedExercise {
    #[serde(flatten)]
    pub result: ExerciseResult,
    /// Constructs the policy rejected (or files the build read outside the exercise); the
    /// exercise is not run when there are any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy: Vec<Violation>,
}

/// A whole submission, graded: the one result model every grading report is written from.
/// It reads back from its JSON, so shards graded on different machines merge into the
/// reports of one batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionResult {
    pub schema_version: u32,
    /// Its file or folder name.
    pub submission: String,
    /// Who sent it: the `--name` mapping's entry for it, else its name without the
    /// archive extension.
    pub candidate: String,
    /// The path it was graded from, as given.
    pub path: String,
    pub seed: u64,
    /// Where the seed came from: `--seed`, `export record` or `default`.
    pub seed_source: String,
    /// The screen id its manifest names, when it names a well-formed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen_id: Option<String>,
    pub points: u32,
    pub max_points: u32,
    pub exercises: Vec<GradedExercise>,
    /// Set when the submission could not be graded at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Edits to the returned screen manifest, or why the export record was not used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What was skipped while reading it (links, escaping paths, oversized files).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
    /// From the export record, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes_allowed: Option<u32>,
    /// Minutes from the export (by the record) to the newest source edit (by the file
    /// times the submission carries, which the candidate's machine set), when both are known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes_taken: Option<u64>,
    pub graded_at: u64,
    pub grading_seconds: f64,
    /// Other submissions of the batch whose code of an exercise looks copied from this
    /// one's, or this one's from theirs ([`crate::similarity`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub similar: Vec<SimilarityFlag>,
    /// The winnowed fingerprints of its code, by exercise, the template subtracted: what
    /// similarity is computed from, kept so that shards compare when merged.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fingerprints: BTreeMap<String, Fingerprints>,
}

impl SubmissionResult {
    fn new(name: &str, path: &Path, seed: u64, seed_source: &str) -> Self {
        Self {
            schema_version: SUBMISSION_SCHEMA_VERSION,
            submission: name.to_owned(),
            candidate: candidate_name(name),
            path: path.display().to_string(),
            seed,
            seed_source: seed_source.to_owned(),
            screen_id: None,
            points: 0,
            max_points: 0,
            exercises: Vec::new(),
            error: None,
            warnings: Vec::new(),
            ignored: Vec::new(),
            minutes_allowed: None,
            minutes_taken: None,
            graded_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            grading_seconds: 0.0,
            similar: Vec::new(),
            fingerprints: BTreeMap::new(),
        }
    }

    /// A submission that could not be graded, and why.
    pub fn failed(path: &Path, seed: Option<u64>, error: String) -> Self {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let mut result = Self::new(
            &name,
            path,
            seed.unwrap_or(0),
            if seed.is_some() { "--seed" } else { "default" },
        );
        result.error = Some(error);
        result
    }

    /// True when every task of every graded exercise passed and there was something to grade.
    pub fn all_passed(&self) -> bool {
        self.error.is_none()
            && !self.exercises.is_empty()
            && self
                .exercises
                .iter()
                .all(|e| e.policy.is_empty() && e.result.all_passed())
    }
}

/// Grades the submission at `path` in `slot`, building from the checkout at `home`.
/// Only an environment problem (cargo missing, libtorch not set up, a harness that does
/// not build) is an `Err`.
pub fn grade(
    path: &Path,
    home: &Path,
    catalog: &Catalog,
    slot: &Slot,
    options: &GradeOptions,
) -> Result<SubmissionResult, RunnerError> {
    let started = Instant::now();
    let submission = match Submission::read(path) {
        Ok(submission) => submission,
        Err(e) => return Ok(SubmissionResult::failed(path, options.seed, e.to_string())),
    };
    let trusted = record::trusted(submission.manifest.as_ref(), &options.records);
    let exported = trusted.record.as_ref();
    let (seed, seed_source) = match (options.seed, exported) {
        (Some(seed), _) => (seed, "--seed"),
        (None, Some(record)) => (record.seed, "export record"),
        (None, None) => (0, "default"),
    };
    let mut result = SubmissionResult::new(&submission.name, path, seed, seed_source);
    result.ignored.clone_from(&submission.ignored);
    result.screen_id = trusted.screen_id.clone();
    result.warnings = trusted.warnings.clone();
    if let Some(record) = exported {
        result.minutes_allowed = Some(record.minutes);
        result.minutes_taken = submission
            .last_edit
            .map(|edit| edit.saturating_sub(record.exported_at) / 60);
    }
    let exercises = chosen_exercises(catalog, &submission, exported, options);
    result.fingerprints = fingerprints(&exercises, &submission);
    if !exercises
        .iter()
        .any(|e| submission.sources.contains_key(&e.id))
    {
        result.error = Some(format!(
            "no candidate sources found: expected exercises/<id>/src/*.rs for one of: {}",
            catalog
                .exercises
                .iter()
                .map(|e| e.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    // Policy first: a rejected exercise is never built, and its sources stay out of the slot.
    let mut sources = Sources::new();
    let mut rejected = Vec::new();
    let mut unchecked = Vec::new();
    for exercise in &exercises {
        let Some(files) = submission.sources.get(&exercise.id).cloned() else {
            continue; // graded below as missing
        };
        let violations: Vec<Violation> = files
            .iter()
            .flat_map(|(file, bytes)| policy::check_source(&source_path(&exercise.id, file), bytes))
            .collect();
        // A file that is not valid Rust is built all the same: the compiler's error is the
        // one to show, and if it builds after all, it is rejected then.
        let (unreadable, blocking): (Vec<_>, Vec<_>) =
            violations.into_iter().partition(|v| v.unreadable);
        if blocking.is_empty() {
            sources.insert(exercise.id.clone(), files);
            unchecked.push((exercise.id.clone(), unreadable));
        } else {
            rejected.push((exercise.id.clone(), blocking));
        }
    }
    if !sources.is_empty() {
        if let Err(e) = slot.prepare(home, &sources) {
            result.error = Some(format!(
                "failed to place its sources in the grading workspace {}: {e}",
                slot.workspace().display()
            ));
            result.grading_seconds = started.elapsed().as_secs_f64();
            return Ok(result);
        }
        build_harness(home, slot, options)?;
    }
    for exercise in &exercises {
        let graded = if !submission.sources.contains_key(&exercise.id) {
            let message = format!(
                "no sources submitted: expected exercises/{}/src/*.rs",
                exercise.id
            );
            every_task(exercise, seed, options, Status::Error, &message)
        } else if let Some((_, violations)) = rejected.iter().find(|(id, _)| id == &exercise.id) {
            let message = format!("rejected by the source policy: {}", violations[0]);
            let mut graded = every_task(exercise, seed, options, Status::Rejected, &message);
            graded.policy = violations.clone();
            graded
        } else {
            let unreadable = unchecked
                .iter()
                .find(|(id, _)| id == &exercise.id)
                .map_or(&[][..], |(_, v)| v.as_slice());
            grade_sources(home, slot, exercise, seed, options, unreadable)?
        };
        result.points += graded.result.points;
        result.max_points += graded.result.max_points;
        result.exercises.push(graded);
    }
    result.grading_seconds = started.elapsed().as_secs_f64();
    Ok(result)
}

/// A submission's name without its archive extension: `alice.tar.gz` is `alice`.
pub fn candidate_name(submission: &str) -> String {
    let lower = submission.to_lowercase();
    [".tar.gz", ".tgz", ".zip"]
        .iter()
        .find(|ext| lower.ends_with(*ext) && lower.len() > ext.len())
        .map_or_else(
            || submission.to_owned(),
            |ext| submission[..submission.len() - ext.len()].to_owned(),
        )
}

/// The fingerprints of every graded exercise the submission has sources for, each
/// exercise's stub and statement subtracted. Policy-rejected code counts too: a copy is a
/// copy whether or not it was built.
fn fingerprints(
    exercises: &[&Exercise],
    submission: &Submission,
) -> BTreeMap<String, Fingerprints> {
    let mut found = BTreeMap::new();
    for exercise in exercises {
        let Some(files) = submission.sources.get(&exercise.id) else {
            continue;
        };
        let stub = crate::stubs::pristine(exercise).unwrap_or_default();
        let statement = std::fs::read_to_string(exercise.statement_path()).unwrap_or_default();
        let template = Template::new(stub.values().map(Vec::as_slice), &statement);
        found.insert(
            exercise.id.clone(),
            similarity::fingerprint(files, &template),
        );
    }
    found
}

fn source_path(exercise: &str, file: &Path) -> PathBuf {
    Path::new("exercises").join(exercise).join("src").join(file)
}

/// Every task with the same status, and the benchmark not measured: the exercise's points
/// still count in the maximum, whatever kept it from running.
fn every_task(
    exercise: &Exercise,
    seed: u64,
    options: &GradeOptions,
    status: Status,
    message: &str,
) -> GradedExercise {
    let tasks = exercise
        .tasks
        .iter()
        .map(|t| TaskResult::all(t, status, message))
        .collect();
    let performance = Performance::unscored(
        &exercise.performance,
        format!("not measured: the tasks did not run ({})", status.as_str()),
    );
    GradedExercise {
        result: ExerciseResult::new(exercise, "candidate", seed, options.cases, tasks)
            .with_performance(performance),
        policy: Vec::new(),
    }
}

fn chosen_exercises<'a>(
    catalog: &'a Catalog,
    submission: &Submission,
    exported: Option<&record::ScreenRecord>,
    options: &GradeOptions,
) -> Vec<&'a Exercise> {
    let wanted: Vec<String> = if !options.exercises.is_empty() {
        options.exercises.clone()
    } else if let Some(record) = exported {
        record.exercises.clone()
    } else {
        submission.sources.keys().cloned().collect()
    };
    catalog
        .exercises
        .iter()
        .filter(|e| wanted.contains(&e.id))
        .collect()
}

/// Readies `slot` before a batch: the pristine checkout in place and the harness built,
/// so that its first submission builds only the candidate's crate.
pub fn warm(home: &Path, slot: &Slot, options: &GradeOptions) -> Result<(), RunnerError> {
    slot.prepare(home, &Sources::new())
        .map_err(|source| RunnerError::Spawn {
            path: slot.workspace(),
            why: source.to_string(),
        })?;
    build_harness(home, slot, options)
}

/// Builds the harness alone (the references' runner: no candidate crate), our code under
/// the generous limit a cold build needs, so that the limit on a submission's build
/// measures only the submission. A harness that does not build is the environment's fault.
fn build_harness(home: &Path, slot: &Slot, options: &GradeOptions) -> Result<(), RunnerError> {
    let (workspace, target) = (slot.workspace(), slot.target_dir());
    let plan = BuildPlan {
        binary: Binary::References,
        workspace: &workspace,
        home,
        target_dir: Some(&target),
        time_limit: crate::runner::BUILD_TIME_LIMIT,
        memory_mib: None,
        quiet: options.quiet,
    };
    match Runner::build(&plan)? {
        Build::Ready(_) => Ok(()),
        Build::Failed(log) => Err(RunnerError::Harness(log)),
    }
}

/// An exercise that passed the policy: its own runner built under the submission limits,
/// then what the compiler read checked, then its tasks and its benchmark. `unreadable`:
/// files the policy could not read, rejected if the compiler builds them all the same.
fn grade_sources(
    home: &Path,
    slot: &Slot,
    exercise: &Exercise,
    seed: u64,
    options: &GradeOptions,
    unreadable: &[Violation],
) -> Result<GradedExercise, RunnerError> {
    let (workspace, target) = (slot.workspace(), slot.target_dir());
    let plan = BuildPlan {
        binary: Binary::Candidate(exercise.id.clone()),
        workspace: &workspace,
        home,
        target_dir: Some(&target),
        time_limit: crate::runner::CANDIDATE_BUILD_TIME_LIMIT,
        memory_mib: Some(crate::runner::CANDIDATE_BUILD_MEMORY_MIB),
        quiet: options.quiet,
    };
    let runner = match Runner::build(&plan)? {
        Build::Ready(runner) => runner,
        Build::Failed(log) => {
            let message = format!("the code did not compile:\n{log}");
            return Ok(every_task(exercise, seed, options, Status::Error, &message));
        }
    };
    if let Some(first) = unreadable.first() {
        let message = format!("rejected by the source policy: {first}");
        let mut graded = every_task(exercise, seed, options, Status::Rejected, &message);
        graded.policy = unreadable.to_vec();
        return Ok(graded);
    }
    let outside = crate::depinfo::outside_reads(&target, &workspace, &exercise.id)
        .unwrap_or_else(|why| vec![PathBuf::from(format!("(unknown: {why})"))]);
    if !outside.is_empty() {
        let violations: Vec<Violation> = outside
            .iter()
            .map(|file| Violation {
                file: file.clone(),
                line: 0,
                reason: format!(
                    "read while compiling, outside exercises/{}/src/ (a #[path], include! or \
                     the like that the source policy did not catch)",
                    exercise.id
                ),
                unreadable: false,
            })
            .collect();
        let message = format!("rejected: {}", violations[0]);
        let mut graded = every_task(exercise, seed, options, Status::Rejected, &message);
        graded.policy = violations;
        return Ok(graded);
    }
    let graded = run_tasks(&runner, exercise, seed, options)?;
    let speed = Speed {
        seed,
        limits: options.limits,
        wall_clock: options.wall_clock,
        quiet: options.quiet,
    };
    let result = match performance(&runner, exercise, &graded.tasks, &speed)? {
        Some(performance) => graded.with_performance(performance),
        None => graded,
    };
    Ok(GradedExercise {
        result,
        policy: Vec::new(),
    })
}

/// How a benchmark is run: its inputs' seed and the runner's limits.
#[derive(Debug, Clone, Copy)]
pub struct Speed {
    pub seed: u64,
    pub limits: Limits,
    pub wall_clock: std::time::Duration,
    pub quiet: bool,
}

/// The benchmark, once the task it times passes (every task, when the bench is not a task
/// id): a fast wrong answer earns nothing. `None` for an exercise without a benchmark.
/// Used by grading and by `check --speed`.
pub fn performance(
    runner: &Runner,
    exercise: &Exercise,
    tasks: &[TaskResult],
    speed: &Speed,
) -> Result<Option<Performance>, RunnerError> {
    let rubric = &exercise.performance;
    let gate: Vec<&TaskResult> = match tasks.iter().find(|t| t.id == rubric.bench) {
        Some(task) => vec![task],
        None => tasks.iter().collect(),
    };
    if let Some(blocking) = gate.iter().find(|t| t.status != Status::Pass) {
        let message = format!("not measured: task `{}` must pass first", blocking.id);
        return Ok(Some(Performance::unscored(rubric, message)));
    }
    let activity = crate::feedback::Activity::start(
        speed.quiet,
        &format!(
            "timing {}/{} against the reference",
            exercise.id, rubric.bench
        ),
    );
    let measured = runner.bench(
        &exercise.id,
        "candidate",
        &rubric.bench,
        speed.seed,
        &speed.limits,
        speed.wall_clock,
    );
    activity.finish();
    Ok(match measured? {
        BenchOutcome::Measured(measured) => Some(Performance::scored(rubric, &measured)),
        BenchOutcome::Failed(why) if why.contains("has no benchmark") => None,
        BenchOutcome::Failed(why) => Some(Performance::unscored(
            rubric,
            format!("not measured: {why}"),
        )),
    })
}

/// Every task, one runner each, with the limits the first runner reported and the
/// figures the properties recorded.
fn run_tasks(
    runner: &Runner,
    exercise: &Exercise,
    seed: u64,
    options: &GradeOptions,
) -> Result<ExerciseResult, RunnerError> {
    let mut results = Vec::with_capacity(exercise.tasks.len());
    let mut sandbox = Vec::new();
    let mut figures = Vec::new();
    for task in &exercise.tasks {
        let request = Request {
            exercise: &exercise.id,
            implementation: "candidate",
            properties: &task.properties,
            seed,
            cases: options.cases,
            limits: options.limits,
            wall_clock: options.wall_clock,
        };
        let run = runner.run(&request)?;
        if sandbox.is_empty() {
            sandbox = run.sandbox;
        }
        figures.extend(run.figures);
        results.push(TaskResult::new(task, run.verdicts, run.output));
    }
    Ok(
        ExerciseResult::new(exercise, "candidate", seed, options.cases, results)
            .with_sandbox(sandbox)
            .with_figures(figures),
    )
}
