//! The `mldrill` binary end to end, as a user runs it: exit codes, one-line errors, the
//! reference passing and the untouched stub reported as not implemented, hints.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn mldrill(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mldrill"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env_remove("MLDRILL_ROOT")
        .output()
        .expect("mldrill runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn check_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec![
        "check",
        "dataloader",
        "--format",
        "json",
        "--seed",
        "11",
        "--cases",
        "32",
    ];
    all.extend_from_slice(args);
    let output = mldrill(repo(), &all);
    let json = serde_json::from_str(&stdout(&output)).unwrap_or_else(|e| {
        panic!(
            "check prints one JSON document ({e}): {}{}",
            stdout(&output),
            stderr(&output)
        )
    });
    (output.status.code().unwrap(), json)
}

fn task_statuses(report: &Value) -> Vec<(String, String)> {
    report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_owned(),
                t["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn list_shows_each_exercise_with_its_tasks() {
    let output = mldrill(repo(), &["list"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let row = text
        .lines()
        .find(|l| l.starts_with("dataloader"))
        .expect("dataloader is listed");
    assert!(row.contains("medium") && row.contains(" 6 "), "{row}");
}

#[test]
fn show_prints_the_statement() {
    let output = mldrill(repo(), &["show", "dataloader"]);
    assert!(output.status.success());
    let text = stdout(&output);
    for task in [
        "batching",
        "shuffle",
        "distributed",
        "collate",
        "sequences",
        "resume",
    ] {
        assert!(
            text.contains(&format!("`{task}`")),
            "statement names task {task}"
        );
    }
}

#[test]
fn the_reference_passes_every_task_and_the_result_is_replayable() {
    let (code, report) = check_json(&["--impl", "reference"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["seed"], 11);
    assert_eq!(report["points"], report["max_points"]);
    assert!(
        task_statuses(&report).iter().all(|(_, s)| s == "pass"),
        "{report:#}"
    );
    let (_, again) = check_json(&["--impl", "reference"]);
    assert_eq!(report, again, "the same seed gives the same result");
}

#[test]
fn the_untouched_stub_is_not_implemented_everywhere() {
    let (code, report) = check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(report["points"], 0);
    let statuses = task_statuses(&report);
    assert_eq!(statuses.len(), 6);
    assert!(
        statuses.iter().all(|(_, s)| s == "not_implemented"),
        "{statuses:?}"
    );
    let progress = std::fs::read_to_string(repo().join(".mldrill/progress.json")).unwrap();
    let progress: Value = serde_json::from_str(&progress).unwrap();
    assert_eq!(
        progress["tasks"]["dataloader/resume"]["status"], "not_implemented",
        "check records the learner's progress"
    );
}

#[test]
fn one_task_can_be_checked_alone() {
    let (code, report) = check_json(&["--impl", "reference", "--task", "resume"]);
    assert_eq!(code, 0);
    assert_eq!(
        task_statuses(&report),
        vec![("resume".to_owned(), "pass".to_owned())]
    );
}

#[test]
fn unknown_ids_get_one_line_naming_the_valid_ones() {
    let output = mldrill(repo(), &["check", "dataloder"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output).trim(),
        format!(
            "error: unknown exercise 'dataloder' (did you mean 'dataloader'?); valid exercises: {}",
            valid_exercises()
        )
    );

    // A word an exercise is known by, not its id: the exercise tagged with it.
    let output = mldrill(repo(), &["check", "adversarial"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with(
            "error: unknown exercise 'adversarial' (did you mean 'evasion', tagged adversarial?)"
        ),
        "{}",
        stderr(&output)
    );

    let output = mldrill(repo(), &["check", "dataloader", "--task", "shufle"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("unknown task 'shufle'") && err.contains("batching, shuffle"),
        "{err}"
    );
}

#[test]
fn a_folder_that_is_no_workspace_is_a_usage_error() {
    let empty = tempfile::tempdir().unwrap();
    let output = mldrill(empty.path(), &["list"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("is not an mldrill workspace"), "{err}");
}

#[test]
fn bad_arguments_are_usage_errors() {
    let output = mldrill(repo(), &["check", "dataloader", "--cases", "0"]);
    assert_eq!(output.status.code(), Some(2));
    let output = mldrill(repo(), &["check", "dataloader", "--impl", "oracle"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("candidate, reference"));
}

#[test]
fn hints_are_revealed_one_at_a_time_and_survive_a_corrupt_progress_file() {
    let scratch = tempfile::tempdir().unwrap();
    mldrill::workspace::copy_pristine(repo(), scratch.path()).unwrap();
    let hint = |args: &[&str]| {
        let mut all = vec!["hint", "dataloader"];
        all.extend_from_slice(args);
        let output = mldrill(scratch.path(), &all);
        assert!(output.status.success(), "{}", stderr(&output));
        (stdout(&output), stderr(&output))
    };
    let (first, _) = hint(&["--task", "shuffle"]);
    assert!(first.contains("hint 1/3 for dataloader/shuffle"), "{first}");
    assert!(!first.contains("hint 2/3"));
    let (second, _) = hint(&["--task", "shuffle"]);
    assert!(
        second.contains("hint 1/3") && second.contains("hint 2/3"),
        "{second}"
    );

    std::fs::write(scratch.path().join(".mldrill/progress.json"), "{ truncated").unwrap();
    let (fresh, warning) = hint(&[]);
    assert!(warning.contains("unreadable"), "{warning}");
    assert!(
        fresh.contains("hint 1/3 for dataloader/batching"),
        "{fresh}"
    );
}

#[test]
fn the_human_report_has_no_colour_codes_when_piped() {
    let output = mldrill(
        repo(),
        &[
            "check",
            "dataloader",
            "--impl",
            "reference",
            "--task",
            "batching",
            "--cases",
            "8",
            "--quiet",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("batching  pass"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text:?}");
}

/// Every registered exercise's id, sorted, as the catalog lists them.
fn valid_exercises() -> String {
    let mut ids: Vec<&str> = mldrill::exercises::all().iter().map(|p| p.id()).collect();
    ids.sort_unstable();
    ids.join(", ")
}
