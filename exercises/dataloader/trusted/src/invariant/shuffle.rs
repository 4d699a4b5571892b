//! The dataloader's reference-free properties of the `shuffle` task: a uniform, reproducible order per epoch, checked statistically with a bounded false-alarm rate.

use super::*;

pub fn shuffle_is_permutation(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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

pub fn shuffle_reproducible(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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

pub fn shuffle_changes(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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
pub const UNIFORM_N: usize = 4;

pub const UNIFORM_EPOCHS: u64 = 48_000;

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
pub fn permutation_rank(order: &[usize]) -> usize {
    let mut rank = 0;
    for (i, &v) in order.iter().enumerate() {
        let smaller_after = order[i + 1..].iter().filter(|&&w| w < v).count();
        rank = rank * (order.len() - i) + smaller_after;
    }
    rank
}

pub fn permutation_ranks(imp: &Loader, seed: u64) -> Result<Vec<usize>, Failure> {
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

pub fn shuffle_uniform(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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

pub fn shuffle_epochs_independent(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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

// The shuffle, larger: The shuffle's checks beyond tiny inputs and near neighbours: where each element lands in a larger permutation (a shuffle that is uniform for a handful of elements but skewed for more, such as a bounded shuffle buffer, fails it), and orders that must change when the seed or the epoch differs only in its high bits (an order that keeps 32 bits of either fails it). Reference-free, like every invariant.

/// Whether `order` holds each of `0..n` exactly once.
pub fn is_permutation(order: &[usize], n: usize) -> bool {
    let mut sorted = order.to_vec();
    sorted.sort_unstable();
    sorted.len() == n && sorted.iter().enumerate().all(|(i, &v)| i == v)
}

/// The shuffle's checks beyond four elements and near neighbours.
pub fn larger_shuffle_properties() -> Vec<Property<Loader>> {
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
pub const POSITIONS_N: usize = 50;
pub const POSITIONS_EPOCHS: u64 = 15_000;

pub fn shuffle_positions_uniform(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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
    record_positions(&counts, n);
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

/// The report's heat map of where each element landed: `counts[element * n + position]`
/// against the expected count and the deviation [`check_uniform`] allows.
fn record_positions(counts: &[u64], n: usize) {
    const TITLE: &str = "Where each element of the shuffle landed";
    figure::record_with(TITLE, || {
        let trials: u64 = counts.iter().sum();
        let expected = trials as f64 / counts.len() as f64;
        let tolerance =
            mldrill_pack::stats::bernstein_threshold(expected, FALSE_ALARM / counts.len() as f64);
        Some(Figure {
            title: TITLE.into(),
            caption: format!(
                "shuffle/positions_uniform: how often each of {n} elements landed at each \
                 position over {POSITIONS_EPOCHS} epochs; a uniform shuffle puts every \
                 element everywhere about {expected:.0} times, within {tolerance:.0}. Red \
                 cells came up more often, blue ones less; the darkest are past the check's \
                 bound."
            ),
            plot: Plot::Grid(Grid {
                x_label: "position in the epoch's order".into(),
                y_label: "element".into(),
                columns: n as u32,
                rows: n as u32,
                counts: counts.to_vec(),
                expected,
                tolerance: Some(tolerance),
            }),
        })
    });
}

/// Two independent uniform orders of `n >= 20` elements coincide with probability at most
/// `1 / 20!` (below 1e-18), so each comparison's false-alarm rate is negligible.
pub fn shuffle_every_bit(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
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
