//! The command line, and nothing else: every subcommand's doc comment is its `--help`.

use std::ffi::OsString;
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
        #[arg(long, value_parser = parse_seed, allow_negative_numbers = true)]
        seed: Option<u64>,

        /// Also time the candidate against the reference on the exercise's benchmark and
        /// score the speed points, as grading does (once the timed task passes; builds the
        /// references' runner the first time).
        #[arg(long)]
        speed: bool,

        #[command(flatten)]
        run: RunArgs,

        /// Output format: a table for people, or one JSON document (with `schema_version`).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,

        /// Also write the result as a self-contained HTML page (plots included; opens in
        /// any browser, no network needed).
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },

    /// Grade submissions: exported screen workspaces, checkouts, or `.tar.gz` / `.zip`
    /// archives of either. Only `exercises/<id>/src/**/*.rs` is taken from a submission;
    /// it is checked against the source policy, built in a warm grading workspace under
    /// the cache folder, and run under limits. Hidden (differential) properties included.
    #[command(arg_required_else_help = true)]
    Grade {
        /// Submissions to grade, one after another.
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,

        /// Grade every folder, .tar.gz and .zip inside this folder, in parallel; one
        /// broken submission never stops the batch.
        #[arg(long, value_name = "DIR", conflicts_with = "paths")]
        batch: Option<PathBuf>,

        /// Grade only this exercise (repeatable); by default the screen's exercises, or
        /// every exercise the submission has sources for.
        #[arg(long = "exercise", value_name = "ID")]
        exercises: Vec<String>,

        /// Seed for the generated inputs; by default the seed in this machine's record of
        /// the screen's export (never the returned manifest), else 0, so that
        /// every submission of a batch gets the same inputs.
        #[arg(long, value_parser = parse_seed, allow_negative_numbers = true)]
        seed: Option<u64>,

        #[command(flatten)]
        run: RunArgs,

        /// Parallel grades in a batch (each has its own warm workspace); default: cores.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=64))]
        jobs: Option<u64>,

        /// Write the results as JSON (`schema_version`, one entry per submission).
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,

        /// Write a JUnit XML report for CI systems.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,

        /// Write the interviewer's scorecard: the grade, 3 to 4 follow-ups picked for the
        /// result (and why), the guide's areas, and a rating form with its rubric that each
        /// interviewer fills in for `mldrill scorecard merge`.
        #[arg(long, value_name = "FILE")]
        markdown: Option<PathBuf>,

        /// Write a CSV summary, one row per submission (default for --batch:
        /// mldrill-grades.csv in the current folder; none for a shard).
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,

        /// Write one self-contained HTML page: a sortable comparison table, plots of the
        /// points and speeds, then every submission's tasks, failures and replay commands.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,

        /// Candidate names: a CSV of `submission,candidate` lines (e.g. `alice.zip,Alice
        /// Smith`); by default a submission's name without its archive extension.
        #[arg(long = "name", value_name = "FILE")]
        names: Option<PathBuf>,

        /// Grade only share K of N of the batch (every N-th submission by name, from the
        /// K-th), for grading on N machines; the JSON (default:
        /// mldrill-shard-K-of-N.json) goes to `mldrill report merge`, which writes the
        /// reports of the whole batch, copied work across shards included.
        #[arg(long, value_name = "K/N", requires = "batch")]
        shard: Option<crate::shard::Shard>,
    },

    /// Reports from results graded elsewhere: merge the JSON of a sharded batch.
    #[command(subcommand)]
    Report(ReportCommand),

    /// Hands-on screens: export a workspace for a candidate.
    #[command(subcommand)]
    Screen(ScreenCommand),

    /// Writing exercises: scaffold a new pack (`dev new`), prove one (`dev check`).
    #[command(subcommand)]
    Dev(DevCommand),

    /// A command a pack adds (listed at the end of `mldrill --help`), with its arguments.
    #[command(external_subcommand)]
    Pack(Vec<OsString>),

    /// Reveal the next hint for a task (the first task with hints left when not given).
    Hint {
        /// Exercise id, as `mldrill list` prints it.
        exercise: String,

        /// Task id, as `mldrill show <exercise>` names them.
        #[arg(long)]
        task: Option<String>,
    },

    /// Re-check an exercise on every save: clears and redraws each task's status and the
    /// first failure with its minimal counterexample. Keys: h next hint, n next exercise,
    /// l list, r re-check, q quit. Without a terminal, reads those keys as lines and quits
    /// at the end of input.
    Watch {
        /// Exercise id; by default the first exercise with a task not yet passed.
        exercise: Option<String>,

        /// Seed for the generated inputs, the same for every re-check; random when not given.
        #[arg(long, value_parser = parse_seed, allow_negative_numbers = true)]
        seed: Option<u64>,

        #[command(flatten)]
        run: RunArgs,
    },

    /// Restore an exercise's stub. Your files are first copied to `.mldrill/saved/`, so
    /// nothing is lost; `--restore` brings the newest copy back. Asks before changing
    /// anything unless `--force`.
    Reset {
        /// Exercise id, as `mldrill list` prints it.
        exercise: String,

        /// Bring back your files from the newest copy a reset saved (what `src/` holds
        /// now is saved first, unless it is the stub).
        #[arg(long)]
        restore: bool,

        /// Do not ask.
        #[arg(long)]
        force: bool,
    },

    /// Print the reference solution, once every task of the exercise passes.
    Solution {
        /// Exercise id, as `mldrill list` prints it.
        exercise: String,

        /// Show it before every task passes; this is recorded in your progress.
        #[arg(long)]
        force: bool,
    },

    /// Print an exercise's interviewer guide: areas to cover, follow-up questions, the
    /// security pivot, and what junior and senior answers look like.
    Guide {
        /// Exercise id, as `mldrill list` prints it.
        exercise: String,
    },

    /// Plan a whole structured interview for a panel: a kit per interviewer with the
    /// timeline, hands-on tasks and behavioural questions (areas to cover, follow-ups, what
    /// an answer at the level looks like), and how the time was split and why.
    ///
    /// Each interviewer's session opens with 5 minutes of introductions, ends with 5 (under
    /// an hour) or 10 minutes for the candidate's own questions, and holds 3 to 4 questions
    /// of substance an hour in between: a hands-on task counts as one (its share, by points,
    /// of the exercise's minutes, times 1.25 for a junior), a behavioural question takes 10
    /// minutes with its follow-ups. The hands-on part (5 minutes to read the statement, the
    /// tasks that fit, in order, and a debrief with the scorecard's follow-ups) runs in the
    /// first session. No question repeats across the panel. The same --seed gives the same
    /// plan.
    ///
    /// Example: `mldrill plan --minutes 60 --level senior --interviewers 2 --seed 7 --markdown plan.md`
    Plan(PlanArgs),

    /// The behavioural question bank (`questions/*.toml`): list it, or show one question
    /// with its areas to cover, follow-ups, and what junior and senior answers look like.
    ///
    /// Example: `mldrill questions --competency supply-chain --level senior`, then
    /// `mldrill questions untrusted-model-file`
    Questions(QuestionsArgs),

    /// Scorecards after the interview: merge the panel's filled copies into one decision.
    #[command(subcommand)]
    Scorecard(ScorecardCommand),

    /// Print a shell completion script (subcommands, flags, and this workspace's exercise
    /// and task ids). For bash: `mkdir -p ~/.local/share/bash-completion/completions &&
    /// mldrill completions bash > ~/.local/share/bash-completion/completions/mldrill`,
    /// then open a new shell.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The arguments of `mldrill plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// Minutes of each interviewer's session.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(30..=240))]
    pub minutes: u32,

    /// Whose pace the tasks assume and whose answers the kit describes.
    #[arg(long, value_enum, default_value_t = Level::Senior)]
    pub level: Level,

    /// Interviewers on the panel, one session each.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=6))]
    pub interviewers: u32,

    /// Plan this exercise (repeatable, in order; one per session); by default the hardest
    /// exercise that fits for a senior, the easiest for a junior, in the first session.
    #[arg(long = "exercise", value_name = "ID")]
    pub exercises: Vec<String>,

    /// Ask a question of this competency (repeatable; spread over the panel); the others
    /// are drawn by the seed. `mldrill questions` lists them.
    #[arg(long = "competency", value_name = "ID")]
    pub competencies: Vec<String>,

    /// Seed that draws the questions; the plan prints it. Random when not given.
    #[arg(long)]
    pub seed: Option<u64>,

    /// Also write the kits as Markdown, one section per interviewer.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// Output format: the kits for people, or one JSON document (with `schema_version`).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// The arguments of `mldrill questions`.
#[derive(Debug, Clone, clap::Args)]
pub struct QuestionsArgs {
    /// Show this question in full; without it, list the bank.
    #[arg(value_name = "QUESTION")]
    pub question: Option<String>,

    /// List only this competency (repeatable).
    #[arg(long = "competency", value_name = "ID")]
    pub competencies: Vec<String>,

    /// Show the rubric and answers for this level only.
    #[arg(long, value_enum)]
    pub level: Option<Level>,

    /// Output format: text for people, or one JSON document (with `schema_version`).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum ScorecardCommand {
    /// Merge filled scorecards (the Markdown `mldrill grade --markdown` writes, one copy
    /// per interviewer, each with its rating form filled in) into one decision per
    /// candidate: the automatic grade, each competency's ratings side by side, where the
    /// interviewers disagree, their evidence, recommendations and notes.
    ///
    /// A form with a `?` left, a rating outside 1-4 or n/a, a rating without evidence, or a
    /// broken layout is refused with its file and line.
    Merge {
        /// Filled scorecards, one per interviewer (a file may hold several candidates).
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,

        /// Write the decision here; printed when not given.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// How properties run: shared by `check` and `grade`.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct RunArgs {
    /// Generated cases per property.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub cases: u32,

    /// Wall-clock limit per task, in seconds.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Memory limit of the runner, in MiB.
    #[arg(long, default_value_t = 2048, value_parser = clap::value_parser!(u64).range(256..=1_048_576))]
    pub memory: u64,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Merge the JSON of every shard of a batch (`grade --batch DIR --shard K/N --json
    /// FILE` on N machines) into the reports one unsharded `grade --batch DIR` writes:
    /// similarity is computed across all shards from the fingerprints in the JSON. Checks
    /// that every shard is there once. Exits 1 when some submission did not pass.
    ///
    /// Example: `mldrill report merge shard-*.json --html grades.html --csv grades.csv`
    #[command(arg_required_else_help = true)]
    Merge {
        /// The shards' JSON files, in any order.
        #[arg(value_name = "JSON", required = true)]
        shards: Vec<PathBuf>,

        /// Write the merged results as JSON.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,

        /// Write a JUnit XML report for CI systems.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,

        /// Write the interviewers' scorecards.
        #[arg(long, value_name = "FILE")]
        markdown: Option<PathBuf>,

        /// Write a CSV summary, one row per submission.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,

        /// Write the HTML page of the whole batch.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
}

/// `mldrill dev`: writing exercise packs.
#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Write a new exercise pack, `exercises/<ID>/`, that builds and grades: a one-task
    /// example (clamp values into a range) with its statement, manifest, stub, API, wire
    /// protocol, runner, reference, properties, mutants, claims and benchmark, registered by
    /// one line in Cargo.toml. Then edit it into your exercise and prove it with
    /// `mldrill dev check <ID>`. CONTRIBUTING.md is the guide.
    New {
        /// The exercise id: lowercase letters, digits and underscores (it names the folder
        /// and the candidate's crate).
        id: String,

        /// The exercise's title, as `mldrill list` shows it.
        #[arg(long)]
        title: Option<String>,
    },

    /// Prove a pack (every pack when no id is given), one line per check: the manifest
    /// and statement; every task has properties, two hints, points and a mutant; the
    /// statement's claims hold of the reference; the guide is complete; the reference
    /// passes every property over many seeds; every mutant fails its own task; the
    /// untouched stub builds and every task is not_implemented; the benchmark's reference
    /// against itself is near 1x; a screen with it exports and builds. Exit 0 only when
    /// every check holds. It first builds this checkout's mldrill, which links the packs.
    Check {
        /// The exercise to check; every registered pack when not given.
        exercise: Option<String>,

        /// Seeds the reference must pass every property on.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
        seeds: u32,

        /// Generated cases per property and seed (grading's default: a mutant must be
        /// caught as a candidate would be graded).
        #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        cases: u32,

        /// Skip exporting and building a screen (the slowest check on a cold build).
        #[arg(long)]
        no_screen: bool,

        /// Wall-clock limit per task, in seconds.
        #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3600))]
        timeout: u64,

        /// Memory limit of the runner, in MiB.
        #[arg(long, default_value_t = 2048, value_parser = clap::value_parser!(u64).range(256..=1_048_576))]
        memory: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScreenCommand {
    /// Write a standalone Cargo workspace for a candidate: the chosen exercises'
    /// statements and stubs, the spec crate, instructions with the time allowed, and the
    /// reference-free properties. In it, `make test` prints one line per task with the
    /// time left, and `make pack` writes the archive to send back. No reference, hidden
    /// test, mutant or interviewer guide is included. Grade what comes back with
    /// `mldrill grade`.
    Export {
        /// Exercises to include, comma-separated, in order.
        #[arg(long, value_delimiter = ',', required = true, value_name = "IDS")]
        exercises: Vec<String>,

        /// Folder to create (must not exist, or be empty).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,

        /// Time allowed, in minutes (10 to 600), stated in the instructions and counted
        /// down by `make test`; export warns when the exercises do not fit in it.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(10..=600))]
        minutes: u32,

        /// Seed the grade will use; random when not given.
        #[arg(long, value_parser = parse_seed, allow_negative_numbers = true)]
        seed: Option<u64>,
    },
}

pub use crate::check::Implementation;
pub use crate::level::Level;

/// How `plan` and `questions` print: for a person, or as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// A seed from the command line: the same range as the seeds reports print, with an error
/// that says so (a bare `-1` would otherwise read as an unknown flag).
fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("seeds are unsigned 64-bit integers, 0 to {}", u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_negative_or_oversized_seed_says_seeds_are_unsigned() {
        for (args, seed) in [
            (&["check", "dataloader", "--seed"][..], "-1"),
            (&["grade", "sub.zip", "--seed"][..], "18446744073709551616"),
            (
                &[
                    "screen",
                    "export",
                    "--exercises",
                    "ngram",
                    "--out",
                    "x",
                    "--seed",
                ][..],
                "-5",
            ),
            (&["grade", "sub.zip", "--seed"][..], "ten"),
        ] {
            let error = Cli::try_parse_from(["mldrill"].iter().chain(args).chain([&seed]))
                .expect_err(seed)
                .to_string();
            let first = error.lines().next().unwrap_or_default();
            assert!(
                first.contains(&format!("invalid value '{seed}' for '--seed"))
                    && first
                        .contains("seeds are unsigned 64-bit integers, 0 to 18446744073709551615"),
                "{error}"
            );
        }
        let parsed = Cli::try_parse_from([
            "mldrill",
            "check",
            "dataloader",
            "--seed",
            "18446744073709551615",
        ]);
        assert!(matches!(
            parsed.map(|cli| cli.command),
            Ok(Command::Check {
                seed: Some(u64::MAX),
                ..
            })
        ));
    }
}
