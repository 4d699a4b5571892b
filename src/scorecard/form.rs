//! The rating form at the end of a scorecard, and reading it back once filled. Each
//! interviewer fills their own copy: their name, a rating of 1 to 4 (or `n/a`) with the
//! evidence for each competency, a recommendation, and notes. The form is plain Markdown
//! with a fixed layout, so that `mldrill scorecard merge` can read it and name the file and
//! line of anything missing or malformed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::questions::Bank;

/// The heading a scorecard starts with; the candidate's name follows it.
pub const SCORECARD_HEADING: &str = "# Scorecard: ";
/// The heading of the form.
pub const RATINGS_HEADING: &str = "## Ratings";
/// The heading of the free notes inside the form.
pub const NOTES_HEADING: &str = "### Notes";
/// The heading of the rubric, which ends the form.
pub const RUBRIC_HEADING: &str = "## Rating rubric";
/// What marks a field still to fill in.
pub const UNFILLED: &str = "?";

/// A recommendation, from the strongest no to the strongest yes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recommendation {
    StrongNo,
    No,
    Yes,
    StrongYes,
}

impl Recommendation {
    pub const ALL: [Recommendation; 4] = [Self::StrongNo, Self::No, Self::Yes, Self::StrongYes];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::StrongNo => "strong-no",
            Self::No => "no",
            Self::Yes => "yes",
            Self::StrongYes => "strong-yes",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The form for one candidate: `competencies` (id, title, probed by) in the order to rate
/// them, then the rubric of each.
pub fn render(
    candidate: &str,
    grade: &str,
    rows: &[(String, String, Vec<String>)],
    bank: &Bank,
) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "\n{RATINGS_HEADING}\n\nFill in your own copy, replacing every `{UNFILLED}`: your name, a rating from 1 to 4 for each competency you assessed (the rubric is below; `n/a` where you did not), the evidence behind each rating (what the candidate said or did), a recommendation ({}), and notes. `mldrill scorecard merge` reads this section: keep its layout.\n",
        Recommendation::ALL.map(Recommendation::as_str).join(", ")
    );
    let _ = writeln!(md, "- candidate: {}", cell(candidate));
    let _ = writeln!(md, "- automatic grade: {}", cell(grade));
    let _ = writeln!(md, "- interviewer: {UNFILLED}");
    let _ = writeln!(md, "- recommendation: {UNFILLED}");
    let _ = writeln!(
        md,
        "\n| competency | rating | evidence |\n| --- | --- | --- |"
    );
    for (id, title, probed_by) in rows {
        let probed = if probed_by.is_empty() {
            String::new()
        } else {
            format!(" (the hands-on part probes it: {})", probed_by.join(", "))
        };
        let _ = writeln!(md, "| `{id}` {}{probed} | {UNFILLED} |  |", cell(title));
    }
    let _ = writeln!(md, "\n{NOTES_HEADING}\n\n\n{RUBRIC_HEADING}\n");
    let _ = writeln!(
        md,
        "What each rating means, for a junior and for a senior candidate."
    );
    for (id, _, _) in rows {
        let Ok(competency) = bank.competency(id) else {
            continue;
        };
        let _ = writeln!(
            md,
            "\n### `{id}`: {}\n\n| rating | junior | senior |\n| --- | --- | --- |",
            competency.title
        );
        for (i, (junior, senior)) in competency
            .rubric
            .junior
            .iter()
            .zip(&competency.rubric.senior)
            .enumerate()
        {
            let _ = writeln!(md, "| {} | {} | {} |", i + 1, cell(junior), cell(senior));
        }
    }
    md
}

/// Something wrong in a filled form, at a file and line.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct FormError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

/// One competency's rating on a filled form.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rating {
    pub competency: String,
    /// 1 to 4; `None` for `n/a`.
    pub value: Option<u8>,
    pub evidence: String,
}

/// One interviewer's filled form for one candidate.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Filled {
    pub path: PathBuf,
    pub candidate: String,
    pub grade: String,
    pub interviewer: String,
    pub recommendation: Recommendation,
    pub ratings: Vec<Rating>,
    pub notes: String,
}

/// Splits a table row into its cells, honouring `\|`.
fn cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells.iter().map(|c| c.trim().to_owned()).collect()
}

/// The form being read: the fields found so far and where.
struct Reading {
    heading_line: usize,
    candidate_heading: String,
    ratings_line: Option<usize>,
    candidate: Option<String>,
    grade: Option<String>,
    interviewer: Option<(usize, String)>,
    recommendation: Option<(usize, String)>,
    ratings: Vec<Rating>,
    notes: Vec<String>,
}

/// Reads every filled form in `text` (a grade's Markdown holds one scorecard per
/// submission); `path` is only for messages.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Filled>, FormError> {
    let error = |line: usize, message: String| FormError {
        path: path.to_owned(),
        line,
        message,
    };
    #[derive(PartialEq)]
    enum Section {
        Other,
        Ratings,
        Notes,
    }
    let mut cards: Vec<Reading> = Vec::new();
    let mut section = Section::Other;
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let trimmed = line.trim();
        if let Some(candidate) = line.strip_prefix(SCORECARD_HEADING) {
            cards.push(Reading {
                heading_line: number,
                candidate_heading: candidate.trim().to_owned(),
                ratings_line: None,
                candidate: None,
                grade: None,
                interviewer: None,
                recommendation: None,
                ratings: Vec::new(),
                notes: Vec::new(),
            });
            section = Section::Other;
            continue;
        }
        let Some(card) = cards.last_mut() else {
            continue;
        };
        if trimmed == RATINGS_HEADING {
            card.ratings_line = Some(number);
            section = Section::Ratings;
            continue;
        }
        if trimmed == NOTES_HEADING && section != Section::Other {
            section = Section::Notes;
            continue;
        }
        if trimmed.starts_with("## ") || trimmed.starts_with("# ") || trimmed == "---" {
            section = Section::Other;
            continue;
        }
        match section {
            Section::Other => {}
            Section::Notes => card.notes.push(line.to_owned()),
            Section::Ratings => {
                if let Some(item) = trimmed.strip_prefix("- ") {
                    let Some((key, value)) = item.split_once(':') else {
                        continue;
                    };
                    let value = value.trim().to_owned();
                    match key.trim() {
                        "candidate" => card.candidate = Some(value),
                        "automatic grade" => card.grade = Some(value),
                        "interviewer" => card.interviewer = Some((number, value)),
                        "recommendation" => card.recommendation = Some((number, value)),
                        _ => {}
                    }
                } else if trimmed.starts_with('|')
                    && let Some(rating) = rating_row(trimmed, &card.ratings)
                        .map_err(|message| error(number, message))?
                {
                    card.ratings.push(rating);
                }
            }
        }
    }
    if cards.is_empty() {
        return Err(error(
            1,
            format!(
                "not a scorecard: no '{}<candidate>' heading; pass the Markdown that `mldrill grade --markdown` wrote, filled in",
                SCORECARD_HEADING
            ),
        ));
    }
    cards.into_iter().map(|card| finish(path, card)).collect()
}

/// One row of the rating table: `None` for the header and separator rows, else the
/// rating, or what is wrong with it.
fn rating_row(row: &str, earlier: &[Rating]) -> Result<Option<Rating>, String> {
    let cells = cells(row);
    if cells.first().is_some_and(|c| c == "competency")
        || cells
            .iter()
            .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
    {
        return Ok(None);
    }
    if cells.len() != 3 {
        return Err(format!(
            "a rating row needs 3 cells (competency, rating, evidence), this one has {}; escape a '|' in your evidence as '\\|'",
            cells.len()
        ));
    }
    let competency = cells[0]
        .split('`')
        .nth(1)
        .filter(|id| !id.is_empty())
        .ok_or("a rating row must start with the competency's id in backticks, as the scorecard wrote it")?
        .to_owned();
    if earlier.iter().any(|r| r.competency == competency) {
        return Err(format!("`{competency}` is rated twice; keep one row"));
    }
    let value = match cells[1].to_ascii_lowercase().as_str() {
        UNFILLED | "" => {
            return Err(format!(
                "the rating of `{competency}` is not filled in; write 1, 2, 3 or 4 (see the rubric), or n/a if you did not assess it"
            ));
        }
        "n/a" => None,
        v => match v.parse::<u8>() {
            Ok(n @ 1..=4) => Some(n),
            _ => {
                return Err(format!(
                    "the rating of `{competency}` is '{}'; write 1, 2, 3 or 4, or n/a",
                    cells[1]
                ));
            }
        },
    };
    if value.is_some() && cells[2].is_empty() {
        return Err(format!(
            "the rating of `{competency}` has no evidence; write what the candidate said or did that supports it"
        ));
    }
    Ok(Some(Rating {
        competency,
        value,
        evidence: cells[2].clone(),
    }))
}

/// Checks that a form read from a file is complete.
fn finish(path: &Path, card: Reading) -> Result<Filled, FormError> {
    let error = |line: usize, message: String| FormError {
        path: path.to_owned(),
        line,
        message,
    };
    let name = &card.candidate_heading;
    let Some(ratings_line) = card.ratings_line else {
        return Err(error(
            card.heading_line,
            format!(
                "the scorecard of {name} has no '{RATINGS_HEADING}' section; grade again with `mldrill grade --markdown` to get the form"
            ),
        ));
    };
    let missing = |field: &str| {
        error(
            ratings_line,
            format!("the form of {name} has no '- {field}:' line; keep the form's layout"),
        )
    };
    let candidate = card.candidate.ok_or_else(|| missing("candidate"))?;
    let grade = card.grade.ok_or_else(|| missing("automatic grade"))?;
    let (line, interviewer) = card.interviewer.ok_or_else(|| missing("interviewer"))?;
    if interviewer.is_empty() || interviewer == UNFILLED {
        return Err(error(
            line,
            "the interviewer is not filled in; write your name after '- interviewer:'".into(),
        ));
    }
    let (line, recommendation) = card
        .recommendation
        .ok_or_else(|| missing("recommendation"))?;
    let recommendation =
        Recommendation::parse(&recommendation.to_ascii_lowercase()).ok_or_else(|| {
            error(
                line,
                format!(
                    "the recommendation is '{recommendation}'; write one of {}",
                    Recommendation::ALL.map(Recommendation::as_str).join(", ")
                ),
            )
        })?;
    if card.ratings.is_empty() {
        return Err(error(
            ratings_line,
            format!("the form of {name} has no rating rows; keep the table the scorecard wrote"),
        ));
    }
    if card.ratings.iter().all(|r| r.value.is_none()) {
        return Err(error(
            ratings_line,
            format!(
                "{interviewer} rated no competency of {name} (every rating is n/a); rate at least the ones you assessed"
            ),
        ));
    }
    let notes = card.notes.join("\n").trim().to_owned();
    Ok(Filled {
        path: path.to_owned(),
        candidate,
        grade,
        interviewer,
        recommendation,
        ratings: card.ratings,
        notes,
    })
}
