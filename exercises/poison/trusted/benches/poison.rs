//! Poison-detection criterion benchmarks: the candidate and the reference `detect` on the
//! same 50,000 representations of dimension 256 in 10 classes, and one training run of the
//! backdoored network. libtorch runs on one thread, as in the runner that grades.
//!
//! The ratios the README reports, NumPy's included, come from `make bench-poison`, which
//! times every contender in alternating rounds (`scripts/bench_poison_peers.py`).

use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mldrill_spec::poison::PoisonDetector;
use poison::Candidate;
use poison_trusted::backdoor::{Scenario, model::Model};
use poison_trusted::reference::Reference;

const CLASSES: usize = 10;
const PER_CLASS: usize = 5_000;
const DIM: usize = 256;
const EPS: f64 = 0.05;

/// The candidate runs only once it is implemented: a `todo!()` skips its bench.
fn candidate_ready() -> bool {
    std::panic::set_hook(Box::new(|_| {}));
    let x = ndarray::Array2::<f32>::from_shape_fn((4, 2), |(i, j)| (i * 2 + j) as f32);
    let ready = catch_unwind(AssertUnwindSafe(|| {
        Candidate.detect(x.view(), &[0, 0, 1, 1], 0.2).is_ok()
    }))
    .unwrap_or(false);
    let _ = std::panic::take_hook();
    if !ready {
        eprintln!("candidate: detect is not implemented yet; its bench is skipped");
    }
    ready
}

fn detect(c: &mut Criterion) {
    // As in the runner that grades: libtorch on one thread.
    tch::set_num_threads(1);
    let data = poison_trusted::bench::bench_dataset(CLASSES, PER_CLASS, DIM, EPS);
    let reference = Reference.detect(data.x.view(), &data.labels, EPS).unwrap();
    let candidate = candidate_ready();
    let mut group = c.benchmark_group("poison_detect");
    group.throughput(Throughput::Elements((CLASSES * PER_CLASS) as u64));
    group.bench_function("reference", |b| {
        b.iter(|| Reference.detect(data.x.view(), &data.labels, EPS).unwrap())
    });
    if candidate {
        let flagged = Candidate.detect(data.x.view(), &data.labels, EPS).ok();
        if flagged.as_ref() != Some(&reference) {
            eprintln!("candidate: detect flags differ from the reference's on the bench data");
        }
        group.bench_function("candidate", |b| {
            b.iter(|| black_box(Candidate.detect(data.x.view(), &data.labels, EPS)))
        });
    }
    group.finish();
}

fn training(c: &mut Criterion) {
    let scenario = Scenario::build(0);
    let mut group = c.benchmark_group("backdoor_train");
    group.sample_size(10);
    group.throughput(Throughput::Elements(scenario.train.len() as u64));
    group.bench_function("mlp", |b| {
        b.iter(|| black_box(Model::train(&scenario.train, 0)))
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5))
}

criterion_group! { name = benches; config = config(); targets = detect, training }
criterion_main!(benches);
