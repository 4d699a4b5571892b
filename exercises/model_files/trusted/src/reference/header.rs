//! The safetensors header, validated in four steps that each own a class of fault: the
//! length prefix, the JSON, each entry on its own, and the layout of all entries over
//! the data section.

use std::collections::BTreeMap;
use std::fmt;

use model_files_api::{Dtype, FormatError, Header, TensorInfo};
use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::Value;

/// The three parts of a file once its length prefix is read.
pub struct Sections<'a> {
    pub header_len: u64,
    pub json: &'a [u8],
    pub data: &'a [u8],
}

/// Step 1: the little-endian length prefix, checked against the cap and the file before
/// anything is sliced.
pub fn split(file: &[u8], cap: u64) -> Result<Sections<'_>, FormatError> {
    let Some((prefix, rest)) = file.split_first_chunk::<8>() else {
        return Err(FormatError::TooShort {
            len: file.len() as u64,
        });
    };
    let len = u64::from_le_bytes(*prefix);
    split_at(len, rest, cap)
}

/// Slices `rest` into header and data once `len` is known to fit the cap and the file.
pub fn split_at(len: u64, rest: &[u8], cap: u64) -> Result<Sections<'_>, FormatError> {
    if len > cap {
        return Err(FormatError::HeaderTooLarge { len, cap });
    }
    let available = rest.len() as u64;
    if len > available {
        return Err(FormatError::HeaderBeyondFile { len, available });
    }
    let (json, data) = rest.split_at(len as usize);
    Ok(Sections {
        header_len: len,
        json,
        data,
    })
}

/// One entry as the JSON holds it, before its values are checked.
pub struct RawEntry {
    pub name: String,
    pub value: Value,
}

/// The JSON object's members in file order, duplicates kept (a JSON map would silently
/// keep only the last).
struct Members(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Collect;
        impl<'de> Visitor<'de> for Collect {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, Value>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(Collect)
    }
}

fn invalid(reason: impl Into<String>) -> FormatError {
    FormatError::InvalidJson {
        reason: reason.into(),
    }
}

/// Step 2: UTF-8, a JSON object that starts with `{`, no name twice, and a
/// `__metadata__` of strings. Returns the tensor entries in file order.
pub fn members(json: &[u8]) -> Result<(Vec<RawEntry>, BTreeMap<String, String>), FormatError> {
    let text = std::str::from_utf8(json).map_err(|_| FormatError::InvalidUtf8)?;
    if !text.starts_with('{') {
        return Err(invalid("the header does not start with '{'"));
    }
    let Members(members) = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
    let mut seen = std::collections::HashSet::new();
    if let Some((name, _)) = members.iter().find(|(name, _)| !seen.insert(name.as_str())) {
        return Err(FormatError::DuplicateName { name: name.clone() });
    }
    let mut metadata = BTreeMap::new();
    let mut entries = Vec::with_capacity(members.len());
    for (name, value) in members {
        if name == "__metadata__" {
            metadata = metadata_strings(value)?;
        } else {
            entries.push(RawEntry { name, value });
        }
    }
    Ok((entries, metadata))
}

fn metadata_strings(value: Value) -> Result<BTreeMap<String, String>, FormatError> {
    let Value::Object(map) = value else {
        return Err(invalid("__metadata__ is not an object"));
    };
    map.into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k, s)),
            _ => Err(invalid(format!("__metadata__ value {k:?} is not a string"))),
        })
        .collect()
}

fn u64_of(value: &Value, what: &str, name: &str) -> Result<u64, FormatError> {
    value
        .as_u64()
        .ok_or_else(|| invalid(format!("{what} of {name:?} is not a non-negative integer")))
}

/// The entry's fields, structurally checked: `dtype` a string, `shape` an array of
/// integers, `data_offsets` an array of two integers. Other fields are ignored.
pub fn fields(entry: &RawEntry) -> Result<(&str, Vec<u64>, u64, u64), FormatError> {
    let name = entry.name.as_str();
    let Value::Object(map) = &entry.value else {
        return Err(invalid(format!("entry {name:?} is not an object")));
    };
    let dtype = map
        .get("dtype")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("entry {name:?} has no string dtype")))?;
    let shape = map
        .get("shape")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid(format!("entry {name:?} has no shape array")))?
        .iter()
        .map(|d| u64_of(d, "a shape dimension", name))
        .collect::<Result<Vec<u64>, _>>()?;
    let offsets = map
        .get("data_offsets")
        .and_then(Value::as_array)
        .filter(|o| o.len() == 2)
        .ok_or_else(|| invalid(format!("entry {name:?} has no data_offsets pair")))?;
    let begin = u64_of(&offsets[0], "data_offsets[0]", name)?;
    let end = u64_of(&offsets[1], "data_offsets[1]", name)?;
    Ok((dtype, shape, begin, end))
}

/// The byte length a dtype and shape need, `None` when it overflows 64 bits.
pub fn byte_length(dtype: Dtype, shape: &[u64]) -> Option<u64> {
    shape
        .iter()
        .try_fold(1u64, |n, &d| n.checked_mul(d))?
        .checked_mul(dtype.size())
}

/// Step 3: one entry on its own: structure, dtype, the checked byte length, ordered
/// offsets spanning exactly that length.
pub fn entry(raw: &RawEntry) -> Result<TensorInfo, FormatError> {
    let (dtype_name, shape, begin, end) = fields(raw)?;
    let name = raw.name.clone();
    let Some(dtype) = Dtype::from_name(dtype_name) else {
        return Err(FormatError::UnknownDtype {
            name,
            dtype: dtype_name.to_owned(),
        });
    };
    let Some(expected) = byte_length(dtype, &shape) else {
        return Err(FormatError::ShapeOverflow { name });
    };
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

/// Step 4: sorted by `(begin, end, name)`, the tensors tile the data section exactly:
/// the first reported of a gap, an overlap or a tensor past the end.
pub fn layout(tensors: &mut [TensorInfo], data_len: u64) -> Result<(), FormatError> {
    tensors.sort_by(|a, b| (a.begin, a.end, &a.name).cmp(&(b.begin, b.end, &b.name)));
    let mut cursor = 0u64;
    for t in tensors.iter() {
        if t.begin > cursor {
            return Err(FormatError::Gap { offset: cursor });
        }
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
    if cursor < data_len {
        return Err(FormatError::Gap { offset: cursor });
    }
    Ok(())
}

/// The whole header: the four steps in order.
pub fn parse(file: &[u8], cap: u64) -> Result<Header, FormatError> {
    let sections = split(file, cap)?;
    let (entries, metadata) = members(sections.json)?;
    let mut tensors = entries.iter().map(entry).collect::<Result<Vec<_>, _>>()?;
    layout(&mut tensors, sections.data.len() as u64)?;
    Ok(Header {
        header_len: sections.header_len,
        tensors,
        metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_header_padded_with_spaces_parses() {
        let mut file = 8u64.to_le_bytes().to_vec();
        file.extend_from_slice(b"{}      ");
        let h = parse(&file, 100).unwrap();
        assert!(h.tensors.is_empty() && h.metadata.is_empty());
    }
}
