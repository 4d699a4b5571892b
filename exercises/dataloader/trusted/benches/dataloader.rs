//! Dataloader benchmarks: the candidate, the reference, tch's own `Iter2` and a plain copy
//! of the same bytes (the physical limit), timed side by side on the same tensors.
//!
//! `collate/*` gathers one batch of random rows; `epoch/*` reads a whole shuffled epoch.
//! Throughput is batch bytes per second. `python3 scripts/bench_ratios.py` prints the
//! ratios of the last run.

use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dataloader::Candidate;
use dataloader_trusted::reference::Reference;
use mldrill_spec::dataloader::DataLoader;
use tch::{Device, Kind, Tensor};

const ROWS: i64 = 100_000;
const FEATURES: i64 = 256;
const BYTES_PER_ROW: u64 = FEATURES as u64 * 4;

fn dataset() -> (Tensor, Tensor) {
    tch::manual_seed(0);
    let features = Tensor::randn([ROWS, FEATURES], (Kind::Float, Device::Cpu));
    let labels = Tensor::randint(10, [ROWS], (Kind::Int64, Device::Cpu));
    (features, labels)
}

/// The candidate runs only once it is implemented: a `todo!()` skips its benches.
fn candidate_ready(features: &Tensor, labels: &Tensor) -> bool {
    std::panic::set_hook(Box::new(|_| {}));
    let ready = catch_unwind(AssertUnwindSafe(|| {
        Candidate.collate(features, labels, &[0, 1]).is_ok()
            && Candidate.epoch_permutation(4, 0, 0).len() == 4
    }))
    .unwrap_or(false);
    let _ = std::panic::take_hook();
    if !ready {
        eprintln!(
            "candidate: collate or epoch_permutation is not implemented yet; its benches are skipped"
        );
    }
    ready
}

fn read_epoch(loader: &dyn DataLoader, features: &Tensor, labels: &Tensor, batch: usize) {
    let order = loader.epoch_permutation(ROWS as usize, 1, 0);
    for indices in order.chunks(batch) {
        black_box(
            loader
                .collate(features, labels, indices)
                .expect("valid batch"),
        );
    }
}

fn collate(c: &mut Criterion) {
    let (features, labels) = dataset();
    let candidate = candidate_ready(&features, &labels);
    let mut group = c.benchmark_group("collate");
    for batch in [64usize, 256, 1024] {
        let indices = Reference.epoch_permutation(ROWS as usize, 7, 0)[..batch].to_vec();
        group.throughput(Throughput::Bytes(batch as u64 * BYTES_PER_ROW));
        group.bench_with_input(BenchmarkId::new("reference", batch), &indices, |b, idx| {
            b.iter(|| Reference.collate(&features, &labels, idx).unwrap())
        });
        if candidate {
            group.bench_with_input(BenchmarkId::new("candidate", batch), &indices, |b, idx| {
                b.iter(|| Candidate.collate(&features, &labels, idx).unwrap())
            });
        }
        // The same number of bytes, contiguous: what memory bandwidth allows.
        let source = features.narrow(0, 0, batch as i64);
        group.bench_with_input(BenchmarkId::new("plain_copy", batch), &source, |b, src| {
            b.iter(|| src.copy())
        });
    }
    group.finish();
}

fn epoch(c: &mut Criterion) {
    let (features, labels) = dataset();
    let candidate = candidate_ready(&features, &labels);
    let batch = 256usize;
    let mut group = c.benchmark_group("epoch");
    group.throughput(Throughput::Bytes(ROWS as u64 * BYTES_PER_ROW));
    group.bench_function("reference", |b| {
        b.iter(|| read_epoch(&Reference, &features, &labels, batch))
    });
    if candidate {
        group.bench_function("candidate", |b| {
            b.iter(|| read_epoch(&Candidate, &features, &labels, batch))
        });
    }
    group.bench_function("tch_iter2", |b| {
        b.iter(|| {
            let mut iter = tch::data::Iter2::new(&features, &labels, batch as i64);
            iter.shuffle().return_smaller_last_batch();
            for batch in iter {
                let _ = black_box(batch);
            }
        })
    });
    group.bench_function("plain_copy", |b| b.iter(|| features.copy()));
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config(); targets = collate, epoch }
criterion_main!(benches);
