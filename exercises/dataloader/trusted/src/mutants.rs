//! Plausible wrong dataloaders: each [`Flaw`] is one mistake people really make, applied
//! to the reference and nothing else.

use mldrill_spec::dataloader::{Batch, DataLoader, LoaderError, PaddedBatch, ShardSpec};
use rand::Rng;
use rand::seq::SliceRandom;
use tch::Tensor;

use crate::reference::{Reference, chunk, epoch_rng, shard_order};

/// One mistake, named after what it does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// batching: keeps the short last batch even with `drop_last`.
    DropLastIgnored,
    /// batching: computes `n / bs + 1` batches, leaving an empty one when `bs` divides `n`.
    BatchCountOffByOne,
    /// shuffle: seeds with `seed` alone, so every epoch has the same order.
    SameOrderEveryEpoch,
    /// shuffle: swaps each element with any position (not Fisher-Yates): biased.
    BiasedShuffle,
    /// shuffle: Fisher-Yates with `0..i` instead of `0..=i` (Sattolo): only cyclic orders.
    SattoloShuffle,
    /// shuffle: a shuffle buffer of 8 (tf.data's `shuffle(buffer_size)`): a true
    /// Fisher-Yates for up to 8 elements, far from uniform beyond.
    ShuffleBuffer,
    /// shuffle: keeps only the low 32 bits of the seed and of the epoch.
    Seeds32Bits,
    /// distributed: contiguous blocks per rank instead of interleaving.
    ContiguousShards,
    /// distributed: pads by repeating the first index only, not the head of the order.
    PadsWithFirstIndex,
    /// distributed: returns an empty shard for a rank outside `[0, R)`.
    AcceptsBadRank,
    /// collate: casts features to float32 (what a careless `to_kind` does).
    FeaturesCastToFloat,
    /// collate: no bounds check, so libtorch throws on an out-of-range index.
    NoBoundsCheck,
    /// collate: compares only the first dimensions, so `[N, 1]` labels pass as `[N]`.
    LabelsShapeUnchecked,
    /// collate: checks the largest index only, so it reports that one, not the first.
    ReportsLargestBadIndex,
    /// sequences: pads on the left.
    PadsOnLeft,
    /// sequences: converts every sequence to the first one's dtype instead of rejecting it.
    PadConvertsDtypes,
    /// sequences: "buckets" are plain shuffled batches.
    NoBucketing,
    /// sequences: sorts the whole epoch by length and never shuffles.
    SortedEveryEpoch,
    /// sequences: the same batches every epoch in a new order: the epoch is sorted by
    /// length (ties by a fixed shuffle), cut, and the batches shuffled per epoch.
    SameBatchesReordered,
    /// resume: restarts the epoch from its first batch.
    RestartsEpoch,
    /// resume: skips one batch too many.
    SkipsOneTooMany,
    /// resume: regenerates the order of epoch 0 whatever the epoch.
    ForgetsEpoch,
    /// resume: compares `consumed` with the batch count before checking the batch size,
    /// so `batch_size` 0 with `consumed` > 0 is `ResumePastEnd`.
    ChecksConsumedFirst,
}

impl Flaw {
    /// Every flaw, with the task it belongs to.
    pub const ALL: [(&'static str, Flaw); 23] = [
        ("batching", Flaw::DropLastIgnored),
        ("batching", Flaw::BatchCountOffByOne),
        ("shuffle", Flaw::SameOrderEveryEpoch),
        ("shuffle", Flaw::BiasedShuffle),
        ("shuffle", Flaw::SattoloShuffle),
        ("shuffle", Flaw::ShuffleBuffer),
        ("shuffle", Flaw::Seeds32Bits),
        ("distributed", Flaw::ContiguousShards),
        ("distributed", Flaw::PadsWithFirstIndex),
        ("distributed", Flaw::AcceptsBadRank),
        ("collate", Flaw::FeaturesCastToFloat),
        ("collate", Flaw::NoBoundsCheck),
        ("collate", Flaw::LabelsShapeUnchecked),
        ("collate", Flaw::ReportsLargestBadIndex),
        ("sequences", Flaw::PadsOnLeft),
        ("sequences", Flaw::PadConvertsDtypes),
        ("sequences", Flaw::NoBucketing),
        ("sequences", Flaw::SortedEveryEpoch),
        ("sequences", Flaw::SameBatchesReordered),
        ("resume", Flaw::RestartsEpoch),
        ("resume", Flaw::SkipsOneTooMany),
        ("resume", Flaw::ForgetsEpoch),
        ("resume", Flaw::ChecksConsumedFirst),
    ];
}

/// The reference with one [`Flaw`].
#[derive(Debug, Clone, Copy)]
pub struct Mutant(pub Flaw);

impl DataLoader for Mutant {
    fn batch_indices(
        &self,
        n: usize,
        bs: usize,
        drop_last: bool,
    ) -> Result<Vec<Vec<usize>>, LoaderError> {
        match self.0 {
            Flaw::DropLastIgnored => Reference.batch_indices(n, bs, false),
            Flaw::BatchCountOffByOne if bs > 0 => Ok((0..n / bs + usize::from(!drop_last))
                .map(|b| (b * bs..((b + 1) * bs).min(n)).collect())
                .collect()),
            _ => Reference.batch_indices(n, bs, drop_last),
        }
    }

    fn epoch_permutation(&self, n: usize, seed: u64, epoch: u64) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        match self.0 {
            Flaw::SameOrderEveryEpoch => Reference.epoch_permutation(n, seed, 0),
            Flaw::BiasedShuffle => {
                let mut rng = epoch_rng(seed, epoch, 0);
                for i in 0..n {
                    order.swap(i, rng.random_range(0..n));
                }
                order
            }
            Flaw::SattoloShuffle => {
                let mut rng = epoch_rng(seed, epoch, 0);
                for i in (1..n).rev() {
                    order.swap(i, rng.random_range(0..i));
                }
                order
            }
            Flaw::ShuffleBuffer => shuffle_buffer(n, 8, &mut epoch_rng(seed, epoch, 0)),
            Flaw::Seeds32Bits => {
                let (seed, epoch) = (u64::from(seed as u32), u64::from(epoch as u32));
                Reference.epoch_permutation(n, seed, epoch)
            }
            _ => Reference.epoch_permutation(n, seed, epoch),
        }
    }

    fn shard(&self, n: usize, spec: ShardSpec) -> Result<Vec<usize>, LoaderError> {
        let order = if spec.shuffle {
            self.epoch_permutation(n, spec.seed, spec.epoch)
        } else {
            (0..n).collect()
        };
        let (r, rank) = (spec.num_replicas, spec.rank);
        match self.0 {
            Flaw::ContiguousShards if rank < r => {
                let all = shard_order(&order, r, 0, spec.drop_last)?.len() * r;
                if all == 0 {
                    return Ok(vec![]);
                }
                let padded: Vec<usize> = order.iter().cycle().take(all).copied().collect();
                Ok(padded
                    .chunks(all / r)
                    .nth(rank)
                    .map(<[usize]>::to_vec)
                    .unwrap_or_default())
            }
            Flaw::PadsWithFirstIndex if rank < r && !order.is_empty() => {
                let total = n.div_ceil(r) * r;
                let mut padded = order.clone();
                if !spec.drop_last {
                    padded.resize(total, order[0]);
                }
                shard_order(&padded, r, rank, spec.drop_last)
            }
            Flaw::AcceptsBadRank if rank >= r => Ok(vec![]),
            _ => shard_order(&order, r, rank, spec.drop_last),
        }
    }

    fn collate(
        &self,
        features: &Tensor,
        labels: &Tensor,
        indices: &[usize],
    ) -> Result<Batch, LoaderError> {
        match self.0 {
            Flaw::FeaturesCastToFloat => {
                Reference.collate(features, labels, indices).map(|b| Batch {
                    features: b.features.to_kind(tch::Kind::Float),
                    labels: b.labels,
                })
            }
            Flaw::NoBoundsCheck => {
                let index =
                    Tensor::from_slice(&indices.iter().map(|&i| i as i64).collect::<Vec<_>>());
                if features.size().first() != labels.size().first() {
                    return Reference.collate(features, labels, indices);
                }
                Ok(Batch {
                    features: features.index_select(0, &index),
                    labels: labels.index_select(0, &index),
                })
            }
            Flaw::LabelsShapeUnchecked => {
                let (n_features, n_labels) = (
                    features.size().first().copied().unwrap_or(-1),
                    labels.size().first().copied().unwrap_or(-1),
                );
                if n_features < 0 || n_features != n_labels {
                    return Err(LoaderError::ShapeMismatch {
                        features: n_features,
                        labels: n_labels,
                    });
                }
                if let Some(&index) = indices.iter().find(|&&i| i as i64 >= n_features) {
                    return Err(LoaderError::IndexOutOfRange {
                        index,
                        len: n_features as usize,
                    });
                }
                let index =
                    Tensor::from_slice(&indices.iter().map(|&i| i as i64).collect::<Vec<_>>());
                Ok(Batch {
                    features: features.index_select(0, &index),
                    labels: labels.index_select(0, &index),
                })
            }
            Flaw::ReportsLargestBadIndex => {
                let len = features.size().first().copied().unwrap_or(0).max(0) as usize;
                match indices.iter().max() {
                    Some(&index) if index >= len && labels.size() == [len as i64] => {
                        Err(LoaderError::IndexOutOfRange { index, len })
                    }
                    _ => Reference.collate(features, labels, indices),
                }
            }
            _ => Reference.collate(features, labels, indices),
        }
    }

    fn pad_sequences(
        &self,
        sequences: &[Tensor],
        batch_first: bool,
        padding_value: f64,
    ) -> Result<PaddedBatch, LoaderError> {
        if self.0 == Flaw::PadConvertsDtypes
            && let Some(first) = sequences.first()
        {
            let same: Vec<Tensor> = sequences.iter().map(|s| s.to_kind(first.kind())).collect();
            return Reference.pad_sequences(&same, batch_first, padding_value);
        }
        if self.0 != Flaw::PadsOnLeft {
            return Reference.pad_sequences(sequences, batch_first, padding_value);
        }
        let padded = Reference.pad_sequences(sequences, true, padding_value)?;
        let (data, mask) = (padded.data.flip([1]), padded.mask.flip([1]));
        for (row, seq) in sequences.iter().enumerate() {
            let len = seq.size()[0];
            let width = data.size()[1];
            data.get(row as i64).narrow(0, width - len, len).copy_(seq);
        }
        let (data, mask) = if batch_first {
            (data, mask)
        } else {
            (data.transpose(0, 1), mask.transpose(0, 1))
        };
        Ok(PaddedBatch {
            data,
            lengths: padded.lengths,
            mask,
        })
    }

    fn bucket_batches(
        &self,
        lengths: &[usize],
        bs: usize,
        seed: u64,
        epoch: u64,
    ) -> Result<Vec<Vec<usize>>, LoaderError> {
        match self.0 {
            Flaw::NoBucketing if bs > 0 => Ok(chunk(
                &Reference.epoch_permutation(lengths.len(), seed, epoch),
                bs,
                false,
            )),
            Flaw::SortedEveryEpoch if bs > 0 => {
                let mut order: Vec<usize> = (0..lengths.len()).collect();
                order.sort_by_key(|&i| lengths[i]);
                Ok(chunk(&order, bs, false))
            }
            Flaw::SameBatchesReordered if bs > 0 => {
                let mut order = Reference.epoch_permutation(lengths.len(), seed, 0);
                order.sort_by_key(|&i| lengths[i]);
                let mut batches = chunk(&order, bs, false);
                batches.shuffle(&mut epoch_rng(seed, epoch, 1));
                Ok(batches)
            }
            _ => Reference.bucket_batches(lengths, bs, seed, epoch),
        }
    }

    fn resume(
        &self,
        n: usize,
        bs: usize,
        drop_last: bool,
        seed: u64,
        epoch: u64,
        consumed: usize,
    ) -> Result<Vec<Vec<usize>>, LoaderError> {
        let total = if bs > 0 {
            crate::reference::batch_count(n, bs, drop_last)
        } else {
            0
        };
        match self.0 {
            Flaw::RestartsEpoch if bs > 0 && consumed <= total => {
                Reference.resume(n, bs, drop_last, seed, epoch, 0)
            }
            Flaw::SkipsOneTooMany if bs > 0 && consumed < total => {
                Reference.resume(n, bs, drop_last, seed, epoch, consumed + 1)
            }
            Flaw::ForgetsEpoch => Reference.resume(n, bs, drop_last, seed, 0, consumed),
            Flaw::ChecksConsumedFirst if consumed > total => {
                Err(LoaderError::ResumePastEnd { consumed, total })
            }
            _ => Reference.resume(n, bs, drop_last, seed, epoch, consumed),
        }
    }
}

/// A streaming shuffle with a buffer of `capacity` elements: each element read replaces
/// a random one of the buffer, which is emitted; the buffer is shuffled out at the end.
fn shuffle_buffer(n: usize, capacity: usize, rng: &mut impl Rng) -> Vec<usize> {
    let mut buffer: Vec<usize> = (0..n.min(capacity)).collect();
    let mut order = Vec::with_capacity(n);
    for next in capacity..n {
        let slot = rng.random_range(0..buffer.len());
        order.push(std::mem::replace(&mut buffer[slot], next));
    }
    for i in (1..buffer.len()).rev() {
        buffer.swap(i, rng.random_range(0..=i));
    }
    order.extend(buffer);
    order
}
