//! The learner's saved progress (hints revealed so far), in `.mldrill/progress.json` of
//! the workspace. A missing file is a fresh start; a corrupt one is set aside, never fatal.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Progress {
    /// Hints revealed, by `<exercise>/<task>`.
    #[serde(default)]
    pub hints: BTreeMap<String, usize>,
    #[serde(skip)]
    path: PathBuf,
}

impl Progress {
    /// Loads the progress of the workspace at `root`; returns a warning to show when the
    /// saved file was unreadable and had to be set aside.
    pub fn load(root: &Path) -> (Self, Option<String>) {
        let path = root.join(".mldrill").join("progress.json");
        let parsed = match fs::read_to_string(&path) {
            Err(_) => Ok(Self::default()),
            Ok(text) => serde_json::from_str::<Self>(&text).map_err(|e| e.to_string()),
        };
        let (mut progress, warning) = match parsed {
            Ok(progress) => (progress, None),
            Err(why) => {
                let aside = path.with_extension("json.corrupt");
                let _ = fs::rename(&path, &aside);
                let warning = format!(
                    "progress file was unreadable ({why}); kept it as {} and started afresh",
                    aside.display()
                );
                (Self::default(), Some(warning))
            }
        };
        progress.path = path;
        (progress, warning)
    }

    /// Writes atomically: a crash mid-write leaves the previous file intact.
    pub fn save(&self) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        fs::write(
            &tmp,
            serde_json::to_string_pretty(self).expect("progress serializes"),
        )?;
        fs::rename(&tmp, &self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_progress_is_set_aside_not_fatal() {
        let dir = std::env::temp_dir().join(format!("mldrill-progress-{}", std::process::id()));
        fs::create_dir_all(dir.join(".mldrill")).unwrap();
        fs::write(dir.join(".mldrill/progress.json"), "{not json").unwrap();
        let (progress, warning) = Progress::load(&dir);
        assert!(progress.hints.is_empty());
        assert!(warning.unwrap().contains("unreadable"));
        assert!(dir.join(".mldrill/progress.json.corrupt").exists());
        let mut progress = progress;
        progress.hints.insert("dataloader/batching".into(), 2);
        progress.save().unwrap();
        assert_eq!(Progress::load(&dir).0.hints["dataloader/batching"], 2);
        fs::remove_dir_all(dir).unwrap();
    }
}
