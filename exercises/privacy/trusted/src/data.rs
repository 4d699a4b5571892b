//! The records the exercise's models learn from, generated deterministically from a seed.
//!
//! A population of `K` classes in `D` dimensions: each class a Gaussian cloud around its
//! own centre, a share of records far out in the tails (hard, atypical records), and a
//! share with a wrong label. A network that fits its training records exactly memorises
//! the atypical and mislabelled ones, which is what a membership attack detects.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use tch::Tensor;

/// Input features of every record.
pub const FEATURES: usize = 10;
/// Classes.
pub const CLASSES: usize = 10;
/// The share of records drawn with a wrong label.
pub const LABEL_NOISE: f64 = 0.1;
/// The share of records drawn from a cloud three times wider.
pub const ATYPICAL: f64 = 0.15;
/// How far apart the class centres are, in units of a cloud's standard deviation.
pub const SEPARATION: f64 = 1.0;

/// Records as plain numbers: `features` row-major `[n, FEATURES]`, one label per record.
#[derive(Debug, Clone, PartialEq)]
pub struct Records {
    pub features: Vec<f32>,
    pub labels: Vec<i64>,
}

impl Records {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// `([n, FEATURES]` Float, `[n]` Int64) tensors.
    pub fn tensors(&self) -> (Tensor, Tensor) {
        let n = self.len() as i64;
        (
            Tensor::from_slice(&self.features).reshape([n, FEATURES as i64]),
            Tensor::from_slice(&self.labels),
        )
    }

    /// These records followed by `other`'s.
    pub fn concat(&self, other: &Records) -> Records {
        Records {
            features: [self.features.as_slice(), &other.features].concat(),
            labels: [self.labels.as_slice(), &other.labels].concat(),
        }
    }
}

/// The distribution every record of one scenario comes from.
#[derive(Debug, Clone)]
pub struct Population {
    centres: Vec<f64>,
}

impl Population {
    /// The population of scenario `seed`: its class centres.
    pub fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x0063_656e_7472_6573);
        let centres = (0..CLASSES * FEATURES)
            .map(|_| SEPARATION * rng.sample::<f64, _>(StandardNormal))
            .collect();
        Self { centres }
    }

    /// `n` records drawn with `rng`.
    pub fn draw(&self, n: usize, rng: &mut StdRng) -> Records {
        let mut features = Vec::with_capacity(n * FEATURES);
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            let class = rng.random_range(0..CLASSES);
            let spread = if rng.random_bool(ATYPICAL) { 3.0 } else { 1.0 };
            for j in 0..FEATURES {
                let noise: f64 = StandardNormal.sample(rng);
                features.push((self.centres[class * FEATURES + j] + spread * noise) as f32);
            }
            let label = if rng.random_bool(LABEL_NOISE) {
                rng.random_range(0..CLASSES)
            } else {
                class
            };
            labels.push(label as i64);
        }
        Records { features, labels }
    }
}
