//! The report files of a grade: each one created, and so checked, before any grading
//! starts (a path in a missing folder costs nothing), and written once the results are in.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::catalog::Catalog;
use crate::grader::SubmissionResult;
use crate::shard::{Document, ShardOf};

/// The report paths the command line asked for.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    pub json: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
    pub csv: Option<PathBuf>,
    pub html: Option<PathBuf>,
}

type Open = Option<(PathBuf, std::fs::File)>;

/// The report files the command line asked for, open.
pub struct Reports {
    json: Open,
    junit: Open,
    markdown: Open,
    csv: Open,
    html: Open,
}

/// Creates the file at `path`, or says which path to fix.
pub fn create(path: Option<PathBuf>) -> Result<Open> {
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
}

/// Writes `text` into an opened report, if there is one.
pub fn write(report: Open, text: &dyn Fn() -> Result<String>) -> Result<()> {
    use std::io::Write;
    if let Some((path, mut file)) = report {
        file.write_all(text()?.as_bytes())
            .with_context(|| format!("failed to write {}", path.display()))?;
    }
    Ok(())
}

impl Reports {
    pub fn open(paths: Paths) -> Result<Self> {
        Ok(Self {
            json: create(paths.json)?,
            junit: create(paths.junit)?,
            markdown: create(paths.markdown)?,
            csv: create(paths.csv)?,
            html: create(paths.html)?,
        })
    }

    /// Writes every report of `results`: the JSON says which shard of a batch it holds,
    /// and the scorecard's rating form needs the question `bank`.
    pub fn write(
        self,
        results: &[SubmissionResult],
        catalog: &Catalog,
        bank: Option<&crate::questions::Bank>,
        shard: Option<ShardOf>,
    ) -> Result<()> {
        write(self.json, &|| {
            let mut document = serde_json::to_value(Document::new(results.to_vec(), shard))?;
            document["scorecards"] = super::json::scorecards(results, catalog);
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
        })?;
        write(self.html, &|| {
            Ok(super::html::render_batch(results, catalog))
        })
    }
}
