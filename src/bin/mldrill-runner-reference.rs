//! `mldrill-runner-reference --exercise ID --implementation reference|mutant:FLAW`: the
//! references' call server. It serves an exercise's reference or one of its mutants the
//! same way a candidate's runner serves the candidate, so that `mldrill check --impl
//! reference` and the benchmark's reference side are judged exactly as a candidate is.
//! It links no candidate crate, so it builds whatever state a candidate's code is in.

use std::process::ExitCode;

#[global_allocator] // measures the heap for properties that bound it
static HEAP: &mldrill_runner::server::Meter = &mldrill_runner::server::METER;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut take = |flag: &str| {
        let at = args.iter().position(|a| a == flag)?;
        let value = args.get(at + 1).cloned();
        args.drain(at..(at + 2).min(args.len()));
        value
    };
    let (Some(exercise), Some(implementation)) = (take("--exercise"), take("--implementation"))
    else {
        eprintln!(
            "mldrill-runner-reference: --exercise and --implementation are required; it is started by `mldrill`, not by hand"
        );
        return ExitCode::from(2);
    };
    let Some(mut service) =
        mldrill::exercises::find(&exercise).and_then(|e| e.serve(&implementation))
    else {
        eprintln!(
            "mldrill-runner-reference: no exercise {exercise} with implementation {implementation}"
        );
        return ExitCode::from(2);
    };
    mldrill_runner::server::run(service.as_mut(), args)
}
