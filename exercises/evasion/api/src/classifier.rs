//! The network every attack runs against: the glyph classifier's architecture (256 -> 128
//! -> 64 -> 10, ReLU), rebuilt from named weights, with dropout between the layers in
//! training mode only. Eval mode (`train = false`) is the trained network exactly.

use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

use mldrill_glyphs::glyphs::{CLASSES, PIXELS};
use mldrill_glyphs::model::{FEATURES, HIDDEN};

use crate::AttackError;

/// The dropout rate of training mode, after each hidden layer.
pub const DROPOUT: f64 = 0.2;

/// Every parameter's name and shape, sorted by name (the order of [`Classifier::parameters`]).
pub fn parameter_shapes() -> [(&'static str, Vec<i64>); 6] {
    let (pixels, classes) = (PIXELS as i64, CLASSES as i64);
    [
        ("head.bias", vec![classes]),
        ("head.weight", vec![classes, FEATURES]),
        ("l1.bias", vec![HIDDEN]),
        ("l1.weight", vec![HIDDEN, pixels]),
        ("l2.bias", vec![FEATURES]),
        ("l2.weight", vec![FEATURES, HIDDEN]),
    ]
}

/// A glyph classifier. Its parameters live in a [`nn::VarStore`], so an optimizer can
/// train it (`nn::Adam::default().build(classifier.var_store(), lr)`).
pub struct Classifier {
    store: nn::VarStore,
    l1: nn::Linear,
    l2: nn::Linear,
    head: nn::Linear,
}

impl Classifier {
    /// A freshly initialised network (PyTorch's default initialisation); the weights are a
    /// function of `seed`.
    pub fn new(seed: u64) -> Self {
        tch::manual_seed(seed as i64);
        Self::build(Default::default())
    }

    /// The layers, initialised by `config` (all zeros draws nothing from libtorch's RNG).
    fn build(config: nn::LinearConfig) -> Self {
        let store = nn::VarStore::new(Device::Cpu);
        let root = store.root();
        let layer = |name: &str, inputs: i64, outputs: i64| {
            nn::linear(&root / name, inputs, outputs, config)
        };
        let l1 = layer("l1", PIXELS as i64, HIDDEN);
        let l2 = layer("l2", HIDDEN, FEATURES);
        let head = layer("head", FEATURES, CLASSES as i64);
        Self {
            store,
            l1,
            l2,
            head,
        }
    }

    /// The network with these parameters (names and shapes as [`parameter_shapes`], float32,
    /// finite), or [`AttackError::BadModel`] saying what is wrong.
    pub fn from_parameters(parameters: &[(String, Tensor)]) -> Result<Self, AttackError> {
        let bad = |reason: String| Err(AttackError::BadModel { reason });
        if parameters.len() != 6 {
            return bad(format!("6 parameters expected, got {}", parameters.len()));
        }
        // Zeros first, so that rebuilding a model leaves libtorch's global RNG alone.
        let zeros = nn::LinearConfig {
            ws_init: nn::Init::Const(0.0),
            bs_init: Some(nn::Init::Const(0.0)),
            bias: true,
        };
        let classifier = Self::build(zeros);
        let mut variables = classifier.store.variables();
        for (name, shape) in parameter_shapes() {
            let Some((_, value)) = parameters.iter().find(|(n, _)| n == name) else {
                return bad(format!("parameter {name} is missing"));
            };
            if value.kind() != Kind::Float || value.size() != shape {
                return bad(format!(
                    "parameter {name} must be float32 {shape:?}, got {:?} {:?}",
                    value.kind(),
                    value.size()
                ));
            }
            if !bool::try_from(&value.isfinite().all()).unwrap_or(false) {
                return bad(format!("parameter {name} holds a non-finite value"));
            }
            let variable = variables.get_mut(name).expect("every parameter exists");
            tch::no_grad(|| variable.copy_(value));
        }
        Ok(classifier)
    }

    /// Every parameter by name, sorted by name, as copies detached from the graph.
    pub fn parameters(&self) -> Vec<(String, Tensor)> {
        let mut all: Vec<(String, Tensor)> = self
            .store
            .variables()
            .into_iter()
            .map(|(name, value)| (name, value.detach().copy()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// The variables an optimizer trains.
    pub fn var_store(&self) -> &nn::VarStore {
        &self.store
    }

    /// Logits `[n, 10]` of images `[n, 256]`; `train` turns dropout on.
    pub fn forward_t(&self, images: &Tensor, train: bool) -> Tensor {
        let hidden = self.l1.forward(images).relu().dropout(DROPOUT, train);
        let features = self.l2.forward(&hidden).relu().dropout(DROPOUT, train);
        self.head.forward(&features)
    }

    /// Logits in eval mode: the network as trained, deterministic.
    pub fn forward(&self, images: &Tensor) -> Tensor {
        self.forward_t(images, false)
    }
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Classifier(256 -> 128 -> 64 -> 10)")
    }
}
