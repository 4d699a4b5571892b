//! Plausible wrong implementations: each [`Flaw`] is one mistake people really make,
//! built from the reference's own steps with that one step done wrong.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use model_files_api::{
    ALLOWED_IMPORTS, ArchiveLimits, CheckpointError, CheckpointReport, Dtype, FormatError, Header,
    ModelFiles, PickleError, PickleReport, TensorInfo,
};
use serde_json::Value;
use tch::{Kind, Tensor};
use zip::ZipArchive;

use crate::reference::checkpoint::{self, find_pickle, read_capped, storages};
use crate::reference::header::{self, RawEntry, Sections, entry, layout, members, split, split_at};
use crate::reference::opcodes::{Op, Reader};
use crate::reference::pickle::{Machine, Val};
use crate::reference::tensors::{self, frame_header, loadable, sorted_entries, tensor_bytes};
use crate::reference::{Reference, pickle};

/// One mistake, named after what it does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// safetensors_header: reads the length prefix as big-endian.
    BigEndianLength,
    /// safetensors_header: checks offsets against the file's end, not the data section's,
    /// so a truncated file passes.
    OffsetsAgainstFile,
    /// safetensors_header: multiplies the shape with wrapping arithmetic.
    WrappingShapeProduct,
    /// safetensors_header: parses the JSON into a map, so a duplicate name keeps the last.
    DuplicatesLastWins,
    /// safetensors_header: checks overlaps and bounds but not gaps.
    GapsAccepted,
    /// load: loads BF16 as F16 (both are two bytes).
    Bf16AsF16,
    /// load: builds each tensor with its shape reversed (column-major thinking).
    ShapeReversed,
    /// load: trusts the offsets without validating the layout.
    LoadsUnvalidated,
    /// save: keeps the caller's order instead of sorting by name.
    UnsortedNames,
    /// save: does not pad the header, so the data section is not 8-byte aligned.
    NoPadding,
    /// save: drops the metadata.
    MetadataDropped,
    /// pickle_scan: sees `GLOBAL` but not `STACK_GLOBAL`.
    StackGlobalIgnored,
    /// pickle_scan: does not follow the memo, so an import whose strings come from memo
    /// gets is missed.
    MemoIgnored,
    /// pickle_scan: matches the allowlist by prefix, so `torch_evil` passes for `torch`.
    PrefixAllowlist,
    /// pickle_scan: allows any name from an allowed module, so `torch.load` passes.
    ModuleOnlyAllowlist,
    /// pickle_scan: stops at the first `STOP`, missing the pickles after it.
    FirstPickleOnly,
    /// pickle_scan: skips a frame's bytes instead of reading the opcodes in it.
    FrameSkipped,
    /// checkpoint_scan: rejects absolute names only, so `..` climbs out.
    TraversalAccepted,
    /// checkpoint_scan: reads data.pkl whatever its size.
    IgnoresPickleCap,
    /// checkpoint_scan: does not check the storage entries.
    StoragesUnchecked,
    /// checkpoint_scan: takes the first data.pkl it finds.
    FirstDataPkl,
}

impl Flaw {
    /// Every flaw, with the task it belongs to.
    pub const ALL: [(&'static str, Flaw); 21] = [
        ("safetensors_header", Flaw::BigEndianLength),
        ("safetensors_header", Flaw::OffsetsAgainstFile),
        ("safetensors_header", Flaw::WrappingShapeProduct),
        ("safetensors_header", Flaw::DuplicatesLastWins),
        ("safetensors_header", Flaw::GapsAccepted),
        ("load", Flaw::Bf16AsF16),
        ("load", Flaw::ShapeReversed),
        ("load", Flaw::LoadsUnvalidated),
        ("save", Flaw::UnsortedNames),
        ("save", Flaw::NoPadding),
        ("save", Flaw::MetadataDropped),
        ("pickle_scan", Flaw::StackGlobalIgnored),
        ("pickle_scan", Flaw::MemoIgnored),
        ("pickle_scan", Flaw::PrefixAllowlist),
        ("pickle_scan", Flaw::ModuleOnlyAllowlist),
        ("pickle_scan", Flaw::FirstPickleOnly),
        ("pickle_scan", Flaw::FrameSkipped),
        ("checkpoint_scan", Flaw::TraversalAccepted),
        ("checkpoint_scan", Flaw::IgnoresPickleCap),
        ("checkpoint_scan", Flaw::StoragesUnchecked),
        ("checkpoint_scan", Flaw::FirstDataPkl),
    ];
}

/// The reference with one flaw.
#[derive(Debug, Clone, Copy)]
pub struct Mutant(pub Flaw);

fn json_err(reason: impl Into<String>) -> FormatError {
    FormatError::InvalidJson {
        reason: reason.into(),
    }
}

/// The header with its JSON read into a map: duplicates silently collapse.
fn members_last_wins(
    json: &[u8],
) -> Result<(Vec<RawEntry>, BTreeMap<String, String>), FormatError> {
    let text = std::str::from_utf8(json).map_err(|_| FormatError::InvalidUtf8)?;
    if !text.starts_with('{') {
        return Err(json_err("no '{'"));
    }
    let Value::Object(map) = serde_json::from_str(text).map_err(|e| json_err(e.to_string()))?
    else {
        return Err(json_err("not an object"));
    };
    let mut metadata = BTreeMap::new();
    let mut entries = Vec::new();
    for (name, value) in map {
        if name == "__metadata__" {
            let Value::Object(m) = value else {
                return Err(json_err("metadata"));
            };
            for (k, v) in m {
                let Value::String(v) = v else {
                    return Err(json_err("metadata"));
                };
                metadata.insert(k, v);
            }
        } else {
            entries.push(RawEntry { name, value });
        }
    }
    Ok((entries, metadata))
}

fn entry_wrapping(raw: &RawEntry) -> Result<TensorInfo, FormatError> {
    let (dtype_name, shape, begin, end) = header::fields(raw)?;
    let name = raw.name.clone();
    let dtype = Dtype::from_name(dtype_name).ok_or_else(|| FormatError::UnknownDtype {
        name: name.clone(),
        dtype: dtype_name.to_owned(),
    })?;
    let expected = shape
        .iter()
        .fold(1u64, |n, &d| n.wrapping_mul(d))
        .wrapping_mul(dtype.size());
    if end < begin {
        return Err(FormatError::ReversedOffsets { name });
    }
    if end - begin != expected {
        return Err(FormatError::LengthMismatch {
            name,
            expected,
            actual: end - begin,
        });
    }
    Ok(TensorInfo {
        name,
        dtype,
        shape,
        begin,
        end,
    })
}

fn layout_without_gaps(tensors: &mut [TensorInfo], data_len: u64) -> Result<(), FormatError> {
    tensors.sort_by(|a, b| (a.begin, a.end, &a.name).cmp(&(b.begin, b.end, &b.name)));
    let mut cursor = 0;
    for t in tensors.iter() {
        if t.begin < cursor {
            return Err(FormatError::Overlap {
                name: t.name.clone(),
            });
        }
        if t.end > data_len {
            return Err(FormatError::OutOfBounds {
                name: t.name.clone(),
            });
        }
        cursor = t.end;
    }
    Ok(())
}

impl Mutant {
    fn parse(&self, file: &[u8], cap: u64) -> Result<Header, FormatError> {
        let sections: Sections = match self.0 {
            Flaw::BigEndianLength => {
                let Some((prefix, rest)) = file.split_first_chunk::<8>() else {
                    return Err(FormatError::TooShort {
                        len: file.len() as u64,
                    });
                };
                split_at(u64::from_be_bytes(*prefix), rest, cap)?
            }
            _ => split(file, cap)?,
        };
        let (entries, metadata) = match self.0 {
            Flaw::DuplicatesLastWins => members_last_wins(sections.json)?,
            _ => members(sections.json)?,
        };
        let check = match self.0 {
            Flaw::WrappingShapeProduct => entry_wrapping,
            _ => entry,
        };
        let mut tensors = entries.iter().map(check).collect::<Result<Vec<_>, _>>()?;
        match self.0 {
            Flaw::OffsetsAgainstFile => layout_without_gaps(&mut tensors, file.len() as u64)?,
            Flaw::GapsAccepted => layout_without_gaps(&mut tensors, sections.data.len() as u64)?,
            _ => layout(&mut tensors, sections.data.len() as u64)?,
        }
        Ok(Header {
            header_len: sections.header_len,
            tensors,
            metadata,
        })
    }

    fn load(&self, file: &[u8]) -> Result<Vec<(String, Tensor)>, FormatError> {
        let parsed = match self.0 {
            Flaw::LoadsUnvalidated => {
                let sections = split(file, model_files_api::DEFAULT_MAX_HEADER)?;
                let (entries, metadata) = members(sections.json)?;
                let tensors = entries.iter().map(entry).collect::<Result<Vec<_>, _>>()?;
                Header {
                    header_len: sections.header_len,
                    tensors,
                    metadata,
                }
            }
            _ => header::parse(file, model_files_api::DEFAULT_MAX_HEADER)?,
        };
        let data = &file[8 + parsed.header_len as usize..];
        let mut out = Vec::new();
        for info in parsed.tensors {
            let (mut kind, mut shape) = loadable(&info)?;
            if self.0 == Flaw::Bf16AsF16 && kind == Kind::BFloat16 {
                kind = Kind::Half;
            }
            if self.0 == Flaw::ShapeReversed {
                shape.reverse();
            }
            let bytes = &data[info.begin as usize..info.end as usize];
            out.push((info.name, Tensor::from_data_size(bytes, &shape, kind)));
        }
        Ok(out)
    }

    fn save(
        &self,
        tensors: &[(String, Tensor)],
        metadata: &BTreeMap<String, String>,
    ) -> Result<Vec<u8>, FormatError> {
        let mut entries = sorted_entries(tensors)?;
        if self.0 == Flaw::UnsortedNames {
            entries.sort_by_key(|e| tensors.iter().position(|(n, _)| n == e.0));
        }
        let mut json = String::from("{");
        let mut parts = Vec::new();
        if !metadata.is_empty() && self.0 != Flaw::MetadataDropped {
            parts.push(format!(
                "\"__metadata__\":{}",
                serde_json::to_string(metadata).expect("strings")
            ));
        }
        let mut data = Vec::new();
        for (name, dtype, tensor) in entries {
            let begin = data.len();
            data.extend_from_slice(&tensor_bytes(tensor));
            parts.push(format!(
                "{}:{{\"dtype\":\"{}\",\"shape\":{:?},\"data_offsets\":[{begin},{}]}}",
                serde_json::to_string(name).expect("a string"),
                dtype.name(),
                tensor.size(),
                data.len()
            ));
        }
        json.push_str(&parts.join(","));
        json.push('}');
        let mut out = if self.0 == Flaw::NoPadding {
            let mut out = (json.len() as u64).to_le_bytes().to_vec();
            out.extend_from_slice(json.as_bytes());
            out
        } else {
            frame_header(&json)
        };
        out.extend_from_slice(&data);
        Ok(out)
    }

    fn scan(&self, stream: &[u8]) -> Result<PickleReport, PickleError> {
        if stream.is_empty() {
            return Err(PickleError::Empty);
        }
        let mut machine = Machine::default();
        let mut reader = Reader::new(stream);
        'stream: while !reader.done() {
            machine.start_pickle();
            loop {
                let op = reader.next_op()?;
                let ops = match (self.0, op) {
                    (Flaw::StackGlobalIgnored, Op::StackGlobal) => {
                        vec![Op::Pop, Op::Pop, Op::Opaque]
                    }
                    (Flaw::MemoIgnored, Op::Get(_)) => vec![Op::Opaque],
                    (Flaw::MemoIgnored, Op::StackGlobal)
                        if !matches!(machine.top_values(2), [Val::Str(_), Val::Str(_)]) =>
                    {
                        vec![Op::Pop, Op::Pop, Op::Opaque]
                    }
                    (Flaw::FrameSkipped, Op::Frame(len)) => {
                        reader.skip(len)?;
                        vec![]
                    }
                    (_, op) => vec![op],
                };
                let mut stopped = false;
                for op in ops {
                    stopped |= machine.apply(op, &mut reader)?;
                }
                if stopped {
                    machine.pickles += 1;
                    if self.0 == Flaw::FirstPickleOnly {
                        break 'stream;
                    }
                    break;
                }
            }
        }
        let mut report = machine.report();
        let allowed: fn(&str, &str) -> bool = match self.0 {
            Flaw::PrefixAllowlist => |m, n| {
                ALLOWED_IMPORTS
                    .iter()
                    .any(|(am, an)| m.starts_with(am) && n.starts_with(an))
            },
            Flaw::ModuleOnlyAllowlist => |m, _| ALLOWED_IMPORTS.iter().any(|(am, _)| *am == m),
            _ => pickle::is_allowed,
        };
        report.safe = report.imports.iter().all(|i| allowed(&i.module, &i.name));
        Ok(report)
    }

    fn scan_checkpoint(
        &self,
        archive: &[u8],
        limits: &ArchiveLimits,
    ) -> Result<CheckpointReport, CheckpointError> {
        let mut zip = match self.0 {
            Flaw::TraversalAccepted => {
                let zip = ZipArchive::new(Cursor::new(archive)).map_err(|e| {
                    CheckpointError::NotAZip {
                        reason: e.to_string(),
                    }
                })?;
                if zip.len() as u64 > limits.max_entries {
                    return Err(CheckpointError::TooManyEntries {
                        count: zip.len() as u64,
                        max: limits.max_entries,
                    });
                }
                if let Some(name) = zip.file_names().find(|n| n.starts_with('/')) {
                    return Err(CheckpointError::UnsafePath {
                        name: name.to_owned(),
                    });
                }
                zip
            }
            _ => checkpoint::open(archive, limits)?,
        };
        let (prefix, name) = match self.0 {
            Flaw::FirstDataPkl => {
                let name = zip
                    .file_names()
                    .find(|n| n.split('/').count() == 2 && n.ends_with("/data.pkl"))
                    .ok_or(CheckpointError::NoPickle)?
                    .to_owned();
                let prefix = name.split('/').next().unwrap_or_default().to_owned();
                (prefix, name)
            }
            _ => find_pickle(&zip)?,
        };
        let bytes = match self.0 {
            Flaw::IgnoresPickleCap => {
                let mut bytes = Vec::new();
                zip.by_name(&name)
                    .map_err(|e| CheckpointError::NotAZip {
                        reason: e.to_string(),
                    })?
                    .read_to_end(&mut bytes)
                    .map_err(|e| CheckpointError::NotAZip {
                        reason: e.to_string(),
                    })?;
                bytes
            }
            _ => read_capped(&mut zip, &name, limits.max_pickle_bytes)?,
        };
        let report = pickle::scan(&bytes)?;
        let storages = match self.0 {
            Flaw::StoragesUnchecked => report
                .storages
                .iter()
                .map(|s| model_files_api::CheckpointStorage {
                    key: s.key.clone(),
                    dtype: checkpoint::STORAGE_TYPES
                        .iter()
                        .find(|(t, _)| *t == s.storage_type)
                        .map_or(Dtype::U8, |&(_, d)| d),
                    numel: s.numel,
                    stored_bytes: zip
                        .by_name(&format!("{prefix}/data/{}", s.key))
                        .map_or(0, |e| e.size()),
                })
                .collect(),
            _ => storages(&mut zip, &prefix, &report.storages)?,
        };
        Ok(CheckpointReport {
            prefix,
            pickle: report,
            storages,
        })
    }
}

impl ModelFiles for Mutant {
    fn parse_header(&self, file: &[u8], max_header_len: u64) -> Result<Header, FormatError> {
        self.parse(file, max_header_len)
    }

    fn load(&self, file: &[u8]) -> Result<Vec<(String, Tensor)>, FormatError> {
        match self.0 {
            Flaw::Bf16AsF16 | Flaw::ShapeReversed | Flaw::LoadsUnvalidated => {
                Mutant::load(self, file)
            }
            _ => tensors::load(file),
        }
    }

    fn save(
        &self,
        tensors: &[(String, Tensor)],
        metadata: &BTreeMap<String, String>,
    ) -> Result<Vec<u8>, FormatError> {
        match self.0 {
            Flaw::UnsortedNames | Flaw::NoPadding | Flaw::MetadataDropped => {
                Mutant::save(self, tensors, metadata)
            }
            _ => tensors::save(tensors, metadata),
        }
    }

    fn scan_pickle(&self, stream: &[u8]) -> Result<PickleReport, PickleError> {
        self.scan(stream)
    }

    fn scan_checkpoint(
        &self,
        archive: &[u8],
        limits: &ArchiveLimits,
    ) -> Result<CheckpointReport, CheckpointError> {
        match self.0 {
            Flaw::TraversalAccepted
            | Flaw::IgnoresPickleCap
            | Flaw::StoragesUnchecked
            | Flaw::FirstDataPkl => Mutant::scan_checkpoint(self, archive, limits),
            _ => Reference.scan_checkpoint(archive, limits),
        }
    }
}
