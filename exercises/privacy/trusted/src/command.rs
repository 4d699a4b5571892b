//! The privacy pack's command, `mldrill privacy`: the exercise end to end, by the reference
//! ([`crate::demo`]).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use mldrill_pack::PackCommand;

/// `mldrill privacy`.
pub const COMMAND: PackCommand = PackCommand {
    name: "privacy",
    about: "Show membership attacks on an overfit network and on a DP-SGD one, with ROC curves as a PNG",
    run,
};

/// Show the privacy exercise end to end: the overfit target's leak (the loss attack and the
/// calibrated attack: AUC and TPR at 1% FPR), then a network trained with the reference's
/// DP-SGD and the loss attack against it, with test accuracies; and the ROC curves of the
/// attacks as one PNG.
///
/// The scenario is deterministic per seed; building it trains 17 small networks (seconds
/// on a quiet machine, about a minute on a loaded one).
#[derive(Debug, clap::Parser)]
#[command(name = "mldrill privacy", max_term_width = 100)]
struct Privacy {
    /// Which scenario to build.
    #[arg(long, default_value_t = 0, value_parser = parse_seed, allow_negative_numbers = true)]
    seed: u64,

    /// Where to write the ROC curves.
    #[arg(long, default_value = "privacy-roc.png")]
    png: PathBuf,
}

/// A seed: an unsigned 64-bit integer, with an error that says so.
fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("seeds are unsigned 64-bit integers, 0 to {}", u64::MAX))
}

fn run(args: Vec<OsString>) -> Result<ExitCode, String> {
    let args: Privacy = match mldrill_pack::command::parse(args) {
        Ok(args) => args,
        Err(code) => return Ok(code),
    };
    let report = crate::demo::run(args.seed, &args.png)
        .map_err(|why| format!("failed to show the privacy scenario: {why}"))?;
    print!("{report}");
    Ok(ExitCode::SUCCESS)
}
