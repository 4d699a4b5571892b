//! The types and traits that every mldrill exercise's API is written in.
//!
//! Candidates implement these traits in their own crate; the harness runs the reference,
//! the candidate and every known-wrong mutant through the same property suites. This crate
//! is read-only to candidates: the grader always uses its own copy.

pub mod dataloader;
pub mod ngram;
pub mod poison;

pub use ndarray;
pub use tch;
