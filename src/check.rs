//! Checking one exercise for a learner: build its runner (the candidate's, or the
//! references'), judge the chosen tasks one runner process each, and, when asked, time it
//! against the reference. `mldrill check`, `watch` and `grade`'s learner paths share it.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use crate::catalog::Exercise;
use crate::grade::{ExerciseResult, TaskResult};
use crate::report;
use crate::runner::{Binary, Build, BuildPlan, Request, Runner, Status};
use crate::sandbox::Limits;

/// Which implementation a check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Implementation {
    /// Your code in `exercises/<exercise>/src/`.
    Candidate,
    /// The reference solution.
    Reference,
}

impl Implementation {
    pub fn as_str(self) -> &'static str {
        match self {
            Implementation::Candidate => "candidate",
            Implementation::Reference => "reference",
        }
    }
}

/// A fresh seed for a run that was given none.
pub fn random_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// What the grader's source policy would reject in the learner's own files, so that
/// `check` warns before a grade does.
pub fn policy_violations(exercise: &Exercise) -> Vec<crate::policy::Violation> {
    let src = exercise.dir.join("src");
    let mut found = Vec::new();
    let mut pending = vec![src];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && let Ok(bytes) = std::fs::read(&path)
            {
                found.extend(crate::policy::check_source(&path, &bytes));
            }
        }
    }
    found
}

/// What `check` was asked to do, validated.
pub struct CheckOptions {
    pub implementation: Implementation,
    /// Empty means every task.
    pub tasks: Vec<String>,
    pub seed: u64,
    pub cases: u32,
    pub wall_clock: Duration,
    pub limits: Limits,
    pub quiet: bool,
    /// Time the candidate against the reference and score the speed points.
    pub speed: bool,
}

/// Builds the runner in `root` and grades the chosen tasks, one runner process each so a
/// crash or a timeout costs only its own task.
pub fn check(root: &Path, exercise: &Exercise, options: &CheckOptions) -> Result<ExerciseResult> {
    let warn = |violation: &crate::policy::Violation| {
        let violation = violation.to_string();
        eprintln!(
            "warning: {} (grading rejects this code)",
            report::escape::terminal_line(&violation)
        );
    };
    let (unreadable, violations): (Vec<_>, Vec<_>) =
        if options.implementation == Implementation::Candidate {
            policy_violations(exercise)
                .into_iter()
                .partition(|v| v.unreadable)
        } else {
            Default::default()
        };
    violations.iter().for_each(warn);
    let (result, build_errors) = check_tasks(root, exercise, options)?;
    match build_errors {
        // Code that is not valid Rust: the compiler's first error says where, not the policy.
        Some(log) => eprintln!("{}", report::escape::terminal(&log)),
        None => unreadable.iter().for_each(warn),
    }
    Ok(result)
}

/// [`check`] without printing: the result, and the compiler's errors when the code did
/// not build.
pub fn check_tasks(
    root: &Path,
    exercise: &Exercise,
    options: &CheckOptions,
) -> Result<(ExerciseResult, Option<String>)> {
    let tasks: Vec<_> = exercise
        .tasks
        .iter()
        .filter(|t| options.tasks.is_empty() || options.tasks.contains(&t.id))
        .collect();
    // The reference runs from the runner that links no candidate crate: it works whatever
    // state the candidate's code is in.
    let binary = match options.implementation {
        Implementation::Candidate => Binary::Candidate(exercise.id.clone()),
        Implementation::Reference => Binary::References,
    };
    let plan = BuildPlan {
        binary,
        workspace: root,
        home: root,
        target_dir: None,
        time_limit: crate::runner::BUILD_TIME_LIMIT,
        memory_mib: None,
        quiet: options.quiet,
    };
    let runner = match Runner::build(&plan)? {
        Build::Ready(runner) => runner,
        Build::Failed(log) => {
            let message = "the code did not compile; see the compiler's errors above";
            let results = tasks
                .iter()
                .map(|t| TaskResult::all(t, Status::Error, message))
                .collect();
            let result = ExerciseResult::new(
                exercise,
                options.implementation.as_str(),
                options.seed,
                options.cases,
                results,
            );
            return Ok((result, Some(log)));
        }
    };
    let mut results = Vec::with_capacity(tasks.len());
    let mut sandbox = Vec::new();
    let mut figures = Vec::new();
    for task in tasks {
        let activity = crate::feedback::Activity::start(
            options.quiet,
            &format!("checking {}/{}", exercise.id, task.id),
        );
        let request = Request {
            exercise: &exercise.id,
            implementation: options.implementation.as_str(),
            properties: &task.properties,
            seed: options.seed,
            cases: options.cases,
            limits: options.limits,
            wall_clock: options.wall_clock,
        };
        let run = runner.run(&request);
        activity.finish();
        let run = run?;
        if sandbox.is_empty() {
            sandbox = run.sandbox;
        }
        figures.extend(run.figures);
        results.push(TaskResult::new(task, run.verdicts, run.output));
    }
    let result = ExerciseResult::new(
        exercise,
        options.implementation.as_str(),
        options.seed,
        options.cases,
        results,
    )
    .with_sandbox(sandbox)
    .with_figures(figures);
    if !options.speed {
        return Ok((result, None));
    }
    // The other side of the benchmark: the references' runner, built beside this one.
    let references = BuildPlan {
        binary: Binary::References,
        workspace: root,
        home: root,
        target_dir: None,
        time_limit: crate::runner::BUILD_TIME_LIMIT,
        memory_mib: None,
        quiet: options.quiet,
    };
    if let Build::Failed(log) = Runner::build(&references)? {
        anyhow::bail!("failed to build the references' runner for --speed:\n{log}");
    }
    let speed = crate::grader::Speed {
        seed: options.seed,
        limits: options.limits,
        wall_clock: options.wall_clock,
        quiet: options.quiet,
    };
    Ok(
        match crate::grader::performance(&runner, exercise, &result.tasks, &speed)? {
            Some(performance) => (result.with_performance(performance), None),
            None => (result, None),
        },
    )
}
