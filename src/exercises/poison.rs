//! The poison exercise bound for the runner: its suite, reference, mutants, the trained
//! backdoor scenario loaded before the sandbox closes the filesystem, and the `detect`
//! benchmark workload.

use std::path::Path;

use std::any::Any;

use mldrill_spec::poison::{PoisonDetector, PoisonError};

use crate::backdoor::Scenario;
use crate::child::BoundSuite;
use crate::mutants::poison::{Flaw, Mutant};
use crate::reference::poison::Reference;
use crate::suite::poison::invariant::Planted;
use crate::suite::{Failure, poison};
use crate::timing::Workload;

/// The poison suite, with the candidate the runner was linked against.
pub struct Poison<C: PoisonDetector + 'static>(pub C);

impl<C: PoisonDetector + 'static> BoundSuite for Poison<C> {
    fn exercise(&self) -> &'static str {
        "poison"
    }

    fn property_ids(&self) -> Vec<&'static str> {
        poison::properties().iter().map(|p| p.id).collect()
    }

    /// Loads (or trains and caches) the backdoor scenario of this seed while the runner
    /// can still read and write the cache folder; the end-to-end properties then find it
    /// in memory.
    fn prepare(&self, properties: &[String], seed: u64, data_cache: Option<&Path>) {
        if properties.iter().any(|p| p.starts_with("end_to_end/")) {
            Scenario::for_run(seed, data_cache);
        }
    }

    fn run(
        &self,
        implementation: &str,
        property: &str,
        seed: u64,
        cases: u32,
    ) -> Option<Result<(), Failure>> {
        let mutant;
        let imp: &dyn PoisonDetector = match implementation {
            "candidate" => &self.0,
            "reference" => &Reference,
            other => {
                let flaw = crate::mutants::flaw_named(&Flaw::ALL, other)?;
                mutant = Mutant(flaw);
                &mutant
            }
        };
        let property = poison::properties()
            .into_iter()
            .find(|p| p.id == property)?;
        Some(property.run(imp, seed, cases))
    }

    /// `detect`: 20,000 representations of dimension 128 in 10 classes, 5% of some
    /// classes poisoned, `eps = 0.05`; three datasets drawn from `seed`, taken in turn.
    fn workload<'a>(
        &'a self,
        bench: &str,
        implementation: &str,
        seed: u64,
    ) -> Option<Workload<'a>> {
        let imp: &'a dyn PoisonDetector = match (bench, implementation) {
            ("detect", "candidate") => &self.0,
            ("detect", "reference") => &Reference,
            _ => return None,
        };
        let datasets: Vec<_> = (0..3u64)
            .map(|k| bench_dataset_seeded(10, 2_000, 128, 0.05, seed.wrapping_add(k)))
            .collect();
        Some(Workload {
            inputs: datasets.len(),
            call: Box::new(move |input| {
                let data = &datasets[input];
                Box::new(imp.detect(data.x.view(), &data.labels, 0.05))
            }),
            agrees: similar_flags,
        })
    }
}

/// Detection has no unique answer (ties, rounding), but on well-separated data a right
/// detector flags nearly what the reference flags: at least 90% of its flags, and not
/// many more.
fn similar_flags(candidate: &dyn Any, reference: &dyn Any) -> Result<(), String> {
    type Out = Result<Vec<usize>, PoisonError>;
    match (
        candidate.downcast_ref::<Out>(),
        reference.downcast_ref::<Out>(),
    ) {
        (Some(Ok(c)), Some(Ok(r))) => {
            let shared = c.iter().filter(|i| r.binary_search(i).is_ok()).count();
            if shared * 10 >= r.len() * 9 && c.len() * 10 <= r.len() * 11 + 10 {
                Ok(())
            } else {
                Err(format!(
                    "{} flags, {shared} of them among the reference's {}",
                    c.len(),
                    r.len()
                ))
            }
        }
        (Some(Err(e)), _) => Err(format!("it returned an error: {e}")),
        _ => Err("no result".into()),
    }
}

/// The benchmark's data: `classes` Gaussian classes of `per_class` samples in `dim`
/// dimensions, with `eps` of every other class shifted along a hidden direction.
pub fn bench_dataset(
    classes: usize,
    per_class: usize,
    dim: usize,
    eps: f64,
) -> crate::suite::poison::invariant::Dataset {
    bench_dataset_seeded(classes, per_class, dim, eps, 0)
}

/// [`bench_dataset`], drawn from `seed` (0 gives the criterion bench's data).
fn bench_dataset_seeded(
    classes: usize,
    per_class: usize,
    dim: usize,
    eps: f64,
    seed: u64,
) -> crate::suite::poison::invariant::Dataset {
    Planted {
        sizes: vec![per_class; classes],
        labels: (0..classes).collect(),
        poison: (0..classes)
            .map(|c| {
                if c % 2 == 0 {
                    (eps * per_class as f64) as usize
                } else {
                    0
                }
            })
            .collect(),
        dim,
        strength: 6.0,
        loud: 0,
        loud_scale: 0.0,
        eps,
        seed: 0x706f_6973 ^ seed,
    }
    .generate()
}
