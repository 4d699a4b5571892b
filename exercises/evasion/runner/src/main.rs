//! `mldrill-runner-evasion`: the evasion exercise's call server with the candidate's crate
//! linked in. The `mldrill` CLI starts it under limits; it answers calls and decides
//! nothing (see the `mldrill_runner` library).

use std::process::ExitCode;

#[global_allocator] // measures the heap for properties that bound it
static HEAP: &mldrill_runner::server::Meter = &mldrill_runner::server::METER;

fn main() -> ExitCode {
    // One libtorch thread, as the judge times the reference.
    tch::set_num_threads(1);
    mldrill_runner::server::main(&mut evasion_wire::Server::new(evasion::Candidate))
}
