//! The scenarios every outcome-graded property attacks: glyph images (pixels clipped to
//! `[0, 1]`) and the glyph classifier trained on them, once per scenario and cached for the
//! life of the process. A run's seed picks one of [`SCENARIOS`].

use std::sync::OnceLock;

use evasion_api::mldrill_glyphs::glyphs::{self, Images};
use evasion_api::mldrill_glyphs::model::Model;
use evasion_api::{Budget, Classifier, PIXELS};
use rand::SeedableRng;
use rand::rngs::StdRng;
use tch::Tensor;

/// How many scenarios grading draws from.
pub const SCENARIOS: u64 = 4;
/// Training images per class (the normally trained model and adversarial training).
pub const TRAIN_PER_CLASS: usize = 100;
/// Held-out images per class, the ones attacks are graded on.
pub const TEST_PER_CLASS: usize = 30;
/// The standard budget: eps, and PGD's steps with `alpha = 2.5 eps / steps`.
pub const EPS: f64 = 0.1;
pub const STEPS: usize = 10;

/// The standard PGD budget, with a random start.
pub fn standard_budget() -> Budget {
    Budget {
        eps: EPS,
        alpha: 2.5 * EPS / STEPS as f64,
        steps: STEPS,
        random_start: true,
    }
}

/// One trained classifier with its training and held-out images.
pub struct Scenario {
    pub index: u64,
    train: Images,
    test: Images,
    /// The trained model's parameters: name, shape, values.
    parameters: Vec<(String, Vec<i64>, Vec<f32>)>,
}

impl Scenario {
    fn build(index: u64) -> Self {
        let seed = 0x6576_6173_0000 + index;
        let mut rng = StdRng::seed_from_u64(seed);
        let train = clipped(glyphs::generate(TRAIN_PER_CLASS, &mut rng));
        let test = clipped(glyphs::generate(TEST_PER_CLASS, &mut rng));
        let model = Model::train(&train, seed);
        let parameters = model
            .parameters()
            .into_iter()
            .map(|(name, t)| {
                let values = Vec::<f32>::try_from(t.detach().flatten(0, -1)).expect("f32");
                (name, t.size(), values)
            })
            .collect();
        Self {
            index,
            train,
            test,
            parameters,
        }
    }

    /// The normally trained classifier.
    pub fn model(&self) -> Classifier {
        let parameters: Vec<(String, Tensor)> = self
            .parameters
            .iter()
            .map(|(name, shape, values)| (name.clone(), Tensor::from_slice(values).reshape(shape)))
            .collect();
        Classifier::from_parameters(&parameters).expect("the glyph model's own parameters")
    }

    /// Training images `[n, 256]` and labels `[n]`.
    pub fn train(&self) -> (Tensor, Tensor) {
        tensors(&self.train)
    }

    /// Held-out images `[n, 256]` and labels `[n]`.
    pub fn test(&self) -> (Tensor, Tensor) {
        tensors(&self.test)
    }
}

fn clipped(mut images: Images) -> Images {
    for pixel in &mut images.pixels {
        *pixel = pixel.clamp(0.0, 1.0);
    }
    images
}

fn tensors(images: &Images) -> (Tensor, Tensor) {
    let x = Tensor::from_slice(&images.pixels).reshape([images.len() as i64, PIXELS as i64]);
    let labels: Vec<i64> = images.labels.iter().map(|&l| l as i64).collect();
    (x, Tensor::from_slice(&labels))
}

/// The scenario a run's `seed` draws, trained on first use.
pub fn scenario(seed: u64) -> &'static Scenario {
    static CACHE: [OnceLock<Scenario>; SCENARIOS as usize] =
        [const { OnceLock::new() }; SCENARIOS as usize];
    let index = seed % SCENARIOS;
    CACHE[index as usize].get_or_init(|| Scenario::build(index))
}
