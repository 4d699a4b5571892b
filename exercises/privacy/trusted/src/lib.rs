//! The privacy exercise's trusted half, bound for the judge through
//! [`mldrill_pack::Pack`]: the data and networks the harness makes ([`data`], [`train`],
//! cached per seed in [`scenario`]), the reference ([`reference`], on [`metrics`] and
//! [`dp`]), the properties (reference-free [`invariant`] ones, one file per task, which
//! screens export; [`differential`] ones, hidden), the mutants that prove they bite
//! ([`mutants`]), the statement's checked promises ([`claims`]), the `dp_sgd_step`
//! benchmark ([`bench`]) and `mldrill privacy` ([`command`], [`demo`]).

pub mod bench;
pub mod claims;
pub mod command;
pub mod data;
pub mod demo;
pub mod differential;
pub mod dp;
pub mod invariant;
pub mod metrics;
pub mod mutants;
pub mod naive;
pub mod reference;
pub mod scenario;
pub mod train;

use std::rc::Rc;

use mldrill_pack::{Bench, Claim, Failure, Property, flaw_named};
use mldrill_runner::Transport;
use mldrill_runner::server::Service;
use privacy_api::Privacy;
use privacy_wire::{Remote, Server};

use mutants::{Flaw, Mutant};
use reference::Reference;

/// The pack, registered with the harness.
pub static PACK: PrivacyPack = PrivacyPack;

/// The privacy exercise.
pub struct PrivacyPack;

/// Every property of the exercise: the invariants, then the differential ones.
pub fn properties() -> Vec<Property<dyn Privacy>> {
    let mut all = invariant::properties();
    all.extend(differential::properties());
    all
}

fn run(
    imp: &(dyn Privacy + 'static),
    property: &str,
    seed: u64,
    cases: u32,
) -> Option<Result<(), Failure>> {
    let property = properties().into_iter().find(|p| p.id == property)?;
    // Every network of the exercise is small: one libtorch thread is fastest, and the
    // scenario's training is deterministic with it.
    tch::set_num_threads(1);
    Some(property.run(imp, seed, cases))
}

/// The implementation an id names: `reference` or `mutant:<Flaw>`.
fn implementation(id: &str) -> Option<Box<dyn Privacy>> {
    match id {
        "reference" => Some(Box::new(Reference)),
        other => Some(Box::new(Mutant(flaw_named(&Flaw::ALL, other)?))),
    }
}

impl mldrill_pack::Pack for PrivacyPack {
    fn id(&self) -> &'static str {
        "privacy"
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

    fn claims(&self) -> Vec<Claim> {
        claims::CLAIMS.to_vec()
    }

    fn bench(&self, bench: &str, seed: u64) -> Option<Bench> {
        bench::bench(bench, seed)
    }
}
