//! The n-gram exercise's trusted half, bound for the judge through [`mldrill_pack::Pack`]:
//! the reference ([`reference`]), the properties (reference-free [`invariant`] ones, one
//! file per task, which screens export; the stream's heap bounds, [`memory`]; and
//! [`differential`] ones, hidden), the mutants that prove they bite ([`mutants`]), the
//! `words` benchmark ([`bench`]), and `mldrill ngram-count`, the reference's count-min
//! sketch on a user's own file ([`count_file`]).

pub mod bench;
pub mod claims;
pub mod command;
pub mod count_file;
pub mod differential;
pub mod invariant;
pub mod memory;
pub mod mutants;
pub mod reference;

use std::rc::Rc;

use mldrill_pack::{Bench, Failure, Property, flaw_named};
use mldrill_runner::Transport;
use mldrill_runner::server::Service;
use mldrill_spec::ngram::NgramCounter;
use ngram_wire::{Remote, Server};

use mutants::{Flaw, Mutant};
use reference::Reference;

/// The pack, registered with the harness.
pub static PACK: Ngram = Ngram;

/// The n-gram exercise.
pub struct Ngram;

/// Every property of the exercise: the invariants, the memory ones, then the
/// differential ones.
pub fn properties() -> Vec<Property<invariant::Counter>> {
    let mut all = invariant::properties();
    all.extend(memory::properties());
    all.extend(differential::properties());
    all
}

fn run(
    imp: &(dyn NgramCounter + 'static),
    property: &str,
    seed: u64,
    cases: u32,
) -> Option<Result<(), Failure>> {
    let property = properties().into_iter().find(|p| p.id == property)?;
    Some(property.run(imp, seed, cases))
}

/// The implementation an id names: `reference` or `mutant:<Flaw>`.
fn implementation(id: &str) -> Option<Box<dyn NgramCounter>> {
    match id {
        "reference" => Some(Box::new(Reference)),
        other => Some(Box::new(Mutant(flaw_named(&Flaw::ALL, other)?))),
    }
}

impl mldrill_pack::Pack for Ngram {
    fn id(&self) -> &'static str {
        "ngram"
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
