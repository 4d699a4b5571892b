//! The dataloader's reference-free properties of the `batching` task: index batches with `drop_last`.

use super::*;

/// Batches in an epoch of `n` samples: `ceil(n / bs)`, or `floor(n / bs)` with `drop_last`.
pub fn expected_batch_count(n: usize, bs: usize, drop_last: bool) -> usize {
    if drop_last { n / bs } else { n.div_ceil(bs) }
}

/// `(n, batch_size)` built from (batch size, full batches, remainder), so that a failure
/// shrinks to few small batches instead of one arbitrary large `n`.
pub fn sizes() -> impl Strategy<Value = (usize, usize)> {
    (1usize..40, 0usize..8, 0usize..40).prop_map(|(bs, full, rem)| (bs * full + rem % bs, bs))
}

pub fn batching_inputs() -> impl Strategy<Value = (usize, usize, bool)> {
    (sizes(), any::<bool>()).prop_map(|((n, bs), drop_last)| (n, bs, drop_last))
}

pub fn batching_covers_in_order(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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

pub fn batching_rejects_zero(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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
