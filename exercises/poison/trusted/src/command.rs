//! The poison pack's command, `mldrill backdoor`: the backdoor end to end, by the reference.

use std::ffi::OsString;
use std::process::ExitCode;

use mldrill_pack::PackCommand;

/// `mldrill backdoor`.
pub const COMMAND: PackCommand = PackCommand {
    name: "backdoor",
    about: "Show the poison exercise's backdoor end to end, by the reference",
    run,
};

/// Show the poison exercise's backdoor end to end: train a network on a BadNets-poisoned
/// dataset, run the reference detector on its activations, retrain without what it
/// flagged, and print clean accuracy and attack success rate before and after.
///
/// Scenarios are deterministic per seed and cached under the cache folder, so a second
/// run is instant. Grading uses scenarios 0 to 3 (the run's seed modulo 4).
#[derive(Debug, clap::Parser)]
#[command(name = "mldrill backdoor", max_term_width = 100)]
struct Backdoor {
    /// Which scenario to build (any number; grading draws from 0 to 3).
    #[arg(long, default_value_t = 0, value_parser = parse_seed, allow_negative_numbers = true)]
    seed: u64,

    /// Rebuild the scenario even when it is cached.
    #[arg(long)]
    fresh: bool,
}

/// A seed: an unsigned 64-bit integer, with an error that says so.
fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("seeds are unsigned 64-bit integers, 0 to {}", u64::MAX))
}

fn run(args: Vec<OsString>) -> Result<ExitCode, String> {
    let args: Backdoor = match mldrill_pack::command::parse(args) {
        Ok(args) => args,
        Err(code) => return Ok(code),
    };
    print!("{}", crate::backdoor::report::run(args.seed, args.fresh));
    Ok(ExitCode::SUCCESS)
}
