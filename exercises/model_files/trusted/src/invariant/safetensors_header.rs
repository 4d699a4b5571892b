//! Task `safetensors_header`, reference-free: valid files parse to the header they were
//! written with; a file with one planted fault gives that fault's error; blind mutations
//! never panic, and whatever parses is a header that tiles its data section exactly.

use model_files_api::{Dtype, FormatError, Header};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::Files;
use super::hostile::files::{FAULTS, RawFile, huge_claim, mutate, seeds, valid};
use mldrill_pack::{Ctx, Failure, Property, brief};
use mldrill_pack::{fail, property};

/// Mutated files per generated case: with the default 256 cases, 2,048 hostile files.
pub const MUTATIONS_PER_CASE: usize = 8;

pub fn properties() -> Vec<Property<Files>> {
    vec![
        property!(
            "safetensors_header/valid_files_parse",
            Invariant,
            valid_files_parse
        ),
        property!(
            "safetensors_header/each_fault_its_error",
            Invariant,
            each_fault_its_error
        ),
        property!(
            "safetensors_header/hostile_files_never_panic",
            Invariant,
            hostile_never_panic
        ),
        property!(
            "safetensors_header/huge_claims_refused",
            Invariant,
            huge_claims_refused
        ),
    ]
}

/// The header a correct parser gives for a valid generated file.
pub fn expected_header(file: &RawFile) -> Header {
    let json = file.json();
    Header {
        header_len: json.len().div_ceil(8) as u64 * 8,
        tensors: file
            .sorted()
            .into_iter()
            .map(|e| model_files_api::TensorInfo {
                dtype: Dtype::from_name(&e.dtype).expect("a generated dtype"),
                name: e.name,
                shape: e.shape,
                begin: e.begin,
                end: e.end,
            })
            .collect(),
        metadata: file.metadata.clone().unwrap_or_default(),
    }
}

fn valid_files_parse(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(seeds(), |seed| {
        let file = valid(&mut StdRng::seed_from_u64(seed), &Dtype::ALL);
        let expected = expected_header(&file);
        match imp.parse_header(&file.bytes(), 1 << 20) {
            Ok(h) if h == expected => Ok(()),
            Ok(h) => fail!(
                "parsed {} but the file holds {}",
                brief(&h),
                brief(&expected)
            ),
            Err(e) => fail!("a valid file was refused: {e} (file: {})", brief(&file)),
        }
    })
}

fn each_fault_its_error(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((seeds(), 0..FAULTS.len()), |(seed, fault)| {
        let mut rng = StdRng::seed_from_u64(seed);
        let file = valid(&mut rng, &Dtype::ALL);
        let Some((bytes, cap)) = super::hostile::files::with_fault(&file, FAULTS[fault], &mut rng)
        else {
            return Ok(());
        };
        let want = FAULTS[fault];
        match imp.parse_header(&bytes, cap) {
            Err(e) if e.kind() == want => Ok(()),
            Err(e) => fail!("a file whose only fault is {want} gave {}: {e}", e.kind()),
            Ok(h) => fail!("a file whose only fault is {want} parsed to {}", brief(&h)),
        }
    })
}

/// What any parsed header must satisfy: entries sorted by `(begin, end, name)`, names
/// distinct, each spanning its dtype's size times its shape, tiling `[0, data)` exactly.
pub fn consistent(h: &Header, file_len: u64) -> Result<(), String> {
    let data = file_len
        .checked_sub(8)
        .and_then(|n| n.checked_sub(h.header_len))
        .ok_or("the header is longer than the file")?;
    let mut cursor = 0u64;
    let mut names = std::collections::HashSet::new();
    for t in &h.tensors {
        if !names.insert(&t.name) {
            return Err(format!("{:?} appears twice", t.name));
        }
        if t.begin != cursor {
            return Err(format!(
                "{:?} begins at {} where {cursor} was expected",
                t.name, t.begin
            ));
        }
        // Multiplied out as the statement says: the shape left to right from 1, then the
        // dtype's size, each step checked.
        let len = t
            .shape
            .iter()
            .try_fold(1u64, |n, &d| n.checked_mul(d))
            .and_then(|n| n.checked_mul(t.dtype.size()))
            .ok_or(format!("the length of {:?} overflows", t.name))?;
        if t.end.checked_sub(t.begin) != Some(len) {
            return Err(format!(
                "{:?} spans [{}, {}) for {len} bytes",
                t.name, t.begin, t.end
            ));
        }
        cursor = t.end;
    }
    if cursor != data {
        return Err(format!("the tensors cover {cursor} of {data} data bytes"));
    }
    Ok(())
}

fn hostile_never_panic(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(seeds(), |seed| {
        let mut rng = StdRng::seed_from_u64(seed);
        let file = valid(&mut rng, &Dtype::ALL);
        for _ in 0..MUTATIONS_PER_CASE {
            let (bytes, what) = mutate(&file, &mut rng);
            let result: Result<Header, FormatError> = imp.parse_header(&bytes, 1 << 20);
            if let Ok(h) = result
                && let Err(why) = consistent(&h, bytes.len() as u64)
            {
                fail!("a mutated file ({what}) parsed to an impossible header: {why}");
            }
        }
        Ok(())
    })
}

/// Numbers that claim 4 GiB or more are refused before anything is sized by them: run in
/// the call server, an allocation that large exceeds the runner's memory limit and the
/// call dies, which fails the property.
fn huge_claims_refused(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(seeds(), |seed| {
        let mut rng = StdRng::seed_from_u64(seed);
        let file = valid(&mut rng, &Dtype::ALL);
        let (bytes, cap, want) = huge_claim(&file, &mut rng);
        match imp.parse_header(&bytes, cap) {
            Err(e) if e.kind() == want => Ok(()),
            Err(e) => fail!(
                "a file claiming 4 GiB or more gave {} ({e}), expected {want}",
                e.kind()
            ),
            Ok(h) => fail!("a file claiming 4 GiB or more parsed to {}", brief(&h)),
        }
    })
}
