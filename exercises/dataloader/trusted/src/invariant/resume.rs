//! The dataloader's reference-free properties of the `resume` task: resuming an epoch mid-way.

use super::*;

pub fn resume_inputs() -> impl Strategy<Value = (usize, usize, bool, u64, u64, usize)> {
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

pub fn resume_continues_the_epoch(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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

pub fn resume_edges(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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
