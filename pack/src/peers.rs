//! The Rust side of a pack's interleaved peer benchmark: a worker (a `peers` bench target
//! of the pack's trusted crate) that `scripts/bench_<id>_peers.py` starts (`cargo bench -p
//! <id>-trusted --bench peers`) and drives over stdin and stdout, so that the reference and
//! every Python peer are timed in alternating rounds, in the same time window, under the
//! same load.
//!
//! One line each way. `load <workload> [args]` prepares a workload and answers a JSON
//! object describing it, its contenders among them; `run <contender> <threads>` runs one
//! contender once on `<threads>` threads and answers `{"seconds": ...}`, the run's own wall
//! time; `quit` ends. A bad command answers `{"error": "..."}`.

use std::io::{BufRead, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::Instant;

use serde_json::{Value, json};

/// A prepared workload: its contenders, each run once per `run`.
pub trait Workload {
    /// Runs `contender` once; an unknown name is an error.
    fn run(&mut self, contender: &str) -> Result<(), String>;
}

/// A loaded workload and the JSON that describes it to the Python script.
pub type Loaded = Result<(Box<dyn Workload>, Value), String>;

/// Where workloads write what the Python peers read: `$CARGO_TARGET_DIR`, or the target
/// folder this bench executable was built in (`<target>/<profile>/deps/peers-*`); cargo
/// runs a bench in its package's folder, so a relative `target` would be the wrong one.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// Whether `probe` returns true without panicking (a candidate still at `todo!()` panics).
pub fn implemented(probe: impl FnOnce() -> bool) -> bool {
    std::panic::set_hook(Box::new(|_| {}));
    let ready = catch_unwind(AssertUnwindSafe(probe)).unwrap_or(false);
    let _ = std::panic::take_hook();
    ready
}

fn answer(
    workload: &mut Option<Box<dyn Workload>>,
    line: &str,
    load: &impl Fn(&[&str]) -> Loaded,
    set_threads: &impl Fn(i32),
) -> Value {
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
            set_threads(threads);
            let started = Instant::now();
            match loaded.run(contender) {
                Ok(()) => json!({ "seconds": started.elapsed().as_secs_f64() }),
                Err(e) => json!({ "error": e }),
            }
        }
        _ => json!({ "error": format!("unknown command `{line}`") }),
    }
}

/// Answers the worker's commands from stdin until `quit` or the end of input: `load`
/// goes to `load` (the words after it), and `set_threads` sets the thread count of the
/// libraries a `run` uses (libtorch's, for the packs that use it).
pub fn serve(load: impl Fn(&[&str]) -> Loaded, set_threads: impl Fn(i32)) {
    let mut workload = None;
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim() == "quit" {
            break;
        }
        let reply = answer(&mut workload, &line, &load, &set_threads);
        if writeln!(out, "{reply}").and_then(|()| out.flush()).is_err() {
            break;
        }
    }
}
