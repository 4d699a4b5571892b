//! The suite grades: the reference passes every property, every mutant fails at least one
//! property of its own task, and the untouched stub fails every property as not
//! implemented.

use mldrill_pack::Property;
use privacy_api::Privacy;
use privacy_trusted::mutants::{Flaw, Mutant};
use privacy_trusted::reference::Reference;
use privacy_trusted::{differential, invariant};

const SEED: u64 = 5;
const CASES: u32 = 32;

fn all_properties() -> Vec<Property<dyn Privacy>> {
    let mut all = invariant::properties();
    all.extend(differential::properties());
    all
}

#[test]
fn the_reference_passes_every_property() {
    tch::set_num_threads(1);
    for p in all_properties() {
        if let Err(f) = p.run(&Reference, SEED, CASES) {
            panic!("{}: {} ({:?})", p.id, f.reason, f.counterexample);
        }
    }
}

#[test]
fn every_mutant_fails_its_own_task() {
    tch::set_num_threads(1);
    let properties = all_properties();
    for (task, flaw) in Flaw::ALL {
        let caught: Vec<&str> = properties
            .iter()
            .filter(|p| p.task() == task)
            .filter(|p| p.run(&Mutant(flaw), SEED, CASES).is_err())
            .map(|p| p.id)
            .collect();
        assert!(
            !caught.is_empty(),
            "mutant {flaw:?} passes every property of task {task}"
        );
        println!("{flaw:?}: caught by {caught:?}");
    }
}

#[test]
fn the_stub_is_not_implemented_anywhere() {
    for p in all_properties() {
        let failure = p.run(&privacy::Candidate, SEED, CASES).expect_err(p.id);
        assert!(failure.is_not_implemented(), "{}: {}", p.id, failure.reason);
    }
}

#[test]
fn every_task_has_properties_and_every_property_a_task_of_the_manifest() {
    let manifest = include_str!("../../exercise.toml");
    for p in all_properties() {
        assert!(
            manifest.contains(&format!("\"{}\"", p.id)),
            "{} is not in exercise.toml",
            p.id
        );
    }
    let listed = manifest.matches("\"loss_attack/").count()
        + manifest.matches("\"calibrated_attack/").count()
        + manifest.matches("\"metrics/").count()
        + manifest.matches("\"dp_sgd_step/").count()
        + manifest.matches("\"private_training/").count();
    assert!(listed >= all_properties().len());
}

#[test]
fn the_statement_keeps_its_promises() {
    tch::set_num_threads(1);
    let statement = include_str!("../../README.md");
    let broken = mldrill_pack::claim::broken(statement, privacy_trusted::claims::CLAIMS);
    assert!(broken.is_empty(), "{broken:#?}");
}
