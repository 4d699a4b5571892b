//! The dataloader's timed workload: `collate` on a 100,000 x 256 dataset stored in each
//! server once, every reply checked against the rows asked for.

use dataloader_wire::{Call, Reply, TensorArg, decode_reply_bytes, encode_call};
use mldrill_pack::Bench;
use mldrill_runner::wire::WireTensor;
use mldrill_spec::dataloader::DataLoader;
use tch::Tensor;

use crate::reference::Reference;

/// `collate`: gather 256 random rows of a 100,000 x 256 f32 dataset (stored in the
/// server once), as the criterion bench does; eight sets of rows drawn from `seed`,
/// taken in turn. Gathered rows are copies: the result must equal the rows exactly.
pub fn bench(bench: &str, seed: u64) -> Option<Bench> {
    const ROWS: i64 = 100_000;
    const FEATURES: i64 = 256;
    const INPUTS: u64 = 8;
    if bench != "collate" {
        return None;
    }
    let features = Tensor::arange(ROWS * FEATURES, (tch::Kind::Float, tch::Device::Cpu))
        .reshape([ROWS, FEATURES]);
    let labels = Tensor::arange(ROWS, (tch::Kind::Int64, tch::Device::Cpu));
    let rows: Vec<Vec<usize>> = (0..INPUTS)
        .map(|k| Reference.epoch_permutation(ROWS as usize, seed, k)[..256].to_vec())
        .collect();
    let expected: Vec<(Tensor, Tensor)> = rows
        .iter()
        .map(|r| {
            let index = Tensor::from_slice(&r.iter().map(|&i| i as i64).collect::<Vec<_>>());
            (
                features.index_select(0, &index),
                labels.index_select(0, &index),
            )
        })
        .collect();
    let store = |handle, t: &Tensor| {
        encode_call(&Call::Store {
            handle,
            tensor: WireTensor::from_tensor(t).expect("a float tensor encodes"),
        })
    };
    Some(Bench {
        setup: vec![store(0, &features), store(1, &labels)],
        calls: rows
            .iter()
            .map(|indices| {
                encode_call(&Call::Collate {
                    features: TensorArg::Stored(0),
                    labels: TensorArg::Stored(1),
                    indices: indices.clone(),
                })
            })
            .collect(),
        check: Box::new(move |input, reply| match decode_reply_bytes(reply)? {
            Reply::Batch { features, labels } => {
                let (f, l) = (features.to_tensor()?, labels.to_tensor()?);
                let (want_f, want_l) = &expected[input];
                if f.kind() == want_f.kind()
                    && f.size() == want_f.size()
                    && f.equal(want_f)
                    && l.kind() == want_l.kind()
                    && l.equal(want_l)
                {
                    Ok(())
                } else {
                    Err("the gathered rows are not the requested rows".into())
                }
            }
            Reply::Error(e) => Err(format!("it returned an error: {e}")),
            _ => Err("the reply is not a batch".into()),
        }),
    })
}
