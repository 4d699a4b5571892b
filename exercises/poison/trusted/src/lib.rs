//! The poison exercise's trusted half, bound for the judge through [`mldrill_pack::Pack`]:
//! the reference ([`reference`]), the properties (reference-free [`invariant`] ones, one
//! file per task, which screens export; [`differential`] ones and the [`end_to_end`] ones
//! on a real backdoored network, hidden), the mutants that prove they bite ([`mutants`]),
//! the `detect` benchmark ([`bench`]), and the backdoor scenario itself ([`backdoor`],
//! which `mldrill backdoor` shows).

pub mod backdoor;
pub mod bench;
pub mod claims;
pub mod command;
pub mod differential;
pub mod end_to_end;
pub mod invariant;
pub mod mutants;
pub mod reference;

use std::rc::Rc;

use mldrill_pack::{Bench, Failure, Property, flaw_named};
use mldrill_runner::Transport;
use mldrill_runner::server::Service;
use mldrill_spec::poison::PoisonDetector;
use poison_wire::{Remote, Server};

use mutants::{Flaw, Mutant};
use reference::Reference;

/// The pack, registered with the harness.
pub static PACK: Poison = Poison;

/// The poison exercise.
pub struct Poison;

/// Every property of the exercise, in task order within each part: the invariants, the
/// differential ones, then the end-to-end ones.
pub fn properties() -> Vec<Property<invariant::Detector>> {
    let mut all = invariant::properties();
    all.extend(differential::properties());
    all.extend(end_to_end::properties());
    all
}

fn run(
    imp: &(dyn PoisonDetector + 'static),
    property: &str,
    seed: u64,
    cases: u32,
) -> Option<Result<(), Failure>> {
    let property = properties().into_iter().find(|p| p.id == property)?;
    Some(property.run(imp, seed, cases))
}

/// The implementation an id names: `reference` or `mutant:<Flaw>`.
fn implementation(id: &str) -> Option<Box<dyn PoisonDetector>> {
    match id {
        "reference" => Some(Box::new(Reference)),
        other => Some(Box::new(Mutant(flaw_named(&Flaw::ALL, other)?))),
    }
}

impl mldrill_pack::Pack for Poison {
    fn id(&self) -> &'static str {
        "poison"
    }

    fn property_ids(&self) -> Vec<&'static str> {
        properties().iter().map(|p| p.id).collect()
    }

    fn invariant_ids(&self) -> Vec<&'static str> {
        invariant::properties().iter().map(|p| p.id).collect()
    }

    fn run_remote(
        &self,
        property: &str,
        transport: Rc<dyn Transport>,
        seed: u64,
        cases: u32,
    ) -> Option<Result<(), Failure>> {
        run(&Remote::new(transport), property, seed, cases)
    }

    fn run_local(
        &self,
        implementation_id: &str,
        property: &str,
        seed: u64,
        cases: u32,
    ) -> Option<Result<(), Failure>> {
        run(
            implementation(implementation_id)?.as_ref(),
            property,
            seed,
            cases,
        )
    }

    fn mutant_ids(&self) -> Vec<String> {
        mldrill_pack::mutant_ids(&Flaw::ALL)
    }

    fn mutant_tasks(&self, mutant: &str) -> Vec<&'static str> {
        mldrill_pack::mutant::tasks_of(&Flaw::ALL, mutant)
    }

    fn serve(&self, implementation_id: &str) -> Option<Box<dyn Service>> {
        match implementation_id {
            "reference" => Some(Box::new(Server::new(Reference))),
            other => Some(Box::new(Server::new(Mutant(flaw_named(
                &Flaw::ALL,
                other,
            )?)))),
        }
    }

    fn commands(&self) -> Vec<mldrill_pack::PackCommand> {
        vec![command::COMMAND]
    }

    fn claims(&self) -> Vec<mldrill_pack::Claim> {
        claims::CLAIMS.to_vec()
    }

    fn bench(&self, bench: &str, seed: u64) -> Option<Bench> {
        bench::bench(bench, seed)
    }
}
