//! What the compiler read while building a candidate crate, from the dep-info file rustc
//! writes beside it, and the check that it read nothing outside the exercise's own `src/`
//! folder. This backs up the source policy: a `#[path]`, an `include!` or any construct
//! the policy missed that pulled in the references, the hidden suites or any other file
//! shows up here, and the submission is rejected before its runner ever starts.

use std::fs;
use std::path::{Component, Path, PathBuf};

/// The files rustc read for crate `exercise` (the newest dep-info of that crate in
/// `target_dir`'s release build) that lie outside `workspace/exercises/<exercise>/src/`.
pub fn outside_reads(
    target_dir: &Path,
    workspace: &Path,
    exercise: &str,
) -> Result<Vec<PathBuf>, String> {
    let deps = target_dir.join("release").join("deps");
    let prefix = format!("{}-", exercise.replace('-', "_"));
    let newest = fs::read_dir(&deps)
        .map_err(|e| format!("failed to read {}: {e}", deps.display()))?
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with(&prefix) && name.ends_with(".d")
        })
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
        .ok_or_else(|| format!("no dep-info for {exercise} in {}", deps.display()))?;
    let text = fs::read_to_string(newest.path())
        .map_err(|e| format!("failed to read {}: {e}", newest.path().display()))?;
    let allowed = resolve(
        workspace,
        &Path::new("exercises").join(exercise).join("src"),
    );
    Ok(dependencies(&text)
        .into_iter()
        .map(|file| resolve(workspace, &file))
        .filter(|file| !file.starts_with(&allowed))
        .collect())
}

/// Every input file a dep-info names: rustc lists each once more as a rule of its own
/// (`path:`), after the rules of its outputs.
fn dependencies(text: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((_, deps)) = split_rule(line) else {
            continue;
        };
        files.extend(split_paths(deps).into_iter().map(PathBuf::from));
    }
    files.sort();
    files.dedup();
    files
}

/// `target: deps` at the first `:` that is not escaped and ends a word.
fn split_rule(line: &str) -> Option<(&str, &str)> {
    let bytes = line.as_bytes();
    (0..bytes.len())
        .find(|&i| {
            bytes[i] == b':'
                && (i == 0 || bytes[i - 1] != b'\\')
                && bytes.get(i + 1).is_none_or(|&b| b == b' ')
        })
        .map(|i| (&line[..i], line.get(i + 1..).unwrap_or("")))
}

/// Space-separated paths, `\ ` standing for a space inside one.
fn split_paths(deps: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut current = String::new();
    let mut chars = deps.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => {
                current.push(' ');
                chars.next();
            }
            ' ' => {
                if !current.is_empty() {
                    paths.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        paths.push(current);
    }
    paths
}

/// `file` (relative to `base` unless absolute) with links resolved, or, for a file that
/// is gone, with `.` and `..` folded lexically.
fn resolve(base: &Path, file: &Path) -> PathBuf {
    let joined = base.join(file);
    if let Ok(real) = joined.canonicalize() {
        return real;
    }
    let mut folded = PathBuf::new();
    for part in joined.components() {
        match part {
            Component::ParentDir => {
                folded.pop();
            }
            Component::CurDir => {}
            other => folded.push(other),
        }
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_read_outside_the_exercise_is_named() {
        let workspace = tempfile::tempdir().unwrap();
        let root = workspace.path();
        let deps = root.join("target/release/deps");
        fs::create_dir_all(&deps).unwrap();
        for file in [
            "exercises/dataloader/src/lib.rs",
            "exercises/dataloader/src/my module.rs",
            "src/reference/dataloader.rs",
        ] {
            fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
            fs::write(root.join(file), "").unwrap();
        }
        let out = deps.join("libdataloader-1.rlib");
        let text = format!(
            "{out}: exercises/dataloader/src/lib.rs exercises/dataloader/src/my\\ module.rs \
             exercises/dataloader/src/../../../src/reference/dataloader.rs\n\n\
             exercises/dataloader/src/lib.rs:\nexercises/dataloader/src/my\\ module.rs:\n\
             exercises/dataloader/src/../../../src/reference/dataloader.rs:\n\n# env-dep:X=1\n",
            out = out.display()
        );
        fs::write(deps.join("dataloader-1.d"), text).unwrap();
        let outside = outside_reads(&root.join("target"), root, "dataloader").unwrap();
        assert_eq!(
            outside,
            [root
                .join("src/reference/dataloader.rs")
                .canonicalize()
                .unwrap()]
        );
        fs::write(
            deps.join("dataloader-1.d"),
            "x.rlib: exercises/dataloader/src/lib.rs\n\nexercises/dataloader/src/lib.rs:\n",
        )
        .unwrap();
        assert!(
            outside_reads(&root.join("target"), root, "dataloader")
                .unwrap()
                .is_empty()
        );
        assert!(outside_reads(&root.join("target"), root, "ngram").is_err());
    }
}
