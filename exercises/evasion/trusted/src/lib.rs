//! The evasion exercise's trusted half, bound for the judge through [`mldrill_pack::Pack`]:
//! the reference ([`reference`]), the properties (reference-free [`invariant`] ones, one
//! file per task, which screens export; [`differential`] ones, hidden), the mutants that
//! prove they bite ([`mutants`]), and the `pgd` benchmark ([`bench`]). The trained glyph
//! classifiers every property attacks are built once per process
//! ([`invariant::scenario`]).

pub mod bench;
pub mod claims;
pub mod command;
pub mod demo;
pub mod differential;
pub mod invariant;
pub mod mutants;
pub mod reference;

use std::rc::Rc;

use evasion_api::Evasion;
use evasion_wire::{Remote, Server};
use mldrill_pack::{Bench, Claim, Failure, Property, flaw_named};
use mldrill_runner::Transport;
use mldrill_runner::server::Service;

use mutants::{Flaw, Mutant};
use reference::Reference;

/// The pack, registered with the harness.
pub static PACK: EvasionPack = EvasionPack;

/// The evasion exercise.
pub struct EvasionPack;

/// Every property of the exercise in task order: each task's invariants, then its
/// differential ones.
pub fn properties() -> Vec<Property<invariant::Attack>> {
    let mut all = invariant::properties();
    for property in differential::properties() {
        let after = all
            .iter()
            .rposition(|p| p.task() == property.task())
            .map_or(all.len(), |at| at + 1);
        all.insert(after, property);
    }
    all
}

fn run(
    imp: &(dyn Evasion + 'static),
    property: &str,
    seed: u64,
    cases: u32,
) -> Option<Result<(), Failure>> {
    let property = properties().into_iter().find(|p| p.id == property)?;
    // Properties and attacks are timed on one libtorch thread, as the candidate runs.
    tch::set_num_threads(1);
    Some(property.run(imp, seed, cases))
}

/// The implementation an id names: `reference` or `mutant:<Flaw>`.
fn implementation(id: &str) -> Option<Box<dyn Evasion>> {
    match id {
        "reference" => Some(Box::new(Reference)),
        other => Some(Box::new(Mutant(flaw_named(&Flaw::ALL, other)?))),
    }
}

impl mldrill_pack::Pack for EvasionPack {
    fn id(&self) -> &'static str {
        "evasion"
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
        tch::set_num_threads(1);
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

    fn claims(&self) -> Vec<Claim> {
        claims::CLAIMS.to_vec()
    }

    fn bench(&self, bench: &str, seed: u64) -> Option<Bench> {
        bench::bench(bench, seed)
    }
}
