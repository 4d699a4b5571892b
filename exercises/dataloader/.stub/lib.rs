//! Your dataloader. Replace each `todo!()` with your implementation, then run
//! `mldrill check dataloader`. The statement is in `exercises/dataloader/README.md`; the
//! types and the contract of each method are in the `mldrill-spec` crate
//! (`mldrill_spec::dataloader`).

use mldrill_spec::dataloader::{Batch, DataLoader, LoaderError, PaddedBatch, ShardSpec};
use tch::Tensor;

/// The implementation the grader checks.
#[derive(Debug, Default, Clone, Copy)]
pub struct Candidate;

impl DataLoader for Candidate {
    fn batch_indices(
        &self,
        n: usize,
        batch_size: usize,
        drop_last: bool,
    ) -> Result<Vec<Vec<usize>>, LoaderError> {
        let _ = (n, batch_size, drop_last);
        todo!("task batching")
    }

    fn epoch_permutation(&self, n: usize, seed: u64, epoch: u64) -> Vec<usize> {
        let _ = (n, seed, epoch);
        todo!("task shuffle")
    }

    fn shard(&self, n: usize, spec: ShardSpec) -> Result<Vec<usize>, LoaderError> {
        let _ = (n, spec);
        todo!("task distributed")
    }

    fn collate(
        &self,
        features: &Tensor,
        labels: &Tensor,
        indices: &[usize],
    ) -> Result<Batch, LoaderError> {
        let _ = (features, labels, indices);
        todo!("task collate")
    }

    fn pad_sequences(
        &self,
        sequences: &[Tensor],
        batch_first: bool,
        padding_value: f64,
    ) -> Result<PaddedBatch, LoaderError> {
        let _ = (sequences, batch_first, padding_value);
        todo!("task sequences: padding")
    }

    fn bucket_batches(
        &self,
        lengths: &[usize],
        batch_size: usize,
        seed: u64,
        epoch: u64,
    ) -> Result<Vec<Vec<usize>>, LoaderError> {
        let _ = (lengths, batch_size, seed, epoch);
        todo!("task sequences: bucketing")
    }

    fn resume(
        &self,
        n: usize,
        batch_size: usize,
        drop_last: bool,
        seed: u64,
        epoch: u64,
        consumed: usize,
    ) -> Result<Vec<Vec<usize>>, LoaderError> {
        let _ = (n, batch_size, drop_last, seed, epoch, consumed);
        todo!("task resume")
    }
}
