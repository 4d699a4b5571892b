//! The `load` benchmark: a 192 MiB safetensors file of 2,048 tensors of mixed dtypes, stored
//! in each server once (in frame-sized parts), then loaded by timed calls. Each reply is a
//! digest of the loaded tensors (name, dtype, shape, and their bytes at probe positions
//! drawn from the seed, which the candidate's code never sees) checked against the file.

use model_files_api::Dtype;
use model_files_wire::{Call, Digest, Reply, decode_reply_bytes, encode_call, probe};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_bytes::ByteBuf;

use crate::invariant::hostile::files::{Entry, RawFile};
use mldrill_pack::Bench;

/// Tensors in the benchmark's file: as many as a large model's checkpoint has, so that
/// the header's thousands of entries are part of the work.
pub const TENSORS: usize = 2048;
/// Bytes of each tensor: 2,048 x 96 KiB = 192 MiB (the judge sends a benchmark's stored
/// inputs in one request, which must stay under the call pipe's 256 MiB frame cap). Each
/// tensor stays below the allocator's threshold for mapping fresh pages, so that every
/// load reuses memory the process already holds and the time measures parsing and
/// copying, not page faults whose count depends on each process's allocator history.
pub const TENSOR_BYTES: u64 = 96 << 10;
/// Bytes of each `Store` call.
const CHUNK: usize = 64 << 20;

/// One tensor of the benchmark's file: its name, its tch kind's name and its shape.
pub type Expected = (String, &'static str, Vec<i64>);

/// The benchmark's file and its tensors.
pub fn bench_file(seed: u64) -> (Vec<u8>, Vec<Expected>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let dtypes = [
        (Dtype::F32, "Float"),
        (Dtype::F16, "Half"),
        (Dtype::BF16, "BFloat16"),
        (Dtype::I64, "Int64"),
    ];
    let mut entries = Vec::new();
    let mut expected = Vec::new();
    for i in 0..TENSORS {
        let (dtype, kind) = dtypes[rng.random_range(0..dtypes.len())];
        let numel = TENSOR_BYTES / dtype.size();
        let shape = vec![numel / 256, 256u64];
        let begin = i as u64 * TENSOR_BYTES;
        let name = format!("model.layers.{i}.weight");
        expected.push((
            name.clone(),
            kind,
            shape.iter().map(|&d| d as i64).collect(),
        ));
        entries.push(Entry {
            name,
            dtype: dtype.name().into(),
            shape,
            begin,
            end: begin + TENSOR_BYTES,
        });
    }
    // Cheap, position-dependent bytes: every probe checks that the right bytes landed.
    let mut state = seed | 1;
    let mut data = Vec::with_capacity((TENSORS as u64 * TENSOR_BYTES) as usize);
    for _ in 0..TENSORS as u64 * TENSOR_BYTES / 8 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        data.extend_from_slice(&state.to_le_bytes());
    }
    let file = RawFile {
        entries,
        metadata: None,
        data,
        declared_len: None,
        json_override: None,
    };
    (file.bytes(), expected)
}

/// The benchmark: one stored file, `calls` timed loads of it.
pub fn load_bench(seed: u64) -> Bench {
    let (file, expected) = bench_file(seed);
    let mut rng = StdRng::seed_from_u64(seed ^ 0x7072_6f62);
    let probes: Vec<u32> = (0..64).map(|_| rng.random_range(0..1_000_000)).collect();
    let header_len = u64::from_le_bytes(file[..8].try_into().expect("8 bytes")) as usize;
    let data_start = 8 + header_len;
    let digests: Vec<Digest> = expected
        .iter()
        .enumerate()
        .map(|(i, (name, kind, shape))| {
            let begin = data_start + i * TENSOR_BYTES as usize;
            Digest {
                name: name.clone(),
                kind: (*kind).to_owned(),
                shape: shape.clone(),
                probed: probe(&file[begin..begin + TENSOR_BYTES as usize], &probes),
            }
        })
        .collect();
    let setup = file
        .chunks(CHUNK)
        .map(|chunk| {
            encode_call(&Call::Store {
                handle: 0,
                chunk: ByteBuf::from(chunk.to_vec()),
            })
        })
        .collect();
    Bench {
        setup,
        calls: vec![encode_call(&Call::LoadStored {
            handle: 0,
            probes: probes.clone(),
        })],
        check: Box::new(move |_, reply| match decode_reply_bytes(reply)? {
            Reply::Digests(got) if got == digests => Ok(()),
            Reply::Digests(got) => Err(match got.iter().zip(&digests).find(|(g, w)| g != w) {
                Some((g, w)) => format!(
                    "tensor {:?} loaded as {} {:?}, expected {:?} as {} {:?} with other bytes",
                    g.name, g.kind, g.shape, w.name, w.kind, w.shape
                ),
                None => format!("{} tensors loaded, expected {}", got.len(), digests.len()),
            }),
            Reply::Format(e) => Err(format!("it refused the file: {e}")),
            _ => Err("the reply is not a digest of loaded tensors".into()),
        }),
    }
}
