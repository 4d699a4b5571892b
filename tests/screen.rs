//! An exported screen as the candidate lives it: `make test` prints one line per task of
//! every exercise, a total, the time left and the first failure (quietly, even with
//! `RUST_BACKTRACE=1`), `make test TASK=<id>` runs one task, `Cargo.lock` is never
//! rewritten, and `make pack` writes a small archive of exactly what is graded, which
//! `mldrill grade` accepts. Also: the export refuses nonsense times and warns when the
//! exercises do not fit.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::{checkout_target, grading_cache, repo};

fn mldrill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mldrill"))
        .args(["--root", repo().to_str().unwrap()])
        .args(args)
        .env("MLDRILL_CACHE", grading_cache())
        .env_remove("MLDRILL_ROOT")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `make <args>` in the exported screen, as a candidate's shell would run it (with a
/// backtrace asked for, as many machines have it), sharing the checkout's build folder
/// and libtorch so that libtorch's bindings are not compiled again.
fn make(screen: &Path, args: &[&str]) -> Output {
    Command::new("make")
        .arg("--no-print-directory")
        .args(args)
        .current_dir(screen)
        .env("RUST_BACKTRACE", "1")
        .env("CARGO_TARGET_DIR", checkout_target())
        // Exactly the value `.cargo/config.toml` gives a build in the checkout.
        .env("LIBTORCH", repo().join(".libtorch"))
        .env("MLDRILL_QUIET", "1")
        .output()
        .unwrap()
}

fn export(out: &Path, exercises: &str, minutes: &str) -> Output {
    mldrill(&[
        "screen",
        "export",
        "--exercises",
        exercises,
        "--minutes",
        minutes,
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn nonsense_times_are_refused_and_exercises_that_do_not_fit_are_warned_about() {
    let scratch = tempfile::tempdir().unwrap();
    let refused = export(&scratch.path().join("short"), "dataloader", "5");
    assert_eq!(refused.status.code(), Some(2));
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("10..=600"), "{stderr}");
    assert!(!scratch.path().join("short").exists());

    let tight = export(&scratch.path().join("tight"), "dataloader,ngram", "90");
    assert!(tight.status.success(), "{}", text(&tight.stderr));
    let stderr = text(&tight.stderr);
    assert!(
        stderr.contains("warning: the exercises take about 175 minutes")
            && stderr.contains("dataloader 75 + ngram 90")
            && stderr.contains("mldrill plan --minutes 90"),
        "{stderr}"
    );

    let roomy = export(&scratch.path().join("roomy"), "dataloader", "90");
    assert!(roomy.status.success());
    assert!(
        !text(&roomy.stderr).contains("warning"),
        "{}",
        text(&roomy.stderr)
    );
}

#[test]
fn the_candidate_gets_one_line_per_task_the_time_left_and_a_small_pack_that_grades() {
    let scratch = tempfile::tempdir().unwrap();
    let screen = scratch.path().join("screen");
    let exported = export(&screen, "dataloader,ngram", "120");
    assert!(exported.status.success(), "{}", text(&exported.stderr));

    // Every text the candidate reads names commands the candidate has.
    for entry in walk(&screen) {
        let text = fs::read_to_string(&entry).unwrap_or_default();
        assert!(
            !text.contains("`mldrill "),
            "{} names an mldrill command",
            entry.display()
        );
    }
    let readme = fs::read_to_string(screen.join("README.md")).unwrap();
    for expected in [
        "**120 minutes**",
        "make test TASK=batching",
        "make pack",
        "submission.tar.gz",
    ] {
        assert!(
            readme.contains(expected),
            "README lacks {expected:?}:\n{readme}"
        );
    }
    let lock = fs::read(screen.join("Cargo.lock")).unwrap();

    // The untouched stubs: every task of both exercises, quietly.
    let run = make(&screen, &["test"]);
    let stdout = text(&run.stdout);
    let stderr = text(&run.stderr);
    assert!(run.status.success(), "{stdout}\n{stderr}");
    for task in [
        "dataloader/batching",
        "dataloader/resume",
        "ngram/words",
        "ngram/contamination",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(task))
            .unwrap_or_else(|| panic!("no line for {task}:\n{stdout}"));
        assert!(line.contains("not_implemented"), "{line}");
    }
    let task_lines = stdout
        .lines()
        .filter(|l| l.starts_with("  dataloader/") || l.starts_with("  ngram/"))
        .count();
    assert_eq!(task_lines, 13, "one line per task:\n{stdout}");
    assert!(stdout.contains("0 of 13 tasks pass"), "{stdout}");
    assert!(
        stdout.contains("of 120 minutes left"),
        "the clock:\n{stdout}"
    );
    assert!(
        stdout.contains("next: implement task `batching` in exercises/dataloader/src/lib.rs"),
        "{stdout}"
    );
    assert!(
        stdout.lines().count() < 30
            && !stderr.contains("panicked")
            && !stderr.contains("proptest:")
            && !stderr.contains("backtrace"),
        "quiet output:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        fs::read(screen.join("Cargo.lock")).unwrap(),
        lock,
        "Cargo.lock is used as shipped"
    );

    // A wrong answer and a panic: the first failure with its counterexample, one task.
    let lib = screen.join("exercises/dataloader/src/lib.rs");
    let stub = fs::read_to_string(&lib).unwrap();
    let wrong = stub.replace(
        "todo!(\"task batching\")",
        "Ok((0..n).collect::<Vec<_>>().chunks(batch_size.max(1)).map(<[usize]>::to_vec).collect())",
    );
    assert_ne!(wrong, stub);
    fs::write(&lib, &wrong).unwrap();
    let one = make(&screen, &["test", "TASK=batching"]);
    let stdout = text(&one.stdout);
    assert!(one.status.success(), "{stdout}\n{}", text(&one.stderr));
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("  dataloader/"))
            .count(),
        1,
        "one task:\n{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("  dataloader/batching ") && l.contains(" fail ")),
        "{stdout}"
    );
    assert!(
        stdout.contains("fail dataloader/batching/")
            && stdout.contains("minimal counterexample: ")
            && stdout.contains("replay: make test TASK=dataloader/batching"),
        "{stdout}"
    );
    let panicking = stub.replace(
        "todo!(\"task batching\")",
        "{ assert!(batch_size > 0, \"a batch holds something\"); \
         Ok((0..n).collect::<Vec<_>>().chunks(batch_size).map(<[usize]>::to_vec) \
         .filter(|b| !drop_last || b.len() == batch_size).collect()) }",
    );
    fs::write(&lib, &panicking).unwrap();
    let panicked = make(&screen, &["test", "TASK=dataloader/batching"]);
    let stdout = text(&panicked.stdout);
    assert!(
        stdout.contains(
            "fail dataloader/batching/rejects_zero_batch_size: panicked at exercises/dataloader/src/lib.rs:"
        ) && stdout.contains(": a batch holds something\n  minimal counterexample: n = 0, drop_last = false"),
        "{stdout}\n{}",
        text(&panicked.stderr)
    );
    let unknown = make(&screen, &["test", "TASK=shufle"]);
    assert!(!unknown.status.success());
    assert!(
        text(&unknown.stderr).contains("no task 'shufle' in this screen"),
        "{}",
        text(&unknown.stderr)
    );

    // The pack: small, exactly what is graded, and gradable.
    let pack = make(&screen, &["pack"]);
    assert!(pack.status.success(), "{}", text(&pack.stderr));
    let archive = screen.join("submission.tar.gz");
    assert!(text(&pack.stdout).contains("submission.tar.gz"));
    let size = fs::metadata(&archive).unwrap().len();
    assert!(size < 100 * 1024, "the pack is {size} bytes");
    let listing = Command::new("tar")
        .arg("tzf")
        .arg(&archive)
        .output()
        .unwrap();
    let mut entries: Vec<String> = text(&listing.stdout).lines().map(str::to_owned).collect();
    entries.sort();
    assert_eq!(
        entries,
        [
            "exercises/dataloader/src/lib.rs",
            "exercises/ngram/src/lib.rs",
            "mldrill-screen.toml"
        ]
    );
    let graded = mldrill(&[
        "grade",
        "--exercise",
        "dataloader",
        "--cases",
        "8",
        archive.to_str().unwrap(),
    ]);
    let stdout = text(&graded.stdout);
    assert_eq!(
        graded.status.code(),
        Some(1),
        "{stdout}\n{}",
        text(&graded.stderr)
    );
    assert!(
        stdout.contains("(export record)")
            && stdout.contains("FAIL batching/rejects_zero_batch_size"),
        "{stdout}"
    );
    assert!(!stdout.contains("could not be graded"), "{stdout}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}
