//! The `--name` mapping file: which candidate sent which submission, for reports a hiring
//! team sorts by name. A CSV of two columns, the submission's file or folder name and the
//! candidate's name, with an optional `submission,candidate` header.

use std::collections::BTreeMap;
use std::path::Path;

/// Why a mapping file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum NamesError {
    #[error("failed to read the --name file {path}")]
    Read {
        path: String,
        #[source]
        source: csv::Error,
    },
    #[error(
        "{path} line {line}: expected two columns, `submission,candidate` (e.g. `alice.zip,Alice Smith`)"
    )]
    Columns { path: String, line: u64 },
    #[error("{path} line {line}: {submission} is named twice; keep one line per submission")]
    Twice {
        path: String,
        line: u64,
        submission: String,
    },
}

/// Candidate names by submission name.
pub type Names = BTreeMap<String, String>;

/// Reads a mapping file.
pub fn read(path: &Path) -> Result<Names, NamesError> {
    let shown = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|source| NamesError::Read {
            path: shown.clone(),
            source,
        })?;
    let mut names = Names::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|source| NamesError::Read {
            path: shown.clone(),
            source,
        })?;
        let line = record.position().map_or(row as u64 + 1, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != 2 || record[0].is_empty() {
            return Err(NamesError::Columns { path: shown, line });
        }
        if row == 0 && &record[0] == "submission" && &record[1] == "candidate" {
            continue;
        }
        let submission = record[0].to_owned();
        if names
            .insert(submission.clone(), record[1].to_owned())
            .is_some()
        {
            return Err(NamesError::Twice {
                path: shown,
                line,
                submission,
            });
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Names, NamesError> {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        read(file.path())
    }

    #[test]
    fn reads_names_with_or_without_a_header() {
        let names =
            parse("submission,candidate\nalice.zip, Alice Smith\n\n\"b,c.tgz\",Bob\n").unwrap();
        assert_eq!(names["alice.zip"], "Alice Smith");
        assert_eq!(names["b,c.tgz"], "Bob");
        assert_eq!(parse("x,Xavier\n").unwrap()["x"], "Xavier");
    }

    #[test]
    fn a_bad_line_is_named() {
        let error = parse("alice.zip,Alice\nbob.zip\n").unwrap_err().to_string();
        assert!(error.contains("line 2: expected two columns"), "{error}");
        let error = parse("a,A\na,B\n").unwrap_err().to_string();
        assert!(error.contains("a is named twice"), "{error}");
    }
}
