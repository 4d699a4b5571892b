//! `mldrill plan`: which exercises and tasks fit a time budget.
//!
//! The manifest gives one estimate per exercise (`minutes`, a senior's pace for every
//! task). A task's estimate is its share of those minutes by points, times
//! [`JUNIOR_PACE`] for a junior. Each planned exercise adds [`READING_MINUTES`] to read its
//! statement, and a sixth of the budget (at most [`MAX_DISCUSSION_MINUTES`]) is kept for the
//! guide's follow-up questions. Exercises are taken easiest first for a junior and hardest
//! first for a senior (or in the order asked for); tasks are taken in manifest order, since
//! later tasks build on earlier ones, until the next one no longer fits. On the built-in
//! exercises this gives three tasks an hour for a junior and four for a senior.

use std::fmt::Write;

use crate::catalog::{Difficulty, Exercise, Task};
use crate::cli::Level;

/// How much longer a junior takes than the manifest's estimate.
pub const JUNIOR_PACE: f64 = 1.25;
/// Minutes to read one exercise's statement.
pub const READING_MINUTES: f64 = 5.0;
/// The most minutes kept for follow-up questions.
pub const MAX_DISCUSSION_MINUTES: f64 = 15.0;

/// A proposal: exercises, each with the tasks that fit, and the time kept for discussion.
#[derive(Debug)]
pub struct Plan<'a> {
    pub minutes: u32,
    pub level: Level,
    pub exercises: Vec<Planned<'a>>,
    pub discussion: f64,
}

/// One exercise of a plan.
#[derive(Debug)]
pub struct Planned<'a> {
    pub exercise: &'a Exercise,
    /// Tasks with their estimated minutes, in manifest order.
    pub tasks: Vec<(&'a Task, f64)>,
}

impl Plan<'_> {
    /// Minutes planned, reading and discussion included.
    pub fn planned_minutes(&self) -> f64 {
        self.discussion
            + self
                .exercises
                .iter()
                .map(|p| READING_MINUTES + p.tasks.iter().map(|(_, m)| m).sum::<f64>())
                .sum::<f64>()
    }

    pub fn task_count(&self) -> usize {
        self.exercises.iter().map(|p| p.tasks.len()).sum()
    }

    pub fn points(&self) -> u32 {
        self.exercises
            .iter()
            .flat_map(|p| &p.tasks)
            .map(|(t, _)| t.points)
            .sum()
    }
}

/// A task's estimated minutes at `level`.
pub fn task_minutes(exercise: &Exercise, task: &Task, level: Level) -> f64 {
    let share = f64::from(task.points) / f64::from(exercise.total_points().max(1));
    let pace = match level {
        Level::Junior => JUNIOR_PACE,
        Level::Senior => 1.0,
    };
    f64::from(exercise.minutes) * share * pace
}

/// The exercises in the order a plan considers them: easiest first for a junior, hardest
/// first for a senior, the catalog's order among equals.
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

/// Fills `minutes` with tasks from `exercises`, considered in the order given.
pub fn plan<'a>(exercises: &[&'a Exercise], minutes: u32, level: Level) -> Plan<'a> {
    let discussion = (f64::from(minutes) / 6.0)
        .min(MAX_DISCUSSION_MINUTES)
        .round();
    let mut left = f64::from(minutes) - discussion;
    let mut planned = Vec::new();
    for &exercise in exercises {
        let mut tasks = Vec::new();
        let mut budget = left - READING_MINUTES;
        for task in &exercise.tasks {
            let estimate = task_minutes(exercise, task, level);
            if estimate > budget + 1e-9 {
                break;
            }
            budget -= estimate;
            tasks.push((task, estimate));
        }
        if !tasks.is_empty() {
            left = budget;
            planned.push(Planned { exercise, tasks });
        }
    }
    Plan {
        minutes,
        level,
        exercises: planned,
        discussion,
    }
}

/// The plan for a person: what to do in order, the minutes each step takes, and the
/// commands that start it.
pub fn render(plan: &Plan) -> String {
    let level = match plan.level {
        Level::Junior => "junior",
        Level::Senior => "senior",
    };
    let mut out = format!("A {}-minute plan at a {level}'s pace:\n", plan.minutes);
    let width = plan
        .exercises
        .iter()
        .flat_map(|p| &p.tasks)
        .map(|(t, _)| t.id.len())
        .max()
        .unwrap_or(0);
    for planned in &plan.exercises {
        let e = planned.exercise;
        let difficulty = format!("{:?}", e.difficulty).to_lowercase();
        let _ = writeln!(out, "\n  {} ({difficulty}): {}", e.id, e.title);
        let _ = writeln!(
            out,
            "    {:>3} min  read the statement: mldrill show {}",
            READING_MINUTES, e.id
        );
        for (task, minutes) in &planned.tasks {
            let _ = writeln!(
                out,
                "    {:>3} min  {:width$}  {} ({} points)",
                minutes.round(),
                task.id,
                task.title,
                task.points
            );
        }
        let left = e.tasks.len() - planned.tasks.len();
        if left > 0 {
            let _ = writeln!(out, "             ({left} more tasks if time allows)");
        }
    }
    let guides: Vec<String> = plan
        .exercises
        .iter()
        .map(|p| format!("mldrill guide {}", p.exercise.id))
        .collect();
    let _ = writeln!(
        out,
        "\n    {:>3} min  follow-up questions and the security pivot: {}",
        plan.discussion,
        guides.join(", ")
    );
    let _ = writeln!(
        out,
        "\n{:.0} of {} minutes planned: {} tasks, {} points.",
        plan.planned_minutes().round(),
        plan.minutes,
        plan.task_count(),
        plan.points()
    );
    let ids: Vec<&str> = plan
        .exercises
        .iter()
        .map(|p| p.exercise.id.as_str())
        .collect();
    let _ = writeln!(
        out,
        "\nScreen:  mldrill screen export --exercises {} --minutes {} --out <dir>",
        ids.join(","),
        plan.minutes
    );
    for planned in &plan.exercises {
        let tasks: String = planned
            .tasks
            .iter()
            .map(|(t, _)| format!(" --task {}", t.id))
            .collect();
        let _ = writeln!(
            out,
            "Study:   mldrill watch {}   (then mldrill check {}{tasks})",
            planned.exercise.id, planned.exercise.id
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::catalog::Catalog;

    fn catalog() -> Catalog {
        Catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises")).unwrap()
    }

    #[test]
    fn an_hour_of_dataloader_holds_three_tasks_for_a_junior_and_four_for_a_senior() {
        let catalog = catalog();
        let dataloader = [catalog.get("dataloader").unwrap()];
        for (level, tasks) in [(Level::Junior, 3), (Level::Senior, 4)] {
            let plan = plan(&dataloader, 60, level);
            assert_eq!(plan.task_count(), tasks, "{}", render(&plan));
            assert!(plan.planned_minutes() <= 60.0, "{}", render(&plan));
        }
    }

    #[test]
    fn a_plan_never_exceeds_its_budget_and_takes_tasks_in_order() {
        let catalog = catalog();
        let all: Vec<&Exercise> = catalog.exercises.iter().collect();
        for minutes in (10..=300).step_by(7) {
            for level in [Level::Junior, Level::Senior] {
                let plan = plan(&by_level(&all, level), minutes, level);
                assert!(plan.planned_minutes() <= f64::from(minutes) + 1e-9);
                for planned in &plan.exercises {
                    let ids: Vec<&str> = planned.tasks.iter().map(|(t, _)| t.id.as_str()).collect();
                    let first: Vec<&str> = planned.exercise.tasks[..ids.len()]
                        .iter()
                        .map(|t| t.id.as_str())
                        .collect();
                    assert_eq!(ids, first);
                }
            }
        }
    }

    #[test]
    fn a_junior_starts_with_easier_exercises_and_a_senior_with_harder_ones() {
        let catalog = catalog();
        let all: Vec<&Exercise> = catalog.exercises.iter().collect();
        let ranks = |level| {
            by_level(&all, level)
                .iter()
                .map(|e| e.difficulty as u8)
                .collect::<Vec<_>>()
        };
        assert!(ranks(Level::Junior).is_sorted());
        assert!(ranks(Level::Senior).iter().rev().is_sorted());
        assert_eq!(ranks(Level::Junior).len(), all.len());
    }
}
