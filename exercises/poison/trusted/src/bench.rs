//! The poison exercise's timed workload, whose timed results are graded by the task's own
//! measures (recall of the planted poison within the removal budget), never by agreement
//! with the reference's flags: other correct detectors flag other samples.

use mldrill_pack::Bench;
use mldrill_runner::wire::WireMatrix;
use mldrill_spec::poison::removal_budget;
use poison_wire::{Call, Data, Reply, decode_reply_bytes, encode_call};

use crate::invariant::{Dataset, Planted};

/// The share of the planted poison a timed detection must find.
pub const BENCH_RECALL: f64 = 0.9;

/// `detect`: 20,000 representations of dimension 128 in 10 classes, 5% of every
/// other class poisoned, `eps = 0.05`; three datasets drawn from `seed`, stored in the
/// server once and taken in turn.
pub fn bench(bench: &str, seed: u64) -> Option<Bench> {
    const EPS: f64 = 0.05;
    if bench != "detect" {
        return None;
    }
    let datasets: Vec<Dataset> = (0..3u64)
        .map(|k| bench_dataset_seeded(10, 2_000, 128, EPS, seed.wrapping_add(k)))
        .collect();
    let setup = datasets
        .iter()
        .enumerate()
        .map(|(handle, d)| {
            encode_call(&Call::Store {
                handle: handle as u32,
                representations: WireMatrix::from_view(d.x.view()),
                labels: d.labels.clone(),
            })
        })
        .collect();
    Some(Bench {
        setup,
        calls: (0..datasets.len() as u32)
            .map(|handle| {
                encode_call(&Call::Detect {
                    data: Data::Stored(handle),
                    eps: EPS,
                })
            })
            .collect(),
        check: Box::new(move |input, reply| match decode_reply_bytes(reply)? {
            Reply::Indices(flags) => judge_flags(&datasets[input], &flags, EPS),
            Reply::Error(e) => Err(format!("it returned an error: {e}")),
            _ => Err("the reply is not a list of sample indices".into()),
        }),
    })
}

/// A detection on a benchmark dataset is right when its indices are valid, ascending and
/// distinct, no class has more flags than its removal budget, and it finds at least
/// [`BENCH_RECALL`] of the planted poison.
pub fn judge_flags(data: &Dataset, flags: &[usize], eps: f64) -> Result<(), String> {
    let n = data.labels.len();
    if let Some(w) = flags.windows(2).find(|w| w[0] >= w[1]) {
        return Err(format!(
            "indices must be ascending and distinct ({} then {})",
            w[0], w[1]
        ));
    }
    if let Some(&bad) = flags.iter().find(|&&i| i >= n) {
        return Err(format!("index {bad} is out of range for {n} samples"));
    }
    let classes = data.labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut sizes = vec![0usize; classes];
    let mut flagged = vec![0usize; classes];
    for &label in &data.labels {
        sizes[label] += 1;
    }
    for &i in flags {
        flagged[data.labels[i]] += 1;
    }
    for class in 0..classes {
        let budget = removal_budget(eps, sizes[class]);
        if flagged[class] > budget {
            return Err(format!(
                "{} flags in class {class}, over its removal budget of {budget}",
                flagged[class]
            ));
        }
    }
    let planted = data.poisoned.iter().filter(|&&p| p).count();
    let found = flags.iter().filter(|&&i| data.poisoned[i]).count();
    if (found as f64) < BENCH_RECALL * planted as f64 {
        return Err(format!(
            "it found {found} of the {planted} poisoned samples; at least {:.0}% is the bar",
            BENCH_RECALL * 100.0
        ));
    }
    Ok(())
}

/// The benchmark's data: `classes` Gaussian classes of `per_class` samples in `dim`
/// dimensions, with `eps` of every other class shifted along a hidden direction.
pub fn bench_dataset(classes: usize, per_class: usize, dim: usize, eps: f64) -> Dataset {
    bench_dataset_seeded(classes, per_class, dim, eps, 0)
}

/// [`bench_dataset`], drawn from `seed` (0 gives the criterion bench's data).
pub fn bench_dataset_seeded(
    classes: usize,
    per_class: usize,
    dim: usize,
    eps: f64,
    seed: u64,
) -> Dataset {
    Planted {
        sizes: vec![per_class; classes],
        labels: (0..classes).collect(),
        poison: (0..classes)
            .map(|c| {
                if c % 2 == 0 {
                    (eps * per_class as f64) as usize
                } else {
                    0
                }
            })
            .collect(),
        dim,
        strength: 6.0,
        loud: 0,
        loud_scale: 0.0,
        eps,
        seed: 0x706f_6973 ^ seed,
    }
    .generate()
}
