//! mldrill: runnable ML and AI-security coding exercises, graded by property tests and
//! benchmarks. The `mldrill` binary is a thin shell over [`cli::run`]; candidate code
//! never runs in its process but in the `mldrill-runner` child (see [`runner`]).

pub mod mutants;
pub mod reference;
pub mod suite;
