//! The `mldrill` binary: parse the command line, run it, map the outcome to an exit code.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use mldrill::app;
use mldrill::cli::Cli;
use mldrill::exit::EXIT_USAGE;

fn main() -> ExitCode {
    // The packs' own commands are listed after the harness's.
    let matches = Cli::command()
        .after_help(app::pack_commands_help())
        .get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match app::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
