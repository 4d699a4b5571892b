//! Scoring: turns the runner's per-property verdicts into per-task statuses and points.
//! This is the one result model every report (terminal, JSON) is written from.

use serde::Serialize;

use crate::catalog::{Exercise, Task};
use crate::runner::{Status, Verdict};

/// The version of the JSON document [`ExerciseResult`] serializes to.
pub const SCHEMA_VERSION: u32 = 1;

/// One task's grade.
#[derive(Debug, Clone, Serialize)]
pub struct TaskResult {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub points: u32,
    pub max_points: u32,
    pub properties: Vec<Verdict>,
    /// What the runner printed while grading this task, capped.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub output: String,
}

/// One exercise's grade for one implementation and seed.
#[derive(Debug, Clone, Serialize)]
pub struct ExerciseResult {
    pub schema_version: u32,
    pub exercise: String,
    pub implementation: String,
    pub seed: u64,
    pub cases: u32,
    pub points: u32,
    pub max_points: u32,
    pub tasks: Vec<TaskResult>,
}

impl TaskResult {
    /// A task passes when every property passes; otherwise it takes its worst status
    /// (not_implemented < fail < timeout < memory < crashed < error) and no points.
    pub fn new(task: &Task, properties: Vec<Verdict>, output: String) -> Self {
        let status = properties
            .iter()
            .map(|v| v.status)
            .max()
            .unwrap_or(Status::Error);
        Self {
            id: task.id.clone(),
            title: task.title.clone(),
            status,
            points: if status == Status::Pass {
                task.points
            } else {
                0
            },
            max_points: task.points,
            properties,
            output,
        }
    }

    /// Every property of the task gets the same verdict (a build failure, say).
    pub fn all(task: &Task, status: Status, message: &str) -> Self {
        let verdicts = task
            .properties
            .iter()
            .map(|p| Verdict {
                property: p.clone(),
                status,
                message: Some(message.to_owned()),
                counterexample: None,
            })
            .collect();
        Self::new(task, verdicts, String::new())
    }

    /// The property that decided the task's status, if it did not pass.
    pub fn first_problem(&self) -> Option<&Verdict> {
        self.properties
            .iter()
            .find(|v| v.status == self.status && v.status != Status::Pass)
    }
}

impl ExerciseResult {
    pub fn new(
        exercise: &Exercise,
        implementation: &str,
        seed: u64,
        cases: u32,
        tasks: Vec<TaskResult>,
    ) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            exercise: exercise.id.clone(),
            implementation: implementation.to_owned(),
            seed,
            cases,
            points: tasks.iter().map(|t| t.points).sum(),
            max_points: tasks.iter().map(|t| t.max_points).sum(),
            tasks,
        }
    }

    pub fn all_passed(&self) -> bool {
        self.tasks.iter().all(|t| t.status == Status::Pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task() -> Task {
        Task {
            id: "batching".into(),
            title: "Batching".into(),
            points: 10,
            properties: vec!["batching/a".into(), "batching/b".into()],
            hints: vec![],
        }
    }

    fn verdict(status: Status) -> Verdict {
        Verdict {
            property: "batching/a".into(),
            status,
            message: None,
            counterexample: None,
        }
    }

    #[test]
    fn a_task_earns_points_only_when_every_property_passes() {
        let passed = TaskResult::new(
            &task(),
            vec![verdict(Status::Pass), verdict(Status::Pass)],
            String::new(),
        );
        assert_eq!((passed.status, passed.points), (Status::Pass, 10));
        let partly = TaskResult::new(
            &task(),
            vec![verdict(Status::Pass), verdict(Status::NotImplemented)],
            String::new(),
        );
        assert_eq!((partly.status, partly.points), (Status::NotImplemented, 0));
        let failed = TaskResult::new(
            &task(),
            vec![verdict(Status::NotImplemented), verdict(Status::Fail)],
            String::new(),
        );
        assert_eq!(failed.status, Status::Fail);
        let crashed = TaskResult::new(
            &task(),
            vec![verdict(Status::Crashed), verdict(Status::Timeout)],
            String::new(),
        );
        assert_eq!(crashed.status, Status::Crashed);
    }

    #[test]
    fn a_task_with_no_verdicts_is_an_error() {
        assert_eq!(
            TaskResult::new(&task(), vec![], String::new()).status,
            Status::Error
        );
    }
}
