//! Feedback on long steps (building the runner, checking a task, timing a benchmark): a
//! spinner with the elapsed time when stderr is a terminal, one plain line per step when
//! it is not, nothing with `--quiet`. indicatif (through console) leaves colour out under
//! `NO_COLOR`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// One long step in progress; cheap to clone into the thread that reads a child's output.
#[derive(Clone)]
pub struct Activity {
    mode: Mode,
}

#[derive(Clone)]
enum Mode {
    Quiet,
    Lines,
    Spinner(ProgressBar),
}

impl Activity {
    /// Starts a step called `what` ("building the runner").
    pub fn start(quiet: bool, what: &str) -> Self {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            let spinner = ProgressBar::new_spinner();
            spinner.set_style(
                ProgressStyle::with_template("{spinner:.cyan} {prefix} [{elapsed}] {wide_msg}")
                    .expect("the template is valid"),
            );
            spinner.set_prefix(what.to_owned());
            spinner.enable_steady_tick(Duration::from_millis(120));
            Mode::Spinner(spinner)
        } else {
            eprintln!("{what} ...");
            Mode::Lines
        };
        Self { mode }
    }

    /// What the step is doing now (cargo's latest "Compiling ..." line): the spinner's
    /// message on a terminal, a line of its own otherwise.
    pub fn detail(&self, line: &str) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Lines => eprintln!("{line}"),
            // "Compiling tch v0.26.0 (/path/...)": the path only crowds the line.
            Mode::Spinner(spinner) => spinner.set_message(
                line.trim()
                    .split_once(" (")
                    .map_or(line.trim(), |(head, _)| head)
                    .to_owned(),
            ),
        }
    }

    /// Ends the step; the spinner leaves no trace.
    pub fn finish(&self) {
        if let Mode::Spinner(spinner) = &self.mode {
            spinner.finish_and_clear();
        }
    }
}
