//! The interviewer's own record of an exported screen, kept in the cache folder under a
//! random id that the exported manifest carries. Grading takes the seed, the exercises and
//! the export time from this record, never from the returned `mldrill-screen.toml`, which
//! the candidate can edit (choose a seed, drop an unfinished exercise, move the clock);
//! a returned manifest that disagrees with the record is reported as edited.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ScreenManifest;

/// The record format this build writes and reads.
pub const RECORD_FORMAT: u32 = 1;

/// What `mldrill screen export` sent, as the interviewer's machine remembers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenRecord {
    pub format_version: u32,
    pub screen_id: String,
    pub exercises: Vec<String>,
    /// The seed grading uses (never written into the export). Seeds are written as text:
    /// TOML integers stop at `i64::MAX`.
    #[serde(with = "as_text")]
    pub seed: u64,
    /// The seed of the visible checks in the export: another, unrelated one.
    #[serde(with = "as_text")]
    pub visible_seed: u64,
    pub minutes: u32,
    pub exported_at: u64,
    /// The folder the screen was exported to, for the interviewer's reference.
    pub out: String,
}

/// A `u64` as a decimal string.
mod as_text {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(D::Error::custom)
    }
}

/// Where records live: `$MLDRILL_CACHE/screens` when `MLDRILL_CACHE` is set, else
/// `${XDG_CACHE_HOME:-~/.cache}/mldrill/screens`.
pub fn records_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MLDRILL_CACHE") {
        return PathBuf::from(dir).join("screens");
    }
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("mldrill")
        .join("screens")
}

/// A fresh screen id: 128 random bits, in hex.
pub fn new_screen_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Whether `id` has the shape [`new_screen_id`] gives (and so is safe as a file name).
pub fn is_screen_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The visible checks' seed for a grading seed the interviewer chose: fixed for that
/// seed, and no help in finding it (ChaCha output).
pub fn visible_seed_for(seed: u64) -> u64 {
    use rand::{Rng, SeedableRng};
    rand::rngs::StdRng::seed_from_u64(seed ^ 0x7669_7369_626c_6521).random()
}

impl ScreenRecord {
    fn path(dir: &Path, id: &str) -> PathBuf {
        dir.join(format!("{id}.toml"))
    }

    /// Writes the record into `dir`, never over an existing one; returns its path.
    pub fn save(&self, dir: &Path) -> io::Result<PathBuf> {
        fs::create_dir_all(dir)?;
        let path = Self::path(dir, &self.screen_id);
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        file.write_all(
            toml::to_string(self)
                .expect("the record serializes")
                .as_bytes(),
        )?;
        Ok(path)
    }

    /// The record of screen `id` in `dir`; `Ok(None)` when there is none.
    pub fn load(dir: &Path, id: &str) -> Result<Option<Self>, String> {
        let path = Self::path(dir, id);
        match fs::read_to_string(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("failed to read {}: {e}", path.display())),
            Ok(text) => toml::from_str(&text)
                .map(Some)
                .map_err(|e| format!("{} is not a screen record: {}", path.display(), e.message())),
        }
    }
}

/// What grading may take from a submission's export, and what it found wrong.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trusted {
    pub screen_id: Option<String>,
    /// Set only from the interviewer's record.
    pub record: Option<ScreenRecord>,
    /// Problems with the returned manifest, for every report.
    pub warnings: Vec<String>,
}

/// Looks up the record of the screen `manifest` names (if the submission has one) in
/// `dir`, and compares the two.
pub fn trusted(manifest: Option<&ScreenManifest>, dir: &Path) -> Trusted {
    let Some(manifest) = manifest else {
        return Trusted::default();
    };
    let mut trusted = Trusted::default();
    let defaults = "graded with defaults (seed 0 unless --seed; the exercises it has sources \
                    for unless --exercise; time taken unknown)";
    let Some(id) = manifest.screen_id.clone() else {
        trusted.warnings.push(format!(
            "mldrill-screen.toml has no screen id (exported by an older mldrill, or edited): \
             its seed, exercises and times are not trusted; {defaults}"
        ));
        return trusted;
    };
    if !is_screen_id(&id) {
        trusted.warnings.push(format!(
            "mldrill-screen.toml has a malformed screen id (edited); {defaults}"
        ));
        return trusted;
    }
    trusted.screen_id = Some(id.clone());
    match ScreenRecord::load(dir, &id) {
        Err(why) => trusted.warnings.push(format!("{why}; {defaults}")),
        Ok(None) => trusted.warnings.push(format!(
            "no export record for screen {id} in {}: it was exported on another machine \
             (copy its {id}.toml there) or its id was edited; {defaults}",
            dir.display()
        )),
        Ok(Some(record)) => {
            trusted.warnings.extend(edits(manifest, &record));
            trusted.record = Some(record);
        }
    }
    trusted
}

/// Each way the returned manifest differs from the record.
fn edits(manifest: &ScreenManifest, record: &ScreenRecord) -> Vec<String> {
    let mut found = Vec::new();
    let mut differs = |what: &str, returned: String, exported: String| {
        if returned != exported {
            found.push(format!(
                "mldrill-screen.toml was edited: {what} {returned} where the export record has \
                 {exported}; graded as exported"
            ));
        }
    };
    differs(
        "exercises",
        format!("{:?}", manifest.exercises),
        format!("{:?}", record.exercises),
    );
    differs(
        "minutes",
        manifest.minutes.to_string(),
        record.minutes.to_string(),
    );
    differs(
        "exported_at",
        manifest.exported_at.to_string(),
        record.exported_at.to_string(),
    );
    if let Some(seed) = manifest.seed {
        found.push(format!(
            "mldrill-screen.toml carries a seed ({seed}) that no export writes (edited); ignored"
        ));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> ScreenRecord {
        ScreenRecord {
            format_version: RECORD_FORMAT,
            screen_id: id.to_owned(),
            exercises: vec!["dataloader".into(), "ngram".into()],
            seed: 42,
            visible_seed: visible_seed_for(42),
            minutes: 60,
            exported_at: 1_000,
            out: "screen".into(),
        }
    }

    fn manifest(id: Option<&str>) -> ScreenManifest {
        ScreenManifest {
            format_version: 2,
            screen_id: id.map(str::to_owned),
            exercises: vec!["dataloader".into(), "ngram".into()],
            seed: None,
            minutes: 60,
            exported_at: 1_000,
        }
    }

    #[test]
    fn the_record_decides_and_edits_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let id = new_screen_id();
        assert!(is_screen_id(&id));
        record(&id).save(dir.path()).unwrap();
        assert!(record(&id).save(dir.path()).is_err(), "never overwritten");

        let untouched = trusted(Some(&manifest(Some(&id))), dir.path());
        assert_eq!(untouched.record, Some(record(&id)));
        assert!(untouched.warnings.is_empty(), "{:?}", untouched.warnings);

        let mut edited = manifest(Some(&id));
        edited.exercises.pop();
        edited.exported_at = 5_000;
        edited.seed = Some(7);
        let graded = trusted(Some(&edited), dir.path());
        assert_eq!(graded.record.as_ref().map(|r| r.seed), Some(42));
        assert_eq!(graded.warnings.len(), 3, "{:?}", graded.warnings);
        assert!(graded.warnings[0].contains("exercises [\"dataloader\"] where"));
    }

    #[test]
    fn without_a_record_grading_falls_back_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(trusted(None, dir.path()), Trusted::default());
        for (id, expected) in [
            (None, "no screen id"),
            (Some("../../etc/passwd"), "malformed screen id"),
            (Some(&*new_screen_id()), "no export record for screen"),
        ] {
            let found = trusted(Some(&manifest(id)), dir.path());
            assert!(found.record.is_none());
            assert!(
                found.warnings[0].contains(expected) && found.warnings[0].contains("defaults"),
                "{:?}",
                found.warnings
            );
        }
    }

    #[test]
    fn any_seed_survives_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let id = new_screen_id();
        let mut big = record(&id);
        (big.seed, big.visible_seed) = (u64::MAX, 1 << 63);
        big.save(dir.path()).unwrap();
        assert_eq!(ScreenRecord::load(dir.path(), &id).unwrap(), Some(big));
    }

    #[test]
    fn the_visible_seed_is_not_the_grading_seed() {
        assert_eq!(visible_seed_for(5), visible_seed_for(5));
        assert_ne!(visible_seed_for(5), 5);
        assert_ne!(visible_seed_for(5), visible_seed_for(6));
    }
}
