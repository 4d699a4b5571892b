//! Known-wrong implementations, one file per exercise: each is a plausible mistake, and
//! the project's tests prove that the suite catches every one of them.

pub mod dataloader;
pub mod ngram;
pub mod poison;
