//! The dataloader exercise's API: index batching, shuffling across epochs, distributed
//! sharding, collation of tensors, variable-length sequences, and mid-epoch resume.
//!
//! Semantics follow PyTorch's `torch.utils.data` (BatchSampler, DistributedSampler,
//! `pad_sequence`) except where a method's documentation says otherwise.

use tch::Tensor;

/// What went wrong, for inputs a well-behaved loader must reject rather than panic on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoaderError {
    /// `batch_size` was 0.
    #[error("batch_size must be at least 1")]
    InvalidBatchSize,
    /// `num_replicas` was 0 or `rank >= num_replicas`.
    #[error("rank {rank} is outside [0, {num_replicas})")]
    InvalidRank { rank: usize, num_replicas: usize },
    /// Features and labels disagree on the number of samples, or labels are not 1-D, or
    /// `features` has no sample dimension.
    #[error("features have {features} samples but labels have {labels}")]
    ShapeMismatch { features: i64, labels: i64 },
    /// An index in the batch is not a valid sample index.
    #[error("index {index} is out of range for {len} samples")]
    IndexOutOfRange { index: usize, len: usize },
    /// `pad_sequences` got an empty batch.
    #[error("cannot pad an empty batch")]
    EmptyBatch,
    /// `pad_sequences` got a tensor that is not 1-D, or tensors of different dtypes.
    #[error("sequence {position} is not a 1-D tensor of the batch's dtype")]
    BadSequence { position: usize },
    /// `resume` was asked to skip more batches than the epoch has.
    #[error("cannot skip {consumed} batches of an epoch that has {total}")]
    ResumePastEnd { consumed: usize, total: usize },
}

/// A batch of samples gathered from a dataset: `features` is `[B, ...]`, `labels` is `[B]`.
#[derive(Debug)]
pub struct Batch {
    pub features: Tensor,
    pub labels: Tensor,
}

/// A batch of variable-length sequences padded to the longest one.
#[derive(Debug)]
pub struct PaddedBatch {
    /// `[B, T]` when `batch_first`, `[T, B]` otherwise (PyTorch's default); same dtype as
    /// the input sequences; padding on the right (at the end of each sequence).
    pub data: Tensor,
    /// The length of each sequence, in batch order.
    pub lengths: Vec<usize>,
    /// Bool tensor of `data`'s shape: `true` at real tokens, `false` at padding.
    pub mask: Tensor,
}

/// Where one replica of a data-parallel job reads from (PyTorch's DistributedSampler).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub num_replicas: usize,
    pub rank: usize,
    /// Shuffle with [`DataLoader::epoch_permutation`]`(n, seed, epoch)`; otherwise `0..n`.
    pub shuffle: bool,
    pub seed: u64,
    pub epoch: u64,
    pub drop_last: bool,
}

/// The candidate's dataloader. Each method is one task of the exercise; see the
/// exercise's README for the full statement of each.
pub trait DataLoader {
    /// Task `batching`: split `0..n` into consecutive batches of `batch_size`; the last
    /// batch is shorter, or dropped when `drop_last`. `batch_size == 0` is
    /// [`LoaderError::InvalidBatchSize`].
    fn batch_indices(
        &self,
        n: usize,
        batch_size: usize,
        drop_last: bool,
    ) -> Result<Vec<Vec<usize>>, LoaderError>;

    /// Task `shuffle`: the order of `0..n` for one epoch, a pure function of
    /// `(seed, epoch)`: the same arguments give the same order, another epoch gives an
    /// independent one, and every permutation is equally likely.
    fn epoch_permutation(&self, n: usize, seed: u64, epoch: u64) -> Vec<usize>;

    /// Task `distributed`: the indices replica `spec.rank` reads in one epoch, with
    /// PyTorch DistributedSampler semantics (pad by repeating the head, or truncate when
    /// `drop_last`; rank `r` takes every `num_replicas`-th index starting at `r`).
    fn shard(&self, n: usize, spec: ShardSpec) -> Result<Vec<usize>, LoaderError>;

    /// Task `collate`: gather the rows `indices` of `features` (`[N, ...]`, any dtype) and
    /// `labels` (`[N]`) into one batch, keeping trailing shape and dtype.
    fn collate(
        &self,
        features: &Tensor,
        labels: &Tensor,
        indices: &[usize],
    ) -> Result<Batch, LoaderError>;

    /// Task `sequences` (1 of 2): pad 1-D sequences to the longest one in the batch.
    fn pad_sequences(
        &self,
        sequences: &[Tensor],
        batch_first: bool,
        padding_value: f64,
    ) -> Result<PaddedBatch, LoaderError>;

    /// Task `sequences` (2 of 2): batches for one epoch of samples with the given
    /// `lengths`: every sample exactly once, no batch empty or larger than `batch_size`,
    /// a different order each epoch, and at most half the padding of plain shuffled
    /// batches.
    fn bucket_batches(
        &self,
        lengths: &[usize],
        batch_size: usize,
        seed: u64,
        epoch: u64,
    ) -> Result<Vec<Vec<usize>>, LoaderError>;

    /// Task `resume`: the batches of the shuffled epoch `(seed, epoch)` that remain after
    /// `consumed` batches were already read. The epoch's batches are
    /// `batch_indices(n, batch_size, drop_last)` mapped through
    /// `epoch_permutation(n, seed, epoch)`.
    fn resume(
        &self,
        n: usize,
        batch_size: usize,
        drop_last: bool,
        seed: u64,
        epoch: u64,
        consumed: usize,
    ) -> Result<Vec<Vec<usize>>, LoaderError>;
}
