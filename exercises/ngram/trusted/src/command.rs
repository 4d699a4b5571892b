//! The n-gram pack's command, `mldrill ngram-count`: the `stream` task done by the
//! reference on a user's own text.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use mldrill_pack::PackCommand;

use crate::count_file::{CountArgs, run as count};

/// `mldrill ngram-count`.
pub const COMMAND: PackCommand = PackCommand {
    name: "ngram-count",
    about: "Count a file's word n-grams in a count-min sketch, by the reference",
    run,
};

/// Count the word n-grams of a file, or of standard input (`-`), in a count-min sketch
/// of fixed size, and print estimates for the n-grams you ask about.
///
/// This is the n-gram exercise's `stream` task, done by the reference on your own text.
/// Each line is a document; tokens are scikit-learn's (the line lowercased, then runs
/// of two or more letters, digits or `_`); n-grams never cross a line. However large
/// the input, memory stays at the sketch's ceil(e / epsilon) x ceil(ln(1 / delta))
/// counters of 8 bytes plus a small read buffer. An estimate is never below the true
/// count, and above it by more than epsilon x total with probability at most delta.
///
/// Invalid UTF-8 stops the count with the byte offset of the first bad byte, unless
/// `--lossy` replaces bad bytes with U+FFFD. An empty input counts 0 n-grams.
///
/// Example: `mldrill ngram-count corpus.txt --n 2 --query "New York" --query "los angeles"`
#[derive(Debug, clap::Parser)]
#[command(name = "mldrill ngram-count", max_term_width = 100)]
struct NgramCountArgs {
    /// The text to count, one document per line; `-` reads standard input.
    #[arg(value_name = "FILE|-")]
    pub input: PathBuf,

    /// The order of the n-grams counted: 1 for words, 2 for bigrams, and so on.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub n: u32,

    /// The additive error, as a fraction of the total: ceil(e / epsilon) counters a row.
    #[arg(long, default_value_t = 1e-4)]
    pub epsilon: f64,

    /// The chance that an estimate errs by more than epsilon x total: ceil(ln(1 / delta))
    /// rows.
    #[arg(long, default_value_t = 1e-3)]
    pub delta: f64,

    /// Bytes the sketch's counters may take (the defaults need 1,522,248).
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub memory_budget: usize,

    /// The seed of the sketch's hash functions: the same seed and input give the same
    /// estimates.
    #[arg(long, default_value_t = 0, value_parser = parse_seed, allow_negative_numbers = true)]
    pub seed: u64,

    /// Replace invalid UTF-8 with U+FFFD, as `String::from_utf8_lossy` does, instead of
    /// stopping at the first invalid byte.
    #[arg(long)]
    pub lossy: bool,

    /// An n-gram to estimate (repeatable). It is tokenized like the text, so "New York"
    /// asks about `new york`; it must have `--n` tokens.
    #[arg(long = "query", value_name = "NGRAM")]
    pub queries: Vec<String>,
}

/// A seed: an unsigned 64-bit integer, with an error that says so.
fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("seeds are unsigned 64-bit integers, 0 to {}", u64::MAX))
}

fn run(args: Vec<OsString>) -> Result<ExitCode, String> {
    let args: NgramCountArgs = match mldrill_pack::command::parse(args) {
        Ok(args) => args,
        Err(code) => return Ok(code),
    };
    count(&CountArgs {
        input: args.input,
        n: args.n,
        epsilon: args.epsilon,
        delta: args.delta,
        memory_budget: args.memory_budget,
        seed: args.seed,
        lossy: args.lossy,
        queries: args.queries,
    })
    .map_err(|e| format!("{e:#}"))
}
