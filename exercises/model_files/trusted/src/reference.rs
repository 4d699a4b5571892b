//! The reference solution of the model-files exercise.

pub mod checkpoint;
pub mod header;
pub mod opcodes;
pub mod pickle;
pub mod tensors;

use std::collections::BTreeMap;

use model_files_api::{
    ArchiveLimits, CheckpointError, CheckpointReport, FormatError, Header, ModelFiles, PickleError,
    PickleReport,
};
use tch::Tensor;

/// The reference implementation.
#[derive(Debug, Default, Clone, Copy)]
pub struct Reference;

impl ModelFiles for Reference {
    fn parse_header(&self, file: &[u8], max_header_len: u64) -> Result<Header, FormatError> {
        header::parse(file, max_header_len)
    }

    fn load(&self, file: &[u8]) -> Result<Vec<(String, Tensor)>, FormatError> {
        tensors::load(file)
    }

    fn save(
        &self,
        tensors: &[(String, Tensor)],
        metadata: &BTreeMap<String, String>,
    ) -> Result<Vec<u8>, FormatError> {
        tensors::save(tensors, metadata)
    }

    fn scan_pickle(&self, stream: &[u8]) -> Result<PickleReport, PickleError> {
        pickle::scan(stream)
    }

    fn scan_checkpoint(
        &self,
        archive: &[u8],
        limits: &ArchiveLimits,
    ) -> Result<CheckpointReport, CheckpointError> {
        checkpoint::scan(archive, limits)
    }
}
