//! Task `dp_sgd_step`, reference-free. Without noise the step equals the mean of the
//! per-sample gradients clipped one by one, each computed on its own with autograd; a
//! single record's clipped gradient has norm at most `C`, and exactly `C` when it was
//! longer; clipping the batch's gradient instead is named as such; the noise, recovered
//! as `B (step - clean mean) / (sigma C)`, is standard normal in every coordinate and
//! fresh for every seed, by tests whose false-alarm rate is at most [`FALSE_ALARM`]; and
//! bad settings are refused.

use privacy_api::{Mlp, Privacy, PrivacyError};
use proptest::prelude::*;
use tch::{Kind, Tensor};

use super::{flat_gradient, max_abs, mean_of_clipped, random_mlp, random_records};
use mldrill_pack::property;
use mldrill_pack::{Ctx, Failure, Property};

/// The chance that a correct implementation fails one statistical check here, at most.
pub const FALSE_ALARM: f64 = 1e-9;

pub fn properties() -> Vec<Property<dyn Privacy>> {
    vec![
        property!(
            "dp_sgd_step/no_noise_is_mean_of_clipped",
            Invariant,
            no_noise_is_mean_of_clipped
        ),
        property!(
            "dp_sgd_step/clipped_norm_at_most_c",
            Invariant,
            clipped_norm_at_most_c
        ),
        property!(
            "dp_sgd_step/clips_each_sample_not_the_batch",
            Invariant,
            clips_each_sample
        ),
        property!(
            "dp_sgd_step/noise_is_sigma_c_per_coordinate",
            Invariant,
            noise_is_sigma_c
        ),
        property!(
            "dp_sgd_step/rejects_bad_settings",
            Invariant,
            rejects_bad_settings
        ),
    ]
}

fn step(
    imp: &dyn Privacy,
    model: &Mlp,
    x: &Tensor,
    y: &Tensor,
    clip: f64,
    sigma: f64,
    seed: u64,
) -> Result<Tensor, TestCaseError> {
    let g = imp
        .dp_sgd_step(model, x, y, clip, sigma, seed)
        .map_err(|e| TestCaseError::fail(format!("a valid step was refused: {e}")))?;
    flat_gradient(&g, model)
}

/// Fails unless `got` equals `expected` within `f32` accuracy on numbers of size `clip`.
fn ensure_close(
    got: &Tensor,
    expected: &Tensor,
    clip: f64,
    what: &str,
) -> Result<(), TestCaseError> {
    let error = max_abs(&(got - expected));
    let bound = 1e-5 * clip + 1e-4 * max_abs(expected);
    if error > bound {
        mldrill_pack::fail!(
            "{what}: it differs by up to {error:.3e} from the mean of per-sample gradients clipped one by one (tolerance {bound:.1e})"
        );
    }
    Ok(())
}

fn clip_strategy() -> impl Strategy<Value = f64> {
    (-2.0..1.5f64).prop_map(|e| 10f64.powf(e))
}

fn no_noise_is_mean_of_clipped(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    let case = (
        (1i64..6, 1i64..9, 2i64..5),
        1i64..9,
        clip_strategy(),
        0.1..3.0f64,
        any::<u64>(),
    );
    let names = ["(d, h, k)", "batch", "clip", "weight_scale", "seed"];
    ctx.for_all_named(&names, case, |((d, h, k), b, clip, scale, seed)| {
        let model = random_mlp(d, h, k, scale, seed);
        let (x, y) = random_records(b, d, k, seed);
        let got = step(imp, &model, &x, &y, clip, 0.0, seed)?;
        ensure_close(
            &got,
            &mean_of_clipped(&model, &x, &y, clip),
            clip,
            "with sigma = 0",
        )
    })
}

fn clipped_norm_at_most_c(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    let case = (
        1i64..6,
        1i64..9,
        2i64..5,
        clip_strategy(),
        0.1..3.0f64,
        any::<u64>(),
    );
    ctx.for_all_named(&["d", "h", "k", "clip", "weight_scale", "seed"], case, |(d, h, k, clip, scale, seed)| {
        let model = random_mlp(d, h, k, scale, seed);
        let (x, y) = random_records(1, d, k, seed);
        let got = step(imp, &model, &x, &y, clip, 0.0, seed)?;
        let norm = f64::try_from(got.norm()).unwrap_or(f64::NAN);
        let raw = f64::try_from(super::autograd_gradient(&model, &x, &y, 0).norm()).unwrap_or(0.0);
        let expected = raw.min(clip);
        if norm.is_nan() || norm > clip * (1.0 + 1e-5) {
            mldrill_pack::fail!("one record's step has norm {norm}, above the clipping norm {clip}");
        }
        if (norm - expected).abs() > 1e-4 * expected + 1e-5 * clip {
            mldrill_pack::fail!(
                "one record's gradient of norm {raw} clipped to {clip} should have norm {expected}, not {norm}"
            );
        }
        Ok(())
    })
}

/// A batch whose records' gradients are long (a scaled-up network) and differ in
/// direction, with a small `C`: clipping each sample and clipping the batch's mean differ.
fn clips_each_sample(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(&["batch", "seed"], (2i64..9, any::<u64>()), |(b, seed)| {
        let (d, k, clip) = (4, 3, 0.1);
        let model = random_mlp(d, 8, k, 2.0, seed);
        let (x, y) = random_records(b, d, k, seed);
        let got = step(imp, &model, &x, &y, clip, 0.0, seed)?;
        let expected = mean_of_clipped(&model, &x, &y, clip);
        let batch = mean_of_clipped(&model, &x, &y, f64::MAX);
        let batch_norm = f64::try_from(batch.norm()).unwrap_or(0.0);
        let batch_clipped = &batch * (clip / batch_norm).min(1.0);
        let error = max_abs(&(&got - &expected));
        if error > 1e-5 * clip + 1e-4 * max_abs(&expected)
            && max_abs(&(&got - batch_clipped)) < 1e-4 * clip
        {
            mldrill_pack::fail!("the step is the batch's mean gradient clipped to C: each sample's gradient must be clipped on its own, before the sum");
        }
        ensure_close(&got, &expected, clip, "with sigma = 0 and gradients far longer than C")
    })
}

/// The deviation above `n` that a chi-square variable with `n` degrees of freedom
/// exceeds with probability at most `alpha`, and the one below (Laurent and Massart,
/// 2000: `P(X - n >= 2 sqrt(n x) + 2x) <= e^-x`, `P(n - X >= 2 sqrt(n x)) <= e^-x`).
pub fn chi_square_band(n: f64, alpha: f64) -> (f64, f64) {
    let x = (1.0 / alpha).ln();
    (n - 2.0 * (n * x).sqrt(), n + 2.0 * (n * x).sqrt() + 2.0 * x)
}

fn noise_is_sigma_c(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    const STEPS: u64 = 12;
    let case = (
        prop_oneof![Just(0.3), Just(3.0), 0.05..20.0f64],
        0.5..2.0f64,
        2i64..9,
        any::<u64>(),
    );
    let cases = ctx.cases().min(4);
    let mut ctx = Ctx::new(
        ctx.seed(),
        cases,
        "dp_sgd_step/noise_is_sigma_c_per_coordinate",
    );
    ctx.for_all_named(&["clip", "sigma", "batch", "seed"], case, |(clip, sigma, b, seed)| {
        let (d, h, k) = (16, 32, 4);
        let model = random_mlp(d, h, k, 0.5, seed);
        let (x, y) = random_records(b, d, k, seed);
        let clean = mean_of_clipped(&model, &x, &y, clip);
        let mut noises = Vec::new();
        for s in 0..STEPS {
            let got = step(imp, &model, &x, &y, clip, sigma, seed.wrapping_add(s))?;
            noises.push((got - &clean) * (b as f64 / (sigma * clip)));
        }
        let all = Tensor::cat(&noises, 0);
        let n = all.numel() as f64;
        let sum_sq = f64::try_from(all.square().sum(Kind::Double)).unwrap_or(f64::NAN);
        // Four checks in each of `cases` cases share the false-alarm budget.
        let alpha = FALSE_ALARM / (4.0 * f64::from(cases));
        let (lo, hi) = chi_square_band(n, alpha);
        if !(lo..=hi).contains(&sum_sq) {
            mldrill_pack::fail!(
                "the noise has standard deviation {:.4} x sigma C in each coordinate, expected 1 \
                 (noise N(0, (sigma C)^2) added once to the clipped sum, then divided by the batch size {b}; \
                 band [{:.4}, {:.4}], false-alarm rate {FALSE_ALARM:e})",
                (sum_sq / n).sqrt(), (lo / n).sqrt(), (hi / n).sqrt()
            );
        }
        let mean = f64::try_from(all.sum(Kind::Double)).unwrap_or(f64::NAN) / n;
        let mean_bound = (2.0 * (2.0 / alpha).ln() / n).sqrt();
        if mean.is_nan() || mean.abs() > mean_bound {
            mldrill_pack::fail!("the noise has mean {mean:.4} x sigma C, expected 0 (bound {mean_bound:.4})");
        }
        // Consecutive seeds: independent standard normal vectors of length p have a
        // normalised inner product below this bound except with probability alpha.
        let p = noises[0].numel() as f64;
        let corr_bound = (8.0 * ((2.0 * STEPS as f64) / alpha).ln() / p).sqrt();
        for w in noises.windows(2) {
            let corr = f64::try_from((&w[0] * &w[1]).sum(Kind::Double)).unwrap_or(f64::NAN) / p;
            if corr.is_nan() || corr.abs() > corr_bound {
                mldrill_pack::fail!("the noise of two different seeds is correlated ({corr:.3}); each seed must give fresh noise");
            }
        }
        Ok(())
    })
}

fn rejects_bad_settings(imp: &dyn Privacy, _ctx: &mut Ctx) -> Result<(), Failure> {
    let model = random_mlp(3, 4, 2, 1.0, 7);
    let (x, y) = random_records(4, 3, 2, 7);
    for (clip, sigma) in [
        (0.0, 1.0),
        (-1.0, 1.0),
        (f64::NAN, 1.0),
        (f64::INFINITY, 1.0),
        (1.0, -0.5),
        (1.0, f64::NAN),
    ] {
        match imp.dp_sgd_step(&model, &x, &y, clip, sigma, 0) {
            Err(PrivacyError::InvalidSetting { .. }) => {}
            other => {
                return Err(Failure::new(format!(
                    "clip = {clip}, sigma = {sigma} gave {}, expected Err(InvalidSetting)",
                    other.map_or_else(|e| format!("Err({e:?})"), |_| "a gradient".into())
                )));
            }
        }
    }
    let (x0, y0) = random_records(0, 3, 2, 7);
    match imp.dp_sgd_step(&model, &x0, &y0, 1.0, 1.0, 0) {
        Err(PrivacyError::BadRecords { .. }) => Ok(()),
        other => Err(Failure::new(format!(
            "an empty batch gave {}, expected Err(BadRecords)",
            other.map_or_else(|e| format!("Err({e:?})"), |_| "a gradient".into())
        ))),
    }
}
