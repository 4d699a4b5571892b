//! `mldrill-runner-ngram`: the ngram exercise with the candidate crate linked in. The
//! `mldrill` CLI starts it as a child process under limits and reads its results over a
//! pipe.

use std::process::ExitCode;

use mldrill::child::Candidates;
use mldrill::exercises::Ngram;

#[global_allocator] // measures the heap for the n-gram stream task's memory properties
static HEAP: &mldrill::suite::ngram::memory::Meter = &mldrill::suite::ngram::memory::METER;

fn main() -> ExitCode {
    mldrill::child::main(&[&Ngram(ngram::Candidate)], Candidates::Linked)
}
