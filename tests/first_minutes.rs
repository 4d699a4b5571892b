//! A learner's first minutes: a mistyped id gets the closest valid one, a corrupt progress
//! file is set aside with a warning by every command that reads it, `reset --restore`
//! brings the learner's files back, completion scripts offer the exercise and task ids,
//! and `watch` fed from a pipe prints its first result before it reads the keys.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{grading_cache, repo};
use mldrill::workspace::{Slot, Sources};

fn mldrill_with_input(root: &Path, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mldrill"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env_remove("MLDRILL_ROOT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn mldrill(root: &Path, args: &[&str]) -> Output {
    mldrill_with_input(root, args, "")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    mldrill::workspace::copy_pristine(repo(), dir.path()).unwrap();
    dir
}

#[test]
fn a_mistyped_exercise_or_task_gets_the_closest_valid_id() {
    let output = mldrill(repo(), &["show", "dataloder"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr).trim(),
        format!(
            "error: unknown exercise 'dataloder' (did you mean 'dataloader'?); valid exercises: {}",
            valid_exercises()
        )
    );
    let output = mldrill(repo(), &["hint", "dataloader", "--task", "shufle"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("did you mean 'shuffle'?"), "{stderr}");
    let output = mldrill(repo(), &["show", "zzz"]);
    assert!(!text(&output.stderr).contains("did you mean"));
}

#[test]
fn every_command_that_reads_progress_sets_a_corrupt_file_aside_with_a_warning() {
    let root = scratch();
    let saved = root.path().join(".mldrill");
    fs::create_dir_all(&saved).unwrap();
    for (n, args) in [
        vec!["list"],
        vec!["hint", "dataloader"],
        vec!["solution", "dataloader"],
    ]
    .into_iter()
    .enumerate()
    {
        // Not UTF-8: unreadable as text, which once passed for a missing file.
        fs::write(saved.join("progress.json"), [b'{', 0xff, 0xfe]).unwrap();
        let output = mldrill(root.path(), &args);
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains("warning: progress file was unreadable"),
            "{args:?}: {stderr}"
        );
        let aside = match n {
            0 => "progress.json.corrupt".to_owned(),
            n => format!("progress.json.corrupt.{}", n + 1),
        };
        assert_eq!(
            fs::read(saved.join(&aside)).unwrap(),
            [b'{', 0xff, 0xfe],
            "{args:?} keeps the file as {aside}"
        );
    }
}

#[test]
fn reset_restore_brings_the_learners_files_back_and_loses_nothing() {
    let root = scratch();
    let lib = root.path().join("exercises/dataloader/src/lib.rs");
    let stub = fs::read_to_string(&lib).unwrap();
    let mine = stub.replace("todo!(\"task batching\")", "Ok(vec![])");
    fs::write(&lib, &mine).unwrap();

    let nothing = mldrill(
        root.path(),
        &["reset", "dataloader", "--restore", "--force"],
    );
    assert_eq!(nothing.status.code(), Some(2));
    assert!(
        text(&nothing.stderr).contains("no saved copy of dataloader"),
        "{}",
        text(&nothing.stderr)
    );

    let reset = mldrill(root.path(), &["reset", "dataloader", "--force"]);
    assert!(reset.status.success(), "{}", text(&reset.stderr));
    assert!(text(&reset.stdout).contains("`mldrill reset dataloader --restore`"));
    assert_eq!(fs::read_to_string(&lib).unwrap(), stub);

    let declined = mldrill_with_input(root.path(), &["reset", "dataloader", "--restore"], "n\n");
    assert_eq!(declined.status.code(), Some(1));
    assert_eq!(fs::read_to_string(&lib).unwrap(), stub);

    // Edited again since the reset: that is saved aside before the restore.
    let later = stub.replace("todo!(\"task shuffle\")", "vec![]");
    fs::write(&lib, &later).unwrap();
    let restored = mldrill_with_input(root.path(), &["reset", "dataloader", "--restore"], "y\n");
    assert!(restored.status.success(), "{}", text(&restored.stderr));
    assert_eq!(fs::read_to_string(&lib).unwrap(), mine);
    let stdout = text(&restored.stdout);
    assert!(
        stdout.contains("what it held is saved in .mldrill/saved/"),
        "{stdout}"
    );
    let kept = fs::read_dir(root.path().join(".mldrill/saved"))
        .unwrap()
        .flatten()
        .any(|e| fs::read_to_string(e.path().join("lib.rs")).is_ok_and(|t| t == later));
    assert!(kept, "the later edit is kept");
}

#[test]
fn completion_scripts_offer_exercise_and_task_ids() {
    let output = mldrill(repo(), &["completions", "bash"]);
    assert!(output.status.success());
    let script = text(&output.stdout);
    let mut ids: Vec<&str> = mldrill::exercises::all().iter().map(|p| p.id()).collect();
    ids.sort_unstable();
    for id in [
        ids.join(" ").as_str(),
        "shuffle",
        "contamination",
        "end_to_end",
    ] {
        assert!(script.contains(id), "the script lacks {id}");
    }
    // Outside any workspace the script still comes, without ids.
    let elsewhere = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mldrill"))
        .args(["completions", "zsh"])
        .current_dir(elsewhere.path())
        .env_remove("MLDRILL_ROOT")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
}

#[test]
fn watch_fed_from_a_pipe_prints_its_first_result_before_reading_the_keys() {
    let slot = Slot::acquire(&grading_cache(), 0).unwrap();
    slot.prepare(repo(), &Sources::new()).unwrap();
    let _ = fs::remove_dir_all(slot.workspace().join(".mldrill"));
    let output = Command::new(env!("CARGO_BIN_EXE_mldrill"))
        .arg("--root")
        .arg(slot.workspace())
        .args(["watch", "dataloader", "--seed", "7", "--cases", "16"])
        .env("CARGO_TARGET_DIR", slot.target_dir())
        .env("LIBTORCH", repo().join(".libtorch"))
        .env_remove("MLDRILL_ROOT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(b"h\nq\n")?;
            child.wait_with_output()
        })
        .unwrap();
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let first_result = stdout
        .find("check #1")
        .expect("the first result is printed");
    let hint = stdout
        .find("hint 1/3 for dataloader/batching")
        .expect("the hint key is read");
    assert!(first_result < hint, "{stdout}");
}

/// Every registered exercise's id, sorted, as the catalog lists them.
fn valid_exercises() -> String {
    let mut ids: Vec<&str> = mldrill::exercises::all().iter().map(|p| p.id()).collect();
    ids.sort_unstable();
    ids.join(", ")
}
