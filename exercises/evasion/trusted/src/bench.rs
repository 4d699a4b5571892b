//! The evasion exercise's timed workload: PGD at the standard budget on the held-out
//! images of the run's scenario (model and images stored in each server once), one timed
//! call per attack seed. A reply counts only if it keeps the budget and fools the model as
//! often as the `pgd` task's bar asks: its own correctness, not the reference's images.

use evasion_wire::{Call, ModelArg, Reply, TensorArg, decode_reply_bytes, encode_call, wire_model};
use mldrill_pack::Bench;
use mldrill_runner::wire::WireTensor;

use crate::differential::{PGD_FRACTION, reference_pgd_success, success_rate};
use crate::invariant::check_bounds;
use crate::invariant::scenario::{EPS, scenario, standard_budget};

/// Timed attacks per run, each with its own seed.
const INPUTS: u64 = 4;

/// `pgd`: PGD with a random start, 10 steps at eps = 0.1, on 300 held-out images.
pub fn bench(bench: &str, seed: u64) -> Option<Bench> {
    if bench != "pgd" {
        return None;
    }
    tch::set_num_threads(1);
    let scenario = scenario(seed);
    let model = scenario.model();
    let (images, labels) = scenario.test();
    let bar = PGD_FRACTION * reference_pgd_success(seed, seed ^ 0xbe);
    let store = |handle, t: &tch::Tensor| {
        encode_call(&Call::StoreTensor {
            handle,
            tensor: WireTensor::from_tensor(t).expect("float images encode"),
        })
    };
    let setup = vec![
        encode_call(&Call::StoreModel {
            handle: 0,
            model: wire_model(&model),
        }),
        store(0, &images),
        store(1, &labels),
    ];
    let calls = (0..INPUTS)
        .map(|k| {
            encode_call(&Call::Pgd {
                model: ModelArg::Stored(0),
                images: TensorArg::Stored(0),
                labels: TensorArg::Stored(1),
                budget: standard_budget(),
                seed: seed.wrapping_add(k),
            })
        })
        .collect();
    Some(Bench {
        setup,
        calls,
        check: Box::new(move |_, reply| match decode_reply_bytes(reply)? {
            Reply::Images(wire) => {
                let out = wire.to_tensor()?;
                check_bounds(&out, &images, EPS)?;
                let got = success_rate(&model, &images, &out, &labels);
                if got < bar {
                    return Err(format!(
                        "the timed attack fooled the model on {:.1}% of the images, below the \
                         pgd task's bar of {:.1}%",
                        got * 100.0,
                        bar * 100.0
                    ));
                }
                Ok(())
            }
            Reply::Error(e) => Err(format!("it returned an error: {e}")),
            _ => Err("the reply is not a tensor of images".into()),
        }),
    })
}
