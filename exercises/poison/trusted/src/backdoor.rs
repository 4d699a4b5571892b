//! A real backdoor for the poison exercise: a BadNets-style attack on a procedural image
//! dataset, a network trained on it with tch, and the measurements that grade a detector
//! end to end (clean accuracy and attack success rate before and after removing what the
//! detector flagged and retraining). Scenarios are deterministic per seed and cached.

pub mod cache;
pub mod report;

pub use mldrill_glyphs::{glyphs, model};

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use mldrill_spec::poison::PoisonDetector;
use ndarray::Array2;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index::sample;
use serde::Serialize;

use glyphs::{CLASSES, Images};
use model::{FEATURES, Model};

/// How many different scenarios grading draws from: a run's seed picks one, so a cache
/// of this many entries serves every seed.
pub const SCENARIOS: u64 = 4;
/// Clean training images per class.
pub const PER_CLASS: usize = 300;
/// Test images per class.
pub const TEST_PER_CLASS: usize = 100;
/// The class the trigger sends inputs to.
pub const TARGET: usize = 0;
/// The class whose images the attacker stamps and relabels (a source-specific attack,
/// as in Tran et al.'s experiments); attack success is measured on its test images.
pub const SOURCE: usize = 1;
/// The fraction of the target class's training samples that are poisoned; also the
/// expected poison fraction the detector is told.
pub const EPS: f64 = 0.1;

/// What a model does on clean and on triggered test images.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Metrics {
    /// Accuracy on the clean test set.
    pub clean_accuracy: f64,
    /// The fraction of triggered test images of class [`SOURCE`] classified as [`TARGET`].
    pub attack_success: f64,
}

/// One poisoned training set, its trained model's representations, and the reference
/// detector's outcome on it.
pub struct Scenario {
    pub seed: u64,
    /// The training set as the victim received it: poisoned images stamped and relabelled.
    pub train: Images,
    /// Ground truth: which training samples are poisoned.
    pub poisoned: Vec<bool>,
    /// The trained model's penultimate activations of the training set, `[n, 64]`.
    pub activations: Array2<f32>,
    /// The poisoned model.
    pub before: Metrics,
    /// After removing what the reference detector flagged and retraining.
    pub reference_after: Metrics,
    /// Seconds one training run took when the scenario was built.
    pub train_seconds: f64,
    test: Images,
    triggered: Images,
}

/// The data of a scenario: deterministic, cheap to regenerate.
struct Data {
    train: Images,
    poisoned: Vec<bool>,
    test: Images,
    triggered: Images,
}

fn rng(seed: u64, stream: u64) -> StdRng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&stream.to_le_bytes());
    key[16..24].copy_from_slice(b"backdoor");
    StdRng::from_seed(key)
}

/// The number of poisoned samples: `eps` of the target class once they are added to it.
pub fn poisoned_count() -> usize {
    (EPS / (1.0 - EPS) * PER_CLASS as f64).round() as usize
}

fn data(seed: u64) -> Data {
    let mut train = glyphs::generate(PER_CLASS, &mut rng(seed, 0));
    let others: Vec<usize> = (0..train.len())
        .filter(|&i| train.labels[i] == SOURCE)
        .collect();
    let mut poisoned = vec![false; train.len()];
    for pick in sample(&mut rng(seed, 1), others.len(), poisoned_count()) {
        let i = others[pick];
        train.stamp(i);
        train.labels[i] = TARGET;
        poisoned[i] = true;
    }
    let test = glyphs::generate(TEST_PER_CLASS, &mut rng(seed, 2));
    let others: Vec<usize> = (0..test.len())
        .filter(|&i| test.labels[i] == SOURCE)
        .collect();
    let mut triggered = test.select(&others);
    for i in 0..triggered.len() {
        triggered.stamp(i);
    }
    Data {
        train,
        poisoned,
        test,
        triggered,
    }
}

impl Scenario {
    /// The scenario a run with `run_seed` grades on.
    pub fn for_run(run_seed: u64, cache: Option<&Path>) -> Arc<Scenario> {
        Self::get(run_seed % SCENARIOS, cache)
    }

    /// Scenario `seed`: from this process's memory, else from `cache`, else built (and
    /// written to `cache` when one is given and writable).
    pub fn get(seed: u64, cache: Option<&Path>) -> Arc<Scenario> {
        static BUILT: Mutex<BTreeMap<u64, Arc<Scenario>>> = Mutex::new(BTreeMap::new());
        let mut built = BUILT
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(scenario) = built.get(&seed) {
            return Arc::clone(scenario);
        }
        let scenario = Arc::new(cache.and_then(|dir| cache::load(dir, seed)).unwrap_or_else(
            || {
                let scenario = Self::build(seed);
                if let Some(dir) = cache {
                    // A cache that cannot be written costs time later, not correctness.
                    let _ = cache::save(dir, &scenario);
                }
                scenario
            },
        ));
        built.insert(seed, Arc::clone(&scenario));
        scenario
    }

    /// Generates the data, trains the poisoned model, and runs the reference detector.
    pub fn build(seed: u64) -> Scenario {
        let Data {
            train,
            poisoned,
            test,
            triggered,
        } = data(seed);
        let started = Instant::now();
        let model = Model::train(&train, seed);
        let train_seconds = started.elapsed().as_secs_f64();
        let activations =
            Array2::from_shape_vec((train.len(), FEATURES as usize), model.activations(&train))
                .expect("activations have one row per training image");
        let before = evaluate(&model, &test, &triggered);
        let mut scenario = Scenario {
            seed,
            train,
            poisoned,
            activations,
            before,
            reference_after: before,
            train_seconds,
            test,
            triggered,
        };
        let flagged = scenario
            .flag_with(&crate::reference::Reference)
            .expect("the reference detector accepts the scenario");
        scenario.reference_after = scenario.retrain_without(&flagged);
        scenario
    }

    /// Rebuilds a cached scenario from its stored measurements (the data is regenerated).
    fn restore(seed: u64, stored: cache::Stored) -> Option<Scenario> {
        let Data {
            train,
            poisoned,
            test,
            triggered,
        } = data(seed);
        let activations =
            Array2::from_shape_vec((train.len(), FEATURES as usize), stored.activations).ok()?;
        Some(Scenario {
            seed,
            train,
            poisoned,
            activations,
            before: stored.before,
            reference_after: stored.reference_after,
            train_seconds: stored.train_seconds,
            test,
            triggered,
        })
    }

    /// The expected poison fraction a detector is told.
    pub fn eps(&self) -> f64 {
        EPS
    }

    /// What `detector` flags on this scenario's representations.
    pub fn flag_with(
        &self,
        detector: &dyn PoisonDetector,
    ) -> Result<Vec<usize>, mldrill_spec::poison::PoisonError> {
        detector.detect(self.activations.view(), &self.train.labels, EPS)
    }

    /// Retrains from the same initialisation without the samples in `flagged` (indices
    /// out of range are ignored) and measures the new model.
    pub fn retrain_without(&self, flagged: &[usize]) -> Metrics {
        let mut removed = vec![false; self.train.len()];
        for &i in flagged {
            if let Some(slot) = removed.get_mut(i) {
                *slot = true;
            }
        }
        let keep: Vec<usize> = (0..self.train.len()).filter(|&i| !removed[i]).collect();
        let model = Model::train(&self.train.select(&keep), self.seed);
        evaluate(&model, &self.test, &self.triggered)
    }

    /// Precision and recall of `flagged` against the planted poison.
    pub fn precision_recall(&self, flagged: &[usize]) -> (f64, f64) {
        let hits = flagged
            .iter()
            .filter(|&&i| self.poisoned.get(i).copied().unwrap_or(false))
            .count();
        let planted = self.poisoned.iter().filter(|&&p| p).count();
        let precision = hits as f64 / flagged.len().max(1) as f64;
        (precision, hits as f64 / planted.max(1) as f64)
    }

    /// Number of classes in the training set.
    pub fn classes(&self) -> usize {
        CLASSES
    }
}

fn evaluate(model: &Model, test: &Images, triggered: &Images) -> Metrics {
    let hits = model
        .predict(triggered)
        .iter()
        .filter(|&&p| p == TARGET)
        .count();
    Metrics {
        clean_accuracy: model.accuracy(test),
        attack_success: hits as f64 / triggered.len().max(1) as f64,
    }
}
