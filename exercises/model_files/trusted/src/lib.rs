//! The model-files exercise's trusted side: the reference, the mutants, the generated
//! hostile files, the properties and the benchmark. Never shown to candidates.

pub mod bench;
pub mod claims;
pub mod differential;
pub mod invariant;
pub mod mutants;
pub mod pack;
pub mod reference;

pub use pack::PACK;

use crate::invariant::Files;
use mldrill_pack::Property;

/// Every property, in task order (the manifest lists the same ids).
pub fn properties() -> Vec<Property<Files>> {
    let mut all = invariant::properties();
    all.extend(differential::properties());
    let order = [
        "safetensors_header",
        "load",
        "save",
        "pickle_scan",
        "checkpoint_scan",
    ];
    all.sort_by_key(|p| order.iter().position(|&t| t == p.task()));
    all
}
