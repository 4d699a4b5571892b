//! The reference's DP-SGD: per-sample gradients of the two-layer network computed in one
//! batched pass (the backward pass written out by hand, no autograd), clipped, summed,
//! noised once and divided by the batch size; and the training loop built on it.
//!
//! A per-sample gradient of a linear layer is an outer product `delta_i x_i^T`, so its
//! squared norm is `|delta_i|^2 |x_i|^2` and the clipped sum is one matrix product
//! `(s * delta)^T x`: no `[B, k, h]` tensor is ever formed.

use privacy_api::{DpConfig, Mlp, PrivacyError};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use tch::{Kind, Tensor};

/// Checks a step's clipping norm and noise multiplier.
pub fn check_setting(clip: f64, sigma: f64) -> Result<(), PrivacyError> {
    if !(clip.is_finite() && clip > 0.0) {
        return Err(PrivacyError::InvalidSetting {
            reason: format!("the clipping norm must be positive and finite, not {clip}"),
        });
    }
    if !(sigma.is_finite() && sigma >= 0.0) {
        return Err(PrivacyError::InvalidSetting {
            reason: format!("the noise multiplier must be non-negative and finite, not {sigma}"),
        });
    }
    Ok(())
}

/// The sum over the batch of every per-sample gradient clipped to norm `clip`, in `f64`,
/// in parameter order.
pub fn clipped_sum(model: &Mlp, x: &Tensor, y: &Tensor, clip: f64) -> [Tensor; 4] {
    weighted_sum(model, x, y, |norm| {
        (norm.reciprocal() * clip).clamp_max(1.0)
    })
}

/// The sum over the batch of every per-sample gradient times `weight(norms)`, where
/// `norms` is `[B]`, the L2 norm of each per-sample gradient over all weights; in `f64`.
pub fn weighted_sum(
    model: &Mlp,
    x: &Tensor,
    y: &Tensor,
    weight: impl Fn(&Tensor) -> Tensor,
) -> [Tensor; 4] {
    tch::no_grad(|| {
        let [w1, b1, w2, b2] = model.parameters().map(|t| t.to_kind(Kind::Double));
        let x = x.to_kind(Kind::Double);
        let a = x.linear(&w1, Some(&b1));
        let hidden = a.relu();
        let z = hidden.linear(&w2, Some(&b2));
        let d2 = z.softmax(1, Kind::Double) - y.one_hot(model.classes()).to_kind(Kind::Double);
        let d1 = d2.mm(&w2) * a.gt(0.0).to_kind(Kind::Double);
        let squared_norm = d2.square().sum_dim_intlist(1, false, Kind::Double)
            * (hidden.square().sum_dim_intlist(1, false, Kind::Double) + 1.0)
            + d1.square().sum_dim_intlist(1, false, Kind::Double)
                * (x.square().sum_dim_intlist(1, false, Kind::Double) + 1.0);
        let scale = weight(&squared_norm.sqrt()).unsqueeze(1);
        let (d1, d2) = (d1 * &scale, d2 * &scale);
        [
            d1.tr().mm(&x),
            d1.sum_dim_intlist(0, false, Kind::Double),
            d2.tr().mm(&hidden),
            d2.sum_dim_intlist(0, false, Kind::Double),
        ]
    })
}

/// Standard normal noise shaped like `like`, drawn from `rng`, in `f64`.
pub fn gaussian_like(like: &Tensor, rng: &mut StdRng) -> Tensor {
    let noise: Vec<f64> = (0..like.numel())
        .map(|_| StandardNormal.sample(rng))
        .collect();
    Tensor::from_slice(&noise).reshape(like.size())
}

/// Four `f64` tensors as an [`Mlp`]-shaped gradient in `f32`.
pub fn as_gradient([g1, g2, g3, g4]: [Tensor; 4]) -> Mlp {
    Mlp {
        fc1_weight: g1.to_kind(Kind::Float),
        fc1_bias: g2.to_kind(Kind::Float),
        fc2_weight: g3.to_kind(Kind::Float),
        fc2_bias: g4.to_kind(Kind::Float),
    }
}

/// One DP-SGD gradient: [`clipped_sum`], plus `N(0, (sigma clip)^2)` in every coordinate
/// drawn from `seed`, divided by the batch size.
pub fn step(
    model: &Mlp,
    x: &Tensor,
    y: &Tensor,
    clip: f64,
    sigma: f64,
    seed: u64,
) -> Result<Mlp, PrivacyError> {
    check_setting(clip, sigma)?;
    let n = model.check_records(x, y)?;
    if n == 0 {
        return Err(PrivacyError::BadRecords {
            reason: "a step needs at least one record".into(),
        });
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let sums = clipped_sum(model, x, y, clip);
    Ok(as_gradient(sums.map(|sum| {
        let noise = gaussian_like(&sum, &mut rng);
        (sum + noise * (sigma * clip)) / n as f64
    })))
}

/// Checks a training run's settings.
pub fn check_config(config: &DpConfig) -> Result<(), PrivacyError> {
    check_setting(config.clip, config.sigma)?;
    if config.batch_size == 0 || !(config.learning_rate.is_finite() && config.learning_rate > 0.0) {
        return Err(PrivacyError::InvalidSetting {
            reason: "the batch size and the learning rate must be positive".into(),
        });
    }
    Ok(())
}

/// DP-SGD training: each epoch a fresh shuffle of the records cut into batches of
/// `batch_size` (the last one shorter), one [`step`] per batch, plain SGD updates.
pub fn train(
    init: &Mlp,
    x: &Tensor,
    y: &Tensor,
    config: &DpConfig,
    seed: u64,
) -> Result<Mlp, PrivacyError> {
    check_config(config)?;
    let n = init.check_records(x, y)? as usize;
    let mut model = init.detached_copy();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut order: Vec<i64> = (0..n as i64).collect();
    for _ in 0..config.epochs {
        order.shuffle(&mut rng);
        for batch in order.chunks(config.batch_size) {
            let index = Tensor::from_slice(batch);
            let (xb, yb) = (x.index_select(0, &index), y.index_select(0, &index));
            let g = step(&model, &xb, &yb, config.clip, config.sigma, rng.random())?;
            model = Mlp {
                fc1_weight: &model.fc1_weight - g.fc1_weight * config.learning_rate,
                fc1_bias: &model.fc1_bias - g.fc1_bias * config.learning_rate,
                fc2_weight: &model.fc2_weight - g.fc2_weight * config.learning_rate,
                fc2_bias: &model.fc2_bias - g.fc2_bias * config.learning_rate,
            };
        }
    }
    Ok(model)
}
