//! The README's commands run, so that it cannot drift again: every line of its `sh` blocks
//! is run by bash, in order, as a user following it would (with `mldrill` on the PATH, as
//! `make install` puts it), and must exit 0 or 1 (1: some task did not pass, documented);
//! a command that no longer parses, names a missing file or flag, or fails to set up
//! exits otherwise and fails this test. The commands that take many minutes, write
//! outside a scratch folder, or wait for a person are skipped, each with its reason in
//! [`SKIPPED`]; a skipped command that is no longer in the README fails the test too, so
//! the list stays current.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{grading_cache, repo};

/// Commands not run here, by how they start, and why.
const SKIPPED: [(&str, &str); 16] = [
    (
        "make demo",
        "builds everything in release: minutes; what it runs is checked below",
    ),
    (
        "make install",
        "writes into cargo's bin folder, outside any scratch folder",
    ),
    ("make test", "the test suite itself"),
    (
        "cargo test --release",
        "a measurement in a release build (minutes); its numbers are beside it in the README",
    ),
    (
        "mldrill dev new",
        "writes a pack into the checkout: tests/dev_new.rs runs it in a scratch copy",
    ),
    (
        "mldrill dev check",
        "minutes per pack: tests/suites.rs runs it on every pack, tests/dev_new.rs on a new one",
    ),
    (
        "make bench",
        "benchmarks take minutes; their numbers are in the README",
    ),
    (
        "mldrill scorecard merge",
        "needs forms a person filled in: tests/interview.rs fills two and merges them",
    ),
    (
        "mldrill report merge",
        "needs the shards' JSON files: tests/shards.rs grades a batch in shards and merges them",
    ),
    ("$EDITOR", "waits for a person"),
    (
        "mldrill backdoor",
        "trains a network; tests/backdoor.rs runs it",
    ),
    (
        "mldrill reset",
        "changes the learner's files in the checkout; tests/study.rs runs reset and reset --restore on a scratch copy",
    ),
    (
        "mldrill watch",
        "tests/watch.rs drives it in a pseudo-terminal",
    ),
    (
        "mldrill solution",
        "prints the reference once every task passes; tests/study.rs",
    ),
    (
        "(cd screen-alice && make test)",
        "builds the export: tests/screen.rs runs it",
    ),
    (
        "mldrill grade --batch",
        "a folder of submissions: tests/grade.rs grades one",
    ),
];

/// The README's `sh` blocks, each a list of commands: lines continued with a trailing `\\`
/// are joined, comment-only and blank lines dropped.
fn blocks(readme: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for line in readme.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_sh = !in_sh && trimmed == "```sh";
            if in_sh {
                out.push(Vec::new());
            }
            continue;
        }
        if !in_sh || (pending.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#'))) {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(trimmed);
        out.last_mut()
            .expect("inside a block")
            .push(std::mem::take(&mut pending));
    }
    out
}

/// Every command of every block, in order.
fn commands(readme: &str) -> Vec<String> {
    blocks(readme).into_iter().flatten().collect()
}

fn skip_reason(command: &str) -> Option<&'static str> {
    SKIPPED
        .iter()
        .find(|(prefix, _)| {
            command.starts_with(prefix) || command.contains(&format!("&& {prefix}"))
        })
        .map(|(_, why)| *why)
}

/// Puts the learner's progress file back as it was, whatever the commands recorded.
struct ProgressGuard {
    path: PathBuf,
    saved: Option<Vec<u8>>,
}

impl Drop for ProgressGuard {
    fn drop(&mut self) {
        match &self.saved {
            Some(bytes) => {
                let _ = fs::write(&self.path, bytes);
            }
            None => {
                let _ = fs::remove_file(&self.path);
            }
        }
    }
}

#[test]
fn every_skipped_command_is_still_in_the_readme() {
    let readme = fs::read_to_string(repo().join("README.md")).unwrap();
    let commands = commands(&readme);
    for (prefix, _) in SKIPPED {
        assert!(
            commands
                .iter()
                .any(|c| skip_reason(c).is_some() && c.contains(prefix)),
            "SKIPPED lists {prefix:?}, which the README no longer has: remove it"
        );
    }
}

/// Each block runs in a folder of its own (a block is one scenario: it may export a screen
/// under a name another block uses too), where the checkout's `exercises/` and `src/` can be
/// read as the README's relative paths name them.
#[test]
fn every_command_in_the_readme_runs() {
    let readme = fs::read_to_string(repo().join("README.md")).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("home");
    fs::create_dir_all(&home).unwrap();
    let progress = repo().join(".mldrill/progress.json");
    let _guard = ProgressGuard {
        saved: fs::read(&progress).ok(),
        path: progress,
    };
    let bin = Path::new(env!("CARGO_BIN_EXE_mldrill")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    let mut folders = Vec::new();
    for (n, block) in blocks(&readme).into_iter().enumerate() {
        let work = scratch.path().join(format!("block-{n}"));
        fs::create_dir_all(&work).unwrap();
        for shared in ["exercises", "src"] {
            std::os::unix::fs::symlink(repo().join(shared), work.join(shared)).unwrap();
        }
        for command in block {
            if skip_reason(&command).is_some() {
                continue;
            }
            let output = Command::new("bash")
                .args(["-c", &command])
                .current_dir(&work)
                .env("PATH", &path)
                .env("HOME", &home)
                .env("MLDRILL_ROOT", repo())
                .env("MLDRILL_CACHE", grading_cache())
                .env("LIBTORCH", repo().join(".libtorch"))
                .env("CARGO_TARGET_DIR", common::checkout_target())
                .env("MLDRILL_QUIET", "1")
                .env_remove("XDG_DATA_HOME")
                .stdin(Stdio::null())
                .output()
                .unwrap();
            let code = output.status.code();
            assert!(
                matches!(code, Some(0 | 1)),
                "README command `{command}` exited {code:?}:\n{}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            ran += 1;
        }
        folders.push(work);
    }
    assert!(ran >= 15, "only {ran} README commands ran");
    // What the commands left behind is what the README says they do.
    assert!(
        home.join(".local/share/bash-completion/completions/mldrill")
            .is_file(),
        "the completion script is installed"
    );
    let made = |relative: &str| folders.iter().any(|f| f.join(relative).is_file());
    assert!(
        made("screen-alice/submission.tar.gz"),
        "make pack wrote the archive"
    );
    assert!(
        made("alice.md") && made("alice.json"),
        "grade wrote its reports"
    );
}

#[test]
fn the_setup_script_and_makefile_targets_the_readme_names_exist() {
    let makefile = fs::read_to_string(repo().join("Makefile")).unwrap();
    let readme = fs::read_to_string(repo().join("README.md")).unwrap();
    for command in commands(&readme) {
        if let Some(target) = command.strip_prefix("make ") {
            let target = target.split_whitespace().next().unwrap();
            assert!(
                makefile.contains(&format!("\n{target}:")),
                "the README runs `make {target}`, which the Makefile lacks"
            );
        }
    }
}
