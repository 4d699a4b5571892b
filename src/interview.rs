//! The interviewer's commands around a screen: `questions` (the bank), `plan` (a panel's
//! interview) and `scorecard merge` (the panel's decision). Each validates its request
//! against the catalog and the bank first and fails with one line a person can act on.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::catalog::{Catalog, Exercise};
use crate::cli::{Format, PlanArgs, QuestionsArgs};
use crate::plan;
use crate::questions::{self, Bank};
use crate::scorecard::{form, merge as merging};

/// The question bank of the workspace at `root`.
pub fn load_bank(root: &Path, catalog: &Catalog) -> Result<Bank> {
    Ok(Bank::load(&root.join("questions"), catalog)?)
}

/// Writes `text` to `path`, saying which file failed.
fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| {
        format!(
            "failed to write {}; pass a path in a folder you can write",
            path.display()
        )
    })
}

/// `mldrill questions`.
pub fn questions(root: &Path, catalog: &Catalog, args: &QuestionsArgs) -> Result<ExitCode> {
    let bank = load_bank(root, catalog)?;
    let competencies = questions::render::select(&bank, &args.competencies)?;
    match (&args.question, args.format) {
        (Some(id), format) => {
            let (competency, question) = bank.question(id)?;
            match format {
                Format::Human => print!(
                    "{}",
                    questions::render::render_question(competency, question, args.level)
                ),
                Format::Json => println!(
                    "{:#}",
                    questions::render::question_document(competency, question, args.level)
                ),
            }
        }
        (None, Format::Human) => print!(
            "{}",
            questions::render::render_list(&competencies, args.level)
        ),
        (None, Format::Json) => println!(
            "{:#}",
            questions::render::list_json(&competencies, args.level)
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses an id given twice, naming the flag.
fn once(ids: &[String], flag: &str) -> Result<()> {
    let mut seen = BTreeSet::new();
    if let Some(twice) = ids.iter().find(|id| !seen.insert(id.as_str())) {
        bail!("{flag} {twice} is given twice; each is planned once");
    }
    Ok(())
}

/// `mldrill plan`.
pub fn plan(root: &Path, catalog: &Catalog, args: &PlanArgs) -> Result<ExitCode> {
    let bank = load_bank(root, catalog)?;
    once(&args.exercises, "--exercise")?;
    once(&args.competencies, "--competency")?;
    let exercises = args
        .exercises
        .iter()
        .map(|id| catalog.get(id))
        .collect::<Result<Vec<_>, _>>()?;
    let competencies = args
        .competencies
        .iter()
        .map(|id| bank.competency(id))
        .collect::<Result<Vec<_>, _>>()?;
    let request = plan::Request {
        minutes: args.minutes,
        level: args.level,
        interviewers: args.interviewers,
        exercises,
        competencies,
        seed: args.seed.unwrap_or_else(crate::check::random_seed),
    };
    let all: Vec<&Exercise> = catalog.exercises.iter().collect();
    let planned = plan::plan(&request, &all, &bank).map_err(anyhow::Error::msg)?;
    if let Some(path) = &args.markdown {
        write(path, &plan::render::markdown(&planned))?;
    }
    match args.format {
        Format::Human => print!("{}", plan::render::text(&planned)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&planned).context("failed to write the plan as JSON")?
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// `mldrill scorecard merge`.
pub fn merge(files: &[PathBuf], out: Option<&Path>) -> Result<ExitCode> {
    let mut forms = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read the scorecard {}", path.display()))?;
        forms.extend(form::parse(path, &text)?);
    }
    let groups = merging::group(forms).map_err(anyhow::Error::msg)?;
    let decision = groups
        .iter()
        .map(Vec::as_slice)
        .map(merging::render)
        .collect::<Vec<_>>()
        .join("\n---\n\n");
    match out {
        Some(path) => {
            write(path, &decision)?;
            println!(
                "merged {} into {} ({})",
                files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                path.display(),
                groups
                    .iter()
                    .map(|g| format!(
                        "{}: {}",
                        g[0].candidate,
                        merging::verdict(&g.iter().map(|f| f.recommendation).collect::<Vec<_>>())
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
        None => print!("{decision}"),
    }
    Ok(ExitCode::SUCCESS)
}
