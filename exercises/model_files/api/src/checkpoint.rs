//! What a checkpoint scan reports, the limits it works within, and why an archive is
//! refused.

use thiserror::Error;

use crate::pickle::{PickleError, PickleReport};
use crate::safetensors::Dtype;

/// The bounds a scan of an untrusted archive stays within.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// The most entries the archive may list.
    pub max_entries: u64,
    /// The most bytes `data.pkl` may hold once decompressed, whatever its entry declares.
    pub max_pickle_bytes: u64,
}

/// One storage of the checkpoint, checked against its archive entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointStorage {
    pub key: String,
    pub dtype: Dtype,
    pub numel: u64,
    /// The uncompressed size of `<prefix>/data/<key>`.
    pub stored_bytes: u64,
}

/// A scanned checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointReport {
    /// The archive's top folder: `archive` in `archive/data.pkl`.
    pub prefix: String,
    /// The scan of `<prefix>/data.pkl`.
    pub pickle: PickleReport,
    /// The pickle's storages, in its order.
    pub storages: Vec<CheckpointStorage>,
}

/// Why a checkpoint is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckpointError {
    #[error("not a zip archive: {reason}")]
    NotAZip { reason: String },
    #[error("the archive lists {count} entries, more than {max}")]
    TooManyEntries { count: u64, max: u64 },
    #[error("entry name {name:?} is not a safe relative path")]
    UnsafePath { name: String },
    #[error("no <prefix>/data.pkl in the archive")]
    NoPickle,
    #[error("more than one data.pkl: {first:?} and {second:?}")]
    SeveralPickles { first: String, second: String },
    #[error("data.pkl holds more than {max} bytes")]
    PickleTooLarge { max: u64 },
    #[error("data.pkl: {0}")]
    Pickle(#[from] PickleError),
    #[error("storage {key:?} has no entry <prefix>/data/{key}")]
    MissingStorage { key: String },
    #[error("storage {key:?} is of unknown type {storage_type:?}")]
    UnknownStorageType { key: String, storage_type: String },
    #[error("storage {key:?} needs {expected} bytes but its entry holds {actual}")]
    ShortStorage {
        key: String,
        expected: u64,
        actual: u64,
    },
}

impl CheckpointError {
    /// The variant's name, for comparing errors by kind.
    pub fn kind(&self) -> &'static str {
        match self {
            CheckpointError::NotAZip { .. } => "NotAZip",
            CheckpointError::TooManyEntries { .. } => "TooManyEntries",
            CheckpointError::UnsafePath { .. } => "UnsafePath",
            CheckpointError::NoPickle => "NoPickle",
            CheckpointError::SeveralPickles { .. } => "SeveralPickles",
            CheckpointError::PickleTooLarge { .. } => "PickleTooLarge",
            CheckpointError::Pickle(_) => "Pickle",
            CheckpointError::MissingStorage { .. } => "MissingStorage",
            CheckpointError::UnknownStorageType { .. } => "UnknownStorageType",
            CheckpointError::ShortStorage { .. } => "ShortStorage",
        }
    }
}
