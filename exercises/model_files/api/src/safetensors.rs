//! The safetensors format's types: dtypes, a parsed header, and one error per way a file
//! can be wrong.

use std::collections::BTreeMap;

use thiserror::Error;

/// The header cap [`crate::ModelFiles::load`] applies: 100 MB, the `safetensors` crate's.
pub const DEFAULT_MAX_HEADER: u64 = 100_000_000;

/// An element type, as the header names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dtype {
    Bool,
    U8,
    I8,
    F8E5M2,
    F8E4M3,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    F64,
    I64,
    U64,
}

impl Dtype {
    /// Every dtype.
    pub const ALL: [Dtype; 15] = [
        Dtype::Bool,
        Dtype::U8,
        Dtype::I8,
        Dtype::F8E5M2,
        Dtype::F8E4M3,
        Dtype::I16,
        Dtype::U16,
        Dtype::F16,
        Dtype::BF16,
        Dtype::I32,
        Dtype::U32,
        Dtype::F32,
        Dtype::F64,
        Dtype::I64,
        Dtype::U64,
    ];

    /// The name in a header: `"BOOL"`, `"F8_E5M2"`, `"BF16"`, ...
    pub fn name(self) -> &'static str {
        match self {
            Dtype::Bool => "BOOL",
            Dtype::U8 => "U8",
            Dtype::I8 => "I8",
            Dtype::F8E5M2 => "F8_E5M2",
            Dtype::F8E4M3 => "F8_E4M3",
            Dtype::I16 => "I16",
            Dtype::U16 => "U16",
            Dtype::F16 => "F16",
            Dtype::BF16 => "BF16",
            Dtype::I32 => "I32",
            Dtype::U32 => "U32",
            Dtype::F32 => "F32",
            Dtype::F64 => "F64",
            Dtype::I64 => "I64",
            Dtype::U64 => "U64",
        }
    }

    /// The dtype a header names, exactly (names are case-sensitive).
    pub fn from_name(name: &str) -> Option<Dtype> {
        Dtype::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Bytes per element.
    pub fn size(self) -> u64 {
        match self {
            Dtype::Bool | Dtype::U8 | Dtype::I8 | Dtype::F8E5M2 | Dtype::F8E4M3 => 1,
            Dtype::I16 | Dtype::U16 | Dtype::F16 | Dtype::BF16 => 2,
            Dtype::I32 | Dtype::U32 | Dtype::F32 => 4,
            Dtype::F64 | Dtype::I64 | Dtype::U64 => 8,
        }
    }
}

/// One tensor's entry in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo {
    pub name: String,
    pub dtype: Dtype,
    pub shape: Vec<u64>,
    /// `data_offsets[0]`: where its bytes begin, relative to the data section.
    pub begin: u64,
    /// `data_offsets[1]`: one past its last byte.
    pub end: u64,
}

/// A validated header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The header's length N from the first 8 bytes; the data section starts at `8 + N`.
    pub header_len: u64,
    /// The tensors, by `(begin, end, name)`: the order of their data.
    pub tensors: Vec<TensorInfo>,
    /// The `__metadata__` map; empty when there is none.
    pub metadata: BTreeMap<String, String>,
}

/// Why a safetensors file (or a request to write one) is refused. When a file has several
/// faults, the statement says which one is reported.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FormatError {
    #[error("the file has {len} bytes, fewer than the 8 of the header's length")]
    TooShort { len: u64 },
    #[error("the header declares {len} bytes, more than the cap of {cap}")]
    HeaderTooLarge { len: u64, cap: u64 },
    #[error("the header declares {len} bytes, but only {available} follow the length")]
    HeaderBeyondFile { len: u64, available: u64 },
    #[error("the header is not valid UTF-8")]
    InvalidUtf8,
    #[error("the header is not the expected JSON: {reason}")]
    InvalidJson { reason: String },
    #[error("tensor {name:?} appears twice in the header")]
    DuplicateName { name: String },
    #[error("tensor {name:?} has an unknown dtype {dtype:?}")]
    UnknownDtype { name: String, dtype: String },
    #[error("the byte length of tensor {name:?} overflows 64 bits")]
    ShapeOverflow { name: String },
    #[error("tensor {name:?} ends before it begins")]
    ReversedOffsets { name: String },
    #[error("tensor {name:?} needs {expected} bytes but its offsets span {actual}")]
    LengthMismatch {
        name: String,
        expected: u64,
        actual: u64,
    },
    #[error("bytes from offset {offset} of the data section belong to no tensor")]
    Gap { offset: u64 },
    #[error("tensor {name:?} overlaps the tensor before it")]
    Overlap { name: String },
    #[error("tensor {name:?} ends beyond the data section")]
    OutOfBounds { name: String },
    #[error("tensor {name:?} has dtype {dtype}, which this operation does not support")]
    Unsupported { name: String, dtype: String },
    #[error("{name:?} cannot name a tensor")]
    InvalidName { name: String },
}

impl FormatError {
    /// The variant's name, for comparing errors by kind: `"Gap"`, `"Overlap"`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            FormatError::TooShort { .. } => "TooShort",
            FormatError::HeaderTooLarge { .. } => "HeaderTooLarge",
            FormatError::HeaderBeyondFile { .. } => "HeaderBeyondFile",
            FormatError::InvalidUtf8 => "InvalidUtf8",
            FormatError::InvalidJson { .. } => "InvalidJson",
            FormatError::DuplicateName { .. } => "DuplicateName",
            FormatError::UnknownDtype { .. } => "UnknownDtype",
            FormatError::ShapeOverflow { .. } => "ShapeOverflow",
            FormatError::ReversedOffsets { .. } => "ReversedOffsets",
            FormatError::LengthMismatch { .. } => "LengthMismatch",
            FormatError::Gap { .. } => "Gap",
            FormatError::Overlap { .. } => "Overlap",
            FormatError::OutOfBounds { .. } => "OutOfBounds",
            FormatError::Unsupported { .. } => "Unsupported",
            FormatError::InvalidName { .. } => "InvalidName",
        }
    }
}
