//! `mldrill plan`: a whole structured interview for a panel. Each interviewer's session
//! opens with [`INTRO_MINUTES`] of introductions, ends with time for the candidate's own
//! questions, and holds 3 to 4 *questions of substance* an hour in between: a hands-on task
//! counts as one, a behavioural question from the bank ([`QUESTION_MINUTES`] with its
//! follow-ups) as another. The hands-on part (reading the statement, the tasks that fit, a
//! debrief with the follow-ups the grade picks) runs in the first session, or in the
//! sessions the `--exercise` pins name. Questions never repeat across the panel and spread
//! over competencies; a seed draws them, so the same seed gives the same plan.
//!
//! [`session`] fits one session's time; [`questions`] draws the questions; [`render`]
//! prints the kits.

pub mod questions;
pub mod render;
pub mod session;

use serde::Serialize;

use crate::catalog::{Difficulty, Exercise};
use crate::level::Level;
use crate::questions::{Bank, Competency, Question};

/// The version of the JSON document `mldrill plan --format json` prints.
pub const SCHEMA_VERSION: u32 = 1;
/// Minutes to introduce the interviewer and the format.
pub const INTRO_MINUTES: u32 = 5;
/// Minutes of one behavioural question with its follow-ups.
pub const QUESTION_MINUTES: u32 = 10;
/// Minutes to read one exercise's statement.
pub const READING_MINUTES: u32 = 5;
/// Minutes, at least, to debrief the hands-on part with the grade's tailored follow-ups.
pub const DEBRIEF_MINUTES: u32 = 5;
/// How much longer a junior takes than the manifest's estimate.
pub const JUNIOR_PACE: f64 = 1.25;

/// What the interviewer asked for, checked against the catalog and the bank.
#[derive(Debug)]
pub struct Request<'a> {
    /// Minutes of each interviewer's session.
    pub minutes: u32,
    pub level: Level,
    pub interviewers: u32,
    /// Exercises pinned with `--exercise`, in order; empty lets the planner choose.
    pub exercises: Vec<&'a Exercise>,
    /// Competencies pinned with `--competency`: each gets one question.
    pub competencies: Vec<&'a Competency>,
    pub seed: u64,
}

/// A planned interview: one session per interviewer, and why the time is split so.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub schema_version: u32,
    pub minutes: u32,
    pub level: Level,
    pub interviewers: u32,
    pub seed: u64,
    /// Why the time is split as it is, one sentence each.
    pub why: Vec<String>,
    pub sessions: Vec<Session>,
}

/// One interviewer's session, in the order it runs.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    /// 1-based.
    pub interviewer: u32,
    pub blocks: Vec<Block>,
}

/// A stretch of a session.
#[derive(Debug, Clone, Serialize)]
pub struct Block {
    /// Minutes from the start of the session.
    pub start: u32,
    pub minutes: u32,
    #[serde(flatten)]
    pub kind: BlockKind,
}

/// What happens in a [`Block`].
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BlockKind {
    Introduction,
    /// The candidate reads an exercise's statement.
    Reading {
        exercise: String,
    },
    /// One hands-on task, at the level's pace.
    Task {
        exercise: String,
        task: String,
        title: String,
        points: u32,
    },
    /// Grade the hands-on work and ask the scorecard's tailored follow-ups.
    Debrief {
        exercises: Vec<String>,
    },
    /// A behavioural question from the bank.
    Question {
        competency: String,
        competency_title: String,
        question: Question,
        /// Why this question was chosen.
        why: String,
    },
    /// The candidate asks their own questions.
    CandidateQuestions,
}

impl Plan {
    /// The questions of substance in a session: tasks and behavioural questions.
    pub fn substance(session: &Session) -> usize {
        session
            .blocks
            .iter()
            .filter(|b| matches!(b.kind, BlockKind::Task { .. } | BlockKind::Question { .. }))
            .count()
    }

    /// Every behavioural question of the panel, session by session.
    pub fn questions(&self) -> impl Iterator<Item = (u32, &str, &Question)> {
        self.sessions.iter().flat_map(|s| {
            s.blocks.iter().filter_map(move |b| match &b.kind {
                BlockKind::Question {
                    competency,
                    question,
                    ..
                } => Some((s.interviewer, competency.as_str(), question)),
                _ => None,
            })
        })
    }

    /// The exercises of the hands-on part, in the order they run.
    pub fn exercises(&self) -> Vec<&str> {
        self.sessions
            .iter()
            .flat_map(|s| &s.blocks)
            .filter_map(|b| match &b.kind {
                BlockKind::Reading { exercise } => Some(exercise.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Minutes the candidate spends on the hands-on part: reading and tasks.
    pub fn hands_on_minutes(&self) -> u32 {
        self.sessions
            .iter()
            .flat_map(|s| &s.blocks)
            .filter(|b| matches!(b.kind, BlockKind::Reading { .. } | BlockKind::Task { .. }))
            .map(|b| b.minutes)
            .sum()
    }
}

pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::Junior => "junior",
        Level::Senior => "senior",
    }
}

/// A task's estimated minutes at `level`: its share, by points, of the exercise's minutes
/// (times [`JUNIOR_PACE`] for a junior), rounded up to whole minutes.
pub fn task_minutes(exercise: &Exercise, task: &crate::catalog::Task, level: Level) -> u32 {
    let share = f64::from(task.points) / f64::from(exercise.total_points().max(1));
    let pace = match level {
        Level::Junior => JUNIOR_PACE,
        Level::Senior => 1.0,
    };
    (f64::from(exercise.minutes) * share * pace - 1e-9).ceil() as u32
}

/// The exercises in the order an unpinned plan considers them: easiest first for a junior,
/// hardest first for a senior, the catalog's order among equals.
pub fn by_level<'a>(exercises: &[&'a Exercise], level: Level) -> Vec<&'a Exercise> {
    let rank = |d: Difficulty| match d {
        Difficulty::Easy => 0,
        Difficulty::Medium => 1,
        Difficulty::Hard => 2,
    };
    let mut ordered = exercises.to_vec();
    ordered.sort_by_key(|e| match level {
        Level::Junior => rank(e.difficulty),
        Level::Senior => 2 - rank(e.difficulty),
    });
    ordered
}

/// Plans the interview, or says why the request cannot be met and what to change.
pub fn plan<'a>(
    request: &Request<'a>,
    catalog_exercises: &[&'a Exercise],
    bank: &'a Bank,
) -> Result<Plan, String> {
    let level = level_name(request.level);
    let n = request.interviewers as usize;
    let mut why = vec![format!(
        "Each interviewer has {} minutes: {INTRO_MINUTES} to introduce themselves and the format, {} at the end for the candidate's own questions, and {} of substance. Structured interviews hold 3 to 4 questions of substance an hour ({} to {} in {} minutes): a hands-on task counts as one, a behavioural question takes {QUESTION_MINUTES} minutes with its follow-ups.",
        request.minutes,
        session::candidate_minutes(request.minutes),
        session::substance_minutes(request.minutes),
        session::substance_range(request.minutes).start(),
        session::substance_range(request.minutes).end(),
        request.minutes,
    )];
    // Which exercises run in which session.
    let mut assigned: Vec<Vec<&Exercise>> = vec![Vec::new(); n];
    if request.exercises.is_empty() {
        let mut skipped = Vec::new();
        for exercise in by_level(catalog_exercises, request.level) {
            match session::fit(&[exercise], request.minutes, request.level) {
                Ok(_) => {
                    assigned[0].push(exercise);
                    break;
                }
                Err(_) => skipped.push(session::needs(
                    &[exercise],
                    request.minutes,
                    request.level,
                    &exercise.id,
                )),
            }
        }
        let order = match request.level {
            Level::Junior => "easiest",
            Level::Senior => "hardest",
        };
        match assigned[0].first() {
            Some(e) => why.push(format!(
                "The hands-on exercise is {}, the {order} exercise whose first tasks fit one session at a {level}'s pace{}; pin another with --exercise.",
                e.id,
                if skipped.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", skipped.join("; "))
                }
            )),
            None => why.push(format!(
                "No exercise fits a {}-minute session at a {level}'s pace ({}), so the plan holds behavioural questions only.",
                request.minutes,
                skipped.join("; ")
            )),
        }
    } else {
        for (i, exercise) in request.exercises.iter().enumerate() {
            assigned[i % n].push(*exercise);
        }
        why.push(
            match (request.exercises.len(), n) {
                (1, _) => "The pinned exercise runs in the first session.",
                (_, 1) => "The pinned exercises run in the first session.",
                _ => "The pinned exercises run one per session, in the order given, starting with the first.",
            }
            .to_owned(),
        );
    }
    let mut shapes = Vec::with_capacity(n);
    for (i, exercises) in assigned.iter().enumerate() {
        let shape = session::fit(exercises, request.minutes, request.level).map_err(|reason| {
            let ids: Vec<&str> = exercises.iter().map(|e| e.id.as_str()).collect();
            let what = if ids.is_empty() {
                "an interview".to_owned()
            } else {
                format!("--exercise {}", ids.join(" --exercise "))
            };
            format!(
                "cannot plan session {}: {reason}; {}",
                i + 1,
                session::needs(exercises, request.minutes, request.level, &what)
            )
        })?;
        shapes.push(shape);
    }
    for (i, (shape, exercises)) in shapes.iter().zip(&assigned).enumerate() {
        if !exercises.is_empty() {
            why.push(shape.explain(i + 1, exercises, request.level));
        }
    }
    let drawn = questions::draw(bank, &shapes, &assigned, request)?;
    let competencies: std::collections::BTreeSet<&str> = drawn
        .iter()
        .flatten()
        .map(|(c, _, _)| c.id.as_str())
        .collect();
    why.push(format!(
        "No question repeats across the panel; each interviewer covers different competencies, {} of the bank's {} in all. Seed {} drew the questions: --seed {} gives this plan again.",
        competencies.len(),
        bank.competencies.len(),
        request.seed,
        request.seed
    ));
    let sessions = shapes
        .iter()
        .zip(&assigned)
        .zip(drawn)
        .enumerate()
        .map(|(i, ((shape, exercises), questions))| {
            shape.blocks(i as u32 + 1, exercises, questions, request.minutes)
        })
        .collect();
    Ok(Plan {
        schema_version: SCHEMA_VERSION,
        minutes: request.minutes,
        level: request.level,
        interviewers: request.interviewers,
        seed: request.seed,
        why,
        sessions,
    })
}

#[cfg(test)]
mod tests;
