//! `mldrill dev`: the tools for writing an exercise pack. `dev new <id>` scaffolds one that
//! builds and grades ([`new`]); `dev check [<id>]` proves a pack before anyone uses it
//! ([`check`]). A pack's trusted code is compiled into the harness, so `dev check` first
//! builds the checkout's own `mldrill` and runs that ([`current_build`]): it always judges
//! the pack as it is on disk.

pub mod check;
pub mod new;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// Set in the environment of the `mldrill` that [`current_build`] starts, so that it does
/// not build itself again.
const BUILT: &str = "MLDRILL_DEV_BUILT";

/// Builds the checkout at `root`'s `mldrill` (release, as grading uses) and returns it, or
/// `None` when this process is that build already.
pub fn current_build(root: &Path, quiet: bool) -> Result<Option<PathBuf>> {
    if std::env::var_os(BUILT).is_some() {
        return Ok(None);
    }
    let target = crate::runner::checkout_target(root);
    // A new target folder starts from the compiled dependencies of the release build
    // beside this program (`<target>/debug/mldrill` or `<target>/release/mldrill`).
    if let Some(own) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(|t| t.join("release")))
        && own != target.join("release")
    {
        let _ = crate::warm_start::seed_profile(
            &own,
            &target.join("release"),
            &root.join("Cargo.lock"),
        );
    }
    let mut cargo = crate::runner::cargo_for_checkout(root);
    cargo
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--package",
            "mldrill",
            "--bin",
            "mldrill",
        ])
        .stdin(Stdio::null());
    if quiet {
        cargo.arg("--quiet");
    }
    if !quiet {
        eprintln!("building this checkout's mldrill, which links every registered pack");
    }
    let status = cargo
        .status()
        .context("failed to start cargo; install Rust from rustup.rs and run `make setup`")?;
    if !status.success() {
        bail!(
            "this checkout's mldrill does not build (cargo's errors are above); fix the pack's \
             crates so that `cargo build --release -p mldrill` succeeds"
        );
    }
    Ok(Some(target.join("release").join("mldrill")))
}

/// Runs `program` with this process's arguments and [`BUILT`] set, and exits with its code.
pub fn run_instead(program: &Path) -> Result<std::process::ExitCode> {
    let status = Command::new(program)
        .args(std::env::args_os().skip(1))
        .env(BUILT, "1")
        .status()
        .with_context(|| format!("failed to start {}", program.display()))?;
    Ok(std::process::ExitCode::from(
        status.code().map_or(crate::exit::EXIT_USAGE, |c| c as u8),
    ))
}
