//! Task `loss_attack`, reference-free: one finite score per record, scores that rank
//! records exactly as their negated loss does, that follow the records when they are
//! reordered, and a clear error for labels the model has no class for.

use privacy_api::{Privacy, PrivacyError};
use proptest::prelude::*;
use tch::{Kind, Tensor};

use super::{check_scores, random_mlp, random_records};
use mldrill_pack::property;
use mldrill_pack::{Ctx, Failure, Property};

pub fn properties() -> Vec<Property<dyn Privacy>> {
    vec![
        property!(
            "loss_attack/one_finite_score_per_record",
            Invariant,
            one_finite_score_per_record
        ),
        property!("loss_attack/ranks_by_loss", Invariant, ranks_by_loss),
        property!(
            "loss_attack/follows_record_order",
            Invariant,
            follows_record_order
        ),
        property!(
            "loss_attack/rejects_unknown_labels",
            Invariant,
            rejects_unknown_labels
        ),
    ]
}

/// Network sizes and a record count small enough to run many cases.
fn shapes() -> impl Strategy<Value = (i64, i64, i64, i64, u64)> {
    (1i64..6, 1i64..9, 2i64..5, 0i64..24, any::<u64>())
}

fn one_finite_score_per_record(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(
        &["d", "h", "k", "n", "seed"],
        shapes(),
        |(d, h, k, n, seed)| {
            let model = random_mlp(d, h, k, 3.0, seed);
            let (x, y) = random_records(n, d, k, seed);
            let scores = imp
                .loss_scores(&model, &x, &y)
                .map_err(|e| TestCaseError::fail(format!("valid records were refused: {e}")))?;
            check_scores(&scores, n as usize)
        },
    )
}

/// The cross-entropy loss of each record, by the judge's own computation in `f64`.
fn losses(model: &privacy_api::Mlp, x: &Tensor, y: &Tensor) -> Vec<f64> {
    let logits = model.forward(x).to_kind(Kind::Double);
    let l = -logits
        .log_softmax(1, Kind::Double)
        .gather(1, &y.unsqueeze(1), false)
        .squeeze_dim(1);
    Vec::<f64>::try_from(l).unwrap_or_default()
}

fn ranks_by_loss(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(&["d", "h", "k", "n", "seed"], shapes(), |(d, h, k, n, seed)| {
        let model = random_mlp(d, h, k, 3.0, seed);
        let (x, y) = random_records(n, d, k, seed);
        let scores = imp.loss_scores(&model, &x, &y).map_err(|e| {
            TestCaseError::fail(format!("valid records were refused: {e}"))
        })?;
        check_scores(&scores, n as usize)?;
        let loss = losses(&model, &x, &y);
        for i in 0..loss.len() {
            for j in 0..loss.len() {
                // Records whose losses differ clearly (beyond f32 rounding) must be
                // ordered: the lower loss, the higher score.
                let clear = 1e-3 * (1.0 + loss[i].abs().max(loss[j].abs()));
                if loss[i] + clear < loss[j] && scores[i] <= scores[j] {
                    mldrill_pack::fail!(
                        "record {i} has loss {:.4} and record {j} loss {:.4}, but their scores are {} and {}: \
                         a lower loss must score higher (score = -loss)",
                        loss[i], loss[j], scores[i], scores[j]
                    );
                }
            }
        }
        Ok(())
    })
}

fn follows_record_order(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(
        &["d", "h", "k", "n", "seed"],
        shapes(),
        |(d, h, k, n, seed)| {
            let model = random_mlp(d, h, k, 3.0, seed);
            let (x, y) = random_records(n, d, k, seed);
            let scores = imp
                .loss_scores(&model, &x, &y)
                .map_err(|e| TestCaseError::fail(format!("valid records were refused: {e}")))?;
            check_scores(&scores, n as usize)?;
            let reversed = Tensor::arange(n, (Kind::Int64, tch::Device::Cpu)).flip([0]);
            let again = imp
                .loss_scores(
                    &model,
                    &x.index_select(0, &reversed),
                    &y.index_select(0, &reversed),
                )
                .map_err(|e| TestCaseError::fail(format!("valid records were refused: {e}")))?;
            check_scores(&again, n as usize)?;
            for i in 0..scores.len() {
                let other = again[scores.len() - 1 - i];
                if (scores[i] - other).abs() > 1e-4 * (1.0 + scores[i].abs()) {
                    mldrill_pack::fail!(
                        "record {i} scored {} in order and {other} with the records reversed: \
                     a record's score must not depend on the other records",
                        scores[i]
                    );
                }
            }
            Ok(())
        },
    )
}

fn rejects_unknown_labels(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(
        &["d", "k", "n", "seed"],
        (1i64..5, 2i64..5, 1i64..10, any::<u64>()),
        |(d, k, n, seed)| {
            let model = random_mlp(d, 4, k, 1.0, seed);
            let (x, y) = random_records(n, d, k, seed);
            let y = y.index_fill(0, &Tensor::from_slice(&[n - 1]), k);
            match imp.loss_scores(&model, &x, &y) {
                Err(PrivacyError::BadRecords { .. }) => Ok(()),
                Err(other) => mldrill_pack::fail!(
                    "label {k} for a model of {k} classes gave {other:?}, not BadRecords"
                ),
                Ok(_) => mldrill_pack::fail!(
                    "label {k} for a model of {k} classes was scored, not refused with BadRecords"
                ),
            }
        },
    )
}
