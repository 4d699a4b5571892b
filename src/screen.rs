//! Hands-on screens: the manifest an exported candidate workspace carries, and the export
//! itself: statements, stubs, the spec and the reference-free properties only. What the
//! grade relies on (the seed, the exercises, the export time) is kept on the interviewer's
//! side as well ([`record`]); the manifest only names that record.

pub mod checks;
pub mod instructions;
pub mod lockfile;
pub mod record;
pub mod statement;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::catalog::Exercise;
use crate::workspace::{copy_tree, read_toml};
use record::ScreenRecord;

/// The manifest's file name, at the root of an exported workspace.
pub const MANIFEST_FILE: &str = "mldrill-screen.toml";

/// The manifest format this build writes.
pub const MANIFEST_FORMAT: u32 = 2;

/// What `mldrill screen export` wrote into the workspace. The candidate can edit it, so
/// grading only uses it to find the interviewer's [`ScreenRecord`] and to report edits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenManifest {
    pub format_version: u32,
    /// The id of the export record (format 2 on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen_id: Option<String>,
    /// The exercises the candidate was given, in order.
    pub exercises: Vec<String>,
    /// Format 1 only: the grading seed, which format 2 keeps out of the candidate's hands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The time allowed, in minutes.
    pub minutes: u32,
    /// When the workspace was exported, in seconds since the Unix epoch.
    pub exported_at: u64,
}

/// What an export produced.
#[derive(Debug, Clone)]
pub struct Exported {
    pub manifest: ScreenManifest,
    pub record: ScreenRecord,
    /// Where the record was saved.
    pub record_path: PathBuf,
    /// Things the interviewer should know (stubs that could not be verified).
    pub warnings: Vec<String>,
}

/// Why a screen could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0} already exists and is not empty; choose a new folder for --out")]
    NotEmpty(PathBuf),
    #[error("exercise '{0}' has no reference-free properties to export yet")]
    NoInvariants(String),
    #[error(
        "exercises/{id}/src differs from the committed stub ({files}); an export must not carry \
         your own solution: commit, stash (git stash -u) or restore it (git checkout -- \
         exercises/{id}/src, and remove new files) first"
    )]
    ModifiedStub { id: String, files: String },
    #[error("failed to save the export record to {path}: {source}")]
    Record {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{0}; the export in {1} is incomplete: remove it and export again once cargo works")]
    Lock(lockfile::LockError, PathBuf),
    #[error("failed to write the screen to {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Writes a standalone workspace for a candidate into `out` and the export record into
/// `records` (see [`record::records_dir`]). `seed` is the grading seed the interviewer
/// chose, random when `None`. An exercise listed twice is exported once.
pub fn export(
    home: &Path,
    exercises: &[&Exercise],
    out: &Path,
    minutes: u32,
    seed: Option<u64>,
    records: &Path,
) -> Result<Exported, ExportError> {
    if out.exists()
        && fs::read_dir(out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(ExportError::NotEmpty(out.to_owned()));
    }
    let mut unique: Vec<&Exercise> = Vec::new();
    for exercise in exercises {
        if !unique.iter().any(|e| e.id == exercise.id) {
            unique.push(exercise);
        }
    }
    let mut invariants = Vec::new();
    for exercise in &unique {
        let ids = crate::exercises::invariant_ids(&exercise.id)
            .ok_or_else(|| ExportError::NoInvariants(exercise.id.clone()))?;
        invariants.push((*exercise, ids));
    }
    let mut warnings = Vec::new();
    for exercise in &unique {
        warnings.extend(pristine_stub(home, &exercise.id)?);
    }
    let exported_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (seed, visible_seed) = match seed {
        Some(seed) => (seed, record::visible_seed_for(seed)),
        None => (rand::random(), rand::random()),
    };
    let screen_id = record::new_screen_id();
    let ids: Vec<String> = unique.iter().map(|e| e.id.clone()).collect();
    let manifest = ScreenManifest {
        format_version: MANIFEST_FORMAT,
        screen_id: Some(screen_id.clone()),
        exercises: ids.clone(),
        seed: None,
        minutes,
        exported_at,
    };
    let record = ScreenRecord {
        format_version: record::RECORD_FORMAT,
        screen_id,
        exercises: ids,
        seed,
        visible_seed,
        minutes,
        exported_at,
        out: out.display().to_string(),
    };
    write_workspace(home, &invariants, out, &manifest, visible_seed).map_err(|source| {
        ExportError::Write {
            path: out.to_owned(),
            source,
        }
    })?;
    lockfile::align(out).map_err(|e| ExportError::Lock(e, out.to_owned()))?;
    warnings.extend(fit_warning(&unique, minutes));
    let record_path = record.save(records).map_err(|source| ExportError::Record {
        path: records.to_owned(),
        source,
    })?;
    Ok(Exported {
        manifest,
        record,
        record_path,
        warnings,
    })
}

/// A warning when the exercises take longer than the time allowed: each exercise's
/// estimate (its manifest's `minutes`, a senior's pace for every task) plus the minutes
/// `plan` allows to read a statement.
fn fit_warning(exercises: &[&Exercise], minutes: u32) -> Option<String> {
    #[allow(
        clippy::useless_conversion,
        reason = "plan's reading minutes are an f64 here and whole minutes (u32) in its newer form"
    )]
    let reading = f64::from(crate::plan::READING_MINUTES);
    let needed: f64 = exercises
        .iter()
        .map(|e| f64::from(e.minutes) + reading)
        .sum();
    (needed > f64::from(minutes)).then(|| {
        let parts: Vec<String> = exercises
            .iter()
            .map(|e| format!("{} {}", e.id, e.minutes))
            .collect();
        format!(
            "the exercises take about {needed:.0} minutes for a senior ({}, plus {reading:.0} to read \
             each statement) but the screen allows {minutes}: the candidate cannot finish every \
             task (partial credit counts); allow more (--minutes), choose fewer exercises, or see \
             what fits with `mldrill plan --minutes {minutes}`",
            parts.join(" + ")
        )
    })
}

/// Refuses an exercise whose `src/` in the checkout differs from the committed stub
/// (the interviewer's own solution would go to the candidate); a warning when that cannot
/// be told (no git, not a checkout).
// TODO(selfstudy): when the pristine stub copies for `mldrill reset` land, export copies
// the stub from there and this check can go.
fn pristine_stub(home: &Path, id: &str) -> Result<Option<String>, ExportError> {
    let src = format!("exercises/{id}/src");
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(home)
        .args(["status", "--porcelain", "--untracked-files=all", "--", &src])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    match status {
        Ok(out) if out.status.success() => {
            let changed: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|l| l.get(3..).unwrap_or(l).to_owned())
                .collect();
            if changed.is_empty() {
                Ok(None)
            } else {
                Err(ExportError::ModifiedStub {
                    id: id.to_owned(),
                    files: changed.join(", "),
                })
            }
        }
        _ => Ok(Some(format!(
            "could not check that {src} is the pristine stub ({} is not a git checkout, or git \
             is missing); make sure it holds no solution",
            home.display()
        ))),
    }
}

fn write_workspace(
    home: &Path,
    invariants: &[(&Exercise, Vec<&str>)],
    out: &Path,
    manifest: &ScreenManifest,
    visible_seed: u64,
) -> io::Result<()> {
    let write = |relative: &str, text: &str| -> io::Result<()> {
        let path = out.join(relative);
        fs::create_dir_all(path.parent().expect("paths under out have a parent"))?;
        fs::write(path, text)
    };
    for shared in [
        "exercises/spec",
        "scripts/setup.sh",
        "build/rpath.rs",
        ".cargo/config.toml",
        "Cargo.lock",
    ] {
        copy_tree(&home.join(shared), &out.join(shared))?;
    }
    let ids: Vec<&str> = manifest.exercises.iter().map(String::as_str).collect();
    for id in &ids {
        let relative = format!("exercises/{id}/Cargo.toml");
        copy_tree(&home.join(&relative), &out.join(&relative))?;
        let src = format!("exercises/{id}/src");
        for (path, bytes) in crate::stubs::read_tree(&home.join(&src))? {
            let text = String::from_utf8_lossy(&bytes);
            write(
                &format!("{src}/{}", path.display()),
                &statement::stub_for_screen(&text),
            )?;
        }
        let relative = format!("exercises/{id}/README.md");
        let text = fs::read_to_string(home.join(&relative))?;
        write(&relative, &statement::for_screen(&text))?;
    }
    write(
        MANIFEST_FILE,
        &toml::to_string(manifest).expect("the manifest serializes"),
    )?;
    write(
        "Cargo.toml",
        &workspace_manifest(home, &ids, &checkout_profiles(home)?),
    )?;
    write(".gitignore", "/target\n/.libtorch\n/submission.tar.gz\n")?;
    write("Makefile", MAKEFILE)?;
    write(
        "README.md",
        &instructions::render(invariants, manifest.minutes),
    )?;
    write(
        "checks/Cargo.toml",
        &checks::manifest(&ids, &api_crates(home)?),
    )?;
    write("checks/src/lib.rs", checks::LIB)?;
    write("checks/src/main.rs", checks::MAIN)?;
    write(
        "checks/src/screen.rs",
        &checks::screen_module(&checks::Screen {
            exercises: invariants,
            seed: visible_seed,
            minutes: manifest.minutes,
            exported_at: manifest.exported_at,
        }),
    )?;
    write("checks/src/suite.rs", &checks::suite_module(&ids))?;
    // The property framework of the pack SDK, without the judge's half of it.
    write("pack/Cargo.toml", checks::PACK_MANIFEST)?;
    write("pack/src/lib.rs", checks::PACK_LIB)?;
    for file in ["property.rs", "stats.rs", "figure.rs"] {
        copy_tree(
            &home.join("pack/src").join(file),
            &out.join("pack/src").join(file),
        )?;
    }
    // Every pack's API crate: the candidate sees them all (the spec crate re-exports some).
    for api in api_crates(home)? {
        copy_tree(&home.join(&api), &out.join(&api))?;
    }
    // The shared data crates an API crate may build on (the glyph classifier's).
    for (folder, _) in dataset_crates(home)? {
        copy_tree(&home.join(&folder), &out.join(&folder))?;
    }
    for (exercise, _) in invariants {
        let id = &exercise.id;
        // A pack's reference-free properties: a folder, one file per task.
        copy_tree(
            &home.join(format!("exercises/{id}/trusted/src/invariant")),
            &out.join(format!("checks/src/suite/{id}")),
        )?;
    }
    Ok(())
}

/// Every pack's API crate, `exercises/<id>/api`, relative to `home`, in name order.
fn api_crates(home: &Path) -> io::Result<Vec<String>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(home.join("exercises"))? {
        let name = entry?.file_name();
        let api = format!("exercises/{}/api", name.to_string_lossy());
        if home.join(&api).join("Cargo.toml").is_file() {
            found.push(api);
        }
    }
    found.sort();
    Ok(found)
}

/// Every shared data crate, `datasets/<name>`, relative to `home`, with its package name,
/// in folder order. Nothing in them is secret: API crates build on them.
fn dataset_crates(home: &Path) -> io::Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(home.join("datasets")) else {
        return Ok(found);
    };
    for entry in entries {
        let folder = format!("datasets/{}", entry?.file_name().to_string_lossy());
        let manifest = home.join(&folder).join("Cargo.toml");
        if manifest.is_file() {
            let name = read_toml(&manifest)?
                .get("package")
                .and_then(|p| p.get("name"))
                .and_then(|n| n.as_str())
                .map(str::to_owned);
            if let Some(name) = name {
                found.push((folder, name));
            }
        }
    }
    found.sort();
    Ok(found)
}

fn workspace_manifest(home: &Path, ids: &[&str], profiles: &str) -> String {
    let datasets = dataset_crates(home).unwrap_or_default();
    let members: Vec<String> = ["exercises/spec".to_owned(), "pack".to_owned()]
        .into_iter()
        .chain(ids.iter().map(|id| format!("exercises/{id}")))
        .chain(api_crates(home).unwrap_or_default())
        .chain(datasets.iter().map(|(folder, _)| folder.clone()))
        .chain(["checks".to_owned()])
        .collect();
    let dataset_dependencies: String = datasets
        .iter()
        .map(|(folder, name)| format!("{name} = {{ path = \"{folder}\" }}\n"))
        .collect();
    format!(
        r#"[workspace]
members = [{members}]
resolver = "3"

[workspace.package]
edition = "2024"
rust-version = "1.89"
license = "MIT OR Apache-2.0"

[workspace.dependencies]
tch = "0.26"
ndarray = "0.16"
rand = "0.9"
thiserror = "2"
mldrill-spec = {{ path = "exercises/spec" }}
mldrill-pack = {{ path = "pack" }}
{dataset_dependencies}
[workspace.lints.rust]
unsafe_code = "forbid"

# The build profiles of the mldrill checkout, so that the checks run as fast as in grading.
{profiles}"#,
        members = members
            .iter()
            .map(|m| format!("\"{m}\""))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The checkout's `[profile.*]` tables, as TOML; empty if it has none.
fn checkout_profiles(home: &Path) -> io::Result<String> {
    let manifest = read_toml(&home.join("Cargo.toml"))?;
    let mut profiles = toml::Table::new();
    if let Some(profile) = manifest.get("profile") {
        profiles.insert("profile".to_owned(), profile.clone());
    }
    Ok(toml::to_string(&profiles).expect("a parsed table serializes"))
}

/// The candidate's `make test`, `make test TASK=<id>` and `make pack`.
const MAKEFILE: &str = include_str!("screen/kit/Makefile");
