//! DP-SGD with per-sample gradients the naive way: one backward pass per record with
//! autograd. Correct, and the benchmark's point of comparison for the reference's batched
//! pass ([`crate::dp`]).

use privacy_api::{Mlp, PrivacyError};
use rand::SeedableRng;
use rand::rngs::StdRng;
use tch::{Kind, Tensor};

use crate::dp::{as_gradient, check_setting, gaussian_like};

/// One DP-SGD gradient, as [`crate::dp::step`] computes it, with each record's gradient
/// from its own backward pass.
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
    let params: Vec<Tensor> = model
        .parameters()
        .iter()
        .map(|t| t.detach().to_kind(Kind::Double).set_requires_grad(true))
        .collect();
    let x = x.to_kind(Kind::Double);
    let mut sums: Vec<Tensor> = params.iter().map(|p| p.zeros_like().detach()).collect();
    for i in 0..n {
        let logits = x
            .narrow(0, i, 1)
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
        let norm = grads
            .iter()
            .map(|g| f64::try_from(g.square().sum(Kind::Double)).unwrap_or(0.0))
            .sum::<f64>()
            .sqrt();
        let factor = (clip / norm).min(1.0);
        for (sum, g) in sums.iter_mut().zip(&grads) {
            *sum += g * factor;
        }
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let [a, b, c, d] = [0, 1, 2, 3].map(|i| {
        let noise = gaussian_like(&sums[i], &mut rng);
        (&sums[i] + noise * (sigma * clip)) / n as f64
    });
    Ok(as_gradient([a, b, c, d]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::init;

    #[test]
    fn the_naive_step_is_the_reference_step() {
        let model = init(5, 7, 3, 1);
        let x = Tensor::randn([6, 5], (Kind::Float, tch::Device::Cpu)) * 3.0;
        let y = Tensor::from_slice(&[0i64, 1, 2, 0, 1, 2]);
        for (clip, sigma) in [(0.05, 0.0), (10.0, 0.0), (0.5, 1.3)] {
            let a = step(&model, &x, &y, clip, sigma, 4).unwrap();
            let b = crate::dp::step(&model, &x, &y, clip, sigma, 4).unwrap();
            for (p, q) in a.parameters().iter().zip(b.parameters()) {
                let error = f64::try_from((*p - q).abs().max()).unwrap();
                assert!(error < 1e-6, "clip {clip} sigma {sigma}: {error}");
            }
        }
    }
}
