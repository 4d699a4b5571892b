//! The poison exercise's generated data, shared by its tasks' properties, the hidden ones
//! and the benchmark: point clouds with a known spectrum, and labelled datasets with poison
//! planted along a hidden direction.

use super::*;

pub fn normal(rng: &mut StdRng) -> f64 {
    rng.sample(StandardNormal)
}

/// A random unit vector of `dim` entries orthogonal to every vector of `against`
/// (which must be orthonormal and fewer than `dim`).
pub fn unit_vector(dim: usize, against: &[Vec<f64>], rng: &mut StdRng) -> Vec<f64> {
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
pub fn class_labels(k: usize) -> impl Strategy<Value = Vec<usize>> {
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
