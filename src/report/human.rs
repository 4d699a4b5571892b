//! The terminal report: one line per task, then what to do about the first problem.

use std::fmt::Write;

use crate::grade::ExerciseResult;
use crate::runner::Status;

fn label(status: Status) -> &'static str {
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

/// An exercise checked with `mldrill check`.
pub fn render(result: &ExerciseResult) -> String {
    render_with(result, Replay::Check)
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

pub fn render_with(result: &ExerciseResult, replay: Replay) -> String {
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
        let _ = writeln!(
            out,
            "  {:width$}  {:15}  {:>7}  {}",
            task.id,
            label(task.status),
            points,
            task.title
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
            "speed", measured, points, performance.message, performance.bench
        );
    }
    let total = format!("{}/{}", result.points, result.max_points);
    let _ = writeln!(out, "  {:width$}  {:15}  {:>7}", "total", "", total);
    if !result.sandbox.is_empty() {
        let _ = writeln!(out, "  sandbox: {}", result.sandbox.join("; "));
    }

    let problems: Vec<_> = result
        .tasks
        .iter()
        .filter_map(|t| t.first_problem().map(|v| (t, v)))
        .filter(|(t, _)| t.status != Status::NotImplemented)
        .collect();
    for (task, verdict) in problems {
        let _ = writeln!(
            out,
            "\n{} {}: {}",
            label(task.status),
            verdict.property,
            verdict.message.as_deref().unwrap_or("")
        );
        if let Some(example) = &verdict.counterexample {
            let _ = writeln!(out, "  minimal counterexample: {example}");
        }
        let _ = match replay {
            Replay::Check => writeln!(
                out,
                "  replay: mldrill check {} --impl {} --task {} --seed {} --cases {}",
                result.exercise, result.implementation, task.id, result.seed, result.cases
            ),
            Replay::Grade { path } => writeln!(
                out,
                "  replay: mldrill grade {} --exercise {} --seed {} --cases {}",
                shell_word(path),
                result.exercise,
                result.seed,
                result.cases
            ),
        };
    }
    if let (Replay::Check, Some(todo)) = (
        replay,
        result
            .tasks
            .iter()
            .find(|t| t.status == Status::NotImplemented),
    ) {
        let _ = writeln!(
            out,
            "\nnext: implement task `{}` in exercises/{}/src/lib.rs (stuck? mldrill hint {} --task {})",
            todo.id, result.exercise, result.exercise, todo.id
        );
    }
    out
}

/// A whole submission: its header, then each exercise's table.
pub fn render_submission(result: &crate::grader::SubmissionResult) -> String {
    let mut out = format!(
        "{}: {}/{} points, seed {} ({}), graded in {:.0} s\n",
        result.submission,
        result.points,
        result.max_points,
        result.seed,
        result.seed_source,
        result.grading_seconds
    );
    if let Some(error) = &result.error {
        let _ = writeln!(out, "  could not be graded: {error}");
    }
    for warning in &result.warnings {
        let _ = writeln!(out, "  WARNING {warning}");
    }
    for ignored in &result.ignored {
        let _ = writeln!(out, "  ignored: {ignored}");
    }
    for exercise in &result.exercises {
        for violation in &exercise.policy {
            let _ = writeln!(out, "  REJECTED {violation}");
        }
        out.push_str(&render_with(
            &exercise.result,
            Replay::Grade { path: &result.path },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_quoted_for_the_shell_when_they_need_it() {
        assert_eq!(shell_word("subs/alice.zip"), "subs/alice.zip");
        assert_eq!(shell_word("my subs/bob's.zip"), "'my subs/bob'\\''s.zip'");
    }
}
