//! The terminal report: one line per task, then what to do about the first problem.
//! Styled output carries ANSI colours; print it through `anstream`, which drops them under
//! `NO_COLOR` and when the output is not a terminal. Candidate text (names, messages,
//! counterexamples) never reaches the terminal with its control characters: they are
//! shown as `\u{..}` escapes.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use crate::grade::{ExerciseResult, TaskResult};
use crate::report::escape::{terminal, terminal_line};
use crate::runner::Status;

pub fn label(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::NotImplemented => "not implemented",
        Status::Fail => "FAIL",
        Status::Rejected => "REJECTED",
        Status::Timeout => "TIMEOUT",
        Status::Memory => "OUT OF MEMORY",
        Status::Crashed => "CRASHED",
        Status::Error => "ERROR",
    }
}

/// The command that replays a result, printed under each problem.
#[derive(Debug, Clone, Copy)]
pub enum Replay<'a> {
    /// `mldrill check`, in the learner's checkout.
    Check,
    /// `mldrill grade` of the submission at this path.
    Grade { path: &'a str },
}

/// How a report is written.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// Colour the statuses (ANSI).
    pub styled: bool,
    /// Most problems described after the table (the first ones).
    pub problems: usize,
    /// How each problem says it can be replayed.
    pub replay: Replay<'a>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Self {
            styled: false,
            problems: usize::MAX,
            replay: Replay::Check,
        }
    }
}

/// A message's later lines indented, so that a line of candidate text can never pass for
/// a line of the report.
fn indented(text: &str) -> String {
    text.replace('\n', "\n    ")
}

/// `text` as one shell word.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-+=:,@".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The colour of a status: green for a pass, yellow for work not started, red otherwise.
pub fn status_style(status: Status) -> Style {
    match status {
        Status::Pass => AnsiColor::Green.on_default().bold(),
        Status::NotImplemented => AnsiColor::Yellow.on_default(),
        _ => AnsiColor::Red.on_default().bold(),
    }
}

/// `text` in `style` when `styled`.
pub fn paint(text: &str, style: Style, styled: bool) -> String {
    if styled {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

/// The command that replays a task's result.
pub fn replay_command(result: &ExerciseResult, task: &TaskResult, replay: Replay) -> String {
    match replay {
        Replay::Check => format!(
            "mldrill check {} --impl {} --task {} --seed {} --cases {}",
            result.exercise, result.implementation, task.id, result.seed, result.cases
        ),
        Replay::Grade { path } => format!(
            "mldrill grade {} --exercise {} --seed {} --cases {}",
            shell_word(path),
            result.exercise,
            result.seed,
            result.cases
        ),
    }
}

/// An exercise checked with `mldrill check`.
pub fn render(result: &ExerciseResult) -> String {
    render_with(result, Options::default())
}

/// The report with coloured statuses, for a terminal.
pub fn render_styled(result: &ExerciseResult) -> String {
    render_with(
        result,
        Options {
            styled: true,
            ..Options::default()
        },
    )
}

pub fn render_with(result: &ExerciseResult, options: Options) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}), seed {}, {} cases per property",
        result.exercise, result.implementation, result.seed, result.cases
    );
    let width = result
        .tasks
        .iter()
        .map(|t| t.id.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "  {:width$}  {:15}  {:>7}  title",
        "task", "status", "points"
    );
    for task in &result.tasks {
        let points = format!("{}/{}", task.points, task.max_points);
        let status = paint(
            &format!("{:15}", label(task.status)),
            status_style(task.status),
            options.styled,
        );
        let _ = writeln!(
            out,
            "  {:width$}  {status}  {:>7}  {}",
            task.id, points, task.title
        );
    }
    if let Some(performance) = &result.performance {
        let points = format!("{}/{}", performance.points, performance.max_points);
        let measured = if performance.ratio.is_some() {
            "measured"
        } else {
            "not measured"
        };
        let _ = writeln!(
            out,
            "  {:width$}  {:15}  {:>7}  {} ({})",
            "speed",
            measured,
            points,
            terminal_line(&performance.message),
            performance.bench
        );
    }
    let total = format!("{}/{}", result.points, result.max_points);
    let _ = writeln!(out, "  {:width$}  {:15}  {:>7}", "total", "", total);
    if !result.sandbox.is_empty() {
        let _ = writeln!(
            out,
            "  sandbox: {}",
            terminal_line(&result.sandbox.join("; "))
        );
    }

    let problems: Vec<_> = result
        .tasks
        .iter()
        .filter_map(|t| t.first_problem().map(|v| (t, v)))
        .filter(|(t, _)| t.status != Status::NotImplemented)
        .take(options.problems)
        .collect();
    for (task, verdict) in problems {
        let _ = writeln!(
            out,
            "\n{} {}: {}",
            paint(
                label(task.status),
                status_style(task.status),
                options.styled
            ),
            verdict.property,
            indented(&terminal(verdict.message.as_deref().unwrap_or("")))
        );
        if let Some(example) = &verdict.counterexample {
            let _ = writeln!(
                out,
                "  minimal counterexample: {}",
                indented(&terminal(example))
            );
        }
        let _ = writeln!(
            out,
            "  replay: {}",
            terminal_line(&replay_command(result, task, options.replay))
        );
    }
    // The first task that does not pass, in the statement's order: fixing a failure comes
    // before implementing the tasks after it.
    if let (Replay::Check, Some(next)) = (
        options.replay,
        result.tasks.iter().find(|t| t.status != Status::Pass),
    ) {
        let what = if next.status == Status::NotImplemented {
            "implement"
        } else {
            "fix"
        };
        let _ = writeln!(
            out,
            "\nnext: {what} task `{}` in exercises/{}/src/lib.rs (stuck? mldrill hint {} --task {})",
            next.id, result.exercise, result.exercise, next.id
        );
    }
    out
}

/// A whole submission: its header, then each exercise's table.
pub fn render_submission(result: &crate::grader::SubmissionResult) -> String {
    let mut out = format!(
        "{}: {}/{} points, seed {} ({}), graded in {:.0} s\n",
        terminal_line(&result.submission),
        result.points,
        result.max_points,
        result.seed,
        result.seed_source,
        result.grading_seconds
    );
    if let Some(error) = &result.error {
        let _ = writeln!(out, "  could not be graded: {}", indented(&terminal(error)));
    }
    for warning in &result.warnings {
        let _ = writeln!(out, "  WARNING {}", indented(&terminal(warning)));
    }
    for flag in &result.similar {
        let _ = writeln!(out, "  SIMILAR {flag}");
    }
    for ignored in &result.ignored {
        let _ = writeln!(out, "  ignored: {}", terminal_line(ignored));
    }
    for exercise in &result.exercises {
        for violation in &exercise.policy {
            let _ = writeln!(out, "  REJECTED {}", terminal_line(&violation.to_string()));
        }
        out.push_str(&render_with(
            &exercise.result,
            Options {
                replay: Replay::Grade { path: &result.path },
                ..Options::default()
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::TaskResult;

    #[test]
    fn paths_are_quoted_for_the_shell_when_they_need_it() {
        assert_eq!(shell_word("subs/alice.zip"), "subs/alice.zip");
        assert_eq!(shell_word("my subs/bob's.zip"), "'my subs/bob'\\''s.zip'");
    }

    #[test]
    fn next_names_the_first_task_that_does_not_pass_fix_before_implement() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises");
        let catalog = crate::catalog::Catalog::load(&root).unwrap();
        let exercise = catalog.get("dataloader").unwrap();
        let with = |first: Status| {
            let tasks = exercise
                .tasks
                .iter()
                .enumerate()
                .map(|(i, t)| match i {
                    0 => TaskResult::all(t, first, "x"),
                    _ => TaskResult::all(t, Status::NotImplemented, "not yet implemented"),
                })
                .collect();
            render_with(
                &ExerciseResult::new(exercise, "candidate", 1, 8, tasks),
                Options::default(),
            )
        };
        let failing = with(Status::Fail);
        assert!(failing.contains("next: fix task `batching`"), "{failing}");
        let passing = with(Status::Pass);
        assert!(
            passing.contains("next: implement task `shuffle`"),
            "{passing}"
        );
    }
}
