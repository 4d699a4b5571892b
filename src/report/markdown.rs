//! The interviewer's scorecard: the automatic grade of each exercise beside its
//! interviewer guide (areas as checkboxes, follow-up questions, junior versus senior).

use std::fmt::Write;

use crate::catalog::Catalog;
use crate::grader::SubmissionResult;
use crate::runner::Status;

pub fn render(result: &SubmissionResult, catalog: &Catalog) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Scorecard: {}\n", result.submission);
    let _ = writeln!(
        md,
        "- automatic grade: **{} / {}** points",
        result.points, result.max_points
    );
    let _ = writeln!(
        md,
        "- seed: `{}`, from {} (replay: `mldrill grade {} --seed {}`)",
        result.seed, result.seed_source, result.path, result.seed
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
        let _ = writeln!(md, "\n**The submission could not be graded:** {error}");
    }
    for warning in &result.warnings {
        let _ = writeln!(md, "\n**Warning:** {warning}");
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
            let _ = writeln!(md, "- rejected by the source policy: `{violation}`");
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
                        v.message
                            .as_deref()
                            .unwrap_or("")
                            .replace('|', "\\|")
                            .replace('\n', " ")
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
                performance.message.replace('|', "\\|")
            );
        }
        if let Ok(exercise) = catalog.get(&graded.exercise) {
            let guide = &exercise.guide;
            let _ = writeln!(md, "\n### Interviewer guide\n\nAreas to cover:\n");
            for area in &guide.areas {
                let _ = writeln!(md, "- [ ] {area}");
            }
            let _ = writeln!(md, "\nFollow-up questions:\n");
            for question in &guide.follow_ups {
                let _ = writeln!(md, "- {question}");
            }
            let _ = writeln!(md, "\nSecurity pivot:\n");
            for item in &guide.security_pivot {
                let _ = writeln!(md, "- [ ] {item}");
            }
            let _ = writeln!(
                md,
                "\nJunior answer: {}\n\nSenior answer: {}",
                guide.junior.trim(),
                guide.senior.trim()
            );
        }
    }
    md
}
