//! The model-files exercise's contract: parse, load and save safetensors files, and scan
//! PyTorch pickles and zip checkpoints for imports that would run code, without running
//! them. Every input is hostile: a malformed file is an error, never a panic, and nothing
//! is allocated in proportion to a number read from the file before the file has shown
//! that it holds that many bytes.

pub mod checkpoint;
pub mod pickle;
pub mod safetensors;

use std::collections::BTreeMap;

use tch::Tensor;

pub use checkpoint::{ArchiveLimits, CheckpointError, CheckpointReport, CheckpointStorage};
pub use pickle::{ALLOWED_IMPORTS, Import, PickleError, PickleReport, StorageRef};
pub use safetensors::{DEFAULT_MAX_HEADER, Dtype, FormatError, Header, TensorInfo};

/// Reads and writes model files. Each method is one task of the exercise.
pub trait ModelFiles {
    /// Task `safetensors_header`: the header of a safetensors file, fully validated
    /// against the data section that follows it. `max_header_len` caps the header's
    /// declared length.
    fn parse_header(&self, file: &[u8], max_header_len: u64) -> Result<Header, FormatError>;

    /// Task `load`: every tensor of a safetensors file, in the order of the header's
    /// tensors (by data offset), as CPU tensors of the file's dtype and shape. The header
    /// is validated as [`ModelFiles::parse_header`] does with [`DEFAULT_MAX_HEADER`].
    fn load(&self, file: &[u8]) -> Result<Vec<(String, Tensor)>, FormatError>;

    /// Task `save`: the safetensors file holding `tensors` and `metadata`: names sorted,
    /// data laid out in that order, the header padded with spaces so that the data
    /// section starts at a multiple of 8 bytes.
    fn save(
        &self,
        tensors: &[(String, Tensor)],
        metadata: &BTreeMap<String, String>,
    ) -> Result<Vec<u8>, FormatError>;

    /// Task `pickle_scan`: every import a pickle stream would make, without running it.
    fn scan_pickle(&self, stream: &[u8]) -> Result<PickleReport, PickleError>;

    /// Task `checkpoint_scan`: open a PyTorch zip checkpoint, scan its `data.pkl` and
    /// check the storages it refers to, within `limits`.
    fn scan_checkpoint(
        &self,
        archive: &[u8],
        limits: &ArchiveLimits,
    ) -> Result<CheckpointReport, CheckpointError>;
}

/// The `__metadata__` map of a file: free-form strings.
pub type Metadata = BTreeMap<String, String>;
