//! The dataloader exercise bound for the runner: its suite, reference, mutants, and the
//! `collate` benchmark workload.

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

    /// `collate`: gather 256 random rows of a 100,000 x 256 f32 dataset, as the criterion
    /// bench does.
    fn workload<'a>(&'a self, bench: &str, implementation: &str) -> Option<Box<dyn FnMut() + 'a>> {
        const ROWS: i64 = 100_000;
        const FEATURES: i64 = 256;
        let imp: &'a dyn DataLoader = match (bench, implementation) {
            ("collate", "candidate") => &self.0,
            ("collate", "reference") => &Reference,
            _ => return None,
        };
        let features = tch::Tensor::arange(ROWS * FEATURES, (tch::Kind::Float, tch::Device::Cpu))
            .reshape([ROWS, FEATURES]);
        let labels = tch::Tensor::arange(ROWS, (tch::Kind::Int64, tch::Device::Cpu));
        let indices = Reference.epoch_permutation(ROWS as usize, 7, 0)[..256].to_vec();
        Some(Box::new(move || {
            let _ = std::hint::black_box(imp.collate(&features, &labels, &indices));
        }))
    }
}
