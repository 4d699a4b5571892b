//! The dataloader's reference-free properties: invariants any correct loader satisfies
//! (each index once per epoch, sizes add up, ranks partition the data, statistics of the
//! shuffle). These are the properties an exported screen lets a candidate run, so this
//! file must never use the reference: it imports only the suite framework and the spec.

use mldrill_spec::dataloader::{DataLoader, LoaderError, ShardSpec};
use proptest::collection::vec;
use proptest::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use tch::{Kind as DType, Tensor};

use crate::suite::stats::{FALSE_ALARM, check_uniform};
use crate::suite::{Ctx, Failure, Property};
use crate::{ensure_eq, fail, property};

/// The implementation trait the properties check.
pub type Loader = dyn DataLoader;

/// The reference-free properties, in task order.
pub fn properties() -> Vec<Property<Loader>> {
    let mut all = vec![
        property!(
            "batching/covers_in_order",
            Invariant,
            batching_covers_in_order
        ),
        property!(
            "batching/rejects_zero_batch_size",
            Invariant,
            batching_rejects_zero
        ),
        property!("shuffle/is_permutation", Invariant, shuffle_is_permutation),
        property!("shuffle/reproducible", Invariant, shuffle_reproducible),
        property!(
            "shuffle/new_order_each_epoch_and_seed",
            Invariant,
            shuffle_changes
        ),
        property!("shuffle/uniform", Invariant, shuffle_uniform),
        property!(
            "shuffle/epochs_independent",
            Invariant,
            shuffle_epochs_independent
        ),
        property!(
            "distributed/pytorch_examples",
            Invariant,
            shard_pytorch_examples
        ),
        property!(
            "distributed/ranks_partition",
            Invariant,
            shard_ranks_partition
        ),
        property!(
            "distributed/rejects_bad_rank",
            Invariant,
            shard_rejects_bad_rank
        ),
        property!(
            "collate/shape_and_dtype",
            Invariant,
            collate_shape_and_dtype
        ),
        property!(
            "collate/rejects_bad_input",
            Invariant,
            collate_rejects_bad_input
        ),
        property!(
            "sequences/pad_mask_and_lengths",
            Invariant,
            pad_mask_and_lengths
        ),
        property!(
            "sequences/pad_rejects_bad_input",
            Invariant,
            pad_rejects_bad_input
        ),
        property!(
            "sequences/buckets_cover_epoch",
            Invariant,
            buckets_cover_epoch
        ),
        property!("sequences/buckets_pad_less", Invariant, buckets_pad_less),
        property!("sequences/buckets_reshuffle", Invariant, buckets_reshuffle),
        property!("sequences/buckets_regroup", Invariant, buckets_regroup),
        property!(
            "resume/continues_the_epoch",
            Invariant,
            resume_continues_the_epoch
        ),
        property!("resume/edges", Invariant, resume_edges),
    ];
    // The shuffle's larger checks (below) follow its others.
    let after = all
        .iter()
        .position(|p| p.id == "shuffle/epochs_independent")
        .map_or(all.len(), |at| at + 1);
    all.splice(after..after, larger_shuffle_properties());
    all
}

/// Batches in an epoch of `n` samples: `ceil(n / bs)`, or `floor(n / bs)` with `drop_last`.
pub(crate) fn expected_batch_count(n: usize, bs: usize, drop_last: bool) -> usize {
    if drop_last { n / bs } else { n.div_ceil(bs) }
}

/// Padding tokens of plain batches: consecutive runs of `order`, each padded to its longest.
fn plain_padding(lengths: &[usize], order: &[usize], bs: usize) -> usize {
    order
        .chunks(bs)
        .map(|batch| {
            let longest = batch.iter().map(|&i| lengths[i]).max().unwrap_or(0);
            batch.iter().map(|&i| longest - lengths[i]).sum::<usize>()
        })
        .sum()
}

fn batches_padding(lengths: &[usize], batches: &[Vec<usize>]) -> usize {
    batches
        .iter()
        .map(|b| plain_padding(lengths, b, b.len().max(1)))
        .sum()
}

/// `(n, batch_size)` built from (batch size, full batches, remainder), so that a failure
/// shrinks to few small batches instead of one arbitrary large `n`.
pub(crate) fn sizes() -> impl Strategy<Value = (usize, usize)> {
    (1usize..40, 0usize..8, 0usize..40).prop_map(|(bs, full, rem)| (bs * full + rem % bs, bs))
}

pub(crate) fn batching_inputs() -> impl Strategy<Value = (usize, usize, bool)> {
    (sizes(), any::<bool>()).prop_map(|((n, bs), drop_last)| (n, bs, drop_last))
}

fn batching_covers_in_order(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(
        &["n", "batch_size", "drop_last"],
        batching_inputs(),
        |(n, bs, drop_last)| {
            let Ok(batches) = imp.batch_indices(n, bs, drop_last) else {
                fail!("batch_indices(n={n}, batch_size={bs}) returned an error");
            };
            ensure_eq!(
                batches.len(),
                expected_batch_count(n, bs, drop_last),
                "number of batches"
            );
            let covered = if drop_last { n - n % bs } else { n };
            let flat: Vec<usize> = batches.iter().flatten().copied().collect();
            ensure_eq!(flat, (0..covered).collect::<Vec<_>>(), "indices in order");
            if let Some(short) = batches.iter().rev().skip(1).find(|b| b.len() != bs) {
                fail!("only the last batch may be short, found {short:?}");
            }
            Ok(())
        },
    )
}

fn batching_rejects_zero(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(
        &["n", "drop_last"],
        (0usize..50, any::<bool>()),
        |(n, drop_last)| {
            ensure_eq!(
                imp.batch_indices(n, 0, drop_last),
                Err(LoaderError::InvalidBatchSize),
                "batch_indices(n={n}, batch_size=0)"
            );
            Ok(())
        },
    )
}

fn shuffle_is_permutation(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(
        &["n", "seed", "epoch"],
        (0usize..500, any::<u64>(), any::<u64>()),
        |(n, seed, epoch)| {
            let order = imp.epoch_permutation(n, seed, epoch);
            if !is_permutation(&order, n) {
                fail!("epoch_permutation(n={n}) is not a permutation of 0..{n}: {order:?}");
            }
            Ok(())
        },
    )
}

fn shuffle_reproducible(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(
        &["n", "seed", "epoch"],
        (0usize..200, any::<u64>(), any::<u64>()),
        |(n, seed, epoch)| {
            let first = imp.epoch_permutation(n, seed, epoch);
            // Draw something else in between: a loader that reads global state fails here.
            let _ = imp.epoch_permutation(n, seed ^ 1, epoch.wrapping_add(7));
            ensure_eq!(
                imp.epoch_permutation(n, seed, epoch),
                first,
                "a second epoch_permutation(n={n}, seed={seed}, epoch={epoch})"
            );
            Ok(())
        },
    )
}

fn shuffle_changes(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    // With n >= 20 two independent uniform orders coincide with probability <= 1/20!.
    ctx.for_all_named(
        &["n", "seed", "epoch"],
        (20usize..200, 0u64..1 << 40, 0u64..1 << 40),
        |(n, seed, epoch)| {
            let order = imp.epoch_permutation(n, seed, epoch);
            if imp.epoch_permutation(n, seed, epoch + 1) == order {
                fail!(
                    "epochs {epoch} and {} of seed {seed} have the same order",
                    epoch + 1
                );
            }
            if imp.epoch_permutation(n, seed + 1, epoch) == order {
                fail!(
                    "seeds {seed} and {} give the same order in epoch {epoch}",
                    seed + 1
                );
            }
            Ok(())
        },
    )
}

/// Elements shuffled by the statistical checks, and how many epochs they draw: with
/// 4! = 24 outcomes and 48,000 epochs, a Bernstein bound gives a false-alarm rate below
/// 1e-9, while the classic biased "swap with any position" shuffle is off by about 10 of
/// its own standard deviations.
pub(crate) const UNIFORM_N: usize = 4;

pub(crate) const UNIFORM_EPOCHS: u64 = 48_000;

/// Answers many epoch orders at once: `(n, seed, epochs)` to one order per epoch, in
/// order. A judge that reaches the implementation through a pipe sets one for the
/// duration of a property, so that the statistical checks' tens of thousands of calls go
/// as one request; the calls and their order are the same either way.
pub type EpochOrders = Box<dyn Fn(usize, u64, std::ops::Range<u64>) -> Vec<Vec<usize>>>;

thread_local! {
    static EPOCH_ORDERS: std::cell::RefCell<Option<EpochOrders>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` with `orders` answering [`epoch_orders`] on this thread.
pub fn with_epoch_orders<T>(orders: EpochOrders, f: impl FnOnce() -> T) -> T {
    let previous = EPOCH_ORDERS.with(|o| o.replace(Some(orders)));
    let out = f();
    EPOCH_ORDERS.with(|o| *o.borrow_mut() = previous);
    out
}

/// `imp.epoch_permutation(n, seed, epoch)` for every epoch of `epochs`, in order.
pub fn epoch_orders(
    imp: &Loader,
    n: usize,
    seed: u64,
    epochs: std::ops::Range<u64>,
) -> Vec<Vec<usize>> {
    let batched = EPOCH_ORDERS.with(|o| o.borrow().as_ref().map(|f| f(n, seed, epochs.clone())));
    batched.unwrap_or_else(|| epochs.map(|e| imp.epoch_permutation(n, seed, e)).collect())
}

/// The rank of a permutation of `0..k` in lexicographic order (Lehmer code).
pub(crate) fn permutation_rank(order: &[usize]) -> usize {
    let mut rank = 0;
    for (i, &v) in order.iter().enumerate() {
        let smaller_after = order[i + 1..].iter().filter(|&&w| w < v).count();
        rank = rank * (order.len() - i) + smaller_after;
    }
    rank
}

pub(crate) fn permutation_ranks(imp: &Loader, seed: u64) -> Result<Vec<usize>, Failure> {
    epoch_orders(imp, UNIFORM_N, seed, 0..UNIFORM_EPOCHS)
        .into_iter()
        .zip(0..UNIFORM_EPOCHS)
        .map(|(order, epoch)| {
            if is_permutation(&order, UNIFORM_N) {
                Ok(permutation_rank(&order))
            } else {
                Err(Failure::new(format!(
                    "epoch_permutation(n={UNIFORM_N}, seed={seed}, epoch={epoch}) is not a permutation: {order:?}"
                )))
            }
        })
        .collect()
}

fn shuffle_uniform(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    let seed = ctx.property_seed();
    let mut counts = vec![0u64; 24];
    for rank in permutation_ranks(imp, seed)? {
        counts[rank] += 1;
    }
    check_uniform(&counts, FALSE_ALARM).map_err(|why| Failure {
        reason: format!("the orders of {UNIFORM_N} elements are not uniform over epochs: {why}"),
        counterexample: Some(format!(
            "seed={seed}, epochs 0..{UNIFORM_EPOCHS}, counts by permutation rank {counts:?}"
        )),
    })
}

fn shuffle_epochs_independent(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    let seed = ctx.property_seed();
    let ranks = permutation_ranks(imp, seed)?;
    let mut counts = vec![0u64; 24 * 24];
    for pair in ranks.chunks_exact(2) {
        counts[pair[0] * 24 + pair[1]] += 1;
    }
    check_uniform(&counts, FALSE_ALARM).map_err(|why| Failure {
        reason: format!("the order of epoch e+1 depends on the order of epoch e: {why}"),
        counterexample: Some(format!(
            "seed={seed}, pairs of epochs (2k, 2k+1) for k < {}",
            UNIFORM_EPOCHS / 2
        )),
    })
}

pub(crate) fn shard_inputs() -> impl Strategy<Value = (usize, ShardSpec)> {
    (
        0usize..200,
        1usize..9,
        any::<bool>(),
        any::<u64>(),
        0u64..1000,
        any::<bool>(),
    )
        .prop_flat_map(|(n, replicas, shuffle, seed, epoch, drop_last)| {
            (
                Just(n),
                (0..replicas).prop_map(move |rank| ShardSpec {
                    num_replicas: replicas,
                    rank,
                    shuffle,
                    seed,
                    epoch,
                    drop_last,
                }),
            )
        })
}

fn shard_pytorch_examples(imp: &Loader, _ctx: &mut Ctx) -> Result<(), Failure> {
    let plain = |num_replicas, rank, drop_last| ShardSpec {
        num_replicas,
        rank,
        shuffle: false,
        seed: 0,
        epoch: 0,
        drop_last,
    };
    let examples: [(usize, ShardSpec, Vec<usize>); 7] = [
        (2, plain(4, 2, false), vec![0]),
        (2, plain(4, 3, false), vec![1]),
        (2, plain(4, 0, true), vec![]),
        (10, plain(3, 1, false), vec![1, 4, 7, 0]),
        (10, plain(3, 2, true), vec![2, 5, 8]),
        (3, plain(8, 7, false), vec![1]),
        (0, plain(2, 1, false), vec![]),
    ];
    for (n, spec, expected) in examples {
        let got = imp.shard(n, spec);
        if got != Ok(expected.clone()) {
            return Err(Failure {
                reason: format!("got {got:?}, DistributedSampler gives {expected:?}"),
                counterexample: Some(format!("shard(n={n}, {spec:?})")),
            });
        }
    }
    Ok(())
}

fn shard_ranks_partition(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(&["n", "spec"], shard_inputs(), |(n, spec)| {
        let r = spec.num_replicas;
        let mut shards = Vec::with_capacity(r);
        for rank in 0..r {
            match imp.shard(n, ShardSpec { rank, ..spec }) {
                Ok(shard) => shards.push(shard),
                Err(e) => fail!("shard(n={n}, rank={rank} of {r}) failed: {e}"),
            }
        }
        let per_rank = if spec.drop_last { n / r } else { n.div_ceil(r) };
        if let Some((rank, s)) = shards.iter().enumerate().find(|(_, s)| s.len() != per_rank) {
            fail!(
                "rank {rank} got {} indices, every rank must get {per_rank}: {s:?}",
                s.len()
            );
        }
        let mut all: Vec<usize> = shards.concat();
        all.sort_unstable();
        let distinct = {
            let mut d = all.clone();
            d.dedup();
            d
        };
        if all.iter().any(|&i| i >= n) {
            fail!("an index is out of range 0..{n}: {shards:?}");
        }
        if spec.drop_last && distinct.len() != all.len() {
            fail!("with drop_last no index may be read twice: {shards:?}");
        }
        if !spec.drop_last && n > 0 && distinct.len() != n {
            fail!("without drop_last every index must be read by some rank: {shards:?}");
        }
        Ok(())
    })
}

fn shard_rejects_bad_rank(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(
        &["n", "num_replicas", "rank_beyond"],
        (0usize..50, 0usize..6, 0usize..4),
        |(n, replicas, extra)| {
            let rank = replicas + extra;
            let spec = ShardSpec {
                num_replicas: replicas,
                rank,
                shuffle: false,
                seed: 0,
                epoch: 0,
                drop_last: false,
            };
            ensure_eq!(
                imp.shard(n, spec),
                Err(LoaderError::InvalidRank {
                    rank,
                    num_replicas: replicas
                }),
                "shard(n={n}, rank={rank}, num_replicas={replicas})"
            );
            Ok(())
        },
    )
}

pub(crate) const DTYPES: [DType; 6] = [
    DType::Float,
    DType::Double,
    DType::Int64,
    DType::Int,
    DType::Uint8,
    DType::Bool,
];

/// A tensor whose rows differ, so a gather of the wrong rows shows.
pub(crate) fn make_tensor(shape: &[i64], dtype: DType, salt: i64) -> Tensor {
    let numel: i64 = shape.iter().product();
    let values =
        (Tensor::arange(numel, (DType::Int64, tch::Device::Cpu)) * 7 + salt).remainder(251);
    values.reshape(shape).to_kind(dtype)
}

/// What a collate case is made of; tensors are built from it so counterexamples print small.
#[derive(Debug, Clone)]
pub(crate) struct CollateCase {
    pub(crate) dtype: DType,
    pub(crate) samples: i64,
    pub(crate) trailing: Vec<i64>,
    pub(crate) indices: Vec<usize>,
}

pub(crate) fn collate_inputs() -> impl Strategy<Value = CollateCase> {
    (0..DTYPES.len(), 1i64..40, vec(1i64..5, 0..3)).prop_flat_map(|(d, samples, trailing)| {
        vec(0..samples as usize, 0..24).prop_map(move |indices| CollateCase {
            dtype: DTYPES[d],
            samples,
            trailing: trailing.clone(),
            indices,
        })
    })
}

pub(crate) fn case_tensors(case: &CollateCase) -> (Tensor, Tensor) {
    let mut shape = vec![case.samples];
    shape.extend(&case.trailing);
    let features = make_tensor(&shape, case.dtype, 3);
    let labels = make_tensor(&[case.samples], DType::Int64, 11);
    (features, labels)
}

pub fn describe(t: &Tensor) -> String {
    format!("{:?} tensor of shape {:?}", t.kind(), t.size())
}

pub(crate) fn same_tensor(got: &Tensor, expected: &Tensor) -> bool {
    got.size() == expected.size() && got.kind() == expected.kind() && got.equal(expected)
}

fn collate_shape_and_dtype(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(collate_inputs(), |case| {
        let (features, labels) = case_tensors(&case);
        let batch = match imp.collate(&features, &labels, &case.indices) {
            Ok(batch) => batch,
            Err(e) => fail!("collate failed on valid input: {e}"),
        };
        let mut shape = vec![case.indices.len() as i64];
        shape.extend(&case.trailing);
        ensure_eq!(batch.features.size(), shape, "features shape");
        ensure_eq!(batch.features.kind(), features.kind(), "features dtype");
        ensure_eq!(
            batch.labels.size(),
            vec![case.indices.len() as i64],
            "labels shape"
        );
        ensure_eq!(batch.labels.kind(), labels.kind(), "labels dtype");
        Ok(())
    })
}

fn collate_rejects_bad_input(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    let planted = vec((any::<prop::sample::Index>(), 0usize..40), 1..4);
    ctx.for_all_named(
        &["case", "extra_labels", "planted"],
        (collate_inputs(), 1i64..5, planted),
        |(case, extra, planted)| {
            let (features, labels) = case_tensors(&case);
            let fewer_labels = make_tensor(&[case.samples + extra], DType::Int64, 0);
            ensure_eq!(
                imp.collate(&features, &fewer_labels, &case.indices)
                    .map(|_| ()),
                Err(LoaderError::ShapeMismatch {
                    features: case.samples,
                    labels: case.samples + extra
                }),
                "collate with {} feature rows and {} labels",
                case.samples,
                case.samples + extra
            );
            // Several out-of-range indices at random places: the first one is reported,
            // not the largest nor the last.
            let mut indices = case.indices.clone();
            for (at, beyond) in planted {
                let position = at.index(indices.len() + 1);
                indices.insert(position, case.samples as usize + beyond);
            }
            let len = case.samples as usize;
            let index = *indices.iter().find(|&&i| i >= len).expect("planted");
            ensure_eq!(
                imp.collate(&features, &labels, &indices).map(|_| ()),
                Err(LoaderError::IndexOutOfRange { index, len }),
                "collate(indices={indices:?}) from {len} samples: the first index out of range"
            );
            let column = labels.unsqueeze(1);
            ensure_eq!(
                imp.collate(&features, &column, &case.indices).map(|_| ()),
                Err(LoaderError::ShapeMismatch {
                    features: case.samples,
                    labels: -1
                }),
                "collate with [{}, 1] labels (labels must be 1-D)",
                case.samples
            );
            let scalar = make_tensor(&[], case.dtype, 0);
            ensure_eq!(
                imp.collate(&scalar, &labels, &case.indices).map(|_| ()),
                Err(LoaderError::ShapeMismatch {
                    features: -1,
                    labels: case.samples
                }),
                "collate with 0-D features (no sample dimension)"
            );
            Ok(())
        },
    )
}

pub(crate) const SEQUENCE_DTYPES: [DType; 4] =
    [DType::Int64, DType::Int, DType::Float, DType::Double];

#[derive(Debug, Clone)]
pub(crate) struct PadCase {
    pub(crate) dtype: DType,
    pub(crate) lengths: Vec<i64>,
    pub(crate) batch_first: bool,
    pub(crate) padding_value: f64,
}

pub(crate) fn pad_inputs() -> impl Strategy<Value = PadCase> {
    (
        0..SEQUENCE_DTYPES.len(),
        vec(0i64..12, 1..8),
        any::<bool>(),
        prop_oneof![Just(0.0), Just(-1.0), Just(7.0)],
    )
        .prop_map(|(d, lengths, batch_first, padding_value)| PadCase {
            dtype: SEQUENCE_DTYPES[d],
            lengths,
            batch_first,
            padding_value,
        })
}

pub(crate) fn pad_tensors(case: &PadCase) -> Vec<Tensor> {
    case.lengths
        .iter()
        .enumerate()
        .map(|(i, &len)| make_tensor(&[len], case.dtype, 1 + i as i64 * 17))
        .collect()
}

fn pad_mask_and_lengths(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(pad_inputs(), |case| {
        let seqs = pad_tensors(&case);
        let got = match imp.pad_sequences(&seqs, case.batch_first, case.padding_value) {
            Ok(batch) => batch,
            Err(e) => fail!("pad_sequences failed on valid input: {e}"),
        };
        let (b, t) = (
            case.lengths.len() as i64,
            case.lengths.iter().copied().max().unwrap_or(0),
        );
        let shape = if case.batch_first {
            vec![b, t]
        } else {
            vec![t, b]
        };
        ensure_eq!(
            got.data.size(),
            shape,
            "data shape (batch_first={})",
            case.batch_first
        );
        ensure_eq!(got.mask.size(), shape, "mask shape");
        ensure_eq!(got.data.kind(), case.dtype, "data dtype");
        ensure_eq!(got.mask.kind(), DType::Bool, "mask dtype");
        let lengths: Vec<usize> = case.lengths.iter().map(|&l| l as usize).collect();
        ensure_eq!(got.lengths, lengths, "lengths");
        // Real tokens, read row by row, are the sequences in order.
        let (data, mask) = if case.batch_first {
            (got.data.shallow_clone(), got.mask.shallow_clone())
        } else {
            (got.data.transpose(0, 1), got.mask.transpose(0, 1))
        };
        let tokens = data.masked_select(&mask);
        let expected = Tensor::cat(&seqs, 0);
        if !same_tensor(&tokens, &expected) {
            fail!("the tokens under the mask are not the sequences in order");
        }
        let padding = data.masked_select(&mask.logical_not());
        let pad_value = Tensor::full_like(&padding, case.padding_value);
        if !padding.equal(&pad_value) {
            fail!(
                "positions outside the mask must hold padding_value {}",
                case.padding_value
            );
        }
        Ok(())
    })
}

fn pad_rejects_bad_input(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(
        &["case", "bad_position"],
        (pad_inputs(), any::<prop::sample::Index>()),
        |(case, at)| {
            ensure_eq!(
                imp.pad_sequences(&[], case.batch_first, case.padding_value)
                    .map(|_| ()),
                Err(LoaderError::EmptyBatch),
                "pad_sequences of an empty batch"
            );
            let mut seqs = pad_tensors(&case);
            let position = at.index(seqs.len());
            seqs[position] = make_tensor(&[2, 2], case.dtype, 0);
            ensure_eq!(
                imp.pad_sequences(&seqs, case.batch_first, case.padding_value)
                    .map(|_| ()),
                Err(LoaderError::BadSequence { position }),
                "pad_sequences with a 2-D tensor at position {position}"
            );
            if position > 0 {
                let other = SEQUENCE_DTYPES
                    .into_iter()
                    .find(|&d| d != case.dtype)
                    .expect("several dtypes");
                seqs[position] = make_tensor(&[3], other, 0);
                ensure_eq!(
                    imp.pad_sequences(&seqs, case.batch_first, case.padding_value)
                        .map(|_| ()),
                    Err(LoaderError::BadSequence { position }),
                    "pad_sequences with a {other:?} sequence at position {position} in a {:?} batch",
                    case.dtype
                );
            }
            Ok(())
        },
    )
}

/// Lengths of an epoch with at least 20 batches, drawn uniformly up to a random maximum.
pub(crate) fn bucket_inputs() -> impl Strategy<Value = (Vec<usize>, usize, u64, u64)> {
    (1usize..9, 2usize..300).prop_flat_map(|(bs, max_len)| {
        (
            vec(1..=max_len, bs * 20..bs * 40),
            Just(bs),
            any::<u64>(),
            0u64..1000,
        )
    })
}

pub(crate) fn bucket(
    imp: &Loader,
    lengths: &[usize],
    bs: usize,
    seed: u64,
    epoch: u64,
) -> Result<Vec<Vec<usize>>, TestCaseError> {
    imp.bucket_batches(lengths, bs, seed, epoch).map_err(|e| {
        TestCaseError::fail(format!(
            "bucket_batches(batch_size={bs}) failed on valid input: {e}"
        ))
    })
}

fn buckets_cover_epoch(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(
        &["lengths", "batch_size", "seed", "epoch"],
        bucket_inputs(),
        |(lengths, bs, seed, epoch)| {
            let batches = bucket(imp, &lengths, bs, seed, epoch)?;
            if let Some(bad) = batches.iter().find(|b| b.is_empty() || b.len() > bs) {
                fail!("a batch has {} samples, batches hold 1 to {bs}", bad.len());
            }
            if !is_permutation(&batches.concat(), lengths.len()) {
                fail!(
                    "the epoch's batches must hold every one of the {} samples exactly once",
                    lengths.len()
                );
            }
            ensure_eq!(
                imp.bucket_batches(&lengths, 0, seed, epoch).map(|_| ()),
                Err(LoaderError::InvalidBatchSize),
                "bucket_batches with batch_size 0"
            );
            Ok(())
        },
    )
}

fn buckets_pad_less(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(&["lengths", "batch_size", "seed", "epoch"], bucket_inputs(), |(lengths, bs, seed, epoch)| {
        let batches = bucket(imp, &lengths, bs, seed, epoch)?;
        if !is_permutation(&batches.concat(), lengths.len()) {
            fail!("the epoch's batches must hold every sample exactly once");
        }
        let mut plain_order: Vec<usize> = (0..lengths.len()).collect();
        plain_order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed ^ epoch));
        let plain = plain_padding(&lengths, &plain_order, bs);
        let got = batches_padding(&lengths, &batches);
        if 2 * got > plain {
            fail!("{got} padding tokens; plain shuffled batches need {plain}, bucketing must need at most half");
        }
        Ok(())
    })
}

fn buckets_reshuffle(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(
        &["lengths", "batch_size", "seed", "epoch"],
        bucket_inputs(),
        |(lengths, bs, seed, epoch)| {
            let this = bucket(imp, &lengths, bs, seed, epoch)?;
            if bucket(imp, &lengths, bs, seed, epoch)? != this {
                fail!("two calls for the same (seed, epoch) gave different batches");
            }
            if bucket(imp, &lengths, bs, seed, epoch + 1)? == this {
                fail!(
                    "epochs {epoch} and {} gave the same batches: bucketing must still shuffle",
                    epoch + 1
                );
            }
            Ok(())
        },
    )
}

/// The epoch's batches as sets: which samples share a batch, whatever the order.
fn contents(mut batches: Vec<Vec<usize>>) -> Vec<Vec<usize>> {
    batches.iter_mut().for_each(|b| b.sort_unstable());
    batches.sort_unstable();
    batches
}

/// Reordering the same batches is not shuffling: with `batch_size >= 2`, which samples
/// share a batch must change between epochs. Three consecutive epochs with the same
/// contents fail. A loader whose contents change at random passes: the reference's
/// coin at each of at least 19 batch boundaries makes two epochs agree with probability
/// at most 2^-19, so three agree with probability below 1e-11.
fn buckets_regroup(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    let inputs =
        bucket_inputs().prop_filter("batches of one sample cannot regroup", |input| input.1 >= 2);
    ctx.for_all_named(&["lengths", "batch_size", "seed", "epoch"], inputs, |(lengths, bs, seed, epoch)| {
        let first = contents(bucket(imp, &lengths, bs, seed, epoch)?);
        for next in [epoch + 1, epoch + 2] {
            if contents(bucket(imp, &lengths, bs, seed, next)?) != first {
                return Ok(());
            }
        }
        fail!(
            "epochs {epoch}, {} and {} group the same samples into batches (batch_size = {bs}); \
             only their order changed, and bucketing must not give up shuffling: which \
             samples share a batch must change between epochs",
            epoch + 1,
            epoch + 2
        )
    })
}

pub(crate) fn resume_inputs() -> impl Strategy<Value = (usize, usize, bool, u64, u64, usize)> {
    (sizes(), any::<bool>(), any::<u64>(), 0u64..1000).prop_flat_map(
        |((n, bs), drop_last, seed, epoch)| {
            let total = expected_batch_count(n, bs, drop_last);
            (
                Just(n),
                Just(bs),
                Just(drop_last),
                Just(seed),
                Just(epoch),
                0..=total,
            )
        },
    )
}

fn resume_continues_the_epoch(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(&["n", "batch_size", "drop_last", "seed", "epoch", "consumed"], resume_inputs(), |(n, bs, drop_last, seed, epoch, consumed)| {
        let call = |k| imp.resume(n, bs, drop_last, seed, epoch, k);
        let Ok(whole) = call(0) else { fail!("resume from the start of the epoch failed") };
        let covered = if drop_last { n - n % bs } else { n };
        let flat = whole.concat();
        let mut sorted = flat.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if flat.len() != covered || sorted.len() != covered || sorted.iter().any(|&i| i >= n) {
            fail!("resume(consumed=0) must give {covered} distinct indices of 0..{n}, got {flat:?}");
        }
        ensure_eq!(call(consumed), Ok(whole[consumed..].to_vec()), "resume(consumed={consumed}) vs the rest of resume(consumed=0)");
        Ok(())
    })
}

fn resume_edges(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(&["n", "batch_size", "drop_last", "seed", "past_the_end"], (0usize..300, 1usize..40, any::<bool>(), any::<u64>(), 1usize..4), |(n, bs, drop_last, seed, past)| {
        let total = expected_batch_count(n, bs, drop_last);
        ensure_eq!(imp.resume(n, bs, drop_last, seed, 0, total), Ok(vec![]), "resume after all {total} batches");
        let consumed = total + past;
        ensure_eq!(
            imp.resume(n, bs, drop_last, seed, 0, consumed),
            Err(LoaderError::ResumePastEnd { consumed, total }),
            "resume(consumed={consumed}) of an epoch of {total} batches"
        );
        // The batch size is checked first: with batch_size 0 no `consumed` is past the end.
        for consumed in [0, past, consumed] {
            ensure_eq!(
                imp.resume(n, 0, drop_last, seed, 0, consumed),
                Err(LoaderError::InvalidBatchSize),
                "resume(n={n}, batch_size=0, consumed={consumed})"
            );
        }
        if total > 0 {
            let last = imp.resume(n, bs, drop_last, seed, 0, total - 1);
            if !matches!(&last, Ok(b) if b.len() == 1) {
                fail!("resume at the epoch's last batch must give exactly that batch, got {last:?}");
            }
        }
        Ok(())
    })
}

// ---------------------------------------------------------------- the shuffle, larger
//
// The shuffle's checks beyond tiny inputs and near neighbours: where each element lands in a larger permutation (a shuffle that is uniform for a handful of elements but skewed for more, such as a bounded shuffle buffer, fails it), and orders that must change when the seed or the epoch differs only in its high bits (an order that keeps 32 bits of either fails it). Reference-free, like every invariant.

/// Whether `order` holds each of `0..n` exactly once.
pub(crate) fn is_permutation(order: &[usize], n: usize) -> bool {
    let mut sorted = order.to_vec();
    sorted.sort_unstable();
    sorted.len() == n && sorted.iter().enumerate().all(|(i, &v)| i == v)
}

/// The shuffle's checks beyond four elements and near neighbours.
fn larger_shuffle_properties() -> Vec<Property<Loader>> {
    vec![
        property!(
            "shuffle/positions_uniform",
            Invariant,
            shuffle_positions_uniform
        ),
        property!(
            "shuffle/every_bit_of_seed_and_epoch",
            Invariant,
            shuffle_every_bit
        ),
    ]
}

/// Elements of the permutation whose positions are counted, and how many epochs are
/// drawn. Each of the 50 x 50 (element, position) cells gets one Bernoulli(1/50) trial
/// per epoch, independent across epochs, so its count is binomial with mean 300; a
/// Bernstein bound per cell with a union bound over the 2,500 cells keeps the false-alarm
/// rate below `FALSE_ALARM` (1e-9) and allows a deviation of about 143. A shuffle buffer
/// of 8 places element 49 at position 0 never (300 below the mean).
pub(crate) const POSITIONS_N: usize = 50;
pub(crate) const POSITIONS_EPOCHS: u64 = 15_000;

fn shuffle_positions_uniform(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    let seed = ctx.property_seed();
    let n = POSITIONS_N;
    let mut counts = vec![0u64; n * n];
    let orders = epoch_orders(imp, n, seed, 0..POSITIONS_EPOCHS);
    for (epoch, order) in (0..POSITIONS_EPOCHS).zip(orders) {
        if !is_permutation(&order, n) {
            return Err(Failure {
                reason: format!("epoch_permutation(n = {n}) is not a permutation: {order:?}"),
                counterexample: Some(format!("n = {n}, seed = {seed}, epoch = {epoch}")),
            });
        }
        for (position, &element) in order.iter().enumerate() {
            counts[element * n + position] += 1;
        }
    }
    check_uniform(&counts, FALSE_ALARM).map_err(|why| {
        let cell = counts
            .iter()
            .enumerate()
            .max_by_key(|&(_, &c)| c.abs_diff(POSITIONS_EPOCHS / n as u64))
            .map_or(0, |(cell, _)| cell);
        Failure {
            reason: format!(
                "where the elements of a {n}-element order land is not uniform: element {} \
                 landed at position {} {} times in {POSITIONS_EPOCHS} epochs, expected {} \
                 ({why}); a shuffle must be uniform for every n, not only for small ones",
                cell / n,
                cell % n,
                counts[cell],
                POSITIONS_EPOCHS / n as u64,
            ),
            counterexample: Some(format!(
                "n = {n}, seed = {seed}, epochs 0..{POSITIONS_EPOCHS}"
            )),
        }
    })
}

/// Two independent uniform orders of `n >= 20` elements coincide with probability at most
/// `1 / 20!` (below 1e-18), so each comparison's false-alarm rate is negligible.
fn shuffle_every_bit(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    let inputs = (20usize..100, any::<u64>(), any::<u64>(), 32u32..64);
    ctx.for_all_named(&["n", "seed", "epoch", "bit"], inputs, |(n, seed, epoch, bit)| {
        let order = imp.epoch_permutation(n, seed, epoch);
        let high = 1u64 << bit;
        // Flipping one high bit, and flipping it with its low twin (which a seed folded to
        // 32 bits by `x ^ (x >> 32)` would not see), must each give another order.
        let folded = high | 1u64 << (bit - 32);
        let others = [
            (seed ^ high, epoch, "seed"),
            (seed, epoch ^ high, "epoch"),
            (seed ^ folded, epoch, "seed"),
            (seed, epoch ^ folded, "epoch"),
        ];
        for (other_seed, other_epoch, what) in others {
            if imp.epoch_permutation(n, other_seed, other_epoch) == order {
                fail!(
                    "n = {n}: (seed = {seed:#x}, epoch = {epoch:#x}) and (seed = {other_seed:#x}, \
                     epoch = {other_epoch:#x}) give the same order; the {what}s differ only in \
                     bits 32 and up, and every bit of seed and epoch must count"
                );
            }
        }
        Ok(())
    })
}
