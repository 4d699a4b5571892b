//! `mldrill questions`: the bank for people (a list, or one question in full) and for
//! machines (one JSON document with `schema_version`).

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::bank::{Bank, Competency, Question};
use crate::level::Level;
use crate::study::wrap;

/// The version of the JSON document `mldrill questions --format json` prints.
pub const SCHEMA_VERSION: u32 = 1;
const WIDTH: usize = 100;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Junior => "junior",
        Level::Senior => "senior",
    }
}

/// The competencies (all when `only` is empty), each with its summary, its rubric at
/// `level` when one is given, and its questions' ids and prompts.
pub fn render_list(competencies: &[&Competency], level: Option<Level>) -> String {
    let count: usize = competencies.iter().map(|c| c.questions.len()).sum();
    let mut out = format!(
        "{}, {}; `mldrill questions <question>` shows one in full.\n",
        plural(competencies.len(), "competency", "competencies"),
        plural(count, "question", "questions")
    );
    for c in competencies {
        let _ = writeln!(out, "\n{}: {}", c.id, c.title);
        out.push_str(&wrap(&c.summary, WIDTH, "  ", "  "));
        if let Some(level) = level {
            let _ = writeln!(out, "  Ratings for a {}:", level_name(level));
            for (i, meaning) in c.rubric.at(level).iter().enumerate() {
                out.push_str(&wrap(meaning, WIDTH, &format!("    {} ", i + 1), "      "));
            }
        }
        for q in &c.questions {
            out.push_str(&wrap(
                &q.prompt,
                WIDTH,
                &format!("  - {}: ", q.id),
                "      ",
            ));
        }
    }
    out
}

/// One question in full: the prompt, areas to cover, follow-ups, what a junior and a
/// senior answer look like (only `level`'s when given), and the exercises that probe the
/// same skill.
pub fn render_question(
    competency: &Competency,
    question: &Question,
    level: Option<Level>,
) -> String {
    let mut out = format!(
        "{} ({}: {})\n\n",
        question.id, competency.id, competency.title
    );
    out.push_str(&wrap(&question.prompt, WIDTH, "", ""));
    let _ = writeln!(out, "\nAreas to cover:");
    for area in &question.areas {
        out.push_str(&wrap(area, WIDTH, "  - [ ] ", "        "));
    }
    let _ = writeln!(out, "\nFollow-up questions:");
    for follow_up in &question.follow_ups {
        out.push_str(&wrap(follow_up, WIDTH, "  - ", "    "));
    }
    let levels = match level {
        Some(level) => vec![level],
        None => vec![Level::Junior, Level::Senior],
    };
    for level in levels {
        let _ = writeln!(out, "\nA {} answer:", level_name(level));
        out.push_str(&wrap(question.signal(level), WIDTH, "  ", "  "));
    }
    if !question.probes.is_empty() {
        let _ = writeln!(
            out,
            "\nThe same skill, hands-on: {}",
            question.probes.join(", ")
        );
    }
    out
}

fn question_json(question: &Question, level: Option<Level>) -> Value {
    let mut value = json!({
        "id": question.id,
        "prompt": question.prompt,
        "areas": question.areas,
        "follow_ups": question.follow_ups,
        "probes": question.probes,
    });
    match level {
        Some(level) => value["expected"] = json!(question.signal(level)),
        None => {
            value["junior"] = json!(question.junior);
            value["senior"] = json!(question.senior);
        }
    }
    value
}

/// The list as one JSON document; with `level`, only that level's rubric and answers.
pub fn list_json(competencies: &[&Competency], level: Option<Level>) -> Value {
    let competencies: Vec<Value> = competencies
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "title": c.title,
                "summary": c.summary,
                "rubric": match level {
                    Some(level) => json!(c.rubric.at(level)),
                    None => json!(c.rubric),
                },
                "questions": c.questions.iter().map(|q| question_json(q, level)).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "schema_version": SCHEMA_VERSION,
        "level": level.map(level_name),
        "competencies": competencies,
    })
}

/// One question as a JSON document.
pub fn question_document(
    competency: &Competency,
    question: &Question,
    level: Option<Level>,
) -> Value {
    let mut value = question_json(question, level);
    value["schema_version"] = json!(SCHEMA_VERSION);
    value["competency"] = json!(competency.id);
    value
}

/// The competencies `ids` names (all when empty), in bank order.
pub fn select<'a>(bank: &'a Bank, ids: &[String]) -> Result<Vec<&'a Competency>, super::BankError> {
    for id in ids {
        bank.competency(id)?;
    }
    Ok(bank
        .competencies
        .iter()
        .filter(|c| ids.is_empty() || ids.contains(&c.id))
        .collect())
}
