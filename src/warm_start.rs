//! Warm starts for new cargo target folders: a fresh grading slot (or an exported screen)
//! gets the compiled third-party crates of a warm target folder, so that its first build
//! compiles only the workspace's own crates instead of libtorch's bindings and a few
//! hundred dependencies (minutes on a small machine).
//!
//! Only registry crates are copied, never a crate of the workspace: those are the crates
//! whose sources differ from one workspace to the next (a submission's code), and cargo
//! names their artifacts by their place in the workspace, which is the same everywhere. A
//! copied registry artifact is used only when cargo's own fingerprint (crate version,
//! features, profile, compiler) matches; anything else is rebuilt as it would have been.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::Path;

use crate::workspace::{copy_tree_keeping_times, read_toml};

/// The folders of a profile folder (`target/release`) that hold per-crate artifacts.
const ARTIFACT_FOLDERS: [&str; 3] = [".fingerprint", "build", "deps"];

/// Fills the profile folder `to` (say `slot/target/release`) with the registry crates'
/// artifacts in `from` (say `checkout/target/release`), when `to` does not exist yet and
/// `from` does. The crates are those `lockfile` lists with a source; a crate of the
/// workspace (no source) is never copied. Returns how many entries were copied.
///
/// The copy is made beside `to` and renamed into place, so an interrupted warm start
/// leaves no half-filled folder behind; the next build simply starts cold.
pub fn seed_profile(from: &Path, to: &Path, lockfile: &Path) -> io::Result<usize> {
    if to.exists() || !from.is_dir() {
        return Ok(0);
    }
    let crates = LockedCrates::read(lockfile)?;
    let staging = to.with_extension("warm-start");
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    let mut copied = 0;
    for folder in ARTIFACT_FOLDERS {
        let Ok(entries) = fs::read_dir(from.join(folder)) else {
            continue;
        };
        fs::create_dir_all(staging.join(folder))?;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            if name
                .to_str()
                .is_some_and(|name| crates.is_registry_artifact(name))
            {
                // With their file times: cargo rebuilds whatever looks older than
                // what it depends on.
                copy_tree_keeping_times(&entry.path(), &staging.join(folder).join(&name))?;
                copied += 1;
            }
        }
    }
    fs::rename(&staging, to)?;
    Ok(copied)
}

/// The crate names of a `Cargo.lock`, split by where they come from.
struct LockedCrates {
    /// Crates with a `source` (a registry or a git repository), dashes as underscores.
    registry: BTreeSet<String>,
    /// Crates of the workspace or other local paths (no `source`), dashes as underscores.
    local: BTreeSet<String>,
}

impl LockedCrates {
    fn read(lockfile: &Path) -> io::Result<LockedCrates> {
        let lock = read_toml(lockfile)?;
        let mut crates = LockedCrates {
            registry: BTreeSet::new(),
            local: BTreeSet::new(),
        };
        let packages = lock.get("package").and_then(toml::Value::as_array);
        for package in packages.into_iter().flatten() {
            let Some(name) = package.get("name").and_then(toml::Value::as_str) else {
                continue;
            };
            let name = name.replace('-', "_");
            if package.get("source").is_some() {
                crates.registry.insert(name);
            } else {
                crates.local.insert(name);
            }
        }
        Ok(crates)
    }

    /// Whether a file or folder name in a profile folder is an artifact of a registry
    /// crate: `<crate>-<16 hex digits>` with an optional `lib` prefix and extension
    /// (`libtorch_sys-0123456789abcdef.rlib`, `torch-sys-0123456789abcdef/`). A name that
    /// could also be read as a local crate's is refused.
    fn is_registry_artifact(&self, name: &str) -> bool {
        let stem = name.split('.').next().unwrap_or(name);
        let Some((krate, hash)) = stem.rsplit_once('-') else {
            return false;
        };
        if hash.len() != 16 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return false;
        }
        let krate = krate.replace('-', "_");
        let readings: Vec<&str> = std::iter::once(krate.as_str())
            .chain(krate.strip_prefix("lib"))
            .collect();
        let local = readings.iter().any(|r| self.local.contains(*r));
        let registry = readings.iter().any(|r| self.registry.contains(*r));
        registry && !local
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crates() -> LockedCrates {
        LockedCrates {
            registry: ["torch_sys", "libc", "rand", "rand_core"]
                .map(String::from)
                .into(),
            local: ["mldrill", "mldrill_spec", "dataloader"]
                .map(String::from)
                .into(),
        }
    }

    #[test]
    fn registry_artifacts_are_recognised_in_every_spelling() {
        let crates = crates();
        for name in [
            "libtorch_sys-0123456789abcdef.rlib",
            "libtorch_sys-0123456789abcdef.rmeta",
            "torch_sys-0123456789abcdef.d",
            "torch-sys-0123456789abcdef",
            "liblibc-0123456789abcdef.rlib",
            "libc-0123456789abcdef",
            "rand_core-0123456789abcdef",
        ] {
            assert!(crates.is_registry_artifact(name), "{name}");
        }
    }

    #[test]
    fn workspace_crates_and_other_files_are_never_copied() {
        let crates = crates();
        for name in [
            "libmldrill-0123456789abcdef.rlib",
            "mldrill_spec-0123456789abcdef.d",
            "dataloader-0123456789abcdef",
            "libdataloader-0123456789abcdef.rlib",
            "mldrill-runner-dataloader",
            "torch_sys.d",
            "torch_sys-0123.rlib",
            "rand_cores-0123456789abcdef.rlib",
            ".cargo-lock",
        ] {
            assert!(!crates.is_registry_artifact(name), "{name}");
        }
    }

    #[test]
    fn only_a_fresh_folder_is_seeded_and_only_with_registry_crates() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("from"), dir.path().join("to"));
        let lock = dir.path().join("Cargo.lock");
        fs::write(
            &lock,
            "version = 4\n\n[[package]]\nname = \"torch-sys\"\nversion = \"0.26.0\"\nsource = \"registry+https://example.org/index\"\n\n[[package]]\nname = \"dataloader\"\nversion = \"0.1.0\"\n",
        )
        .unwrap();
        fs::create_dir_all(from.join("deps")).unwrap();
        fs::create_dir_all(from.join("build/torch-sys-0123456789abcdef/out")).unwrap();
        fs::write(
            from.join("build/torch-sys-0123456789abcdef/out/libtch.a"),
            "a",
        )
        .unwrap();
        fs::write(from.join("deps/libtorch_sys-0123456789abcdef.rlib"), "r").unwrap();
        let long_ago = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        fs::File::options()
            .write(true)
            .open(from.join("deps/libtorch_sys-0123456789abcdef.rlib"))
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        fs::write(
            from.join("deps/libdataloader-0123456789abcdef.rlib"),
            "stub",
        )
        .unwrap();

        assert_eq!(seed_profile(&from, &to, &lock).unwrap(), 2);
        assert!(
            to.join("build/torch-sys-0123456789abcdef/out/libtch.a")
                .is_file()
        );
        let copied = to.join("deps/libtorch_sys-0123456789abcdef.rlib");
        let original = from.join("deps/libtorch_sys-0123456789abcdef.rlib");
        let modified = |p: &Path| fs::metadata(p).unwrap().modified().unwrap();
        assert_eq!(
            modified(&copied),
            modified(&original),
            "cargo compares these times"
        );
        assert!(!to.join("deps/libdataloader-0123456789abcdef.rlib").exists());
        assert!(!dir.path().join("to.warm-start").exists());

        // A folder that exists already is a warm one of its own: left as it is.
        fs::remove_file(to.join("deps/libtorch_sys-0123456789abcdef.rlib")).unwrap();
        assert_eq!(seed_profile(&from, &to, &lock).unwrap(), 0);
        assert!(!to.join("deps/libtorch_sys-0123456789abcdef.rlib").exists());
    }
}
