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

enum Place {
    Manifest,
    Source { exercise: String, file: PathBuf },
}

/// Where an entry belongs: `[top/]exercises/<id>/src/**/*.rs` or `[top/]mldrill-screen.toml`.
fn classify(relative: &Path) -> Option<Place> {
    let parts: Vec<&str> = relative
        .components()
        .map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None, // `..`, `/` or `.`: an escaping or odd path is never taken
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
        let size = entry.size();
        submission
            .offer(&relative, size, None, || {
                let mut bytes = Vec::new();
                entry.by_ref().take(FILE_CAP).read_to_end(&mut bytes)?;
                Ok(bytes)
            })
            .map_err(|e| bad(e.to_string()))?;
    }
    Ok(())
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
}
