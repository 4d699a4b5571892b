//! Making the exercise's networks: initialisation from a seed, and the non-private
//! training that overfits (full-batch Adam until the training records are memorised).
//! Weights are kept as plain numbers ([`Weights`]) so that scenarios can be cached and
//! shared between threads; tensors are rebuilt from them where they are used.

use privacy_api::{Mlp, PARAMETER_NAMES};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tch::{Kind, Tensor};

use crate::data::Records;

/// Hidden units of every network of the exercise.
pub const HIDDEN: usize = 128;
/// Full-batch Adam steps of the overfit training.
pub const OVERFIT_STEPS: usize = 1000;
/// Adam's step size for the overfit training.
pub const OVERFIT_LR: f64 = 0.01;

/// An [`Mlp`]'s weights as plain numbers, in [`PARAMETER_NAMES`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    pub tensors: Vec<(Vec<i64>, Vec<f32>)>,
}

impl Weights {
    /// Copies `mlp`'s weights.
    pub fn of(mlp: &Mlp) -> Self {
        Self {
            tensors: mlp
                .parameters()
                .iter()
                .map(|t| {
                    let t = t.detach().to_kind(Kind::Float).contiguous();
                    (
                        t.size(),
                        Vec::<f32>::try_from(t.flatten(0, -1)).unwrap_or_default(),
                    )
                })
                .collect(),
        }
    }

    /// The network these weights make.
    pub fn mlp(&self) -> Mlp {
        let named = PARAMETER_NAMES
            .iter()
            .zip(&self.tensors)
            .map(|(name, (shape, values))| {
                (
                    (*name).to_owned(),
                    Tensor::from_slice(values).reshape(shape),
                )
            })
            .collect();
        Mlp::from_named(named).expect("weights made by this crate form an Mlp")
    }
}

/// A fresh network `input -> hidden -> classes`, initialised as PyTorch's `nn.Linear`
/// does (uniform in `+-1/sqrt(fan_in)`), from `seed`.
pub fn init(input: usize, hidden: usize, classes: usize, seed: u64) -> Mlp {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0069_6e69_7469_616c);
    let mut uniform = |shape: &[i64], fan_in: usize| {
        let bound = 1.0 / (fan_in as f32).sqrt();
        let n: i64 = shape.iter().product();
        let values: Vec<f32> = (0..n).map(|_| rng.random_range(-bound..bound)).collect();
        Tensor::from_slice(&values).reshape(shape)
    };
    let (d, h, k) = (input as i64, hidden as i64, classes as i64);
    Mlp {
        fc1_weight: uniform(&[h, d], input),
        fc1_bias: uniform(&[h], input),
        fc2_weight: uniform(&[k, h], hidden),
        fc2_bias: uniform(&[k], hidden),
    }
}

/// Trains a copy of `init` on `records` with full-batch Adam for `steps` steps at
/// learning rate `lr`, with no regularisation: long enough, it memorises every record.
pub fn overfit(init: &Mlp, records: &Records, steps: usize, lr: f64) -> Mlp {
    let (x, y) = records.tensors();
    let model = init.detached_copy();
    let params: Vec<Tensor> = model
        .parameters()
        .iter()
        .map(|t| t.shallow_clone().set_requires_grad(true))
        .collect();
    let (beta1, beta2, eps) = (0.9f64, 0.999f64, 1e-8f64);
    let mut m: Vec<Tensor> = params.iter().map(Tensor::zeros_like).collect();
    let mut v: Vec<Tensor> = params.iter().map(Tensor::zeros_like).collect();
    for step in 1..=steps {
        let loss = model.forward(&x).cross_entropy_for_logits(&y);
        let grads = Tensor::run_backward(&[loss], &params, false, false);
        tch::no_grad(|| {
            let (c1, c2) = (1.0 - beta1.powi(step as i32), 1.0 - beta2.powi(step as i32));
            for i in 0..params.len() {
                m[i] = &m[i] * beta1 + &grads[i] * (1.0 - beta1);
                v[i] = &v[i] * beta2 + grads[i].square() * (1.0 - beta2);
                let update = (&m[i] / c1) / ((&v[i] / c2).sqrt() + eps) * lr;
                let mut p = params[i].shallow_clone();
                let _ = p.f_sub_(&update).expect("same shapes");
            }
        });
    }
    let [w1, b1, w2, b2] = [0, 1, 2, 3].map(|i| params[i].detach());
    Mlp {
        fc1_weight: w1,
        fc1_bias: b1,
        fc2_weight: w2,
        fc2_bias: b2,
    }
}

/// The share of `records` that `model` classifies right.
pub fn accuracy(model: &Mlp, records: &Records) -> f64 {
    if records.is_empty() {
        return 0.0;
    }
    let (x, y) = records.tensors();
    let right = tch::no_grad(|| model.forward(&x).argmax(1, false).eq_tensor(&y));
    f64::try_from(right.to_kind(Kind::Double).mean(Kind::Double)).unwrap_or(0.0)
}
