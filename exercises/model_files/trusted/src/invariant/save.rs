//! Task `save`, reference-free: what is saved loads back (through the candidate's own
//! loader), the layout is the deterministic one the statement fixes (names sorted, data
//! in that order, no gaps, data section 8-byte aligned, padding spaces only), the bytes
//! do not depend on the order or the strides of the input, and bad input is refused.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tch::Tensor;

use super::Files;
use super::hostile::files::seeds;
use super::load::{bytes_of, random_tensors, same_tensors};
use mldrill_pack::{Ctx, Failure, Property};
use mldrill_pack::{fail, property};

pub fn properties() -> Vec<Property<Files>> {
    vec![
        property!("save/round_trips_through_own_loader", Invariant, own_loader),
        property!("save/deterministic_layout", Invariant, deterministic_layout),
        property!(
            "save/independent_of_order_and_strides",
            Invariant,
            independent
        ),
        property!("save/rejects_bad_input", Invariant, rejects_bad_input),
    ]
}

/// Random tensors, some transposed or sliced (not contiguous), with random metadata.
pub fn inputs(seed: u64) -> (Vec<(String, Tensor)>, BTreeMap<String, String>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut tensors = random_tensors(&mut rng);
    for (_, t) in tensors.iter_mut() {
        if t.dim() == 2 && rng.random_bool(0.5) {
            *t = t.tr();
        }
    }
    let metadata = (0..rng.random_range(0..3))
        .map(|i| (format!("k{i}"), format!("v{}", rng.random_range(0..100))))
        .collect();
    (tensors, metadata)
}

fn sorted(tensors: &[(String, Tensor)]) -> Vec<(String, Tensor)> {
    let mut s: Vec<(String, Tensor)> = tensors
        .iter()
        .map(|(n, t)| (n.clone(), t.shallow_clone()))
        .collect();
    s.sort_by(|a, b| a.0.cmp(&b.0));
    s
}

fn own_loader(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(seeds(), |seed| {
        let (tensors, metadata) = inputs(seed);
        let bytes = match imp.save(&tensors, &metadata) {
            Ok(b) => b,
            Err(e) => fail!("saving valid tensors failed: {e}"),
        };
        match imp.load(&bytes) {
            Ok(got) => same_tensors(&got, &sorted(&tensors)).or_else(|why| fail!("{why}")),
            Err(e) => fail!("your loader refused what your writer wrote: {e}"),
        }
    })
}

/// The statement's layout, checked from the bytes alone: an 8-byte aligned data section
/// after a header that is one JSON object padded with spaces, holding `__metadata__`
/// exactly when there is metadata, and a data section that is the tensors' bytes in the
/// order of their sorted names, nothing more. (That the offsets in the header match is
/// what reading the file back checks.)
pub fn check_layout(
    bytes: &[u8],
    tensors: &[(String, Tensor)],
    metadata: &BTreeMap<String, String>,
) -> Result<(), String> {
    let prefix: [u8; 8] = bytes
        .get(..8)
        .ok_or("fewer than 8 bytes")?
        .try_into()
        .expect("8");
    let n = u64::from_le_bytes(prefix);
    if !n.is_multiple_of(8) {
        return Err(format!(
            "the header is {n} bytes: the data section is not 8-byte aligned"
        ));
    }
    let end = usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_add(8))
        .filter(|&e| e <= bytes.len())
        .ok_or("the header runs past the end")?;
    let text = std::str::from_utf8(&bytes[8..end]).map_err(|_| "the header is not UTF-8")?;
    let json = text.trim_end_matches(' ');
    if !json.starts_with('{') || !json.ends_with('}') {
        return Err("the header is not a JSON object followed by spaces only".into());
    }
    if json.contains("\"__metadata__\"") == metadata.is_empty() {
        return Err(format!(
            "__metadata__ must be in the header exactly when there is metadata ({} entries)",
            metadata.len()
        ));
    }
    let data: Vec<u8> = sorted(tensors)
        .iter()
        .flat_map(|(_, t)| bytes_of(t))
        .collect();
    if bytes[end..] != data[..] {
        return Err(format!(
            "the data section ({} bytes) is not the tensors' bytes in the order of their sorted names ({} bytes)",
            bytes.len() - end,
            data.len()
        ));
    }
    Ok(())
}

fn deterministic_layout(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(seeds(), |seed| {
        let (tensors, metadata) = inputs(seed);
        match imp.save(&tensors, &metadata) {
            Ok(bytes) => check_layout(&bytes, &tensors, &metadata).or_else(|why| fail!("{why}")),
            Err(e) => fail!("saving valid tensors failed: {e}"),
        }
    })
}

fn independent(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(seeds(), |seed| {
        let (tensors, metadata) = inputs(seed);
        let mut shuffled: Vec<(String, Tensor)> = tensors
            .iter()
            .rev()
            .map(|(n, t)| (n.clone(), t.contiguous().copy()))
            .collect();
        let turn = seed as usize % shuffled.len().max(1);
        shuffled.rotate_left(turn);
        match (
            imp.save(&tensors, &metadata),
            imp.save(&shuffled, &metadata),
        ) {
            (Ok(a), Ok(b)) if a == b => Ok(()),
            (Ok(_), Ok(_)) => {
                fail!("the same tensors in another order or layout saved to other bytes")
            }
            (Err(e), _) | (_, Err(e)) => fail!("saving valid tensors failed: {e}"),
        }
    })
}

fn rejects_bad_input(imp: &Files, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(seeds(), |seed| {
        let (mut tensors, metadata) = inputs(seed);
        let mut rng = StdRng::seed_from_u64(seed);
        let x = Tensor::from_slice(&[1.0f32, 2.0]);
        let (want, bad) = match rng.random_range(0..2) {
            0 => {
                let name = tensors.first().map_or("w".to_owned(), |(n, _)| n.clone());
                tensors.push((name.clone(), x.shallow_clone()));
                if tensors.len() == 1 {
                    tensors.push((name, x));
                }
                ("DuplicateName", "a name twice")
            }
            _ => {
                tensors.push(("__metadata__".into(), x));
                ("InvalidName", "a tensor named __metadata__")
            }
        };
        match imp.save(&tensors, &metadata) {
            Err(e) if e.kind() == want => Ok(()),
            Err(e) => fail!("{bad} gave {} ({e}), expected {want}", e.kind()),
            Ok(_) => fail!("{bad} was saved; expected {want}"),
        }
    })
}
