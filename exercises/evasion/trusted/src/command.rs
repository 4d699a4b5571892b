//! The evasion pack's command, `mldrill adversarial`: the attacks and the defence end to end,
//! by the reference (see [`crate::demo`]).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use mldrill_pack::PackCommand;

/// `mldrill adversarial`.
pub const COMMAND: PackCommand = PackCommand {
    name: "adversarial",
    about: "Show the evasion exercise's attacks and defence end to end, by the reference",
    run,
};

/// Show the evasion exercise end to end: the trained glyph classifier's clean accuracy,
/// FGSM and PGD success at a few eps, before and after the reference's adversarial
/// training, and a few samples (original, perturbation, adversarial image) as PNG files.
///
/// Grading uses scenarios 0 to 3 (the run's seed modulo 4).
#[derive(Debug, clap::Parser)]
#[command(name = "mldrill adversarial", max_term_width = 100)]
struct Adversarial {
    /// Which scenario (the seed modulo 4).
    #[arg(long, default_value_t = 0, value_parser = parse_seed, allow_negative_numbers = true)]
    seed: u64,

    /// The folder the sample images are written to.
    #[arg(long, default_value = "adversarial-samples")]
    out: PathBuf,
}

/// A seed: an unsigned 64-bit integer, with an error that says so.
fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("seeds are unsigned 64-bit integers, 0 to {}", u64::MAX))
}

fn run(args: Vec<OsString>) -> Result<ExitCode, String> {
    let args: Adversarial = match mldrill_pack::command::parse(args) {
        Ok(args) => args,
        Err(code) => return Ok(code),
    };
    print!("{}", crate::demo::run(args.seed, Some(&args.out))?);
    Ok(ExitCode::SUCCESS)
}
