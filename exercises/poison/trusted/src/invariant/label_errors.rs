//! The poison exercise's reference-free properties of the `label_errors` task: cleanlab's
//! example, consistent issues, bad input rejected, the first non-finite value reported,
//! cleanlab's `1e-6` slack at a threshold.

use super::*;

pub fn label_cleanlab_example(imp: &Detector, _ctx: &mut Ctx) -> Result<(), Failure> {
    let labels = [0, 0, 1, 1, 2, 2];
    let probs = Array2::from_shape_vec(
        (6, 3),
        vec![
            0.9, 0.025, 0.075, 0.75, 0.15, 0.1, 0.1, 0.05, 0.85, 0.3, 0.5, 0.2, 0.05, 0.9, 0.05,
            0.1, 0.1, 0.8,
        ],
    )
    .expect("6 x 3");
    match imp.label_issues(&labels, probs.view()) {
        Ok(issues) if issues == [2, 4] => Ok(()),
        other => Err(Failure::new(format!(
            "cleanlab's example (its issue 405): got {other:?}, expected Ok([2, 4])"
        ))),
    }
}

/// Labels and predicted probabilities, printed as plain rows in counterexamples.
#[derive(Debug, Clone)]
pub struct LabelCase {
    pub labels: Vec<usize>,
    pub pred_probs: Vec<Vec<f64>>,
}

impl LabelCase {
    pub fn matrix(&self) -> Array2<f64> {
        let k = self.pred_probs.first().map_or(0, Vec::len);
        Array2::from_shape_fn((self.labels.len(), k), |(i, j)| self.pred_probs[i][j])
    }
}

/// Labels and predicted probabilities: rows of small non-negative integers normalised to
/// sum to 1, which makes ties and exact thresholds common.
pub fn label_cases() -> impl Strategy<Value = LabelCase> {
    (2usize..5, 1usize..40)
        .prop_flat_map(|(k, n)| {
            (
                prop::collection::vec(0..k, n),
                prop::collection::vec(prop::collection::vec(0u32..10, k), n),
                Just(k),
            )
        })
        .prop_map(|(labels, rows, k)| {
            let pred_probs = rows
                .iter()
                .map(|row| {
                    let total: u32 = row.iter().sum();
                    row.iter()
                        .map(|&c| {
                            if total == 0 {
                                1.0 / k as f64
                            } else {
                                f64::from(c) / f64::from(total)
                            }
                        })
                        .collect()
                })
                .collect();
            LabelCase { labels, pred_probs }
        })
}

pub fn issues(
    imp: &Detector,
    labels: &[usize],
    probs: ArrayView2<f64>,
) -> Result<Vec<usize>, TestCaseError> {
    imp.label_issues(labels, probs)
        .map_err(|e| TestCaseError::fail(format!("label_issues failed on valid input: {e}")))
}

pub fn label_consistent(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((label_cases(), any::<u64>()), |(case, seed)| {
        let probs = case.matrix();
        let labels = case.labels;
        let found = issues(imp, &labels, probs.view())?;
        if let Some(w) = found.windows(2).find(|w| w[0] >= w[1]) {
            fail!("issues must be ascending and unique: {} then {}", w[0], w[1]);
        }
        if let Some(&i) = found.iter().find(|&&i| i >= labels.len()) {
            fail!("issue {i} is out of range for {} samples", labels.len());
        }
        // Reordering the samples changes nothing but the indices; renaming the classes
        // (the same permutation of columns and labels) changes nothing either, unless a
        // row's largest probability is tied, where the first class in order wins.
        let k = probs.ncols();
        let mut rng = StdRng::seed_from_u64(seed);
        let mut order: Vec<usize> = (0..labels.len()).collect();
        order.shuffle(&mut rng);
        let tied = probs.outer_iter().any(|row| {
            let top = row.fold(f64::MIN, |m, &p| m.max(p));
            row.iter().filter(|&&p| p == top).count() > 1
        });
        let mut rename: Vec<usize> = (0..k).collect();
        if !tied {
            rename.shuffle(&mut rng);
        }
        let moved_labels: Vec<usize> = order.iter().map(|&i| rename[labels[i]]).collect();
        let moved = Array2::from_shape_fn(probs.dim(), |(i, j)| {
            let column = rename.iter().position(|&r| r == j).expect("a permutation");
            probs[[order[i], column]]
        });
        let mut expected: Vec<usize> = order
            .iter()
            .enumerate()
            .filter(|(_, i)| found.contains(i))
            .map(|(position, _)| position)
            .collect();
        expected.sort_unstable();
        ensure_eq!(
            issues(imp, &moved_labels, moved.view())?,
            expected,
            "issues after renaming the classes by {rename:?} and reordering the samples by {order:?}"
        );
        // Predictions that agree with every label with certainty leave nothing to flag.
        let certain = Array2::from_shape_fn((labels.len(), k), |(i, j)| f64::from(u8::from(labels[i] == j)));
        ensure_eq!(
            issues(imp, &labels, certain.view())?,
            Vec::<usize>::new(),
            "issues when every prediction is certain and agrees with its label"
        );
        Ok(())
    })
}

pub fn label_rejects_bad_input(imp: &Detector, _ctx: &mut Ctx) -> Result<(), Failure> {
    let probs = Array2::from_shape_vec((2, 2), vec![0.5, 0.5, 0.2, 0.8]).expect("2 x 2");
    let cases: [(&str, Vec<usize>, Array2<f64>, PoisonError); 4] = [
        (
            "3 labels for 2 rows",
            vec![0, 1, 1],
            probs.clone(),
            PoisonError::ShapeMismatch { rows: 2, labels: 3 },
        ),
        (
            "label 2 with 2 classes",
            vec![0, 2],
            probs.clone(),
            PoisonError::UnknownLabel {
                row: 1,
                label: 2,
                classes: 2,
            },
        ),
        (
            "a negative probability in row 1",
            vec![0, 1],
            Array2::from_shape_vec((2, 2), vec![0.5, 0.5, -0.2, 1.2]).expect("2 x 2"),
            PoisonError::NotAProbability { row: 1 },
        ),
        (
            "a NaN at row 0, column 1",
            vec![0, 1],
            Array2::from_shape_vec((2, 2), vec![0.5, f64::NAN, 0.2, 0.8]).expect("2 x 2"),
            PoisonError::NotFinite { row: 0, column: 1 },
        ),
    ];
    for (what, labels, probs, expected) in cases {
        let got = imp.label_issues(&labels, probs.view());
        if got.as_ref().err() != Some(&expected) {
            return Err(Failure::new(format!(
                "{what}: got {got:?}, expected Err({expected:?})"
            )));
        }
    }
    Ok(())
}

pub fn label_first_non_finite(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(with_non_finite(), |case| {
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

/// Three samples labelled 0 set class 0's threshold `t`; a sample labelled 1 gives class 0
/// the probability `t - gap`, and a second sample labelled 1 lifts class 1's threshold
/// above the first one's own probability. Within the slack (`gap <= 1e-6`) the first
/// sample labelled 1 is confidently in class 0 only, so it is an issue; at `gap = 2e-6`
/// or more it is confidently in no class, so it is not.
pub fn label_threshold_slack(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
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
