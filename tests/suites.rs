//! The suites bite: every reference passes every property, and every mutant fails at
//! least one property of the task it belongs to.

use mldrill::mutants::dataloader::{Flaw, Mutant};
use mldrill::mutants::ngram as ngram_mutants;
use mldrill::mutants::poison as poison_mutants;
use mldrill::reference::dataloader::Reference;
use mldrill::reference::ngram as ngram_reference;
use mldrill::reference::poison as poison_reference;
use mldrill::suite::{Failure, dataloader, ngram, poison};
use mldrill_spec::dataloader::DataLoader;
use mldrill_spec::ngram::NgramCounter;
use mldrill_spec::poison::PoisonDetector;

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

/// The n-gram properties that measure the heap need the meter as the global allocator and
/// their process to themselves: `tests/ngram_memory.rs` runs them, and the mutants only
/// they catch (`Flaw::METERED`), in a binary of their own.
fn ngram_failures(imp: &(dyn NgramCounter + 'static), task: &str) -> Vec<(&'static str, Failure)> {
    let metered: Vec<&str> = ngram::memory::properties().iter().map(|p| p.id).collect();
    ngram::properties()
        .into_iter()
        .filter(|p| p.task() == task && !metered.contains(&p.id))
        .filter_map(|p| p.run(imp, SEED, CASES).err().map(|f| (p.id, f)))
        .collect()
}

const NGRAM_TASKS: [&str; 7] = [
    "words",
    "padding",
    "chars",
    "topk",
    "matrix",
    "stream",
    "contamination",
];

#[test]
fn reference_ngram_passes_every_property() {
    quiet_panics();
    for task in NGRAM_TASKS {
        let failed = ngram_failures(&ngram_reference::Reference, task);
        assert!(failed.is_empty(), "reference fails {task}: {failed:#?}");
    }
}

#[test]
fn every_ngram_mutant_is_caught_by_its_task() {
    quiet_panics();
    let mut missed = Vec::new();
    let flaws = ngram_mutants::Flaw::ALL.into_iter();
    for (task, flaw) in flaws.filter(|(_, f)| !ngram_mutants::Flaw::METERED.contains(f)) {
        let failed = ngram_failures(&ngram_mutants::Mutant(flaw), task);
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

#[test]
fn every_ngram_task_has_a_mutant_and_both_kinds_of_property() {
    let properties = ngram::properties();
    for task in NGRAM_TASKS {
        assert!(
            ngram_mutants::Flaw::ALL.iter().any(|(t, _)| *t == task),
            "{task} has no mutant"
        );
        for kind in [
            mldrill::suite::Kind::Differential,
            mldrill::suite::Kind::Invariant,
        ] {
            assert!(
                properties
                    .iter()
                    .any(|p| p.task() == task && p.kind == kind),
                "{task} has no {kind:?} property"
            );
        }
    }
}

#[test]
fn ngram_manifest_lists_exactly_the_suite_properties_of_each_task() {
    let catalog = mldrill::catalog::Catalog::load(std::path::Path::new("exercises")).unwrap();
    let exercise = catalog.get("ngram").unwrap();
    let properties = ngram::properties();
    for task in &exercise.tasks {
        let mut listed: Vec<&str> = task.properties.iter().map(String::as_str).collect();
        let mut suite: Vec<&str> = properties
            .iter()
            .filter(|p| p.task() == task.id)
            .map(|p| p.id)
            .collect();
        listed.sort_unstable();
        suite.sort_unstable();
        assert_eq!(listed, suite, "task {}", task.id);
    }
    let tasks: Vec<&str> = exercise.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(tasks, NGRAM_TASKS);
}

fn poison_failures(
    imp: &(dyn PoisonDetector + 'static),
    task: &str,
) -> Vec<(&'static str, Failure)> {
    poison::properties()
        .into_iter()
        .filter(|p| p.task() == task)
        .filter_map(|p| p.run(imp, SEED, CASES).err().map(|f| (p.id, f)))
        .collect()
}

const POISON_TASKS: [&str; 5] = [
    "spectral",
    "detect",
    "end_to_end",
    "label_errors",
    "hard_mode",
];

#[test]
fn reference_poison_passes_every_property() {
    quiet_panics();
    for task in POISON_TASKS {
        let failed = poison_failures(&poison_reference::Reference, task);
        assert!(failed.is_empty(), "reference fails {task}: {failed:#?}");
    }
}

#[test]
fn every_poison_mutant_is_caught_by_its_task() {
    quiet_panics();
    let mut missed = Vec::new();
    for (task, flaw) in poison_mutants::Flaw::ALL {
        let failed = poison_failures(&poison_mutants::Mutant(flaw), task);
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

#[test]
fn every_poison_task_has_a_mutant_and_both_kinds_of_property() {
    let properties = poison::properties();
    for task in POISON_TASKS {
        assert!(
            poison_mutants::Flaw::ALL.iter().any(|(t, _)| *t == task),
            "{task} has no mutant"
        );
        for kind in [
            mldrill::suite::Kind::Differential,
            mldrill::suite::Kind::Invariant,
        ] {
            assert!(
                properties
                    .iter()
                    .any(|p| p.task() == task && p.kind == kind),
                "{task} has no {kind:?} property"
            );
        }
    }
}

#[test]
fn poison_manifest_lists_exactly_the_suite_properties_of_each_task() {
    let catalog = mldrill::catalog::Catalog::load(std::path::Path::new("exercises")).unwrap();
    let exercise = catalog.get("poison").unwrap();
    let properties = poison::properties();
    for task in &exercise.tasks {
        let mut listed: Vec<&str> = task.properties.iter().map(String::as_str).collect();
        let mut suite: Vec<&str> = properties
            .iter()
            .filter(|p| p.task() == task.id)
            .map(|p| p.id)
            .collect();
        listed.sort_unstable();
        suite.sort_unstable();
        assert_eq!(listed, suite, "task {}", task.id);
    }
    let tasks: Vec<&str> = exercise.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(tasks, POISON_TASKS);
}
