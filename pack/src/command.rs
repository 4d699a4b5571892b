//! Commands a pack adds to the CLI, `mldrill <name> [args]`: a demonstration or a tool of
//! the exercise's own (the poison pack's `backdoor`, the n-gram pack's `ngram-count`). The
//! harness lists them in `mldrill --help` and hands them their arguments; each parses its
//! own (with clap, say) and prints its own output.

use std::ffi::OsString;
use std::process::ExitCode;

/// One command of a pack.
#[derive(Clone, Copy)]
pub struct PackCommand {
    /// The subcommand's name: lowercase words joined by `-`.
    pub name: &'static str,
    /// One line for `mldrill --help`.
    pub about: &'static str,
    /// Runs it; `args[0]` is the command's name. An `Err` is one line that names the
    /// problem and the fix (the harness prints it and exits with code 2).
    pub run: fn(Vec<OsString>) -> Result<ExitCode, String>,
}

/// Parses `args` as clap's `P`, or prints clap's own message (an error, or the help and
/// version texts) and gives the exit code to leave with: 2 for an error, 0 otherwise.
pub fn parse<P: clap::Parser>(mut args: Vec<OsString>) -> Result<P, ExitCode> {
    // Usage lines say `mldrill <name>`, as the user typed it.
    if let Some(name) = args.first_mut() {
        *name = OsString::from(format!("mldrill {}", name.to_string_lossy()));
    }
    P::try_parse_from(args).map_err(|e| {
        let _ = e.print();
        ExitCode::from(if e.use_stderr() { 2 } else { 0 })
    })
}
