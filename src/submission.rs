//! Reading a submission: a folder (an exported screen workspace or a checkout), a
//! `.tar.gz` or a `.zip`. Only candidate source files (`exercises/<id>/src/**/*.rs`) and
//! the screen manifest are taken; everything else is ignored. Archives are read in memory
//! and never extracted, so no entry can write anywhere; symbolic links are never followed.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use crate::screen::{MANIFEST_FILE, ScreenManifest};

/// Largest source file taken, and largest total.
const FILE_CAP: u64 = 1024 * 1024;
const TOTAL_CAP: u64 = 16 * 1024 * 1024;
/// Most archive entries or folder entries looked at.
const ENTRY_CAP: usize = 20_000;

/// What the grader takes from a submission.
#[derive(Debug, Default)]
pub struct Submission {
    /// The submission's name in reports: its file or folder name.
    pub name: String,
    /// Source files by exercise id, paths relative to `exercises/<id>/src/`.
    pub sources: BTreeMap<String, BTreeMap<PathBuf, Vec<u8>>>,
    /// The export's manifest, if the submission came from `mldrill screen export`.
    pub manifest: Option<ScreenManifest>,
    /// The newest modification time among the sources, seconds since the epoch.
    pub last_edit: Option<u64>,
    /// Things that were skipped, for the report (symlinks, escaping paths, oversized files).
    pub ignored: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmissionError {
    #[error("failed to read submission {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path} is not a folder, a .tar.gz or a .zip")]
    UnknownKind { path: PathBuf },
    #[error("{path} is not a valid archive: {message}")]
    BadArchive { path: PathBuf, message: String },
    #[error("{path} holds more than {TOTAL_CAP} bytes of candidate sources")]
    TooLarge { path: PathBuf },
    #[error("{path}: {problem}; rename it and submit again")]
    BadSourcePath { path: PathBuf, problem: String },
}

impl Submission {
    /// Reads the submission at `path`.
    pub fn read(path: &Path) -> Result<Self, SubmissionError> {
        let read_err = |source| SubmissionError::Read {
            path: path.to_owned(),
            source,
        };
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let mut submission = Submission {
            name,
            ..Submission::default()
        };
        let meta = fs::symlink_metadata(path).map_err(read_err)?;
        let file_name = submission.name.to_lowercase();
        if meta.is_dir() {
            read_folder(path, &mut submission).map_err(read_err)?;
        } else if meta.is_file() && (file_name.ends_with(".tar.gz") || file_name.ends_with(".tgz"))
        {
            let file = File::open(path).map_err(read_err)?;
            read_tar(path, flate2::read::GzDecoder::new(file), &mut submission)?;
        } else if meta.is_file() && file_name.ends_with(".zip") {
            read_zip(path, File::open(path).map_err(read_err)?, &mut submission)?;
        } else {
            return Err(SubmissionError::UnknownKind {
                path: path.to_owned(),
            });
        }
        let total: usize = submission
            .sources
            .values()
            .flat_map(|files| files.values())
            .map(Vec::len)
            .sum();
        if total as u64 > TOTAL_CAP {
            return Err(SubmissionError::TooLarge {
                path: path.to_owned(),
            });
        }
        for (exercise, files) in &submission.sources {
            check_source_paths(files).map_err(|(file, problem)| {
                SubmissionError::BadSourcePath {
                    path: Path::new("exercises").join(exercise).join("src").join(file),
                    problem,
                }
            })?;
        }
        Ok(submission)
    }

    /// Takes one entry found at `relative` (inside the submission) if it is a candidate
    /// source or the manifest; `bytes` is only called for entries that are taken.
    fn offer(
        &mut self,
        relative: &Path,
        size: u64,
        mtime: Option<u64>,
        bytes: impl FnOnce() -> io::Result<Vec<u8>>,
    ) -> io::Result<()> {
        let Some(place) = classify(relative) else {
            return Ok(());
        };
        if size > FILE_CAP {
            self.ignored.push(format!(
                "{} (larger than {FILE_CAP} bytes)",
                relative.display()
            ));
            return Ok(());
        }
        match place {
            Place::Manifest => {
                let text = String::from_utf8_lossy(&bytes()?).into_owned();
                match toml::from_str(&text) {
                    Ok(manifest) => self.manifest = Some(manifest),
                    Err(e) => self.ignored.push(format!(
                        "{} (unreadable: {})",
                        relative.display(),
                        e.message()
                    )),
                }
            }
            Place::Source { exercise, file } => {
                self.last_edit = self.last_edit.max(mtime);
                self.sources
                    .entry(exercise)
                    .or_default()
                    .insert(file, bytes()?);
            }
        }
        Ok(())
    }
}

/// Longest file name most filesystems take, longest relative source path, deepest folder.
const NAME_MAX: usize = 255;
const PATH_MAX: usize = 1024;
const DEPTH_MAX: usize = 16;

/// Source paths the grading workspace can hold: names a filesystem takes, and no file
/// whose name is also a folder of another source (`a.rs` and `a.rs/b.rs`).
fn check_source_paths(files: &BTreeMap<PathBuf, Vec<u8>>) -> Result<(), (PathBuf, String)> {
    for file in files.keys() {
        let fail = |problem: String| Err((file.clone(), problem));
        if let Some(long) = file.iter().find(|c| c.len() > NAME_MAX) {
            return fail(format!(
                "the name {}... is longer than {NAME_MAX} bytes",
                long.to_string_lossy().chars().take(24).collect::<String>()
            ));
        }
        if file.as_os_str().len() > PATH_MAX {
            return fail(format!("the path is longer than {PATH_MAX} bytes"));
        }
        if file.iter().count() > DEPTH_MAX {
            return fail(format!("the path is more than {DEPTH_MAX} folders deep"));
        }
        if let Some(folder) = file.ancestors().skip(1).find(|a| files.contains_key(*a)) {
            return fail(format!(
                "{} is both a file and a folder in the submission",
                folder.display()
            ));
        }
    }
    Ok(())
}

enum Place {
    Manifest,
    Source { exercise: String, file: PathBuf },
}

/// Where an entry belongs: `[top/]exercises/<id>/src/**/*.rs` or `[top/]mldrill-screen.toml`.
fn classify(relative: &Path) -> Option<Place> {
    let parts: Vec<&str> = relative
        .components()
        .filter(|c| *c != Component::CurDir) // `./exercises/...`, as `tar -C dir .` writes
        .map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None, // `..` or `/`: an escaping path is never taken
        })
        .collect::<Option<_>>()?;
    let parts = match parts.first() {
        Some(&"exercises") | Some(&MANIFEST_FILE) => &parts[..],
        Some(_) => &parts[1..],
        None => return None,
    };
    match parts {
        [MANIFEST_FILE] => Some(Place::Manifest),
        ["exercises", exercise, "src", rest @ ..]
            if !rest.is_empty() && rest.last()?.ends_with(".rs") && exercise != &"spec" =>
        {
            Some(Place::Source {
                exercise: (*exercise).to_owned(),
                file: rest.iter().collect(),
            })
        }
        _ => None,
    }
}

fn mtime_secs(meta: &fs::Metadata) -> Option<u64> {
    meta.modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs())
}

fn read_folder(root: &Path, submission: &mut Submission) -> io::Result<()> {
    let mut pending = vec![PathBuf::new()];
    let mut seen = 0usize;
    while let Some(relative) = pending.pop() {
        for entry in fs::read_dir(root.join(&relative))? {
            seen += 1;
            if seen > ENTRY_CAP {
                submission
                    .ignored
                    .push(format!("entries past the first {ENTRY_CAP}"));
                return Ok(());
            }
            let entry = entry?;
            let child = relative.join(entry.file_name());
            let meta = fs::symlink_metadata(entry.path())?;
            if meta.file_type().is_symlink() {
                if classify(&child).is_some() || child.starts_with("exercises") {
                    submission
                        .ignored
                        .push(format!("{} (symbolic link, not followed)", child.display()));
                }
            } else if meta.is_dir() {
                if !matches!(entry.file_name().to_str(), Some("target" | ".git")) {
                    pending.push(child);
                }
            } else if meta.is_file() {
                let path = entry.path();
                submission.offer(&child, meta.len(), mtime_secs(&meta), || fs::read(&path))?;
            }
        }
    }
    Ok(())
}

fn read_tar(
    path: &Path,
    reader: impl Read,
    submission: &mut Submission,
) -> Result<(), SubmissionError> {
    let bad = |e: io::Error| SubmissionError::BadArchive {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let mut archive = tar::Archive::new(reader);
    for (count, entry) in archive.entries().map_err(bad)?.enumerate() {
        if count >= ENTRY_CAP {
            submission
                .ignored
                .push(format!("entries past the first {ENTRY_CAP}"));
            break;
        }
        let mut entry = entry.map_err(bad)?;
        let relative = entry.path().map_err(bad)?.into_owned();
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            submission.ignored.push(format!(
                "{} (escapes the archive, ignored)",
                relative.display()
            ));
            continue;
        }
        let kind = entry.header().entry_type();
        if !kind.is_file() {
            if kind.is_symlink() || kind.is_hard_link() {
                submission
                    .ignored
                    .push(format!("{} (link, not followed)", relative.display()));
            }
            continue;
        }
        let (size, mtime) = (
            entry.header().size().map_err(bad)?,
            entry.header().mtime().ok(),
        );
        submission
            .offer(&relative, size, mtime, || {
                let mut bytes = Vec::new();
                entry.by_ref().take(FILE_CAP).read_to_end(&mut bytes)?;
                Ok(bytes)
            })
            .map_err(bad)?;
    }
    Ok(())
}

fn read_zip(path: &Path, file: File, submission: &mut Submission) -> Result<(), SubmissionError> {
    let bad = |message: String| SubmissionError::BadArchive {
        path: path.to_owned(),
        message,
    };
    let mut archive = zip::ZipArchive::new(file).map_err(|e| bad(e.to_string()))?;
    for index in 0..archive.len().min(ENTRY_CAP) {
        let mut entry = archive.by_index(index).map_err(|e| bad(e.to_string()))?;
        let Some(relative) = entry.enclosed_name() else {
            submission
                .ignored
                .push(format!("{} (escapes the archive, ignored)", entry.name()));
            continue;
        };
        if entry.is_symlink() {
            submission
                .ignored
                .push(format!("{} (link, not followed)", relative.display()));
            continue;
        }
        if !entry.is_file() {
            continue;
        }
        let (size, mtime) = (entry.size(), entry.last_modified().and_then(zip_seconds));
        submission
            .offer(&relative, size, mtime, || {
                let mut bytes = Vec::new();
                entry.by_ref().take(FILE_CAP).read_to_end(&mut bytes)?;
                Ok(bytes)
            })
            .map_err(|e| bad(e.to_string()))?;
    }
    Ok(())
}

/// A zip entry's time (local time as the archiver saw it, no zone) as seconds since the
/// epoch, read as UTC.
fn zip_seconds(time: zip::DateTime) -> Option<u64> {
    let (y, m, d) = (
        i64::from(time.year()),
        i64::from(time.month()),
        i64::from(time.day()),
    );
    // Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400
        + i64::from(time.hour()) * 3600
        + i64::from(time.minute()) * 60
        + i64::from(time.second());
    u64::try_from(seconds).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(path: &str) -> Option<(String, PathBuf)> {
        match classify(Path::new(path))? {
            Place::Source { exercise, file } => Some((exercise, file)),
            Place::Manifest => Some(("<manifest>".into(), PathBuf::new())),
        }
    }

    #[test]
    fn only_candidate_sources_and_the_manifest_are_taken() {
        assert_eq!(
            place("exercises/dataloader/src/lib.rs"),
            Some(("dataloader".into(), "lib.rs".into()))
        );
        assert_eq!(
            place("screen/exercises/dataloader/src/a/b.rs"),
            Some(("dataloader".into(), "a/b.rs".into()))
        );
        assert_eq!(
            place("mldrill-screen.toml").map(|p| p.0),
            Some("<manifest>".into())
        );
        for ignored in [
            "exercises/dataloader/Cargo.toml",
            "exercises/dataloader/build.rs",
            "exercises/dataloader/src/data.bin",
            "exercises/spec/src/lib.rs",
            "exercises/dataloader/tests/t.rs",
            ".cargo/config.toml",
            "a/b/exercises/dataloader/src/lib.rs",
            "../exercises/dataloader/src/lib.rs",
            "/exercises/dataloader/src/lib.rs",
            "exercises/dataloader/src/../../../src/reference.rs",
        ] {
            assert!(place(ignored).is_none(), "{ignored}");
        }
    }

    #[test]
    fn a_leading_dot_folder_is_the_archive_root() {
        // `tar czf sub.tgz -C dir .` names every entry `./...`.
        assert_eq!(
            place("./exercises/dataloader/src/lib.rs"),
            Some(("dataloader".into(), "lib.rs".into()))
        );
        assert_eq!(
            place("./screen/exercises/ngram/src/lib.rs"),
            Some(("ngram".into(), "lib.rs".into()))
        );
        assert!(place("./mldrill-screen.toml").is_some());
    }

    #[test]
    fn source_paths_a_workspace_cannot_hold_are_refused() {
        let files = |paths: &[&str]| -> BTreeMap<PathBuf, Vec<u8>> {
            paths
                .iter()
                .map(|p| (PathBuf::from(p), Vec::new()))
                .collect()
        };
        assert!(check_source_paths(&files(&["lib.rs", "a/b.rs"])).is_ok());
        let (file, problem) = check_source_paths(&files(&["a.rs", "a.rs/b.rs"])).unwrap_err();
        assert_eq!(file, PathBuf::from("a.rs/b.rs"));
        assert!(problem.contains("both a file and a folder"), "{problem}");
        let long = format!("{}.rs", "x".repeat(300));
        let (_, problem) = check_source_paths(&files(&[&long])).unwrap_err();
        assert!(problem.contains("longer than 255 bytes"), "{problem}");
        let deep = format!("{}lib.rs", "d/".repeat(20));
        assert!(check_source_paths(&files(&[&deep])).is_err());
    }

    #[test]
    fn zip_times_count_from_the_epoch() {
        let time = zip::DateTime::from_date_and_time(2024, 3, 1, 12, 30, 10).unwrap();
        assert_eq!(zip_seconds(time), Some(1_709_296_210));
        let time = zip::DateTime::from_date_and_time(1980, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(zip_seconds(time), Some(315_532_800));
    }
}
