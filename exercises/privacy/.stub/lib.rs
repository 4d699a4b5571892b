//! Your privacy toolkit. Replace each `todo!()` with your implementation, then run
//! `mldrill check privacy`. The statement is in `exercises/privacy/README.md`; the types
//! and the contract of each method are in the `privacy-api` crate (`privacy_api`). You
//! may use tch (libtorch), ndarray and rand.

use privacy_api::tch::Tensor;
use privacy_api::{DpConfig, Mlp, Privacy, PrivacyError};

/// The implementation the grader checks.
#[derive(Debug, Default, Clone, Copy)]
pub struct Candidate;

impl Privacy for Candidate {
    fn loss_scores(
        &self,
        model: &Mlp,
        features: &Tensor,
        labels: &Tensor,
    ) -> Result<Vec<f64>, PrivacyError> {
        let _ = (model, features, labels);
        todo!("task loss_attack")
    }

    fn calibrated_scores(
        &self,
        target: &Mlp,
        references: &[Mlp],
        features: &Tensor,
        labels: &Tensor,
    ) -> Result<Vec<f64>, PrivacyError> {
        let _ = (target, references, features, labels);
        todo!("task calibrated_attack")
    }

    fn roc_auc(&self, scores: &[f64], members: &[bool]) -> Result<f64, PrivacyError> {
        let _ = (scores, members);
        todo!("task metrics")
    }

    fn tpr_at_fpr(&self, scores: &[f64], members: &[bool], fpr: f64) -> Result<f64, PrivacyError> {
        let _ = (scores, members, fpr);
        todo!("task metrics")
    }

    fn dp_sgd_step(
        &self,
        model: &Mlp,
        features: &Tensor,
        labels: &Tensor,
        clip: f64,
        sigma: f64,
        seed: u64,
    ) -> Result<Mlp, PrivacyError> {
        let _ = (model, features, labels, clip, sigma, seed);
        todo!("task dp_sgd_step")
    }

    fn train_private(
        &self,
        init: &Mlp,
        features: &Tensor,
        labels: &Tensor,
        config: &DpConfig,
        seed: u64,
    ) -> Result<Mlp, PrivacyError> {
        let _ = (init, features, labels, config, seed);
        todo!("task private_training")
    }
}
