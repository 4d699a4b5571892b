//! The poison exercise's differential properties: scores equal to the reference's within
//! a tolerance, label issues equal to the reference's, and detection recall and
//! precision measured against the reference's own on the same planted datasets. Hidden
//! from candidates; graded by `mldrill grade`.

use mldrill_spec::poison::PoisonDetector;
use ndarray::ArrayView2;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::invariant::{
    Detector, Planted, clouds, datasets, ensure_close, hits, label_cases, moderate, rare,
};
use crate::reference::Reference;
use mldrill_pack::{Ctx, Failure, Property, ensure_eq, property};

/// The properties that compare with the reference, in task order.
pub fn properties() -> Vec<Property<Detector>> {
    vec![
        property!("spectral/matches_reference", Differential, spectral_matches),
        property!(
            "detect/recall_vs_reference",
            Differential,
            detect_vs_reference
        ),
        property!(
            "label_errors/matches_reference",
            Differential,
            label_matches
        ),
        property!(
            "label_errors/rows_not_summing_to_one",
            Differential,
            label_unnormalised
        ),
        property!(
            "hard_mode/recall_vs_reference",
            Differential,
            hard_vs_reference
        ),
    ]
}

/// A candidate earns the task when it finds at least this share of what the reference
/// finds, at no less than this share of the reference's precision.
pub const RELATIVE_TO_REFERENCE: f64 = 0.9;

fn spectral_matches(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    // A second direction of 40% to 75% of the first: enough of a gap to define the top
    // singular vector, too little for a few power iterations to converge.
    ctx.for_all(clouds(0.4..=0.75), |cloud| {
        let x = cloud.matrix();
        let expected = Reference
            .spectral_scores(x.view())
            .expect("the reference scores finite input");
        let got = imp.spectral_scores(x.view()).map_err(|e| {
            proptest::test_runner::TestCaseError::fail(format!(
                "spectral_scores failed on valid input: {e}"
            ))
        })?;
        ensure_close(&got, &expected, "spectral scores")
    })
}

/// Totals of one detector over many datasets.
#[derive(Default)]
struct Tally {
    found: usize,
    planted: usize,
    flagged: usize,
}

impl Tally {
    fn add(&mut self, poisoned: &[bool], flagged: &[usize]) {
        let (found, planted, flagged) = hits(poisoned, flagged);
        self.found += found;
        self.planted += planted;
        self.flagged += flagged;
    }

    fn recall(&self) -> f64 {
        self.found as f64 / self.planted.max(1) as f64
    }

    fn precision(&self) -> f64 {
        self.found as f64 / self.flagged.max(1) as f64
    }
}

type Detect = fn(&Detector, ArrayView2<f32>, &[usize], f64) -> Result<Vec<usize>, String>;

/// Runs `detect` of the candidate and of the reference on `count` datasets drawn by
/// `draw`, and compares recall and precision over all of them together.
fn versus_reference(
    imp: &Detector,
    ctx: &Ctx,
    count: u32,
    draw: fn(&mut StdRng) -> Planted,
    detect: Detect,
) -> Result<(), Failure> {
    let mut rng = StdRng::seed_from_u64(ctx.property_seed());
    let (mut mine, mut theirs) = (Tally::default(), Tally::default());
    let mut worst: Option<(isize, Planted)> = None;
    for _ in 0..count {
        let planted = draw(&mut rng);
        let data = planted.generate();
        let flagged = detect(imp, data.x.view(), &data.labels, planted.eps)
            .map_err(|e| Failure::new(format!("failed on valid input: {e}")))?;
        let reference = detect(&Reference, data.x.view(), &data.labels, planted.eps)
            .expect("the reference accepts the dataset");
        let before = mine.found as isize - theirs.found as isize;
        mine.add(&data.poisoned, &flagged);
        theirs.add(&data.poisoned, &reference);
        let shortfall = before - (mine.found as isize - theirs.found as isize);
        if worst.as_ref().is_none_or(|(s, _)| shortfall > *s) {
            worst = Some((shortfall, planted));
        }
    }
    let recall_ok = mine.recall() >= RELATIVE_TO_REFERENCE * theirs.recall();
    let precision_ok = mine.precision() >= RELATIVE_TO_REFERENCE * theirs.precision();
    if recall_ok && precision_ok {
        return Ok(());
    }
    let (_, planted) = worst.expect("at least one dataset");
    Err(Failure {
        reason: format!(
            "over {count} planted datasets: recall {:.1}% and precision {:.1}%; the reference reaches {:.1}% and {:.1}%, and at least {:.0}% of each is needed. The dataset where you fell furthest behind is the counterexample",
            100.0 * mine.recall(),
            100.0 * mine.precision(),
            100.0 * theirs.recall(),
            100.0 * theirs.precision(),
            100.0 * RELATIVE_TO_REFERENCE,
        ),
        counterexample: Some(format!("{planted:?}")),
    })
}

fn detect_vs_reference(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    versus_reference(imp, ctx, datasets(ctx, 64), moderate, |d, x, l, e| {
        d.detect(x, l, e).map_err(|e| e.to_string())
    })
}

fn hard_vs_reference(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    versus_reference(imp, ctx, datasets(ctx, 32), rare, |d, x, l, e| {
        d.detect_robust(x, l, e).map_err(|e| e.to_string())
    })
}

fn label_matches(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(label_cases(), |case| {
        let (labels, probs) = (&case.labels, case.matrix());
        let expected = Reference
            .label_issues(labels, probs.view())
            .expect("the reference accepts valid input");
        let got = imp.label_issues(labels, probs.view()).map_err(|e| {
            proptest::test_runner::TestCaseError::fail(format!(
                "label_issues failed on valid input: {e}"
            ))
        })?;
        ensure_eq!(got, expected, "label issues");
        Ok(())
    })
}

/// Rows need not sum to 1 (a model's scores after temperature scaling, an average of
/// several models): each row scaled by its own factor in `[0.5, 1.5)`. The rules use the
/// values as given, so the issues are the reference's, without normalising or rejecting.
fn label_unnormalised(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    let scales = proptest::collection::vec(50u32..150, 40);
    ctx.for_all((label_cases(), scales), |(mut case, scales)| {
        for (row, &scale) in case.pred_probs.iter_mut().zip(&scales) {
            row.iter_mut().for_each(|p| *p *= f64::from(scale) / 100.0);
        }
        let (labels, probs) = (&case.labels, case.matrix());
        let expected = Reference
            .label_issues(labels, probs.view())
            .expect("the reference accepts valid input");
        let got = imp.label_issues(labels, probs.view()).map_err(|e| {
            proptest::test_runner::TestCaseError::fail(format!(
                "label_issues failed on rows that do not sum to 1 (they need not): {e}"
            ))
        })?;
        ensure_eq!(got, expected, "label issues of rows that do not sum to 1");
        Ok(())
    })
}
