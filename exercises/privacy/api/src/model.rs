//! The exercise's network: a two-layer perceptron `input -> hidden (ReLU) -> classes`,
//! rebuilt from named weights on whichever side of the pipe it is used.
//!
//! Weights travel as four named `f32` tensors, the names and shapes PyTorch's
//! `nn.Sequential(nn.Linear(d, h), nn.ReLU(), nn.Linear(h, k))` would give them under
//! `fc1` and `fc2`. A gradient has the same names and shapes, so the same type holds one.

use tch::{Kind, Tensor};

use crate::PrivacyError;

/// The weights' names, in the order [`Mlp::parameters`] lists them.
pub const PARAMETER_NAMES: [&str; 4] = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"];

/// A two-layer perceptron: `logits = relu(x W1^T + b1) W2^T + b2`.
///
/// The same type holds a gradient with respect to those weights (same names, same shapes),
/// as [`crate::Privacy::dp_sgd_step`] returns it.
#[derive(Debug)]
pub struct Mlp {
    /// `[hidden, input]`
    pub fc1_weight: Tensor,
    /// `[hidden]`
    pub fc1_bias: Tensor,
    /// `[classes, hidden]`
    pub fc2_weight: Tensor,
    /// `[classes]`
    pub fc2_bias: Tensor,
}

impl Mlp {
    /// Builds the network from its four named weights (any order), after checking the
    /// names, that every tensor is `f32` and finite, and that the shapes fit together.
    pub fn from_named(named: Vec<(String, Tensor)>) -> Result<Self, PrivacyError> {
        let bad = |reason: String| PrivacyError::BadModel { reason };
        let mut slots: [Option<Tensor>; 4] = [None, None, None, None];
        for (name, tensor) in named {
            let slot = PARAMETER_NAMES
                .iter()
                .position(|&n| n == name)
                .ok_or_else(|| bad(format!("unknown weight {name:?}")))?;
            if slots[slot].is_some() {
                return Err(bad(format!("weight {name:?} given twice")));
            }
            if tensor.kind() != Kind::Float {
                return Err(bad(format!("{name} is {:?}, not Float", tensor.kind())));
            }
            slots[slot] = Some(tensor);
        }
        let [w1, b1, w2, b2] = slots.map(|s| s.ok_or(()));
        let missing = |i: usize| bad(format!("weight {} is missing", PARAMETER_NAMES[i]));
        let (w1, b1, w2, b2) = (
            w1.map_err(|_| missing(0))?,
            b1.map_err(|_| missing(1))?,
            w2.map_err(|_| missing(2))?,
            b2.map_err(|_| missing(3))?,
        );
        let (s1, sb1, s2, sb2) = (w1.size(), b1.size(), w2.size(), b2.size());
        let fits = s1.len() == 2
            && s2.len() == 2
            && sb1 == [s1[0]]
            && sb2 == [s2[0]]
            && s2[1] == s1[0]
            && s1.iter().chain(&s2).all(|&d| d > 0);
        if !fits {
            return Err(bad(format!(
                "shapes {s1:?}, {sb1:?}, {s2:?}, {sb2:?} do not make [h, d], [h], [k, h], [k]"
            )));
        }
        let mlp = Self {
            fc1_weight: w1,
            fc1_bias: b1,
            fc2_weight: w2,
            fc2_bias: b2,
        };
        for (name, t) in PARAMETER_NAMES.iter().zip(mlp.parameters()) {
            if !bool::try_from(t.isfinite().all()).unwrap_or(false) {
                return Err(bad(format!("{name} holds a value that is not finite")));
            }
        }
        Ok(mlp)
    }

    /// The four weights with their names (shallow copies: they share storage with `self`).
    pub fn named(&self) -> Vec<(String, Tensor)> {
        PARAMETER_NAMES
            .iter()
            .zip(self.parameters())
            .map(|(n, t)| ((*n).to_owned(), t.shallow_clone()))
            .collect()
    }

    /// The weights in [`PARAMETER_NAMES`] order.
    pub fn parameters(&self) -> [&Tensor; 4] {
        [
            &self.fc1_weight,
            &self.fc1_bias,
            &self.fc2_weight,
            &self.fc2_bias,
        ]
    }

    /// A deep copy whose tensors share nothing with `self` and track no gradient.
    pub fn detached_copy(&self) -> Self {
        let [w1, b1, w2, b2] = self.parameters().map(|t| t.detach().copy());
        Self {
            fc1_weight: w1,
            fc1_bias: b1,
            fc2_weight: w2,
            fc2_bias: b2,
        }
    }

    /// The number of input features `d`.
    pub fn input_dim(&self) -> i64 {
        self.fc1_weight.size()[1]
    }

    /// The width of the hidden layer `h`.
    pub fn hidden(&self) -> i64 {
        self.fc1_weight.size()[0]
    }

    /// The number of classes `k`.
    pub fn classes(&self) -> i64 {
        self.fc2_weight.size()[0]
    }

    /// The number of weights, all tensors together.
    pub fn numel(&self) -> usize {
        self.parameters().iter().map(|t| t.numel()).sum()
    }

    /// The logits `[n, k]` of features `[n, d]`.
    pub fn forward(&self, features: &Tensor) -> Tensor {
        features
            .linear(&self.fc1_weight, Some(&self.fc1_bias))
            .relu()
            .linear(&self.fc2_weight, Some(&self.fc2_bias))
    }

    /// Checks that `features` is `[n, d]` `f32` for this model's `d` and that `labels` is
    /// `[n]` `i64` with every label in `0..k`; returns `n`.
    pub fn check_records(&self, features: &Tensor, labels: &Tensor) -> Result<i64, PrivacyError> {
        let bad = |reason: String| PrivacyError::BadRecords { reason };
        let (fs, ls) = (features.size(), labels.size());
        if features.kind() != Kind::Float || labels.kind() != Kind::Int64 {
            return Err(bad(format!(
                "features must be Float and labels Int64, not {:?} and {:?}",
                features.kind(),
                labels.kind()
            )));
        }
        if fs.len() != 2 || fs[1] != self.input_dim() || ls != [fs[0]] {
            return Err(bad(format!(
                "features {fs:?} and labels {ls:?} do not make [n, {}] and [n]",
                self.input_dim()
            )));
        }
        if fs[0] > 0 {
            let (lo, hi) = (
                i64::try_from(labels.min()).unwrap_or(-1),
                i64::try_from(labels.max()).unwrap_or(-1),
            );
            if lo < 0 || hi >= self.classes() {
                return Err(bad(format!(
                    "labels range over [{lo}, {hi}], outside 0..{}",
                    self.classes()
                )));
            }
            if !bool::try_from(features.isfinite().all()).unwrap_or(false) {
                return Err(bad("a feature is not finite".into()));
            }
        }
        Ok(fs[0])
    }
}
