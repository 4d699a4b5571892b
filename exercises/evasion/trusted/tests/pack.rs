//! The evasion pack proves itself: the reference passes every property on every scenario,
//! every mutant fails a property of its own task, and the stub's every task is
//! `not_implemented`.

use evasion_trusted::{PACK, properties};
use mldrill_pack::Pack;

/// Cases per generated property: enough to reach the edges, few enough for a debug build.
const CASES: u32 = 12;

#[test]
fn the_reference_passes_every_property_on_every_scenario() {
    for seed in 0..evasion_trusted::invariant::scenario::SCENARIOS {
        for id in PACK.property_ids() {
            let result = PACK.run_local("reference", id, seed, CASES).expect("known");
            assert!(result.is_ok(), "seed {seed}: {id}: {result:?}");
        }
    }
}

#[test]
fn every_mutant_fails_a_property_of_its_own_task() {
    for mutant in PACK.mutant_ids() {
        let tasks = PACK.mutant_tasks(&mutant);
        assert!(!tasks.is_empty(), "{mutant} has no task");
        for task in tasks {
            let caught: Vec<&str> = properties()
                .iter()
                .filter(|p| p.task() == task)
                .filter(|p| {
                    PACK.run_local(&mutant, p.id, 1, CASES)
                        .expect("known")
                        .is_err()
                })
                .map(|p| p.id)
                .collect();
            assert!(
                !caught.is_empty(),
                "{mutant} passes every property of {task}"
            );
            eprintln!("{mutant}: caught by {caught:?}");
        }
    }
}

#[test]
fn property_ids_are_task_slash_name_in_task_order() {
    let tasks = [
        "fgsm",
        "pgd",
        "targeted",
        "robust_accuracy",
        "adversarial_training",
    ];
    let ids = PACK.property_ids();
    let mut last = 0;
    for id in &ids {
        let (task, name) = id.split_once('/').expect("task/name");
        assert!(!name.is_empty());
        let at = tasks.iter().position(|t| *t == task).expect("a known task");
        assert!(at >= last, "{id} is out of task order");
        last = at;
    }
    for invariant in PACK.invariant_ids() {
        assert!(ids.contains(&invariant));
    }
}

#[test]
fn the_untouched_stub_reports_every_task_not_implemented() {
    let stub = evasion::Candidate;
    for property in properties() {
        let failure = property
            .run(&stub, 1, CASES)
            .expect_err("the stub implements nothing");
        assert!(
            failure.is_not_implemented(),
            "{}: {}",
            property.id,
            failure.reason
        );
    }
}

/// Runs the `pgd` benchmark's work through a call server of `implementation` and returns
/// what its check said of each timed reply.
fn bench_verdicts(implementation: &str) -> Vec<Result<(), String>> {
    let bench = PACK.bench("pgd", 5).expect("the pgd benchmark exists");
    let mut server = PACK.serve(implementation).expect("a known implementation");
    let mut no_input = std::io::empty();
    for call in &bench.setup {
        server.call(call, &mut no_input).expect("setup is answered");
    }
    bench
        .calls
        .iter()
        .enumerate()
        .map(|(i, call)| {
            let reply = server.call(call, &mut no_input).expect("a reply");
            (bench.check)(i, &reply)
        })
        .collect()
}

#[test]
fn the_benchmark_accepts_the_reference_and_refuses_a_weak_attack() {
    assert!(PACK.bench("fgsm", 1).is_none());
    for verdict in bench_verdicts("reference") {
        assert_eq!(verdict, Ok(()));
    }
    for verdict in bench_verdicts("mutant:L2Projection") {
        let why = verdict.expect_err("an L2 projection fools almost nothing");
        assert!(why.contains("below the pgd task's bar"), "{why}");
    }
}

/// A hostile implementation: wrong shapes, wrong dtypes, non-finite values and accuracies
/// that are no fractions.
struct Hostile;

impl evasion_api::Evasion for Hostile {
    fn fgsm(
        &self,
        _: &evasion_api::Classifier,
        images: &tch::Tensor,
        _: &tch::Tensor,
        _: f64,
    ) -> Result<tch::Tensor, evasion_api::AttackError> {
        Ok(images.narrow(1, 0, 255))
    }

    fn pgd(
        &self,
        _: &evasion_api::Classifier,
        images: &tch::Tensor,
        _: &tch::Tensor,
        _: &evasion_api::Budget,
        _: u64,
    ) -> Result<tch::Tensor, evasion_api::AttackError> {
        Ok(images.to_kind(tch::Kind::Double))
    }

    fn targeted(
        &self,
        _: &evasion_api::Classifier,
        images: &tch::Tensor,
        _: &tch::Tensor,
        _: &evasion_api::Budget,
        _: u64,
    ) -> Result<tch::Tensor, evasion_api::AttackError> {
        Ok(images * f64::NAN)
    }

    fn robust_accuracy(
        &self,
        _: &evasion_api::Classifier,
        _: &tch::Tensor,
        _: &tch::Tensor,
        eps: &[f64],
        _: usize,
        _: u64,
    ) -> Result<Vec<f64>, evasion_api::AttackError> {
        Ok(vec![f64::NAN; eps.len()])
    }

    fn adversarial_training(
        &self,
        _: &tch::Tensor,
        _: &tch::Tensor,
        _: &evasion_api::Training,
    ) -> Result<evasion_api::Classifier, evasion_api::AttackError> {
        Ok(evasion_api::Classifier::new(0))
    }
}

#[test]
fn hostile_replies_fail_with_a_reason_not_a_panic() {
    for property in properties() {
        let failure = property
            .run(&Hostile, 2, CASES)
            .expect_err("a hostile reply passes nothing");
        assert!(
            !failure.reason.starts_with("panicked"),
            "{}: {}",
            property.id,
            failure.reason
        );
    }
}
