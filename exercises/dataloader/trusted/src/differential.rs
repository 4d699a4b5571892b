//! The dataloader's differential properties: the candidate equals the reference wherever
//! the answer is unique. Hidden from candidates; graded by `mldrill grade`.

use crate::invariant::{
    Loader, batching_inputs, case_tensors, collate_inputs, describe, pad_inputs, pad_tensors,
    resume_inputs, same_tensor, shard_inputs,
};
use crate::reference::{Reference, chunk, shard_order};
use mldrill_pack::{Ctx, Failure, Property, ensure_eq, fail, property};
use mldrill_spec::dataloader::DataLoader;

/// The properties that compare with the reference, in task order.
pub fn properties() -> Vec<Property<Loader>> {
    vec![
        property!(
            "batching/matches_reference",
            Differential,
            batching_matches_reference
        ),
        property!(
            "distributed/matches_reference",
            Differential,
            shard_matches_reference
        ),
        property!(
            "collate/matches_reference",
            Differential,
            collate_matches_reference
        ),
        property!(
            "sequences/pad_matches_reference",
            Differential,
            pad_matches_reference
        ),
        property!(
            "resume/matches_reference",
            Differential,
            resume_matches_reference
        ),
    ]
}

fn batching_matches_reference(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(
        &["n", "batch_size", "drop_last"],
        batching_inputs(),
        |(n, bs, drop_last)| {
            let expected = Reference.batch_indices(n, bs, drop_last);
            ensure_eq!(
                imp.batch_indices(n, bs, drop_last),
                expected,
                "batch_indices(n={n}, batch_size={bs}, drop_last={drop_last})"
            );
            Ok(())
        },
    )
}

fn shard_matches_reference(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(&["n", "spec"], shard_inputs(), |(n, spec)| {
        // The epoch order is the implementation's own shuffle: sharding is graded apart
        // from shuffling.
        let order = if spec.shuffle {
            imp.epoch_permutation(n, spec.seed, spec.epoch)
        } else {
            (0..n).collect()
        };
        let expected = shard_order(&order, spec.num_replicas, spec.rank, spec.drop_last);
        ensure_eq!(imp.shard(n, spec), expected, "shard(n={n}, {spec:?})");
        Ok(())
    })
}

fn collate_matches_reference(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(collate_inputs(), |case| {
        let (features, labels) = case_tensors(&case);
        let expected = Reference
            .collate(&features, &labels, &case.indices)
            .expect("the reference collates valid input");
        let got = match imp.collate(&features, &labels, &case.indices) {
            Ok(batch) => batch,
            Err(e) => fail!("collate failed on valid input: {e}"),
        };
        if !same_tensor(&got.features, &expected.features) {
            fail!(
                "features: got {}, not the rows asked for",
                describe(&got.features)
            );
        }
        if !same_tensor(&got.labels, &expected.labels) {
            fail!(
                "labels: got {}, not the labels of the rows asked for",
                describe(&got.labels)
            );
        }
        Ok(())
    })
}

fn pad_matches_reference(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(pad_inputs(), |case| {
        let seqs = pad_tensors(&case);
        let expected = Reference
            .pad_sequences(&seqs, case.batch_first, case.padding_value)
            .expect("the reference pads valid input");
        let got = match imp.pad_sequences(&seqs, case.batch_first, case.padding_value) {
            Ok(batch) => batch,
            Err(e) => fail!("pad_sequences failed on valid input: {e}"),
        };
        if !same_tensor(&got.data, &expected.data) {
            fail!(
                "data: got {}, expected {} with padding on the right",
                describe(&got.data),
                describe(&expected.data)
            );
        }
        if !same_tensor(&got.mask, &expected.mask) {
            fail!(
                "mask: got {}, expected a Bool mask, true at real tokens",
                describe(&got.mask)
            );
        }
        ensure_eq!(got.lengths, expected.lengths, "lengths");
        Ok(())
    })
}

fn resume_matches_reference(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(&["n", "batch_size", "drop_last", "seed", "epoch", "consumed"], resume_inputs(), |(n, bs, drop_last, seed, epoch, consumed)| {
        // The epoch is the implementation's own shuffle, batched as BatchSampler does.
        let order = imp.epoch_permutation(n, seed, epoch);
        let expected: Vec<Vec<usize>> = chunk(&order, bs, drop_last).split_off(consumed);
        ensure_eq!(
            imp.resume(n, bs, drop_last, seed, epoch, consumed),
            Ok(expected),
            "resume(n={n}, batch_size={bs}, drop_last={drop_last}, seed={seed}, epoch={epoch}, consumed={consumed})"
        );
        Ok(())
    })
}
