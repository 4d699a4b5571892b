//! The exported workspace's `Cargo.lock`: the checkout's lock file, brought in line with
//! the export's own members (the `checks` crate in, the harness out) by cargo itself, at
//! export time, with the versions the checkout already locks. The candidate's `make test`
//! then runs with `--locked` and never rewrites it.

use std::path::Path;
use std::process::{Command, Stdio};

/// Why the lock file could not be brought in line.
#[derive(Debug, thiserror::Error)]
#[error("cargo could not resolve the exported workspace's dependencies ({0})")]
pub struct LockError(String);

/// Lets cargo update `out/Cargo.lock` (a copy of the checkout's) to the workspace at
/// `out`: offline first (the checkout's registry cache has every locked version), then
/// online.
pub fn align(out: &Path) -> Result<(), LockError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut why = String::new();
    for offline in [true, false] {
        let mut command = Command::new(&cargo);
        command
            .args(["metadata", "--format-version", "1"])
            .arg("--manifest-path")
            .arg(out.join("Cargo.toml"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if offline {
            command.arg("--offline");
        }
        match command.output() {
            Ok(output) if output.status.success() => return Ok(()),
            Ok(output) => {
                why = String::from_utf8_lossy(&output.stderr)
                    .lines()
                    .find(|l| l.starts_with("error"))
                    .unwrap_or("no message")
                    .to_owned();
            }
            Err(e) => why = format!("failed to run cargo: {e}"),
        }
    }
    Err(LockError(why))
}
