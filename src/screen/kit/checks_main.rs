//! `make test`: runs the visible (reference-free) properties of every exercise of this
//! screen against your code and prints one line per task, a total, the time left and the
//! first failure with its minimal counterexample. `make test TASK=<id>` runs one task
//! (`<task>`, `<exercise>/<task>` or a whole `<exercise>`).
//!
//! Written by the export of this screen; the tasks, the seed and the time are in `screen.rs`.

mod screen;

use std::cell::RefCell;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use mldrill_checks::suite::{Failure, Property};

/// One task of an exercise, as the screen's table lists it.
pub struct Task {
    pub id: &'static str,
    pub points: u32,
    /// The visible properties, in the order they run.
    pub visible: &'static [&'static str],
    /// How many properties of this task run only when the work is graded.
    pub hidden: usize,
}

/// One exercise: its tasks and how to run one of its properties against the candidate.
pub struct Exercise {
    pub id: &'static str,
    pub tasks: &'static [Task],
    pub run: fn(&str) -> Result<(), Failure>,
}

/// The property `id` of `properties`.
pub fn find<'a, I: ?Sized>(properties: &'a [Property<I>], id: &str) -> &'a Property<I> {
    properties
        .iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("the screen lists an unknown property {id}"))
}

thread_local! {
    /// Where the latest panic in your code happened (`exercises/...:line:column`).
    static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Silences panic messages (a `todo!()` panics on every generated case, and
/// `RUST_BACKTRACE=1` would print a backtrace for each), keeping where the latest panic
/// in your code happened for the report.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        if let Some(location) = info.location()
            && location.file().contains("exercises/")
        {
            let at = format!("{}:{}:{}", location.file(), location.line(), location.column());
            PANIC_AT.with(|p| *p.borrow_mut() = Some(at));
        }
    }));
}

/// How one task went.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Pass,
    Fail,
    NotImplemented,
    /// Every property of the task runs only when graded.
    Hidden,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotImplemented => "not_implemented",
            Status::Hidden => "graded_only",
        }
    }
}

/// The first failure worth showing: the property and why.
struct Problem {
    exercise: &'static str,
    task: &'static str,
    property: &'static str,
    failure: Failure,
    at: Option<String>,
}

fn is_not_implemented(failure: &Failure) -> bool {
    let message = failure
        .reason
        .strip_prefix("panicked: ")
        .unwrap_or(&failure.reason);
    message.starts_with("not yet implemented") || message.starts_with("not implemented")
}

/// Which tasks `filter` (the `TASK` of `make test TASK=...`) selects; `None` when it
/// names nothing in this screen.
fn selected(filter: Option<&str>, exercise: &Exercise, task: &Task) -> bool {
    match filter {
        None => true,
        Some(f) => {
            f == exercise.id || f == task.id || f == format!("{}/{}", exercise.id, task.id)
        }
    }
}

fn main() -> ExitCode {
    let filter = std::env::args().nth(1).filter(|a| !a.trim().is_empty());
    let exercises = screen::exercises();
    if let Some(f) = filter.as_deref()
        && !exercises
            .iter()
            .any(|e| e.tasks.iter().any(|t| selected(Some(f), e, t)))
    {
        let valid: Vec<String> = exercises
            .iter()
            .flat_map(|e| e.tasks.iter().map(|t| format!("{}/{}", e.id, t.id)))
            .collect();
        eprintln!(
            "error: no task '{f}' in this screen; use one of: {} (or an exercise id)",
            valid.join(", ")
        );
        return ExitCode::from(2);
    }
    quiet_panics();
    println!(
        "seed {}, {} cases per property; each task lists its visible properties passed",
        screen::SEED,
        screen::CASES
    );
    let width = exercises
        .iter()
        .flat_map(|e| e.tasks.iter().map(|t| e.id.len() + 1 + t.id.len()))
        .max()
        .unwrap_or(4);
    let (mut passed, mut ran, mut points, mut max_points) = (0, 0, 0, 0);
    let mut first_problem: Option<Problem> = None;
    let mut next: Option<(&str, &str, Status)> = None;
    for exercise in &exercises {
        for task in exercise.tasks {
            if !selected(filter.as_deref(), exercise, task) {
                continue;
            }
            let mut ok = 0;
            let mut status = if task.visible.is_empty() {
                Status::Hidden
            } else {
                Status::Pass
            };
            for &property in task.visible {
                PANIC_AT.with(|p| p.borrow_mut().take());
                match (exercise.run)(property) {
                    Ok(()) => ok += 1,
                    Err(failure) => {
                        let todo = is_not_implemented(&failure);
                        if todo && status == Status::Pass {
                            status = Status::NotImplemented;
                        } else if !todo {
                            status = Status::Fail;
                        }
                        if !todo && first_problem.is_none() {
                            first_problem = Some(Problem {
                                exercise: exercise.id,
                                task: task.id,
                                property,
                                failure,
                                at: PANIC_AT.with(|p| p.borrow_mut().take()),
                            });
                        }
                    }
                }
            }
            ran += 1;
            max_points += task.points;
            if status == Status::Pass {
                passed += 1;
                points += task.points;
            }
            if next.is_none() && matches!(status, Status::Fail | Status::NotImplemented) {
                next = Some((exercise.id, task.id, status));
            }
            let name = format!("{}/{}", exercise.id, task.id);
            let hidden = match task.hidden {
                0 => String::new(),
                n => format!(" (+{n} graded only)"),
            };
            println!(
                "  {name:width$}  {:15}  {ok}/{} visible{hidden}  {} points",
                status.label(),
                task.visible.len(),
                task.points
            );
        }
    }
    println!(
        "  {:width$}  {passed} of {ran} tasks pass their visible properties: up to {points} of {max_points} points (hidden properties and the benchmark decide the grade)",
        "total"
    );
    if let Some(problem) = &first_problem {
        let reason = &problem.failure.reason;
        let reason = match &problem.at {
            // As Rust words a panic: where in your code, then its message.
            Some(at) => format!(
                "panicked at {at}: {}",
                reason.strip_prefix("panicked: ").unwrap_or(reason)
            ),
            None => reason.clone(),
        };
        println!("\nfail {}/{}: {reason}", problem.exercise, problem.property);
        if let Some(example) = &problem.failure.counterexample {
            println!("  minimal counterexample: {example}");
        }
        println!("  replay: make test TASK={}/{}", problem.exercise, problem.task);
    }
    if let Some((exercise, task, status)) = next {
        let what = if status == Status::NotImplemented {
            "implement"
        } else {
            "fix"
        };
        println!("\nnext: {what} task `{task}` in exercises/{exercise}/src/lib.rs");
    }
    println!("{}", clock(now()));
    if next.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The time allowed and the time left, counted from the export.
fn clock(now: u64) -> String {
    let allowed = screen::MINUTES * 60;
    let used = now.saturating_sub(screen::EXPORTED_AT);
    if used <= allowed {
        format!(
            "time: {} of {} minutes left (counted from the export); when you are done: make pack",
            (allowed - used) / 60,
            screen::MINUTES
        )
    } else {
        format!(
            "time: the {} minutes are up ({} minutes over, counted from the export); send your work now: make pack",
            screen::MINUTES,
            (used - allowed).div_ceil(60)
        )
    }
}
