//! The evasion exercise's reference-free properties of the `fgsm` task: one signed-gradient
//! step of size eps, clipped to the pixel range.

use super::scenario::scenario;
use super::*;

/// Images the trained-model checks attack.
const ATTACKED: i64 = 60;

pub fn fgsm_within_budget(imp: &Attack, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(
        &["model_seed", "n", "eps", "data_seed"],
        (any::<u64>(), 1usize..6, 0.0f64..0.5, any::<u64>()),
        |(model_seed, n, eps, data_seed)| {
            let model = Classifier::new(model_seed);
            let (images, labels) = (random_images(n, data_seed), random_labels(n, data_seed));
            let out = imp
                .fgsm(&model, &images, &labels, eps)
                .map_err(|e| case_error(format!("fgsm(eps = {eps}) returned an error: {e}")))?;
            check_bounds(&out, &images, eps).map_err(case_error)
        },
    )
}

pub fn fgsm_zero_eps(imp: &Attack, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(
        &["model_seed", "n", "data_seed"],
        (any::<u64>(), 1usize..6, any::<u64>()),
        |(model_seed, n, data_seed)| {
            let model = Classifier::new(model_seed);
            let (images, labels) = (random_images(n, data_seed), random_labels(n, data_seed));
            let out = imp
                .fgsm(&model, &images, &labels, 0.0)
                .map_err(|e| case_error(format!("fgsm(eps = 0) returned an error: {e}")))?;
            check_images(&out, &images).map_err(case_error)?;
            if !out.equal(&images) {
                return Err(case_error("fgsm with eps = 0 changed the images".into()));
            }
            Ok(())
        },
    )
}

/// Pixels whose gradient is this small relative to the image's largest are skipped: there
/// the sign depends on rounding (a sum or a mean over the batch, the order of operations).
pub const SIGN_DEFINED: f64 = 1e-4;

/// The pixels of `gradient` whose sign is defined: above [`SIGN_DEFINED`] times the
/// largest magnitude in their row.
pub fn sign_defined(gradient: &Tensor) -> Tensor {
    let magnitude = gradient.abs();
    let largest = magnitude.amax([1], true);
    magnitude.gt_tensor(&(largest * SIGN_DEFINED))
}

pub fn fgsm_signed_step(imp: &Attack, ctx: &mut Ctx) -> Result<(), Failure> {
    let scenario = scenario(ctx.seed());
    let model = scenario.model();
    let (images, labels) = scenario.test();
    let (images, labels) = (images.narrow(0, 0, ATTACKED), labels.narrow(0, 0, ATTACKED));
    for eps in [0.03, 0.1, 0.25] {
        let out = imp
            .fgsm(&model, &images, &labels, eps)
            .map_err(|e| Failure::new(format!("fgsm(eps = {eps}) returned an error: {e}")))?;
        check_bounds(&out, &images, eps).map_err(Failure::new)?;
        let gradient = loss_gradient(&model, &images, &labels);
        let expected = (&images + gradient.sign() * eps).clamp(0.0, 1.0);
        let defined = sign_defined(&gradient);
        let wrong = (&out - &expected).abs().gt(ROUNDING).logical_and(&defined);
        let count = scalar(&wrong.sum(DType::Int64));
        if count > 0.0 {
            return Err(Failure::new(format!(
                "fgsm(eps = {eps}) on the trained model: {count} pixels are not \
                 clip(x + eps * sign(gradient of the loss), 0, 1)"
            )));
        }
    }
    Ok(())
}

pub fn fgsm_rejects_bad_input(imp: &Attack, ctx: &mut Ctx) -> Result<(), Failure> {
    let model = Classifier::new(ctx.seed());
    let (images, labels) = (random_images(3, ctx.seed()), random_labels(3, ctx.seed()));
    let call = |images: &Tensor, labels: &Tensor, eps: f64| imp.fgsm(&model, images, labels, eps);
    let eps_error = |e: &AttackError| matches!(e, AttackError::InvalidEps { .. });
    let images_error = |e: &AttackError| matches!(e, AttackError::BadImages { .. });
    let label_error = |e: &AttackError| matches!(e, AttackError::BadLabel { .. });
    let wanted = "InvalidEps";
    expect_error(
        call(&images, &labels, -0.1),
        "fgsm(eps = -0.1)",
        wanted,
        eps_error,
    )?;
    expect_error(
        call(&images, &labels, f64::NAN),
        "fgsm(eps = NaN)",
        wanted,
        eps_error,
    )?;
    expect_error(
        call(&images, &labels, f64::INFINITY),
        "fgsm(eps = inf)",
        wanted,
        eps_error,
    )?;
    let wanted = "BadImages";
    expect_error(
        call(&images.narrow(1, 0, 255), &labels, 0.1),
        "fgsm(images [3, 255])",
        wanted,
        images_error,
    )?;
    expect_error(
        call(&images.reshape([3, 16, 16]), &labels, 0.1),
        "fgsm(images [3, 16, 16])",
        wanted,
        images_error,
    )?;
    expect_error(
        call(&images.to_kind(DType::Double), &labels, 0.1),
        "fgsm(float64 images)",
        wanted,
        images_error,
    )?;
    expect_error(
        call(&(&images * 2.0), &labels, 0.1),
        "fgsm(pixels up to 2)",
        wanted,
        images_error,
    )?;
    expect_error(
        call(&images, &Tensor::from_slice(&[1i64, 10, 2]), 0.1),
        "fgsm(labels [1, 10, 2])",
        "BadLabel",
        label_error,
    )?;
    expect_error(
        call(&images, &Tensor::from_slice(&[-1i64, 0, 2]), 0.1),
        "fgsm(labels [-1, 0, 2])",
        "BadLabel",
        label_error,
    )?;
    expect_error(
        call(&images, &Tensor::from_slice(&[1i64, 2]), 0.1),
        "fgsm(3 images, 2 labels)",
        "LabelCount",
        |e| matches!(e, AttackError::LabelCount { .. }),
    )
}
