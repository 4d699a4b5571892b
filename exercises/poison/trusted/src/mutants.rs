//! Plausible wrong poison detectors: each [`Flaw`] is one mistake people really make,
//! applied to the reference and nothing else.

use mldrill_spec::poison::{PoisonDetector, PoisonError, removal_budget};
use ndarray::{Array1, Array2, ArrayView2};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index::sample;
use tch::{Kind, Tensor};

use crate::reference::{
    Reference, argmax, check_finite, classes, confident_thresholds, flag_per_class, gather,
    spectral, squared_projections, top, top_direction,
};

/// One mistake, named after what it does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// spectral: skips centring (the authors' code and ART score uncentred rows).
    Uncentred,
    /// spectral: scores by `|projection|` instead of its square.
    AbsoluteProjection,
    /// spectral: takes the singular vector of the smallest singular value.
    BottomSingularVector,
    /// spectral: three power iterations from the all-ones vector, not converged.
    FewPowerIterations,
    /// detect: flags a random budget-sized set in every class.
    RandomFlags,
    /// detect: flags the least suspicious samples (sorts scores the wrong way).
    LeastSuspicious,
    /// detect: flags twice the budget.
    IgnoresBudget,
    /// detect: scores all samples together instead of class by class.
    GlobalScores,
    /// detect: skips classes too small to centre, so a singleton is never flagged.
    SkipsSingletons,
    /// detect: looks only in the largest class, assuming the poison's target is the
    /// class that grew.
    LargestClassOnly,
    /// label_errors: flags every sample whose argmax differs from its label.
    ArgmaxDisagrees,
    /// label_errors: per-class thresholds over the samples *predicted* in the class.
    ThresholdsByPrediction,
    /// label_errors: with several confident classes, takes the first, not the argmax.
    FirstConfidentClass,
    /// spectral, detect, label_errors, hard_mode: looks for non-finite values column by
    /// column, so with several it reports the first in column-major order.
    ColumnMajorScan,
    /// detect: a plain `ceil(1.5 * eps * n)`, one flag too many when the product lands a
    /// rounding error above a whole number.
    PlainCeilBudget,
    /// label_errors: `p >= t` without cleanlab's `1e-6` slack.
    NoSlack,
    /// label_errors: a slack of `1e-5`, ten times cleanlab's.
    WideSlack,
    /// label_errors: divides each row by its sum before anything else.
    NormalisesRows,
    /// hard_mode: no input checks of its own: a bad `eps` is clamped into `[0, 1)`.
    RobustUnchecked,
    /// hard_mode: plain spectral scores.
    PlainSpectralOnly,
    /// hard_mode: whitens with the full (poisoned) covariance instead of a robust one.
    NonRobustWhitening,
}

impl Flaw {
    /// Every flaw, with the task it belongs to.
    pub const ALL: [(&'static str, Flaw); 26] = [
        ("spectral", Flaw::Uncentred),
        ("spectral", Flaw::AbsoluteProjection),
        ("spectral", Flaw::BottomSingularVector),
        ("spectral", Flaw::FewPowerIterations),
        ("spectral", Flaw::ColumnMajorScan),
        ("detect", Flaw::RandomFlags),
        ("detect", Flaw::LeastSuspicious),
        ("detect", Flaw::IgnoresBudget),
        ("detect", Flaw::GlobalScores),
        ("detect", Flaw::SkipsSingletons),
        ("detect", Flaw::LargestClassOnly),
        ("detect", Flaw::ColumnMajorScan),
        ("detect", Flaw::PlainCeilBudget),
        ("end_to_end", Flaw::RandomFlags),
        ("end_to_end", Flaw::LeastSuspicious),
        ("label_errors", Flaw::ArgmaxDisagrees),
        ("label_errors", Flaw::ThresholdsByPrediction),
        ("label_errors", Flaw::FirstConfidentClass),
        ("label_errors", Flaw::ColumnMajorScan),
        ("label_errors", Flaw::NoSlack),
        ("label_errors", Flaw::WideSlack),
        ("label_errors", Flaw::NormalisesRows),
        ("hard_mode", Flaw::PlainSpectralOnly),
        ("hard_mode", Flaw::NonRobustWhitening),
        ("hard_mode", Flaw::ColumnMajorScan),
        ("hard_mode", Flaw::RobustUnchecked),
    ];
}

/// The reference with one [`Flaw`].
#[derive(Debug, Clone, Copy)]
pub struct Mutant(pub Flaw);

fn wrong_spectral(flaw: Flaw, x: &Tensor) -> Vec<f64> {
    let n = x.size()[0];
    if n == 0 {
        return Vec::new();
    }
    let centred = x - x.mean_dim(0, true, Kind::Double);
    match flaw {
        Flaw::Uncentred => {
            let (v, _) = top_direction(x);
            squared_projections(x, &v)
        }
        Flaw::AbsoluteProjection => {
            let (v, _) = top_direction(&centred);
            Vec::<f64>::try_from(centred.mv(&v).abs()).expect("f64 scores")
        }
        Flaw::BottomSingularVector => {
            let (_, vectors) = centred.tr().mm(&centred).linalg_eigh("L");
            squared_projections(&centred, &vectors.select(1, 0))
        }
        Flaw::FewPowerIterations => {
            let scatter = centred.tr().mm(&centred);
            let mut v = Tensor::ones([x.size()[1]], (Kind::Double, tch::Device::Cpu));
            for _ in 0..3 {
                let next = scatter.mv(&v);
                let norm = next.norm().double_value(&[]);
                v = if norm > 0.0 { next / norm } else { next };
            }
            squared_projections(&centred, &v)
        }
        _ => spectral(x),
    }
}

impl PoisonDetector for Mutant {
    fn spectral_scores(
        &self,
        representations: ArrayView2<f32>,
    ) -> Result<Array1<f64>, PoisonError> {
        if self.0 == Flaw::ColumnMajorScan {
            column_major_check(representations.mapv(f64::from).view())?;
        }
        check_finite(representations)?;
        let rows: Vec<usize> = (0..representations.nrows()).collect();
        Ok(Array1::from(wrong_spectral(
            self.0,
            &gather(representations, &rows),
        )))
    }

    fn detect(
        &self,
        representations: ArrayView2<f32>,
        labels: &[usize],
        eps: f64,
    ) -> Result<Vec<usize>, PoisonError> {
        let x = representations;
        match self.0 {
            Flaw::ColumnMajorScan if x.nrows() == labels.len() && (0.0..1.0).contains(&eps) => {
                column_major_check(x.mapv(f64::from).view())?;
                Reference.detect(x, labels, eps)
            }
            Flaw::PlainCeilBudget => {
                let mut flagged = Vec::new();
                for rows in classes(x, labels, eps)?.values() {
                    let budget = ((1.5 * eps * rows.len() as f64).ceil() as usize).min(rows.len());
                    let scores = spectral(&gather(x, rows));
                    flagged.extend(top(&scores, budget).into_iter().map(|p| rows[p]));
                }
                flagged.sort_unstable();
                Ok(flagged)
            }
            Flaw::RandomFlags => {
                let mut rng = StdRng::seed_from_u64(labels.len() as u64);
                let mut flagged = Vec::new();
                for rows in classes(x, labels, eps)?.values() {
                    let budget = removal_budget(eps, rows.len());
                    flagged.extend(sample(&mut rng, rows.len(), budget).iter().map(|p| rows[p]));
                }
                flagged.sort_unstable();
                Ok(flagged)
            }
            Flaw::LeastSuspicious => flag_per_class(x, labels, eps, |class| {
                spectral(class).into_iter().map(|s| -s).collect()
            }),
            Flaw::IgnoresBudget => {
                let mut flagged = Vec::new();
                for rows in classes(x, labels, eps)?.values() {
                    let budget = (2 * removal_budget(eps, rows.len())).min(rows.len());
                    let scores = spectral(&gather(x, rows));
                    flagged.extend(top(&scores, budget).into_iter().map(|p| rows[p]));
                }
                flagged.sort_unstable();
                Ok(flagged)
            }
            Flaw::GlobalScores => {
                let classes = classes(x, labels, eps)?;
                let all: Vec<usize> = (0..labels.len()).collect();
                let scores = spectral(&gather(x, &all));
                let budget: usize = classes
                    .values()
                    .map(|rows| removal_budget(eps, rows.len()))
                    .sum();
                let mut flagged = top(&scores, budget);
                flagged.sort_unstable();
                Ok(flagged)
            }
            Flaw::SkipsSingletons => {
                let mut flagged = Reference.detect(x, labels, eps)?;
                let classes = classes(x, labels, eps)?;
                flagged.retain(|&i| classes[&labels[i]].len() > 1);
                Ok(flagged)
            }
            Flaw::LargestClassOnly => {
                let classes = classes(x, labels, eps)?;
                let largest = classes.values().map(Vec::len).max().unwrap_or(0);
                let mut flagged = Reference.detect(x, labels, eps)?;
                flagged.retain(|&i| classes[&labels[i]].len() == largest);
                Ok(flagged)
            }
            _ => Reference.detect(x, labels, eps),
        }
    }

    fn label_issues(
        &self,
        labels: &[usize],
        pred_probs: ArrayView2<f64>,
    ) -> Result<Vec<usize>, PoisonError> {
        if self.0 == Flaw::ColumnMajorScan && pred_probs.nrows() == labels.len() {
            column_major_check(pred_probs)?;
        }
        let given: Array2<f64> = if self.0 == Flaw::NormalisesRows {
            Array2::from_shape_fn(pred_probs.dim(), |(i, j)| {
                let sum: f64 = pred_probs.row(i).sum();
                if sum > 0.0 {
                    pred_probs[[i, j]] / sum
                } else {
                    pred_probs[[i, j]]
                }
            })
        } else {
            pred_probs.to_owned()
        };
        let pred_probs = given.view();
        let thresholds = confident_thresholds(labels, pred_probs)?;
        let rows = |i: usize| pred_probs.row(i).to_vec();
        let issues = (0..labels.len()).filter(|&i| {
            let row = rows(i);
            let guess = match self.0 {
                Flaw::ArgmaxDisagrees => Some(argmax(&row)),
                Flaw::ThresholdsByPrediction => {
                    let classes = row.len();
                    let mut sums = vec![0.0; classes];
                    let mut counts = vec![0usize; classes];
                    for k in 0..labels.len() {
                        let predicted = argmax(&rows(k));
                        sums[predicted] += pred_probs[[k, predicted]];
                        counts[predicted] += 1;
                    }
                    let by_prediction: Vec<f64> = sums
                        .iter()
                        .zip(&counts)
                        .map(|(&s, &c)| if c == 0 { f64::INFINITY } else { s / c as f64 })
                        .collect();
                    crate::reference::confident_guess(&row, &by_prediction)
                }
                Flaw::FirstConfidentClass => (0..row.len())
                    .find(|&j| row[j] >= thresholds[j] - crate::reference::CONFIDENCE_SLACK),
                Flaw::NoSlack | Flaw::WideSlack => {
                    let slack = if self.0 == Flaw::NoSlack { 0.0 } else { 1e-5 };
                    let confident: Vec<usize> = (0..row.len())
                        .filter(|&j| row[j] >= thresholds[j] - slack)
                        .collect();
                    match confident.as_slice() {
                        [] => None,
                        [only] => Some(*only),
                        _ => Some(argmax(&row)),
                    }
                }
                _ => crate::reference::confident_guess(&row, &thresholds),
            };
            guess.is_some_and(|g| g != labels[i])
        });
        Ok(issues.collect())
    }

    fn detect_robust(
        &self,
        representations: ArrayView2<f32>,
        labels: &[usize],
        eps: f64,
    ) -> Result<Vec<usize>, PoisonError> {
        match self.0 {
            Flaw::ColumnMajorScan
                if representations.nrows() == labels.len() && (0.0..1.0).contains(&eps) =>
            {
                column_major_check(representations.mapv(f64::from).view())?;
                Reference.detect_robust(representations, labels, eps)
            }
            Flaw::RobustUnchecked => {
                let eps = if eps.is_nan() {
                    0.0
                } else {
                    eps.clamp(0.0, 0.99)
                };
                Reference.detect_robust(representations, labels, eps)
            }
            Flaw::PlainSpectralOnly => Reference.detect(representations, labels, eps),
            Flaw::NonRobustWhitening => flag_per_class(representations, labels, eps, |x| {
                let centred = x - x.mean_dim(0, true, Kind::Double);
                let covariance = centred.tr().mm(&centred) / (x.size()[0] - 1).max(1) as f64;
                let (values, vectors) = covariance.linalg_eigh("L");
                let scale = values.clamp_min(1e-12).rsqrt();
                let whiten = (&vectors * scale.unsqueeze(0)).mm(&vectors.tr());
                let z = centred.mm(&whiten);
                let (v, _) = top_direction(&z);
                squared_projections(&z, &v)
            }),
            _ => Reference.detect_robust(representations, labels, eps),
        }
    }
}

/// The first non-finite value found column by column.
fn column_major_check(x: ArrayView2<f64>) -> Result<(), PoisonError> {
    for column in 0..x.ncols() {
        if let Some(row) = (0..x.nrows()).find(|&row| !x[[row, column]].is_finite()) {
            return Err(PoisonError::NotFinite { row, column });
        }
    }
    Ok(())
}
