//! The exercise catalog: every `exercises/<id>/exercise.toml`, deserialized into checked,
//! documented types before anything heavy (cargo, libtorch) is touched.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The manifest format this build understands.
pub const FORMAT_VERSION: u32 = 1;

/// Why the catalog could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("failed to read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid manifest {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("unknown exercise '{given}'{suggestion}; valid exercises: {valid}")]
    UnknownExercise {
        given: String,
        /// ` (did you mean '…'?)` when a valid id is close, else empty.
        suggestion: String,
        valid: String,
    },
    #[error("unknown task '{given}' in exercise '{exercise}'{suggestion}; valid tasks: {valid}")]
    UnknownTask {
        given: String,
        exercise: String,
        /// ` (did you mean '…'?)` when a valid id is close, else empty.
        suggestion: String,
        valid: String,
    },
}

/// How hard an exercise is, for planning a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

/// One exercise's manifest, `exercises/<id>/exercise.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Must equal [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The folder name under `exercises/` and the candidate crate's name.
    pub id: String,
    pub title: String,
    pub difficulty: Difficulty,
    /// Estimated minutes for a candidate to finish every task.
    pub minutes: u32,
    pub tags: Vec<String>,
    /// Graded in order; each earns its points when all of its properties hold.
    pub tasks: Vec<Task>,
    pub performance: Performance,
    pub guide: Guide,
    /// Follow-up questions the scorecard picks by what the grade saw (`[[tailored]]`, at
    /// the end of the manifest).
    #[serde(default)]
    pub tailored: Vec<Tailored>,
    /// The folder the manifest was read from (not in the file).
    #[serde(skip)]
    pub dir: PathBuf,
}

/// One separately graded part of an exercise.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub id: String,
    pub title: String,
    pub points: u32,
    /// Property ids (`<task>/<name>`) that grade this task; all must hold.
    pub properties: Vec<String>,
    /// Progressive hints, revealed one at a time.
    pub hints: Vec<String>,
}

/// How the benchmark is scored against the reference.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Performance {
    /// The criterion benchmark group that times candidate and reference side by side.
    pub bench: String,
    pub points: u32,
    /// Candidate time / reference time at or below which the performance points are full.
    pub full_marks_ratio: f64,
    /// The ratio at or above which they are zero (linear in between).
    pub zero_marks_ratio: f64,
}

/// The interviewer's guide for a hands-on screen.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guide {
    pub areas: Vec<String>,
    pub follow_ups: Vec<String>,
    pub security_pivot: Vec<String>,
    pub junior: String,
    pub senior: String,
}

/// A follow-up question tied to what the grade saw: the scorecard asks it when its
/// trigger fires.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tailored {
    pub when: Trigger,
    /// Property ids for `failed`, task ids for `unfinished` and `passed`, empty for `fast`.
    #[serde(default)]
    pub on: Vec<String>,
    /// The question to ask.
    pub ask: String,
}

/// What in a grade makes a [`Tailored`] follow-up fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// One of the properties in `on` failed, timed out, ran out of memory or crashed.
    Failed,
    /// One of the tasks in `on` was not implemented, did not build, or was rejected.
    Unfinished,
    /// Every task in `on` passed.
    Passed,
    /// Every task passed and the speed earned full marks: a senior-level question.
    Fast,
}

impl Exercise {
    /// Reads and checks the manifest `dir/exercise.toml`.
    pub fn load(dir: &Path) -> Result<Self, CatalogError> {
        let manifest = dir.join("exercise.toml");
        let text = fs::read_to_string(&manifest).map_err(|source| CatalogError::Read {
            path: manifest.clone(),
            source,
        })?;
        let mut exercise: Exercise = toml::from_str(&text).map_err(|e| CatalogError::Invalid {
            path: manifest.clone(),
            message: e.message().to_owned(),
        })?;
        exercise.validate(&manifest)?;
        exercise.dir = dir.to_owned();
        Ok(exercise)
    }

    /// The statement a candidate reads.
    pub fn statement_path(&self) -> PathBuf {
        self.dir.join("README.md")
    }

    /// The candidate's source file.
    pub fn stub_path(&self) -> PathBuf {
        self.dir.join("src/lib.rs")
    }

    pub fn task(&self, id: &str) -> Result<&Task, CatalogError> {
        self.tasks
            .iter()
            .find(|t| t.id == id)
            .ok_or_else(|| CatalogError::UnknownTask {
                given: id.to_owned(),
                exercise: self.id.clone(),
                suggestion: did_you_mean(id, self.tasks.iter().map(|t| t.id.as_str())),
                valid: self
                    .tasks
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    pub fn total_points(&self) -> u32 {
        self.tasks.iter().map(|t| t.points).sum()
    }

    fn validate(&self, path: &Path) -> Result<(), CatalogError> {
        let invalid = |message: String| CatalogError::Invalid {
            path: path.to_owned(),
            message,
        };
        if self.format_version != FORMAT_VERSION {
            return Err(invalid(format!(
                "format_version {} is not supported (this mldrill reads {FORMAT_VERSION})",
                self.format_version
            )));
        }
        let folder = path
            .parent()
            .and_then(Path::file_name)
            .and_then(|f| f.to_str());
        if folder != Some(self.id.as_str()) {
            return Err(invalid(format!(
                "id '{}' must match its folder name",
                self.id
            )));
        }
        if self.tasks.is_empty() {
            return Err(invalid("an exercise needs at least one task".into()));
        }
        let mut seen = BTreeSet::new();
        for task in &self.tasks {
            if !seen.insert(task.id.as_str()) {
                return Err(invalid(format!("task id '{}' appears twice", task.id)));
            }
            if task.hints.len() < 2 {
                return Err(invalid(format!(
                    "task '{}' needs at least two hints",
                    task.id
                )));
            }
            if let Some(p) = task
                .properties
                .iter()
                .find(|p| !p.starts_with(&format!("{}/", task.id)))
            {
                return Err(invalid(format!(
                    "task '{}' lists property '{p}' of another task",
                    task.id
                )));
            }
            if task.properties.is_empty() {
                return Err(invalid(format!("task '{}' lists no properties", task.id)));
            }
        }
        for (i, tailored) in self.tailored.iter().enumerate() {
            let at = |message: String| {
                invalid(format!(
                    "tailored follow-up {} ({:?}): {message}",
                    i + 1,
                    tailored.when
                ))
            };
            let known = |id: &str| match tailored.when {
                Trigger::Failed => self
                    .tasks
                    .iter()
                    .any(|t| t.properties.iter().any(|p| p == id)),
                _ => self.tasks.iter().any(|t| t.id == id),
            };
            if tailored.ask.trim().is_empty() {
                return Err(at("ask must not be empty".into()));
            }
            match (tailored.when, tailored.on.is_empty()) {
                (Trigger::Fast, false) => return Err(at("'fast' takes no 'on' list".into())),
                (Trigger::Fast, true) => {}
                (_, true) => {
                    return Err(at(
                        "'on' must name the properties (failed) or tasks it is about".into(),
                    ));
                }
                (_, false) => {
                    if let Some(unknown) = tailored.on.iter().find(|id| !known(id)) {
                        let kind = if tailored.when == Trigger::Failed {
                            "property"
                        } else {
                            "task"
                        };
                        return Err(at(format!("unknown {kind} '{unknown}'")));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Every exercise under one `exercises/` folder, sorted by id.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub exercises: Vec<Exercise>,
}

impl Catalog {
    /// Reads every `*/exercise.toml` under `root` (folders without one, like `spec/`, are
    /// not exercises).
    pub fn load(root: &Path) -> Result<Self, CatalogError> {
        let read_err = |path: &Path, source| CatalogError::Read {
            path: path.to_owned(),
            source,
        };
        let mut exercises = Vec::new();
        for entry in fs::read_dir(root).map_err(|e| read_err(root, e))? {
            let dir = entry.map_err(|e| read_err(root, e))?.path();
            if dir.join("exercise.toml").is_file() {
                exercises.push(Exercise::load(&dir)?);
            }
        }
        exercises.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Self { exercises })
    }

    pub fn get(&self, id: &str) -> Result<&Exercise, CatalogError> {
        self.exercises
            .iter()
            .find(|e| e.id == id)
            .ok_or_else(|| CatalogError::UnknownExercise {
                given: id.to_owned(),
                suggestion: self.suggestion(id),
                valid: self
                    .exercises
                    .iter()
                    .map(|e| e.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

impl Catalog {
    /// What `given`, not an exercise id, most likely meant: a close id, else the exercise
    /// with a tag that `given` names or begins (`adversarial` is tagged
    /// `adversarial-examples`, and its id is `evasion`).
    fn suggestion(&self, given: &str) -> String {
        let close = did_you_mean(given, self.exercises.iter().map(|e| e.id.as_str()));
        if !close.is_empty() {
            return close;
        }
        let given = given.to_lowercase();
        let tagged = |tag: &String| {
            let tag = tag.to_lowercase();
            tag == given || tag.starts_with(&format!("{given}-"))
        };
        self.exercises
            .iter()
            .find(|e| e.tags.iter().any(tagged))
            .map_or_else(String::new, |e| {
                format!(" (did you mean '{}', tagged {given}?)", e.id)
            })
    }
}

/// `" (did you mean 'x'?)"` naming the valid id closest to `given`, as clap suggests
/// subcommands (Jaro similarity above 0.7, the same threshold); empty when none is close.
pub fn did_you_mean<'a>(given: &str, valid: impl IntoIterator<Item = &'a str>) -> String {
    let given = given.to_lowercase();
    valid
        .into_iter()
        .map(|id| (strsim::jaro(&given, &id.to_lowercase()), id))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or_else(String::new, |(_, id)| format!(" (did you mean '{id}'?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_close_typo_gets_the_nearest_id_and_a_far_one_nothing() {
        let ids = ["dataloader", "ngram", "poison"];
        assert_eq!(
            did_you_mean("dataloder", ids),
            " (did you mean 'dataloader'?)"
        );
        assert_eq!(did_you_mean("Ngrams", ids), " (did you mean 'ngram'?)");
        assert_eq!(did_you_mean("xyz", ids), "");
        let tasks = ["batching", "shuffle", "distributed"];
        assert_eq!(did_you_mean("shufle", tasks), " (did you mean 'shuffle'?)");
    }
}
