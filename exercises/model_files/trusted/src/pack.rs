//! The model-files exercise bound for the judge: its properties, reference, mutants, call
//! servers and the `load` benchmark.

use std::rc::Rc;

use mldrill_runner::Transport;
use mldrill_runner::server::Service;
use model_files_wire::{Remote, Server};

use crate::invariant::Files;
use crate::mutants::{Flaw, Mutant};
use crate::reference::Reference;
use mldrill_pack::{Bench, Failure};

/// The pack, registered with the harness.
pub static PACK: ModelFilesPack = ModelFilesPack;

/// The model-files exercise.
pub struct ModelFilesPack;

fn run(imp: &Files, property: &str, seed: u64, cases: u32) -> Option<Result<(), Failure>> {
    let property = crate::properties().into_iter().find(|p| p.id == property)?;
    Some(property.run(imp, seed, cases))
}

fn mutant(implementation: &str) -> Option<Mutant> {
    mldrill_pack::flaw_named(&Flaw::ALL, implementation).map(Mutant)
}

impl mldrill_pack::Pack for ModelFilesPack {
    fn id(&self) -> &'static str {
        "model_files"
    }

    fn property_ids(&self) -> Vec<&'static str> {
        crate::properties().iter().map(|p| p.id).collect()
    }

    fn invariant_ids(&self) -> Vec<&'static str> {
        crate::invariant::properties()
            .iter()
            .map(|p| p.id)
            .collect()
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
        implementation: &str,
        property: &str,
        seed: u64,
        cases: u32,
    ) -> Option<Result<(), Failure>> {
        match implementation {
            "reference" => run(&Reference, property, seed, cases),
            other => run(&mutant(other)?, property, seed, cases),
        }
    }

    fn mutant_ids(&self) -> Vec<String> {
        mldrill_pack::mutant_ids(&Flaw::ALL)
    }

    fn mutant_tasks(&self, mutant: &str) -> Vec<&'static str> {
        mldrill_pack::mutant::tasks_of(&Flaw::ALL, mutant)
    }

    fn serve(&self, implementation: &str) -> Option<Box<dyn Service>> {
        match implementation {
            "reference" => Some(Box::new(Server::new(Reference))),
            other => Some(Box::new(Server::new(mutant(other)?))),
        }
    }

    fn claims(&self) -> Vec<mldrill_pack::Claim> {
        crate::claims::CLAIMS.to_vec()
    }

    fn bench(&self, bench: &str, seed: u64) -> Option<Bench> {
        (bench == "load").then(|| crate::bench::load_bench(seed))
    }
}
