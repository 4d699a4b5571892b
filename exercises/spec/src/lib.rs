//! The types and traits the first exercises' APIs are written in, at the paths candidates
//! have always used (`mldrill_spec::<exercise>`). An exercise pack keeps its API in its own
//! `api/` crate; this crate re-exports those of the packs that began here.
//!
//! Candidates implement these traits in their own crate; the harness runs the reference,
//! the candidate and every known-wrong mutant through the same property suites. This crate
//! is read-only to candidates: the grader always uses its own copy.

pub use dataloader_api as dataloader;
pub mod ngram;
pub mod poison;

pub use ndarray;
pub use tch;
