//! The api's types as they cross the pipe: serde mirrors of its errors, and plain
//! structs for its reports, whose dtype names are checked when they come back.

use std::collections::BTreeMap;

use model_files_api::{
    ArchiveLimits, CheckpointError, CheckpointReport, CheckpointStorage, Dtype, FormatError,
    Header, Import, PickleError, PickleReport, StorageRef, TensorInfo,
};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
#[serde(remote = "FormatError")]
pub enum FormatErrorDef {
    TooShort {
        len: u64,
    },
    HeaderTooLarge {
        len: u64,
        cap: u64,
    },
    HeaderBeyondFile {
        len: u64,
        available: u64,
    },
    InvalidUtf8,
    InvalidJson {
        reason: String,
    },
    DuplicateName {
        name: String,
    },
    UnknownDtype {
        name: String,
        dtype: String,
    },
    ShapeOverflow {
        name: String,
    },
    ReversedOffsets {
        name: String,
    },
    LengthMismatch {
        name: String,
        expected: u64,
        actual: u64,
    },
    Gap {
        offset: u64,
    },
    Overlap {
        name: String,
    },
    OutOfBounds {
        name: String,
    },
    Unsupported {
        name: String,
        dtype: String,
    },
    InvalidName {
        name: String,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "PickleError")]
pub enum PickleErrorDef {
    Empty,
    Truncated { at: u64 },
    UnknownOpcode { at: u64, opcode: u8 },
    Malformed { at: u64, reason: String },
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "CheckpointError")]
pub enum CheckpointErrorDef {
    NotAZip {
        reason: String,
    },
    TooManyEntries {
        count: u64,
        max: u64,
    },
    UnsafePath {
        name: String,
    },
    NoPickle,
    SeveralPickles {
        first: String,
        second: String,
    },
    PickleTooLarge {
        max: u64,
    },
    Pickle(#[serde(with = "PickleErrorDef")] PickleError),
    MissingStorage {
        key: String,
    },
    UnknownStorageType {
        key: String,
        storage_type: String,
    },
    ShortStorage {
        key: String,
        expected: u64,
        actual: u64,
    },
}

fn dtype(name: &str) -> Result<Dtype, String> {
    Dtype::from_name(name).ok_or_else(|| format!("unknown dtype {name:?} in a reply"))
}

/// [`TensorInfo`] with its dtype by name.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireTensorInfo {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<u64>,
    pub begin: u64,
    pub end: u64,
}

/// [`Header`] on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireHeader {
    pub header_len: u64,
    pub tensors: Vec<WireTensorInfo>,
    pub metadata: BTreeMap<String, String>,
}

impl From<Header> for WireHeader {
    fn from(h: Header) -> Self {
        Self {
            header_len: h.header_len,
            tensors: h
                .tensors
                .into_iter()
                .map(|t| WireTensorInfo {
                    name: t.name,
                    dtype: t.dtype.name().to_owned(),
                    shape: t.shape,
                    begin: t.begin,
                    end: t.end,
                })
                .collect(),
            metadata: h.metadata,
        }
    }
}

impl WireHeader {
    /// The header, once every dtype name is known.
    pub fn into_header(self) -> Result<Header, String> {
        Ok(Header {
            header_len: self.header_len,
            tensors: self
                .tensors
                .into_iter()
                .map(|t| {
                    Ok(TensorInfo {
                        dtype: dtype(&t.dtype)?,
                        name: t.name,
                        shape: t.shape,
                        begin: t.begin,
                        end: t.end,
                    })
                })
                .collect::<Result<_, String>>()?,
            metadata: self.metadata,
        })
    }
}

/// [`Import`] on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireImport {
    pub module: String,
    pub name: String,
    pub called: bool,
}

/// [`StorageRef`] on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireStorageRef {
    pub storage_type: String,
    pub key: String,
    pub location: String,
    pub numel: u64,
}

/// [`PickleReport`] on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WirePickle {
    pub imports: Vec<WireImport>,
    pub storages: Vec<WireStorageRef>,
    pub pickles: u64,
    pub safe: bool,
}

impl From<PickleReport> for WirePickle {
    fn from(r: PickleReport) -> Self {
        Self {
            imports: r
                .imports
                .into_iter()
                .map(|i| WireImport {
                    module: i.module,
                    name: i.name,
                    called: i.called,
                })
                .collect(),
            storages: r
                .storages
                .into_iter()
                .map(|s| WireStorageRef {
                    storage_type: s.storage_type,
                    key: s.key,
                    location: s.location,
                    numel: s.numel,
                })
                .collect(),
            pickles: r.pickles as u64,
            safe: r.safe,
        }
    }
}

impl From<WirePickle> for PickleReport {
    fn from(r: WirePickle) -> Self {
        Self {
            imports: r
                .imports
                .into_iter()
                .map(|i| Import {
                    module: i.module,
                    name: i.name,
                    called: i.called,
                })
                .collect(),
            storages: r
                .storages
                .into_iter()
                .map(|s| StorageRef {
                    storage_type: s.storage_type,
                    key: s.key,
                    location: s.location,
                    numel: s.numel,
                })
                .collect(),
            pickles: usize::try_from(r.pickles).unwrap_or(usize::MAX),
            safe: r.safe,
        }
    }
}

/// [`CheckpointStorage`] on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireStorage {
    pub key: String,
    pub dtype: String,
    pub numel: u64,
    pub stored_bytes: u64,
}

/// [`CheckpointReport`] on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireCheckpoint {
    pub prefix: String,
    pub pickle: WirePickle,
    pub storages: Vec<WireStorage>,
}

impl From<CheckpointReport> for WireCheckpoint {
    fn from(r: CheckpointReport) -> Self {
        Self {
            prefix: r.prefix,
            pickle: r.pickle.into(),
            storages: r
                .storages
                .into_iter()
                .map(|s| WireStorage {
                    key: s.key,
                    dtype: s.dtype.name().to_owned(),
                    numel: s.numel,
                    stored_bytes: s.stored_bytes,
                })
                .collect(),
        }
    }
}

impl WireCheckpoint {
    /// The report, once every dtype name is known.
    pub fn into_report(self) -> Result<CheckpointReport, String> {
        Ok(CheckpointReport {
            prefix: self.prefix,
            pickle: self.pickle.into(),
            storages: self
                .storages
                .into_iter()
                .map(|s| {
                    Ok(CheckpointStorage {
                        dtype: dtype(&s.dtype)?,
                        key: s.key,
                        numel: s.numel,
                        stored_bytes: s.stored_bytes,
                    })
                })
                .collect::<Result<_, String>>()?,
        })
    }
}

/// [`ArchiveLimits`] on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireLimits {
    pub max_entries: u64,
    pub max_pickle_bytes: u64,
}

impl From<ArchiveLimits> for WireLimits {
    fn from(l: ArchiveLimits) -> Self {
        Self {
            max_entries: l.max_entries,
            max_pickle_bytes: l.max_pickle_bytes,
        }
    }
}

impl From<WireLimits> for ArchiveLimits {
    fn from(l: WireLimits) -> Self {
        Self {
            max_entries: l.max_entries,
            max_pickle_bytes: l.max_pickle_bytes,
        }
    }
}
