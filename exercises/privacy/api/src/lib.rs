//! The privacy exercise's API: what a trained model leaks about its training records
//! (membership inference), how to measure that leak exactly (ROC AUC, TPR at low FPR), and
//! how differentially private training limits it (DP-SGD).
//!
//! Every method works on the exercise's network, [`Mlp`], which the harness trains and
//! ships as named weights. Records are `features: [n, d]` `f32` and `labels: [n]` `i64`.
//! The statement (`exercises/privacy/README.md`) gives every rule with examples.

mod error;
mod model;

pub use error::PrivacyError;
pub use model::{Mlp, PARAMETER_NAMES};
pub use tch;

use tch::Tensor;

/// The settings of one DP-SGD training run ([`Privacy::train_private`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DpConfig {
    /// `C`: each per-sample gradient is clipped to this L2 norm (over all weights).
    pub clip: f64,
    /// `sigma`: the noise multiplier; the noise added to a step's clipped sum has
    /// standard deviation `sigma * C` in every coordinate.
    pub sigma: f64,
    /// Records per step (the expected number, under Poisson sampling).
    pub batch_size: usize,
    /// Passes over the training records.
    pub epochs: usize,
    /// The step size of plain SGD: `theta <- theta - learning_rate * noisy_gradient`.
    pub learning_rate: f64,
}

/// The candidate's privacy toolkit. Each method belongs to one task of the exercise; see
/// the README for the full statement of each.
pub trait Privacy {
    /// Task `loss_attack`: one membership score per record, higher meaning "more likely
    /// a training member": the negated cross-entropy loss of `model` on the record
    /// (Yeom et al., 2018).
    fn loss_scores(
        &self,
        model: &Mlp,
        features: &Tensor,
        labels: &Tensor,
    ) -> Result<Vec<f64>, PrivacyError>;

    /// Task `calibrated_attack`: one membership score per record, higher meaning "more
    /// likely a member", calibrated by `references`: models of the same architecture
    /// trained the same way on data from the same distribution that holds none of the
    /// records (the offline likelihood-ratio attack of Carlini et al., 2022).
    fn calibrated_scores(
        &self,
        target: &Mlp,
        references: &[Mlp],
        features: &Tensor,
        labels: &Tensor,
    ) -> Result<Vec<f64>, PrivacyError>;

    /// Task `metrics`: the area under the ROC curve of `scores` for telling members
    /// (`true`) from non-members, as scikit-learn's `roc_auc_score` computes it (a tie
    /// between a member and a non-member counts one half).
    fn roc_auc(&self, scores: &[f64], members: &[bool]) -> Result<f64, PrivacyError>;

    /// Task `metrics`: the highest true-positive rate among the points of the ROC curve
    /// (scikit-learn's `roc_curve`, one point per distinct score, plus the origin) whose
    /// false-positive rate is at most `fpr`.
    fn tpr_at_fpr(&self, scores: &[f64], members: &[bool], fpr: f64) -> Result<f64, PrivacyError>;

    /// Task `dp_sgd_step`: one DP-SGD gradient (Abadi et al., 2016) of the mean
    /// cross-entropy loss of `model` on the batch: per-sample gradients, each clipped to
    /// L2 norm `clip` over all weights together, summed, plus Gaussian noise of standard
    /// deviation `sigma * clip` in every coordinate, divided by the batch size. Returned as
    /// an [`Mlp`] whose tensors are the gradients of the weights of the same names.
    /// Different `seed`s give independent noise.
    fn dp_sgd_step(
        &self,
        model: &Mlp,
        features: &Tensor,
        labels: &Tensor,
        clip: f64,
        sigma: f64,
        seed: u64,
    ) -> Result<Mlp, PrivacyError>;

    /// Task `private_training`: trains a copy of `init` on the records with DP-SGD under
    /// `config` and returns it; `seed` drives batch sampling and noise.
    fn train_private(
        &self,
        init: &Mlp,
        features: &Tensor,
        labels: &Tensor,
        config: &DpConfig,
        seed: u64,
    ) -> Result<Mlp, PrivacyError>;
}
