//! What `watch` shows, as lines: a header with the exercise and what is happening, each
//! task's status with the first failure and its minimal counterexample (or the compiler's
//! first errors), the latest hint or message, and the keys. A pure function of the state,
//! fitted to the terminal's size.

use anstyle::{AnsiColor, Style};

use crate::catalog::Exercise;
use crate::grade::ExerciseResult;
use crate::report::escape;
use crate::report::human::{self, paint};

/// Most lines of compiler output shown.
const COMPILER_LINES: usize = 20;

/// What the check of the watched exercise is doing.
#[derive(Debug, Clone, Copy)]
pub enum Activity {
    /// A check is running; seconds so far, when the screen is redrawn live.
    Checking { seconds: Option<u64> },
    /// The latest check is shown; which check of the session it was and its seconds.
    Done { number: u32, seconds: u64 },
}

/// Everything one frame shows.
pub struct View<'a> {
    pub exercise: &'a Exercise,
    /// The watched folder, as the learner would type it.
    pub src: &'a str,
    /// The seed and cases every check of the session uses.
    pub seed: u64,
    pub cases: u32,
    pub activity: Activity,
    pub result: Option<&'a ExerciseResult>,
    pub build_errors: Option<&'a str>,
    /// Policy warnings, harness errors.
    pub warnings: &'a [String],
    /// The latest hint or message.
    pub note: Option<&'a str>,
    /// The exercise list, shown instead of the report while the learner asked for it.
    pub list: Option<&'a str>,
}

pub const KEYS: &str = "h hint · n next exercise · l list · r re-check · q quit";

/// The frame's lines, at most `height` rows of `width` columns once long lines wrap.
pub fn render(view: &View, styled: bool, width: usize, height: usize) -> Vec<String> {
    let dim = Style::new().dimmed();
    let bold = Style::new().bold();
    let mut head = vec![paint(
        &format!(
            "mldrill watch · {}: {}",
            view.exercise.id, view.exercise.title
        ),
        bold,
        styled,
    )];
    let doing = match view.activity {
        Activity::Checking { seconds } => {
            let first = if view.result.is_none() && view.build_errors.is_none() {
                " (the first build of the runner takes a few minutes)"
            } else {
                ""
            };
            let elapsed = seconds.map(|s| format!(" {s} s")).unwrap_or_default();
            paint(
                &format!("checking ...{elapsed}{first}"),
                AnsiColor::Cyan.on_default(),
                styled,
            )
        }
        Activity::Done { number, seconds } => format!("check #{number} took {seconds} s"),
    };
    head.push(format!(
        "{} · {doing}",
        paint(
            &format!(
                "watching {} · seed {}, {} cases",
                view.src, view.seed, view.cases
            ),
            dim,
            styled
        )
    ));
    head.push(String::new());

    let mut body = Vec::new();
    // Code that does not build: the compiler's errors say it all.
    let result = view.result.filter(|_| view.build_errors.is_none());
    for warning in view.warnings.iter().filter(|_| view.build_errors.is_none()) {
        body.push(paint(
            &format!("warning: {}", escape::terminal_line(warning)),
            AnsiColor::Yellow.on_default(),
            styled,
        ));
    }
    if let Some(list) = view.list {
        body.extend(list.lines().map(str::to_owned));
        body.push(String::new());
        body.push(paint("(press l again for the checks)", dim, styled));
    } else {
        if let Some(result) = result {
            let options = human::Options {
                styled,
                problems: 1,
                ..human::Options::default()
            };
            body.extend(
                human::render_with(result, options)
                    .lines()
                    .skip(1) // the report's own header: the seed is in it, the rest is above
                    .map(str::to_owned),
            );
        }
        if let Some(errors) = view.build_errors {
            body.push(paint(
                "the code did not compile:",
                AnsiColor::Red.on_default().bold(),
                styled,
            ));
            let lines: Vec<&str> = errors.lines().filter(|l| !l.trim().is_empty()).collect();
            body.extend(
                lines
                    .iter()
                    .take(COMPILER_LINES)
                    .map(|l| escape::terminal_line(l).into_owned()),
            );
            if lines.len() > COMPILER_LINES {
                body.push(paint(
                    &format!(
                        "... {} more lines: run `mldrill check {}` for all of them",
                        lines.len() - COMPILER_LINES,
                        view.exercise.id
                    ),
                    dim,
                    styled,
                ));
            }
        }
        if view.result.is_none() && view.build_errors.is_none() {
            body.push(format!("edit {}; every save is checked", view.src));
        }
    }

    let mut foot = Vec::new();
    if let Some(note) = view.note {
        foot.push(String::new());
        for line in note.lines() {
            foot.extend(
                crate::study::wrap(line, width, "", "  ")
                    .lines()
                    .map(str::to_owned),
            );
        }
    }
    foot.push(String::new());
    foot.push(paint(KEYS, dim, styled));

    fit(head, body, foot, width, height)
}

/// Rows a line takes once the terminal wraps it.
fn rows(line: &str, width: usize) -> usize {
    let visible = anstream::adapter::strip_str(line)
        .to_string()
        .chars()
        .count();
    visible.div_ceil(width.max(1)).max(1)
}

/// The head and foot whole, and as much of the body as fits between them.
fn fit(
    head: Vec<String>,
    body: Vec<String>,
    foot: Vec<String>,
    width: usize,
    height: usize,
) -> Vec<String> {
    let fixed: usize = head.iter().chain(&foot).map(|l| rows(l, width)).sum();
    let room = height.saturating_sub(fixed);
    let mut lines = head;
    if body.iter().map(|l| rows(l, width)).sum::<usize>() <= room {
        lines.extend(body);
    } else {
        let mut left = room.saturating_sub(1); // one row for the marker
        for line in body {
            let needed = rows(&line, width);
            if needed > left {
                break;
            }
            left -= needed;
            lines.push(line);
        }
        lines.push("...".to_owned());
    }
    lines.extend(foot);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::grade::TaskResult;
    use crate::runner::Status;

    #[test]
    fn code_that_does_not_build_shows_the_compiler_instead_of_the_tasks() {
        let catalog =
            Catalog::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises"))
                .unwrap();
        let exercise = catalog.get("dataloader").unwrap();
        let tasks = exercise
            .tasks
            .iter()
            .map(|t| TaskResult::all(t, Status::Error, "the code did not compile"))
            .collect();
        let result = ExerciseResult::new(exercise, "candidate", 1, 8, tasks);
        let warnings = ["lib.rs:3: does not parse".to_owned()];
        let mut view = View {
            exercise,
            src: "exercises/dataloader/src/",
            seed: 1,
            cases: 8,
            activity: Activity::Done {
                number: 2,
                seconds: 3,
            },
            result: Some(&result),
            build_errors: Some("error: expected `;`, found `Ok`\n  --> src/lib.rs:20:49"),
            warnings: &warnings,
            note: Some("hint 1/3 for dataloader/batching: cut 0..n into pieces"),
            list: None,
        };
        let screen = render(&view, false, 80, 40).join("\n");
        assert!(
            screen.contains("the code did not compile:\nerror: expected `;`"),
            "{screen}"
        );
        assert!(!screen.contains("batching     ERROR"), "{screen}");
        assert!(!screen.contains("does not parse"), "{screen}");
        assert!(
            screen.contains("hint 1/3 for dataloader/batching"),
            "{screen}"
        );
        assert!(screen.contains("check #2 took 3 s"), "{screen}");

        view.build_errors = None;
        let screen = render(&view, false, 80, 40).join("\n");
        assert!(screen.contains("batching     ERROR"), "{screen}");
        assert!(
            screen.contains("warning: lib.rs:3: does not parse"),
            "{screen}"
        );
        assert!(!screen.contains('\u{1b}'), "no escape codes unstyled");
        assert!(render(&view, true, 80, 40).join("").contains('\u{1b}'));
    }

    #[test]
    fn a_small_screen_keeps_the_header_and_the_keys() {
        let head = vec!["title".to_owned(), "status".to_owned()];
        let body: Vec<String> = (0..50).map(|i| format!("line {i}")).collect();
        let foot = vec![KEYS.to_owned()];
        let lines = fit(head, body, foot, 80, 10);
        let rows: usize = lines.iter().map(|l| rows(l, 80)).sum();
        assert_eq!(rows, 10, "{lines:?}");
        assert_eq!(lines[0], "title");
        assert_eq!(lines.last().unwrap(), KEYS);
        assert!(lines.contains(&"...".to_owned()));
    }

    #[test]
    fn wrapped_lines_count_as_the_rows_they_take() {
        assert_eq!(rows(&"x".repeat(81), 80), 2);
        assert_eq!(rows("", 80), 1);
        assert_eq!(rows("\u{1b}[1mbold\u{1b}[0m", 4), 1);
    }
}
