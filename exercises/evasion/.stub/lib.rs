//! Your adversarial examples. Replace each `todo!()` with your implementation, then run
//! `mldrill check evasion`. The statement is in `exercises/evasion/README.md`; the types,
//! the classifier and the contract of each method are in the `evasion-api` crate.

use evasion_api::{AttackError, Budget, Classifier, Evasion, Training};
use tch::Tensor;

/// The implementation the grader checks.
#[derive(Debug, Default, Clone, Copy)]
pub struct Candidate;

impl Evasion for Candidate {
    fn fgsm(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        eps: f64,
    ) -> Result<Tensor, AttackError> {
        let _ = (model, images, labels, eps);
        todo!("task fgsm")
    }

    fn pgd(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        budget: &Budget,
        seed: u64,
    ) -> Result<Tensor, AttackError> {
        let _ = (model, images, labels, budget, seed);
        todo!("task pgd")
    }

    fn targeted(
        &self,
        model: &Classifier,
        images: &Tensor,
        targets: &Tensor,
        budget: &Budget,
        seed: u64,
    ) -> Result<Tensor, AttackError> {
        let _ = (model, images, targets, budget, seed);
        todo!("task targeted")
    }

    fn robust_accuracy(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        eps: &[f64],
        steps: usize,
        seed: u64,
    ) -> Result<Vec<f64>, AttackError> {
        let _ = (model, images, labels, eps, steps, seed);
        todo!("task robust_accuracy")
    }

    fn adversarial_training(
        &self,
        images: &Tensor,
        labels: &Tensor,
        training: &Training,
    ) -> Result<Classifier, AttackError> {
        let _ = (images, labels, training);
        todo!("task adversarial_training")
    }
}
