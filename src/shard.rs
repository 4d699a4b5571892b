//! Grading beyond one machine: `grade --batch DIR --shard K/N` grades a deterministic share
//! of the batch and writes its JSON; `report merge` reads the shards' JSON documents back,
//! checks that together they are one whole batch, and hands the results to the same
//! reports an unsharded batch writes (similarity recomputed from the stored fingerprints).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::grader::{SUBMISSION_SCHEMA_VERSION, SubmissionResult};

/// Share `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage = || {
            format!(
                "`{text}` is not a shard; write K/N with 1 <= K <= N <= 10000, e.g. --shard 2/4 for the second of four"
            )
        };
        let (index, count) = text.split_once('/').ok_or_else(usage)?;
        let (index, count): (usize, usize) = (
            index.trim().parse().map_err(|_| usage())?,
            count.trim().parse().map_err(|_| usage())?,
        );
        if index == 0 || index > count || count > 10_000 {
            return Err(usage());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// This shard's share of a batch's submissions, which [`crate::batch::submissions_in`]
    /// lists sorted: every `count`-th from the `index`-th, so shards differ in size by one
    /// at most and the same folder always splits the same way.
    pub fn select(&self, sorted: &[PathBuf]) -> Vec<PathBuf> {
        sorted
            .iter()
            .skip(self.index - 1)
            .step_by(self.count)
            .cloned()
            .collect()
    }
}

/// The JSON document `grade --json` writes; a shard's says which share it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardOf>,
    pub submissions: Vec<SubmissionResult>,
}

/// Which share of how large a batch a document holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardOf {
    #[serde(flatten)]
    pub shard: Shard,
    /// Submissions in the whole batch.
    pub batch_size: usize,
}

impl Document {
    pub fn new(submissions: Vec<SubmissionResult>, shard: Option<ShardOf>) -> Self {
        Self {
            schema_version: SUBMISSION_SCHEMA_VERSION,
            shard,
            submissions,
        }
    }
}

/// Why shards could not be merged: each names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("failed to read {path} (pass the JSON files `grade --shard K/N --json FILE` wrote)")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a grading result ({message}); pass the JSON files `grade --json` wrote")]
    NotResults { path: String, message: String },
    #[error(
        "{path} has schema_version {found}, this mldrill reads {expected}; grade the shard again with this version"
    )]
    Schema {
        path: String,
        found: u32,
        expected: u32,
    },
    #[error(
        "{path} is shard {shard} but {other} is of {count} shards; merge the shards of one run"
    )]
    Counts {
        path: String,
        shard: Shard,
        other: String,
        count: usize,
    },
    #[error("shard {index}/{count} is given twice ({first} and {second}); pass each shard once")]
    Twice {
        index: usize,
        count: usize,
        first: String,
        second: String,
    },
    #[error("shard {missing} is missing; pass every shard's JSON (1/{count} to {count}/{count})")]
    Missing { missing: Shard, count: usize },
    #[error(
        "the shards hold {found} submissions but were cut from a batch of {expected}; were they graded from the same folder?"
    )]
    Size { found: usize, expected: usize },
    #[error("submission {name} is in both {first} and {second}; merge the shards of one run")]
    Duplicate {
        name: String,
        first: String,
        second: String,
    },
}

/// Reads the documents at `paths` and merges them into one batch's results, sorted by
/// submission name as an unsharded batch is, with every similarity flag recomputed.
/// Documents without a shard (a plain `grade --json`) merge too, as long as no
/// submission appears twice.
pub fn merge(paths: &[PathBuf]) -> Result<Vec<SubmissionResult>, MergeError> {
    let mut documents = Vec::new();
    for path in paths {
        documents.push((path.display().to_string(), read(path)?));
    }
    check_shards(&documents)?;
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    let mut results = Vec::new();
    for (path, document) in documents {
        for result in document.submissions {
            if let Some(first) = seen.insert(result.submission.clone(), path.clone()) {
                return Err(MergeError::Duplicate {
                    name: result.submission,
                    first,
                    second: path,
                });
            }
            results.push(result);
        }
    }
    results.sort_by(|a, b| a.submission.cmp(&b.submission));
    crate::batch::flag_copies(&mut results);
    Ok(results)
}

fn read(path: &Path) -> Result<Document, MergeError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| MergeError::Read {
        path: shown.clone(),
        source,
    })?;
    let version: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| MergeError::NotResults {
            path: shown.clone(),
            message: e.to_string(),
        })?;
    let found = version
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| MergeError::NotResults {
            path: shown.clone(),
            message: "no schema_version".into(),
        })?;
    if found != u64::from(SUBMISSION_SCHEMA_VERSION) {
        return Err(MergeError::Schema {
            path: shown,
            found: found as u32,
            expected: SUBMISSION_SCHEMA_VERSION,
        });
    }
    serde_json::from_value(version).map_err(|e| MergeError::NotResults {
        path: shown,
        message: e.to_string(),
    })
}

/// Sharded documents must be all the shards of one cut: the same count, each index once,
/// none missing, and as many submissions as the batch had.
fn check_shards(documents: &[(String, Document)]) -> Result<(), MergeError> {
    let sharded: Vec<(&String, ShardOf)> = documents
        .iter()
        .filter_map(|(path, d)| d.shard.map(|s| (path, s)))
        .collect();
    let Some((first_path, first)) = sharded.first().copied() else {
        return Ok(());
    };
    let count = first.shard.count;
    let mut by_index: Vec<Option<&String>> = vec![None; count];
    for &(path, of) in &sharded {
        if of.shard.count != count || of.batch_size != first.batch_size {
            return Err(MergeError::Counts {
                path: path.clone(),
                shard: of.shard,
                other: first_path.clone(),
                count,
            });
        }
        if let Some(earlier) = by_index[of.shard.index - 1].replace(path) {
            return Err(MergeError::Twice {
                index: of.shard.index,
                count,
                first: earlier.clone(),
                second: path.clone(),
            });
        }
    }
    if let Some(missing) = by_index.iter().position(Option::is_none) {
        return Err(MergeError::Missing {
            missing: Shard {
                index: missing + 1,
                count,
            },
            count,
        });
    }
    let found: usize = documents
        .iter()
        .filter(|(_, d)| d.shard.is_some())
        .map(|(_, d)| d.submissions.len())
        .sum();
    if found != first.batch_size {
        return Err(MergeError::Size {
            found,
            expected: first.batch_size,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_bad_ones_say_how_to_write_them() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "4", "a/b", "1/0", "-1/2"] {
            let error = bad.parse::<Shard>().unwrap_err();
            assert!(error.contains("e.g. --shard 2/4"), "{bad}: {error}");
        }
    }

    #[test]
    fn shards_cover_the_batch_once_and_differ_in_size_by_one_at_most() {
        let paths: Vec<PathBuf> = (0..11).map(|i| PathBuf::from(format!("s{i:02}"))).collect();
        for count in 1..=12 {
            let shares: Vec<Vec<PathBuf>> = (1..=count)
                .map(|index| Shard { index, count }.select(&paths))
                .collect();
            let mut all: Vec<PathBuf> = shares.concat();
            all.sort();
            assert_eq!(all, paths, "{count} shards");
            let sizes: Vec<usize> = shares.iter().map(Vec::len).collect();
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        }
    }

    fn document(
        dir: &Path,
        name: &str,
        shard: Option<(usize, usize, usize)>,
        subs: &[&str],
    ) -> PathBuf {
        let submissions = subs
            .iter()
            .map(|s| SubmissionResult::failed(Path::new(s), Some(1), "x".into()))
            .collect();
        let shard = shard.map(|(index, count, batch_size)| ShardOf {
            shard: Shard { index, count },
            batch_size,
        });
        let path = dir.join(name);
        std::fs::write(
            &path,
            serde_json::to_string(&Document::new(submissions, shard)).unwrap(),
        )
        .unwrap();
        path
    }

    #[test]
    fn merging_checks_that_the_shards_make_one_batch() {
        let dir = tempfile::tempdir().unwrap();
        let a = document(dir.path(), "a.json", Some((1, 2, 3)), &["x", "z"]);
        let b = document(dir.path(), "b.json", Some((2, 2, 3)), &["y"]);
        let names: Vec<String> = merge(&[b.clone(), a.clone()])
            .unwrap()
            .into_iter()
            .map(|r| r.submission)
            .collect();
        assert_eq!(names, ["x", "y", "z"]);
        let error = |paths: &[PathBuf]| merge(paths).unwrap_err().to_string();
        assert!(error(std::slice::from_ref(&a)).contains("shard 2/2 is missing"));
        assert!(error(&[a.clone(), a.clone()]).contains("given twice"));
        let other = document(dir.path(), "c.json", Some((2, 3, 3)), &["y"]);
        assert!(error(&[a.clone(), other]).contains("of 2 shards"));
        let short = document(dir.path(), "d.json", Some((2, 2, 3)), &[]);
        assert!(error(&[a.clone(), short]).contains("batch of 3"));
        let old = dir.path().join("old.json");
        std::fs::write(&old, r#"{"schema_version": 1, "submissions": []}"#).unwrap();
        assert!(error(&[old]).contains("schema_version 1"));
        let junk = dir.path().join("junk.json");
        std::fs::write(&junk, "not json").unwrap();
        assert!(error(&[junk]).contains("is not a grading result"));
    }
}
