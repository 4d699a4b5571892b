//! `mldrill grade` end to end on a batch of submissions, hostile ones included: each gets a
//! precise status, the batch never stops, the reports agree, and nothing the submissions
//! try to write lands anywhere.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The grading slots of these tests, kept warm between runs; never the user's cache.
fn grading_cache() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo().join("target"), PathBuf::from);
    target.join("fixtures").join("grading")
}

fn fixture(name: &str) -> String {
    fs::read_to_string(repo().join("tests/fixtures/submissions").join(name)).unwrap()
}

fn stub() -> String {
    fs::read_to_string(repo().join("exercises/dataloader/src/lib.rs")).unwrap()
}

fn submit(batch: &Path, name: &str, lib_rs: &[u8]) -> PathBuf {
    let root = batch.join(name);
    let src = root.join("exercises/dataloader/src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("lib.rs"), lib_rs).unwrap();
    root
}

/// A tar.gz whose entries include paths that climb out of any extraction folder.
fn escaping_tarball(path: &Path, lib_rs: &str) {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    ));
    let mut append = |name: &[u8], data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append(&header, data).unwrap();
    };
    append(b"exercises/dataloader/src/lib.rs", lib_rs.as_bytes());
    append(b"../../escaped.rs", b"pub fn escaped() {}");
    append(
        b"exercises/dataloader/src/../../../../escaped2.rs",
        b"pub fn escaped() {}",
    );
    builder.into_inner().unwrap().finish().unwrap();
}

fn statuses(submission: &Value) -> Vec<String> {
    submission["exercises"][0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_hostile_batch_is_graded_precisely_and_contained() {
    let scratch = tempfile::tempdir().unwrap();
    let batch = scratch.path().join("batch");
    let marker = scratch.path().join("written-by-candidate.pt");
    fs::create_dir_all(&batch).unwrap();

    submit(
        &batch,
        "misbehaves",
        fixture("misbehaves.rs")
            .replace("MARKER", marker.to_str().unwrap())
            .as_bytes(),
    );
    for rejected in [
        "include_reference",
        "read_suites",
        "unsafe_pointer",
        "fork_bomb",
        "exit_zero",
        "hidden_macro",
    ] {
        submit(
            &batch,
            rejected,
            fixture(&format!("{rejected}.rs")).as_bytes(),
        );
    }
    submit(
        &batch,
        "non_utf8",
        &fs::read(repo().join("tests/fixtures/submissions/non_utf8.rs")).unwrap(),
    );
    let reference = fs::read_to_string(repo().join("src/reference/dataloader.rs")).unwrap();
    submit(
        &batch,
        "solution",
        format!("{reference}\npub use Reference as Candidate;\n").as_bytes(),
    );

    // Everything but the sources is ignored: a build script, a changed manifest, cargo config.
    let build_marker = scratch.path().join("build-script-ran");
    let tampered = submit(&batch, "build_script", stub().as_bytes());
    fs::write(
        tampered.join("exercises/dataloader/build.rs"),
        format!(
            "fn main() {{ std::fs::write({:?}, \"ran\").unwrap(); }}",
            build_marker
        ),
    )
    .unwrap();
    fs::write(
        tampered.join("exercises/dataloader/Cargo.toml"),
        "[package]\nname = \"dataloader\"\nbuild = \"build.rs\"\n[dependencies]\nlibc = \"0.2\"\n",
    )
    .unwrap();
    fs::create_dir_all(tampered.join(".cargo")).unwrap();
    fs::write(
        tampered.join(".cargo/config.toml"),
        "[build]\nrustflags = [\"--cfg\", \"evil\"]\n",
    )
    .unwrap();

    let linked = batch.join("symlink/exercises/dataloader/src");
    fs::create_dir_all(&linked).unwrap();
    std::os::unix::fs::symlink(
        repo().join("src/reference/dataloader.rs"),
        linked.join("lib.rs"),
    )
    .unwrap();

    escaping_tarball(&batch.join("escape.tar.gz"), &stub());

    let screen = batch.join("screen");
    let export = Command::new(env!("CARGO_BIN_EXE_mldrill"))
        .args([
            "--root",
            repo().to_str().unwrap(),
            "screen",
            "export",
            "--exercises",
            "dataloader",
            "--minutes",
            "45",
            "--seed",
            "5",
            "--out",
        ])
        .arg(&screen)
        .output()
        .unwrap();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );

    let reports = scratch.path().join("reports");
    fs::create_dir_all(&reports).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mldrill"))
        .args([
            "--root",
            repo().to_str().unwrap(),
            "grade",
            "--exercise",
            "dataloader",
            "--seed",
            "1",
            "--cases",
            "16",
        ])
        .args([
            "--timeout",
            "30",
            "--memory",
            "512",
            "--jobs",
            "1",
            "--batch",
        ])
        .arg(&batch)
        .arg("--json")
        .arg(reports.join("grades.json"))
        .arg("--junit")
        .arg(reports.join("grades.xml"))
        .arg("--csv")
        .arg(reports.join("grades.csv"))
        .env("MLDRILL_CACHE", grading_cache())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "not every submission passes\n{stderr}"
    );

    let json: Value =
        serde_json::from_str(&fs::read_to_string(reports.join("grades.json")).unwrap()).unwrap();
    assert_eq!(json["schema_version"], 1);
    let submissions = json["submissions"].as_array().unwrap();
    let by_name = |name: &str| {
        submissions
            .iter()
            .find(|s| s["submission"] == name)
            .unwrap_or_else(|| panic!("{name} graded"))
    };

    assert_eq!(
        statuses(by_name("misbehaves")),
        ["fail", "fail", "crashed", "timeout", "memory", "crashed"]
    );
    for rejected in [
        "include_reference",
        "read_suites",
        "unsafe_pointer",
        "fork_bomb",
        "exit_zero",
        "hidden_macro",
        "non_utf8",
    ] {
        let graded = by_name(rejected);
        assert!(
            statuses(graded).iter().all(|s| s == "rejected"),
            "{rejected}: {graded:#}"
        );
        let violation = &graded["exercises"][0]["policy"][0];
        assert!(
            violation["file"]
                .as_str()
                .unwrap()
                .ends_with("exercises/dataloader/src/lib.rs"),
            "{violation}"
        );
        assert!(violation["line"].as_u64().unwrap() >= 1);
    }
    assert!(
        by_name("non_utf8")["exercises"][0]["policy"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("byte offset")
    );
    let solution = by_name("solution");
    assert!(
        statuses(solution).iter().all(|s| s == "pass"),
        "{solution:#}"
    );
    // Tasks earn 100; the benchmark (the reference against itself) is measured and near 1x.
    let performance = &solution["exercises"][0]["performance"];
    let ratio = performance["ratio"]
        .as_f64()
        .unwrap_or_else(|| panic!("measured: {performance}"));
    assert!(
        (0.5..2.0).contains(&ratio),
        "the reference timed against itself: {performance}"
    );
    assert!(solution["points"].as_u64().unwrap() >= 100, "{solution:#}");
    assert_eq!(solution["max_points"], 110);
    assert!(
        statuses(by_name("build_script"))
            .iter()
            .all(|s| s == "not_implemented")
    );
    let symlinked = by_name("symlink");
    assert!(
        symlinked["error"]
            .as_str()
            .unwrap()
            .contains("no candidate sources"),
        "{symlinked:#}"
    );
    assert!(
        symlinked["ignored"][0]
            .as_str()
            .unwrap()
            .contains("symbolic link")
    );
    let escape = by_name("escape.tar.gz");
    assert!(statuses(escape).iter().all(|s| s == "not_implemented"));
    assert_eq!(escape["ignored"].as_array().unwrap().len(), 2, "{escape:#}");
    let screened = by_name("screen");
    assert_eq!(screened["minutes_allowed"], 45);
    assert!(statuses(screened).iter().all(|s| s == "not_implemented"));

    // Nothing a submission tried to write exists anywhere.
    assert!(!marker.exists(), "the runner wrote a file");
    assert!(!build_marker.exists(), "a submitted build script ran");
    for escaped in ["escaped.rs", "escaped2.rs"] {
        assert!(!scratch.path().join(escaped).exists() && !batch.join(escaped).exists());
    }

    let csv = fs::read_to_string(reports.join("grades.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + submissions.len(), "{csv}");
    assert!(
        csv.lines()
            .any(|l| l.starts_with("solution,") && l.contains(",110,true,")),
        "{csv}"
    );
    let junit = fs::read_to_string(reports.join("grades.xml")).unwrap();
    assert!(
        junit.contains("<testsuites") && junit.contains("solution::dataloader"),
        "JUnit names suites"
    );
}

#[test]
fn the_scorecard_puts_the_guide_beside_the_grade() {
    let scratch = tempfile::tempdir().unwrap();
    let screen = scratch.path().join("screen");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mldrill"))
            .args(["--root", repo().to_str().unwrap()])
            .args(args)
            .env("MLDRILL_CACHE", grading_cache())
            .output()
            .unwrap()
    };
    let export = run(&[
        "screen",
        "export",
        "--exercises",
        "dataloader",
        "--minutes",
        "30",
        "--out",
        screen.to_str().unwrap(),
    ]);
    assert!(export.status.success());
    for hidden in ["exercise.toml", "reference", "mutants", "differential"] {
        let leaked = walk(&screen)
            .into_iter()
            .find(|p| p.to_string_lossy().contains(hidden));
        assert!(
            leaked.is_none(),
            "the export must not contain {hidden}: {leaked:?}"
        );
    }
    for file in walk(&screen) {
        let text = fs::read_to_string(&file).unwrap_or_default();
        assert!(
            !text.contains("for Reference") && !text.contains("[guide]"),
            "{} leaks the reference or the guide",
            file.display()
        );
    }
    let card = scratch.path().join("card.md");
    let graded = run(&[
        "grade",
        "--cases",
        "8",
        "--markdown",
        card.to_str().unwrap(),
        screen.to_str().unwrap(),
    ]);
    assert_eq!(
        graded.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&graded.stderr)
    );
    let card = fs::read_to_string(card).unwrap();
    for expected in [
        "# Scorecard: screen",
        "0 / 110",
        "of 30 min allowed",
        "### Interviewer guide",
        "- [ ] ",
        "Junior answer",
        "| batching | not_implemented |",
    ] {
        assert!(
            card.contains(expected),
            "scorecard lacks {expected:?}:\n{card}"
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}
