//! `mldrill-runner-reference`: every exercise with its reference and mutants, and no
//! candidate crate, so `mldrill check --impl reference` works whatever state a candidate's
//! code is in. The reference stands in the candidate's place and is never run as one.

use std::process::ExitCode;

use mldrill::child::Candidates;
use mldrill::exercises::{Dataloader, Ngram, Poison};
use mldrill::reference::{dataloader, ngram, poison};

#[global_allocator] // measures the heap for the n-gram stream task's memory properties
static HEAP: &mldrill::suite::ngram::memory::Meter = &mldrill::suite::ngram::memory::METER;

fn main() -> ExitCode {
    mldrill::child::main(
        &[
            &Dataloader(dataloader::Reference),
            &Ngram(ngram::Reference),
            &Poison(poison::Reference),
        ],
        Candidates::Absent,
    )
}
