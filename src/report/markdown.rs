//! The interviewer's scorecard: the automatic grade of each exercise, the 3 to 4
//! follow-up questions picked for that result (and why), the guide's areas as checkboxes
//! and junior versus senior, then the rating form with its rubric
//! ([`crate::scorecard::form`]). Candidate text (names, messages, paths) is escaped so it
//! cannot add Markdown of its own.

use std::fmt::Write;

use crate::catalog::Catalog;
use crate::grader::SubmissionResult;
use crate::questions::Bank;
use crate::report::escape::markdown_text;
use crate::runner::Status;
use crate::scorecard::{form, tailor};

/// The automatic grade in one line, as the form carries it.
fn grade_line(result: &SubmissionResult) -> String {
    let exercises: Vec<String> = result
        .exercises
        .iter()
        .map(|e| {
            format!(
                "{} {} / {}",
                e.result.exercise, e.result.points, e.result.max_points
            )
        })
        .collect();
    format!(
        "{} / {} points, seed {}{}",
        result.points,
        result.max_points,
        result.seed,
        if exercises.is_empty() {
            String::new()
        } else {
            format!(" ({})", exercises.join(", "))
        }
    )
}

/// The competencies to rate: those the graded exercises probe first, most probed first
/// (with the tasks that probe them), then the rest of the bank.
fn rating_rows(result: &SubmissionResult, bank: &Bank) -> Vec<(String, String, Vec<String>)> {
    let graded: Vec<&str> = result
        .exercises
        .iter()
        .map(|e| e.result.exercise.as_str())
        .collect();
    let mut rows: Vec<(String, String, Vec<String>)> = bank
        .competencies
        .iter()
        .map(|c| {
            let mut probed: Vec<String> = c
                .questions
                .iter()
                .flat_map(|q| &q.probes)
                .filter(|p| graded.iter().any(|e| p.split('/').next() == Some(e)))
                .cloned()
                .collect();
            probed.sort();
            probed.dedup();
            (c.id.clone(), c.title.clone(), probed)
        })
        .collect();
    rows.sort_by_key(|(_, _, probed)| std::cmp::Reverse(probed.len()));
    rows
}

pub fn render(result: &SubmissionResult, catalog: &Catalog, bank: &Bank) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "{}{}\n",
        form::SCORECARD_HEADING,
        markdown_text(&result.submission)
    );
    let _ = writeln!(
        md,
        "- automatic grade: **{} / {}** points",
        result.points, result.max_points
    );
    let _ = writeln!(
        md,
        "- seed: `{}`, from {} (replay: {})",
        result.seed,
        result.seed_source,
        markdown_text(&format!(
            "mldrill grade {} --seed {}",
            result.path, result.seed
        ))
    );
    match (result.minutes_taken, result.minutes_allowed) {
        (Some(taken), Some(allowed)) => {
            let _ = writeln!(
                md,
                "- time: about {taken} min from export to the last edit (by the file times the \
                 candidate's machine set), of {allowed} min allowed"
            );
        }
        (None, Some(allowed)) => {
            let _ = writeln!(md, "- time allowed: {allowed} min (time taken unknown)");
        }
        _ => {}
    }
    if let Some(error) = &result.error {
        let _ = writeln!(
            md,
            "\n**The submission could not be graded:** {}",
            markdown_text(error)
        );
    }
    for warning in &result.warnings {
        let _ = writeln!(md, "\n**Warning:** {}", markdown_text(warning));
    }
    for flag in &result.similar {
        let _ = writeln!(md, "\n**Possibly copied:** {flag}");
    }
    for exercise in &result.exercises {
        let graded = &exercise.result;
        let _ = writeln!(
            md,
            "\n## {} ({} / {})\n",
            graded.exercise, graded.points, graded.max_points
        );
        for violation in &exercise.policy {
            let _ = writeln!(
                md,
                "- rejected by the source policy: {}",
                markdown_text(&violation.to_string())
            );
        }
        let _ = writeln!(
            md,
            "| task | status | points | first problem |\n| --- | --- | --- | --- |"
        );
        for task in &graded.tasks {
            let problem = task
                .first_problem()
                .filter(|_| task.status != Status::NotImplemented)
                .map(|v| {
                    format!(
                        "`{}`: {}",
                        v.property,
                        markdown_text(v.message.as_deref().unwrap_or(""))
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                md,
                "| {} | {} | {}/{} | {} |",
                task.id,
                task.status.as_str(),
                task.points,
                task.max_points,
                problem
            );
        }
        if let Some(performance) = &graded.performance {
            let _ = writeln!(
                md,
                "| speed (`{}` benchmark) | {} | {}/{} | {} |",
                performance.bench,
                if performance.ratio.is_some() {
                    "measured"
                } else {
                    "not measured"
                },
                performance.points,
                performance.max_points,
                markdown_text(&performance.message)
            );
        }
        if let Ok(exercise) = catalog.get(&graded.exercise) {
            let _ = writeln!(md, "\n### Follow-ups for this result\n");
            for (i, follow_up) in tailor::follow_ups(exercise, graded).iter().enumerate() {
                let _ = writeln!(
                    md,
                    "{}. {}\n   - why: {}",
                    i + 1,
                    follow_up.question,
                    follow_up.why.replace('\n', " ")
                );
            }
            let guide = &exercise.guide;
            let _ = writeln!(
                md,
                "\n### Areas to cover\n\n(`mldrill guide {}` has the whole guide, security pivot included.)\n",
                exercise.id
            );
            for area in &guide.areas {
                let _ = writeln!(md, "- [ ] {area}");
            }
            let _ = writeln!(
                md,
                "\nJunior answer: {}\n\nSenior answer: {}",
                guide.junior.trim(),
                guide.senior.trim()
            );
        }
    }
    md.push_str(&form::render(
        &markdown_text(&result.submission),
        &grade_line(result),
        &rating_rows(result, bank),
        bank,
    ));
    md
}
