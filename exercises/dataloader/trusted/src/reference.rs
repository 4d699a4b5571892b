//! The reference dataloader: PyTorch's BatchSampler / DistributedSampler / pad_sequence
//! semantics, a ChaCha-seeded Fisher-Yates shuffle per `(seed, epoch)`, and length
//! bucketing by sorting within pools of batches, regrouped by chance at batch boundaries
//! so that the batches' contents change every epoch.

use mldrill_spec::dataloader::{Batch, DataLoader, LoaderError, PaddedBatch, ShardSpec};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tch::{Kind, Tensor};

/// How many batches of samples are sorted together by length before batching: larger
/// pools pad less, smaller pools keep more randomness in which samples meet.
const BUCKET_POOL_BATCHES: usize = 50;

/// The reference implementation of [`DataLoader`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Reference;

/// A generator for one `(seed, epoch, stream)`: distinct streams never share state, and
/// unlike PyTorch's `seed + epoch`, `(seed 1, epoch 0)` and `(seed 0, epoch 1)` differ.
pub fn epoch_rng(seed: u64, epoch: u64, stream: u64) -> StdRng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&epoch.to_le_bytes());
    key[16..24].copy_from_slice(&stream.to_le_bytes());
    StdRng::from_seed(key)
}

/// Splits `order` into consecutive batches of `batch_size` (BatchSampler semantics).
pub fn chunk(order: &[usize], batch_size: usize, drop_last: bool) -> Vec<Vec<usize>> {
    order
        .chunks(batch_size)
        .filter(|batch| !drop_last || batch.len() == batch_size)
        .map(<[usize]>::to_vec)
        .collect()
}

/// Number of batches an epoch of `n` samples has.
pub fn batch_count(n: usize, batch_size: usize, drop_last: bool) -> usize {
    if drop_last {
        n / batch_size
    } else {
        n.div_ceil(batch_size)
    }
}

/// DistributedSampler's share of `order` for one rank: pad by cycling the head (or
/// truncate when `drop_last`), then take every `num_replicas`-th index from `rank`.
pub fn shard_order(
    order: &[usize],
    num_replicas: usize,
    rank: usize,
    drop_last: bool,
) -> Result<Vec<usize>, LoaderError> {
    if num_replicas == 0 || rank >= num_replicas {
        return Err(LoaderError::InvalidRank { rank, num_replicas });
    }
    let n = order.len();
    // PyTorch: ceil((n - R) / R) with drop_last, which is floor(n / R); ceil(n / R) without.
    let per_rank = if drop_last {
        n / num_replicas
    } else {
        n.div_ceil(num_replicas)
    };
    let total = per_rank * num_replicas;
    Ok(order
        .iter()
        .cycle()
        .take(total)
        .skip(rank)
        .step_by(num_replicas)
        .copied()
        .collect())
}

/// Total padding tokens when `batches` of samples with `lengths` are padded to their
/// longest member.
pub fn padding_cost(lengths: &[usize], batches: &[Vec<usize>]) -> usize {
    batches
        .iter()
        .map(|batch| {
            let longest = batch.iter().map(|&i| lengths[i]).max().unwrap_or(0);
            batch.iter().map(|&i| longest - lengths[i]).sum::<usize>()
        })
        .sum()
}

/// Regroups batches cut from a pool sorted by length: at each boundary between two
/// neighbouring batches, a coin decides whether the last sample of the one and the first
/// of the next change places. Sorting alone gives the same batches every epoch when the
/// lengths are distinct; with the coins, two epochs share their batches' contents with
/// probability `2^-(boundaries)`. The exchanged samples are neighbours in length order,
/// so the padding grows by at most `batch_size` times the pool's range of lengths.
fn exchange_at_boundaries(batches: &mut [Vec<usize>], rng: &mut StdRng) {
    if batches.first().is_none_or(|b| b.len() < 2) {
        return;
    }
    for at in 1..batches.len() {
        if rng.random_bool(0.5) {
            let (before, after) = batches.split_at_mut(at);
            let last = before[at - 1].len() - 1;
            std::mem::swap(&mut before[at - 1][last], &mut after[0][0]);
        }
    }
}

fn index_tensor(indices: &[usize], len: i64) -> Result<Tensor, LoaderError> {
    let as_i64 = indices
        .iter()
        .map(|&index| {
            i64::try_from(index)
                .ok()
                .filter(|&i| i < len)
                .ok_or(LoaderError::IndexOutOfRange {
                    index,
                    len: len as usize,
                })
        })
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(Tensor::from_slice(&as_i64))
}

impl DataLoader for Reference {
    fn batch_indices(
        &self,
        n: usize,
        batch_size: usize,
        drop_last: bool,
    ) -> Result<Vec<Vec<usize>>, LoaderError> {
        if batch_size == 0 {
            return Err(LoaderError::InvalidBatchSize);
        }
        let order: Vec<usize> = (0..n).collect();
        Ok(chunk(&order, batch_size, drop_last))
    }

    fn epoch_permutation(&self, n: usize, seed: u64, epoch: u64) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut epoch_rng(seed, epoch, 0));
        order
    }

    fn shard(&self, n: usize, spec: ShardSpec) -> Result<Vec<usize>, LoaderError> {
        let order = if spec.shuffle {
            self.epoch_permutation(n, spec.seed, spec.epoch)
        } else {
            (0..n).collect()
        };
        shard_order(&order, spec.num_replicas, spec.rank, spec.drop_last)
    }

    fn collate(
        &self,
        features: &Tensor,
        labels: &Tensor,
        indices: &[usize],
    ) -> Result<Batch, LoaderError> {
        let n_features = features.size().first().copied().unwrap_or(-1);
        let n_labels = match labels.size().as_slice() {
            [n] => *n,
            _ => -1,
        };
        if n_features < 0 || n_features != n_labels {
            return Err(LoaderError::ShapeMismatch {
                features: n_features,
                labels: n_labels,
            });
        }
        let index = index_tensor(indices, n_features)?.to_device(features.device());
        Ok(Batch {
            features: features.index_select(0, &index),
            labels: labels.index_select(0, &index.to_device(labels.device())),
        })
    }

    fn pad_sequences(
        &self,
        sequences: &[Tensor],
        batch_first: bool,
        padding_value: f64,
    ) -> Result<PaddedBatch, LoaderError> {
        let first = sequences.first().ok_or(LoaderError::EmptyBatch)?;
        let (kind, device) = (first.kind(), first.device());
        let mut lengths = Vec::with_capacity(sequences.len());
        for (position, sequence) in sequences.iter().enumerate() {
            match sequence.size().as_slice() {
                [len] if sequence.kind() == kind => lengths.push(*len as usize),
                _ => return Err(LoaderError::BadSequence { position }),
            }
        }
        let longest = lengths.iter().copied().max().unwrap_or(0) as i64;
        let batch = sequences.len() as i64;
        let mut data = Tensor::full([batch, longest], padding_value, (kind, device));
        for (row, (sequence, &len)) in sequences.iter().zip(&lengths).enumerate() {
            data.get(row as i64)
                .narrow(0, 0, len as i64)
                .copy_(sequence);
        }
        let len_tensor = Tensor::from_slice(&lengths.iter().map(|&l| l as i64).collect::<Vec<_>>())
            .to_device(device);
        let positions = Tensor::arange(longest, (Kind::Int64, device));
        let mut mask = positions.unsqueeze(0).lt_tensor(&len_tensor.unsqueeze(1));
        if !batch_first {
            data = data.transpose(0, 1).contiguous();
            mask = mask.transpose(0, 1).contiguous();
        }
        Ok(PaddedBatch {
            data,
            lengths,
            mask,
        })
    }

    fn bucket_batches(
        &self,
        lengths: &[usize],
        batch_size: usize,
        seed: u64,
        epoch: u64,
    ) -> Result<Vec<Vec<usize>>, LoaderError> {
        if batch_size == 0 {
            return Err(LoaderError::InvalidBatchSize);
        }
        let order = self.epoch_permutation(lengths.len(), seed, epoch);
        let mut batches = Vec::with_capacity(lengths.len().div_ceil(batch_size));
        let mut regroup = epoch_rng(seed, epoch, 2);
        for pool in order.chunks(batch_size * BUCKET_POOL_BATCHES) {
            let mut pool = pool.to_vec();
            pool.sort_by_key(|&i| lengths[i]);
            let mut pool_batches = chunk(&pool, batch_size, false);
            exchange_at_boundaries(&mut pool_batches, &mut regroup);
            batches.extend(pool_batches);
        }
        // Shuffle whole batches so the epoch does not run from short to long.
        batches.shuffle(&mut epoch_rng(seed, epoch, 1));
        Ok(batches)
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
        if batch_size == 0 {
            return Err(LoaderError::InvalidBatchSize);
        }
        let total = batch_count(n, batch_size, drop_last);
        if consumed > total {
            return Err(LoaderError::ResumePastEnd { consumed, total });
        }
        let order = self.epoch_permutation(n, seed, epoch);
        let start = (consumed * batch_size).min(order.len());
        Ok(chunk(&order[start..], batch_size, drop_last))
    }
}
