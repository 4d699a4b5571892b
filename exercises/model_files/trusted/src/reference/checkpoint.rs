//! Scanning a PyTorch zip checkpoint without trusting it: entry names checked before
//! anything is read, `data.pkl` read through a cap whatever its entry declares, and every
//! storage the pickle refers to matched with an entry big enough to hold it.

use std::io::{Cursor, Read};

use model_files_api::{ArchiveLimits, CheckpointError, CheckpointReport, CheckpointStorage, Dtype};
use zip::ZipArchive;

use super::pickle;

/// The storage types torch saves, by import, with their element type.
pub const STORAGE_TYPES: [(&str, Dtype); 10] = [
    ("torch.BFloat16Storage", Dtype::BF16),
    ("torch.BoolStorage", Dtype::Bool),
    ("torch.ByteStorage", Dtype::U8),
    ("torch.CharStorage", Dtype::I8),
    ("torch.DoubleStorage", Dtype::F64),
    ("torch.FloatStorage", Dtype::F32),
    ("torch.HalfStorage", Dtype::F16),
    ("torch.IntStorage", Dtype::I32),
    ("torch.LongStorage", Dtype::I64),
    ("torch.ShortStorage", Dtype::I16),
];

/// A relative path of non-empty components, none of them `.` or `..`, with no backslash
/// or NUL: a name that cannot leave the folder it is extracted into.
pub fn is_safe_name(name: &str) -> bool {
    !name.contains(['\\', '\0'])
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

fn not_a_zip(e: impl std::fmt::Display) -> CheckpointError {
    CheckpointError::NotAZip {
        reason: e.to_string(),
    }
}

/// Opens the archive and checks its entry count and every entry name.
pub fn open<'a>(
    archive: &'a [u8],
    limits: &ArchiveLimits,
) -> Result<ZipArchive<Cursor<&'a [u8]>>, CheckpointError> {
    let zip = ZipArchive::new(Cursor::new(archive)).map_err(not_a_zip)?;
    let count = zip.len() as u64;
    if count > limits.max_entries {
        return Err(CheckpointError::TooManyEntries {
            count,
            max: limits.max_entries,
        });
    }
    if let Some(name) = zip.file_names().find(|n| !is_safe_name(n)) {
        return Err(CheckpointError::UnsafePath {
            name: name.to_owned(),
        });
    }
    Ok(zip)
}

/// The one `<prefix>/data.pkl`, as `(prefix, entry name)`.
pub fn find_pickle(zip: &ZipArchive<Cursor<&[u8]>>) -> Result<(String, String), CheckpointError> {
    let mut found: Option<String> = None;
    let mut names: Vec<&str> = zip.file_names().collect();
    names.sort_unstable();
    for name in names {
        let parts: Vec<&str> = name.split('/').collect();
        if parts.len() == 2 && parts[1] == "data.pkl" {
            if let Some(first) = found {
                return Err(CheckpointError::SeveralPickles {
                    first,
                    second: name.to_owned(),
                });
            }
            found = Some(name.to_owned());
        }
    }
    let name = found.ok_or(CheckpointError::NoPickle)?;
    let prefix = name.split('/').next().unwrap_or_default().to_owned();
    Ok((prefix, name))
}

/// The entry's bytes, at most `max`: its declared size is checked first, then at most
/// `max + 1` bytes are read, so a lying size cannot make the read grow.
pub fn read_capped(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    name: &str,
    max: u64,
) -> Result<Vec<u8>, CheckpointError> {
    let entry = zip.by_name(name).map_err(not_a_zip)?;
    if entry.size() > max {
        return Err(CheckpointError::PickleTooLarge { max });
    }
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    entry
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(not_a_zip)?;
    if bytes.len() as u64 > max {
        return Err(CheckpointError::PickleTooLarge { max });
    }
    Ok(bytes)
}

/// Each storage the pickle refers to, with its entry's declared size.
pub fn storages(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    prefix: &str,
    refs: &[model_files_api::StorageRef],
) -> Result<Vec<CheckpointStorage>, CheckpointError> {
    refs.iter()
        .map(|s| {
            let dtype = STORAGE_TYPES
                .iter()
                .find(|(ty, _)| *ty == s.storage_type)
                .map(|&(_, d)| d)
                .ok_or_else(|| CheckpointError::UnknownStorageType {
                    key: s.key.clone(),
                    storage_type: s.storage_type.clone(),
                })?;
            let entry = format!("{prefix}/data/{}", s.key);
            let stored_bytes = match zip.by_name(&entry) {
                Ok(e) => e.size(),
                Err(_) => return Err(CheckpointError::MissingStorage { key: s.key.clone() }),
            };
            let expected = s.numel.saturating_mul(dtype.size());
            if stored_bytes < expected {
                return Err(CheckpointError::ShortStorage {
                    key: s.key.clone(),
                    expected,
                    actual: stored_bytes,
                });
            }
            Ok(CheckpointStorage {
                key: s.key.clone(),
                dtype,
                numel: s.numel,
                stored_bytes,
            })
        })
        .collect()
}

/// The whole scan, in the statement's order of checks.
pub fn scan(archive: &[u8], limits: &ArchiveLimits) -> Result<CheckpointReport, CheckpointError> {
    let mut zip = open(archive, limits)?;
    let (prefix, name) = find_pickle(&zip)?;
    let bytes = read_capped(&mut zip, &name, limits.max_pickle_bytes)?;
    let report = pickle::scan(&bytes)?;
    let storages = storages(&mut zip, &prefix, &report.storages)?;
    Ok(CheckpointReport {
        prefix,
        pickle: report,
        storages,
    })
}
