//! The dataloader exercise's property suite: for every task, differential properties
//! (equal to the reference where the answer is unique, [`differential`]) and invariant
//! ones (no reference needed, [`invariant`]), plus statistical checks of the shuffle with
//! a bounded false-alarm rate.

pub mod differential;
pub mod invariant;

use crate::suite::Property;

/// Every property of the exercise: the invariants, then the differential ones.
pub fn properties() -> Vec<Property<invariant::Loader>> {
    let mut all = invariant::properties();
    all.extend(differential::properties());
    all
}
