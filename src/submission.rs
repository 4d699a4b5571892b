//! Reading a submission: a folder (an exported screen workspace or a checkout), a
//! `.tar.gz` or a `.zip`. Only candidate source files (`exercises/<id>/src/**/*.rs`) and
//! the screen manifest are taken; everything else is ignored. Archives are read in memory
//! and never extracted, so no entry can write anywhere; symbolic links are never followed.
//! The bytes taken are counted as they stream, so an archive of many large sources is
//! refused once it passes the cap, not after it sits in memory. An entry that looks like
//! a source but cannot be taken (a link, a device, a name that is not UTF-8 or uses `\`)
//! is listed as ignored, with the reason.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use crate::screen::{MANIFEST_FILE, ScreenManifest};

mod tar_guard;

/// Largest source file taken, and largest total.
const FILE_CAP: u64 = 1024 * 1024;
const TOTAL_CAP: u64 = 16 * 1024 * 1024;
/// Most archive entries or folder entries looked at.
const ENTRY_CAP: usize = 20_000;
/// Most ignored entries listed one by one; the rest are counted.
const IGNORED_CAP: usize = 100;

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
    /// Bytes of sources and manifest read so far.
    taken: u64,
    /// Ignored entries past [`IGNORED_CAP`], counted.
    ignored_unlisted: usize,
}

/// Why an entry was not taken while reading it.
enum Refusal {
    Io(io::Error),
    /// The sources taken so far pass [`TOTAL_CAP`].
    TooLarge,
}

impl From<io::Error> for Refusal {
    fn from(error: io::Error) -> Self {
        Refusal::Io(error)
    }
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
    #[error(
        "{path} holds more than {} MiB of candidate sources (exercises/<id>/src/**/*.rs); \
         submit only the sources the exercises need",
        TOTAL_CAP >> 20
    )]
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
        let too_large = || SubmissionError::TooLarge {
            path: path.to_owned(),
        };
        if meta.is_dir() {
            read_folder(path, &mut submission).map_err(|refusal| match refusal {
                Refusal::Io(e) => read_err(e),
                Refusal::TooLarge => too_large(),
            })?;
        } else if meta.is_file() && (file_name.ends_with(".tar.gz") || file_name.ends_with(".tgz"))
        {
            // Several gzip members one after another are one stream, as GNU tar reads them.
            let file = File::open(path).map_err(read_err)?;
            read_tar(
                path,
                flate2::read::MultiGzDecoder::new(file),
                &mut submission,
            )?;
        } else if meta.is_file() && file_name.ends_with(".zip") {
            read_zip(path, File::open(path).map_err(read_err)?, &mut submission)?;
        } else {
            return Err(SubmissionError::UnknownKind {
                path: path.to_owned(),
            });
        }
        if submission.ignored_unlisted > 0 {
            let more = submission.ignored_unlisted;
            submission
                .ignored
                .push(format!("{more} more entries, not listed"));
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

    /// Lists `entry` as ignored, for `reason`; a name past 200 characters is cut.
    fn ignore(&mut self, entry: impl std::fmt::Display, reason: &str) {
        if self.ignored.len() < IGNORED_CAP {
            let mut name = entry.to_string();
            if let Some((cut, _)) = name.char_indices().nth(200) {
                name.truncate(cut);
                name.push_str("...");
            }
            self.ignored.push(format!("{name} ({reason})"));
        } else {
            self.ignored_unlisted += 1;
        }
    }

    /// Takes one entry found at `relative` (inside the submission) if it is a candidate
    /// source or the manifest. `bytes(limit)` reads at most `limit` bytes of it and is only
    /// called for entries that are taken; the total taken is capped as it grows.
    fn offer(
        &mut self,
        relative: &Path,
        size: u64,
        mtime: Option<u64>,
        bytes: impl FnOnce(u64) -> io::Result<Vec<u8>>,
    ) -> Result<(), Refusal> {
        if let Some(reason) = unusable_path(relative) {
            self.ignore(relative.display(), reason);
            return Ok(());
        }
        let Some(place) = classify(relative) else {
            return Ok(());
        };
        if size > FILE_CAP {
            self.ignore(relative.display(), &format!("larger than {FILE_CAP} bytes"));
            return Ok(());
        }
        if self.taken + size > TOTAL_CAP {
            return Err(Refusal::TooLarge);
        }
        // One byte past the cap tells a file that grew, or lied about its size, apart.
        let bytes = bytes(FILE_CAP + 1)?;
        if bytes.len() as u64 > FILE_CAP {
            self.ignore(relative.display(), &format!("larger than {FILE_CAP} bytes"));
            return Ok(());
        }
        self.taken += bytes.len() as u64;
        if self.taken > TOTAL_CAP {
            return Err(Refusal::TooLarge);
        }
        match place {
            Place::Manifest => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                match toml::from_str(&text) {
                    Ok(manifest) => self.manifest = Some(manifest),
                    Err(e) => {
                        let reason = format!("unreadable: {}", e.message());
                        self.ignore(relative.display(), &reason);
                    }
                }
            }
            Place::Source { exercise, file } => {
                self.last_edit = self.last_edit.max(mtime);
                self.sources
                    .entry(exercise)
                    .or_default()
                    .insert(file, bytes);
            }
        }
        Ok(())
    }
}

/// Why a path cannot be taken whatever it holds, or `None`: one that leaves the
/// submission, one whose name is not UTF-8, one that separates folders with `\` (an
/// archive made on Windows; the workspace would read it as one strange file name).
fn unusable_path(relative: &Path) -> Option<&'static str> {
    if relative.components().any(|c| c == Component::ParentDir) {
        Some("a `..` in its path")
    } else if relative
        .components()
        .any(|c| matches!(c, Component::RootDir | Component::Prefix(_)))
    {
        Some("an absolute path")
    } else if relative.to_str().is_none() {
        Some("its name is not UTF-8")
    } else if relative.to_string_lossy().contains('\\') {
        Some("a `\\` in its path; separate folders with `/`")
    } else {
        None
    }
}

/// Reads at most `limit` bytes.
fn read_capped(reader: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
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

fn read_folder(root: &Path, submission: &mut Submission) -> Result<(), Refusal> {
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
            let near_sources = classify(&child).is_some() || child.starts_with("exercises");
            if meta.file_type().is_symlink() {
                if near_sources {
                    submission.ignore(child.display(), "symbolic link, not followed");
                }
            } else if meta.is_dir() {
                if !matches!(entry.file_name().to_str(), Some("target" | ".git")) {
                    pending.push(child);
                }
            } else if meta.is_file() {
                let path = entry.path();
                submission.offer(&child, meta.len(), mtime_secs(&meta), |limit| {
                    read_capped(File::open(&path)?, limit)
                })?;
            } else if near_sources {
                submission.ignore(
                    child.display(),
                    "not a regular file: a FIFO, a socket or a device",
                );
            }
        }
    }
    Ok(())
}

/// What a tar entry that is neither a file, a folder nor a link is, for the ignored list.
fn tar_kind(kind: tar::EntryType) -> String {
    if kind.is_fifo() {
        "a FIFO".into()
    } else if kind.is_character_special() {
        "a character device".into()
    } else if kind.is_block_special() {
        "a block device".into()
    } else if kind.is_gnu_sparse() {
        "a sparse file".into()
    } else {
        format!("an entry of type {:?}", kind.as_byte() as char)
    }
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
    let mut archive = tar::Archive::new(tar_guard::TarGuard::new(reader));
    for (count, entry) in archive.entries().map_err(bad)?.enumerate() {
        if count >= ENTRY_CAP {
            submission
                .ignored
                .push(format!("entries past the first {ENTRY_CAP}"));
            break;
        }
        let mut entry = entry.map_err(bad)?;
        let relative = entry.path().map_err(bad)?.into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        // The tar crate reads PAX records line by line, so a line break in a name breaks the
        // record and it falls back to the header's (other, truncated) name, which is not the
        // file GNU tar would extract.
        let pax_unreadable = entry
            .pax_extensions()
            .map_err(bad)?
            .is_some_and(|mut records| records.any(|record| record.is_err()));
        if pax_unreadable {
            submission.ignore(
                relative.display(),
                "its PAX header does not parse (a line break in its name?), so its real name is unknown",
            );
        } else if let Some(reason) = unusable_path(&relative) {
            submission.ignore(relative.display(), reason);
        } else if kind.is_symlink() || kind.is_hard_link() {
            submission.ignore(relative.display(), "link, not followed");
        } else if !kind.is_file() {
            let reason = format!("not a regular file: {}", tar_kind(kind));
            submission.ignore(relative.display(), &reason);
        } else {
            let (size, mtime) = (
                entry.header().size().map_err(bad)?,
                entry.header().mtime().ok(),
            );
            submission
                .offer(&relative, size, mtime, |limit| {
                    read_capped(entry.by_ref(), limit)
                })
                .map_err(|refusal| match refusal {
                    Refusal::Io(e) => bad(e),
                    Refusal::TooLarge => SubmissionError::TooLarge {
                        path: path.to_owned(),
                    },
                })?;
        }
    }
    Ok(())
}

/// Most entries, and largest central directory, a zip may declare: its reader holds the
/// whole directory in memory (a few hundred bytes an entry, names included) before the
/// first entry is read.
const ZIP_ENTRY_MAX: u64 = 5 * ENTRY_CAP as u64;
const ZIP_DIRECTORY_MAX: u64 = 16 * 1024 * 1024;

/// The number of entries and the size of the central directory that a zip's
/// end-of-central-directory record declares (its zip64 record's when the classic one is
/// saturated), read from the file's tail; `None` when there is no such record (the zip
/// reader then says what is wrong).
fn zip_declared_entries(file: &mut File) -> io::Result<Option<(u64, u64)>> {
    use std::io::{Seek, SeekFrom};
    const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    const ZIP64_LOCATOR: [u8; 4] = [0x50, 0x4b, 0x06, 0x07];
    const ZIP64_EOCD: [u8; 4] = [0x50, 0x4b, 0x06, 0x06];
    let len = file.seek(SeekFrom::End(0))?;
    // The record is 22 bytes and may be followed by a comment of up to 65,535 bytes.
    let tail_len = len.min(22 + 65_535);
    file.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = Vec::new();
    file.by_ref().take(tail_len).read_to_end(&mut tail)?;
    let Some(at) = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..i + 4] == EOCD)
    else {
        return Ok(None);
    };
    let le_u64 = |bytes: &[u8]| {
        let mut word = [0u8; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        u64::from_le_bytes(word)
    };
    let classic = (
        le_u64(&tail[at + 10..at + 12]),
        le_u64(&tail[at + 12..at + 16]),
    );
    let saturated = classic.0 == 0xffff || classic.1 == 0xffff_ffff;
    if !saturated || at < 20 || tail[at - 20..at - 16] != ZIP64_LOCATOR {
        return Ok(Some(classic));
    }
    let mut record = [0u8; 56];
    file.seek(SeekFrom::Start(le_u64(&tail[at - 12..at - 4])))?;
    if file.read_exact(&mut record).is_err() || record[..4] != ZIP64_EOCD {
        return Ok(Some(classic));
    }
    Ok(Some((le_u64(&record[32..40]), le_u64(&record[40..48]))))
}

fn read_zip(
    path: &Path,
    mut file: File,
    submission: &mut Submission,
) -> Result<(), SubmissionError> {
    let bad = |message: String| SubmissionError::BadArchive {
        path: path.to_owned(),
        message,
    };
    let declared = zip_declared_entries(&mut file).map_err(|e| bad(e.to_string()))?;
    if let Some((entries, directory)) = declared
        && (entries > ZIP_ENTRY_MAX || directory > ZIP_DIRECTORY_MAX)
    {
        return Err(bad(format!(
            "it declares {entries} entries in a directory of {directory} bytes, more than \
             {ZIP_ENTRY_MAX} entries or {ZIP_DIRECTORY_MAX} bytes; zip only the sources"
        )));
    }
    let mut archive = zip::ZipArchive::new(file).map_err(|e| bad(e.to_string()))?;
    if archive.len() > ENTRY_CAP {
        submission
            .ignored
            .push(format!("entries past the first {ENTRY_CAP}"));
    }
    for index in 0..archive.len().min(ENTRY_CAP) {
        let mut entry = archive.by_index(index).map_err(|e| bad(e.to_string()))?;
        let Some(relative) = entry.enclosed_name() else {
            submission.ignore(entry.name(), "escapes the archive");
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        if let Some(reason) = unusable_path(&relative) {
            submission.ignore(relative.display(), reason);
            continue;
        }
        if entry.is_symlink() {
            submission.ignore(relative.display(), "link, not followed");
            continue;
        }
        let (size, mtime) = (entry.size(), entry.last_modified().and_then(zip_seconds));
        submission
            .offer(&relative, size, mtime, |limit| {
                read_capped(entry.by_ref(), limit)
            })
            .map_err(|refusal| match refusal {
                Refusal::Io(e) => bad(e.to_string()),
                Refusal::TooLarge => SubmissionError::TooLarge {
                    path: path.to_owned(),
                },
            })?;
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

    /// A tar archive of `entries`: path bytes, entry type, contents (a link's target for links).
    fn tar_of(entries: &[(&[u8], tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, kind, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(*kind);
            header.set_mode(0o644);
            header.as_gnu_mut().unwrap().name[..path.len()].copy_from_slice(path);
            if kind.is_symlink() || kind.is_hard_link() {
                header
                    .set_link_name(std::str::from_utf8(data).unwrap())
                    .unwrap();
                header.set_size(0);
                header.set_cksum();
                builder.append(&header, &[][..]).unwrap();
            } else {
                header.set_size(data.len() as u64);
                header.set_cksum();
                builder.append(&header, *data).unwrap();
            }
        }
        builder.into_inner().unwrap()
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn read_bytes(name: &str, bytes: &[u8]) -> Result<Submission, SubmissionError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        Submission::read(&path)
    }

    const FILE: tar::EntryType = tar::EntryType::Regular;

    #[test]
    fn a_gzip_stream_of_several_members_is_read_whole() {
        let tar = tar_of(&[
            (b"exercises/dataloader/src/lib.rs", FILE, b"pub mod b;"),
            (b"exercises/dataloader/src/b.rs", FILE, b"pub fn b() {}"),
        ]);
        // Split after the first entry (a header and one padded block), as `cat a.gz b.gz`
        // or a parallel gzip writes it.
        let mut members = gzip(&tar[..1024]);
        members.extend(gzip(&tar[1024..]));
        let submission = read_bytes("sub.tgz", &members).unwrap();
        let files: Vec<_> = submission.sources["dataloader"].keys().collect();
        assert_eq!(files, [Path::new("b.rs"), Path::new("lib.rs")]);
    }

    /// Counts the bytes read through it.
    struct Counting<R> {
        inner: R,
        read: std::rc::Rc<std::cell::Cell<u64>>,
    }

    impl<R: Read> Read for Counting<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read.set(self.read.get() + n as u64);
            Ok(n)
        }
    }

    #[test]
    fn the_total_is_capped_as_the_archive_streams() {
        let big = vec![b'/'; FILE_CAP as usize];
        let names: Vec<String> = (0..40)
            .map(|i| format!("exercises/dataloader/src/f{i}.rs"))
            .collect();
        let entries: Vec<(&[u8], tar::EntryType, &[u8])> = names
            .iter()
            .map(|n| (n.as_bytes(), FILE, &big[..]))
            .collect();
        let tar = tar_of(&entries);
        let read = std::rc::Rc::default();
        let reader = Counting {
            inner: &tar[..],
            read: std::rc::Rc::clone(&read),
        };
        let mut submission = Submission::default();
        let outcome = read_tar(Path::new("big.tar.gz"), reader, &mut submission);
        assert!(
            matches!(outcome, Err(SubmissionError::TooLarge { .. })),
            "{outcome:?}"
        );
        // Stopped at the cap: 16 files of the 40 and a little more, not the whole archive.
        assert!(
            read.get() < TOTAL_CAP + 2 * FILE_CAP,
            "read {} bytes of {}",
            read.get(),
            tar.len()
        );
        assert!(submission.taken <= TOTAL_CAP);
        let error = read_bytes("big.tgz", &gzip(&tar)).unwrap_err().to_string();
        assert!(
            error.contains("more than 16 MiB of candidate sources"),
            "{error}"
        );
    }

    #[test]
    fn a_source_over_the_file_cap_is_listed_not_taken() {
        let mut zip = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("exercises/dataloader/src/lib.rs", options)
            .unwrap();
        io::Write::write_all(&mut zip, &vec![b' '; FILE_CAP as usize + 10]).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let submission = read_bytes("sub.zip", &bytes).unwrap();
        assert!(submission.sources.is_empty());
        assert!(
            submission.ignored[0].contains("larger than 1048576 bytes"),
            "{:?}",
            submission.ignored
        );
    }

    #[test]
    fn every_dropped_entry_is_listed_with_its_reason() {
        use tar::EntryType;
        let tar = tar_of(&[
            (b"exercises/dataloader/src/lib.rs", FILE, b"pub fn ok() {}"),
            (
                b"exercises\\dataloader\\src\\win.rs",
                FILE,
                b"pub fn w() {}",
            ),
            (
                b"exercises/dataloader/src/\xff\xfe.rs",
                FILE,
                b"pub fn u() {}",
            ),
            (b"exercises/dataloader/src/pipe.rs", EntryType::Fifo, b""),
            (b"exercises/dataloader/src/tty.rs", EntryType::Char, b""),
            (b"exercises/dataloader/src/disk.rs", EntryType::Block, b""),
            (
                b"exercises/dataloader/src/link.rs",
                EntryType::Symlink,
                b"/etc/passwd",
            ),
            (
                b"exercises/dataloader/src/hard.rs",
                EntryType::Link,
                b"lib.rs",
            ),
            (b"exercises/dataloader/src/", EntryType::Directory, b""),
        ]);
        let submission = read_bytes("sub.tgz", &gzip(&tar)).unwrap();
        assert_eq!(submission.sources["dataloader"].len(), 1);
        let expected = [
            "exercises\\dataloader\\src\\win.rs (a `\\` in its path; separate folders with `/`)",
            "exercises/dataloader/src/\u{fffd}\u{fffd}.rs (its name is not UTF-8)",
            "exercises/dataloader/src/pipe.rs (not a regular file: a FIFO)",
            "exercises/dataloader/src/tty.rs (not a regular file: a character device)",
            "exercises/dataloader/src/disk.rs (not a regular file: a block device)",
            "exercises/dataloader/src/link.rs (link, not followed)",
            "exercises/dataloader/src/hard.rs (link, not followed)",
        ];
        assert_eq!(submission.ignored, expected);
    }

    /// A PAX header (as Python's tarfile and GNU tar write for names that need it) whose
    /// path holds a line break: the tar crate cannot parse it and would read the header's
    /// truncated name instead.
    #[test]
    fn an_entry_whose_pax_name_does_not_parse_is_listed() {
        let name = "exercises/dataloader/src/a\nb.rs";
        let record = |len: usize| format!("{len} path={name}\n");
        let len = (1..100).find(|&n| record(n).len() == n).unwrap();
        let record = record(len);
        let mut pax = tar::Header::new_ustar();
        pax.set_entry_type(tar::EntryType::XHeader);
        pax.set_path("PaxHeader").unwrap();
        pax.set_size(record.len() as u64);
        pax.set_cksum();
        let mut file = tar::Header::new_ustar();
        file.set_path("exercises/dataloader/src/a").unwrap();
        file.set_size(5);
        file.set_mode(0o644);
        file.set_cksum();
        let mut builder = tar::Builder::new(Vec::new());
        builder.append(&pax, record.as_bytes()).unwrap();
        builder.append(&file, &b"x = 1"[..]).unwrap();
        let tar = builder.into_inner().unwrap();
        let submission = read_bytes("sub.tgz", &gzip(&tar)).unwrap();
        assert!(submission.sources.is_empty());
        assert_eq!(submission.ignored.len(), 1, "{:?}", submission.ignored);
        assert!(
            submission.ignored[0].contains("its PAX header does not parse"),
            "{:?}",
            submission.ignored
        );
    }

    #[test]
    fn a_long_ignored_list_is_cut_and_counted() {
        let names: Vec<String> = (0..150)
            .map(|i| format!("exercises\\dataloader\\src\\f{i}.rs"))
            .collect();
        let entries: Vec<(&[u8], tar::EntryType, &[u8])> = names
            .iter()
            .map(|n| (n.as_bytes(), FILE, &b"fn f() {}"[..]))
            .collect();
        let submission = read_bytes("sub.tgz", &gzip(&tar_of(&entries))).unwrap();
        assert_eq!(submission.ignored.len(), IGNORED_CAP + 1);
        let mut long = Submission::default();
        long.ignore("x".repeat(5000), "why");
        assert_eq!(long.ignored, [format!("{}... (why)", "x".repeat(200))]);
        assert_eq!(
            submission.ignored.last().unwrap(),
            "50 more entries, not listed"
        );
    }

    #[test]
    fn a_folder_lists_what_it_cannot_take() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("exercises/dataloader/src");
        fs::create_dir_all(&src).unwrap();
        fs::write(src.join("lib.rs"), "pub fn ok() {}").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", src.join("link.rs")).unwrap();
        let fifo = src.join("pipe.rs");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .is_ok_and(|s| s.success())
        );
        let submission = Submission::read(dir.path()).unwrap();
        assert_eq!(submission.sources["dataloader"].len(), 1);
        let mut ignored = submission.ignored.clone();
        ignored.sort();
        assert_eq!(
            ignored,
            [
                "exercises/dataloader/src/link.rs (symbolic link, not followed)",
                "exercises/dataloader/src/pipe.rs (not a regular file: a FIFO, a socket or a device)",
            ]
        );
    }

    /// A zip of `count` empty entries.
    fn zip_of_empty_entries(count: usize) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for i in 0..count {
            zip.start_file(format!("{i:x}"), options).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn a_zip_that_declares_too_many_entries_is_refused_before_its_directory_is_read() {
        let small = zip_of_empty_entries(3);
        let mut file = tempfile::tempfile().unwrap();
        io::Write::write_all(&mut file, &small).unwrap();
        let (entries, directory) = zip_declared_entries(&mut file).unwrap().unwrap();
        assert_eq!(entries, 3);
        assert!((3 * 46..3 * 100).contains(&directory), "{directory}");

        // Past 65,535 entries the writer adds a zip64 record, which is the one read.
        let many = zip_of_empty_entries(ZIP_ENTRY_MAX as usize + 1);
        let error = read_bytes("many.zip", &many).unwrap_err().to_string();
        assert!(
            error.contains("it declares 100001 entries in a directory of"),
            "{error}"
        );
        assert!(read_bytes("small.zip", &small).is_ok());

        // Few entries with the longest names a zip holds: a directory of 18 MB.
        let mut zip = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for i in 0..300 {
            zip.start_file(format!("{i:03}{}", "n".repeat(60_000)), options)
                .unwrap();
        }
        let long_names = zip.finish().unwrap().into_inner();
        let error = read_bytes("names.zip", &long_names)
            .unwrap_err()
            .to_string();
        assert!(error.contains("it declares 300 entries"), "{error}");
    }

    #[test]
    fn zip_times_count_from_the_epoch() {
        let time = zip::DateTime::from_date_and_time(2024, 3, 1, 12, 30, 10).unwrap();
        assert_eq!(zip_seconds(time), Some(1_709_296_210));
        let time = zip::DateTime::from_date_and_time(1980, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(zip_seconds(time), Some(315_532_800));
    }
}
