//! The trust boundary holds: a hostile candidate, built into its own runner, gets a precise
//! status for every misbehaviour (timeout, memory, crash) and never a pass, whatever it
//! prints or however it exits.

use std::path::{Path, PathBuf};
use std::time::Duration;

use mldrill::catalog::Catalog;
use mldrill::runner::{Build, BuildPlan, OUTPUT_CAP, Request, Runner, Status};
use mldrill::sandbox::Limits;
use mldrill::workspace::{Slot, Sources};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The grading slots the tests share (with `tests/grade.rs`), kept warm between runs so only
/// the first build is cold; never the checkout's own target folder, whose builds a copy of
/// the same layout would overwrite.
fn grading_cache() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo().join("target"), PathBuf::from);
    target.join("fixtures").join("grading")
}

#[test]
fn hostile_candidate_gets_a_precise_status_for_each_misbehaviour() {
    // Held to the end: no other grade rebuilds this slot's runner while it runs.
    let slot = Slot::acquire(&grading_cache(), 0).unwrap();
    let hostile = std::fs::read(repo().join("tests/fixtures/hostile/dataloader.rs")).unwrap();
    let sources = Sources::from([("dataloader".to_owned(), [("lib.rs".into(), hostile)].into())]);
    slot.prepare(repo(), &sources).unwrap();
    let (workspace, target) = (slot.workspace(), slot.target_dir());
    let plan = BuildPlan {
        workspace: &workspace,
        home: repo(),
        target_dir: Some(&target),
        time_limit: mldrill::runner::BUILD_TIME_LIMIT,
        quiet: true,
    };
    let Build::Ready(runner) = Runner::build(&plan).unwrap() else {
        panic!("the hostile fixture must compile");
    };
    let catalog = Catalog::load(&workspace.join("exercises")).unwrap();
    let exercise = catalog.get("dataloader").unwrap();

    // By property id prefix; the first match decides.
    let expected = [
        ("batching/", Status::Timeout),
        ("shuffle/", Status::Memory),
        ("distributed/", Status::Crashed),
        ("collate/", Status::Crashed),
        ("sequences/pad_", Status::NotImplemented),
        ("sequences/buckets_", Status::Crashed),
        ("resume/", Status::Memory),
    ];
    let status_of = |property: &str| {
        expected
            .iter()
            .find(|(p, _)| property.starts_with(p))
            .map(|e| e.1)
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
        let request = Request {
            exercise: "dataloader",
            implementation: "candidate",
            properties: &task.properties,
            seed: 7,
            cases: 4,
            limits: Limits {
                memory_mib: 512,
                ..Limits::default()
            },
            // Only the endless loop should meet the wall clock; the other misbehaviours get
            // room to end their own way even on a loaded machine.
            wall_clock: Duration::from_secs(if task_id == "batching" { 8 } else { 120 }),
        };
        let run = runner.run(&request).unwrap();
        assert_eq!(run.verdicts.len(), task.properties.len());
        for verdict in &run.verdicts {
            assert_eq!(
                Some(verdict.status),
                status_of(&verdict.property),
                "{task_id}: {verdict:?}\noutput: {}",
                &run.output[..run.output.len().min(2000)]
            );
        }
        assert!(run.output.len() <= OUTPUT_CAP + 100, "output is capped");
        if task_id == "sequences" {
            assert!(
                run.output.contains("more bytes of output dropped"),
                "the flood was cut"
            );
        }
    }
}
