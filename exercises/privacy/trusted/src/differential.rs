//! Properties that need the reference or the harness's own data: the attacks graded by
//! outcome on the overfit target (thresholds relative to the reference's outcome on the
//! same scenario), the metrics against the reference on generated input, and DP training
//! graded by what the loss attack and a test set say about the trained network.
//!
//! Every threshold leaves room for the spread measured over many scenarios (see the
//! pack's README and `tests/calibration.rs`): a correct implementation written another
//! way keeps the points.

use privacy_api::{Mlp, Privacy};
use proptest::prelude::*;

use crate::invariant::metrics::labelled_scores;
use crate::reference::Reference;
use crate::scenario::{self, DP_CONFIG, LOW_FPR, Scenario, outcome};
use crate::train::{Weights, accuracy};
use mldrill_pack::property;
use mldrill_pack::{Ctx, Failure, Property};

/// The loss attack passes when its AUC's distance above 0.5 is at least this share of the
/// reference's, and its TPR at 1% FPR at least [`LOSS_TPR_SHARE`] of the reference's.
pub const LOSS_AUC_SHARE: f64 = 0.9;
pub const LOSS_TPR_SHARE: f64 = 0.5;
/// The calibrated attack passes when its TPR at 1% FPR beats the reference's loss attack's
/// by at least this much.
pub const CALIBRATED_MARGIN: f64 = 0.02;
/// DP training passes when the loss attack's AUC against it is within this distance of
/// 0.5 ...
pub const PRIVATE_AUC_DISTANCE: f64 = 0.1;
/// ... and its test accuracy is at least this.
pub const PRIVATE_ACCURACY_FLOOR: f64 = 0.3;

pub fn properties() -> Vec<Property<dyn Privacy>> {
    vec![
        property!(
            "loss_attack/outcome_vs_reference",
            Differential,
            loss_attack_outcome
        ),
        property!(
            "calibrated_attack/beats_the_loss_attack",
            Differential,
            calibrated_beats_loss
        ),
        property!(
            "metrics/matches_reference",
            Differential,
            metrics_match_reference
        ),
        property!(
            "private_training/private_and_useful",
            Differential,
            private_and_useful
        ),
    ]
}

fn scenario_of(ctx: &Ctx) -> std::sync::Arc<Scenario> {
    scenario::scenario(ctx.seed())
}

fn loss_attack_outcome(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    let s = scenario_of(ctx);
    let (records, flags) = s.audit_records();
    let (x, y) = records.tensors();
    let scores = imp
        .loss_scores(&s.target.mlp(), &x, &y)
        .map_err(|e| Failure::new(format!("the harness's records were refused: {e}")))?;
    let got =
        outcome(&scores, &flags).map_err(|e| Failure::new(format!("unusable scores: {e}")))?;
    let reference = s.loss_attack;
    let auc_bar = 0.5 + LOSS_AUC_SHARE * (reference.auc - 0.5);
    let tpr_bar = LOSS_TPR_SHARE * reference.tpr;
    if got.auc < auc_bar || got.tpr < tpr_bar {
        return Err(Failure::new(format!(
            "against the overfit target your attack has AUC {:.3} and TPR {:.3} at {LOW_FPR} FPR; \
             the bars are {auc_bar:.3} and {tpr_bar:.3} (the reference: {:.3} and {:.3})",
            got.auc, got.tpr, reference.auc, reference.tpr
        )));
    }
    Ok(())
}

fn calibrated_beats_loss(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    let s = scenario_of(ctx);
    let (records, flags) = s.audit_records();
    let (x, y) = records.tensors();
    let references: Vec<Mlp> = s.references.iter().map(Weights::mlp).collect();
    let scores = imp
        .calibrated_scores(&s.target.mlp(), &references, &x, &y)
        .map_err(|e| Failure::new(format!("the harness's records were refused: {e}")))?;
    let got =
        outcome(&scores, &flags).map_err(|e| Failure::new(format!("unusable scores: {e}")))?;
    let bar = s.loss_attack.tpr + CALIBRATED_MARGIN;
    if got.tpr < bar {
        return Err(Failure::new(format!(
            "your calibrated attack has TPR {:.3} at {LOW_FPR} FPR (AUC {:.3}); it must beat the \
             uncalibrated loss attack's {:.3} by {CALIBRATED_MARGIN}: {bar:.3} (the reference reaches {:.3})",
            got.tpr, got.auc, s.loss_attack.tpr, s.calibrated_attack.tpr
        )));
    }
    Ok(())
}

fn metrics_match_reference(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    let continuous = (2usize..60).prop_flat_map(|n| {
        (
            proptest::collection::vec(-1e3..1e3f64, n),
            proptest::collection::vec(any::<bool>(), n),
        )
            .prop_map(|(s, mut m)| {
                m[0] = true;
                m[1] = false;
                (s, m)
            })
    });
    let inputs = prop_oneof![labelled_scores(), continuous];
    ctx.for_all_named(
        &["scores", "members", "fpr"],
        (inputs, 0.0..=1.0f64),
        |((s, m), fpr)| {
            let auc = imp.roc_auc(&s, &m);
            let expected = Reference.roc_auc(&s, &m);
            match (&auc, &expected) {
                (Ok(a), Ok(e)) if (a - e).abs() <= 1e-12 => {}
                _ => mldrill_pack::fail!("roc_auc gave {auc:?}, expected {expected:?}"),
            }
            let tpr = imp.tpr_at_fpr(&s, &m, fpr);
            let expected = Reference.tpr_at_fpr(&s, &m, fpr);
            match (&tpr, &expected) {
                (Ok(a), Ok(e)) if (a - e).abs() <= 1e-12 => Ok(()),
                _ => mldrill_pack::fail!("tpr_at_fpr gave {tpr:?}, expected {expected:?}"),
            }
        },
    )
}

fn private_and_useful(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    let s = scenario_of(ctx);
    let (x, y) = s.members.tensors();
    let init = s.init.mlp();
    let trained = imp
        .train_private(&init, &x, &y, &DP_CONFIG, ctx.property_seed())
        .map_err(|e| Failure::new(format!("the harness's training run was refused: {e}")))?;
    for ((name, a), b) in privacy_api::PARAMETER_NAMES
        .iter()
        .zip(trained.parameters())
        .zip(init.parameters())
    {
        if a.size() != b.size() {
            return Err(Failure::new(format!(
                "{name} came back with shape {:?}, not {:?}",
                a.size(),
                b.size()
            )));
        }
    }
    let trained = Weights::of(&trained);
    let attack = s.loss_attack_on(&trained);
    let acc = accuracy(&trained.mlp(), &s.test);
    let distance = (attack.auc - 0.5).abs();
    if distance > PRIVATE_AUC_DISTANCE || acc < PRIVATE_ACCURACY_FLOOR {
        return Err(Failure::new(format!(
            "your DP-trained network has test accuracy {acc:.3} (floor {PRIVATE_ACCURACY_FLOOR}) and the loss \
             attack reaches AUC {:.3} against it (at most {PRIVATE_AUC_DISTANCE} from 0.5); the reference's: \
             {:.3} and {:.3}",
            attack.auc, s.private_accuracy, s.private_attack.auc
        )));
    }
    Ok(())
}
