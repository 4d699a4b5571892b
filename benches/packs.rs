//! Every registered pack's graded workload, timed in this process: the reference's call
//! server (what `mldrill-runner-reference` runs) answers the benchmark's timed calls, as
//! the judge sends them when it scores speed. One criterion group per pack, named by its
//! id; `cargo bench --bench packs -- <id>` runs one. A pack's own criterion benches (the
//! reference against naive peers) are in its `trusted/benches/`.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use mldrill::catalog::Catalog;

fn packs(c: &mut Criterion) {
    let catalog = Catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises"))
        .expect("the exercises' manifests load");
    for pack in mldrill::exercises::all() {
        let Ok(exercise) = catalog.get(pack.id()) else {
            continue;
        };
        let name = &exercise.performance.bench;
        let Some(work) = pack.bench(name, 0) else {
            panic!("{} has no benchmark '{name}'", pack.id());
        };
        let mut server = pack
            .serve("reference")
            .expect("every pack serves its reference");
        for call in &work.setup {
            server
                .call(call, &mut std::io::empty())
                .expect("the benchmark's inputs are stored");
        }
        // Every input's reply is right before anything is timed.
        for (input, call) in work.calls.iter().enumerate() {
            let reply = server.call(call, &mut std::io::empty()).expect("a reply");
            (work.check)(input, &reply).unwrap_or_else(|why| panic!("{}: {why}", pack.id()));
        }
        let mut group = c.benchmark_group(pack.id());
        group.sample_size(10);
        let mut next = 0;
        group.bench_function(name.as_str(), |b| {
            b.iter(|| {
                let call = &work.calls[next % work.calls.len()];
                next += 1;
                server.call(call, &mut std::io::empty())
            })
        });
        group.finish();
    }
}

criterion_group!(benches, packs);
criterion_main!(benches);
