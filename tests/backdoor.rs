//! The poison exercise's backdoor is real: in every scenario grading draws from, the
//! trained network keeps its clean accuracy, the trigger sends the source class to the
//! target, and the reference defence removes the backdoor. `mldrill backdoor` shows it.

use std::process::Command;

use poison_trusted::backdoor::{SCENARIOS, Scenario, cache};

#[test]
fn every_grading_scenario_is_a_working_backdoor_that_the_reference_removes() {
    let dir = cache::default_dir();
    for seed in 0..SCENARIOS {
        let scenario = Scenario::get(seed, Some(&dir));
        let (before, after) = (scenario.before, scenario.reference_after);
        assert!(
            before.clean_accuracy >= 0.95,
            "scenario {seed}: clean accuracy {before:?}"
        );
        assert!(
            before.attack_success >= 0.9,
            "scenario {seed}: the trigger does not work: {before:?}"
        );
        assert!(
            after.attack_success <= 0.1,
            "scenario {seed}: the reference defence leaves the backdoor: {after:?}"
        );
        assert!(
            after.clean_accuracy >= before.clean_accuracy - 0.03,
            "scenario {seed}: the reference defence costs accuracy: {before:?} -> {after:?}"
        );
        let (_, recall) = scenario.precision_recall(
            &scenario
                .flag_with(&poison_trusted::reference::Reference)
                .unwrap(),
        );
        assert!(recall >= 0.9, "scenario {seed}: reference recall {recall}");
    }
}

#[test]
fn a_cached_scenario_reads_back_as_it_was_built() {
    let dir = tempfile::tempdir().unwrap();
    let built = Scenario::build(7);
    cache::save(dir.path(), &built).unwrap();
    let loaded = cache::load(dir.path(), 7).expect("the entry reads back");
    assert_eq!(loaded.activations, built.activations);
    assert_eq!(loaded.before, built.before);
    assert_eq!(loaded.reference_after, built.reference_after);
    assert_eq!(loaded.poisoned, built.poisoned);
    assert_eq!(loaded.train.labels, built.train.labels);
    assert!(
        cache::load(dir.path(), 8).is_none(),
        "no entry for another seed"
    );
}

#[test]
fn mldrill_backdoor_prints_the_attack_before_and_after_the_defence() {
    let output = Command::new(env!("CARGO_BIN_EXE_mldrill"))
        .args(["backdoor", "--seed", "1"])
        .output()
        .expect("mldrill runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    for expected in [
        "backdoor scenario 1",
        "poisoned model",
        "after removing the reference's flags",
        "attack success",
        "recall",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}
