//! The learner's saved progress (hints revealed, each task's latest status, solutions
//! seen), in `.mldrill/progress.json` of the workspace. A missing file is a fresh start; a
//! corrupt one is set aside, never fatal. Every field has a default, so a file written by
//! an older mldrill still reads.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::catalog::Exercise;
use crate::grade::ExerciseResult;
use crate::runner::Status;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Progress {
    /// Hints revealed, by `<exercise>/<task>`.
    #[serde(default)]
    pub hints: BTreeMap<String, usize>,
    /// The latest `check` (or `watch`) of the learner's own code, by `<exercise>/<task>`.
    #[serde(default)]
    pub tasks: BTreeMap<String, TaskProgress>,
    /// Solutions shown, by exercise id.
    #[serde(default)]
    pub solutions: BTreeMap<String, SolutionSeen>,
    #[serde(skip)]
    path: PathBuf,
}

/// One task's latest result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskProgress {
    /// `pass`, `fail`, `not_implemented`, ... as in the JSON report.
    pub status: String,
    /// Seconds since the Unix epoch.
    #[serde(default)]
    pub checked_at: u64,
}

/// When an exercise's reference solution was first shown, and whether that was with
/// `--force`, before every task passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolutionSeen {
    /// Seconds since the Unix epoch.
    #[serde(default)]
    pub first_seen: u64,
    /// Shown with `--force` before every task passed (stays set once it was).
    #[serde(default)]
    pub forced: bool,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Where a corrupt progress file is set aside: `progress.json.corrupt`, or with a number
/// when an earlier one is already there, so that no set-aside file is ever overwritten.
fn aside_path(path: &Path) -> PathBuf {
    let first = path.with_extension("json.corrupt");
    (1..)
        .map(|n| match n {
            1 => first.clone(),
            n => path.with_extension(format!("json.corrupt.{n}")),
        })
        .find(|p| !p.exists())
        .unwrap_or(first)
}

fn key(exercise: &str, task: &str) -> String {
    format!("{exercise}/{task}")
}

impl Progress {
    /// Loads the progress of the workspace at `root`; returns a warning to show when the
    /// saved file was unreadable and had to be set aside.
    pub fn load(root: &Path) -> (Self, Option<String>) {
        let path = root.join(".mldrill").join("progress.json");
        // Only a missing file is a fresh start: one that cannot be read as UTF-8 JSON is
        // set aside before anything is saved over it.
        let parsed = match fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e.to_string()),
            Ok(bytes) => serde_json::from_slice::<Self>(&bytes).map_err(|e| e.to_string()),
        };
        let (mut progress, warning) = match parsed {
            Ok(progress) => (progress, None),
            Err(why) => {
                let aside = aside_path(&path);
                let warning = match fs::rename(&path, &aside) {
                    Ok(()) => format!(
                        "progress file was unreadable ({why}); kept it as {} and started afresh",
                        aside.display()
                    ),
                    Err(e) => format!(
                        "progress file {} is unreadable ({why}) and could not be set aside \
                         ({e}); started afresh, and it will be replaced on the next save",
                        path.display()
                    ),
                };
                (Self::default(), Some(warning))
            }
        };
        progress.path = path;
        (progress, warning)
    }

    /// Records the tasks of a check of the learner's own code.
    pub fn record(&mut self, result: &ExerciseResult) {
        let checked_at = now();
        for task in &result.tasks {
            self.tasks.insert(
                key(&result.exercise, &task.id),
                TaskProgress {
                    status: task.status.as_str().to_owned(),
                    checked_at,
                },
            );
        }
    }

    /// Whether the task's latest check passed.
    pub fn passed(&self, exercise: &str, task: &str) -> bool {
        self.tasks
            .get(&key(exercise, task))
            .is_some_and(|t| t.status == Status::Pass.as_str())
    }

    /// How many of the exercise's tasks passed their latest check.
    pub fn passed_count(&self, exercise: &Exercise) -> usize {
        exercise
            .tasks
            .iter()
            .filter(|t| self.passed(&exercise.id, &t.id))
            .count()
    }

    /// Hints revealed for one task.
    pub fn hints_seen(&self, exercise: &str, task: &str) -> usize {
        self.hints.get(&key(exercise, task)).copied().unwrap_or(0)
    }

    /// Hints revealed over all the exercise's tasks.
    pub fn hints_seen_in(&self, exercise: &Exercise) -> usize {
        exercise
            .tasks
            .iter()
            .map(|t| self.hints_seen(&exercise.id, &t.id))
            .sum()
    }

    /// Reveals the next hint of a task, if one is left; returns how many are now revealed.
    pub fn reveal_hint(&mut self, exercise: &Exercise, task: &crate::catalog::Task) -> usize {
        let seen = self.hints.entry(key(&exercise.id, &task.id)).or_insert(0);
        *seen = (*seen + 1).min(task.hints.len());
        *seen
    }

    /// Forgets the exercise's task results (after its stub was restored); hints and
    /// solutions seen are history and stay.
    pub fn forget_tasks(&mut self, exercise: &Exercise) {
        for task in &exercise.tasks {
            self.tasks.remove(&key(&exercise.id, &task.id));
        }
    }

    /// Records that the exercise's solution was shown; `forced` when that was before
    /// every task passed.
    pub fn record_solution(&mut self, exercise: &str, forced: bool) {
        let seen = self
            .solutions
            .entry(exercise.to_owned())
            .or_insert(SolutionSeen {
                first_seen: now(),
                forced: false,
            });
        seen.forced |= forced;
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

    #[test]
    fn a_file_that_is_not_utf8_is_set_aside_and_an_earlier_one_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let saved = dir.path().join(".mldrill");
        fs::create_dir_all(&saved).unwrap();
        fs::write(saved.join("progress.json.corrupt"), "earlier").unwrap();
        fs::write(saved.join("progress.json"), [0xff, 0xfe, b'{']).unwrap();
        let (_, warning) = Progress::load(dir.path());
        assert!(warning.unwrap().contains("progress.json.corrupt.2"));
        assert_eq!(
            fs::read(saved.join("progress.json.corrupt.2")).unwrap(),
            [0xff, 0xfe, b'{']
        );
        assert_eq!(
            fs::read_to_string(saved.join("progress.json.corrupt")).unwrap(),
            "earlier"
        );
    }

    #[test]
    fn a_file_from_before_task_records_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join(".mldrill")).unwrap();
        fs::write(
            dir.path().join(".mldrill/progress.json"),
            r#"{ "hints": { "dataloader/shuffle": 1 } }"#,
        )
        .unwrap();
        let (progress, warning) = Progress::load(dir.path());
        assert_eq!(warning, None);
        assert_eq!(progress.hints_seen("dataloader", "shuffle"), 1);
        assert!(progress.tasks.is_empty() && progress.solutions.is_empty());
    }

    #[test]
    fn a_forced_solution_stays_recorded_as_forced() {
        let mut progress = Progress::default();
        progress.record_solution("dataloader", true);
        progress.record_solution("dataloader", false);
        assert!(progress.solutions["dataloader"].forced);
        progress.record_solution("ngram", false);
        assert!(!progress.solutions["ngram"].forced);
    }
}
