//! One interviewer's session: how its minutes split between introductions, the hands-on
//! part (reading, tasks, debrief), behavioural questions and the candidate's own
//! questions, so that it holds 3 to 4 questions of substance an hour.

use std::ops::RangeInclusive;

use super::{
    Block, BlockKind, DEBRIEF_MINUTES, INTRO_MINUTES, QUESTION_MINUTES, READING_MINUTES, Session,
    level_name, task_minutes,
};
use crate::catalog::{Exercise, Task};
use crate::level::Level;
use crate::questions::{Competency, Question};

/// The longest session `needs` looks at when it searches for one that fits.
pub const LONGEST_SESSION: u32 = 240;

/// Minutes kept at the end for the candidate's own questions.
pub fn candidate_minutes(minutes: u32) -> u32 {
    if minutes < 60 { 5 } else { 10 }
}

/// Minutes left for questions of substance.
pub fn substance_minutes(minutes: u32) -> u32 {
    minutes.saturating_sub(INTRO_MINUTES + candidate_minutes(minutes))
}

/// How many questions of substance a session holds: 3 to 4 an hour, and never fewer
/// than 3 to 4, however short.
pub fn substance_range(minutes: u32) -> RangeInclusive<usize> {
    let per_hour = |n: f64| (n * f64::from(minutes) / 60.0).round() as usize;
    per_hour(3.0).max(3)..=per_hour(4.0).max(4)
}

/// The shape of a session: the tasks of each of its exercises, its behavioural questions'
/// minutes, and the debrief.
#[derive(Debug, Clone)]
pub struct Shape<'a> {
    /// Per exercise of the session, the tasks that fit with their minutes, in order.
    pub tasks: Vec<Vec<(&'a Task, u32)>>,
    /// The minutes of each behavioural question.
    pub questions: Vec<u32>,
    /// Minutes to debrief the hands-on part; 0 without one.
    pub debrief: u32,
}

impl<'a> Shape<'a> {
    pub fn task_count(&self) -> usize {
        self.tasks.iter().map(Vec::len).sum()
    }

    /// One sentence: how the hands-on part of session `number` was sized.
    pub fn explain(&self, number: usize, exercises: &[&Exercise], level: Level) -> String {
        let parts: Vec<String> = exercises
            .iter()
            .zip(&self.tasks)
            .map(|(e, tasks)| {
                let minutes: u32 = tasks.iter().map(|(_, m)| m).sum();
                let left = e.tasks.len() - tasks.len();
                let rest = match left {
                    0 => String::new(),
                    1 => ", the last task left out".to_owned(),
                    n => format!(", its last {n} tasks left out"),
                };
                format!(
                    "{} minutes to read {}'s statement, {} at a {}'s pace ({minutes} minutes: a task's share, by points, of the exercise's {} minutes{}){rest}",
                    READING_MINUTES,
                    e.id,
                    plural(tasks.len(), "task"),
                    level_name(level),
                    e.minutes,
                    if level == Level::Junior { ", times 1.25" } else { "" },
                )
            })
            .collect();
        format!(
            "Session {number} runs the hands-on part: {}, then {} minutes to grade the work and ask the follow-ups the scorecard picks for the result. Tasks are taken in order, since later ones build on earlier ones.",
            parts.join("; "),
            self.debrief
        )
    }

    /// The session's timeline.
    pub fn blocks(
        &self,
        interviewer: u32,
        exercises: &[&Exercise],
        questions: Vec<(&Competency, &Question, String)>,
        minutes: u32,
    ) -> Session {
        let mut blocks = Vec::new();
        let mut at = 0;
        let mut push = |minutes: u32, kind: BlockKind| {
            blocks.push(Block {
                start: at,
                minutes,
                kind,
            });
            at += minutes;
        };
        push(INTRO_MINUTES, BlockKind::Introduction);
        for (exercise, tasks) in exercises.iter().zip(&self.tasks) {
            push(
                READING_MINUTES,
                BlockKind::Reading {
                    exercise: exercise.id.clone(),
                },
            );
            for (task, minutes) in tasks {
                push(
                    *minutes,
                    BlockKind::Task {
                        exercise: exercise.id.clone(),
                        task: task.id.clone(),
                        title: task.title.clone(),
                        points: task.points,
                    },
                );
            }
        }
        if !exercises.is_empty() {
            push(
                self.debrief,
                BlockKind::Debrief {
                    exercises: exercises.iter().map(|e| e.id.clone()).collect(),
                },
            );
        }
        for ((competency, question, why), minutes) in questions.into_iter().zip(&self.questions) {
            push(
                *minutes,
                BlockKind::Question {
                    competency: competency.id.clone(),
                    competency_title: competency.title.clone(),
                    question: question.clone(),
                    why,
                },
            );
        }
        push(candidate_minutes(minutes), BlockKind::CandidateQuestions);
        Session {
            interviewer,
            blocks,
        }
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Fits `exercises` (none for a behavioural-only session) into a `minutes`-long session,
/// or says why they do not fit.
pub fn fit<'a>(
    exercises: &[&'a Exercise],
    minutes: u32,
    level: Level,
) -> Result<Shape<'a>, String> {
    let substance = substance_minutes(minutes);
    let range = substance_range(minutes);
    let (low, high) = (*range.start(), *range.end());
    if exercises.is_empty() {
        let count = high.min((substance / QUESTION_MINUTES) as usize);
        if count < low {
            return Err(format!(
                "a {minutes}-minute session has {substance} minutes of substance after {INTRO_MINUTES} for introductions and {} for the candidate's questions: room for {} of {QUESTION_MINUTES} minutes, fewer than the {low} an interview needs",
                candidate_minutes(minutes),
                plural(count, "question")
            ));
        }
        return Ok(spread(Vec::new(), count, substance, false));
    }
    let level_name = level_name(level);
    let fixed = READING_MINUTES * exercises.len() as u32 + DEBRIEF_MINUTES;
    let estimates: Vec<Vec<(&Task, u32)>> = exercises
        .iter()
        .map(|e| {
            e.tasks
                .iter()
                .map(|t| (t, task_minutes(e, t, level)))
                .collect()
        })
        .collect();
    let firsts: u32 = estimates.iter().map(|tasks| tasks[0].1).sum();
    let mut best = 0;
    for questions in 1..=high.saturating_sub(exercises.len()) {
        let reserved = fixed + questions as u32 * QUESTION_MINUTES;
        if reserved + firsts > substance {
            break;
        }
        let mut budget = substance - reserved - firsts;
        let mut taken: Vec<Vec<(&Task, u32)>> = estimates.iter().map(|t| vec![t[0]]).collect();
        let mut count = exercises.len();
        for (tasks, chosen) in estimates.iter().zip(&mut taken) {
            for &(task, minutes) in &tasks[1..] {
                if minutes > budget || count + questions >= high {
                    break;
                }
                budget -= minutes;
                chosen.push((task, minutes));
                count += 1;
            }
        }
        best = best.max(count + questions);
        if count + questions >= low {
            let used: u32 = taken.iter().flatten().map(|(_, m)| m).sum();
            return Ok(spread(
                taken,
                questions,
                substance - used - READING_MINUTES * exercises.len() as u32,
                true,
            ));
        }
    }
    if fixed + QUESTION_MINUTES + firsts > substance {
        Err(format!(
            "a {minutes}-minute session at a {level_name}'s pace has {substance} minutes of substance; the first {} {firsts} minutes, and reading ({READING_MINUTES} each), the debrief ({DEBRIEF_MINUTES}) and one behavioural question ({QUESTION_MINUTES}) need {} more",
            if exercises.len() == 1 {
                "task takes"
            } else {
                "tasks take"
            },
            fixed + QUESTION_MINUTES
        ))
    } else {
        Err(format!(
            "a {minutes}-minute session at a {level_name}'s pace would hold only {best} questions of substance with this hands-on part (its tasks are long), fewer than the {low} an interview needs"
        ))
    }
}

/// Gives the minutes left after the tasks to the debrief and the questions: each
/// question at least [`QUESTION_MINUTES`], the debrief at least [`DEBRIEF_MINUTES`], the
/// rest shared evenly.
fn spread<'a>(
    tasks: Vec<Vec<(&'a Task, u32)>>,
    questions: usize,
    left: u32,
    debrief: bool,
) -> Shape<'a> {
    let base = questions as u32 * QUESTION_MINUTES + if debrief { DEBRIEF_MINUTES } else { 0 };
    let extra = left - base;
    let shares = questions as u32 + u32::from(debrief);
    let each = extra / shares.max(1);
    let remainder = extra - each * shares;
    // The remainder, a minute each, goes to the debrief first, then to the first questions.
    let mut remainder = remainder;
    let debrief = if debrief {
        let extra = remainder.min(1);
        remainder -= extra;
        DEBRIEF_MINUTES + each + extra
    } else {
        0
    };
    let minutes = (0..questions as u32)
        .map(|i| QUESTION_MINUTES + each + u32::from(i < remainder))
        .collect();
    Shape {
        tasks,
        questions: minutes,
        debrief,
    }
}

/// The shortest session, in steps of 5 minutes, that `exercises` fit, as advice.
pub fn needs(exercises: &[&Exercise], minutes: u32, level: Level, what: &str) -> String {
    let next = (minutes / 5 + 1) * 5;
    match (next..=LONGEST_SESSION)
        .step_by(5)
        .find(|&m| fit(exercises, m, level).is_ok())
    {
        Some(m) => format!(
            "{what} needs a {m}-minute session at a {}'s pace (--minutes {m})",
            level_name(level)
        ),
        None => format!(
            "{what} fits no session up to {LONGEST_SESSION} minutes; pin fewer exercises or add --interviewers"
        ),
    }
}
