//! The learner's commands around `check`: the list with progress, `reset`, `solution`
//! and `guide`. Each validates first and fails with one line a person can act on.

use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::catalog::{Catalog, Exercise};
use crate::exit::{EXIT_NOT_PASSED, EXIT_PASSED};
use crate::progress::Progress;
use crate::stubs;

/// Loads the progress, passing on the warning about a corrupt file.
pub fn load_progress(root: &Path) -> Progress {
    let (progress, warning) = Progress::load(root);
    if let Some(warning) = warning {
        eprintln!("warning: {warning}");
    }
    progress
}

pub fn save_progress(root: &Path, progress: &Progress) -> Result<()> {
    progress.save().with_context(|| {
        format!(
            "failed to save progress under {}",
            root.join(".mldrill").display()
        )
    })
}

/// The exercises with the learner's progress: tasks passed at their latest check, hints
/// revealed, and a mark where the solution was shown early.
pub fn render_list(catalog: &Catalog, progress: &Progress) -> String {
    let width = catalog
        .exercises
        .iter()
        .map(|e| e.id.len())
        .max()
        .unwrap_or(2)
        .max(2);
    let mut out = format!(
        "{:width$}  {:10}  {:>7}  {:5}  {:6}  {:5}  title\n",
        "id", "difficulty", "minutes", "tasks", "passed", "hints"
    );
    for e in &catalog.exercises {
        let difficulty = format!("{:?}", e.difficulty).to_lowercase();
        let passed = format!("{}/{}", progress.passed_count(e), e.tasks.len());
        let forced = match progress.solutions.get(&e.id) {
            Some(seen) if seen.forced => "  (solution shown early)",
            _ => "",
        };
        let _ = writeln!(
            out,
            "{:width$}  {:10}  {:>7}  {:5}  {:6}  {:5}  {}{forced}",
            e.id,
            difficulty,
            e.minutes,
            e.tasks.len(),
            passed,
            progress.hints_seen_in(e),
            e.title
        );
    }
    out
}

fn display(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Asks `question` on stderr and reads the answer from stdin; only "y" or "yes" agrees,
/// and the end of input is a no.
fn confirm(question: &str) -> Result<bool> {
    eprint!("{question} [y/N] ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("failed to read the answer")?;
    if !std::io::stdin().is_terminal() {
        eprintln!(); // a piped answer is not echoed: end the question's line
    }
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// `mldrill reset`: saves the learner's `src/` aside, then restores the stub.
pub fn reset(root: &Path, exercise: &Exercise, force: bool) -> Result<ExitCode> {
    let pristine = stubs::pristine(exercise)?;
    let current = stubs::current(exercise)?;
    let src = display(root, &exercise.dir.join("src"));
    if current == pristine {
        println!("{src}/ is already the stub; nothing to reset.");
        return Ok(ExitCode::from(EXIT_PASSED));
    }
    if !force
        && !confirm(&format!(
            "Reset {src}/ to the stub? Your files are copied to .mldrill/saved/ first."
        ))?
    {
        println!(
            "Nothing changed. (`mldrill reset {} --force` resets without asking.)",
            exercise.id
        );
        return Ok(ExitCode::from(EXIT_NOT_PASSED));
    }
    let saved = stubs::save_aside(root, exercise, &current)?;
    stubs::restore(exercise, &pristine)?;
    let mut progress = load_progress(root);
    progress.forget_tasks(exercise);
    save_progress(root, &progress)?;
    println!(
        "Your files are saved in {}/; {src}/ is the stub again (`mldrill reset {} --restore` brings them back).",
        display(root, &saved),
        exercise.id
    );
    Ok(ExitCode::from(EXIT_PASSED))
}

/// `mldrill reset --restore`: brings back the newest copy of the learner's files that a
/// reset saved. What `src/` holds now is saved aside first (unless it is the stub), so a
/// restore loses nothing either.
pub fn restore_saved(root: &Path, exercise: &Exercise, force: bool) -> Result<ExitCode> {
    let Some(saved) = stubs::latest_saved(root, exercise) else {
        bail!(
            "no saved copy of {} under {}/; `mldrill reset {}` saves your files there before it restores the stub",
            exercise.id,
            display(root, &root.join(".mldrill").join("saved")),
            exercise.id
        );
    };
    let files =
        stubs::read_tree(&saved).with_context(|| format!("failed to read {}", saved.display()))?;
    let src = display(root, &exercise.dir.join("src"));
    let current = stubs::current(exercise)?;
    if current == files {
        println!(
            "{src}/ already holds {}/; nothing to restore.",
            display(root, &saved)
        );
        return Ok(ExitCode::from(EXIT_PASSED));
    }
    if !force
        && !confirm(&format!(
            "Replace {src}/ with your files saved in {}/?",
            display(root, &saved)
        ))?
    {
        println!(
            "Nothing changed. (`mldrill reset {} --restore --force` restores without asking.)",
            exercise.id
        );
        return Ok(ExitCode::from(EXIT_NOT_PASSED));
    }
    let aside = if current == stubs::pristine(exercise)? {
        None
    } else {
        Some(stubs::save_aside(root, exercise, &current)?)
    };
    stubs::restore(exercise, &files)?;
    let mut progress = load_progress(root);
    progress.forget_tasks(exercise);
    save_progress(root, &progress)?;
    print!(
        "{src}/ holds your files from {}/ again",
        display(root, &saved)
    );
    match aside {
        Some(dir) => println!("; what it held is saved in {}/.", display(root, &dir)),
        None => println!("."),
    }
    Ok(ExitCode::from(EXIT_PASSED))
}

/// The reference solution's files: its pack's `trusted/src/reference.rs` and anything in
/// `trusted/src/reference/`.
fn solution_files(root: &Path, exercise: &Exercise) -> Result<Vec<PathBuf>> {
    let trusted = root
        .join("exercises")
        .join(&exercise.id)
        .join("trusted")
        .join("src");
    let main = trusted.join("reference.rs");
    if !main.is_file() {
        bail!(
            "no reference solution for '{}' in this workspace ({} is missing)",
            exercise.id,
            display(root, &main)
        );
    }
    let mut files = vec![main];
    let dir = trusted.join("reference");
    if dir.is_dir() {
        let tree =
            stubs::read_tree(&dir).with_context(|| format!("failed to read {}", dir.display()))?;
        files.extend(
            tree.keys()
                .filter(|p| p.extension().is_some_and(|e| e == "rs"))
                .map(|p| dir.join(p)),
        );
    }
    Ok(files)
}

/// `mldrill solution`: the reference, once every task passed its latest check.
pub fn solution(root: &Path, exercise: &Exercise, force: bool) -> Result<ExitCode> {
    let files = solution_files(root, exercise)?;
    let mut progress = load_progress(root);
    let passed = progress.passed_count(exercise);
    let earned = passed == exercise.tasks.len();
    if !earned && !force {
        let missing: Vec<&str> = exercise
            .tasks
            .iter()
            .filter(|t| !progress.passed(&exercise.id, &t.id))
            .map(|t| t.id.as_str())
            .collect();
        eprintln!(
            "The solution of {id} is shown once every task passes; {passed} of {} do so far (not yet: {}). Run `mldrill check {id}`, or `mldrill solution {id} --force` to see it now (recorded in your progress).",
            exercise.tasks.len(),
            missing.join(", "),
            id = exercise.id,
        );
        return Ok(ExitCode::from(EXIT_NOT_PASSED));
    }
    let mut text = String::new();
    for file in &files {
        let body = std::fs::read_to_string(file)
            .with_context(|| format!("failed to read {}", file.display()))?;
        let _ = writeln!(
            text,
            "// ===== {} =====\n{}",
            display(root, file),
            body.trim_end()
        );
    }
    progress.record_solution(&exercise.id, !earned);
    save_progress(root, &progress)?;
    println!("{}", text.trim_end());
    if !earned {
        eprintln!(
            "(shown with --force before every task passed; recorded in .mldrill/progress.json)"
        );
    }
    Ok(ExitCode::from(EXIT_PASSED))
}

/// Greedy word wrap with a hanging indent.
pub(crate) fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_owned();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_owned();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// The interviewer guide as text, wrapped to `width` columns.
pub fn render_guide(exercise: &Exercise, width: usize) -> String {
    let guide = &exercise.guide;
    let mut out = format!("Interviewer guide: {} ({})\n", exercise.id, exercise.title);
    let sections = [
        ("Areas to cover", &guide.areas),
        ("Follow-up questions", &guide.follow_ups),
        ("Security pivot", &guide.security_pivot),
    ];
    for (title, items) in sections {
        let _ = writeln!(out, "\n{title}:");
        for item in items {
            out.push_str(&wrap(item, width, "  - ", "    "));
        }
    }
    for (title, text) in [
        ("A junior answer", &guide.junior),
        ("A senior answer", &guide.senior),
    ] {
        let _ = writeln!(out, "\n{title}:");
        out.push_str(&wrap(text, width, "  ", "  "));
    }
    out
}

pub fn guide(exercise: &Exercise) -> Result<ExitCode> {
    println!("{}", render_guide(exercise, 100).trim_end());
    Ok(ExitCode::from(EXIT_PASSED))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_and_the_width() {
        let text = "one two three four five six seven eight nine ten eleven twelve";
        let wrapped = wrap(text, 20, "  - ", "    ");
        assert!(
            wrapped.lines().all(|l| l.chars().count() <= 20),
            "{wrapped}"
        );
        assert!(wrapped.starts_with("  - one"));
        let words: Vec<&str> = wrapped.split_whitespace().filter(|w| *w != "-").collect();
        assert_eq!(words, text.split_whitespace().collect::<Vec<_>>());
    }
}
