//! The suites bite: every reference passes every property, every mutant fails at least
//! one property of the task it belongs to, every task has a mutant and both kinds of
//! property, and every manifest lists exactly its suite's properties, task by task.

use std::fmt::Debug;

use mldrill::catalog::Catalog;
use mldrill::suite::{Failure, Kind, Property};
use mldrill::{mutants, reference, suite};
use mldrill_spec::dataloader::DataLoader;
use mldrill_spec::ngram::NgramCounter;
use mldrill_spec::poison::PoisonDetector;

const SEED: u64 = 20_261_122;
const CASES: u32 = 64;

/// The properties of `task` that `imp` fails.
fn failures<I: ?Sized>(
    properties: &[Property<I>],
    imp: &I,
    task: &str,
) -> Vec<(&'static str, Failure)> {
    properties
        .iter()
        .filter(|p| p.task() == task)
        .filter_map(|p| p.run(imp, SEED, CASES).err().map(|f| (p.id, f)))
        .collect()
}

fn reference_passes<I: ?Sized>(properties: &[Property<I>], reference: &I, tasks: &[&str]) {
    for task in tasks {
        let failed = failures(properties, reference, task);
        assert!(failed.is_empty(), "reference fails {task}: {failed:#?}");
    }
}

fn mutants_are_caught<I: ?Sized, F: Debug + Copy>(
    properties: &[Property<I>],
    flaws: &[(&'static str, F)],
    mutant: impl Fn(F) -> Box<I>,
) {
    let mut missed = Vec::new();
    for &(task, flaw) in flaws {
        let failed = failures(properties, &*mutant(flaw), task);
        if failed.is_empty() {
            missed.push((task, flaw));
        } else {
            let ids: Vec<_> = failed.iter().map(|f| f.0).collect();
            eprintln!("{flaw:?} caught by {ids:?}");
        }
    }
    assert!(missed.is_empty(), "mutants not caught: {missed:?}");
}

/// Every task has a mutant and both kinds of property, except the tasks in `one_kind`,
/// whose answer is not unique (so no reference can be compared against).
fn tasks_are_covered<I: ?Sized, F>(
    properties: &[Property<I>],
    flaws: &[(&'static str, F)],
    tasks: &[&str],
    one_kind: &[&str],
) {
    for task in tasks {
        assert!(flaws.iter().any(|(t, _)| t == task), "{task} has no mutant");
        for kind in [Kind::Differential, Kind::Invariant] {
            let has = properties
                .iter()
                .any(|p| p.task() == *task && p.kind == kind);
            assert!(
                has || (kind == Kind::Differential && one_kind.contains(task)),
                "{task} has no {kind:?} property"
            );
        }
    }
}

fn manifest_matches<I: ?Sized>(exercise: &str, properties: &[Property<I>], tasks: &[&str]) {
    let catalog = Catalog::load(std::path::Path::new("exercises")).unwrap();
    let exercise = catalog.get(exercise).unwrap();
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
    let ids: Vec<&str> = exercise.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, tasks);
}

mod dataloader {
    use super::*;
    use mutants::dataloader::{Flaw, Mutant};

    const TASKS: [&str; 6] = [
        "batching",
        "shuffle",
        "distributed",
        "collate",
        "sequences",
        "resume",
    ];
    /// A shuffle is any uniform permutation that is a function of (seed, epoch): no two
    /// correct implementations need agree, so only invariants grade it.
    const NOT_UNIQUE: [&str; 1] = ["shuffle"];

    #[test]
    fn reference_passes_every_property() {
        reference_passes(
            &suite::dataloader::properties(),
            &reference::dataloader::Reference,
            &TASKS,
        );
    }

    #[test]
    fn every_mutant_is_caught_by_its_task() {
        mutants_are_caught(&suite::dataloader::properties(), &Flaw::ALL, |f| {
            Box::new(Mutant(f)) as Box<dyn DataLoader>
        });
    }

    #[test]
    fn every_task_has_a_mutant_and_both_kinds_of_property() {
        tasks_are_covered(
            &suite::dataloader::properties(),
            &Flaw::ALL,
            &TASKS,
            &NOT_UNIQUE,
        );
    }

    #[test]
    fn manifest_lists_exactly_the_suite_properties_of_each_task() {
        manifest_matches("dataloader", &suite::dataloader::properties(), &TASKS);
    }
}

mod ngram {
    use super::*;
    use mutants::ngram::{Flaw, Mutant};

    const TASKS: [&str; 7] = [
        "words",
        "padding",
        "chars",
        "topk",
        "matrix",
        "stream",
        "contamination",
    ];

    #[test]
    fn reference_passes_every_property() {
        reference_passes(
            &suite::ngram::properties(),
            &reference::ngram::Reference,
            &TASKS,
        );
    }

    #[test]
    fn every_mutant_is_caught_by_its_task() {
        mutants_are_caught(&suite::ngram::properties(), &Flaw::ALL, |f| {
            Box::new(Mutant(f)) as Box<dyn NgramCounter>
        });
    }

    #[test]
    fn every_task_has_a_mutant_and_both_kinds_of_property() {
        tasks_are_covered(&suite::ngram::properties(), &Flaw::ALL, &TASKS, &[]);
    }

    #[test]
    fn manifest_lists_exactly_the_suite_properties_of_each_task() {
        manifest_matches("ngram", &suite::ngram::properties(), &TASKS);
    }
}

mod poison {
    use super::*;
    use mutants::poison::{Flaw, Mutant};

    const TASKS: [&str; 5] = [
        "spectral",
        "detect",
        "end_to_end",
        "label_errors",
        "hard_mode",
    ];

    #[test]
    fn reference_passes_every_property() {
        reference_passes(
            &suite::poison::properties(),
            &reference::poison::Reference,
            &TASKS,
        );
    }

    #[test]
    fn every_mutant_is_caught_by_its_task() {
        mutants_are_caught(&suite::poison::properties(), &Flaw::ALL, |f| {
            Box::new(Mutant(f)) as Box<dyn PoisonDetector>
        });
    }

    #[test]
    fn every_task_has_a_mutant_and_both_kinds_of_property() {
        tasks_are_covered(&suite::poison::properties(), &Flaw::ALL, &TASKS, &[]);
    }

    #[test]
    fn manifest_lists_exactly_the_suite_properties_of_each_task() {
        manifest_matches("poison", &suite::poison::properties(), &TASKS);
    }
}
