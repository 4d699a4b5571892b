//! The suites bite: every reference passes every property, and every mutant fails at
//! least one property of the task it belongs to.

use mldrill::mutants::dataloader::{Flaw, Mutant};
use mldrill::reference::dataloader::Reference;
use mldrill::suite::{Failure, dataloader};
use mldrill_spec::dataloader::DataLoader;

const SEED: u64 = 20_261_122;
const CASES: u32 = 64;

fn quiet_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}

fn failures(imp: &(dyn DataLoader + 'static), task: &str) -> Vec<(&'static str, Failure)> {
    dataloader::properties()
        .into_iter()
        .filter(|p| p.task() == task)
        .filter_map(|p| p.run(imp, SEED, CASES).err().map(|f| (p.id, f)))
        .collect()
}

#[test]
fn reference_dataloader_passes_every_property() {
    quiet_panics();
    for task in [
        "batching",
        "shuffle",
        "distributed",
        "collate",
        "sequences",
        "resume",
    ] {
        let failed = failures(&Reference, task);
        assert!(failed.is_empty(), "reference fails {task}: {failed:#?}");
    }
}

#[test]
fn every_dataloader_mutant_is_caught_by_its_task() {
    quiet_panics();
    let mut missed = Vec::new();
    for (task, flaw) in Flaw::ALL {
        let failed = failures(&Mutant(flaw), task);
        if failed.is_empty() {
            missed.push((task, flaw));
        } else {
            eprintln!(
                "{flaw:?} caught by {:?}",
                failed.iter().map(|f| f.0).collect::<Vec<_>>()
            );
        }
    }
    assert!(missed.is_empty(), "mutants not caught: {missed:?}");
}
