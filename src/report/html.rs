//! The HTML report: one self-contained page (no network, no external script, style or
//! font) that a person reads at a glance. For a batch, a sortable comparison table first
//! (candidate, screen, points per exercise, speed, time used, similarity flags), the plots,
//! then each submission: its tasks with status and points, the failures with their minimal
//! counterexamples and replay commands, the speed against the reference, the figures its
//! properties recorded of what they measured, and the code it shares with others.
//! `check --html` writes the same page for one exercise.
//!
//! Candidate text (names, messages, counterexamples, captured output) is escaped wherever
//! it appears, and a Content-Security-Policy allows no script but the page's own sorter
//! (by its hash) and no image but the page's own plots, so even a mistake in escaping could
//! not run anything. The page reads the same without JavaScript.

mod plots;

use std::fmt::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::grade::{ExerciseResult, TaskResult};
use crate::grader::SubmissionResult;
use crate::report::human::{self, Replay};
use crate::runner::Status;
use mldrill_pack::figure::{Figure, Plot};

const STYLE: &str = include_str!("html/page.css");
const SORTER: &str = include_str!("html/sort.js");

/// `text` escaped for HTML text and quoted attribute values: `& < > " ' /`.
fn esc(text: &str) -> String {
    html_escape::encode_safe(text).into_owned()
}

/// A whole page around `body`.
fn page(title: &str, body: &str) -> String {
    let script_hash = BASE64.encode(Sha256::digest(SORTER.as_bytes()));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{script_hash}'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n{body}\
         <script>{SORTER}</script>\n</body>\n</html>\n",
        esc(title)
    )
}

/// A plot as an image: an SVG in a data URL, so that nothing in it can run or load.
fn figure(svg: Option<String>, alt: &str, caption: &str) -> String {
    match svg {
        Some(svg) => format!(
            "<figure><img class=\"plot\" alt=\"{}\" src=\"data:image/svg+xml;base64,{}\">\
             <figcaption>{}</figcaption></figure>\n",
            esc(alt),
            BASE64.encode(svg.as_bytes()),
            esc(caption)
        ),
        None => String::new(),
    }
}

fn status_cell(status: Status) -> String {
    format!(
        "<td class=\"{}\">{}</td>",
        status.as_str(),
        human::label(status)
    )
}

fn ratio_text(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "not measured".to_owned(), |r| format!("{r:.2}x"))
}

/// The exercises of `results`, in the catalog's order.
fn exercise_ids(results: &[SubmissionResult], catalog: &Catalog) -> Vec<String> {
    catalog
        .exercises
        .iter()
        .map(|e| e.id.clone())
        .filter(|id| {
            results
                .iter()
                .any(|r| r.exercises.iter().any(|e| &e.result.exercise == id))
        })
        .collect()
}

/// The page for a batch (or any number of graded submissions).
pub fn render_batch(results: &[SubmissionResult], catalog: &Catalog) -> String {
    let ids = exercise_ids(results, catalog);
    let flagged = results.iter().map(|r| r.similar.len()).sum::<usize>() / 2;
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<h1>mldrill grades</h1>\n<p class=\"meta\">{} submission{}, exercises: {}; {} pair{} flagged as possibly copied. Click a column's header to sort.</p>",
        results.len(),
        if results.len() == 1 { "" } else { "s" },
        esc(&ids.join(", ")),
        flagged,
        if flagged == 1 { "" } else { "s" },
    );
    body.push_str(&comparison_table(results, &ids));
    body.push_str("<section id=\"plots\">\n");
    let shares: Vec<f64> = results
        .iter()
        .filter(|r| r.max_points > 0)
        .map(|r| 100.0 * f64::from(r.points) / f64::from(r.max_points))
        .collect();
    body.push_str(&figure(
        plots::points_distribution(&shares),
        "histogram of the submissions' points as a share of the maximum",
        "Points across the batch: how many submissions earned each share of the maximum.",
    ));
    for id in &ids {
        let ratios: Vec<(String, Option<f64>)> = results
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                r.exercises
                    .iter()
                    .find(|e| &e.result.exercise == id)
                    .map(|e| {
                        (
                            format!("#{}", i + 1),
                            e.result.performance.as_ref().and_then(|p| p.ratio),
                        )
                    })
            })
            .collect();
        body.push_str(&figure(
            plots::speed(id, &ratios),
            &format!("bar chart of each submission's time over the reference's on {id}"),
            &format!(
                "Speed on {id}: each submission's time over the reference's (lower is faster; 1 is the reference). Bars are numbered as the table's # column; a missing bar was not measured."
            ),
        ));
    }
    body.push_str("</section>\n");
    for (index, result) in results.iter().enumerate() {
        body.push_str(&submission_section(index, result));
    }
    page(
        &format!("mldrill grades: {} submissions", results.len()),
        &body,
    )
}

fn comparison_table(results: &[SubmissionResult], ids: &[String]) -> String {
    let mut html = String::from(
        "<table class=\"sortable\" id=\"comparison\">\n<thead><tr><th>#</th><th>candidate</th><th>screen</th>",
    );
    for id in ids {
        let _ = write!(
            html,
            "<th>{} points</th><th>{} speed</th>",
            esc(id),
            esc(id)
        );
    }
    html.push_str("<th>total</th><th>time used</th><th>similar to</th></tr></thead>\n<tbody>\n");
    for (index, result) in results.iter().enumerate() {
        let _ = write!(
            html,
            "<tr><td class=\"num\">{n}</td><td><a href=\"#submission-{n}\">{}</a><br><span class=\"meta\">{}</span></td><td>{}</td>",
            esc(&result.candidate),
            esc(&result.submission),
            esc(result.screen_id.as_deref().unwrap_or("")),
            n = index + 1,
        );
        for id in ids {
            match result.exercises.iter().find(|e| &e.result.exercise == id) {
                Some(graded) => {
                    let (points, max) = (graded.result.points, graded.result.max_points);
                    let ratio = graded.result.performance.as_ref().and_then(|p| p.ratio);
                    let _ = write!(
                        html,
                        "<td class=\"num\" data-sort=\"{points}\">{points}/{max}</td><td class=\"num\" data-sort=\"{}\">{}</td>",
                        ratio.map_or_else(|| "1e9".to_owned(), |r| format!("{r:.4}")),
                        ratio.map_or_else(|| "-".to_owned(), |r| format!("{r:.2}x")),
                    );
                }
                None => html.push_str("<td data-sort=\"-1\">-</td><td data-sort=\"1e9\">-</td>"),
            }
        }
        let total = if result.error.is_some() {
            format!(
                "<span class=\"error\">error</span> {}/{}",
                result.points, result.max_points
            )
        } else {
            format!("{}/{}", result.points, result.max_points)
        };
        let time = match (result.minutes_taken, result.minutes_allowed) {
            (Some(taken), Some(allowed)) => format!("{taken} of {allowed} min"),
            (Some(taken), None) => format!("{taken} min"),
            (None, Some(allowed)) => format!("? of {allowed} min"),
            (None, None) => "-".to_owned(),
        };
        let similar: Vec<String> = result
            .similar
            .iter()
            .map(|f| {
                format!(
                    "{} ({}, {:.0}%)",
                    esc(&f.other),
                    esc(&f.exercise),
                    f.similarity * 100.0
                )
            })
            .collect();
        let top = result
            .similar
            .iter()
            .map(|f| f.similarity)
            .fold(0.0, f64::max);
        let _ = writeln!(
            html,
            "<td class=\"num\" data-sort=\"{}\">{total}</td><td class=\"num\" data-sort=\"{}\">{time}</td><td data-sort=\"{top:.3}\"{}>{}</td></tr>",
            result.points,
            result.minutes_taken.map_or(-1, |m| m as i64),
            if similar.is_empty() {
                ""
            } else {
                " class=\"flag\""
            },
            if similar.is_empty() {
                "-".to_owned()
            } else {
                similar.join("<br>")
            },
        );
    }
    html.push_str("</tbody>\n</table>\n");
    html
}

fn submission_section(index: usize, result: &SubmissionResult) -> String {
    let mut html = String::new();
    let _ = writeln!(
        html,
        "<section class=\"submission\" id=\"submission-{}\">\n<h2>#{} {} <span class=\"meta\">({})</span>: {}/{} points</h2>",
        index + 1,
        index + 1,
        esc(&result.candidate),
        esc(&result.submission),
        result.points,
        result.max_points
    );
    let _ = writeln!(
        html,
        "<p class=\"meta\">screen {}; seed {} ({}); graded from <code>{}</code></p>",
        esc(result.screen_id.as_deref().unwrap_or("none")),
        result.seed,
        esc(&result.seed_source),
        esc(&result.path)
    );
    if let Some(error) = &result.error {
        let _ = writeln!(
            html,
            "<div class=\"problem\"><strong>Could not be graded:</strong><pre>{}</pre></div>",
            esc(error)
        );
    }
    for warning in &result.warnings {
        let _ = writeln!(
            html,
            "<p class=\"flag\"><strong>Warning:</strong> {}</p>",
            esc(warning)
        );
    }
    for flag in &result.similar {
        let _ = writeln!(
            html,
            "<div class=\"flag\"><strong>Possibly copied:</strong> {} of its {} code matches {} ({} shared fingerprints).<br>Here: <code>{}</code><br>There: <code>{}</code></div>",
            format_args!("{:.0}%", flag.similarity * 100.0),
            esc(&flag.exercise),
            esc(&flag.other),
            flag.shared,
            esc(&flag.regions.join(", ")),
            esc(&flag.other_regions.join(", "))
        );
    }
    for ignored in &result.ignored {
        let _ = writeln!(html, "<p class=\"meta\">ignored: {}</p>", esc(ignored));
    }
    for graded in &result.exercises {
        for violation in &graded.policy {
            let _ = writeln!(
                html,
                "<p class=\"problem\">rejected by the source policy: <code>{}</code></p>",
                esc(&violation.to_string())
            );
        }
        html.push_str(&exercise_section(
            &graded.result,
            Replay::Grade { path: &result.path },
        ));
    }
    html.push_str("</section>\n");
    html
}

/// One exercise: its tasks, its speed, then each problem with its replay command.
fn exercise_section(result: &ExerciseResult, replay: Replay) -> String {
    let mut html = String::new();
    let _ = writeln!(
        html,
        "<h3>{}: {}/{} points</h3>\n<table>\n<thead><tr><th>task</th><th>status</th><th>points</th><th>title</th></tr></thead>\n<tbody>",
        esc(&result.exercise),
        result.points,
        result.max_points
    );
    for task in &result.tasks {
        let _ = writeln!(
            html,
            "<tr><td>{}</td>{}<td class=\"num\">{}/{}</td><td>{}</td></tr>",
            esc(&task.id),
            status_cell(task.status),
            task.points,
            task.max_points,
            esc(&task.title)
        );
    }
    if let Some(performance) = &result.performance {
        let _ = writeln!(
            html,
            "<tr><td>speed</td><td>{}</td><td class=\"num\">{}/{}</td><td>{} (<code>{}</code> benchmark)</td></tr>",
            ratio_text(performance.ratio),
            performance.points,
            performance.max_points,
            esc(&performance.message),
            esc(&performance.bench)
        );
    }
    html.push_str("</tbody>\n</table>\n");
    for task in result
        .tasks
        .iter()
        .filter(|t| t.status != Status::NotImplemented)
    {
        html.push_str(&problem(result, task, replay));
    }
    for drawn in &result.figures {
        html.push_str(&pack_figure(drawn));
    }
    if !result.sandbox.is_empty() {
        let _ = writeln!(
            html,
            "<p class=\"meta\">sandbox: {}</p>",
            esc(&result.sandbox.join("; "))
        );
    }
    html
}

/// A figure a property recorded of what it measured: the pack's title and caption (escaped
/// like any text), the plot drawn here from its numbers.
fn pack_figure(drawn: &Figure) -> String {
    let kind = match drawn.plot {
        Plot::Strip(_) => "strip plot",
        Plot::Grid(_) => "heat map",
    };
    figure(
        plots::figure(drawn),
        &format!("{kind}: {}", drawn.title),
        &drawn.caption,
    )
}

fn problem(result: &ExerciseResult, task: &TaskResult, replay: Replay) -> String {
    let Some(verdict) = task.first_problem() else {
        return String::new();
    };
    let mut html = format!(
        "<div class=\"problem\"><strong class=\"{}\">{}</strong> <code>{}</code>: {}",
        task.status.as_str(),
        human::label(task.status),
        esc(&verdict.property),
        esc(verdict.message.as_deref().unwrap_or(""))
    );
    if let Some(example) = &verdict.counterexample {
        let _ = write!(
            html,
            "<br>minimal counterexample:<pre>{}</pre>",
            esc(example)
        );
    }
    let _ = write!(
        html,
        "<br>replay: <code>{}</code>",
        esc(&human::replay_command(result, task, replay))
    );
    if !task.output.is_empty() {
        let _ = write!(
            html,
            "<details><summary>what the code printed</summary><pre>{}</pre></details>",
            esc(&task.output)
        );
    }
    html.push_str("</div>\n");
    html
}

/// The page for one exercise checked with `mldrill check`.
pub fn render_check(result: &ExerciseResult) -> String {
    let mut body = format!(
        "<h1>{}: {}/{} points</h1>\n<p class=\"meta\">{} implementation, seed {}, {} cases per property</p>\n",
        esc(&result.exercise),
        result.points,
        result.max_points,
        esc(&result.implementation),
        result.seed,
        result.cases
    );
    body.push_str(&figure(
        plots::task_points(&result.tasks),
        "bar chart of the points each task earned out of its maximum",
        "Points per task: earned (filled) out of the maximum (outline).",
    ));
    body.push_str(&exercise_section(result, Replay::Check));
    page(&format!("mldrill check {}", result.exercise), &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_text_is_escaped_everywhere() {
        let hostile = "<script>alert(1)</script><img src=x onerror=\"alert(2)\">'&";
        assert_eq!(
            esc(hostile),
            "&lt;script&gt;alert(1)&lt;&#x2F;script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;&#x27;&amp;"
        );
    }

    #[test]
    fn a_check_page_shows_tasks_failures_and_how_to_replay_them() {
        let task = crate::catalog::Task {
            id: "batching".into(),
            title: "Batches <b>".into(),
            points: 10,
            properties: vec!["batching/count".into()],
            hints: vec![],
        };
        let verdict = crate::runner::Verdict {
            property: "batching/count".into(),
            status: Status::Fail,
            message: Some("3 batches, expected 4".into()),
            counterexample: Some("n = 10, batch_size = 3".into()),
        };
        let tasks = vec![TaskResult::new(&task, vec![verdict], String::new())];
        let result = ExerciseResult {
            schema_version: 1,
            exercise: "dataloader".into(),
            implementation: "candidate".into(),
            seed: 9,
            cases: 32,
            points: 0,
            max_points: 10,
            tasks,
            performance: None,
            sandbox: vec![],
            figures: vec![],
        };
        let html = render_check(&result);
        assert!(
            html.contains("<td>batching</td><td class=\"fail\">FAIL</td>"),
            "{html}"
        );
        assert!(html.contains("Batches &lt;b&gt;"));
        assert!(html.contains("<pre>n = 10, batch_size = 3</pre>"));
        assert!(html.contains(
            "mldrill check dataloader --impl candidate --task batching --seed 9 --cases 32"
        ));
        assert!(html.contains("<img class=\"plot\""));
    }

    #[test]
    fn a_check_page_draws_the_figures_the_properties_recorded() {
        use mldrill_pack::figure::Grid;
        let task = crate::catalog::Task {
            id: "shuffle".into(),
            title: "Shuffle".into(),
            points: 10,
            properties: vec!["shuffle/positions_uniform".into()],
            hints: vec![],
        };
        let verdict = crate::runner::Verdict {
            property: "shuffle/positions_uniform".into(),
            status: Status::Pass,
            message: None,
            counterexample: None,
        };
        let tasks = vec![TaskResult::new(&task, vec![verdict], String::new())];
        let figure = Figure {
            title: "Positions <i>".into(),
            caption: "Counts & <b>expected</b>".into(),
            plot: Plot::Grid(Grid {
                x_label: "position".into(),
                y_label: "element".into(),
                columns: 3,
                rows: 3,
                counts: vec![3, 3, 3, 3, 9, 3, 3, 3, 0],
                expected: 3.0,
                tolerance: Some(4.0),
            }),
        };
        let mut result = ExerciseResult {
            schema_version: 1,
            exercise: "dataloader".into(),
            implementation: "reference".into(),
            seed: 9,
            cases: 32,
            points: 10,
            max_points: 10,
            tasks,
            performance: None,
            sandbox: vec![],
            figures: vec![],
        };
        let plain = render_check(&result);
        result = result.with_figures(vec![figure.clone(), figure]);
        let html = render_check(&result);
        assert_eq!(
            html,
            render_check(&result),
            "the same results, the same page"
        );
        assert_eq!(
            html.matches("<img class=\"plot\"").count(),
            plain.matches("<img class=\"plot\"").count() + 1,
            "one figure per title"
        );
        assert!(html.contains("alt=\"heat map: Positions &lt;i&gt;\""));
        assert!(
            html.contains("<figcaption>Counts &amp; &lt;b&gt;expected&lt;&#x2F;b&gt;</figcaption>")
        );
    }

    #[test]
    fn the_page_allows_only_its_own_script() {
        let html = page("t", "<p>body</p>");
        let hash = BASE64.encode(Sha256::digest(SORTER.as_bytes()));
        assert!(html.contains(&format!("script-src 'sha256-{hash}'")));
        assert!(html.contains(&format!("<script>{SORTER}</script>")));
        assert_eq!(html.matches("<script").count(), 1);
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
}
