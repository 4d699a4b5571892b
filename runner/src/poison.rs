//! `mldrill-runner-poison`: the poison exercise with the candidate crate linked in. The
//! `mldrill` CLI starts it as a child process under limits and reads its results over a
//! pipe.

use std::process::ExitCode;

use mldrill::child::Candidates;
use mldrill::exercises::Poison;

fn main() -> ExitCode {
    mldrill::child::main(&[&Poison(poison::Candidate)], Candidates::Linked)
}
