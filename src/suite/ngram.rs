//! The n-gram exercise's property suite: for every task, differential properties (equal
//! to the reference where the answer is unique, [`differential`]) and invariant ones (no
//! reference needed, [`invariant`]), plus a statistical check of the count-min sketch's
//! (epsilon, delta) guarantee with a false-alarm rate bounded by construction.

pub mod differential;
pub mod invariant;

use crate::suite::Property;

/// Every property of the exercise: the invariants, then the differential ones.
pub fn properties() -> Vec<Property<invariant::Counter>> {
    let mut all = invariant::properties();
    all.extend(differential::properties());
    all
}
