//! Loading the question bank: every `questions/*.toml` deserialized into documented types
//! with every field required, then checked (schema version, ids, counts, and that the
//! exercises and tasks a question names exist) before anything uses it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::level::Level;

/// The question file format this build understands.
pub const FORMAT_VERSION: u32 = 1;
/// How many areas to cover a question lists.
pub const AREAS: std::ops::RangeInclusive<usize> = 5..=7;
/// How many follow-up questions a question lists.
pub const FOLLOW_UPS: std::ops::RangeInclusive<usize> = 3..=4;
/// The fewest questions a competency holds, so that a panel can spread them.
pub const MIN_QUESTIONS: usize = 3;
/// Ratings run from 1 to this.
pub const RATINGS: usize = 4;

/// Why the bank could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BankError {
    #[error(
        "failed to read the question bank {path}: {source}; run inside a checkout that has questions/, or pass --root"
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid question file {}:{line}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("unknown competency '{given}'; valid competencies: {valid}")]
    UnknownCompetency { given: String, valid: String },
    #[error("unknown question '{given}'; `mldrill questions` lists them all")]
    UnknownQuestion { given: String },
}

/// One competency, `questions/<id>.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Competency {
    /// Must equal [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The file's name without `.toml`.
    pub id: String,
    pub title: String,
    /// One sentence: what a person strong in this competency does.
    pub summary: String,
    pub rubric: Rubric,
    pub questions: Vec<Question>,
}

/// What each rating, 1 to [`RATINGS`], means for a junior and for a senior candidate.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    pub junior: Vec<String>,
    pub senior: Vec<String>,
}

/// One behavioural question.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Unique across the whole bank.
    pub id: String,
    /// What the interviewer asks, in a "tell me about a time" form.
    pub prompt: String,
    /// What a full answer covers; the interviewer ticks them off.
    pub areas: Vec<String>,
    /// Questions that probe beyond terminology.
    pub follow_ups: Vec<String>,
    /// What a junior's answer looks like.
    pub junior: String,
    /// What a senior's answer looks like.
    pub senior: String,
    /// Exercises (`poison`) or tasks (`poison/detect`) that probe the same skill hands-on.
    pub probes: Vec<String>,
}

impl Rubric {
    /// The meanings of ratings 1 to 4 at `level`.
    pub fn at(&self, level: Level) -> &[String] {
        match level {
            Level::Junior => &self.junior,
            Level::Senior => &self.senior,
        }
    }
}

impl Question {
    /// What a good answer looks like at `level`.
    pub fn signal(&self, level: Level) -> &str {
        match level {
            Level::Junior => &self.junior,
            Level::Senior => &self.senior,
        }
    }

    /// Whether the question probes `exercise` (the whole exercise or one of its tasks).
    pub fn probes_exercise(&self, exercise: &str) -> bool {
        self.probes
            .iter()
            .any(|p| p.split('/').next() == Some(exercise))
    }
}

/// Every competency under one `questions/` folder, sorted by id.
#[derive(Debug, Clone, Serialize)]
pub struct Bank {
    pub competencies: Vec<Competency>,
}

impl Bank {
    /// Reads and checks every `*.toml` in `dir`; the exercises and tasks that questions
    /// name must be in `catalog`.
    pub fn load(dir: &Path, catalog: &Catalog) -> Result<Self, BankError> {
        let read_err = |path: &Path, source| BankError::Read {
            path: path.to_owned(),
            source,
        };
        let mut files: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(|e| read_err(dir, e))?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(|e| read_err(dir, e))?;
        files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
        files.sort();
        let mut competencies = Vec::new();
        let mut question_ids = BTreeSet::new();
        for path in files {
            let text = fs::read_to_string(&path).map_err(|e| read_err(&path, e))?;
            let competency: Competency = toml::from_str(&text).map_err(|e| BankError::Invalid {
                line: e.span().map_or(1, |span| line_of(&text, span.start)),
                message: e.message().trim().to_owned(),
                path: path.clone(),
            })?;
            check(&competency, &path, &text, catalog, &mut question_ids)?;
            competencies.push(competency);
        }
        if competencies.is_empty() {
            return Err(read_err(
                dir,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no *.toml file in it"),
            ));
        }
        Ok(Self { competencies })
    }

    pub fn competency(&self, id: &str) -> Result<&Competency, BankError> {
        self.competencies
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| BankError::UnknownCompetency {
                given: id.to_owned(),
                valid: self
                    .competencies
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// A question and the competency it belongs to.
    pub fn question(&self, id: &str) -> Result<(&Competency, &Question), BankError> {
        self.questions()
            .find(|(_, q)| q.id == id)
            .ok_or_else(|| BankError::UnknownQuestion {
                given: id.to_owned(),
            })
    }

    /// Every question with its competency, in bank order.
    pub fn questions(&self) -> impl Iterator<Item = (&Competency, &Question)> {
        self.competencies
            .iter()
            .flat_map(|c| c.questions.iter().map(move |q| (c, q)))
    }
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line where `id = "<id>"` is written, else the first line.
fn line_of_id(text: &str, id: &str) -> usize {
    text.find(&format!("id = \"{id}\""))
        .map_or(1, |offset| line_of(text, offset))
}

fn check(
    competency: &Competency,
    path: &Path,
    text: &str,
    catalog: &Catalog,
    question_ids: &mut BTreeSet<String>,
) -> Result<(), BankError> {
    let invalid = |id: &str, message: String| BankError::Invalid {
        path: path.to_owned(),
        line: line_of_id(text, id),
        message,
    };
    let c = competency;
    if c.format_version != FORMAT_VERSION {
        return Err(invalid(
            &c.id,
            format!(
                "format_version {} is not supported (this mldrill reads {FORMAT_VERSION})",
                c.format_version
            ),
        ));
    }
    if path.file_stem().and_then(|s| s.to_str()) != Some(c.id.as_str()) {
        return Err(invalid(
            &c.id,
            format!("id '{}' must match the file's name", c.id),
        ));
    }
    if c.title.trim().is_empty() || c.summary.trim().is_empty() {
        return Err(invalid(&c.id, "title and summary must not be empty".into()));
    }
    for (level, meanings) in [("junior", &c.rubric.junior), ("senior", &c.rubric.senior)] {
        if meanings.len() != RATINGS || meanings.iter().any(|m| m.trim().is_empty()) {
            return Err(invalid(
                &c.id,
                format!(
                    "rubric.{level} needs {RATINGS} non-empty meanings, one per rating 1 to {RATINGS}"
                ),
            ));
        }
    }
    if c.questions.len() < MIN_QUESTIONS {
        return Err(invalid(
            &c.id,
            format!(
                "a competency needs at least {MIN_QUESTIONS} questions, so that a panel can spread them; it has {}",
                c.questions.len()
            ),
        ));
    }
    for q in &c.questions {
        let at = |message: String| invalid(&q.id, format!("question '{}': {message}", q.id));
        if !question_ids.insert(q.id.clone()) {
            return Err(at(
                "this id is already used; question ids are unique across the bank".into(),
            ));
        }
        if [&q.prompt, &q.junior, &q.senior]
            .iter()
            .any(|t| t.trim().is_empty())
        {
            return Err(at("prompt, junior and senior must not be empty".into()));
        }
        if !AREAS.contains(&q.areas.len()) {
            return Err(at(format!(
                "needs {} to {} areas to cover; it has {}",
                AREAS.start(),
                AREAS.end(),
                q.areas.len()
            )));
        }
        if !FOLLOW_UPS.contains(&q.follow_ups.len()) {
            return Err(at(format!(
                "needs {} to {} follow-up questions; it has {}",
                FOLLOW_UPS.start(),
                FOLLOW_UPS.end(),
                q.follow_ups.len()
            )));
        }
        for probe in &q.probes {
            let (exercise, task) = match probe.split_once('/') {
                Some((e, t)) => (e, Some(t)),
                None => (probe.as_str(), None),
            };
            let found = catalog
                .get(exercise)
                .map_err(|e| at(format!("probes '{probe}': {e}")))?;
            if let Some(task) = task {
                found
                    .task(task)
                    .map_err(|e| at(format!("probes '{probe}': {e}")))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises")).unwrap()
    }

    fn bank_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("questions")
    }

    #[test]
    fn the_bank_loads_with_eight_competencies_or_more_and_unique_ids() {
        let bank = Bank::load(&bank_dir(), &catalog()).unwrap();
        assert!(bank.competencies.len() >= 8, "{}", bank.competencies.len());
        let ids: BTreeSet<&str> = bank.questions().map(|(_, q)| q.id.as_str()).collect();
        assert_eq!(ids.len(), bank.questions().count());
        for c in &bank.competencies {
            assert!(c.questions.len() >= MIN_QUESTIONS, "{}", c.id);
        }
        // The poison exercise probes responding to a poisoning attack.
        let (competency, _) = bank.question("poisoned-training-data").unwrap();
        assert_eq!(competency.id, "adversarial-response");
        assert!(bank.questions().any(|(_, q)| q.probes_exercise("poison")));
    }

    /// Copies the bank into a temporary folder with one file's text changed.
    fn load_edited(file: &str, edit: impl Fn(&str) -> String) -> Result<Bank, BankError> {
        let dir = tempfile::tempdir().unwrap();
        for entry in fs::read_dir(bank_dir()).unwrap() {
            let path = entry.unwrap().path();
            let text = fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap();
            let text = if name == file { edit(&text) } else { text };
            fs::write(dir.path().join(name), text).unwrap();
        }
        Bank::load(dir.path(), &catalog())
    }

    fn error(file: &str, edit: impl Fn(&str) -> String) -> String {
        load_edited(file, edit).unwrap_err().to_string()
    }

    #[test]
    fn a_missing_field_names_the_file_and_line() {
        let message = error("supply-chain.toml", |t| {
            t.replacen("summary = ", "# summary = ", 1)
        });
        assert!(message.contains("supply-chain.toml:"), "{message}");
        assert!(message.contains("summary"), "{message}");
    }

    #[test]
    fn an_unknown_field_a_wrong_version_and_a_duplicate_id_are_refused() {
        let unknown = error("supply-chain.toml", |t| {
            t.replacen("[rubric]", "level = 3\n[rubric]", 1)
        });
        assert!(unknown.contains("unknown field"), "{unknown}");
        let version = error("supply-chain.toml", |t| {
            t.replacen("format_version = 1", "format_version = 2", 1)
        });
        assert!(version.contains("format_version 2"), "{version}");
        let duplicate = error("supply-chain.toml", |t| {
            t.replacen(
                "id = \"dependency-incident\"",
                "id = \"silent-data-bug\"",
                1,
            )
        });
        assert!(
            duplicate.contains("'silent-data-bug'") && duplicate.contains("already used"),
            "{duplicate}"
        );
        let line = duplicate
            .split(':')
            .nth(1)
            .unwrap()
            .trim()
            .parse::<usize>()
            .unwrap();
        let text = fs::read_to_string(bank_dir().join("supply-chain.toml")).unwrap();
        assert!(
            text.lines()
                .nth(line - 1)
                .unwrap()
                .contains("dependency-incident")
        );
    }

    #[test]
    fn counts_and_probes_are_checked() {
        let few_follow_ups = error("team-education.toml", |t| {
            t.replacen(
                "    \"What would you do differently if you had to do it again?\",\n",
                "",
                1,
            )
        });
        assert!(
            few_follow_ups.contains("3 to 4 follow-up"),
            "{few_follow_ups}"
        );
        let bad_probe = error("team-education.toml", |t| {
            t.replacen(
                "probes = [\"poison/end_to_end\"]",
                "probes = [\"poison/nope\"]",
                1,
            )
        });
        assert!(bad_probe.contains("unknown task 'nope'"), "{bad_probe}");
        let rubric = error("team-education.toml", |t| {
            t.replacen(
                "    \"Has not explained an AI risk to anyone, or only repeated jargon.\",\n",
                "",
                1,
            )
        });
        assert!(rubric.contains("rubric.junior needs 4"), "{rubric}");
    }
}
