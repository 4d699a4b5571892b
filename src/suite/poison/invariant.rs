//! The poison exercise's reference-free properties: what any correct detector satisfies
//! (scores invariant to translation, rotation and row order, quadratic in scale, along
//! the top direction; flags within budget; obvious and rare planted poison found; the
//! cleanlab example). An exported screen lets a candidate run these, so this file must
//! never use the reference: it imports only the suite framework, the spec and libraries.

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

use crate::suite::{Ctx, Failure, Property};
use crate::{ensure_eq, fail, property};

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
// Generated data

fn normal(rng: &mut StdRng) -> f64 {
    rng.sample(StandardNormal)
}

/// A random unit vector of `dim` entries orthogonal to every vector of `against`
/// (which must be orthonormal and fewer than `dim`).
fn unit_vector(dim: usize, against: &[Vec<f64>], rng: &mut StdRng) -> Vec<f64> {
    loop {
        let mut v: Vec<f64> = (0..dim).map(|_| normal(rng)).collect();
        for u in against {
            let dot: f64 = v.iter().zip(u).map(|(a, b)| a * b).sum();
            v.iter_mut().zip(u).for_each(|(a, b)| *a -= dot * b);
        }
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        if norm > 1e-6 {
            return v.into_iter().map(|a| a / norm).collect();
        }
    }
}

/// One class's representations: a point cloud spread along a dominant direction (up to
/// `spread`), a second one (`ratio * spread`), small isotropic noise, and an offset.
#[derive(Debug, Clone)]
pub struct Cloud {
    pub rows: usize,
    pub dim: usize,
    pub spread: f64,
    pub ratio: f64,
    pub offset: f64,
    pub seed: u64,
}

impl Cloud {
    pub fn matrix(&self) -> Array2<f32> {
        let mut rng = StdRng::seed_from_u64(self.seed);
        let first = unit_vector(self.dim, &[], &mut rng);
        let second = if self.dim > 1 {
            unit_vector(self.dim, std::slice::from_ref(&first), &mut rng)
        } else {
            vec![0.0]
        };
        let offset: Vec<f64> = (0..self.dim)
            .map(|_| rng.random_range(-self.offset..=self.offset))
            .collect();
        let noise = 0.02 * self.spread;
        let mut x = Array2::zeros((self.rows, self.dim));
        for mut row in x.outer_iter_mut() {
            let a = rng.random_range(-self.spread..=self.spread);
            let b = rng.random_range(-1.0..=1.0) * self.ratio * self.spread;
            for (j, value) in row.iter_mut().enumerate() {
                let v = offset[j] + a * first[j] + b * second[j] + noise * normal(&mut rng);
                *value = v as f32;
            }
        }
        x
    }
}

/// The ratio of the two largest eigenvalues of the centred scatter matrix: how clearly
/// the data has one top direction (infinite when it has only one).
pub fn eigen_gap(x: ArrayView2<f32>) -> f64 {
    let (n, d) = x.dim();
    let values: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    let t = Tensor::from_slice(&values).reshape([n as i64, d as i64]);
    let centred = &t - t.mean_dim(0, true, tch::Kind::Double);
    let eigenvalues =
        Vec::<f64>::try_from(centred.tr().mm(&centred).linalg_eigvalsh("L")).unwrap_or_default();
    match eigenvalues.as_slice() {
        [.., second, first] if *second > 0.0 => first / second,
        _ => f64::INFINITY,
    }
}

/// Clouds with a clear top direction (eigen-gap of at least 1.5), so that its singular
/// vector is well defined and any correct method finds the same one.
pub fn clouds(ratio: std::ops::RangeInclusive<f64>) -> impl Strategy<Value = Cloud> {
    (
        4usize..40,
        1usize..8,
        1.0f64..10.0,
        ratio,
        0.0f64..100.0,
        any::<u64>(),
    )
        .prop_map(|(rows, dim, spread, ratio, offset, seed)| Cloud {
            rows,
            dim,
            spread,
            ratio,
            offset,
            seed,
        })
        .prop_filter("needs a clear top direction", |c| {
            eigen_gap(c.matrix().view()) >= 1.5
        })
}

/// Labelled representations with planted poison: each class is a Gaussian around its
/// own mean (per-dimension scales in `[0.5, 1.5]`, plus `loud` directions of standard
/// deviation `loud_scale`), and `poison[c]` of class `c`'s samples are shifted by
/// `strength` along one direction orthogonal to the loud ones. Rows are shuffled.
#[derive(Debug, Clone)]
pub struct Planted {
    /// Samples per class, poison included.
    pub sizes: Vec<usize>,
    /// The label of each class (not necessarily `0..k`).
    pub labels: Vec<usize>,
    pub poison: Vec<usize>,
    pub dim: usize,
    pub strength: f64,
    pub loud: usize,
    pub loud_scale: f64,
    /// The expected poison fraction the detector is told.
    pub eps: f64,
    pub seed: u64,
}

/// A planted dataset, generated.
pub struct Dataset {
    pub x: Array2<f32>,
    pub labels: Vec<usize>,
    pub poisoned: Vec<bool>,
}

impl Planted {
    pub fn generate(&self) -> Dataset {
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut rows: Vec<(Vec<f64>, usize, bool)> = Vec::new();
        for (c, &size) in self.sizes.iter().enumerate() {
            let mean: Vec<f64> = (0..self.dim).map(|_| 3.0 * normal(&mut rng)).collect();
            let scales: Vec<f64> = (0..self.dim).map(|_| rng.random_range(0.5..=1.5)).collect();
            let mut loud: Vec<Vec<f64>> = Vec::new();
            for _ in 0..self.loud.min(self.dim.saturating_sub(1)) {
                let v = unit_vector(self.dim, &loud, &mut rng);
                loud.push(v);
            }
            let shift = unit_vector(self.dim, &loud, &mut rng);
            for k in 0..size {
                let mut row: Vec<f64> = (0..self.dim)
                    .map(|j| mean[j] + scales[j] * normal(&mut rng))
                    .collect();
                for direction in &loud {
                    let g = self.loud_scale * normal(&mut rng);
                    row.iter_mut().zip(direction).for_each(|(x, u)| *x += g * u);
                }
                let poisoned = k < self.poison[c];
                if poisoned {
                    row.iter_mut()
                        .zip(&shift)
                        .for_each(|(x, u)| *x += self.strength * u);
                }
                rows.push((row, self.labels[c], poisoned));
            }
        }
        rows.shuffle(&mut rng);
        let mut x = Array2::zeros((rows.len(), self.dim));
        for (i, (row, _, _)) in rows.iter().enumerate() {
            x.row_mut(i)
                .iter_mut()
                .zip(row)
                .for_each(|(a, &v)| *a = v as f32);
        }
        Dataset {
            x,
            labels: rows.iter().map(|r| r.1).collect(),
            poisoned: rows.iter().map(|r| r.2).collect(),
        }
    }
}

/// Distinct labels for `k` classes, not always `0..k`.
fn class_labels(k: usize) -> impl Strategy<Value = Vec<usize>> {
    proptest::sample::subsequence((0..12).collect::<Vec<usize>>(), k).prop_shuffle()
}

/// Datasets where any sensible detector finds every poisoned sample: a shift of 12 along
/// a quiet direction, at most `eps` of a class, in a class that need not be the largest.
pub fn obvious() -> impl Strategy<Value = Planted> {
    (1usize..5, 2usize..12, 0.05f64..0.2)
        .prop_flat_map(|(k, dim, eps)| {
            (
                prop::collection::vec(20usize..120, k),
                class_labels(k),
                prop::collection::vec(prop::bool::ANY, k),
                Just(dim),
                Just(eps),
                any::<u64>(),
            )
        })
        .prop_map(|(sizes, labels, has_poison, dim, eps, seed)| {
            let poison = sizes
                .iter()
                .zip(&has_poison)
                .map(|(&n, &p)| {
                    if p {
                        ((eps * n as f64).floor() as usize).max(1)
                    } else {
                        0
                    }
                })
                .collect();
            Planted {
                sizes,
                labels,
                poison,
                dim,
                strength: 12.0,
                loud: 0,
                loud_scale: 0.0,
                eps,
                seed,
            }
        })
}

/// Datasets of moderate difficulty: shifts of 3 to 8, where detectors differ.
pub fn moderate(rng: &mut StdRng) -> Planted {
    let k = rng.random_range(1..=4);
    let eps = rng.random_range(0.05..0.2);
    let sizes: Vec<usize> = (0..k).map(|_| rng.random_range(30..200)).collect();
    let mut labels: Vec<usize> = (0..12).collect();
    labels.shuffle(rng);
    labels.truncate(k);
    let poison = sizes
        .iter()
        .map(|&n| {
            if rng.random_bool(0.6) {
                ((eps * n as f64).floor() as usize).max(1)
            } else {
                0
            }
        })
        .collect();
    Planted {
        sizes,
        labels,
        poison,
        dim: rng.random_range(2..16),
        strength: rng.random_range(3.0..8.0),
        loud: 0,
        loud_scale: 0.0,
        eps,
        seed: rng.random(),
    }
}

/// Rare poison under loud class variance: 1% to 3% of a class, shifted by 8 along a
/// quiet direction, while one or two directions of the class have standard deviation 6
/// to 8. Plain spectral scores follow the loud directions and miss the poison.
pub fn rare(rng: &mut StdRng) -> Planted {
    let k = rng.random_range(1..=3);
    let eps = rng.random_range(0.01..0.03);
    let sizes: Vec<usize> = (0..k).map(|_| rng.random_range(600..1500)).collect();
    let mut labels: Vec<usize> = (0..12).collect();
    labels.shuffle(rng);
    labels.truncate(k);
    let poison = sizes
        .iter()
        .map(|&n| ((eps * n as f64).floor() as usize).max(1))
        .collect();
    Planted {
        sizes,
        labels,
        poison,
        dim: rng.random_range(8..24),
        strength: 8.0,
        loud: rng.random_range(1..=2),
        loud_scale: rng.random_range(6.0..8.0),
        eps,
        seed: rng.random(),
    }
}

/// Of the planted poison, how much `flagged` found, and how much of `flagged` is poison.
pub fn hits(poisoned: &[bool], flagged: &[usize]) -> (usize, usize, usize) {
    let found = flagged
        .iter()
        .filter(|&&i| poisoned.get(i).copied().unwrap_or(false))
        .count();
    let planted = poisoned.iter().filter(|&&p| p).count();
    (found, planted, flagged.len())
}

/// How many datasets the aggregate properties draw: fewer than `cases` for the larger
/// ones, since each is a whole labelled dataset.
pub fn datasets(ctx: &Ctx, at_most: u32) -> u32 {
    ctx.cases().clamp(8, at_most)
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
// Task spectral

fn spectral_shape(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    let empty = Array2::<f32>::zeros((0, 3));
    match imp.spectral_scores(empty.view()) {
        Ok(s) if s.is_empty() => {}
        other => {
            return Err(Failure::new(format!(
                "spectral_scores of no rows: got {:?}, expected no scores",
                other.map(|s| s.to_vec())
            )));
        }
    }
    let same = Array2::<f32>::from_elem((5, 3), 2.5);
    match imp.spectral_scores(same.view()) {
        Ok(s) if s.len() == 5 && s.iter().all(|&v| v.abs() < 1e-9) => {}
        other => {
            return Err(Failure::new(format!(
                "five identical rows: got {:?}, expected five zero scores",
                other.map(|s| s.to_vec())
            )));
        }
    }
    let mut bad = Array2::<f32>::zeros((4, 3));
    bad[[2, 1]] = f32::NAN;
    match imp.spectral_scores(bad.view()) {
        Err(PoisonError::NotFinite { row: 2, column: 1 }) => {}
        other => {
            return Err(Failure::new(format!(
                "a NaN at row 2, column 1: got {:?}, expected Err(NotFinite {{ row: 2, column: 1 }})",
                other.map(|s| s.to_vec())
            )));
        }
    }
    ctx.for_all(clouds(0.2..=0.6), |cloud| {
        let x = cloud.matrix();
        let s = scores(imp, x.view())?;
        ensure_eq!(s.len(), x.nrows(), "number of scores");
        if let Some((i, v)) = s
            .iter()
            .enumerate()
            .find(|(_, v)| !v.is_finite() || **v < 0.0)
        {
            fail!("score {i} is {v}; squared projections are finite and never negative");
        }
        Ok(())
    })
}

fn spectral_translation(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((clouds(0.2..=0.6), -100.0f32..100.0), |(cloud, shift)| {
        let x = cloud.matrix();
        let moved = &x + shift;
        ensure_close(
            &scores(imp, moved.view())?,
            &scores(imp, x.view())?,
            &format!("scores after adding {shift} to every value (centring makes them equal)"),
        )
    })
}

/// A random orthogonal matrix: Gram-Schmidt of Gaussian vectors.
fn rotation(dim: usize, seed: u64) -> Array2<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut basis: Vec<Vec<f64>> = Vec::new();
    for _ in 0..dim {
        let v = unit_vector(dim, &basis, &mut rng);
        basis.push(v);
    }
    Array2::from_shape_fn((dim, dim), |(i, j)| basis[i][j] as f32)
}

fn spectral_rotation(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((clouds(0.2..=0.6), any::<u64>()), |(cloud, seed)| {
        let x = cloud.matrix();
        let q = rotation(cloud.dim, seed);
        let mut order: Vec<usize> = (0..x.nrows()).collect();
        order.shuffle(&mut StdRng::seed_from_u64(seed ^ 1));
        let moved = x.select(Axis(0), &order).dot(&q);
        let expected = scores(imp, x.view())?.select(Axis(0), &order);
        ensure_close(
            &scores(imp, moved.view())?,
            &expected,
            "scores after rotating the representations and reordering the rows (they follow the rows)",
        )
    })
}

fn spectral_scale(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((clouds(0.2..=0.6), 0.1f32..10.0), |(cloud, factor)| {
        let x = cloud.matrix();
        let scaled = &x * factor;
        let expected = scores(imp, x.view())? * f64::from(factor).powi(2);
        ensure_close(
            &scores(imp, scaled.view())?,
            &expected,
            &format!("scores after multiplying the representations by {factor} (squared projections scale by its square)"),
        )
    })
}

/// The scores sum to the largest singular value squared, the most any unit direction
/// captures: no axis and no random direction may capture more.
fn spectral_top_direction(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((clouds(0.2..=0.6), any::<u64>()), |(cloud, seed)| {
        let x = cloud.matrix();
        let total: f64 = scores(imp, x.view())?.sum();
        let xf = x.mapv(f64::from);
        let centred = &xf - &xf.mean_axis(Axis(0)).expect("rows exist");
        let mut rng = StdRng::seed_from_u64(seed);
        let mut directions: Vec<Vec<f64>> = (0..cloud.dim)
            .map(|j| (0..cloud.dim).map(|k| f64::from(u8::from(j == k))).collect())
            .collect();
        directions.extend((0..8).map(|_| unit_vector(cloud.dim, &[], &mut rng)));
        for u in directions {
            let captured: f64 = centred.dot(&Array1::from(u.clone())).mapv(|p| p * p).sum();
            if captured > total * (1.0 + 1e-3) + 1e-9 {
                fail!(
                    "the scores sum to {total:.6}, but the direction {:?} captures {captured:.6}: the scores do not use the top singular vector",
                    crate::suite::brief(&u)
                );
            }
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------
// Task detect

fn detect_within_budget(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(obvious(), |planted| {
        let data = planted.generate();
        let flagged = imp
            .detect(data.x.view(), &data.labels, planted.eps)
            .map_err(|e| TestCaseError::fail(format!("detect failed on valid input: {e}")))?;
        ensure_within_budget(&flagged, &data.labels, planted.eps)
    })
}

fn detect_finds_obvious(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(obvious(), |planted| {
        let data = planted.generate();
        let flagged = imp
            .detect(data.x.view(), &data.labels, planted.eps)
            .map_err(|e| TestCaseError::fail(format!("detect failed on valid input: {e}")))?;
        let (found, planted_count, _) = hits(&data.poisoned, &flagged);
        if (found as f64) < 0.9 * planted_count as f64 {
            fail!(
                "found {found} of {planted_count} poisoned samples shifted 12 standard deviations away; expected at least 90%"
            );
        }
        Ok(())
    })
}

fn detect_edges(imp: &Detector, _ctx: &mut Ctx) -> Result<(), Failure> {
    let x = Array2::from_shape_vec(
        (5, 2),
        vec![0.0f32, 1.0, 1.0, 0.0, 2.0, 2.0, 9.0, 9.0, 4.0, 4.0],
    )
    .expect("5 x 2");
    let labels = [3, 3, 3, 7, 3];
    type Flags = Result<Vec<usize>, PoisonError>;
    let expect = |what: &str, got: Flags, ok: fn(&Flags) -> bool, expected: &str| {
        if ok(&got) {
            Ok(())
        } else {
            Err(Failure::new(format!(
                "{what}: got {got:?}, expected {expected}"
            )))
        }
    };
    expect(
        "eps = 0",
        imp.detect(x.view(), &labels, 0.0),
        |r| matches!(r, Ok(v) if v.is_empty()),
        "Ok([]) (a budget of 0 flags nothing)",
    )?;
    expect(
        "class 7 has one sample, eps = 0.1",
        imp.detect(x.view(), &labels, 0.1),
        |r| matches!(r, Ok(v) if v.contains(&3)),
        "its sample 3 flagged (a singleton class is always flagged when eps > 0)",
    )?;
    expect(
        "no samples",
        imp.detect(Array2::<f32>::zeros((0, 2)).view(), &[], 0.1),
        |r| matches!(r, Ok(v) if v.is_empty()),
        "Ok([])",
    )?;
    expect(
        "5 rows, 4 labels",
        imp.detect(x.view(), &labels[..4], 0.1),
        |r| matches!(r, Err(PoisonError::ShapeMismatch { rows: 5, labels: 4 })),
        "Err(ShapeMismatch { rows: 5, labels: 4 })",
    )?;
    for eps in [-0.1, 1.0, f64::NAN] {
        expect(
            &format!("eps = {eps}"),
            imp.detect(x.view(), &labels, eps),
            |r| matches!(r, Err(PoisonError::InvalidFraction)),
            "Err(InvalidFraction)",
        )?;
    }
    let mut bad = x.clone();
    bad[[4, 0]] = f32::INFINITY;
    expect(
        "an infinity at row 4, column 0",
        imp.detect(bad.view(), &labels, 0.1),
        |r| matches!(r, Err(PoisonError::NotFinite { row: 4, column: 0 })),
        "Err(NotFinite { row: 4, column: 0 })",
    )
}

// ---------------------------------------------------------------------------------------
// Task label_errors

fn label_cleanlab_example(imp: &Detector, _ctx: &mut Ctx) -> Result<(), Failure> {
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

fn issues(
    imp: &Detector,
    labels: &[usize],
    probs: ArrayView2<f64>,
) -> Result<Vec<usize>, TestCaseError> {
    imp.label_issues(labels, probs)
        .map_err(|e| TestCaseError::fail(format!("label_issues failed on valid input: {e}")))
}

fn label_consistent(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
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

fn label_rejects_bad_input(imp: &Detector, _ctx: &mut Ctx) -> Result<(), Failure> {
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

// ---------------------------------------------------------------------------------------
// Task hard_mode

fn hard_within_budget(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    let mut rng = StdRng::seed_from_u64(ctx.property_seed());
    for _ in 0..datasets(ctx, 16) {
        let planted = rare(&mut rng);
        let data = planted.generate();
        let flagged = imp
            .detect_robust(data.x.view(), &data.labels, planted.eps)
            .map_err(|e| Failure::new(format!("detect_robust failed on valid input: {e}")))?;
        ensure_within_budget(&flagged, &data.labels, planted.eps).map_err(|e| Failure {
            reason: e.to_string(),
            counterexample: Some(format!("{planted:?}")),
        })?;
    }
    Ok(())
}

/// Recall over every dataset together must reach 80%; plain spectral scores reach about
/// the budget's share of a class, a few percent.
fn hard_finds_rare(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    let mut rng = StdRng::seed_from_u64(ctx.property_seed());
    let (mut found, mut planted_total) = (0, 0);
    let mut worst: Option<(f64, Planted)> = None;
    for _ in 0..datasets(ctx, 32) {
        let planted = rare(&mut rng);
        let data = planted.generate();
        let flagged = imp
            .detect_robust(data.x.view(), &data.labels, planted.eps)
            .map_err(|e| Failure::new(format!("detect_robust failed on valid input: {e}")))?;
        let (f, p, _) = hits(&data.poisoned, &flagged);
        found += f;
        planted_total += p;
        let recall = f as f64 / p.max(1) as f64;
        if worst.as_ref().is_none_or(|(r, _)| recall < *r) {
            worst = Some((recall, planted));
        }
    }
    let recall = found as f64 / planted_total.max(1) as f64;
    if recall < 0.8 {
        let (worst_recall, planted) = worst.expect("at least one dataset");
        return Err(Failure {
            reason: format!(
                "found {found} of {planted_total} rare poisoned samples ({:.0}%), expected at least 80%; the worst dataset ({:.0}%) is the counterexample",
                100.0 * recall,
                100.0 * worst_recall
            ),
            counterexample: Some(format!("{planted:?}")),
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Rare inputs
//
// The inputs the generated datasets almost never produce, made on purpose: several non-finite values in one matrix (the first in row-major order is reported), `detect_robust`'s input checks, probabilities within cleanlab's `1e-6` slack of a threshold, and class sizes whose budget `1.5 * eps * n` lands a hair above a whole number. Reference-free, like every invariant; this file depends on no other suite file.

/// The rare inputs' properties, one or two per task.
fn rare_input_properties() -> Vec<Property<Detector>> {
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
fn with_non_finite() -> impl Strategy<Value = WithNonFinite> {
    (2usize..12, 1usize..6).prop_flat_map(|(rows, columns)| {
        let value = select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
        vec((0..rows, 0..columns, value), 2..6).prop_map(move |bad| WithNonFinite {
            rows,
            columns,
            bad,
        })
    })
}

fn as_f32(x: &Array2<f64>) -> Array2<f32> {
    x.mapv(|v| v as f32)
}

fn spectral_first_non_finite(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(with_non_finite(), |case| {
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

fn detect_first_non_finite(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(with_non_finite(), |case| {
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

fn label_first_non_finite(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
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
fn detect_budget_rounding(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
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
fn label_threshold_slack(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
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
fn hard_rejects_bad_input(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
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
    ctx.for_all(with_non_finite(), |case| {
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
        let case = WithNonFinite {
            rows: 3,
            columns: 3,
            bad: vec![(2, 0, f64::NAN), (1, 2, f64::INFINITY)],
        };
        assert_eq!(case.first(), PoisonError::NotFinite { row: 1, column: 2 });
    }
}
