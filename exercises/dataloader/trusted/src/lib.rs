//! The dataloader exercise's trusted half, bound for the judge through [`mldrill_pack::Pack`]:
//! the reference ([`reference`]), the properties (reference-free [`invariant`] ones, one
//! file per task, which screens export; [`differential`] ones, hidden), the mutants that
//! prove they bite ([`mutants`]), the statement's checked promises ([`claims`]), and the
//! `collate` benchmark ([`bench`]).

pub mod bench;
pub mod claims;
pub mod differential;
pub mod invariant;
pub mod mutants;
pub mod reference;

use std::rc::Rc;

use dataloader_wire::{Remote, Server};
use mldrill_pack::{Bench, Claim, Failure, Property, flaw_named};
use mldrill_runner::Transport;
use mldrill_runner::server::Service;
use mldrill_spec::dataloader::DataLoader;

use mutants::{Flaw, Mutant};
use reference::Reference;

/// The pack, registered with the harness.
pub static PACK: Dataloader = Dataloader;

/// The dataloader exercise.
pub struct Dataloader;

/// Every property of the exercise: the invariants, then the differential ones.
pub fn properties() -> Vec<Property<invariant::Loader>> {
    let mut all = invariant::properties();
    all.extend(differential::properties());
    all
}

fn run(
    imp: &(dyn DataLoader + 'static),
    property: &str,
    seed: u64,
    cases: u32,
) -> Option<Result<(), Failure>> {
    let property = properties().into_iter().find(|p| p.id == property)?;
    Some(property.run(imp, seed, cases))
}

/// The implementation an id names: `reference` or `mutant:<Flaw>`.
fn implementation(id: &str) -> Option<Box<dyn DataLoader>> {
    match id {
        "reference" => Some(Box::new(Reference)),
        other => Some(Box::new(Mutant(flaw_named(&Flaw::ALL, other)?))),
    }
}

impl mldrill_pack::Pack for Dataloader {
    fn id(&self) -> &'static str {
        "dataloader"
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
        // The statistical shuffle checks ask for tens of thousands of epoch orders: one
        // request each way instead of one round trip per order.
        let batched = Remote::new(Rc::clone(&transport));
        let orders: invariant::EpochOrders =
            Box::new(move |n, seed, epochs| batched.epoch_permutations(n, seed, epochs));
        invariant::with_epoch_orders(orders, || {
            run(&Remote::new(transport), property, seed, cases)
        })
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

    fn claims(&self) -> Vec<Claim> {
        claims::CLAIMS.to_vec()
    }

    fn bench(&self, bench: &str, seed: u64) -> Option<Bench> {
        bench::bench(bench, seed)
    }
}
