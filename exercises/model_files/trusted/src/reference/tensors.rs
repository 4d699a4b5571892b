//! Tensors in and out of safetensors files: the dtype each tch kind maps to, loading a
//! validated file with one copy per tensor, and writing a deterministic file.

use std::collections::BTreeMap;

use model_files_api::{DEFAULT_MAX_HEADER, Dtype, FormatError, TensorInfo};
use serde_json::{Map, Value, json};
use tch::{Device, Kind, Tensor};

use super::header;

/// The tch kind a dtype loads as; `None` for the dtypes tch cannot hold here (the
/// unsigned 16-, 32- and 64-bit integers and the 8-bit floats).
pub fn kind_of(dtype: Dtype) -> Option<Kind> {
    Some(match dtype {
        Dtype::Bool => Kind::Bool,
        Dtype::U8 => Kind::Uint8,
        Dtype::I8 => Kind::Int8,
        Dtype::I16 => Kind::Int16,
        Dtype::I32 => Kind::Int,
        Dtype::I64 => Kind::Int64,
        Dtype::F16 => Kind::Half,
        Dtype::BF16 => Kind::BFloat16,
        Dtype::F32 => Kind::Float,
        Dtype::F64 => Kind::Double,
        Dtype::U16 | Dtype::U32 | Dtype::U64 | Dtype::F8E5M2 | Dtype::F8E4M3 => return None,
    })
}

/// The dtype a tch kind saves as; `None` for kinds safetensors has no dtype for.
pub fn dtype_of(kind: Kind) -> Option<Dtype> {
    Dtype::ALL.into_iter().find(|&d| kind_of(d) == Some(kind))
}

/// The kind and the `i64` shape of a tensor, checked before any tensor is built.
pub fn loadable(info: &TensorInfo) -> Result<(Kind, Vec<i64>), FormatError> {
    let unsupported = || FormatError::Unsupported {
        name: info.name.clone(),
        dtype: info.dtype.name().to_owned(),
    };
    let kind = kind_of(info.dtype).ok_or_else(unsupported)?;
    let shape = info
        .shape
        .iter()
        .map(|&d| i64::try_from(d).map_err(|_| unsupported()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((kind, shape))
}

/// Every tensor of a valid file, in header order: validated first, then each tensor's
/// bytes copied once, straight from the file into the tensor.
pub fn load(file: &[u8]) -> Result<Vec<(String, Tensor)>, FormatError> {
    let parsed = header::parse(file, DEFAULT_MAX_HEADER)?;
    let data = &file[8 + parsed.header_len as usize..];
    let plans = parsed
        .tensors
        .iter()
        .map(loadable)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(parsed
        .tensors
        .into_iter()
        .zip(plans)
        .map(|(info, (kind, shape))| {
            let bytes = &data[info.begin as usize..info.end as usize];
            (info.name, Tensor::from_data_size(bytes, &shape, kind))
        })
        .collect())
}

/// A tensor's elements as little-endian bytes in row-major order, whatever its strides
/// or device.
pub fn tensor_bytes(tensor: &Tensor) -> Vec<u8> {
    let tensor = tensor.to_device(Device::Cpu).contiguous();
    let numel = tensor.numel();
    let mut bytes = vec![0u8; numel * tensor.kind().elt_size_in_bytes()];
    tensor.copy_data_u8(&mut bytes, numel);
    bytes
}

/// The names, checked and sorted by their UTF-8 bytes, with each tensor's dtype.
pub fn sorted_entries(
    tensors: &[(String, Tensor)],
) -> Result<Vec<(&str, Dtype, &Tensor)>, FormatError> {
    let mut entries = Vec::with_capacity(tensors.len());
    for (name, tensor) in tensors {
        if name == "__metadata__" {
            return Err(FormatError::InvalidName { name: name.clone() });
        }
        let dtype = dtype_of(tensor.kind()).ok_or_else(|| FormatError::Unsupported {
            name: name.clone(),
            dtype: format!("{:?}", tensor.kind()),
        })?;
        entries.push((name.as_str(), dtype, tensor));
    }
    entries.sort_by(|a, b| a.0.cmp(b.0));
    if let Some(w) = entries.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(FormatError::DuplicateName {
            name: w[0].0.to_owned(),
        });
    }
    Ok(entries)
}

/// Appends the length prefix and `json` padded with spaces to a multiple of 8 bytes.
pub fn frame_header(json: &str) -> Vec<u8> {
    let mut header = json.as_bytes().to_vec();
    header.resize(header.len().div_ceil(8) * 8, b' ');
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&header);
    out
}

/// A deterministic file: names sorted, data in that order, header padded so that the
/// data section is 8-byte aligned.
pub fn save(
    tensors: &[(String, Tensor)],
    metadata: &BTreeMap<String, String>,
) -> Result<Vec<u8>, FormatError> {
    let entries = sorted_entries(tensors)?;
    let mut json = Map::new();
    if !metadata.is_empty() {
        json.insert("__metadata__".into(), json!(metadata));
    }
    let mut data = Vec::new();
    for (name, dtype, tensor) in entries {
        let begin = data.len() as u64;
        data.extend_from_slice(&tensor_bytes(tensor));
        json.insert(
            name.to_owned(),
            json!({"dtype": dtype.name(), "shape": tensor.size(), "data_offsets": [begin, data.len() as u64]}),
        );
    }
    let mut out = frame_header(&Value::Object(json).to_string());
    out.extend_from_slice(&data);
    Ok(out)
}
