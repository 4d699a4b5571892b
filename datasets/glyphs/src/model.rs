//! The small network the backdoor is planted in: a multilayer perceptron (256 -> 128 ->
//! 64 -> 10) trained with tch on the CPU, deterministically for a given seed. Its 64
//! penultimate-layer activations are the representations the detectors see.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Tensor};

use crate::glyphs::{CLASSES, Images, PIXELS};

/// Width of the penultimate layer: the dimension of the representations.
pub const FEATURES: i64 = 64;
/// Width of the first hidden layer.
pub const HIDDEN: i64 = 128;
/// Passes over the training set.
pub const EPOCHS: usize = 40;
const BATCH: usize = 64;
const LEARNING_RATE: f64 = 1e-3;

/// A trained network.
pub struct Model {
    // Owns the parameters the layers below refer to.
    store: nn::VarStore,
    features: nn::Sequential,
    head: nn::Linear,
}

impl Model {
    /// Trains a fresh network on `images`. Initialisation and batch order are functions
    /// of `seed`; libtorch runs on one thread, so the result is the same on every machine.
    pub fn train(images: &Images, seed: u64) -> Model {
        tch::set_num_threads(1);
        tch::manual_seed(seed as i64);
        let store = nn::VarStore::new(Device::Cpu);
        let root = store.root();
        let features = nn::seq()
            .add(nn::linear(
                &root / "l1",
                PIXELS as i64,
                HIDDEN,
                Default::default(),
            ))
            .add_fn(|x| x.relu())
            .add(nn::linear(
                &root / "l2",
                HIDDEN,
                FEATURES,
                Default::default(),
            ))
            .add_fn(|x| x.relu());
        let head = nn::linear(&root / "head", FEATURES, CLASSES as i64, Default::default());
        let mut optimizer = nn::Adam::default()
            .build(&store, LEARNING_RATE)
            .expect("Adam builds for a CPU var store");
        let (x, y) = tensors(images);
        let mut order: Vec<i64> = (0..images.len() as i64).collect();
        let mut rng = StdRng::seed_from_u64(seed ^ 0x0074_7261_696e);
        for _ in 0..EPOCHS {
            order.shuffle(&mut rng);
            for batch in order.chunks(BATCH) {
                let index = Tensor::from_slice(batch);
                let logits = head.forward(&features.forward(&x.index_select(0, &index)));
                let loss = logits.cross_entropy_for_logits(&y.index_select(0, &index));
                optimizer.backward_step(&loss);
            }
        }
        Model {
            store,
            features,
            head,
        }
    }

    /// Every parameter by name (`l1.weight`, `l1.bias`, `l2.*`, `head.*`, sorted), to
    /// rebuild the same network elsewhere (the evasion exercise sends them to a candidate).
    pub fn parameters(&self) -> Vec<(String, Tensor)> {
        let mut all: Vec<(String, Tensor)> = self.store.variables().into_iter().collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// Penultimate-layer activations, `[n, FEATURES]` row-major.
    pub fn activations(&self, images: &Images) -> Vec<f32> {
        let (x, _) = tensors(images);
        let acts = tch::no_grad(|| self.features.forward(&x));
        Vec::<f32>::try_from(acts.flatten(0, -1)).expect("f32 activations")
    }

    /// The predicted class of every image.
    pub fn predict(&self, images: &Images) -> Vec<usize> {
        let (x, _) = tensors(images);
        let predicted = tch::no_grad(|| {
            self.head
                .forward(&self.features.forward(&x))
                .argmax(1, false)
        });
        Vec::<i64>::try_from(predicted)
            .expect("i64 predictions")
            .into_iter()
            .map(|p| p as usize)
            .collect()
    }

    /// The fraction of `images` predicted as their label.
    pub fn accuracy(&self, images: &Images) -> f64 {
        let predicted = self.predict(images);
        let right = predicted
            .iter()
            .zip(&images.labels)
            .filter(|(p, l)| p == l)
            .count();
        right as f64 / images.len().max(1) as f64
    }
}

fn tensors(images: &Images) -> (Tensor, Tensor) {
    let x = Tensor::from_slice(&images.pixels).reshape([images.len() as i64, PIXELS as i64]);
    let labels: Vec<i64> = images.labels.iter().map(|&l| l as i64).collect();
    (x, Tensor::from_slice(&labels).to_kind(Kind::Int64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glyphs;

    #[test]
    fn training_is_a_function_of_the_data_and_the_seed() {
        let images = glyphs::generate(20, &mut StdRng::seed_from_u64(5));
        let a = Model::train(&images, 3).activations(&images);
        let b = Model::train(&images, 3).activations(&images);
        let c = Model::train(&images, 4).activations(&images);
        assert_eq!(a, b, "the same seed trains the same network");
        assert_ne!(a, c, "another seed trains another network");
    }
}
