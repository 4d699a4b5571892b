//! The dataloader exercise bound for the runner: its suite, reference, mutants, and the
//! `collate` benchmark workload.

use std::any::Any;

use mldrill_spec::dataloader::{Batch, DataLoader, LoaderError};

use crate::child::BoundSuite;
use crate::mutants::dataloader::{Flaw, Mutant};
use crate::reference::dataloader::Reference;
use crate::suite::{Failure, dataloader};
use crate::timing::Workload;

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
                let flaw = crate::mutants::flaw_named(&Flaw::ALL, other)?;
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
    /// bench does; eight sets of rows drawn from `seed`, taken in turn.
    fn workload<'a>(
        &'a self,
        bench: &str,
        implementation: &str,
        seed: u64,
    ) -> Option<Workload<'a>> {
        const ROWS: i64 = 100_000;
        const FEATURES: i64 = 256;
        const INPUTS: u64 = 8;
        let imp: &'a dyn DataLoader = match (bench, implementation) {
            ("collate", "candidate") => &self.0,
            ("collate", "reference") => &Reference,
            _ => return None,
        };
        let features = tch::Tensor::arange(ROWS * FEATURES, (tch::Kind::Float, tch::Device::Cpu))
            .reshape([ROWS, FEATURES]);
        let labels = tch::Tensor::arange(ROWS, (tch::Kind::Int64, tch::Device::Cpu));
        let rows: Vec<Vec<usize>> = (0..INPUTS)
            .map(|k| Reference.epoch_permutation(ROWS as usize, seed, k)[..256].to_vec())
            .collect();
        Some(Workload {
            inputs: rows.len(),
            call: Box::new(move |input| Box::new(imp.collate(&features, &labels, &rows[input]))),
            agrees: same_batch,
        })
    }
}

/// Gathered rows are copies: the candidate's batch must equal the reference's exactly.
fn same_batch(candidate: &dyn Any, reference: &dyn Any) -> Result<(), String> {
    type Out = Result<Batch, LoaderError>;
    match (
        candidate.downcast_ref::<Out>(),
        reference.downcast_ref::<Out>(),
    ) {
        (Some(Ok(c)), Some(Ok(r)))
            if c.features.equal(&r.features) && c.labels.equal(&r.labels) =>
        {
            Ok(())
        }
        (Some(Ok(_)), _) => Err("the gathered rows differ from the reference's".into()),
        (Some(Err(e)), _) => Err(format!("it returned an error: {e}")),
        (None, _) => Err("no result".into()),
    }
}
