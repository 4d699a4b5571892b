//! The n-gram exercise's property suite: for every task, differential properties (equal
//! to the reference where the answer is unique, [`differential`]) and invariant ones (no
//! reference needed, [`invariant`]), a statistical check of the count-min sketch's
//! (epsilon, delta) guarantee with a false-alarm rate bounded by construction, and the
//! stream's memory, measured by a metering allocator ([`memory`]).

pub mod differential;
pub mod invariant;
pub mod memory;

use crate::suite::Property;

/// Every property of the exercise: the invariants, the memory ones, then the
/// differential ones.
pub fn properties() -> Vec<Property<invariant::Counter>> {
    let mut all = invariant::properties();
    all.extend(memory::properties());
    all.extend(differential::properties());
    all
}
