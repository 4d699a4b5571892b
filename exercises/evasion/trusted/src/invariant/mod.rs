//! The evasion exercise's reference-free properties: bounds every attack must keep, the
//! definitions of the signed-gradient steps (computed here from the model with autograd),
//! and what robust accuracy must satisfy. These are the properties an exported screen lets
//! a candidate run, so this folder never uses the reference: only the pack SDK, the API
//! crate (and the glyph data it re-exports), proptest, tch and rand. One file per task;
//! this one lists every property in task order and holds the shared helpers.

use evasion_api::{AttackError, Budget, CLASSES, Classifier, Evasion, PIXELS};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tch::{Kind as DType, Tensor};

use mldrill_pack::{Ctx, Failure, Property, property};

mod adversarial_training;
mod fgsm;
mod pgd;
mod robust_accuracy;
pub mod scenario;
mod targeted;

pub use adversarial_training::*;
pub use fgsm::*;
pub use pgd::*;
pub use robust_accuracy::*;
pub use targeted::*;

/// The implementation trait the properties check.
pub type Attack = dyn Evasion;

/// Slack for float32 rounding when comparing pixels with a bound.
pub const ROUNDING: f64 = 1e-6;

/// The reference-free properties, in task order.
pub fn properties() -> Vec<Property<Attack>> {
    vec![
        property!(
            "fgsm/within_budget_and_range",
            Invariant,
            fgsm_within_budget
        ),
        property!("fgsm/zero_eps_is_identity", Invariant, fgsm_zero_eps),
        property!("fgsm/signed_gradient_step", Invariant, fgsm_signed_step),
        property!("fgsm/rejects_bad_input", Invariant, fgsm_rejects_bad_input),
        property!("pgd/within_budget_every_step", Invariant, pgd_within_budget),
        property!("pgd/random_start", Invariant, pgd_random_start),
        property!("pgd/projected_sign_steps", Invariant, pgd_projected_steps),
        property!("pgd/rejects_bad_input", Invariant, pgd_rejects_bad_input),
        property!("targeted/within_budget", Invariant, targeted_within_budget),
        property!(
            "targeted/projected_sign_steps",
            Invariant,
            targeted_projected_steps
        ),
        property!(
            "robust_accuracy/zero_eps_is_clean_accuracy",
            Invariant,
            robust_zero_eps
        ),
        property!(
            "robust_accuracy/never_above_clean",
            Invariant,
            robust_never_above_clean
        ),
        property!(
            "robust_accuracy/falls_with_eps",
            Invariant,
            robust_falls_with_eps
        ),
        property!(
            "adversarial_training/rejects_bad_input",
            Invariant,
            training_rejects_bad_input
        ),
    ]
}

/// `n` images from `seed`: a quarter of the pixels exactly 0, a quarter exactly 1, the
/// rest uniform in `[0, 1]` (the edges are where clipping matters).
pub fn random_images(n: usize, seed: u64) -> Tensor {
    let mut rng = StdRng::seed_from_u64(seed);
    let pixels: Vec<f32> = (0..n * PIXELS)
        .map(|_| match rng.random_range(0..4) {
            0 => 0.0,
            1 => 1.0,
            _ => rng.random_range(0.0f32..=1.0),
        })
        .collect();
    Tensor::from_slice(&pixels).reshape([n as i64, PIXELS as i64])
}

/// `n` labels in `0..10` from `seed`.
pub fn random_labels(n: usize, seed: u64) -> Tensor {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x6c61_6265);
    let labels: Vec<i64> = (0..n)
        .map(|_| rng.random_range(0..CLASSES as i64))
        .collect();
    Tensor::from_slice(&labels)
}

/// A tensor's single value as f64.
pub fn scalar(t: &Tensor) -> f64 {
    f64::try_from(t).unwrap_or(f64::NAN)
}

/// An attack's output must be float32 images of the input's shape with finite pixels.
pub fn check_images(out: &Tensor, images: &Tensor) -> Result<(), String> {
    if out.kind() != DType::Float || out.size() != images.size() {
        return Err(format!(
            "the attack returned {:?} {:?}, expected float32 {:?}",
            out.kind(),
            out.size(),
            images.size()
        ));
    }
    if out.numel() > 0 && !bool::try_from(&out.isfinite().all()).unwrap_or(false) {
        return Err("the attack returned a non-finite pixel".into());
    }
    Ok(())
}

/// Shape, then the L-infinity bound and the pixel range.
pub fn check_bounds(out: &Tensor, images: &Tensor, eps: f64) -> Result<(), String> {
    check_images(out, images)?;
    if out.numel() == 0 {
        return Ok(());
    }
    let moved = scalar(&(out - images).abs().max());
    if moved > eps + ROUNDING {
        return Err(format!(
            "a pixel moved by {moved:.6}, more than eps = {eps}"
        ));
    }
    let (low, high) = (scalar(&out.min()), scalar(&out.max()));
    if low < 0.0 || high > 1.0 {
        return Err(format!(
            "pixels range over [{low:.6}, {high:.6}], outside [0, 1]"
        ));
    }
    Ok(())
}

/// The gradient of the cross-entropy of `model(x)` against `labels` with respect to `x`,
/// in eval mode (its sign does not depend on a mean or a sum over the batch).
pub fn loss_gradient(model: &Classifier, x: &Tensor, labels: &Tensor) -> Tensor {
    let x = x.detach().set_requires_grad(true);
    let loss = model.forward(&x).cross_entropy_for_logits(labels);
    Tensor::run_backward(&[&loss], &[&x], false, false)
        .pop()
        .expect("one gradient per input")
}

/// The definition of PGD without a random start: `steps` steps of `direction * alpha *
/// sign(gradient)`, each clamped into the eps-ball around `images` and `[0, 1]`.
pub fn projected_sign_steps(
    model: &Classifier,
    images: &Tensor,
    labels: &Tensor,
    budget: &Budget,
    direction: f64,
) -> Tensor {
    let low = (images - budget.eps).clamp_min(0.0);
    let high = (images + budget.eps).clamp_max(1.0);
    let mut x = images.copy();
    for _ in 0..budget.steps {
        let step = loss_gradient(model, &x, labels).sign() * (direction * budget.alpha);
        x = (x + step).max_other(&low).min_other(&high);
    }
    x
}

/// The fraction of images (rows) of `a` and `b` whose pixels all agree within `tolerance`.
pub fn agreeing_rows(a: &Tensor, b: &Tensor, tolerance: f64) -> f64 {
    let n = a.size()[0].max(1) as f64;
    let worst = (a - b).abs().amax([1], false);
    scalar(
        &worst
            .le(tolerance)
            .to_kind(DType::Double)
            .sum(DType::Double),
    ) / n
}

/// The model's predictions, in eval mode without gradients.
pub fn predict(model: &Classifier, images: &Tensor) -> Tensor {
    tch::no_grad(|| model.forward(images).argmax(1, false))
}

/// Fails unless `result` is the error `expected` describes.
pub fn expect_error<T>(
    result: Result<T, AttackError>,
    call: &str,
    expected: &str,
    matches: impl Fn(&AttackError) -> bool,
) -> Result<(), Failure> {
    match result {
        Err(e) if matches(&e) => Ok(()),
        Err(e) => Err(Failure::new(format!(
            "{call}: returned the error '{e}', expected {expected}"
        ))),
        Ok(_) => Err(Failure::new(format!(
            "{call}: returned a result, expected {expected}"
        ))),
    }
}

/// A budget for generated cases.
pub fn budgets() -> impl Strategy<Value = Budget> {
    (0.0f64..0.3, 0.0f64..0.2, 0usize..4, any::<bool>()).prop_map(
        |(eps, alpha, steps, random_start)| Budget {
            eps,
            alpha,
            steps,
            random_start,
        },
    )
}

/// Generated cases for the checks that call the candidate several times per case.
pub const HEAVY_CASES: u32 = 24;

/// A context with at most [`HEAVY_CASES`] cases, for the same property.
pub fn heavy(ctx: &Ctx, property: &'static str) -> Ctx {
    Ctx::new(ctx.seed(), ctx.cases().min(HEAVY_CASES), property)
}

/// A shorthand for `TestCaseError::fail`.
pub fn case_error(why: String) -> TestCaseError {
    TestCaseError::fail(why)
}
