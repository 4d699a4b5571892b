//! The Rust side of the interleaved peer benchmarks: a worker that
//! `scripts/bench_{poison,ngram,dataloader}_peers.py` start (`cargo bench --bench peers`)
//! and drive over stdin and stdout, so that the reference and every Python peer are timed
//! in alternating rounds, in the same time window, under the same load.
//!
//! One line each way. `load <workload> [args]` prepares a workload (`poison`, `ngram`,
//! `dataloader`) and answers a JSON object describing it, its contenders among them;
//! `run <contender> <threads>` runs one contender once with libtorch on `<threads>`
//! threads and answers `{"seconds": ...}`, the run's own wall time; `quit` ends. A bad
//! command answers `{"error": "..."}`.

use std::io::{BufRead, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::Instant;

use serde_json::{Value, json};

#[path = "../common/mod.rs"]
mod common;
mod dataloader;
mod ngram;
mod poison;

/// A prepared workload: its contenders, each run once per `run`.
trait Workload {
    /// Runs `contender` once; an unknown name is an error.
    fn run(&mut self, contender: &str) -> Result<(), String>;
}

/// Where workloads write what the Python peers read: `$CARGO_TARGET_DIR` or `target`.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from)
}

/// Whether `probe` returns true without panicking (a candidate still at `todo!()` panics).
fn implemented(probe: impl FnOnce() -> bool) -> bool {
    std::panic::set_hook(Box::new(|_| {}));
    let ready = catch_unwind(AssertUnwindSafe(probe)).unwrap_or(false);
    let _ = std::panic::take_hook();
    ready
}

fn load(words: &[&str]) -> Result<(Box<dyn Workload>, Value), String> {
    match words {
        ["poison"] => poison::load(),
        ["ngram", mb] => ngram::load(mb.parse().map_err(|_| format!("bad size {mb:?}"))?),
        ["dataloader"] => dataloader::load(),
        _ => Err(format!("unknown workload {words:?}")),
    }
}

fn answer(workload: &mut Option<Box<dyn Workload>>, line: &str) -> Value {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["load", rest @ ..] => match load(rest) {
            Ok((loaded, info)) => {
                *workload = Some(loaded);
                info
            }
            Err(e) => json!({ "error": e }),
        },
        ["run", contender, threads] => {
            let (Some(loaded), Ok(threads)) = (workload.as_mut(), threads.parse::<i32>()) else {
                return json!({ "error": format!("`{line}` needs a loaded workload and a thread count") });
            };
            tch::set_num_threads(threads);
            let started = Instant::now();
            match loaded.run(contender) {
                Ok(()) => json!({ "seconds": started.elapsed().as_secs_f64() }),
                Err(e) => json!({ "error": e }),
            }
        }
        _ => json!({ "error": format!("unknown command `{line}`") }),
    }
}

fn main() {
    let mut workload = None;
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim() == "quit" {
            break;
        }
        let reply = answer(&mut workload, &line);
        if writeln!(out, "{reply}").and_then(|()| out.flush()).is_err() {
            break;
        }
    }
}
