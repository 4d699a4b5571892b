//! Code shared by more than one bench target.

pub mod ngram_corpus;
