//! mldrill: runnable ML and AI-security coding exercises, graded by property tests and
//! benchmarks. The `mldrill` binary is a thin shell over [`app::run`]; candidate code
//! never runs in its process but in a `mldrill-runner-*` child ([`child`]), which
//! [`runner`] starts under limits and reads over [`protocol`].

pub mod app;
pub mod backdoor;
pub mod batch;
pub mod catalog;
pub mod child;
pub mod cli;
pub mod depinfo;
pub mod exercises;
pub mod feedback;
pub mod grade;
pub mod grader;
pub mod mutants;
pub mod names;
pub mod ngram_count;
pub mod plan;
pub mod policy;
pub mod progress;
pub mod protocol;
pub mod reference;
pub mod report;
pub mod runner;
pub mod sandbox;
pub mod screen;
pub mod shard;
pub mod similarity;
pub mod stubs;
pub mod study;
pub mod submission;
pub mod suite;
pub mod timing;
pub mod warm_start;
pub mod watch;
pub mod workspace;
