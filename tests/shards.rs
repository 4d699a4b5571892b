//! Grading beyond one machine, end to end: a batch graded in three shards and merged with
//! `mldrill report merge` gives the same reports as the batch graded at once, copied work
//! across shards included, and copies are flagged while an independent solution is not.
//!
//! The submissions carry `unsafe`, so the source policy rejects them before any build:
//! the test exercises sharding, merging and similarity, not the compiler.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;
use common::{grading_cache, repo};

fn mldrill(args: &[&str]) -> std::process::Output {
    let output = Command::new(env!("CARGO_BIN_EXE_mldrill"))
        .args(["--root", repo().to_str().unwrap(), "--quiet"])
        .args(args)
        .env("MLDRILL_CACHE", grading_cache())
        .env_remove("MLDRILL_ROOT")
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "mldrill {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn submit(batch: &Path, name: &str, lib_rs: &str) {
    let src = batch.join(name).join("exercises/dataloader/src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("lib.rs"), lib_rs).unwrap();
}

/// The JSON with the times of the run (when it was graded, how long it took) taken out:
/// they measure the run, not the submission.
fn without_times(path: &Path) -> Value {
    let mut json: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    for submission in json["submissions"].as_array_mut().unwrap() {
        submission["graded_at"] = Value::Null;
        submission["grading_seconds"] = Value::Null;
    }
    json
}

/// The CSV without its `grading_seconds` column, for the same reason.
fn csv_without_times(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let column = rows[0].iter().position(|c| c == "grading_seconds").unwrap();
    rows.into_iter()
        .map(|mut row| {
            row.remove(column);
            row
        })
        .collect()
}

#[test]
fn three_shards_merged_equal_one_unsharded_batch() {
    let scratch = tempfile::tempdir().unwrap();
    let (batch, out) = (scratch.path().join("batch"), scratch.path().join("out"));
    fs::create_dir_all(&out).unwrap();
    let rejected = |source: String| {
        format!("{source}\npub fn peek(p: *const u8) -> u8 {{ unsafe {{ *p }} }}\n")
    };
    let reference = rejected(
        fs::read_to_string(repo().join("exercises/dataloader/trusted/src/reference.rs"))
            .unwrap()
            .replace("Reference", "Candidate"),
    );
    let renamed = reference
        .replace("order", "sequence")
        .replace("batch_size", "bs")
        .replace("chunk", "split_up")
        .replace("\n\n", "\n// written on my own, honest\n\n");
    let independent = rejected(
        fs::read_to_string(repo().join("tests/fixtures/similarity/dataloader_independent.rs"))
            .unwrap(),
    );
    submit(&batch, "alice", &reference);
    submit(&batch, "bob", &reference);
    submit(&batch, "carol", &renamed);
    submit(&batch, "dave", &independent);
    fs::create_dir_all(batch.join("erin/empty")).unwrap();
    let names = scratch.path().join("names.csv");
    fs::write(
        &names,
        "submission,candidate\nalice,Alice A.\ndave,Dave D.\n",
    )
    .unwrap();

    let reports = |prefix: &str| -> Vec<String> {
        ["json", "csv", "xml", "html", "md"]
            .iter()
            .map(|ext| out.join(format!("{prefix}.{ext}")).display().to_string())
            .collect()
    };
    let flags = |paths: &[String]| {
        vec![
            "--json".to_owned(),
            paths[0].clone(),
            "--csv".to_owned(),
            paths[1].clone(),
            "--junit".to_owned(),
            paths[2].clone(),
            "--html".to_owned(),
            paths[3].clone(),
            "--markdown".to_owned(),
            paths[4].clone(),
        ]
    };
    let batch_arg = batch.display().to_string();
    let names_arg = names.display().to_string();
    let grade = |extra: &[String]| {
        let mut args: Vec<&str> = vec![
            "grade",
            "--batch",
            &batch_arg,
            "--exercise",
            "dataloader",
            "--jobs",
            "1",
            "--seed",
            "5",
            "--name",
            &names_arg,
        ];
        args.extend(extra.iter().map(String::as_str));
        mldrill(&args)
    };

    let whole = reports("whole");
    grade(&flags(&whole));
    let mut shards = Vec::new();
    for k in 1..=3 {
        let json = out.join(format!("shard-{k}.json")).display().to_string();
        grade(&[
            "--shard".to_owned(),
            format!("{k}/3"),
            "--json".to_owned(),
            json.clone(),
        ]);
        shards.push(json);
    }
    let merged = reports("merged");
    let mut args: Vec<String> = vec!["report".into(), "merge".into()];
    args.extend(shards.iter().rev().cloned());
    args.extend(flags(&merged));
    mldrill(&args.iter().map(String::as_str).collect::<Vec<_>>());

    assert_eq!(
        without_times(Path::new(&whole[0])),
        without_times(Path::new(&merged[0]))
    );
    assert_eq!(
        csv_without_times(Path::new(&whole[1])),
        csv_without_times(Path::new(&merged[1]))
    );
    for i in 2..5 {
        assert_eq!(
            fs::read_to_string(&whole[i]).unwrap(),
            fs::read_to_string(&merged[i]).unwrap(),
            "{}",
            whole[i]
        );
    }

    let json = without_times(Path::new(&merged[0]));
    let submission = |name: &str| {
        json["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["submission"] == name)
            .unwrap()
            .clone()
    };
    let similar_to = |name: &str| -> Vec<String> {
        submission(name)["similar"]
            .as_array()
            .map(|flags| {
                flags
                    .iter()
                    .map(|f| f["other"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(similar_to("alice"), ["bob", "carol"]);
    assert_eq!(similar_to("carol"), ["alice", "bob"]);
    assert!(
        similar_to("dave").is_empty(),
        "an independent solution is not flagged"
    );
    assert_eq!(submission("alice")["candidate"], "Alice A.");
    assert_eq!(submission("bob")["candidate"], "bob");
    // Each shard compared only its own share; the merge compared across shards.
    let shard_flags: usize = shards
        .iter()
        .map(|s| {
            let doc: Value = serde_json::from_str(&fs::read_to_string(s).unwrap()).unwrap();
            assert_eq!(doc["shard"]["count"], 3);
            assert_eq!(doc["shard"]["batch_size"], 5);
            doc["submissions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["similar"].as_array().map_or(0, Vec::len))
                .sum::<usize>()
        })
        .sum();
    assert!(
        shard_flags < 6,
        "alice, bob and carol were in different shards"
    );
    let html = fs::read_to_string(&merged[3]).unwrap();
    assert!(html.contains("Possibly copied"));
}

#[test]
fn merge_refuses_an_incomplete_set_of_shards_in_one_line() {
    let scratch = tempfile::tempdir().unwrap();
    let shard = scratch.path().join("s1.json");
    fs::write(&shard, r#"{"schema_version": 2, "shard": {"index": 1, "count": 2, "batch_size": 2}, "submissions": []}"#).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mldrill"))
        .args(["--root", repo().to_str().unwrap(), "report", "merge"])
        .arg(&shard)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("shard 2/2 is missing"), "{stderr}");
}

#[test]
fn a_shard_without_a_batch_is_refused_before_grading() {
    let scratch = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mldrill"))
        .args(["--root", repo().to_str().unwrap(), "grade"])
        .arg(scratch.path())
        .args(["--shard", "1/2"])
        .env("MLDRILL_CACHE", scratch.path().join("cache"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("pass --batch <dir>"), "{stderr}");
    assert!(!scratch.path().join("cache").exists(), "nothing was graded");
}
