//! Task `load`, reference-free: files written from known tensors load back to exactly
//! those tensors (names, dtypes, shapes, values, in data order); a loader validates the
//! header first, so every planted fault gives the header's error; dtypes tch cannot hold
//! are refused.

use model_files_api::Dtype;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tch::{Kind, Tensor};

use super::Files;
use super::hostile::files::{
    Entry, FAULTS, LOADABLE, RawFile, huge_claim, seeds, valid, with_fault,
};
use mldrill_pack::{Ctx, Failure, Property, brief};
use mldrill_pack::{fail, property};

pub fn properties() -> Vec<Property<Files>> {
    vec![
        property!("load/round_trip", Invariant, round_trip),
        property!("load/validates_first", Invariant, validates_first),
        property!(
            "load/refuses_unsupported_dtypes",
            Invariant,
            refuses_unsupported
        ),
        property!("load/huge_claims_refused", Invariant, huge_claims_refused),
    ]
}

/// The tch kind of each loadable dtype, in [`LOADABLE`]'s order.
pub const KINDS: [Kind; 10] = [
    Kind::Bool,
    Kind::Uint8,
    Kind::Int8,
    Kind::Int16,
    Kind::Int,
    Kind::Int64,
    Kind::Half,
    Kind::BFloat16,
    Kind::Float,
    Kind::Double,
];

/// A tensor's row-major little-endian bytes.
pub fn bytes_of(t: &Tensor) -> Vec<u8> {
    let t = t.contiguous();
    let mut out = vec![0u8; t.numel() * t.kind().elt_size_in_bytes()];
    t.copy_data_u8(&mut out, t.numel());
    out
}

/// Random named tensors of every loadable kind, some of them zero-sized or scalars.
pub fn random_tensors(rng: &mut StdRng) -> Vec<(String, Tensor)> {
    (0..rng.random_range(0..6))
        .map(|i| {
            let k = rng.random_range(0..KINDS.len());
            let shape: Vec<i64> = (0..rng.random_range(0..4))
                .map(|_| rng.random_range(0..5))
                .collect();
            let n: i64 = shape.iter().product();
            let values: Vec<f64> = (0..n)
                .map(|_| f64::from(rng.random_range(-100i32..100)) / 4.0)
                .collect();
            let t = Tensor::from_slice(&values)
                .reshape(&shape)
                .to_kind(KINDS[k]);
            (format!("t{i}.{}", rng.random_range(0..1000)), t)
        })
        .collect()
}

/// A file holding `tensors` with data in the given order, written without any loader.
pub fn file_of(tensors: &[(String, Tensor)]) -> RawFile {
    let mut data = Vec::new();
    let entries = tensors
        .iter()
        .map(|(name, t)| {
            let k = KINDS
                .iter()
                .position(|&k| k == t.kind())
                .expect("a loadable kind");
            let begin = data.len() as u64;
            data.extend_from_slice(&bytes_of(t));
            Entry {
                name: name.clone(),
                dtype: LOADABLE[k].name().to_owned(),
                shape: t.size().iter().map(|&d| d as u64).collect(),
                begin,
                end: data.len() as u64,
            }
        })
        .collect();
    RawFile {
        entries,
        metadata: None,
        data,
        declared_len: None,
        json_override: None,
    }
}

/// Whether two named tensor lists are equal in names, order, kinds, shapes and values.
pub fn same_tensors(got: &[(String, Tensor)], want: &[(String, Tensor)]) -> Result<(), String> {
    if got.len() != want.len() {
        return Err(format!("{} tensors, expected {}", got.len(), want.len()));
    }
    for ((gn, gt), (wn, wt)) in got.iter().zip(want) {
        if gn != wn {
            return Err(format!(
                "tensor {gn:?} where {wn:?} was expected (order by data offset)"
            ));
        }
        if gt.kind() != wt.kind() || gt.size() != wt.size() {
            return Err(format!(
                "{gn:?} is {:?} of shape {:?}, expected {:?} of shape {:?}",
                gt.kind(),
                gt.size(),
                wt.kind(),
                wt.size()
            ));
        }
        if bytes_of(gt) != bytes_of(wt) {
            return Err(format!("{gn:?} holds other values than the file"));
        }
    }
    Ok(())
}

fn round_trip(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(seeds(), |seed| {
        let mut rng = StdRng::seed_from_u64(seed);
        let tensors = random_tensors(&mut rng);
        let file = file_of(&tensors);
        // The loader returns tensors in data order, which is the order written here.
        match imp.load(&file.bytes()) {
            Ok(got) => same_tensors(&got, &tensors).or_else(|why| fail!("{why}")),
            Err(e) => fail!("a valid file was refused: {e} ({})", brief(&file)),
        }
    })
}

fn validates_first(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    let faults: Vec<&str> = FAULTS
        .iter()
        .copied()
        .filter(|&f| f != "HeaderTooLarge")
        .collect();
    ctx.for_all(
        (seeds(), proptest::sample::select(faults)),
        |(seed, fault)| {
            let mut rng = StdRng::seed_from_u64(seed);
            let file = valid(&mut rng, &LOADABLE);
            let Some((bytes, _)) = with_fault(&file, fault, &mut rng) else {
                return Ok(());
            };
            match imp.load(&bytes) {
                Err(e) if e.kind() == fault => Ok(()),
                Err(e) => fail!("a file whose only fault is {fault} gave {}: {e}", e.kind()),
                Ok(t) => fail!(
                    "a file whose only fault is {fault} loaded {} tensors",
                    t.len()
                ),
            }
        },
    )
}

fn refuses_unsupported(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    let others = [
        Dtype::U16,
        Dtype::U32,
        Dtype::U64,
        Dtype::F8E5M2,
        Dtype::F8E4M3,
    ];
    ctx.for_all(
        (seeds(), proptest::sample::select(others.to_vec())),
        |(seed, dtype)| {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut file = valid(&mut rng, &LOADABLE);
            let begin = file.data.len() as u64;
            file.data
                .extend_from_slice(&vec![0u8; 4 * dtype.size() as usize]);
            file.entries.push(Entry {
                name: "odd".into(),
                dtype: dtype.name().into(),
                shape: vec![4],
                begin,
                end: file.data.len() as u64,
            });
            match imp.load(&file.bytes()) {
                Err(e) if e.kind() == "Unsupported" => Ok(()),
                Err(e) => fail!(
                    "a {} tensor gave {} ({e}), not Unsupported",
                    dtype.name(),
                    e.kind()
                ),
                Ok(_) => fail!("a file with a {} tensor loaded", dtype.name()),
            }
        },
    )
}

/// A loader validates before it allocates: a file whose length prefix or last tensor
/// claims 4 GiB or more is refused with the header's error (an allocation that large,
/// in the call server, exceeds the runner's memory limit and fails the call).
fn huge_claims_refused(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(seeds(), |seed| {
        let mut rng = StdRng::seed_from_u64(seed);
        let file = valid(&mut rng, &LOADABLE);
        let (bytes, cap, want) = huge_claim(&file, &mut rng);
        // load's own cap is 100 MB: a claimed length above it is HeaderTooLarge.
        let want = if cap > model_files_api::DEFAULT_MAX_HEADER && want != "OutOfBounds" {
            "HeaderTooLarge"
        } else {
            want
        };
        match imp.load(&bytes) {
            Err(e) if e.kind() == want => Ok(()),
            Err(e) => fail!(
                "a file claiming 4 GiB or more gave {} ({e}), expected {want}",
                e.kind()
            ),
            Ok(t) => fail!("a file claiming 4 GiB or more loaded {} tensors", t.len()),
        }
    })
}
