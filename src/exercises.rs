//! The exercises this build knows: each binds its property suite to the reference, the
//! mutants and a candidate, behind the one [`BoundSuite`] interface the runner uses.

use mldrill_spec::dataloader::DataLoader;

use crate::child::BoundSuite;
use crate::mutants::dataloader::{Flaw, Mutant};
use crate::reference::dataloader::Reference;
use crate::suite::{Failure, dataloader};

/// The dataloader suite, with the candidate the runner was linked against.
pub struct Dataloader<C: DataLoader + 'static>(pub C);

impl<C: DataLoader + 'static> BoundSuite for Dataloader<C> {
    fn exercise(&self) -> &'static str {
        "dataloader"
    }

    fn property_ids(&self) -> Vec<&'static str> {
        dataloader::properties().iter().map(|p| p.id).collect()
    }

    fn run(
        &self,
        implementation: &str,
        property: &str,
        seed: u64,
        cases: u32,
    ) -> Option<Result<(), Failure>> {
        let mutant;
        let imp: &dyn DataLoader = match implementation {
            "candidate" => &self.0,
            "reference" => &Reference,
            other => {
                let name = other.strip_prefix("mutant:")?;
                let (_, flaw) = Flaw::ALL
                    .into_iter()
                    .find(|(_, f)| format!("{f:?}") == name)?;
                mutant = Mutant(flaw);
                &mutant
            }
        };
        let property = dataloader::properties()
            .into_iter()
            .find(|p| p.id == property)?;
        Some(property.run(imp, seed, cases))
    }
}

/// The ids of an exercise's reference-free properties, the ones a screen exports; `None`
/// for an exercise whose suite is not split into invariant and differential parts.
pub fn invariant_ids(exercise: &str) -> Option<Vec<&'static str>> {
    let ids = match exercise {
        "dataloader" => crate::suite::dataloader::invariant::properties()
            .iter()
            .map(|p| p.id)
            .collect(),
        _ => return None,
    };
    Some(ids)
}
