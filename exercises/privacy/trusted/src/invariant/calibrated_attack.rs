//! Task `calibrated_attack`, reference-free: one finite score per record, and scores
//! that follow the records when they are reordered.

use privacy_api::Privacy;
use proptest::prelude::*;
use tch::{Kind, Tensor};

use super::{check_scores, random_mlp, random_records};
use mldrill_pack::property;
use mldrill_pack::{Ctx, Failure, Property};

pub fn properties() -> Vec<Property<dyn Privacy>> {
    vec![
        property!(
            "calibrated_attack/one_finite_score_per_record",
            Invariant,
            one_finite_score_per_record
        ),
        property!(
            "calibrated_attack/follows_record_order",
            Invariant,
            follows_record_order
        ),
    ]
}

fn shapes() -> impl Strategy<Value = (i64, i64, usize, i64, u64)> {
    (1i64..6, 2i64..5, 1usize..5, 0i64..20, any::<u64>())
}

fn scores(
    imp: &dyn Privacy,
    (d, k, refs, n, seed): (i64, i64, usize, i64, u64),
    order: Option<&Tensor>,
) -> Result<Vec<f64>, TestCaseError> {
    let target = random_mlp(d, 6, k, 3.0, seed);
    let references: Vec<_> = (0..refs as u64)
        .map(|r| random_mlp(d, 6, k, 3.0, seed ^ (r + 1)))
        .collect();
    let (mut x, mut y) = random_records(n, d, k, seed);
    if let Some(order) = order {
        (x, y) = (x.index_select(0, order), y.index_select(0, order));
    }
    let scores = imp
        .calibrated_scores(&target, &references, &x, &y)
        .map_err(|e| TestCaseError::fail(format!("valid records were refused: {e}")))?;
    check_scores(&scores, n as usize)?;
    Ok(scores)
}

fn one_finite_score_per_record(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(&["d", "k", "references", "n", "seed"], shapes(), |case| {
        scores(imp, case, None).map(|_| ())
    })
}

fn follows_record_order(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(&["d", "k", "references", "n", "seed"], shapes(), |case| {
        let n = case.3;
        let first = scores(imp, case, None)?;
        let reversed = Tensor::arange(n, (Kind::Int64, tch::Device::Cpu)).flip([0]);
        let again = scores(imp, case, Some(&reversed))?;
        for i in 0..first.len() {
            let other = again[first.len() - 1 - i];
            if (first[i] - other).abs() > 1e-4 * (1.0 + first[i].abs()) {
                mldrill_pack::fail!(
                    "record {i} scored {} in order and {other} with the records reversed: \
                     a record's score must not depend on the other records",
                    first[i]
                );
            }
        }
        Ok(())
    })
}
