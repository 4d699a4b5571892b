//! `mldrill-runner-dataloader`: the dataloader exercise with the candidate crate linked in. The
//! `mldrill` CLI starts it as a child process under limits and reads its results over a
//! pipe.

use std::process::ExitCode;

use mldrill::child::Candidates;
use mldrill::exercises::Dataloader;

fn main() -> ExitCode {
    mldrill::child::main(&[&Dataloader(dataloader::Candidate)], Candidates::Linked)
}
