//! The command line, and nothing else: every subcommand's doc comment is its `--help`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Runnable ML and AI-security coding exercises, graded by property tests and benchmarks.
///
/// Pick an exercise with `mldrill list`, read it with `mldrill show <exercise>`, fill in
/// `exercises/<exercise>/src/lib.rs`, and run `mldrill check <exercise>`.
///
/// Exit codes: 0 every task passed, 1 some task did not pass, 2 usage or environment error.
#[derive(Debug, Parser)]
#[command(
    name = "mldrill",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// The mldrill workspace (the folder with `exercises/`); found from the current
    /// folder upwards when not given.
    #[arg(long, global = true, env = "MLDRILL_ROOT", value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Print only results, no build progress.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the exercises: id, title, difficulty, estimated minutes, tasks.
    List,

    /// Print an exercise's statement.
    Show {
        /// Exercise id, as `mldrill list` prints it.
        exercise: String,
    },

    /// Run an exercise's property suite and report each task: status, points, and for a
    /// failure the property, its minimal counterexample and the seed that replays it.
    ///
    /// Candidate code runs in a separate runner process with time, memory and output
    /// limits; the first run builds it (a minute or two, once).
    Check {
        /// Exercise id, as `mldrill list` prints it.
        exercise: String,

        /// Which implementation to check.
        #[arg(long = "impl", value_enum, default_value_t = Implementation::Candidate)]
        implementation: Implementation,

        /// Check only this task (repeatable); all tasks when not given.
        #[arg(long = "task", value_name = "ID")]
        tasks: Vec<String>,

        /// Seed for the generated inputs; the report prints it so any result can be
        /// replayed. Random when not given.
        #[arg(long)]
        seed: Option<u64>,

        /// Generated cases per property.
        #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        cases: u32,

        /// Wall-clock limit per task, in seconds.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        timeout: u64,

        /// Memory limit of the runner, in MiB.
        #[arg(long, default_value_t = 2048, value_parser = clap::value_parser!(u64).range(256..=1_048_576))]
        memory: u64,

        /// Output format: a table for people, or one JSON document (with `schema_version`).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },

    /// Reveal the next hint for a task (the first task with hints left when not given).
    Hint {
        /// Exercise id, as `mldrill list` prints it.
        exercise: String,

        /// Task id, as `mldrill show <exercise>` names them.
        #[arg(long)]
        task: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Implementation {
    /// Your code in `exercises/<exercise>/src/`.
    Candidate,
    /// The reference solution.
    Reference,
}

impl Implementation {
    pub fn as_str(self) -> &'static str {
        match self {
            Implementation::Candidate => "candidate",
            Implementation::Reference => "reference",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}
