//! The reference poison detector: spectral signatures (centred, squared projection onto
//! the top right singular vector, found as the top eigenvector of the class's scatter
//! matrix: in mixed precision by [`refined_direction`], or in f64 with libtorch's LAPACK
//! when that cannot vouch for its answer), per-class removal within Tran et al.'s budget,
//! cleanlab's confident-learning label issues, and a robust variant for rare poison that
//! whitens each class with a trimmed covariance estimate before scoring.

use std::collections::BTreeMap;
use std::ops::Not;

use mldrill_spec::poison::{PoisonDetector, PoisonError, removal_budget};
use ndarray::{Array1, ArrayView2};
use tch::{Kind, Tensor};

pub mod refined_direction;

/// The reference implementation of [`PoisonDetector`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Reference;

/// cleanlab's slack: a probability counts as confident at `threshold - 1e-6`.
pub const CONFIDENCE_SLACK: f64 = 1e-6;
/// Trimming rounds of the robust covariance estimate.
const TRIM_ROUNDS: usize = 4;

/// Rejects NaN and infinite values, naming the first one.
pub fn check_finite(x: ArrayView2<f32>) -> Result<(), PoisonError> {
    // One vectorized pass over a contiguous matrix first; the search for the first bad
    // value's position only when there is one.
    if x.as_slice().is_some_and(all_finite) {
        return Ok(());
    }
    match x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        Some(((row, column), _)) => Err(PoisonError::NotFinite { row, column }),
        None => Ok(()),
    }
}

/// Whether every value is finite: an exponent of all ones is an infinity or a NaN. An
/// integer test per value, folded without branches so that it vectorizes.
fn all_finite(values: &[f32]) -> bool {
    const EXPONENT: u32 = 0x7f80_0000;
    values.chunks(4096).all(|chunk| {
        chunk
            .iter()
            .fold(false, |bad, v| bad | (v.to_bits() & EXPONENT == EXPONENT))
            .not()
    })
}

/// Checks what `detect` and `detect_robust` take, and groups the rows by class.
pub fn classes(
    x: ArrayView2<f32>,
    labels: &[usize],
    eps: f64,
) -> Result<BTreeMap<usize, Vec<usize>>, PoisonError> {
    if x.nrows() != labels.len() {
        return Err(PoisonError::ShapeMismatch {
            rows: x.nrows(),
            labels: labels.len(),
        });
    }
    if !(0.0..1.0).contains(&eps) {
        return Err(PoisonError::InvalidFraction);
    }
    check_finite(x)?;
    let mut classes: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &label) in labels.iter().enumerate() {
        classes.entry(label).or_default().push(i);
    }
    Ok(classes)
}

/// The rows `rows` of `x`, as an `[rows, d]` f64 tensor.
pub fn gather(x: ArrayView2<f32>, rows: &[usize]) -> Tensor {
    let d = x.ncols();
    let mut values = Vec::with_capacity(rows.len() * d);
    for &i in rows {
        values.extend(x.row(i).iter().map(|&v| f64::from(v)));
    }
    Tensor::from_slice(&values).reshape([rows.len() as i64, d as i64])
}

/// The unit eigenvector of the largest eigenvalue of `m^T m` (the top right singular
/// vector of `m`), and that eigenvalue. LAPACK's symmetric solver returns eigenvalues in
/// ascending order, so the top one is the last.
pub fn top_direction(m: &Tensor) -> (Tensor, f64) {
    let scatter = m.tr().mm(m);
    let (values, vectors) = scatter.linalg_eigh("L");
    let d = vectors.size()[1];
    (vectors.select(1, d - 1), values.double_value(&[d - 1]))
}

/// Squared projections of the rows of `m` on `v`.
pub fn squared_projections(m: &Tensor, v: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(m.mv(v).square()).expect("f64 scores")
}

/// Spectral-signature scores of the rows of `x` (as one class), with the top direction
/// from the f64 scatter and LAPACK: the reference's fallback, and the yardstick its
/// flags are checked against.
pub fn spectral(x: &Tensor) -> Vec<f64> {
    let n = x.size()[0];
    if n == 0 || x.size()[1] == 0 {
        return vec![0.0; n as usize];
    }
    let centred = x - x.mean_dim(0, true, Kind::Double);
    let (v, _) = top_direction(&centred);
    squared_projections(&centred, &v)
}

/// Spectral-signature scores of the rows `rows` of `x` (as one class): the top direction
/// from the f32 scatter refined in f64 ([`refined_direction`]) when its convergence check
/// holds, else [`spectral`]'s. Either way the same direction to within 1e-9 radians.
pub fn spectral_refined(x: ArrayView2<f32>, rows: &[usize]) -> Vec<f64> {
    if rows.is_empty() || x.ncols() == 0 {
        return vec![0.0; rows.len()];
    }
    let x = x.as_standard_layout();
    let class = refined_direction::CentredClass::new(x.view(), rows);
    match refined_direction::refined_top_direction(&class) {
        Some(refined) => refined.projections.iter().map(|p| p * p).collect(),
        None => {
            let c = class.tensor();
            squared_projections(&c, &top_direction(&c).0)
        }
    }
}

/// The `budget` highest-scoring positions, ties to the earlier position.
pub fn top(scores: &[f64], budget: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    order.truncate(budget);
    order
}

/// Flags, in every class, the `removal_budget` samples that `score` rates highest.
pub fn flag_per_class(
    x: ArrayView2<f32>,
    labels: &[usize],
    eps: f64,
    score: impl Fn(&Tensor) -> Vec<f64>,
) -> Result<Vec<usize>, PoisonError> {
    flag_classes(x, labels, eps, |rows, budget| {
        top(&score(&gather(x, rows)), budget)
    })
}

/// The sample indices, ascending, that `pick` chooses in every class with a removal
/// budget: `pick(rows, budget)` returns positions within the class's `rows`.
pub fn flag_classes(
    x: ArrayView2<f32>,
    labels: &[usize],
    eps: f64,
    mut pick: impl FnMut(&[usize], usize) -> Vec<usize>,
) -> Result<Vec<usize>, PoisonError> {
    let mut flagged = Vec::new();
    for rows in classes(x, labels, eps)?.values() {
        let budget = removal_budget(eps, rows.len());
        if budget > 0 {
            flagged.extend(pick(rows, budget).into_iter().map(|p| rows[p]));
        }
    }
    flagged.sort_unstable();
    Ok(flagged)
}

/// The reference's flags in one class of the row-major `x`: positions within `rows` of the
/// `budget` highest spectral scores, decided by [`refined_direction::certified_top`] as
/// soon as its direction is known well enough, else with LAPACK's f64 direction.
pub fn detect_class(x: ArrayView2<f32>, rows: &[usize], budget: usize) -> Vec<usize> {
    if rows.is_empty() || x.ncols() == 0 {
        return top(&vec![0.0; rows.len()], budget);
    }
    let class = refined_direction::CentredClass::new(x, rows);
    refined_direction::certified_top(&class, budget).unwrap_or_else(|| {
        let c = class.tensor();
        top(&squared_projections(&c, &top_direction(&c).0), budget)
    })
}

/// `f` of every item, in order, computed on up to `threads` threads (`detect` uses as many
/// as libtorch may, `tch::set_num_threads`): classes are independent, and one class on
/// each core beats both cores on each of a class's many small steps.
pub fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break done };
                        done.push((i, f(item)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a class's detection does not panic"))
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Robust spectral scores: estimate the class's mean and covariance from its most
/// central samples (trimming the `trim` farthest by Mahalanobis distance, a few rounds),
/// whiten every sample with that estimate, and score by the squared projection on the
/// top direction of the whitened samples. Rare poison inflates one whitened direction
/// well above 1 while the class's own loud directions are flattened to 1.
pub fn robust(x: &Tensor, trim: usize) -> Vec<f64> {
    let (n, d) = (x.size()[0], x.size()[1]);
    if n <= 2 * d || d == 0 {
        // Too few samples to estimate a covariance: plain spectral scores.
        return spectral(x);
    }
    let keep_count = (n - trim as i64).max(d + 1);
    let mut kept = x.shallow_clone();
    let mut whiten = Tensor::eye(d, (Kind::Double, tch::Device::Cpu));
    let mut mean = x.mean_dim(0, true, Kind::Double);
    for _ in 0..TRIM_ROUNDS {
        mean = kept.mean_dim(0, true, Kind::Double);
        let centred = &kept - &mean;
        let covariance = centred.tr().mm(&centred) / (kept.size()[0] - 1) as f64;
        whiten = inverse_sqrt(&covariance);
        let z = (x - &mean).mm(&whiten);
        let distance = z.square().sum_dim_intlist(1, false, Kind::Double);
        let order = distance.argsort(0, false);
        kept = x.index_select(0, &order.narrow(0, 0, keep_count));
    }
    let z = (x - &mean).mm(&whiten);
    let (v, _) = top_direction(&z);
    squared_projections(&z, &v)
}

/// `c^(-1/2)` of a symmetric positive semi-definite matrix, with tiny eigenvalues
/// floored so that a flat direction does not explode.
fn inverse_sqrt(c: &Tensor) -> Tensor {
    let (values, vectors) = c.linalg_eigh("L");
    let floor = values.max().double_value(&[]).max(f64::MIN_POSITIVE) * 1e-9;
    let scale = values.clamp_min(floor).rsqrt();
    (&vectors * scale.unsqueeze(0)).mm(&vectors.tr())
}

impl PoisonDetector for Reference {
    fn spectral_scores(
        &self,
        representations: ArrayView2<f32>,
    ) -> Result<Array1<f64>, PoisonError> {
        check_finite(representations)?;
        let rows: Vec<usize> = (0..representations.nrows()).collect();
        Ok(Array1::from(spectral_refined(representations, &rows)))
    }

    fn detect(
        &self,
        representations: ArrayView2<f32>,
        labels: &[usize],
        eps: f64,
    ) -> Result<Vec<usize>, PoisonError> {
        let x = representations.as_standard_layout();
        let classes: Vec<Vec<usize>> = classes(x.view(), labels, eps)?.into_values().collect();
        let flag = |rows: &Vec<usize>| {
            let budget = removal_budget(eps, rows.len());
            detect_class(x.view(), rows, budget)
                .into_iter()
                .map(|p| rows[p])
                .collect::<Vec<_>>()
        };
        let threads = tch::get_num_threads();
        let per_class = if threads > 1 {
            // One class per thread, each on one libtorch thread (OpenMP's count is the
            // calling thread's own; BLAS's is the process's, so it is put back after).
            let per_class = in_parallel(&classes, threads as usize, |rows| {
                tch::set_num_threads(1);
                flag(rows)
            });
            tch::set_num_threads(threads);
            per_class
        } else {
            classes.iter().map(flag).collect()
        };
        let mut flagged: Vec<usize> = per_class.into_iter().flatten().collect();
        flagged.sort_unstable();
        Ok(flagged)
    }

    fn label_issues(
        &self,
        labels: &[usize],
        pred_probs: ArrayView2<f64>,
    ) -> Result<Vec<usize>, PoisonError> {
        let thresholds = confident_thresholds(labels, pred_probs)?;
        Ok((0..labels.len())
            .filter(|&i| {
                let row: Vec<f64> = pred_probs.row(i).to_vec();
                confident_guess(&row, &thresholds).is_some_and(|guess| guess != labels[i])
            })
            .collect())
    }

    fn detect_robust(
        &self,
        representations: ArrayView2<f32>,
        labels: &[usize],
        eps: f64,
    ) -> Result<Vec<usize>, PoisonError> {
        flag_classes(representations, labels, eps, |rows, budget| {
            top(&robust(&gather(representations, rows), 2 * budget), budget)
        })
    }
}

/// Checks the label-issue inputs and returns cleanlab's per-class thresholds: the mean
/// predicted probability of class `j` over the samples labelled `j` (`+inf` for a class
/// no sample is labelled with, so that it is never a confident guess).
pub fn confident_thresholds(
    labels: &[usize],
    pred_probs: ArrayView2<f64>,
) -> Result<Vec<f64>, PoisonError> {
    let (n, classes) = pred_probs.dim();
    if n != labels.len() {
        return Err(PoisonError::ShapeMismatch {
            rows: n,
            labels: labels.len(),
        });
    }
    for ((row, column), &p) in pred_probs.indexed_iter() {
        if !p.is_finite() {
            return Err(PoisonError::NotFinite { row, column });
        }
        if p < 0.0 {
            return Err(PoisonError::NotAProbability { row });
        }
    }
    if let Some((row, &label)) = labels.iter().enumerate().find(|(_, l)| **l >= classes) {
        return Err(PoisonError::UnknownLabel {
            row,
            label,
            classes,
        });
    }
    let mut sums = vec![0.0; classes];
    let mut counts = vec![0usize; classes];
    for (i, &label) in labels.iter().enumerate() {
        sums[label] += pred_probs[[i, label]];
        counts[label] += 1;
    }
    Ok(sums
        .iter()
        .zip(&counts)
        .map(|(&s, &c)| if c == 0 { f64::INFINITY } else { s / c as f64 })
        .collect())
}

/// cleanlab's guess of a sample's true label: none when no class reaches its threshold,
/// the one that does when exactly one does, else the row's argmax over all classes (the
/// first on ties, as NumPy's argmax).
pub fn confident_guess(row: &[f64], thresholds: &[f64]) -> Option<usize> {
    let confident: Vec<usize> = (0..row.len())
        .filter(|&j| row[j] >= thresholds[j] - CONFIDENCE_SLACK)
        .collect();
    match confident.as_slice() {
        [] => None,
        [only] => Some(*only),
        _ => Some(argmax(row)),
    }
}

/// The first index of the largest value.
pub fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (j, &p) in row.iter().enumerate() {
        if p > row[best] {
            best = j;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn cleanlab_issue_405_vector_gives_2_and_4() {
        let labels = [0, 0, 1, 1, 2, 2];
        let probs = array![
            [0.9, 0.025, 0.075],
            [0.75, 0.15, 0.1],
            [0.1, 0.05, 0.85],
            [0.3, 0.5, 0.2],
            [0.05, 0.9, 0.05],
            [0.1, 0.1, 0.8],
        ];
        assert_eq!(
            Reference.label_issues(&labels, probs.view()).unwrap(),
            vec![2, 4]
        );
    }

    #[test]
    fn spectral_scores_follow_the_dominant_direction() {
        // Points on a line through (5, 5) along (1, 0): the score is the squared offset.
        let x = array![[3.0f32, 5.0], [5.0, 5.0], [7.0, 5.0], [9.0, 5.0]];
        let scores = Reference.spectral_scores(x.view()).unwrap();
        let expected = [9.0, 1.0, 1.0, 9.0];
        for (s, e) in scores.iter().zip(expected) {
            assert!((s - e).abs() < 1e-9, "{scores:?}");
        }
    }

    #[test]
    fn a_singleton_class_is_flagged_and_eps_zero_flags_nothing() {
        let x = array![[0.0f32, 1.0], [1.0, 0.0], [2.0, 2.0], [9.0, 9.0]];
        let labels = [0, 0, 0, 1];
        // Class 0's centred points are (-1, 0), (0, -1), (1, 1): the top direction is the
        // diagonal and the third point scores highest.
        assert_eq!(
            Reference.detect(x.view(), &labels, 0.1).unwrap(),
            vec![2, 3]
        );
        assert!(Reference.detect(x.view(), &labels, 0.0).unwrap().is_empty());
    }

    #[test]
    fn work_shared_between_threads_comes_back_in_order() {
        let items: Vec<u64> = (0..23).collect();
        let square = |i: &u64| i * i;
        let expected: Vec<u64> = items.iter().map(square).collect();
        for threads in [0, 1, 2, 3, 64] {
            assert_eq!(in_parallel(&items, threads, square), expected, "{threads}");
        }
        assert!(in_parallel(&[] as &[u64], 2, square).is_empty());
    }

    #[test]
    fn certified_flags_are_the_lapack_directions_flags_in_every_class() {
        // Classes of clean samples only, where the cut falls inside the bulk of the scores
        // and the top two eigenvalues are close: the hard case for deciding early.
        let data = crate::bench::bench_dataset(6, 3_000, 96, 0.0);
        let x = data.x.view();
        for class in 0..6 {
            let rows: Vec<usize> = (0..data.labels.len())
                .filter(|&i| data.labels[i] == class)
                .collect();
            let budget = removal_budget(0.05, rows.len());
            let mut decided = detect_class(x, &rows, budget);
            decided.sort_unstable();
            let mut lapack = top(&spectral(&gather(x, &rows)), budget);
            lapack.sort_unstable();
            assert_eq!(decided, lapack, "class {class}");
        }
    }

    #[test]
    fn mixed_precision_flags_what_the_f64_lapack_detector_flags() {
        let data = crate::bench::bench_dataset(4, 2_000, 64, 0.05);
        let (x, labels) = (data.x.view(), &data.labels);
        let flagged = Reference.detect(x, labels, 0.05).unwrap();
        assert_eq!(flagged.len(), 4 * removal_budget(0.05, 2_000));
        assert_eq!(flagged, flag_per_class(x, labels, 0.05, spectral).unwrap());
    }
}
