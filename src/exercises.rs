//! The exercises this build knows, each bound behind the one [`Judged`] interface the
//! judge uses: its property suite, its reference and mutants (served as call servers, or
//! run in this process by the project's own tests), and its benchmark.

mod dataloader;
mod ngram;
mod poison;

use std::rc::Rc;

use mldrill_runner::Transport;
use mldrill_runner::server::Service;

use crate::judge::timing::Bench;
use crate::suite::Failure;

pub use poison::bench_dataset;

/// One exercise, bound for the judge.
pub trait Judged {
    /// The exercise id.
    fn id(&self) -> &'static str;
    /// Every property id, in task order.
    fn property_ids(&self) -> Vec<&'static str>;
    /// The reference-free properties, the ones a screen exports.
    fn invariant_ids(&self) -> Vec<&'static str>;
    /// Runs one property against the implementation behind `transport`; `None` when the
    /// property is unknown.
    fn run_remote(
        &self,
        property: &str,
        transport: Rc<dyn Transport>,
        seed: u64,
        cases: u32,
    ) -> Option<Result<(), Failure>>;
    /// Runs one property in this process against `reference` or `mutant:<Flaw>`.
    fn run_local(
        &self,
        implementation: &str,
        property: &str,
        seed: u64,
        cases: u32,
    ) -> Option<Result<(), Failure>>;
    /// A call server for `reference` or `mutant:<Flaw>`, for the references' runner.
    fn serve(&self, implementation: &str) -> Option<Box<dyn Service>>;
    /// Benchmark `bench` on inputs derived from `seed`; `None` when there is none.
    fn bench(&self, bench: &str, seed: u64) -> Option<Bench>;
}

/// Every exercise.
pub fn all() -> [&'static dyn Judged; 3] {
    [&dataloader::Dataloader, &ngram::Ngram, &poison::Poison]
}

/// The exercise `id`.
pub fn find(id: &str) -> Option<&'static dyn Judged> {
    all().into_iter().find(|e| e.id() == id)
}

/// The ids of an exercise's reference-free properties, the ones a screen exports; `None`
/// for an exercise this build does not know.
pub fn invariant_ids(exercise: &str) -> Option<Vec<&'static str>> {
    find(exercise).map(|e| e.invariant_ids())
}
