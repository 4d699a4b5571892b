//! What the poison statement (`exercises/poison/README.md`) promises: every formula and
//! worked example, checked against the reference.

use mldrill_pack::claim::{Claim, same};
use mldrill_spec::poison::{PoisonDetector, removal_budget};
use ndarray::Array2;

use crate::reference::{Reference, confident_thresholds};

fn cleanlab() -> ([usize; 6], Array2<f64>) {
    let rows = [
        [0.9, 0.025, 0.075],
        [0.75, 0.15, 0.1],
        [0.1, 0.05, 0.85],
        [0.3, 0.5, 0.2],
        [0.05, 0.9, 0.05],
        [0.1, 0.1, 0.8],
    ];
    (
        [0, 0, 1, 1, 2, 2],
        Array2::from_shape_fn((6, 3), |(i, j)| rows[i][j]),
    )
}

pub const CLAIMS: &[Claim] = &[
    Claim {
        says: "budget = ceil(1.5 * eps * n) samples (a product a rounding error above a whole number counts as that number)",
        check: || {
            // Exactly, for eps in hundredths: ceil(1.5 * k / 100 * n) = ceil(3 k n / 200).
            for k in 0..100usize {
                for n in 0..400usize {
                    let exact = (3 * k * n).div_ceil(200).min(n);
                    same(
                        removal_budget(k as f64 / 100.0, n),
                        exact,
                        &format!("eps = {k}/100, n = {n}"),
                    )?;
                }
            }
            Ok(())
        },
    },
    Claim {
        says: "`eps = 0` flags nothing. A class of one sample with `eps > 0` has a budget of 1, and its sample is flagged",
        check: || {
            let x = Array2::from_shape_vec((3, 2), vec![0.0f32, 1.0, 2.0, 0.5, 9.0, 9.0]).unwrap();
            same(
                Reference.detect(x.view(), &[0, 0, 1], 0.0),
                Ok(vec![]),
                "eps = 0",
            )?;
            same(removal_budget(0.01, 1), 1, "the budget of one sample")?;
            let flagged = Reference.detect(x.view(), &[0, 0, 1], 0.01).unwrap();
            same(
                flagged.contains(&2),
                true,
                "the singleton class's sample flagged",
            )
        },
    },
    Claim {
        says: "For cleanlab's own test case, with labels `[0, 0, 1, 1, 2, 2]` and rows `[.9, .025, .075]`, `[.75, .15, .1]`, `[.1, .05, .85]`, `[.3, .5, .2]`, `[.05, .9, .05]`, `[.1, .1, .8]`, the issues are `[2, 4]`.",
        check: || {
            let (labels, probs) = cleanlab();
            same(
                Reference.label_issues(&labels, probs.view()),
                Ok(vec![2, 4]),
                "cleanlab's example",
            )
        },
    },
    Claim {
        says: "Note that row 1 is not an issue: its probability for class 0 (0.75) is below class 0's threshold (0.825).",
        check: || {
            let (labels, probs) = cleanlab();
            let thresholds = confident_thresholds(&labels, probs.view()).unwrap();
            same(
                format!("{:.3}", thresholds[0]),
                "0.825".to_owned(),
                "class 0's threshold",
            )
        },
    },
    Claim {
        says: "That makes 10% of class 0 poisoned, so `eps = 0.1`.",
        check: || {
            same(
                format!("{:.2}", 33.0 / (300.0 + 33.0)),
                "0.10".to_owned(),
                "33 of 333",
            )
        },
    },
];
