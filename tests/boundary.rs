//! The trust boundary holds: a hostile candidate, built into its own runner without the
//! source policy, gets a precise status for every misbehaviour (timeout, memory, crash,
//! and a plain failure for a panic that imitates an allocator) and never a pass, whatever
//! it prints or however it exits; it cannot read its command line, start a process or
//! make an IPC object; nothing it writes lands outside, nothing it starts outlives the
//! run, and a file the compiler read outside the exercise is found. A report's figure,
//! whose extra calls come after a property's own, never changes its verdict.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mldrill::catalog::Catalog;
use mldrill::runner::{Binary, Build, BuildPlan, OUTPUT_CAP, Request, Runner, Status};
use mldrill::sandbox::Limits;
use mldrill::workspace::{Slot, Sources};

mod common;
use common::{grading_cache, repo};

/// Builds `lib_rs` as the dataloader candidate in `slot`, bypassing the source policy.
fn build(slot: &Slot, lib_rs: Vec<u8>) -> Build {
    build_exercise(slot, "dataloader", lib_rs)
}

/// Builds `lib_rs` as exercise `id`'s candidate in `slot`, bypassing the source policy.
fn build_exercise(slot: &Slot, id: &str, lib_rs: Vec<u8>) -> Build {
    let sources = Sources::from([(id.to_owned(), [("lib.rs".into(), lib_rs)].into())]);
    slot.prepare(repo(), &sources).unwrap();
    let (workspace, target) = (slot.workspace(), slot.target_dir());
    let plan = BuildPlan {
        binary: Binary::Candidate(id.into()),
        workspace: &workspace,
        home: repo(),
        target_dir: Some(&target),
        time_limit: mldrill::runner::BUILD_TIME_LIMIT,
        memory_mib: None,
        quiet: true,
    };
    Runner::build(&plan).unwrap()
}

/// The entries of `dir` whose names carry `mark`.
fn marked(dir: &Path, mark: &str) -> BTreeSet<String> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.contains(mark))
                .collect()
        })
        .unwrap_or_default()
}

/// Processes whose command line carries `mark`.
fn processes_with(mark: &str) -> Vec<String> {
    fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| fs::read(e.path().join("cmdline")).ok())
        .map(|line| String::from_utf8_lossy(&line).replace('\0', " "))
        .filter(|line| line.contains(mark))
        .collect()
}

#[test]
fn hostile_candidate_gets_a_precise_status_for_each_misbehaviour() {
    let scratch = tempfile::tempdir().unwrap();
    let planted = scratch.path().join("planted-secret.txt");
    fs::write(&planted, "the grader's secret").unwrap();
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    let cwd = std::env::current_dir().unwrap();
    let sleep_mark = format!("1000.{}", std::process::id());
    let hostile = fs::read_to_string(repo().join("tests/fixtures/hostile/dataloader.rs"))
        .unwrap()
        .replace("HOME_DIR", home.to_str().unwrap())
        .replace("PLANTED", planted.to_str().unwrap())
        .replace("SLEEP_MARK", &sleep_mark);
    let watched = [home.clone(), cwd, PathBuf::from("/tmp")];
    let before: Vec<BTreeSet<String>> = watched
        .iter()
        .map(|d| marked(d, "mldrill-escape"))
        .collect();

    // Held to the end: no other grade rebuilds this slot's runner while it runs.
    let slot = Slot::acquire(&grading_cache(), 0).unwrap();
    let Build::Ready(runner) = build(&slot, hostile.into_bytes()) else {
        panic!("the hostile fixture must compile");
    };
    let catalog = Catalog::load(&slot.workspace().join("exercises")).unwrap();
    let exercise = catalog.get("dataloader").unwrap();

    // By property id prefix; the first match decides.
    let expected = [
        ("batching/", Status::Timeout),
        ("shuffle/", Status::Memory),
        ("distributed/", Status::Crashed),
        ("collate/", Status::Crashed),
        ("sequences/pad_", Status::NotImplemented),
        ("sequences/buckets_", Status::Fail),
        ("resume/", Status::Memory),
    ];
    // Without a memory cgroup, nothing the kernel says proves a process died of memory:
    // what ran out of it is a crash.
    let memory_status = |sandbox: &[String]| {
        if sandbox
            .iter()
            .any(|s| s.starts_with("memory cgroup: ") && !s.contains("not applied"))
        {
            Status::Memory
        } else {
            Status::Crashed
        }
    };
    let status_of = |property: &str, sandbox: &[String]| {
        expected
            .iter()
            .find(|(p, _)| property.starts_with(p))
            .map(|e| {
                if e.1 == Status::Memory {
                    memory_status(sandbox)
                } else {
                    e.1
                }
            })
    };
    for task_id in [
        "batching",
        "shuffle",
        "distributed",
        "collate",
        "sequences",
        "resume",
    ] {
        let task = exercise.task(task_id).unwrap();
        // Only the endless loop should meet the wall clock; the other misbehaviours get
        // room to end their own way even on a loaded machine.
        let wall_clock = Duration::from_secs(if task_id == "batching" { 8 } else { 120 });
        let request = Request {
            exercise: "dataloader",
            implementation: "candidate",
            properties: &task.properties,
            seed: 7,
            cases: 4,
            limits: Limits::new(512, wall_clock),
            wall_clock,
        };
        let run = runner.run(&request).unwrap();
        assert_eq!(run.verdicts.len(), task.properties.len());
        for verdict in &run.verdicts {
            assert_eq!(
                Some(verdict.status),
                status_of(&verdict.property, &run.sandbox),
                "{task_id}: {verdict:?}\noutput: {}",
                &run.output[..run.output.len().min(2000)]
            );
        }
        assert!(run.output.len() <= OUTPUT_CAP + 200, "output is capped");
        for measure in [
            "memory cgroup",
            "data segment",
            "seccomp",
            "capabilities",
            "descriptors",
        ] {
            assert!(
                run.sandbox.iter().any(|s| s.starts_with(measure)),
                "the report says whether {measure} applied: {:?}",
                run.sandbox
            );
        }
        match task_id {
            "distributed" => {
                // Each property after a death starts a fresh process, which tries again.
                assert_eq!(
                    run.output.matches("WRITE DENIED").count(),
                    3 * run.verdicts.len(),
                    "{}",
                    run.output
                );
                assert!(run.output.contains("READ DENIED"), "{}", run.output);
                assert!(!run.output.contains("LEAKED") && !run.output.contains("WROTE"));
                // Neither the seed nor a property id is anywhere a candidate can read.
                assert!(!run.output.contains("--seed") && !run.output.contains("--property"));
                assert!(run.output.contains("IPC DENIED"), "{}", run.output);
            }
            "sequences" => {
                assert!(
                    run.output.contains("more bytes of output dropped"),
                    "the flood was cut"
                );
                // The seccomp filter lets a runner start threads, never processes; and
                // nothing it could have started outlives it.
                let seccomp = run
                    .sandbox
                    .iter()
                    .any(|s| s == "seccomp: syscall allowlist");
                if seccomp {
                    assert!(!run.output.contains("SLEEPER STARTED"), "{}", run.output);
                }
                let left = processes_with(&sleep_mark);
                assert!(
                    left.is_empty(),
                    "sleepers outlived the run: {left:?} (sandbox: {:?})",
                    run.sandbox
                );
            }
            _ => {}
        }
    }
    for (dir, before) in watched.iter().zip(&before) {
        assert_eq!(
            &marked(dir, "mldrill-escape"),
            before,
            "the candidate wrote into {}",
            dir.display()
        );
    }
}

#[test]
fn a_path_the_policy_missed_shows_in_what_the_compiler_read() {
    let slot = Slot::acquire(&grading_cache(), 0).unwrap();
    let source = fs::read(repo().join("tests/fixtures/submissions/cfg_attr_path.rs")).unwrap();
    let Build::Ready(_) = build(&slot, source) else {
        panic!("the module attribute compiles when no policy stops it");
    };
    let outside =
        mldrill::depinfo::outside_reads(&slot.target_dir(), &slot.workspace(), "dataloader")
            .unwrap();
    assert!(
        outside
            .iter()
            .any(|p| p.ends_with("trusted/src/reference.rs")),
        "{outside:?}"
    );
}

#[test]
fn a_candidate_that_does_not_compile_breaks_only_its_own_exercise() {
    let slot = Slot::acquire(&grading_cache(), 0).unwrap();
    let stub = fs::read(repo().join("exercises/dataloader/src/lib.rs")).unwrap();
    let broken = b"pub struct Candidate;\nfn broken() -> u32 { \"not a number\" }\n".to_vec();
    let sources = Sources::from([
        ("dataloader".to_owned(), [("lib.rs".into(), stub)].into()),
        ("ngram".to_owned(), [("lib.rs".into(), broken)].into()),
    ]);
    slot.prepare(repo(), &sources).unwrap();
    let (workspace, target) = (slot.workspace(), slot.target_dir());
    let build = |binary: Binary| {
        let plan = BuildPlan {
            binary,
            workspace: &workspace,
            home: repo(),
            target_dir: Some(&target),
            time_limit: mldrill::runner::BUILD_TIME_LIMIT,
            memory_mib: Some(mldrill::runner::CANDIDATE_BUILD_MEMORY_MIB),
            quiet: true,
        };
        Runner::build(&plan).unwrap()
    };
    match build(Binary::Candidate("ngram".into())) {
        Build::Failed(log) => assert!(log.contains("mismatched types"), "{log}"),
        Build::Ready(_) => panic!("the broken ngram candidate must not build"),
    }
    let Build::Ready(_) = build(Binary::Candidate("dataloader".into())) else {
        panic!("the dataloader runner does not link the ngram candidate");
    };
    let Build::Ready(references) = build(Binary::References) else {
        panic!("the references' runner links no candidate");
    };
    let catalog = Catalog::load(&workspace.join("exercises")).unwrap();
    let task = catalog.get("ngram").unwrap().task("words").unwrap();
    let wall_clock = Duration::from_secs(120);
    let run = |implementation: &str| {
        let request = Request {
            exercise: "ngram",
            implementation,
            properties: &task.properties,
            seed: 3,
            cases: 4,
            limits: Limits::new(1024, wall_clock),
            wall_clock,
        };
        references.run(&request)
    };
    let reference = run("reference").unwrap();
    assert!(
        reference.verdicts.iter().all(|v| v.status == Status::Pass),
        "{:?}",
        reference.verdicts
    );
    // It never stands in for the candidate: it does not start as one.
    let refused = run("candidate");
    assert!(refused.is_err());
}

#[test]
fn a_process_that_dies_while_a_figure_is_drawn_keeps_its_verdict() {
    let hostile = fs::read(repo().join("tests/fixtures/hostile/poison_figure.rs")).unwrap();
    let slot = Slot::acquire(&grading_cache(), 0).unwrap();
    let Build::Ready(runner) = build_exercise(&slot, "poison", hostile) else {
        panic!("the fixture must compile");
    };
    let wall_clock = Duration::from_secs(120);
    let run = |property: &str| {
        let properties = [property.to_owned()];
        let request = Request {
            exercise: "poison",
            implementation: "candidate",
            properties: &properties,
            seed: 7,
            cases: 8,
            limits: Limits::new(2048, wall_clock),
            wall_clock,
        };
        runner.run(&request).unwrap()
    };
    // Its own calls all answered, rightly: a pass, and the figure that died with the
    // process is simply not there.
    let detect = run("detect/finds_obvious_poison");
    assert_eq!(
        detect.verdicts[0].status,
        Status::Pass,
        "{:?}",
        detect.verdicts
    );
    assert!(detect.figures.is_empty(), "{:?}", detect.figures.len());
    // Where the property itself asks for the scores, the death is the verdict.
    let spectral = run("spectral/shape_and_sign");
    assert_eq!(
        spectral.verdicts[0].status,
        Status::Crashed,
        "{:?}",
        spectral.verdicts
    );
}
