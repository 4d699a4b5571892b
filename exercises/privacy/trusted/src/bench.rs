//! The timed workload: one DP-SGD step (`sigma = 0`, so that the answer is unique and
//! every timed reply can be checked) on a batch of [`BATCH`] records for a network
//! `32 -> 128 -> 10`, three batches derived from the seed, stored in the server once.
//! A timed reply is right when it equals the mean of the clipped per-sample gradients
//! within `f32` accuracy.

use mldrill_pack::Bench;
use privacy_api::Mlp;
use privacy_wire::{Call, Reply, WireModel, WireRecords, decode_reply_bytes, encode_call};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use tch::{Kind, Tensor};

use crate::dp::clipped_sum;
use crate::train::{Weights, init};

/// Records per timed step.
pub const BATCH: i64 = 256;
/// The network's sizes.
pub const SIZES: (usize, usize, usize) = (32, 128, 10);
/// The clipping norm of the timed steps.
pub const CLIP: f64 = 1.0;

/// One batch: a network and records, as plain numbers.
pub struct Input {
    pub model: Weights,
    pub features: Vec<f32>,
    pub labels: Vec<i64>,
}

impl Input {
    /// Input `k` of seed `seed`.
    pub fn new(seed: u64, k: u64) -> Self {
        let (d, h, c) = SIZES;
        let model = Weights::of(&init(d, h, c, seed ^ (k << 40)));
        let mut rng = StdRng::seed_from_u64(seed.wrapping_add(k) ^ 0x0062_656e_6368);
        let features = (0..BATCH as usize * d)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        let labels = (0..BATCH).map(|_| rng.random_range(0..c as i64)).collect();
        Self {
            model,
            features,
            labels,
        }
    }

    pub fn tensors(&self) -> (Mlp, Tensor, Tensor) {
        (
            self.model.mlp(),
            Tensor::from_slice(&self.features).reshape([BATCH, SIZES.0 as i64]),
            Tensor::from_slice(&self.labels),
        )
    }
}

/// The expected step, flattened in `f64`.
fn expected(input: &Input) -> Tensor {
    let (model, x, y) = input.tensors();
    let sums = clipped_sum(&model, &x, &y, CLIP);
    Tensor::cat(&sums.map(|s| s.flatten(0, -1) / BATCH as f64), 0)
}

/// Checks one timed reply against `expected`.
fn check_reply(expected: &Tensor, reply: &[u8]) -> Result<(), String> {
    let model = match decode_reply_bytes(reply)? {
        Reply::Model(m) => m.to_mlp()?,
        Reply::Error(e) => return Err(format!("it returned an error: {e}")),
        _ => return Err("the reply is not a gradient".into()),
    };
    let got = Tensor::cat(
        &model
            .parameters()
            .map(|t| t.to_kind(Kind::Double).flatten(0, -1)),
        0,
    );
    if got.size() != expected.size() {
        return Err(format!(
            "a gradient of {:?} numbers, not {:?}",
            got.size(),
            expected.size()
        ));
    }
    let error = f64::try_from((&got - expected).abs().max()).unwrap_or(f64::INFINITY);
    let bound = 1e-5 * CLIP + 1e-4 * f64::try_from(expected.abs().max()).unwrap_or(0.0);
    if error.is_nan() || error > bound {
        return Err(format!(
            "the step differs from the mean of clipped per-sample gradients by up to {error:.3e}"
        ));
    }
    Ok(())
}

/// The name the manifest's rubric gives this benchmark.
pub const NAME: &str = "dp_sgd_step";

/// Benchmark `name` on inputs derived from `seed`; `None` for any other name.
pub fn bench(name: &str, seed: u64) -> Option<Bench> {
    (name == NAME).then(|| workload(seed))
}

/// The workload of seed `seed`.
pub fn workload(seed: u64) -> Bench {
    let inputs: Vec<Input> = (0..3).map(|k| Input::new(seed, k)).collect();
    let setup = inputs
        .iter()
        .enumerate()
        .map(|(handle, input)| {
            let (model, x, y) = input.tensors();
            encode_call(&Call::Store {
                handle: handle as u32,
                model: WireModel::from_mlp(&model),
                records: WireRecords::new(&x, &y),
            })
        })
        .collect();
    let calls = (0..inputs.len() as u32)
        .map(|handle| {
            encode_call(&Call::StoredStep {
                handle,
                clip: CLIP,
                sigma: 0.0,
                seed: u64::from(handle),
            })
        })
        .collect();
    let expected: Vec<Tensor> = inputs.iter().map(expected).collect();
    // Tensors are not shareable across threads; the check keeps plain numbers.
    let expected: Vec<(Vec<f64>, i64)> = expected
        .iter()
        .map(|t| {
            (
                Vec::<f64>::try_from(t).unwrap_or_default(),
                t.numel() as i64,
            )
        })
        .collect();
    Bench {
        setup,
        calls,
        check: Box::new(move |i, reply| {
            let (values, _) = expected.get(i).ok_or("no such input")?;
            check_reply(&Tensor::from_slice(values), reply)
        }),
    }
}
