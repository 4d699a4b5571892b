//! The inputs the generated datasets almost never produce, made on purpose: several
//! non-finite values in one matrix (the first in row-major order is reported),
//! `detect_robust`'s input checks, probabilities within cleanlab's `1e-6` slack of a
//! threshold, and class sizes whose budget `1.5 * eps * n` lands a hair above a whole
//! number. Reference-free, like every invariant; this file depends on no other suite file.

use mldrill_spec::poison::{PoisonDetector, PoisonError, removal_budget};
use ndarray::Array2;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use crate::suite::{Ctx, Failure, Property};
use crate::{ensure_eq, fail, property};

/// The properties of this file; [`super::invariant::properties`] lists them among the
/// invariants of their tasks.
pub fn properties() -> Vec<Property<dyn PoisonDetector>> {
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
pub struct Planted {
    rows: usize,
    columns: usize,
    /// `(row, column, value)`; later entries overwrite earlier ones at the same place.
    bad: Vec<(usize, usize, f64)>,
}

impl Planted {
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
fn planted() -> impl Strategy<Value = Planted> {
    (2usize..12, 1usize..6).prop_flat_map(|(rows, columns)| {
        let value = select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
        vec((0..rows, 0..columns, value), 2..6).prop_map(move |bad| Planted { rows, columns, bad })
    })
}

fn as_f32(x: &Array2<f64>) -> Array2<f32> {
    x.mapv(|v| v as f32)
}

fn spectral_first_non_finite(imp: &dyn PoisonDetector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(planted(), |case| {
        let x = as_f32(&case.matrix());
        let got = imp.spectral_scores(x.view()).map(|s| s.len());
        ensure_eq!(
            got,
            Err(case.first()),
            "spectral_scores of a matrix with several NaNs or infinities: the first in row-major order"
        );
        Ok(())
    })
}

fn detect_first_non_finite(imp: &dyn PoisonDetector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(planted(), |case| {
        let x = as_f32(&case.matrix());
        let labels: Vec<usize> = (0..case.rows).map(|i| i % 2).collect();
        ensure_eq!(
            imp.detect(x.view(), &labels, 0.1),
            Err(case.first()),
            "detect on a matrix with several NaNs or infinities: the first in row-major order"
        );
        Ok(())
    })
}

fn label_first_non_finite(imp: &dyn PoisonDetector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(planted(), |case| {
        let probs = case.matrix();
        let labels: Vec<usize> = (0..case.rows).map(|i| i % case.columns).collect();
        ensure_eq!(
            imp.label_issues(&labels, probs.view()),
            Err(case.first()),
            "label_issues with several NaNs or infinities: the first in row-major order"
        );
        Ok(())
    })
}

/// Class sizes `n` and fractions `eps` (hundredths) whose product `1.5 * eps * n` is, in
/// floating point, a hair above a whole number: `1.5 * 0.1 * 100` is 15.000000000000002,
/// and its budget is 15. A plain `ceil` gives 16.
fn hair_above_whole_numbers() -> Vec<(f64, usize)> {
    let mut pairs = Vec::new();
    for n in 2..=300usize {
        for hundredths in 1..100u32 {
            let eps = f64::from(hundredths) / 100.0;
            let product = 1.5 * eps * n as f64;
            if product.ceil() > removal_budget(eps, n) as f64 && product < n as f64 {
                pairs.push((eps, n));
            }
        }
    }
    pairs
}

/// One class whose budget lands a hair above a whole number, of rows spread at random:
/// `detect` flags the budget's worth at most, the whole number, not one more.
fn detect_budget_rounding(imp: &dyn PoisonDetector, ctx: &mut Ctx) -> Result<(), Failure> {
    let pairs = hair_above_whole_numbers();
    if pairs.is_empty() {
        return Err(Failure::new(
            "no (eps, n) lands a hair above a whole number (a bug in this property)",
        ));
    }
    ctx.for_all_named(&["(eps, n)", "salt"], (select(pairs), any::<u64>()), |((eps, n), salt)| {
        let x = Array2::from_shape_fn((n, 3), |(i, j)| {
            let h = (i as u64 * 3 + j as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt;
            (h.rotate_left(17) % 1000) as f32 / 100.0
        });
        let labels = vec![4; n];
        let flagged = match imp.detect(x.view(), &labels, eps) {
            Ok(flagged) => flagged,
            Err(e) => fail!("detect failed on valid input: {e}"),
        };
        let budget = removal_budget(eps, n);
        if flagged.len() > budget {
            fail!(
                "a class of {n} samples with eps = {eps}: {} flags, but 1.5 * eps * n = {} is a \
                 rounding error above {budget}, so the budget is {budget} (removal_budget(eps, n) \
                 computes it)",
                flagged.len(),
                1.5 * eps * n as f64
            );
        }
        Ok(())
    })
}

/// Three samples labelled 0 set class 0's threshold `t`; a sample labelled 1 gives class 0
/// the probability `t - gap`, and a second sample labelled 1 lifts class 1's threshold
/// above the first one's own probability. Within the slack (`gap <= 1e-6`) the first
/// sample labelled 1 is confidently in class 0 only, so it is an issue; at `gap = 2e-6`
/// or more it is confidently in no class, so it is not.
fn label_threshold_slack(imp: &dyn PoisonDetector, ctx: &mut Ctx) -> Result<(), Failure> {
    let within = prop_oneof![Just(0.0), Just(1e-7), Just(5e-7), Just(9e-7)];
    let beyond = prop_oneof![Just(2e-6), Just(5e-6), Just(1e-5), Just(1e-4)];
    let inputs = (
        vec(40u32..95, 3),
        prop_oneof![
            within.prop_map(|g| (g, true)),
            beyond.prop_map(|g| (g, false))
        ],
    );
    ctx.for_all_named(
        &["percent", "(gap, issue)"],
        inputs,
        |(percent, (gap, issue))| {
            let p: Vec<f64> = percent.iter().map(|&c| f64::from(c) / 100.0).collect();
            let threshold = (p[0] + p[1] + p[2]) / 3.0;
            let q = threshold - gap;
            let rows = [
                [p[0], 1.0 - p[0]],
                [p[1], 1.0 - p[1]],
                [p[2], 1.0 - p[2]],
                [q, 1.0 - q],
                [0.0, 1.0],
            ];
            let probs = Array2::from_shape_fn((5, 2), |(i, j)| rows[i][j]);
            let labels = [0, 0, 0, 1, 1];
            let expected: Vec<usize> = if issue { vec![3] } else { vec![] };
            let got = imp.label_issues(&labels, probs.view());
            ensure_eq!(
                got,
                Ok(expected.clone()),
                "class 0's threshold is {threshold} and sample 3 (labelled 1) gives class 0 {q}, \
             {gap:e} below it: confident within the 1e-6 slack, not beyond it"
            );
            Ok(())
        },
    )
}

/// `detect_robust` checks its input as `detect` does: the same errors, the same edges.
fn hard_rejects_bad_input(imp: &dyn PoisonDetector, ctx: &mut Ctx) -> Result<(), Failure> {
    let x = Array2::from_shape_vec(
        (5, 2),
        vec![0.0f32, 1.0, 1.0, 0.0, 2.0, 2.0, 9.0, 9.0, 4.0, 4.0],
    )
    .expect("5 x 2");
    let labels = [3, 3, 3, 7, 3];
    let expect = |what: &str, got: Result<Vec<usize>, PoisonError>, ok: bool, expected: &str| {
        if ok {
            Ok(())
        } else {
            Err(Failure::new(format!(
                "detect_robust with {what}: got {got:?}, expected {expected}"
            )))
        }
    };
    let got = imp.detect_robust(x.view(), &labels, 0.0);
    let ok = matches!(&got, Ok(v) if v.is_empty());
    expect("eps = 0", got, ok, "Ok([]) (a budget of 0 flags nothing)")?;
    let got = imp.detect_robust(x.view(), &labels, 0.1);
    let ok = matches!(&got, Ok(v) if v.contains(&3));
    expect(
        "class 7 of one sample, eps = 0.1",
        got,
        ok,
        "its sample 3 flagged (a singleton class is always flagged when eps > 0)",
    )?;
    let got = imp.detect_robust(Array2::<f32>::zeros((0, 2)).view(), &[], 0.1);
    let ok = matches!(&got, Ok(v) if v.is_empty());
    expect("no samples", got, ok, "Ok([])")?;
    let got = imp.detect_robust(x.view(), &labels[..4], 0.1);
    let ok = got == Err(PoisonError::ShapeMismatch { rows: 5, labels: 4 });
    expect(
        "5 rows and 4 labels",
        got,
        ok,
        "Err(ShapeMismatch { rows: 5, labels: 4 })",
    )?;
    for eps in [-0.1, 1.0, 1.5, f64::NAN] {
        let got = imp.detect_robust(x.view(), &labels, eps);
        let ok = got == Err(PoisonError::InvalidFraction);
        expect(&format!("eps = {eps}"), got, ok, "Err(InvalidFraction)")?;
    }
    ctx.for_all(planted(), |case| {
        let x = as_f32(&case.matrix());
        let labels: Vec<usize> = (0..case.rows).map(|i| i % 2).collect();
        ensure_eq!(
            imp.detect_robust(x.view(), &labels, 0.1),
            Err(case.first()),
            "detect_robust on a matrix with several NaNs or infinities: the first in row-major order"
        );
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_pairs_include_the_known_one_and_only_hairs_above() {
        let pairs = hair_above_whole_numbers();
        assert!(pairs.contains(&(0.1, 100)), "{pairs:?}");
        for (eps, n) in pairs {
            let product = 1.5 * eps * n as f64;
            assert!(product - product.floor() < 1e-9, "{eps} {n} {product}");
        }
    }

    #[test]
    fn the_first_planted_value_is_found_in_row_major_order() {
        let case = Planted {
            rows: 3,
            columns: 3,
            bad: vec![(2, 0, f64::NAN), (1, 2, f64::INFINITY)],
        };
        assert_eq!(case.first(), PoisonError::NotFinite { row: 1, column: 2 });
    }
}
