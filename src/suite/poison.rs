//! The poison exercise's property suite: invariants any correct detector satisfies
//! ([`invariant`], exported to screens), comparisons with the reference
//! ([`differential`]), and detection on a real backdoored network, graded by what
//! retraining without the flagged samples does to the attack ([`end_to_end`]).

pub mod differential;
pub mod end_to_end;
pub mod invariant;

use crate::suite::Property;

/// Every property of the exercise, in task order within each part.
pub fn properties() -> Vec<Property<invariant::Detector>> {
    let mut all = invariant::properties();
    all.extend(differential::properties());
    all.extend(end_to_end::properties());
    all
}
