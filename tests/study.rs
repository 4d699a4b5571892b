//! The self-study commands end to end: `reset` never loses the learner's files, the
//! pristine stubs match the stubs, `solution` waits for every task (or `--force`, which is
//! recorded), `list` shows progress, `guide`, `plan` and `completions`.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use mldrill::catalog::Catalog;
use mldrill::stubs::{self, PRISTINE_DIR};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

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
        .expect("mldrill runs");
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

/// A copy of the checkout's sources, to change freely.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    mldrill::workspace::copy_pristine(repo(), dir.path()).unwrap();
    dir
}

#[test]
fn every_pristine_stub_is_the_stub_in_src() {
    let catalog = Catalog::load(&repo().join("exercises")).unwrap();
    for exercise in &catalog.exercises {
        let id = &exercise.id;
        let pristine = stubs::read_tree(&exercise.dir.join(PRISTINE_DIR)).unwrap_or_else(|e| {
            panic!("exercises/{id}/{PRISTINE_DIR}/ is missing ({e}); copy the stub there: cp -r exercises/{id}/src exercises/{id}/{PRISTINE_DIR}")
        });
        assert_eq!(
            pristine,
            stubs::read_tree(&exercise.dir.join("src")).unwrap(),
            "exercises/{id}/{PRISTINE_DIR}/ differs from exercises/{id}/src/: after changing a stub, copy it (cp -r exercises/{id}/src/. exercises/{id}/{PRISTINE_DIR}/); after working on it as a learner, `mldrill reset {id}`"
        );
    }
}

#[test]
fn reset_asks_saves_the_learners_files_aside_and_restores_the_stub() {
    let root = scratch();
    let src = root.path().join("exercises/dataloader/src");
    let stub = fs::read_to_string(src.join("lib.rs")).unwrap();
    let mine = stub.replace("todo!(\"task batching\")", "Ok(vec![])");
    fs::write(src.join("lib.rs"), &mine).unwrap();
    fs::create_dir_all(src.join("helpers")).unwrap();
    fs::write(src.join("helpers/mod.rs"), "// my helper\n").unwrap();

    let declined = mldrill_with_input(root.path(), &["reset", "dataloader"], "n\n");
    assert_eq!(
        declined.status.code(),
        Some(1),
        "{}",
        text(&declined.stderr)
    );
    assert!(text(&declined.stderr).contains("[y/N]"));
    assert!(text(&declined.stdout).contains("Nothing changed"));
    assert_eq!(fs::read_to_string(src.join("lib.rs")).unwrap(), mine);

    let no_answer = mldrill(root.path(), &["reset", "dataloader"]);
    assert_eq!(no_answer.status.code(), Some(1), "the end of input is a no");
    assert_eq!(fs::read_to_string(src.join("lib.rs")).unwrap(), mine);

    let reset = mldrill_with_input(root.path(), &["reset", "dataloader"], "y\n");
    assert_eq!(reset.status.code(), Some(0), "{}", text(&reset.stderr));
    let said = text(&reset.stdout);
    let saved = said
        .split_whitespace()
        .find(|w| w.starts_with(".mldrill/saved/dataloader-"))
        .unwrap_or_else(|| panic!("the message names the copy: {said}"));
    let saved = root.path().join(saved.trim_end_matches([';', '/']));
    assert_eq!(fs::read_to_string(saved.join("lib.rs")).unwrap(), mine);
    assert_eq!(
        fs::read_to_string(saved.join("helpers/mod.rs")).unwrap(),
        "// my helper\n"
    );
    assert_eq!(fs::read_to_string(src.join("lib.rs")).unwrap(), stub);
    assert!(
        !src.join("helpers").exists(),
        "files the stub lacks are gone"
    );

    let again = mldrill(root.path(), &["reset", "dataloader", "--force"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(text(&again.stdout).contains("already the stub"));
}

#[test]
fn reset_of_an_unknown_exercise_is_one_line() {
    let output = mldrill(repo(), &["reset", "dataloder", "--force"]);
    assert_eq!(output.status.code(), Some(2));
    let err = text(&output.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("unknown exercise 'dataloder'"), "{err}");
}

fn progress_json(root: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(root.join(".mldrill/progress.json")).unwrap()).unwrap()
}

#[test]
fn the_solution_waits_for_every_task_and_forcing_it_is_recorded() {
    let root = scratch();
    let locked = mldrill(root.path(), &["solution", "dataloader"]);
    assert_eq!(locked.status.code(), Some(1));
    assert!(locked.stdout.is_empty(), "nothing of the solution is shown");
    let why = text(&locked.stderr);
    assert!(why.contains("0 of 6") && why.contains("--force"), "{why}");

    // What `check` records once every task passes.
    let catalog = Catalog::load(&root.path().join("exercises")).unwrap();
    let tasks: serde_json::Map<String, serde_json::Value> = catalog
        .get("dataloader")
        .unwrap()
        .tasks
        .iter()
        .map(|t| {
            (
                format!("dataloader/{}", t.id),
                serde_json::json!({ "status": "pass", "checked_at": 1 }),
            )
        })
        .collect();
    fs::create_dir_all(root.path().join(".mldrill")).unwrap();
    fs::write(
        root.path().join(".mldrill/progress.json"),
        serde_json::json!({ "tasks": tasks }).to_string(),
    )
    .unwrap();
    let earned = mldrill(root.path(), &["solution", "dataloader"]);
    assert_eq!(earned.status.code(), Some(0), "{}", text(&earned.stderr));
    assert!(text(&earned.stdout).contains("impl DataLoader for Reference"));
    assert_eq!(
        progress_json(root.path())["solutions"]["dataloader"]["forced"],
        false
    );

    let forced = mldrill(root.path(), &["solution", "ngram", "--force"]);
    assert_eq!(forced.status.code(), Some(0));
    assert!(text(&forced.stdout).contains("exercises/ngram/trusted/src/reference.rs"));
    assert_eq!(
        progress_json(root.path())["solutions"]["ngram"]["forced"],
        true
    );

    let list = text(&mldrill(root.path(), &["list"]).stdout);
    let row = |id: &str| {
        list.lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id} is listed: {list}"))
            .to_owned()
    };
    assert!(row("dataloader").contains(" 6/6 "), "{list}");
    assert!(!row("dataloader").contains("shown early"), "{list}");
    assert!(row("ngram").contains(" 0/7 ") && row("ngram").contains("solution shown early"));
}

#[test]
fn a_corrupt_progress_file_does_not_break_list() {
    let root = scratch();
    fs::create_dir_all(root.path().join(".mldrill")).unwrap();
    fs::write(root.path().join(".mldrill/progress.json"), "[1, 2").unwrap();
    let output = mldrill(root.path(), &["list"]);
    assert!(output.status.success());
    assert!(text(&output.stderr).contains("unreadable"));
    assert!(text(&output.stdout).contains(" 0/6 "));
}

#[test]
fn the_guide_prints_every_section() {
    let output = mldrill(repo(), &["guide", "dataloader"]);
    assert!(output.status.success());
    let guide = text(&output.stdout);
    for section in [
        "Areas to cover:",
        "Follow-up questions:",
        "Security pivot:",
        "A junior answer:",
        "A senior answer:",
    ] {
        assert!(guide.contains(section), "{section} in {guide}");
    }
    assert!(guide.contains("DistributedSampler"), "{guide}");
    assert!(guide.lines().all(|l| l.chars().count() <= 100));
}

#[test]
fn plan_fits_the_time_and_says_when_nothing_does() {
    let output = mldrill(
        repo(),
        &[
            "plan",
            "--minutes",
            "60",
            "--level",
            "junior",
            "--exercise",
            "dataloader",
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    // Words as a reader sees them, whatever the wrapping.
    let plan = text(&output.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(plan.contains("2 tasks at a junior's pace"), "{plan}");
    assert!(
        plan.contains("dataloader/batching") && plan.contains("dataloader/shuffle"),
        "{plan}"
    );
    assert!(!plan.contains("Hands-on dataloader/distributed"), "{plan}");
    assert!(plan.contains("its last 4 tasks left out"), "{plan}");

    let output = mldrill(repo(), &["plan", "--minutes", "30"]);
    assert_eq!(output.status.code(), Some(2));
    let err = text(&output.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--minutes 40"), "{err}");
}

#[test]
fn completions_need_no_workspace() {
    let not_a_workspace = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let output = mldrill(not_a_workspace.path(), &["completions", shell]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let script = text(&output.stdout);
        assert!(
            script.contains("watch") && script.contains("solution"),
            "{shell}"
        );
    }
    let output = mldrill(not_a_workspace.path(), &["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2));
}

/// What rust-analyzer asks cargo when a learner opens an exercise's folder: the folder
/// must resolve to this workspace, with the spec crate as a local member, so that
/// go-to-definition lands in `exercises/spec` and errors show inline with no setup.
#[test]
fn an_exercise_folder_opens_as_part_of_the_workspace() {
    let catalog = Catalog::load(&repo().join("exercises")).unwrap();
    for exercise in &catalog.exercises {
        let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["metadata", "--no-deps", "--format-version", "1"])
            .current_dir(&exercise.dir)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", text(&output.stderr));
        let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(
            Path::new(metadata["workspace_root"].as_str().unwrap())
                .canonicalize()
                .unwrap(),
            repo().canonicalize().unwrap()
        );
        let members: Vec<&str> = metadata["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(
            members.contains(&"mldrill-spec") && members.contains(&exercise.id.as_str()),
            "{members:?}"
        );
    }
}
