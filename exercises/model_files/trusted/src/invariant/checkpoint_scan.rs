//! Task `checkpoint_scan`, reference-free: checkpoints written like `torch.save`'s scan to
//! the report their pickle and storages imply; each hostile archive (a name that climbs
//! out, too many entries, no or two data.pkl, data.pkl over the cap or a decompression
//! bomb, a bad pickle, a storage missing or short) gives its own error; garbage never
//! panics.

use model_files_api::{CheckpointReport, Dtype};
use proptest::prelude::any;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::Files;
use super::hostile::archives::{Case, HOSTILE, hostile, valid};
use super::hostile::pickles::STORAGES;
use mldrill_pack::{Ctx, Failure, Property, brief};
use mldrill_pack::{fail, property};

pub fn properties() -> Vec<Property<Files>> {
    vec![
        property!(
            "checkpoint_scan/valid_checkpoints",
            Invariant,
            valid_checkpoints
        ),
        property!(
            "checkpoint_scan/hostile_archives",
            Invariant,
            hostile_archives
        ),
        property!(
            "checkpoint_scan/garbage_never_panics",
            Invariant,
            garbage_never_panics
        ),
    ]
}

const DTYPES: [Dtype; 10] = [
    Dtype::BF16,
    Dtype::Bool,
    Dtype::U8,
    Dtype::I8,
    Dtype::F64,
    Dtype::F32,
    Dtype::F16,
    Dtype::I32,
    Dtype::I64,
    Dtype::I16,
];

fn check_report(case: &Case, r: &CheckpointReport) -> Result<(), String> {
    let g = &case.pickle;
    if r.prefix != case.prefix {
        return Err(format!("prefix {:?}, expected {:?}", r.prefix, case.prefix));
    }
    if r.pickle.imports != g.imports || r.pickle.safe != g.safe || r.pickle.storages != g.storages {
        return Err(format!(
            "the pickle's report differs: imports {} safe {}, expected {} safe {}",
            brief(&r.pickle.imports),
            r.pickle.safe,
            brief(&g.imports),
            g.safe
        ));
    }
    if r.storages.len() != g.storages.len() {
        return Err(format!(
            "{} storages, expected {}",
            r.storages.len(),
            g.storages.len()
        ));
    }
    for (got, want) in r.storages.iter().zip(&g.storages) {
        let k = STORAGES
            .iter()
            .position(|(t, _)| format!("torch.{t}") == want.storage_type)
            .expect("a generated storage type");
        let bytes = want.numel * STORAGES[k].1;
        if got.key != want.key
            || got.dtype != DTYPES[k]
            || got.numel != want.numel
            || got.stored_bytes != bytes
        {
            return Err(format!(
                "storage {}, expected key {:?} of {:?}, {} elements in {bytes} bytes",
                brief(got),
                want.key,
                DTYPES[k],
                want.numel
            ));
        }
    }
    Ok(())
}

fn valid_checkpoints(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(any::<u64>(), |seed| {
        let case = valid(seed);
        match imp.scan_checkpoint(&case.archive, &case.limits) {
            Ok(r) => check_report(&case, &r).or_else(|why| fail!("{why} ({case:?})")),
            Err(e) => fail!("a valid checkpoint was refused: {e} ({case:?})"),
        }
    })
}

fn hostile_archives(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((any::<u64>(), 0..HOSTILE.len()), |(seed, k)| {
        let Some(case) = hostile(seed, HOSTILE[k]) else {
            return Ok(());
        };
        let want = case.error.expect("a hostile case");
        match imp.scan_checkpoint(&case.archive, &case.limits) {
            Err(e) if e.kind() == want => Ok(()),
            Err(e) => fail!("{} gave {} ({e}), expected {want}", case.recipe, e.kind()),
            Ok(_) => fail!("{} was scanned as if valid; expected {want}", case.recipe),
        }
    })
}

fn garbage_never_panics(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(any::<u64>(), |seed| {
        let mut rng = StdRng::seed_from_u64(seed);
        let case = valid(rng.random());
        for _ in 0..4 {
            let mut bytes = case.archive.clone();
            match rng.random_range(0..3) {
                0 => bytes.truncate(rng.random_range(0..bytes.len())),
                1 => {
                    for _ in 0..rng.random_range(1..8) {
                        let at = rng.random_range(0..bytes.len());
                        bytes[at] = rng.random();
                    }
                }
                _ => {
                    bytes = (0..rng.random_range(0..512))
                        .map(|_| rng.random())
                        .collect()
                }
            }
            // Any answer but a panic or an abort: the judge sees those as failures.
            let _ = imp.scan_checkpoint(&bytes, &case.limits);
        }
        Ok(())
    })
}
