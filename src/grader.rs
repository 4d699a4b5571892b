//! Grading one submission: read it, check its sources against the policy, place them in a
//! warm grading slot, build the runner, run every task of every exercise it brings, then
//! time the benchmark against the reference. Nothing the submission does stops the grade:
//! each problem becomes a status in the result.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::catalog::{Catalog, Exercise};
use crate::grade::{ExerciseResult, Performance, TaskResult};
use crate::policy::{self, Violation};
use crate::runner::{BenchOutcome, Build, BuildPlan, Request, Runner, RunnerError, Status};
use crate::sandbox::Limits;
use crate::submission::Submission;
use crate::workspace::Slot;

/// The version of the JSON document [`SubmissionResult`] serializes to.
pub const SUBMISSION_SCHEMA_VERSION: u32 = 1;

/// How to grade.
#[derive(Debug, Clone)]
pub struct GradeOptions {
    /// Seed for generated inputs; the export's seed, else 0, when not given.
    pub seed: Option<u64>,
    pub cases: u32,
    pub wall_clock: Duration,
    pub limits: Limits,
    /// Grade only these exercises (all the submission brings when empty).
    pub exercises: Vec<String>,
    pub quiet: bool,
}

/// One exercise of a submission, graded.
#[derive(Debug, Clone, Serialize)]
pub struct GradedExercise {
    #[serde(flatten)]
    pub result: ExerciseResult,
    /// Constructs the policy rejected; the exercise is not built when there are any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policy: Vec<Violation>,
}

/// A whole submission, graded: the one result model every grading report is written from.
#[derive(Debug, Clone, Serialize)]
pub struct SubmissionResult {
    pub schema_version: u32,
    pub submission: String,
    pub seed: u64,
    pub points: u32,
    pub max_points: u32,
    pub exercises: Vec<GradedExercise>,
    /// Set when the submission could not be read at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What was skipped while reading it (links, escaping paths, oversized files).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
    /// From the export's manifest, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes_allowed: Option<u32>,
    /// Minutes from the export to the newest source edit, when both are known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes_taken: Option<u64>,
    pub graded_at: u64,
    pub grading_seconds: f64,
}

impl SubmissionResult {
    fn new(name: &str, seed: u64) -> Self {
        Self {
            schema_version: SUBMISSION_SCHEMA_VERSION,
            submission: name.to_owned(),
            seed,
            points: 0,
            max_points: 0,
            exercises: Vec::new(),
            error: None,
            ignored: Vec::new(),
            minutes_allowed: None,
            minutes_taken: None,
            graded_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            grading_seconds: 0.0,
        }
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
/// Only an environment problem (cargo missing, libtorch not set up) is an `Err`.
pub fn grade(
    path: &Path,
    home: &Path,
    catalog: &Catalog,
    slot: &Slot,
    options: &GradeOptions,
) -> Result<SubmissionResult, RunnerError> {
    let started = Instant::now();
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let submission = match Submission::read(path) {
        Ok(submission) => submission,
        Err(e) => {
            let mut result = SubmissionResult::new(&name, options.seed.unwrap_or(0));
            result.error = Some(e.to_string());
            return Ok(result);
        }
    };
    let seed = options
        .seed
        .or(submission.manifest.as_ref().map(|m| m.seed))
        .unwrap_or(0);
    let mut result = SubmissionResult::new(&submission.name, seed);
    result.ignored.clone_from(&submission.ignored);
    if let Some(manifest) = &submission.manifest {
        result.minutes_allowed = Some(manifest.minutes);
        result.minutes_taken = submission
            .last_edit
            .map(|edit| edit.saturating_sub(manifest.exported_at) / 60);
    }
    let exercises = chosen_exercises(catalog, &submission, options);
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
    let mut sources = crate::workspace::Sources::new();
    let mut rejected = Vec::new();
    for exercise in &exercises {
        let Some(files) = submission.sources.get(&exercise.id).cloned() else {
            continue; // graded below as missing
        };
        let violations: Vec<Violation> = files
            .iter()
            .flat_map(|(file, bytes)| {
                policy::check_source(
                    &Path::new("exercises")
                        .join(&exercise.id)
                        .join("src")
                        .join(file),
                    bytes,
                )
            })
            .collect();
        if violations.is_empty() {
            sources.insert(exercise.id.clone(), files);
        } else {
            rejected.push((*exercise, violations));
        }
    }
    let runner = if sources.is_empty() {
        None
    } else {
        Some(build(home, slot, &sources, options)?)
    };
    for exercise in &exercises {
        let graded = if !submission.sources.contains_key(&exercise.id) {
            let message = format!(
                "no sources submitted: expected exercises/{}/src/*.rs",
                exercise.id
            );
            let tasks = exercise
                .tasks
                .iter()
                .map(|t| TaskResult::all(t, Status::Error, &message))
                .collect();
            GradedExercise {
                result: ExerciseResult::new(exercise, "candidate", seed, options.cases, tasks),
                policy: Vec::new(),
            }
        } else if let Some((_, violations)) = rejected.iter().find(|(e, _)| e.id == exercise.id) {
            let message = format!("rejected by the source policy: {}", violations[0]);
            let tasks = exercise
                .tasks
                .iter()
                .map(|t| TaskResult::all(t, Status::Rejected, &message))
                .collect();
            GradedExercise {
                result: ExerciseResult::new(exercise, "candidate", seed, options.cases, tasks),
                policy: violations.clone(),
            }
        } else {
            let built = runner
                .as_ref()
                .expect("built when any exercise passed the policy");
            GradedExercise {
                result: grade_built(built, exercise, seed, options)?,
                policy: Vec::new(),
            }
        };
        result.points += graded.result.points;
        result.max_points += graded.result.max_points;
        result.exercises.push(graded);
    }
    result.grading_seconds = started.elapsed().as_secs_f64();
    Ok(result)
}

fn chosen_exercises<'a>(
    catalog: &'a Catalog,
    submission: &Submission,
    options: &GradeOptions,
) -> Vec<&'a Exercise> {
    let wanted: Vec<String> = if !options.exercises.is_empty() {
        options.exercises.clone()
    } else if let Some(manifest) = &submission.manifest {
        manifest.exercises.clone()
    } else {
        submission.sources.keys().cloned().collect()
    };
    catalog
        .exercises
        .iter()
        .filter(|e| wanted.contains(&e.id))
        .collect()
}

/// The runner, or the compiler's complaint about the candidate's code.
fn build(
    home: &Path,
    slot: &Slot,
    sources: &crate::workspace::Sources,
    options: &GradeOptions,
) -> Result<Result<Runner, String>, RunnerError> {
    let workspace = slot.workspace();
    slot.prepare(home, sources)
        .map_err(|source| RunnerError::Spawn {
            path: workspace.clone(),
            source,
        })?;
    let target = slot.target_dir();
    let plan = BuildPlan {
        workspace: &workspace,
        home,
        target_dir: Some(&target),
        time_limit: crate::runner::BUILD_TIME_LIMIT,
        quiet: options.quiet,
    };
    Ok(match Runner::build(&plan)? {
        Build::Ready(runner) => Ok(runner),
        Build::Failed(log) => Err(format!("the code did not compile:\n{log}")),
    })
}

/// An exercise that passed the policy: its tasks, then its benchmark; or the compiler's
/// complaint for every task.
fn grade_built(
    built: &Result<Runner, String>,
    exercise: &Exercise,
    seed: u64,
    options: &GradeOptions,
) -> Result<ExerciseResult, RunnerError> {
    let runner = match built {
        Ok(runner) => runner,
        Err(log) => {
            let tasks = exercise
                .tasks
                .iter()
                .map(|t| TaskResult::all(t, Status::Error, log))
                .collect();
            return Ok(ExerciseResult::new(
                exercise,
                "candidate",
                seed,
                options.cases,
                tasks,
            ));
        }
    };
    let tasks = run_tasks(runner, exercise, seed, options)?;
    let graded = ExerciseResult::new(exercise, "candidate", seed, options.cases, tasks);
    Ok(
        match performance(runner, exercise, &graded.tasks, options)? {
            Some(performance) => graded.with_performance(performance),
            None => graded,
        },
    )
}

/// The benchmark, once the task it times passes (every task, when the bench is not a task
/// id): a fast wrong answer earns nothing. `None` for an exercise without a benchmark.
fn performance(
    runner: &Runner,
    exercise: &Exercise,
    tasks: &[TaskResult],
    options: &GradeOptions,
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
        options.quiet,
        &format!(
            "timing {}/{} against the reference",
            exercise.id, rubric.bench
        ),
    );
    let measured = runner.bench(
        &exercise.id,
        &rubric.bench,
        &options.limits,
        options.wall_clock,
    );
    activity.finish();
    Ok(match measured? {
        BenchOutcome::Measured { ratio, .. } => Some(Performance::scored(rubric, ratio)),
        BenchOutcome::Failed(why) if why.contains("has no benchmark") => None,
        BenchOutcome::Failed(why) => Some(Performance::unscored(
            rubric,
            format!("not measured: {why}"),
        )),
    })
}

fn run_tasks(
    runner: &Runner,
    exercise: &Exercise,
    seed: u64,
    options: &GradeOptions,
) -> Result<Vec<TaskResult>, RunnerError> {
    let mut results = Vec::with_capacity(exercise.tasks.len());
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
        results.push(TaskResult::new(task, run.verdicts, run.output));
    }
    Ok(results)
}
