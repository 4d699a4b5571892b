//! Grading workspaces: a pristine copy of the parts of a checkout that build the runner
//! (manifests, harness, spec, stubs), into which only candidate source files are placed.

use std::fs;
use std::io;
use std::path::Path;

/// What a workspace needs to build `mldrill-runner`; nothing else is copied (no `target/`,
/// no `.git/`, no progress, no tests).
const PRISTINE: [&str; 8] = [
    "Cargo.toml",
    "Cargo.lock",
    "src",
    "exercises",
    "runner",
    "build",
    "benches",
    ".cargo",
];

/// Copies the pristine parts of the checkout at `root` into `dest`. Symbolic links are
/// not followed or copied.
pub fn copy_pristine(root: &Path, dest: &Path) -> io::Result<()> {
    fs::create_dir_all(dest)?;
    for entry in PRISTINE {
        let from = root.join(entry);
        if from.symlink_metadata().is_ok() {
            copy_tree(&from, &dest.join(entry))?;
        }
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    let kind = from.symlink_metadata()?.file_type();
    if kind.is_dir() {
        fs::create_dir_all(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else if kind.is_file() {
        fs::copy(from, to)?;
    }
    Ok(())
}
