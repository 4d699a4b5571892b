//! Reference implementations: one file per exercise, each the answer the suites compare
//! candidates against and the yardstick the benchmarks time them against.

pub mod dataloader;
pub mod ngram;
pub mod poison;
