//! The report files of a grade: each one created, and so checked, before any grading
//! starts (a path in a missing folder costs nothing), and written once the results are in.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::catalog::Catalog;
use crate::grader::{SUBMISSION_SCHEMA_VERSION, SubmissionResult};

/// The report files the command line asked for, open.
pub struct Reports {
    json: Option<(PathBuf, std::fs::File)>,
    junit: Option<(PathBuf, std::fs::File)>,
    markdown: Option<(PathBuf, std::fs::File)>,
    csv: Option<(PathBuf, std::fs::File)>,
}

impl Reports {
    pub fn open(
        json: Option<PathBuf>,
        junit: Option<PathBuf>,
        markdown: Option<PathBuf>,
        csv: Option<PathBuf>,
    ) -> Result<Self> {
        let open = |path: Option<PathBuf>| -> Result<Option<(PathBuf, std::fs::File)>> {
            path.map(|path| {
                let file = std::fs::File::create(&path).with_context(|| {
                    format!(
                        "failed to create the report {}; pass a path in a folder you can write",
                        path.display()
                    )
                })?;
                Ok((path, file))
            })
            .transpose()
        };
        Ok(Self {
            json: open(json)?,
            junit: open(junit)?,
            markdown: open(markdown)?,
            csv: open(csv)?,
        })
    }

    /// Writes every report; the scorecard's rating form needs the question `bank`.
    pub fn write(
        self,
        results: &[SubmissionResult],
        catalog: &Catalog,
        bank: Option<&crate::questions::Bank>,
    ) -> Result<()> {
        use std::io::Write;
        let write = |report: Option<(PathBuf, std::fs::File)>,
                     text: &dyn Fn() -> Result<String>| {
            if let Some((path, mut file)) = report {
                file.write_all(text()?.as_bytes())
                    .with_context(|| format!("failed to write {}", path.display()))?;
            }
            Ok::<(), anyhow::Error>(())
        };
        write(self.json, &|| {
            let document = serde_json::json!({
                "schema_version": SUBMISSION_SCHEMA_VERSION,
                "submissions": results,
                "scorecards": super::json::scorecards(results, catalog),
            });
            Ok(serde_json::to_string_pretty(&document)?)
        })?;
        write(self.junit, &|| Ok(super::junit::render(results)))?;
        write(self.markdown, &|| {
            let bank = bank.context("the scorecard needs the question bank")?;
            Ok(results
                .iter()
                .map(|r| super::markdown::render(r, catalog, bank))
                .collect::<Vec<_>>()
                .join("\n---\n\n"))
        })?;
        write(self.csv, &|| {
            let ids: Vec<String> = catalog.exercises.iter().map(|e| e.id.clone()).collect();
            Ok(super::csv::render(results, &ids)?)
        })
    }
}
