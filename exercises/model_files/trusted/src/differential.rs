//! Properties that compare with an oracle where the answer is unique: the `safetensors`
//! crate for headers and saved files, tch's `Tensor::read_safetensors` for loaded
//! tensors, the reference scanner for mangled pickles. Never exported to candidates.

use std::collections::{BTreeMap, HashMap};

use model_files_api::{Dtype, Header, ModelFiles};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use safetensors::SafeTensors;
use safetensors::tensor::{Dtype as StDtype, TensorView};
use tch::Tensor;

use crate::invariant::Files;
use crate::invariant::hostile::files::{mutate, seeds, valid};
use crate::invariant::hostile::pickles::{benign, malicious};
use crate::invariant::load::{bytes_of, random_tensors, same_tensors};
use crate::invariant::save::inputs;
use crate::reference::Reference;
use mldrill_pack::{Ctx, Failure, Property, brief};
use mldrill_pack::{fail, property};

/// Mutated files per case of the oracle property.
pub const MUTATIONS_PER_CASE: usize = 8;

pub fn properties() -> Vec<Property<Files>> {
    vec![
        property!(
            "safetensors_header/agrees_with_safetensors",
            Differential,
            header_agrees
        ),
        property!("load/matches_tch", Differential, load_matches_tch),
        property!(
            "save/round_trips_through_safetensors",
            Differential,
            save_round_trips
        ),
        property!(
            "pickle_scan/never_safer_than_reference",
            Differential,
            never_safer
        ),
    ]
}

/// The dtypes the oracle (safetensors 0.3) knows: all but the 8-bit floats.
const ORACLE: [(Dtype, StDtype); 13] = [
    (Dtype::Bool, StDtype::BOOL),
    (Dtype::U8, StDtype::U8),
    (Dtype::I8, StDtype::I8),
    (Dtype::I16, StDtype::I16),
    (Dtype::U16, StDtype::U16),
    (Dtype::F16, StDtype::F16),
    (Dtype::BF16, StDtype::BF16),
    (Dtype::I32, StDtype::I32),
    (Dtype::U32, StDtype::U32),
    (Dtype::F32, StDtype::F32),
    (Dtype::F64, StDtype::F64),
    (Dtype::I64, StDtype::I64),
    (Dtype::U64, StDtype::U64),
];

fn oracle_dtype(d: Dtype) -> Option<StDtype> {
    ORACLE.iter().find(|(ours, _)| *ours == d).map(|&(_, s)| s)
}

/// Whether the oracle reads the same header: same tensors (names, dtypes, shapes,
/// offsets) and metadata.
fn oracle_agrees(h: &Header, bytes: &[u8]) -> Result<(), String> {
    let (n, meta) = SafeTensors::read_metadata(bytes)
        .map_err(|e| format!("the safetensors crate refuses this file ({e:?})"))?;
    if n as u64 != h.header_len {
        return Err(format!(
            "header length {}, the crate reads {n}",
            h.header_len
        ));
    }
    let theirs = meta.tensors();
    if theirs.len() != h.tensors.len() {
        return Err(format!(
            "{} tensors, the crate reads {}",
            h.tensors.len(),
            theirs.len()
        ));
    }
    for t in &h.tensors {
        let info = theirs
            .get(&t.name)
            .ok_or(format!("the crate has no {:?}", t.name))?;
        let shape: Vec<u64> = info.shape.iter().map(|&d| d as u64).collect();
        if Some(info.dtype) != oracle_dtype(t.dtype)
            || shape != t.shape
            || (info.data_offsets.0 as u64, info.data_offsets.1 as u64) != (t.begin, t.end)
        {
            return Err(format!(
                "{:?} reads differently in the crate: {info:?}",
                t.name
            ));
        }
    }
    let their_meta: BTreeMap<String, String> = meta
        .metadata()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    if their_meta != h.metadata {
        return Err(format!(
            "metadata {:?}, the crate reads {their_meta:?}",
            h.metadata
        ));
    }
    Ok(())
}

/// A file written by the `safetensors` crate from random tensors of its dtypes.
pub fn crate_written(rng: &mut StdRng) -> Vec<u8> {
    let specs: Vec<(String, StDtype, Vec<usize>, Vec<u8>)> = (0..rng.random_range(0..6))
        .map(|i| {
            let (ours, theirs) = ORACLE[rng.random_range(0..ORACLE.len())];
            let shape: Vec<usize> = (0..rng.random_range(0..4))
                .map(|_| rng.random_range(0..5))
                .collect();
            let n = shape.iter().product::<usize>() * ours.size() as usize;
            let data = (0..n)
                .map(|_| {
                    if ours == Dtype::Bool {
                        rng.random_range(0..2)
                    } else {
                        rng.random()
                    }
                })
                .collect();
            (
                format!("w{i}.{}", rng.random_range(0..99)),
                theirs,
                shape,
                data,
            )
        })
        .collect();
    let views: Vec<(&str, TensorView)> = specs
        .iter()
        .map(|(n, d, s, b)| {
            (
                n.as_str(),
                TensorView::new(*d, s.clone(), b).expect("consistent"),
            )
        })
        .collect();
    let metadata: Option<HashMap<String, String>> = rng
        .random_bool(0.5)
        .then(|| [("format".to_owned(), "pt".to_owned())].into());
    safetensors::serialize(views, &metadata).expect("serializes")
}

fn header_agrees(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(seeds(), |seed| {
        let mut rng = StdRng::seed_from_u64(seed);
        let bytes = crate_written(&mut rng);
        // safetensors 0.3 writes metadata with no tensor as `{},"__metadata__":...}`,
        // which it cannot read back itself: only files it reads are valid ones.
        let readable = SafeTensors::read_metadata(&bytes).is_ok();
        match imp.parse_header(&bytes, 1 << 20) {
            _ if !readable => {}
            Ok(h) => {
                oracle_agrees(&h, &bytes).or_else(|why| fail!("a file the crate wrote: {why}"))?
            }
            Err(e) => fail!("a file the safetensors crate wrote was refused: {e}"),
        }
        let dtypes: Vec<Dtype> = ORACLE.iter().map(|&(d, _)| d).collect();
        let file = valid(&mut rng, &dtypes);
        for _ in 0..MUTATIONS_PER_CASE {
            let (bytes, what) = mutate(&file, &mut rng);
            // The 8-bit floats came after safetensors 0.3: the statement decides those.
            if let Ok(h) = imp.parse_header(&bytes, 1 << 20)
                && h.tensors.iter().all(|t| oracle_dtype(t.dtype).is_some())
                && let Err(why) = oracle_agrees(&h, &bytes)
            {
                fail!("a mutated file ({what}) parsed, but {why}");
            }
        }
        Ok(())
    })
}

fn load_matches_tch(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    let dir = tempfile::tempdir().map_err(|e| Failure::new(format!("no temporary folder: {e}")))?;
    let path = dir.path().join("t.safetensors");
    ctx.for_all(seeds(), |seed| {
        let mut rng = StdRng::seed_from_u64(seed);
        let tensors = random_tensors(&mut rng);
        Tensor::write_safetensors(&tensors, &path)
            .map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
        let bytes = std::fs::read(&path)
            .map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
        let mut want = Tensor::read_safetensors(&path)
            .map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
        let mut got = match imp.load(&bytes) {
            Ok(got) => got,
            Err(e) => fail!("a file tch wrote was refused: {e}"),
        };
        want.sort_by(|a, b| a.0.cmp(&b.0));
        got.sort_by(|a, b| a.0.cmp(&b.0));
        same_tensors(&got, &want).or_else(|why| fail!("{why}"))
    })
}

fn save_round_trips(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(seeds(), |seed| {
        let (tensors, metadata) = inputs(seed);
        let bytes = match imp.save(&tensors, &metadata) {
            Ok(b) => b,
            Err(e) => fail!("saving valid tensors failed: {e}"),
        };
        let st = match SafeTensors::deserialize(&bytes) {
            Ok(st) => st,
            Err(e) => fail!("the safetensors crate cannot read what you wrote: {e:?}"),
        };
        if st.len() != tensors.len() {
            fail!("{} tensors in the file, {} saved", st.len(), tensors.len());
        }
        for (name, t) in &tensors {
            let view = match st.tensor(name) {
                Ok(v) => v,
                Err(_) => fail!("the crate finds no {name:?}"),
            };
            let shape: Vec<usize> = t.size().iter().map(|&d| d as usize).collect();
            if view.shape() != shape.as_slice() || view.data() != bytes_of(t).as_slice() {
                fail!(
                    "{name:?} reads back as shape {:?} with other bytes",
                    view.shape()
                );
            }
        }
        let (_, meta) = SafeTensors::read_metadata(&bytes).expect("deserialized above");
        let theirs: BTreeMap<String, String> = meta
            .metadata()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        if theirs != metadata {
            fail!("metadata reads back as {}", brief(&theirs));
        }
        Ok(())
    })
}

fn never_safer(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(proptest::prelude::any::<u64>(), |seed| {
        let mut rng = StdRng::seed_from_u64(seed);
        for _ in 0..8 {
            let g = if rng.random_bool(0.5) { benign(rng.random()) } else { malicious(rng.random()) };
            let mut bytes = g.bytes.clone();
            let at = rng.random_range(0..bytes.len());
            bytes[at] ^= 1 << rng.random_range(0..8);
            let theirs = imp.scan_pickle(&bytes);
            let ours = Reference.scan_pickle(&bytes);
            if let Ok(r) = &theirs
                && r.safe
                && !matches!(&ours, Ok(o) if o.safe)
            {
                fail!(
                    "a stream with a flipped bit ({g:?}, byte {at}) was called safe; the reference says {}",
                    match ours { Ok(o) => format!("unsafe: imports {}", brief(&o.imports)), Err(e) => format!("it cannot be followed: {e}") }
                );
            }
        }
        Ok(())
    })
}
