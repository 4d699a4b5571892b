//! The evasion exercise's reference-free properties of the `robust_accuracy` task: at
//! eps = 0 it is the clean accuracy (eval mode), it never exceeds it, and with a fixed
//! attack seed it does not rise with eps by more than [`RISE_TOLERANCE`].

use super::scenario::scenario;
use super::*;

/// PGD steps of the evaluations here.
pub const EVAL_STEPS: usize = 10;
/// How much robust accuracy may rise from one eps to a larger one (a fixed seed still
/// draws other random starts at another radius, so it is not exactly monotone).
pub const RISE_TOLERANCE: f64 = 0.05;

/// Held-out images and labels of the run's scenario, with its trained model.
fn evaluated(seed: u64) -> (Classifier, Tensor, Tensor) {
    let scenario = scenario(seed);
    let (images, labels) = scenario.test();
    (scenario.model(), images, labels)
}

/// The fraction of `images` the model classifies as `labels`, eval mode.
pub fn clean_accuracy(model: &Classifier, images: &Tensor, labels: &Tensor) -> f64 {
    let right = predict(model, images).eq_tensor(labels);
    scalar(&right.sum(DType::Int64)) / images.size()[0].max(1) as f64
}

fn accuracies(
    imp: &Attack,
    model: &Classifier,
    images: &Tensor,
    labels: &Tensor,
    eps: &[f64],
    seed: u64,
) -> Result<Vec<f64>, Failure> {
    let got = imp
        .robust_accuracy(model, images, labels, eps, EVAL_STEPS, seed)
        .map_err(|e| Failure::new(format!("robust_accuracy({eps:?}) returned an error: {e}")))?;
    if got.len() != eps.len() {
        return Err(Failure::new(format!(
            "robust_accuracy returned {} accuracies for {} eps values",
            got.len(),
            eps.len()
        )));
    }
    if let Some(bad) = got.iter().find(|a| !(0.0..=1.0).contains(*a)) {
        return Err(Failure::new(format!(
            "robust_accuracy returned {bad}, not a fraction in [0, 1]"
        )));
    }
    Ok(got)
}

/// A tolerance of less than one image: accuracies are counts over `n`.
fn exact(n: i64) -> f64 {
    0.5 / n.max(1) as f64
}

pub fn robust_zero_eps(imp: &Attack, ctx: &mut Ctx) -> Result<(), Failure> {
    let (model, images, labels) = evaluated(ctx.seed());
    let clean = clean_accuracy(&model, &images, &labels);
    let got = accuracies(
        imp,
        &model,
        &images,
        &labels,
        &[0.0, 0.1],
        ctx.property_seed(),
    )?;
    if (got[0] - clean).abs() > exact(images.size()[0]) {
        return Err(Failure::new(format!(
            "robust accuracy at eps = 0 is {:.4}, but the model's clean accuracy (eval mode) \
             is {clean:.4}",
            got[0]
        )));
    }
    Ok(())
}

pub fn robust_never_above_clean(imp: &Attack, ctx: &mut Ctx) -> Result<(), Failure> {
    let (model, images, labels) = evaluated(ctx.seed());
    let clean = clean_accuracy(&model, &images, &labels);
    let eps = [0.01, 0.05, 0.1, 0.2];
    let got = accuracies(imp, &model, &images, &labels, &eps, ctx.property_seed())?;
    for (e, a) in eps.iter().zip(&got) {
        if *a > clean + exact(images.size()[0]) {
            return Err(Failure::new(format!(
                "robust accuracy at eps = {e} is {a:.4}, above the clean accuracy {clean:.4}: \
                 an image counts only if it is classified right both clean and attacked"
            )));
        }
    }
    Ok(())
}

pub fn robust_falls_with_eps(imp: &Attack, ctx: &mut Ctx) -> Result<(), Failure> {
    let (model, images, labels) = evaluated(ctx.seed());
    let eps = [0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2];
    let got = accuracies(imp, &model, &images, &labels, &eps, ctx.property_seed())?;
    for i in 1..eps.len() {
        if got[i] > got[i - 1] + RISE_TOLERANCE {
            return Err(Failure::new(format!(
                "robust accuracy rose from {:.4} at eps = {} to {:.4} at eps = {} (more than \
                 {RISE_TOLERANCE} with the same attack seed): {got:?}",
                got[i - 1],
                eps[i - 1],
                got[i],
                eps[i]
            )));
        }
    }
    Ok(())
}
