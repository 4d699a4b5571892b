//! The poison exercise's end-to-end properties, on a real backdoor: the detector sees the
//! penultimate activations of a network trained with tch on a BadNets-poisoned dataset
//! ([`crate::backdoor`]); the samples it flags are removed, the network is retrained, and
//! the attack success rate and clean accuracy are compared with the reference's. Not
//! exported to screens (they need the training pipeline); graded by `mldrill grade`.

use std::path::Path;

use crate::backdoor::{Scenario, cache};
use crate::invariant::{Detector, ensure_within_budget};
use mldrill_pack::{Ctx, Failure, Property, property};

/// The end-to-end properties.
pub fn properties() -> Vec<Property<Detector>> {
    vec![
        property!("end_to_end/within_budget", Invariant, within_budget),
        property!(
            "end_to_end/removes_the_backdoor",
            Differential,
            removes_the_backdoor
        ),
    ]
}

/// The attack success rate after retraining may exceed the reference's by this much.
pub const ATTACK_SLACK: f64 = 0.10;
/// The clean accuracy after retraining may fall short of the reference's by this much.
pub const ACCURACY_SLACK: f64 = 0.03;

fn scenario(ctx: &Ctx) -> std::sync::Arc<Scenario> {
    // In the runner the scenario was loaded before the sandbox closed the filesystem, so
    // this finds it in memory; in-process callers use the cache folder.
    Scenario::for_run(ctx.seed(), Some(Path::new(&cache::default_dir())))
}

fn flags(imp: &Detector, scenario: &Scenario) -> Result<Vec<usize>, Failure> {
    scenario.flag_with(imp).map_err(|e| {
        Failure::new(format!(
            "detect failed on the trained model's activations: {e}"
        ))
    })
}

fn describe(scenario: &Scenario) -> String {
    format!(
        "backdoor scenario {} ({} training images, {} poisoned, eps {})",
        scenario.seed,
        scenario.train.len(),
        scenario.poisoned.iter().filter(|&&p| p).count(),
        scenario.eps()
    )
}

fn within_budget(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    let scenario = scenario(ctx);
    let flagged = flags(imp, &scenario)?;
    ensure_within_budget(&flagged, &scenario.train.labels, scenario.eps()).map_err(|e| Failure {
        reason: e.to_string(),
        counterexample: Some(describe(&scenario)),
    })
}

fn removes_the_backdoor(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    let scenario = scenario(ctx);
    let flagged = flags(imp, &scenario)?;
    let (precision, recall) = scenario.precision_recall(&flagged);
    let after = scenario.retrain_without(&flagged);
    let reference = scenario.reference_after;
    let attack_ok = after.attack_success <= reference.attack_success + ATTACK_SLACK;
    let accuracy_ok = after.clean_accuracy >= reference.clean_accuracy - ACCURACY_SLACK;
    if attack_ok && accuracy_ok {
        return Ok(());
    }
    Err(Failure {
        reason: format!(
            "after removing your {} flags (precision {:.0}%, recall {:.0}%) and retraining: attack success {:.1}%, clean accuracy {:.1}%; \
             the reference gets {:.1}% and {:.1}% (before removal: {:.1}% and {:.1}%). Needed: attack success at most {:.0} points above the reference's, clean accuracy at most {:.0} points below",
            flagged.len(),
            100.0 * precision,
            100.0 * recall,
            100.0 * after.attack_success,
            100.0 * after.clean_accuracy,
            100.0 * reference.attack_success,
            100.0 * reference.clean_accuracy,
            100.0 * scenario.before.attack_success,
            100.0 * scenario.before.clean_accuracy,
            100.0 * ATTACK_SLACK,
            100.0 * ACCURACY_SLACK,
        ),
        counterexample: Some(describe(&scenario)),
    })
}
