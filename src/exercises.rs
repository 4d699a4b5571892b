//! The exercises this build knows: each binds its property suite to the reference, the
//! mutants and a candidate, behind the one [`crate::child::BoundSuite`] interface the
//! runner uses.

mod dataloader;
mod ngram;
mod poison;

pub use poison::bench_dataset;

pub use dataloader::Dataloader;
pub use ngram::Ngram;
pub use poison::Poison;

/// The ids of an exercise's reference-free properties, the ones a screen exports; `None`
/// for an exercise whose suite is not split into invariant and differential parts.
pub fn invariant_ids(exercise: &str) -> Option<Vec<&'static str>> {
    let ids = match exercise {
        "dataloader" => crate::suite::dataloader::invariant::properties()
            .iter()
            .map(|p| p.id)
            .collect(),
        "ngram" => crate::suite::ngram::invariant::properties()
            .iter()
            .map(|p| p.id)
            .collect(),
        "poison" => crate::suite::poison::invariant::properties()
            .iter()
            .map(|p| p.id)
            .collect(),
        _ => return None,
    };
    Some(ids)
}
