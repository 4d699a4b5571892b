//! Safetensors files written entry by entry, valid or with exactly one planted fault, and
//! blind mutations of valid files (truncations, bit flips, changed offsets and shapes,
//! huge numbers). A file with one planted fault knows the error it must give, so the
//! properties that use it need no reference. Uses only the api crate, rand and proptest.

use std::collections::BTreeMap;

use model_files_api::Dtype;
use proptest::prelude::*;
use rand::Rng;
use rand::rngs::StdRng;

/// One header entry as it will be written, in the order it will be written.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<u64>,
    pub begin: u64,
    pub end: u64,
}

/// A file before it is written: its entries (in JSON order), metadata and data.
#[derive(Debug, Clone)]
pub struct RawFile {
    pub entries: Vec<Entry>,
    pub metadata: Option<BTreeMap<String, String>>,
    pub data: Vec<u8>,
    /// Overrides the length prefix.
    pub declared_len: Option<u64>,
    /// Spaces before the JSON's `{`... or any text: replaces the JSON entirely.
    pub json_override: Option<Vec<u8>>,
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl RawFile {
    /// The header's JSON text, entries in their order.
    pub fn json(&self) -> Vec<u8> {
        if let Some(j) = &self.json_override {
            return j.clone();
        }
        let mut parts = Vec::new();
        if let Some(m) = &self.metadata {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}:{}", json_string(k), json_string(v)))
                .collect();
            parts.push(format!("\"__metadata__\":{{{}}}", inner.join(",")));
        }
        for e in &self.entries {
            let shape: Vec<String> = e.shape.iter().map(u64::to_string).collect();
            parts.push(format!(
                "{}:{{\"dtype\":{},\"shape\":[{}],\"data_offsets\":[{},{}]}}",
                json_string(&e.name),
                json_string(&e.dtype),
                shape.join(","),
                e.begin,
                e.end
            ));
        }
        format!("{{{}}}", parts.join(",")).into_bytes()
    }

    /// The file's bytes: length prefix, JSON padded with spaces to 8 bytes, data.
    pub fn bytes(&self) -> Vec<u8> {
        let mut json = self.json();
        if self.json_override.is_none() {
            json.resize(json.len().div_ceil(8) * 8, b' ');
        }
        let len = self.declared_len.unwrap_or(json.len() as u64);
        let mut out = len.to_le_bytes().to_vec();
        out.extend_from_slice(&json);
        out.extend_from_slice(&self.data);
        out
    }

    /// The entries sorted as a parser reports them: by `(begin, end, name)`.
    pub fn sorted(&self) -> Vec<Entry> {
        let mut e = self.entries.clone();
        e.sort_by(|a, b| (a.begin, a.end, &a.name).cmp(&(b.begin, b.end, &b.name)));
        e
    }
}

/// The dtypes tch loads (every dtype but the unsigned wide integers and 8-bit floats).
pub const LOADABLE: [Dtype; 10] = [
    Dtype::Bool,
    Dtype::U8,
    Dtype::I8,
    Dtype::I16,
    Dtype::I32,
    Dtype::I64,
    Dtype::F16,
    Dtype::BF16,
    Dtype::F32,
    Dtype::F64,
];

fn name(rng: &mut StdRng, i: usize) -> String {
    let stems = [
        "model.embed",
        "layers.0.attn.q",
        "lm_head",
        "norm",
        "ünïcode",
        "a\"quote",
        "",
    ];
    format!(
        "{}.{i}.{}",
        stems[rng.random_range(0..stems.len())],
        rng.random_range(0..100)
    )
}

/// A valid file of `0..6` tensors of any dtype, with data in a shuffled order of the
/// entries (files need not be sorted by name) and random element bytes.
pub fn valid(rng: &mut StdRng, dtypes: &[Dtype]) -> RawFile {
    let n = rng.random_range(0..6);
    let mut entries = Vec::new();
    let mut offset = 0;
    for i in 0..n {
        let dtype = dtypes[rng.random_range(0..dtypes.len())];
        let shape: Vec<u64> = (0..rng.random_range(0..4))
            .map(|_| rng.random_range(0..5))
            .collect();
        let len = shape.iter().product::<u64>() * dtype.size();
        entries.push(Entry {
            name: name(rng, i),
            dtype: dtype.name().to_owned(),
            shape,
            begin: offset,
            end: offset + len,
        });
        offset += len;
    }
    let data = (0..offset).map(|_| rng.random()).collect();
    // The JSON order need not follow the data's.
    for i in (1..entries.len()).rev() {
        entries.swap(i, rng.random_range(0..=i));
    }
    let metadata = rng.random_bool(0.5).then(|| {
        (0..rng.random_range(0..3))
            .map(|i| (format!("key{i}"), format!("value \"{i}\"")))
            .collect()
    });
    RawFile {
        entries,
        metadata,
        data,
        declared_len: None,
        json_override: None,
    }
}

/// The faults a header can have, each with its own error.
pub const FAULTS: [&str; 13] = [
    "TooShort",
    "HeaderTooLarge",
    "HeaderBeyondFile",
    "InvalidUtf8",
    "InvalidJson",
    "DuplicateName",
    "UnknownDtype",
    "ShapeOverflow",
    "ReversedOffsets",
    "LengthMismatch",
    "Gap",
    "Overlap",
    "OutOfBounds",
];

/// A file with exactly one fault, the cap to parse it with, and the error kind it must
/// give; `None` when this valid file cannot carry that fault (no tensor with bytes).
pub fn with_fault(file: &RawFile, fault: &str, rng: &mut StdRng) -> Option<(Vec<u8>, u64)> {
    const CAP: u64 = 1 << 20;
    let mut f = file.clone();
    let nonempty: Vec<usize> = (0..f.entries.len())
        .filter(|&i| f.entries[i].end > f.entries[i].begin)
        .collect();
    let pick = |rng: &mut StdRng| nonempty[rng.random_range(0..nonempty.len())];
    match fault {
        "TooShort" => {
            let bytes = f.bytes();
            let cut = rng.random_range(0..8);
            return Some((bytes[..cut].to_vec(), CAP));
        }
        "HeaderTooLarge" => {
            let bytes = f.bytes();
            let len = u64::from_le_bytes(bytes[..8].try_into().ok()?);
            return Some((bytes, rng.random_range(0..len)));
        }
        "HeaderBeyondFile" => {
            let total = f.bytes().len() as u64 - 8;
            f.declared_len = Some(total + rng.random_range(1..1000));
            return Some((f.bytes(), CAP));
        }
        "InvalidUtf8" => {
            let mut json = f.json();
            let at = rng.random_range(1..json.len());
            json[at] = [0xff, 0xc0, 0x80][rng.random_range(0..3)];
            if std::str::from_utf8(&json).is_ok() {
                return None;
            }
            f.json_override = Some(json);
        }
        "InvalidJson" => {
            let mut json = f.json();
            match rng.random_range(0..4) {
                0 => {
                    json.pop();
                }
                1 => json.insert(0, b' '),
                2 => json.extend_from_slice(b",}"),
                _ => json = b"[]".to_vec(),
            }
            f.json_override = Some(json);
        }
        "DuplicateName" => {
            if f.entries.is_empty() {
                return None;
            }
            let i = rng.random_range(0..f.entries.len());
            let copy = f.entries[i].clone();
            f.entries
                .insert(rng.random_range(0..=f.entries.len()), copy);
        }
        "UnknownDtype" => {
            if f.entries.is_empty() {
                return None;
            }
            let i = rng.random_range(0..f.entries.len());
            f.entries[i].dtype =
                ["f32", "F33", "FLOAT", "", "F8_E4M3FN", "C64"][rng.random_range(0..6)].into();
        }
        "ShapeOverflow" => {
            if f.entries.is_empty() {
                return None;
            }
            let i = rng.random_range(0..f.entries.len());
            let big = 1u64 << rng.random_range(32..64);
            f.entries[i].shape = vec![big, big, 1 + rng.random_range(0..3)];
        }
        "ReversedOffsets" => {
            if nonempty.is_empty() {
                return None;
            }
            let i = pick(rng);
            let e = &mut f.entries[i];
            std::mem::swap(&mut e.begin, &mut e.end);
        }
        "LengthMismatch" => {
            if f.entries.is_empty() {
                return None;
            }
            let i = rng.random_range(0..f.entries.len());
            let e = &mut f.entries[i];
            if e.shape.is_empty() || rng.random_bool(0.5) {
                e.shape.push(2);
            } else {
                e.shape[0] += 1;
            }
            if e.shape.iter().product::<u64>() == 0 {
                e.shape = vec![3];
            }
        }
        "Gap" => {
            f.data.extend((0..rng.random_range(1..9)).map(|_| 0u8));
        }
        "Overlap" => {
            // Pull one tensor (and every tensor after it) back into the one before it.
            let sorted = f.sorted();
            let candidates: Vec<usize> = (1..sorted.len())
                .filter(|&k| {
                    sorted[k - 1].end > sorted[k - 1].begin
                        && sorted[k].begin == sorted[k - 1].end
                        && sorted[k].end > sorted[k].begin
                })
                .collect();
            if candidates.is_empty() {
                return None;
            }
            let k = candidates[rng.random_range(0..candidates.len())];
            let from = sorted[k].begin;
            // At most the length of either tensor, so that nothing ends past the new end.
            let most =
                (sorted[k - 1].end - sorted[k - 1].begin).min(sorted[k].end - sorted[k].begin);
            let back = rng.random_range(1..=most);
            for e in &mut f.entries {
                if e.begin >= from
                    && (e.begin, e.end, &e.name)
                        >= (sorted[k].begin, sorted[k].end, &sorted[k].name)
                {
                    e.begin -= back;
                    e.end -= back;
                }
            }
            f.data.truncate(f.data.len() - back as usize);
        }
        "OutOfBounds" => {
            let last = f.sorted().last()?.clone();
            if last.end == last.begin {
                return None;
            }
            let cut = rng.random_range(1..=last.end - last.begin);
            f.data.truncate(f.data.len() - cut as usize);
        }
        _ => return None,
    }
    Some((f.bytes(), CAP))
}

/// A valid file changed so that one number claims at least 4 GiB (beyond the runner's
/// memory limit, so an allocation sized by it crashes the call): the length prefix, or a
/// last tensor whose shape and end offset claim the bytes (its offsets consistent, its
/// data absent). Returns the bytes, the cap to parse with, and the error kind they give.
pub fn huge_claim(file: &RawFile, rng: &mut StdRng) -> (Vec<u8>, u64, &'static str) {
    let mut f = file.clone();
    if rng.random_bool(0.5) {
        let len = rng.random_range(1u64 << 32..=u64::MAX);
        f.declared_len = Some(len);
        let want = if len <= u64::MAX / 2 {
            "HeaderBeyondFile"
        } else {
            "HeaderTooLarge"
        };
        return (f.bytes(), u64::MAX / 2, want);
    }
    let end = f.data.len() as u64;
    let rows = rng.random_range(1u64 << 30..1u64 << 40);
    f.entries.push(Entry {
        name: "claims.everything".into(),
        dtype: "F32".into(),
        shape: vec![rows, 4],
        begin: end,
        end: end + rows * 16,
    });
    (f.bytes(), 1 << 20, "OutOfBounds")
}

/// A blind mutation of a valid file's bytes: a truncation, a bit flip in the header,
/// a changed offset, shape or length prefix, a huge number, spliced bytes.
pub fn mutate(file: &RawFile, rng: &mut StdRng) -> (Vec<u8>, String) {
    let huge = [
        u64::MAX,
        u64::MAX - 7,
        1 << 63,
        1 << 40,
        (1 << 32) + 1,
        u64::from(u32::MAX),
    ];
    let mut f = file.clone();
    let kind = rng.random_range(0..8);
    let what = match kind {
        0 => {
            let bytes = f.bytes();
            let cut = rng.random_range(0..bytes.len());
            return (bytes[..cut].to_vec(), format!("truncated to {cut}"));
        }
        1 => {
            let mut bytes = f.bytes();
            let header_end = 8 + f.json().len();
            let at = rng.random_range(0..header_end.min(bytes.len()));
            bytes[at] ^= 1 << rng.random_range(0..8);
            return (bytes, format!("bit flipped at byte {at}"));
        }
        2 if !f.entries.is_empty() => {
            let i = rng.random_range(0..f.entries.len());
            let v = if rng.random_bool(0.5) {
                huge[rng.random_range(0..huge.len())]
            } else {
                rng.random_range(0..64)
            };
            if rng.random_bool(0.5) {
                f.entries[i].begin = v;
            } else {
                f.entries[i].end = v;
            }
            format!("offsets of entry {i} changed to include {v}")
        }
        3 if !f.entries.is_empty() => {
            let i = rng.random_range(0..f.entries.len());
            let v = if rng.random_bool(0.5) {
                huge[rng.random_range(0..huge.len())]
            } else {
                rng.random_range(0..8)
            };
            let dims = f.entries[i].shape.len();
            if dims == 0 || rng.random_bool(0.3) {
                f.entries[i].shape.push(v);
            } else {
                f.entries[i].shape[rng.random_range(0..dims)] = v;
            }
            format!("shape of entry {i} changed to include {v}")
        }
        4 => {
            let v = huge[rng.random_range(0..huge.len())];
            f.declared_len = Some(v);
            format!("length prefix {v}")
        }
        5 => {
            let mut bytes = f.bytes();
            let at = rng.random_range(0..=bytes.len());
            let junk: Vec<u8> = (0..rng.random_range(1..16)).map(|_| rng.random()).collect();
            bytes.splice(at..at, junk);
            return (bytes, format!("bytes spliced in at {at}"));
        }
        6 if !f.entries.is_empty() => {
            let i = rng.random_range(0..f.entries.len());
            f.entries[i].dtype = Dtype::ALL[rng.random_range(0..Dtype::ALL.len())]
                .name()
                .into();
            format!("dtype of entry {i} changed")
        }
        _ => {
            let mut bytes = f.bytes();
            let at = rng.random_range(0..bytes.len().max(1));
            if at < bytes.len() {
                bytes[at] = rng.random();
            }
            return (bytes, format!("byte {at} replaced"));
        }
    };
    (f.bytes(), what)
}

/// A seed for a generated file, shown in counterexamples.
pub fn seeds() -> impl Strategy<Value = u64> {
    any::<u64>()
}
