//! Grading workspaces: a pristine copy of the parts of a checkout that build the runner
//! (manifests, harness, spec, stubs), into which only candidate source files are placed.
//!
//! A grading *slot* is such a workspace kept warm in the cache folder, with its own
//! target folder: it is re-synced before every grade, writing only files whose content
//! changed, so cargo rebuilds only the candidate crates. One grade holds a slot's lock.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// What a workspace needs to build the runners; nothing else is copied (no `target/`,
/// no `.git/`, no progress, no tests).
const PRISTINE: [&str; 11] = [
    "Cargo.toml",
    "pack",
    "datasets",
    "Cargo.lock",
    "src",
    "exercises",
    "runner",
    "supervisor",
    "build",
    "benches",
    ".cargo",
];

/// Source files of the exercises a submission brings, by exercise id, paths relative to
/// `exercises/<id>/src/`.
pub type Sources = BTreeMap<String, BTreeMap<PathBuf, Vec<u8>>>;

/// Copies the pristine parts of the checkout at `root` into `dest`. Symbolic links are
/// not followed or copied.
pub fn copy_pristine(root: &Path, dest: &Path) -> io::Result<()> {
    sync_pristine(root, dest, &BTreeSet::new())
}

/// Makes `dest` hold the pristine parts of `root`, skipping the folders in `except`
/// (relative paths), and writing only what differs.
fn sync_pristine(root: &Path, dest: &Path, except: &BTreeSet<PathBuf>) -> io::Result<()> {
    fs::create_dir_all(dest)?;
    for entry in PRISTINE {
        if root.join(entry).symlink_metadata().is_ok() {
            sync_tree(root, dest, Path::new(entry), except)?;
        }
    }
    Ok(())
}

/// Reads a cargo file (`Cargo.toml`, `Cargo.lock`) as a TOML table; a file that is not
/// TOML is an `InvalidData` error with the parser's message.
pub fn read_toml(path: &Path) -> io::Result<toml::Table> {
    let text = fs::read_to_string(path)?;
    toml::from_str(&text)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.message().to_owned()))
}

/// Copies a file or folder (not following or copying symbolic links); the copies are
/// new files, modified now.
pub fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    copy_tree_with(from, to, false)
}

/// Like [`copy_tree`], each file keeping its access and modification times: for build
/// artifacts, whose times cargo compares with their dependencies'.
pub fn copy_tree_keeping_times(from: &Path, to: &Path) -> io::Result<()> {
    copy_tree_with(from, to, true)
}

fn copy_tree_with(from: &Path, to: &Path, keep_times: bool) -> io::Result<()> {
    let metadata = from.symlink_metadata()?;
    if metadata.is_dir() {
        fs::create_dir_all(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            copy_tree_with(&entry.path(), &to.join(entry.file_name()), keep_times)?;
        }
    } else if metadata.is_file() {
        if let Some(dir) = to.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::copy(from, to)?;
        if keep_times {
            let times = fs::FileTimes::new()
                .set_accessed(metadata.accessed()?)
                .set_modified(metadata.modified()?);
            File::options().write(true).open(to)?.set_times(times)?;
        }
    }
    Ok(())
}

fn sync_tree(
    root: &Path,
    dest: &Path,
    relative: &Path,
    except: &BTreeSet<PathBuf>,
) -> io::Result<()> {
    if except.contains(relative) {
        return Ok(());
    }
    let (from, to) = (root.join(relative), dest.join(relative));
    let kind = from.symlink_metadata()?.file_type();
    // What an earlier submission left where a file of the other kind belongs goes first.
    if let Ok(old) = to.symlink_metadata() {
        if old.is_dir() && !kind.is_dir() {
            fs::remove_dir_all(&to)?;
        } else if !old.is_dir() && kind.is_dir() {
            fs::remove_file(&to)?;
        }
    }
    if kind.is_dir() {
        fs::create_dir_all(&to)?;
        let mut wanted = BTreeSet::new();
        for entry in fs::read_dir(&from)? {
            let name = entry?.file_name();
            sync_tree(root, dest, &relative.join(&name), except)?;
            wanted.insert(name);
        }
        remove_unwanted(&to, &wanted)?;
    } else if kind.is_file() {
        write_if_changed(&to, &fs::read(&from)?)?;
    }
    Ok(())
}

fn remove_unwanted(dir: &Path, wanted: &BTreeSet<std::ffi::OsString>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if !wanted.contains(&entry.file_name()) {
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                fs::remove_dir_all(path)?
            } else {
                fs::remove_file(path)?
            }
        }
    }
    Ok(())
}

fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, bytes)
}

/// A warm grading workspace, locked for one grade at a time.
pub struct Slot {
    dir: PathBuf,
    _lock: File,
}

impl Slot {
    /// Locks slot `index` under `cache`, waiting while another grade holds it.
    pub fn acquire(cache: &Path, index: usize) -> io::Result<Slot> {
        let dir = cache.join(format!("slot-{index}"));
        fs::create_dir_all(&dir)?;
        let lock = File::create(dir.join(".lock"))?;
        lock.lock()?;
        Ok(Slot { dir, _lock: lock })
    }

    pub fn workspace(&self) -> PathBuf {
        self.dir.join("workspace")
    }

    pub fn target_dir(&self) -> PathBuf {
        self.dir.join("target")
    }

    /// True when the slot has built before: its target folder holds a release build.
    pub fn is_warm(&self) -> bool {
        self.target_dir().join("release").is_dir()
    }

    /// Makes this (cold) slot a copy of a warm one: its workspace and its target folder,
    /// every file keeping its times, so that cargo finds the copied builds up to date
    /// (its fingerprints name workspace files by their path inside the workspace) and
    /// the first grade here compiles only the candidate's crate, instead of the harness
    /// and every dependency. The copy is made beside the slot and renamed into place.
    pub fn clone_from(&self, warm: &Slot) -> io::Result<()> {
        let staging = self.dir.join("clone.partial");
        if staging.exists() {
            fs::remove_dir_all(&staging)?;
        }
        for part in ["workspace", "target"] {
            copy_tree_keeping_times(&warm.dir.join(part), &staging.join(part))?;
        }
        for part in ["workspace", "target"] {
            let to = self.dir.join(part);
            if to.exists() {
                fs::remove_dir_all(&to)?;
            }
            fs::rename(staging.join(part), to)?;
        }
        fs::remove_dir_all(&staging)
    }

    /// Makes the workspace the pristine checkout at `home` with `sources` in place of the
    /// stubs of the exercises they belong to.
    pub fn prepare(&self, home: &Path, sources: &Sources) -> io::Result<()> {
        let workspace = self.workspace();
        let src_of = |id: &str| PathBuf::from("exercises").join(id).join("src");
        let replaced: BTreeSet<PathBuf> = sources.keys().map(|id| src_of(id)).collect();
        sync_pristine(home, &workspace, &replaced)?;
        for (id, files) in sources {
            let src = workspace.join(src_of(id));
            if src.exists() {
                fs::remove_dir_all(&src)?; // a clean slate: no file of an earlier submission stays
            }
            for (file, bytes) in files {
                write_if_changed(&src.join(file), bytes)?;
            }
        }
        Ok(())
    }
}

/// The folder grading slots live in: `$MLDRILL_CACHE`, else `$XDG_CACHE_HOME/mldrill/grading`,
/// else `~/.cache/mldrill/grading`.
pub fn default_cache() -> PathBuf {
    if let Some(dir) = std::env::var_os("MLDRILL_CACHE") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("mldrill").join("grading")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cloned_slot_has_the_warm_slots_files_and_times_and_nothing_of_its_own() {
        let cache = tempfile::tempdir().unwrap();
        let warm = Slot::acquire(cache.path(), 0).unwrap();
        let cold = Slot::acquire(cache.path(), 1).unwrap();
        let artifact = warm.target_dir().join("release/deps/libx.rlib");
        fs::create_dir_all(artifact.parent().unwrap()).unwrap();
        fs::write(&artifact, b"compiled").unwrap();
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        File::options()
            .write(true)
            .open(&artifact)
            .unwrap()
            .set_modified(old)
            .unwrap();
        fs::create_dir_all(warm.workspace()).unwrap();
        fs::write(warm.workspace().join("Cargo.toml"), b"[workspace]").unwrap();
        fs::create_dir_all(cold.workspace()).unwrap();
        fs::write(cold.workspace().join("stale.rs"), b"left over").unwrap();
        assert!(warm.is_warm() && !cold.is_warm());

        cold.clone_from(&warm).unwrap();
        assert!(cold.is_warm());
        let copied = cold.target_dir().join("release/deps/libx.rlib");
        assert_eq!(fs::read(&copied).unwrap(), b"compiled");
        assert_eq!(fs::metadata(&copied).unwrap().modified().unwrap(), old);
        assert!(cold.workspace().join("Cargo.toml").is_file());
        assert!(!cold.workspace().join("stale.rs").exists());
        assert!(!cache.path().join("slot-1/clone.partial").exists());
    }
}
