//! `mldrill-runner-privacy`: the privacy exercise's call server with the candidate's crate
//! linked in. The `mldrill` CLI starts it under limits; it answers calls and decides
//! nothing (see the `mldrill_runner` library).

use std::process::ExitCode;

#[global_allocator] // measures the heap for properties that bound it
static HEAP: &mldrill_runner::server::Meter = &mldrill_runner::server::METER;

fn main() -> ExitCode {
    mldrill_runner::server::main(&mut privacy_wire::Server::new(privacy::Candidate))
}
