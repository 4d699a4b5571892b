//! `mldrill-runner`: the only executable that links candidate code. The `mldrill` CLI
//! starts it as a child process under limits and reads its results over a pipe.

use std::process::ExitCode;

use mldrill::exercises::{Dataloader, Ngram, Poison};

#[global_allocator] // measures the heap for the n-gram stream task's memory properties
static HEAP: &mldrill::suite::ngram::memory::Meter = &mldrill::suite::ngram::memory::METER;

fn main() -> ExitCode {
    mldrill::child::main(&[
        &Dataloader(dataloader::Candidate),
        &Ngram(ngram::Candidate),
        &Poison(poison::Candidate),
    ])
}
