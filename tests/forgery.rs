//! Forged verdicts earn nothing. A submission that passes the source policy (no `unsafe`,
//! no banned path) but uses a soundness hole of safe Rust to write forged verdicts to
//! every descriptor, graded through `mldrill grade` as a grader would run it, earns 0
//! points; a file the grader's shell had open stays empty; no SysV IPC object outlives
//! the grade.

use std::fs;
use std::process::Command;

use serde_json::Value;

mod common;
use common::{grading_cache, repo};

/// The ids of the SysV IPC objects of every kind, as `ipcs` lists them.
fn ipc_objects() -> Option<String> {
    let output = Command::new("ipcs").arg("-a").output().ok()?;
    output.status.success().then(|| {
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|l| l.starts_with("0x"))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

#[test]
fn forged_verdicts_through_any_descriptor_earn_nothing_and_reach_no_file() {
    let scratch = tempfile::tempdir().unwrap();
    let submission = scratch.path().join("forger");
    let src = submission.join("exercises/dataloader/src");
    fs::create_dir_all(&src).unwrap();
    fs::copy(
        repo().join("tests/fixtures/hostile/forger.rs"),
        src.join("lib.rs"),
    )
    .unwrap();
    let inherited = scratch.path().join("inherited.log");
    fs::write(&inherited, "").unwrap();
    let report = scratch.path().join("grade.json");
    let ipc_before = ipc_objects();

    // The shell opens descriptor 7 on a file, without close-on-exec, and starts mldrill
    // with it: as a grader's shell script might.
    let output = Command::new("sh")
        .arg("-c")
        .arg(r#"exec 7>>"$1"; shift; exec "$@""#)
        .arg("sh")
        .arg(&inherited)
        .arg(env!("CARGO_BIN_EXE_mldrill"))
        .args(["--root", repo().to_str().unwrap(), "grade"])
        .arg(&submission)
        .args(["--exercise", "dataloader", "--seed", "3", "--cases", "8"])
        .args(["--timeout", "60", "--quiet", "--json"])
        .arg(&report)
        .env("MLDRILL_CACHE", grading_cache())
        .env_remove("MLDRILL_ROOT")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let json: Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    let exercise = &json["submissions"][0]["exercises"][0];
    let tasks = exercise["tasks"].as_array().unwrap();
    assert!(!tasks.is_empty(), "{json}");
    for task in tasks {
        assert_ne!(task["status"], "pass", "{task}");
        assert_ne!(
            task["status"], "rejected",
            "the forger passes the policy: {task}"
        );
        assert_eq!(task["points"], 0, "{task}");
    }
    assert_eq!(exercise["points"], 0, "{exercise}");
    assert_eq!(
        fs::read_to_string(&inherited).unwrap(),
        "",
        "the candidate wrote into a descriptor the grader inherited"
    );
    assert_eq!(
        ipc_objects(),
        ipc_before,
        "an IPC object outlived the grade"
    );
}
