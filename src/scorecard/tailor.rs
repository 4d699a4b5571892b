//! Picking 3 to 4 follow-up questions per exercise from what the grade saw: a failed
//! property asks about its concept, an unfinished task about the approach, a fast full pass
//! leads to senior-level questions, and a passed task to questions beyond it. The
//! questions and their triggers are data (`[[tailored]]` in `exercise.toml`); the guide's
//! general follow-ups fill in when fewer than 3 fire.

use serde::Serialize;

use crate::catalog::{Exercise, Trigger};
use crate::grade::ExerciseResult;
use crate::runner::Status;

/// The fewest follow-ups a scorecard proposes per exercise.
pub const MIN_FOLLOW_UPS: usize = 3;
/// The most.
pub const MAX_FOLLOW_UPS: usize = 4;

/// One follow-up chosen for a result, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUp {
    pub question: String,
    /// What fired it; absent for a general question from the guide.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    pub why: String,
}

/// What a verdict's or a task's status means for tailoring.
fn failed(status: Status) -> bool {
    matches!(
        status,
        Status::Fail | Status::Timeout | Status::Memory | Status::Crashed
    )
}

fn unfinished(status: Status) -> Option<&'static str> {
    match status {
        Status::NotImplemented => Some("was not implemented"),
        Status::Error => Some("could not run (the code did not build)"),
        Status::Rejected => Some("was rejected by the source policy"),
        _ => None,
    }
}

/// The first line of a verdict's message, shortened for a scorecard.
fn short(message: Option<&str>) -> String {
    let line = message.unwrap_or("").lines().next().unwrap_or("").trim();
    if line.chars().count() > 140 {
        format!("{}...", line.chars().take(140).collect::<String>())
    } else {
        line.to_owned()
    }
}

/// The follow-ups for `result`, most specific first: failed properties, unfinished
/// tasks, a fast full pass, passed tasks (the deepest first), then the guide's general
/// questions until there are [`MIN_FOLLOW_UPS`].
pub fn follow_ups(exercise: &Exercise, result: &ExerciseResult) -> Vec<FollowUp> {
    let mut fired: Vec<FollowUp> = Vec::new();
    let verdicts = || result.tasks.iter().flat_map(|t| &t.properties);
    for rule in exercise
        .tailored
        .iter()
        .filter(|r| r.when == Trigger::Failed)
    {
        if let Some(verdict) =
            verdicts().find(|v| failed(v.status) && rule.on.contains(&v.property))
        {
            // The verdict's message is candidate text: inert in the Markdown scorecard.
            let message = crate::escape::markdown_text(&short(verdict.message.as_deref()));
            fired.push(FollowUp {
                question: rule.ask.clone(),
                trigger: Some(Trigger::Failed),
                why: if message.is_empty() {
                    format!("`{}` {}", verdict.property, verdict.status.as_str())
                } else {
                    format!(
                        "`{}` {}: {message}",
                        verdict.property,
                        verdict.status.as_str()
                    )
                },
            });
        }
    }
    for rule in exercise
        .tailored
        .iter()
        .filter(|r| r.when == Trigger::Unfinished)
    {
        if let Some((task, how)) = result
            .tasks
            .iter()
            .filter(|t| rule.on.contains(&t.id))
            .find_map(|t| unfinished(t.status).map(|how| (t, how)))
        {
            fired.push(FollowUp {
                question: rule.ask.clone(),
                trigger: Some(Trigger::Unfinished),
                why: format!("task `{}` {how}", task.id),
            });
        }
    }
    let all_passed = !result.tasks.is_empty() && result.all_passed();
    if let Some(performance) = result
        .performance
        .as_ref()
        .filter(|p| all_passed && p.max_points > 0 && p.points == p.max_points && p.ratio.is_some())
    {
        for rule in exercise.tailored.iter().filter(|r| r.when == Trigger::Fast) {
            fired.push(FollowUp {
                question: rule.ask.clone(),
                trigger: Some(Trigger::Fast),
                why: format!(
                    "every task passed and the speed earned full marks ({:.2}x the reference's time): a senior-level question",
                    performance.ratio.unwrap_or_default()
                ),
            });
        }
    }
    let passed = |id: &String| {
        result
            .tasks
            .iter()
            .any(|t| &t.id == id && t.status == Status::Pass)
    };
    let deepest = |rule: &&crate::catalog::Tailored| {
        std::cmp::Reverse(
            rule.on
                .iter()
                .filter_map(|id| exercise.tasks.iter().position(|t| &t.id == id))
                .max(),
        )
    };
    let mut passed_rules: Vec<_> = exercise
        .tailored
        .iter()
        .filter(|r| r.when == Trigger::Passed && r.on.iter().all(&passed))
        .collect();
    passed_rules.sort_by_key(deepest);
    for rule in passed_rules {
        fired.push(FollowUp {
            question: rule.ask.clone(),
            trigger: Some(Trigger::Passed),
            why: format!(
                "{} passed: a question beyond the implementation",
                rule.on
                    .iter()
                    .map(|t| format!("task `{t}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        });
    }
    let mut chosen: Vec<FollowUp> = Vec::new();
    for follow_up in fired {
        if chosen.len() < MAX_FOLLOW_UPS && chosen.iter().all(|c| c.question != follow_up.question)
        {
            chosen.push(follow_up);
        }
    }
    for question in &exercise.guide.follow_ups {
        if chosen.len() >= MIN_FOLLOW_UPS {
            break;
        }
        chosen.push(FollowUp {
            question: question.clone(),
            trigger: None,
            why: "a general question from the guide (too few specific ones fired)".to_owned(),
        });
    }
    chosen
}
