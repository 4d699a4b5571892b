//! Properties any correct implementation satisfies, checked with no reference: these are
//! the ones a screen exports to candidates, so they use only the API, tch, rand and
//! proptest. One file per task; this module holds the helpers they share.

pub mod calibrated_attack;
pub mod dp_sgd_step;
pub mod loss_attack;
pub mod metrics;
pub mod private_training;

use privacy_api::{Mlp, Privacy};
use proptest::test_runner::TestCaseError;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tch::{Kind, Tensor};

use mldrill_pack::Property;

/// Every invariant property, in task order.
pub fn properties() -> Vec<Property<dyn Privacy>> {
    let mut all = loss_attack::properties();
    all.extend(calibrated_attack::properties());
    all.extend(metrics::properties());
    all.extend(dp_sgd_step::properties());
    all.extend(private_training::properties());
    all
}

/// A standard normal draw (Box-Muller), with nothing but `rand`: these files are exported
/// to candidates with the API's dependencies only.
fn standard_normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A random network `d -> h -> k` whose weights are `scale` times standard normal, from
/// `seed`.
pub fn random_mlp(d: i64, h: i64, k: i64, scale: f64, seed: u64) -> Mlp {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut normal = |shape: &[i64]| {
        let n: i64 = shape.iter().product();
        let v: Vec<f32> = (0..n)
            .map(|_| (scale * standard_normal(&mut rng)) as f32)
            .collect();
        Tensor::from_slice(&v).reshape(shape)
    };
    Mlp {
        fc1_weight: normal(&[h, d]),
        fc1_bias: normal(&[h]),
        fc2_weight: normal(&[k, h]),
        fc2_bias: normal(&[k]),
    }
}

/// `n` random records for a network `d -> . -> k`: standard normal features, uniform
/// labels.
pub fn random_records(n: i64, d: i64, k: i64, seed: u64) -> (Tensor, Tensor) {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x7265_636f_7264);
    let x: Vec<f32> = (0..n * d)
        .map(|_| standard_normal(&mut rng) as f32)
        .collect();
    let y: Vec<i64> = (0..n).map(|_| rng.random_range(0..k)).collect();
    (
        Tensor::from_slice(&x).reshape([n, d]),
        Tensor::from_slice(&y),
    )
}

/// Fails unless `scores` holds `n` finite numbers.
pub fn check_scores(scores: &[f64], n: usize) -> Result<(), TestCaseError> {
    if scores.len() != n {
        mldrill_pack::fail!("{} scores for {n} records", scores.len());
    }
    if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
        mldrill_pack::fail!("score {i} is {}, not a finite number", scores[i]);
    }
    Ok(())
}

/// The gradient of record `i`'s cross-entropy loss, computed on its own with autograd in
/// `f64`, flattened over all weights in parameter order.
pub fn autograd_gradient(model: &Mlp, x: &Tensor, y: &Tensor, i: i64) -> Tensor {
    let params: Vec<Tensor> = model
        .parameters()
        .iter()
        .map(|t| t.detach().to_kind(Kind::Double).set_requires_grad(true))
        .collect();
    let xi = x.narrow(0, i, 1).to_kind(Kind::Double);
    let logits = xi
        .linear(&params[0], Some(&params[1]))
        .relu()
        .linear(&params[2], Some(&params[3]));
    // In f64 throughout: tch's cross_entropy_for_logits takes its log-softmax in f32,
    // which loses a confident record's tiny gradient.
    let loss = -logits
        .log_softmax(1, Kind::Double)
        .gather(1, &y.narrow(0, i, 1).unsqueeze(1), false)
        .sum(Kind::Double);
    let grads = Tensor::run_backward(&[loss], &params, false, false);
    Tensor::cat(
        &grads.iter().map(|g| g.flatten(0, -1)).collect::<Vec<_>>(),
        0,
    )
}

/// The mean over the batch of every record's gradient clipped to norm `clip`, flattened,
/// computed record by record ([`autograd_gradient`]).
pub fn mean_of_clipped(model: &Mlp, x: &Tensor, y: &Tensor, clip: f64) -> Tensor {
    let n = x.size()[0];
    let clipped: Vec<Tensor> = (0..n)
        .map(|i| {
            let g = autograd_gradient(model, x, y, i);
            let norm = f64::try_from(g.norm()).unwrap_or(0.0);
            g * (clip / norm).min(1.0)
        })
        .collect();
    Tensor::stack(&clipped, 0).mean_dim(0, false, Kind::Double)
}

/// Checks that `gradient` has `model`'s shapes and finite values; returns it flattened in
/// `f64`, in parameter order.
pub fn flat_gradient(gradient: &Mlp, model: &Mlp) -> Result<Tensor, TestCaseError> {
    for ((name, g), m) in privacy_api::PARAMETER_NAMES
        .iter()
        .zip(gradient.parameters())
        .zip(model.parameters())
    {
        if g.size() != m.size() {
            mldrill_pack::fail!(
                "the gradient of {name} has shape {:?}, the weight {:?}",
                g.size(),
                m.size()
            );
        }
    }
    Ok(Tensor::cat(
        &gradient
            .parameters()
            .iter()
            .map(|g| g.to_kind(Kind::Double).flatten(0, -1))
            .collect::<Vec<_>>(),
        0,
    ))
}

/// The largest absolute value of `t`.
pub fn max_abs(t: &Tensor) -> f64 {
    f64::try_from(t.abs().max()).unwrap_or(f64::INFINITY)
}
