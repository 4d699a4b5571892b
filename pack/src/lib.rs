//! What an exercise pack gives the harness, and the tools its trusted crate is written with.
//!
//! An exercise is one folder, `exercises/<id>/`: its statement and manifest, the candidate's
//! stub crate, the API crate the candidate implements, the wire crate that carries calls to
//! the candidate's process, the runner executable, and a *trusted* crate (reference,
//! properties, mutants, benchmark) that the judge links and no candidate ever sees. The
//! trusted crate exposes one value implementing [`Pack`]; registering the pack is one
//! dependency line in the harness's `Cargo.toml`.
//!
//! - [`property`]: named properties run with proptest from a seed ([`Property`], [`Ctx`],
//!   [`Failure`], and the `property!`, `fail!` and `ensure_eq!` macros);
//! - [`stats`]: statistical checks with a false-alarm rate bounded by construction;
//! - [`figure`]: plots of what a property measured, recorded for the report to draw;
//! - [`bench`]: a benchmark's work as the judge times it;
//! - [`heap`]: the heap a property measures, in the candidate's process or this one;
//! - [`mutant`]: naming known-wrong implementations;
//! - [`peers`]: the worker of a pack's interleaved peer benchmark;
//! - [`claim`]: a statement's formulas and worked examples, checked against the reference;
//! - [`command`]: commands a pack adds to the CLI.

pub mod bench;
pub mod claim;
pub mod command;
pub mod figure;
pub mod heap;
pub mod mutant;
pub mod peers;
pub mod property;
pub mod stats;

use std::rc::Rc;

use mldrill_runner::Transport;
use mldrill_runner::server::Service;

pub use bench::{Bench, Check};
pub use claim::Claim;
pub use command::PackCommand;
pub use figure::Figure;
pub use mutant::{flaw_named, mutant_ids};
pub use property::{Ctx, Failure, Kind, Named, Property, brief, panic_message};
/// The property-testing library the suites are written with, for the macros' use.
pub use proptest;

/// One exercise, bound for the judge. Implemented once per pack, by its trusted crate.
pub trait Pack: Sync {
    /// The exercise id: its folder under `exercises/` and its candidate crate's name.
    fn id(&self) -> &'static str;
    /// Every property id, `<task>/<name>`, in task order.
    fn property_ids(&self) -> Vec<&'static str>;
    /// The reference-free properties, the ones a screen exports to a candidate.
    fn invariant_ids(&self) -> Vec<&'static str>;
    /// Runs one property against the implementation behind `transport` (the candidate's
    /// process); `None` when the property is unknown.
    fn run_remote(
        &self,
        property: &str,
        transport: Rc<dyn Transport>,
        seed: u64,
        cases: u32,
    ) -> Option<Result<(), Failure>>;
    /// Runs one property in this process against `reference` or `mutant:<Flaw>`; `None`
    /// when either is unknown.
    fn run_local(
        &self,
        implementation: &str,
        property: &str,
        seed: u64,
        cases: u32,
    ) -> Option<Result<(), Failure>>;
    /// Every mutant's implementation id, `mutant:<Flaw>`.
    fn mutant_ids(&self) -> Vec<String>;
    /// The tasks a mutant's flaw breaks: each task's properties must catch it.
    fn mutant_tasks(&self, mutant: &str) -> Vec<&'static str>;
    /// A call server for `reference` or `mutant:<Flaw>`, for the references' runner.
    fn serve(&self, implementation: &str) -> Option<Box<dyn Service>>;
    /// What the statement promises, each checked against the reference (`mldrill dev
    /// check` and the tests verify them against the statement's text).
    fn claims(&self) -> Vec<Claim> {
        Vec::new()
    }
    /// Commands the pack adds to the CLI (`mldrill <name> ...`), if any.
    fn commands(&self) -> Vec<PackCommand> {
        Vec::new()
    }
    /// Benchmark `bench` (a manifest's rubric names it) on inputs derived from `seed`;
    /// `None` when there is none by that name.
    fn bench(&self, bench: &str, seed: u64) -> Option<Bench>;
}
