//! What the model-files statement (`exercises/model_files/README.md`) promises, in its own
//! words: each worked example and rule, checked against the reference.

use std::collections::BTreeMap;

use mldrill_pack::claim::{Claim, same};
use model_files_api::{Dtype, ModelFiles};
use tch::{Kind, Tensor};

use crate::invariant::hostile::files::{Entry, RawFile};
use crate::reference::checkpoint::is_safe_name;
use crate::reference::header::byte_length;
use crate::reference::pickle::is_allowed;
use crate::reference::{Reference, pickle};

/// A file of one tensor `t` of `dtype` and `shape` with `bytes` of data.
fn one(dtype: &str, shape: Vec<u64>, bytes: u64) -> Vec<u8> {
    RawFile {
        entries: vec![Entry {
            name: "t".into(),
            dtype: dtype.into(),
            shape,
            begin: 0,
            end: bytes,
        }],
        metadata: None,
        data: vec![0; bytes as usize],
        declared_len: None,
        json_override: None,
    }
    .bytes()
}

fn kind_of_error(file: &[u8]) -> String {
    match Reference.parse_header(file, 1 << 20) {
        Ok(_) => "no error".into(),
        Err(e) => e.kind().into(),
    }
}

pub const CLAIMS: &[Claim] = &[
    Claim {
        says: "Dtypes, case-sensitive, with their sizes in bytes: `BOOL` 1, `U8` 1, `I8` 1, `F8_E5M2` 1, `F8_E4M3` 1, `I16` 2, `U16` 2, `F16` 2, `BF16` 2, `I32` 4, `U32` 4, `F32` 4, `F64` 8, `I64` 8, `U64` 8",
        check: || {
            let sizes = [
                ("BOOL", 1),
                ("U8", 1),
                ("I8", 1),
                ("F8_E5M2", 1),
                ("F8_E4M3", 1),
                ("I16", 2),
                ("U16", 2),
                ("F16", 2),
                ("BF16", 2),
                ("I32", 4),
                ("U32", 4),
                ("F32", 4),
                ("F64", 8),
                ("I64", 8),
                ("U64", 8),
            ];
            for (name, size) in sizes {
                let dtype = Dtype::from_name(name).ok_or(format!("{name} is unknown"))?;
                same(dtype.size(), size, name)?;
                same(
                    kind_of_error(&one(name, vec![2], 2 * size)),
                    "no error".into(),
                    name,
                )?;
            }
            same(
                kind_of_error(&one("f32", vec![1], 4)),
                "UnknownDtype".to_owned(),
                "f32",
            )
        },
    },
    Claim {
        says: "`[]` is a scalar: one element; a 0 anywhere is an empty tensor",
        check: || {
            same(
                kind_of_error(&one("F64", vec![], 8)),
                "no error".into(),
                "a scalar of 8 bytes",
            )?;
            same(
                kind_of_error(&one("F64", vec![3, 0, 2], 0)),
                "no error".into(),
                "[3, 0, 2] of 0 bytes",
            )
        },
    },
    Claim {
        says: "`[2^63, 2, 0]` overflows, `[2^64 - 1, 0]` is an empty tensor",
        check: || {
            same(
                byte_length(Dtype::U8, &[1 << 63, 2, 0]),
                None,
                "[2^63, 2, 0]",
            )?;
            same(
                byte_length(Dtype::U8, &[u64::MAX, 0]),
                Some(0),
                "[2^64 - 1, 0]",
            )
        },
    },
    Claim {
        says: "a name (or `__metadata__`) twice in the object | `DuplicateName { name }`",
        check: || {
            let mut file = 0u64.to_le_bytes().to_vec();
            let json = br#"{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}"#;
            file[..8].copy_from_slice(&(json.len() as u64).to_le_bytes());
            file.extend_from_slice(json);
            same(
                kind_of_error(&file),
                "DuplicateName".to_owned(),
                "a name twice",
            )
        },
    },
    Claim {
        says: "`U16`, `U32`, `U64` and the two `F8` dtypes are `Unsupported { name, dtype }`",
        check: || {
            for name in ["U16", "U32", "U64", "F8_E5M2", "F8_E4M3"] {
                let size = Dtype::from_name(name).map_or(1, Dtype::size);
                let got = Reference
                    .load(&one(name, vec![1], size))
                    .err()
                    .map(|e| e.kind());
                same(got, Some("Unsupported"), name)?;
            }
            Ok(())
        },
    },
    Claim {
        says: "`BOOL` Bool, `U8` Uint8, `I8` Int8, `I16` Int16, `I32` Int, `I64` Int64, `F16` Half, `BF16` BFloat16, `F32` Float, `F64` Double",
        check: || {
            let kinds = [
                ("BOOL", Kind::Bool),
                ("U8", Kind::Uint8),
                ("I8", Kind::Int8),
                ("I16", Kind::Int16),
                ("I32", Kind::Int),
                ("I64", Kind::Int64),
                ("F16", Kind::Half),
                ("BF16", Kind::BFloat16),
                ("F32", Kind::Float),
                ("F64", Kind::Double),
            ];
            for (name, kind) in kinds {
                let size = Dtype::from_name(name).map_or(1, Dtype::size);
                let loaded = Reference
                    .load(&one(name, vec![2], 2 * size))
                    .map_err(|e| e.to_string())?;
                same(loaded[0].1.kind(), kind, name)?;
            }
            Ok(())
        },
    },
    Claim {
        says: "the JSON header padded at its end with spaces so that N is a multiple of 8",
        check: || {
            for n in 0..20 {
                let t = Tensor::from_slice(&vec![1u8; n]);
                let name = "x".repeat(n);
                let bytes = Reference
                    .save(&[(name, t)], &BTreeMap::new())
                    .map_err(|e| e.to_string())?;
                let len = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
                same(len % 8, 0, "N mod 8")?;
            }
            Ok(())
        },
    },
    Claim {
        says: "`torch.load`, `torch_evil.FloatStorage` and `torch._utils.os.system` are not on it.",
        check: || {
            for (m, n) in [
                ("torch", "load"),
                ("torch_evil", "FloatStorage"),
                ("torch._utils.os", "system"),
            ] {
                same(is_allowed(m, n), false, &format!("{m}.{n}"))?;
            }
            same(
                is_allowed("torch._utils", "_rebuild_tensor_v2"),
                true,
                "_rebuild_tensor_v2",
            )
        },
    },
    Claim {
        says: "`STRING` is a quoted Python literal with its escapes (`\\x6f\\x73` is `os`)",
        check: || {
            let stream = b"\x80\x04S'\\x6f\\x73'\nS'system'\n\x93.";
            let r = pickle::scan(stream).map_err(|e| e.to_string())?;
            same(
                (
                    r.imports[0].module.as_str(),
                    r.imports[0].name.as_str(),
                    r.safe,
                ),
                ("os", "system", false),
                "the import",
            )
        },
    },
    Claim {
        says: "As in Python, `POP` on an empty stack with a mark open discards the mark instead.",
        check: || {
            let r = pickle::scan(b"(0N.").map_err(|e| e.to_string())?;
            same(r.pickles, 1, "pickles")?;
            same(
                pickle::scan(b"0N.").is_err(),
                true,
                "POP on an empty stack with no mark",
            )
        },
    },
    Claim {
        says: "an empty stream is `Empty`",
        check: || {
            same(
                pickle::scan(b"").err(),
                Some(model_files_api::PickleError::Empty),
                "an empty stream",
            )
        },
    },
    Claim {
        says: "(Directory entries, ending in `/`, are refused too: `torch.save` writes none.)",
        check: || {
            same(is_safe_name("archive/"), false, "archive/")?;
            same(is_safe_name("archive/data/0"), true, "archive/data/0")?;
            same(is_safe_name("archive/../x"), false, "archive/../x")
        },
    },
];
