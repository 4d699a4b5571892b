//! One DP-SGD step on the benchmark's batch (256 records, a network `32 -> 128 -> 10`,
//! `sigma = 0`): the reference's batched per-sample gradients, the naive one backward pass
//! per record, and the candidate once implemented. `cargo bench -p privacy-trusted --bench
//! dp_step` (the README quotes it).

use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind};

use criterion::{Criterion, criterion_group, criterion_main};
use privacy_api::Privacy;
use privacy_trusted::bench::{CLIP, Input};
use privacy_trusted::{dp, naive};

fn dp_sgd_step(c: &mut Criterion) {
    tch::set_num_threads(1);
    let (model, x, y) = Input::new(0, 0).tensors();
    let mut group = c.benchmark_group("dp_sgd_step");
    group.bench_function("reference_batched", |b| {
        b.iter(|| black_box(dp::step(&model, &x, &y, CLIP, 0.0, 0).unwrap()))
    });
    group.bench_function("naive_per_record", |b| {
        b.iter(|| black_box(naive::step(&model, &x, &y, CLIP, 0.0, 0).unwrap()))
    });
    std::panic::set_hook(Box::new(|_| {}));
    let ready = catch_unwind(AssertUnwindSafe(|| {
        privacy::Candidate
            .dp_sgd_step(&model, &x, &y, CLIP, 0.0, 0)
            .is_ok()
    }))
    .unwrap_or(false);
    let _ = std::panic::take_hook();
    if ready {
        group.bench_function("candidate", |b| {
            b.iter(|| {
                black_box(
                    privacy::Candidate
                        .dp_sgd_step(&model, &x, &y, CLIP, 0.0, 0)
                        .unwrap(),
                )
            })
        });
    } else {
        eprintln!("candidate: dp_sgd_step is not implemented yet; its bench is skipped");
    }
    group.finish();
}

criterion_group!(benches, dp_sgd_step);
criterion_main!(benches);
