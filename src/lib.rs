//! mldrill: runnable ML and AI-security coding exercises, graded by property tests and
//! benchmarks. The `mldrill` binary is a thin shell over [`app::run`]; candidate code
//! never runs in its process but in a `mldrill-runner-*` call server, which [`runner`]
//! builds and the [`judge`] starts under limits and drives: the judge runs the
//! properties, the server only computes.

pub mod app;
pub mod batch;
pub mod catalog;
pub mod check;
pub mod cli;
pub mod completions;
pub mod depinfo;
pub mod dev;
pub mod escape;
pub mod exercises;
pub mod exit;
pub mod feedback;
pub mod grade;
pub mod grader;
pub mod interview;
pub mod judge;
pub mod level;
pub mod names;
pub mod plan;
pub mod policy;
pub mod progress;
pub mod questions;
pub mod report;
pub mod runner;
pub mod scorecard;
pub mod screen;
pub mod shard;
pub mod similarity;
pub mod stubs;
pub mod study;
pub mod submission;
pub mod verdict;
pub mod warm_start;
pub mod watch;
pub mod workspace;

/// The limits a call server applies to itself (it lives with the server).
pub use mldrill_runner::sandbox;
