//! The dataloader's reference-free properties of the `sequences` task: padding variable-length sequences, and length-bucketed batches.

use super::*;

/// Padding tokens of plain batches: consecutive runs of `order`, each padded to its longest.
pub fn plain_padding(lengths: &[usize], order: &[usize], bs: usize) -> usize {
    order
        .chunks(bs)
        .map(|batch| {
            let longest = batch.iter().map(|&i| lengths[i]).max().unwrap_or(0);
            batch.iter().map(|&i| longest - lengths[i]).sum::<usize>()
        })
        .sum()
}

pub fn batches_padding(lengths: &[usize], batches: &[Vec<usize>]) -> usize {
    batches
        .iter()
        .map(|b| plain_padding(lengths, b, b.len().max(1)))
        .sum()
}

pub const SEQUENCE_DTYPES: [DType; 4] = [DType::Int64, DType::Int, DType::Float, DType::Double];

#[derive(Debug, Clone)]
pub struct PadCase {
    pub(crate) dtype: DType,
    pub(crate) lengths: Vec<i64>,
    pub(crate) batch_first: bool,
    pub(crate) padding_value: f64,
}

pub fn pad_inputs() -> impl Strategy<Value = PadCase> {
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

pub fn pad_tensors(case: &PadCase) -> Vec<Tensor> {
    case.lengths
        .iter()
        .enumerate()
        .map(|(i, &len)| make_tensor(&[len], case.dtype, 1 + i as i64 * 17))
        .collect()
}

pub fn pad_mask_and_lengths(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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

pub fn pad_rejects_bad_input(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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
pub fn bucket_inputs() -> impl Strategy<Value = (Vec<usize>, usize, u64, u64)> {
    (1usize..9, 2usize..300).prop_flat_map(|(bs, max_len)| {
        (
            vec(1..=max_len, bs * 20..bs * 40),
            Just(bs),
            any::<u64>(),
            0u64..1000,
        )
    })
}

pub fn bucket(
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

pub fn buckets_cover_epoch(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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

pub fn buckets_pad_less(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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

pub fn buckets_reshuffle(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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
pub fn contents(mut batches: Vec<Vec<usize>>) -> Vec<Vec<usize>> {
    batches.iter_mut().for_each(|b| b.sort_unstable());
    batches.sort_unstable();
    batches
}

/// Reordering the same batches is not shuffling: with `batch_size >= 2`, which samples
/// share a batch must change between epochs. Three consecutive epochs with the same
/// contents fail. A loader whose contents change at random passes: the reference's
/// coin at each of at least 19 batch boundaries makes two epochs agree with probability
/// at most 2^-19, so three agree with probability below 1e-11.
pub fn buckets_regroup(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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
