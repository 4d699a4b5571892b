//! The shuffle's checks beyond tiny inputs and near neighbours: where each element lands
//! in a larger permutation (a shuffle that is uniform for a handful of elements but skewed
//! for more, such as a bounded shuffle buffer, fails it), and orders that must change
//! when the seed or the epoch differs only in its high bits (an order that keeps 32 bits
//! of either fails it). Reference-free, like every invariant.

use proptest::prelude::*;

use crate::suite::stats::{FALSE_ALARM, check_uniform};
use crate::suite::{Ctx, Failure, Property};
use crate::{fail, property};
use mldrill_spec::dataloader::DataLoader;

/// Whether `order` holds each of `0..n` exactly once.
pub(crate) fn is_permutation(order: &[usize], n: usize) -> bool {
    let mut sorted = order.to_vec();
    sorted.sort_unstable();
    sorted.len() == n && sorted.iter().enumerate().all(|(i, &v)| i == v)
}

/// The shuffle properties of this file; [`super::invariant::properties`] lists them
/// among the invariants (this file depends on no other suite file).
pub fn properties() -> Vec<Property<dyn DataLoader>> {
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

fn shuffle_positions_uniform(imp: &dyn DataLoader, ctx: &mut Ctx) -> Result<(), Failure> {
    let seed = ctx.property_seed();
    let n = POSITIONS_N;
    let mut counts = vec![0u64; n * n];
    for epoch in 0..POSITIONS_EPOCHS {
        let order = imp.epoch_permutation(n, seed, epoch);
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
fn shuffle_every_bit(imp: &dyn DataLoader, ctx: &mut Ctx) -> Result<(), Failure> {
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
