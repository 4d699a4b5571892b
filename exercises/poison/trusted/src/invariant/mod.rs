//! The poison exercise's reference-free properties: what any correct detector satisfies
//! (scores invariant to translation, rotation and row order, quadratic in scale, along
//! the top direction; flags within budget; obvious and rare planted poison found; the
//! cleanlab example). An exported screen lets a candidate run these, so this folder must
//! never use the reference: it imports only the pack SDK's property framework, the spec and
//! libraries. One file per task (and [`data`], the generated datasets they share); this
//! one lists every property in task order, with the helpers and rare inputs tasks share.

use mldrill_spec::ndarray::{Array1, Array2, ArrayView2, Axis};
use mldrill_spec::poison::{PoisonDetector, PoisonError, removal_budget};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use tch::Tensor;

use mldrill_pack::figure::{self, Figure, Plot, Point, Strip};
use mldrill_pack::{Ctx, Failure, Property, ensure_eq, fail, property};

mod data;
mod detect;
mod hard_mode;
mod label_errors;
mod spectral;

pub use data::*;
pub use detect::*;
pub use hard_mode::*;
pub use label_errors::*;
pub use spectral::*;

/// The implementation trait the properties check.
pub type Detector = dyn PoisonDetector;

/// The reference-free properties, in task order.
pub fn properties() -> Vec<Property<Detector>> {
    let mut all = vec![
        property!("spectral/shape_and_sign", Invariant, spectral_shape),
        property!(
            "spectral/translation_invariant",
            Invariant,
            spectral_translation
        ),
        property!(
            "spectral/rotation_and_order_equivariant",
            Invariant,
            spectral_rotation
        ),
        property!("spectral/quadratic_in_scale", Invariant, spectral_scale),
        property!("spectral/top_direction", Invariant, spectral_top_direction),
        property!("detect/within_budget", Invariant, detect_within_budget),
        property!(
            "detect/finds_obvious_poison",
            Invariant,
            detect_finds_obvious
        ),
        property!("detect/edge_cases", Invariant, detect_edges),
        property!(
            "label_errors/cleanlab_example",
            Invariant,
            label_cleanlab_example
        ),
        property!("label_errors/consistent", Invariant, label_consistent),
        property!(
            "label_errors/rejects_bad_input",
            Invariant,
            label_rejects_bad_input
        ),
        property!("hard_mode/within_budget", Invariant, hard_within_budget),
        property!("hard_mode/finds_rare_poison", Invariant, hard_finds_rare),
    ];
    // The rare inputs (below) follow the other properties of their task.
    for property in rare_input_properties() {
        let after = all
            .iter()
            .rposition(|p| p.task() == property.task())
            .map_or(all.len(), |at| at + 1);
        all.insert(after, property);
    }
    all
}

// ---------------------------------------------------------------------------------------
// Helpers

fn scores(imp: &Detector, x: ArrayView2<f32>) -> Result<Array1<f64>, TestCaseError> {
    imp.spectral_scores(x)
        .map_err(|e| TestCaseError::fail(format!("spectral_scores failed on valid input: {e}")))
}

/// Fails unless `got` is within `1e-3` of the largest score of `expected` (plus a tiny
/// absolute slack), entry by entry.
pub fn ensure_close(
    got: &Array1<f64>,
    expected: &Array1<f64>,
    what: &str,
) -> Result<(), TestCaseError> {
    if got.len() != expected.len() {
        fail!(
            "{what}: got {} scores, expected {}",
            got.len(),
            expected.len()
        );
    }
    let scale = expected.iter().fold(0.0f64, |m, &v| m.max(v.abs()));
    let tolerance = 1e-3 * scale + 1e-9;
    if let Some((i, (g, e))) = got
        .iter()
        .zip(expected)
        .enumerate()
        .find(|(_, (g, e))| (*g - *e).abs() > tolerance || !g.is_finite())
    {
        fail!("{what}: score {i} is {g}, expected {e} (tolerance {tolerance:.3e})");
    }
    Ok(())
}

/// Checks that flags are ascending, unique, in range, and within every class's budget.
pub fn ensure_within_budget(
    flagged: &[usize],
    labels: &[usize],
    eps: f64,
) -> Result<(), TestCaseError> {
    if let Some(w) = flagged.windows(2).find(|w| w[0] >= w[1]) {
        fail!("flags must be ascending and unique: {} then {}", w[0], w[1]);
    }
    if let Some(&i) = flagged.iter().find(|&&i| i >= labels.len()) {
        fail!("flag {i} is out of range for {} samples", labels.len());
    }
    let mut sizes = std::collections::BTreeMap::<usize, (usize, usize)>::new();
    for &label in labels {
        sizes.entry(label).or_default().0 += 1;
    }
    for &i in flagged {
        sizes.entry(labels[i]).or_default().1 += 1;
    }
    for (label, (size, count)) in sizes {
        let budget = removal_budget(eps, size);
        if count > budget {
            fail!(
                "class {label} ({size} samples, eps {eps:.3}) has {count} flags; the budget is ceil(1.5 * eps * n) = {budget}"
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Rare inputs
//
// The inputs the generated datasets almost never produce, made on purpose: several non-finite values in one matrix (the first in row-major order is reported), `detect_robust`'s input checks, probabilities within cleanlab's `1e-6` slack of a threshold, and class sizes whose budget `1.5 * eps * n` lands a hair above a whole number. Reference-free, like every invariant; this folder depends on no other file of the suite.

/// The rare inputs' properties, one or two per task.
pub fn rare_input_properties() -> Vec<Property<Detector>> {
    vec![
        property!(
            "spectral/reports_first_non_finite",
            Invariant,
            spectral_first_non_finite
        ),
        property!(
            "detect/reports_first_non_finite",
            Invariant,
            detect_first_non_finite
        ),
        property!(
            "detect/budget_a_hair_above_a_whole_number",
            Invariant,
            detect_budget_rounding
        ),
        property!(
            "label_errors/reports_first_non_finite",
            Invariant,
            label_first_non_finite
        ),
        property!(
            "label_errors/threshold_slack",
            Invariant,
            label_threshold_slack
        ),
        property!(
            "hard_mode/rejects_bad_input",
            Invariant,
            hard_rejects_bad_input
        ),
    ]
}

/// A matrix of finite values with several non-finite ones planted, described by what it
/// is made of so that a counterexample prints small.
#[derive(Debug, Clone)]
pub struct WithNonFinite {
    rows: usize,
    columns: usize,
    /// `(row, column, value)`; later entries overwrite earlier ones at the same place.
    bad: Vec<(usize, usize, f64)>,
}

impl WithNonFinite {
    fn matrix(&self) -> Array2<f64> {
        let mut x = Array2::from_shape_fn((self.rows, self.columns), |(i, j)| {
            ((i * 7 + j * 3) % 11) as f64 / 11.0
        });
        for &(i, j, v) in &self.bad {
            x[[i, j]] = v;
        }
        x
    }

    /// The first non-finite value in row-major order.
    fn first(&self) -> PoisonError {
        let x = self.matrix();
        let ((row, column), _) = x
            .indexed_iter()
            .find(|(_, v)| !v.is_finite())
            .expect("at least one planted");
        PoisonError::NotFinite { row, column }
    }
}

/// Matrices of 2 to 12 rows and 1 to 6 columns with 2 to 5 NaNs and infinities at
/// random places (column-major and last-first scans disagree with row-major ones on
/// most of them).
pub fn with_non_finite() -> impl Strategy<Value = WithNonFinite> {
    (2usize..12, 1usize..6).prop_flat_map(|(rows, columns)| {
        let value = select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
        vec((0..rows, 0..columns, value), 2..6).prop_map(move |bad| WithNonFinite {
            rows,
            columns,
            bad,
        })
    })
}

pub fn as_f32(x: &Array2<f64>) -> Array2<f32> {
    x.mapv(|v| v as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_planted_value_is_found_in_row_major_order() {
        let case = WithNonFinite {
            rows: 3,
            columns: 3,
            bad: vec![(2, 0, f64::NAN), (1, 2, f64::INFINITY)],
        };
        assert_eq!(case.first(), PoisonError::NotFinite { row: 1, column: 2 });
    }
}
