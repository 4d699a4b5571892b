//! The evasion exercise's API: adversarial examples against a trained glyph classifier.
//! The candidate implements [`Evasion`]; every method attacks (or trains) a [`Classifier`].
//!
//! Images are float32 tensors `[n, 256]` (16x16 pixels, row-major) with every pixel in
//! `[0, 1]`; labels and targets are int64 tensors `[n]` of classes in `0..10`. The loss is
//! cross-entropy on the logits. Attacks return float32 `[n, 256]` images.

pub mod classifier;

pub use classifier::{Classifier, DROPOUT, parameter_shapes};
pub use mldrill_glyphs;
pub use mldrill_glyphs::glyphs::{CLASSES, PIXELS, SIDE};

use tch::Tensor;

/// The budget of an iterative attack.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// The L-infinity radius of the allowed perturbation, `>= 0`.
    pub eps: f64,
    /// The size of each signed-gradient step, `>= 0`.
    pub alpha: f64,
    /// How many steps.
    pub steps: usize,
    /// Start from a random point of the eps-ball (seeded) instead of the image itself.
    pub random_start: bool,
}

/// What adversarial training does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Training {
    /// Passes over the training set.
    pub epochs: usize,
    /// The attack's radius during training.
    pub eps: f64,
    /// PGD steps per training batch.
    pub steps: usize,
    /// Initialisation, batch order and random starts are functions of it.
    pub seed: u64,
}

/// Why a call was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AttackError {
    #[error("eps must be finite and >= 0, got {eps}")]
    InvalidEps { eps: f64 },
    #[error("the step size alpha must be finite and >= 0, got {alpha}")]
    InvalidStep { alpha: f64 },
    #[error("images must be a float32 tensor [n, 256] with pixels in [0, 1]: {reason}")]
    BadImages { reason: String },
    #[error("{labels} labels for {images} images")]
    LabelCount { images: i64, labels: i64 },
    #[error(
        "label {label} at position {position} is not a class in 0..10 (or labels are not int64 [n])"
    )]
    BadLabel { position: usize, label: i64 },
    #[error("the model is not a glyph classifier: {reason}")]
    BadModel { reason: String },
}

/// Adversarial examples and the defence against them. See the statement
/// (`exercises/evasion/README.md`) for the exact contract of each method.
pub trait Evasion {
    /// FGSM: `clip(x + eps * sign(grad_x loss(model(x), labels)), 0, 1)`, in eval mode.
    fn fgsm(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        eps: f64,
    ) -> Result<Tensor, AttackError>;

    /// PGD (L-infinity): an optional random start in the eps-ball, then `steps` signed
    /// gradient steps of size `alpha` up the loss, each projected onto the eps-ball around
    /// the image and the pixel range. Deterministic for a given `seed`.
    fn pgd(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        budget: &Budget,
        seed: u64,
    ) -> Result<Tensor, AttackError>;

    /// Targeted PGD: like [`Evasion::pgd`], but each step goes *down* the loss of
    /// `targets`, so that the model predicts the target class.
    fn targeted(
        &self,
        model: &Classifier,
        images: &Tensor,
        targets: &Tensor,
        budget: &Budget,
        seed: u64,
    ) -> Result<Tensor, AttackError>;

    /// Robust accuracy at each eps of `eps` (in that order): the fraction of images the
    /// model classifies right both clean and after PGD with a random start, `steps` steps
    /// of size `2.5 * eps / steps`, seeded with `seed`.
    fn robust_accuracy(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        eps: &[f64],
        steps: usize,
        seed: u64,
    ) -> Result<Vec<f64>, AttackError>;

    /// A fresh classifier trained with PGD adversarial training on these images.
    fn adversarial_training(
        &self,
        images: &Tensor,
        labels: &Tensor,
        training: &Training,
    ) -> Result<Classifier, AttackError>;
}
