//! Scoring: turns the runner's per-property verdicts into per-task statuses and points.
//! This is the one result model every report (terminal, JSON) is written from.

use serde::{Deserialize, Serialize};

use crate::catalog::{Exercise, Task};
use crate::runner::{Status, Verdict};

/// The version of the JSON document [`ExerciseResult`] serializes to.
pub const SCHEMA_VERSION: u32 = 1;

/// One task's grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub points: u32,
    pub max_points: u32,
    pub properties: Vec<Verdict>,
    /// What the runner printed while grading this task, capped.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub output: String,
}

/// One exercise's grade for one implementation and seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExerciseResult {
    pub schema_version: u32,
    pub exercise: String,
    pub implementation: String,
    pub seed: u64,
    pub cases: u32,
    pub points: u32,
    pub max_points: u32,
    pub tasks: Vec<TaskResult>,
    /// The benchmark against the reference, when it was graded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance: Option<Performance>,
    /// The limits the runner reported it applied (resource limits, namespaces, cgroup,
    /// filesystem confinement), or why one was not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sandbox: Vec<String>,
}

/// The performance grade: the candidate's time over the reference's on the manifest's
/// benchmark, scored linearly between the manifest's full-marks and zero-marks ratios.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    pub bench: String,
    /// Candidate time / reference time (median of alternating rounds); absent when not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    pub points: u32,
    pub max_points: u32,
    pub message: String,
}

impl Performance {
    /// Points for `ratio` under `rubric`: full at or below `full_marks_ratio`, none at or
    /// above `zero_marks_ratio`, linear in between (rounded down).
    pub fn scored(rubric: &crate::catalog::Performance, ratio: f64) -> Self {
        let span = (rubric.zero_marks_ratio - rubric.full_marks_ratio).max(f64::EPSILON);
        let share = ((rubric.zero_marks_ratio - ratio) / span).clamp(0.0, 1.0);
        let points = (f64::from(rubric.points) * share).floor() as u32;
        Self {
            bench: rubric.bench.clone(),
            ratio: Some(ratio),
            points,
            max_points: rubric.points,
            message: format!(
                "{ratio:.2}x the reference's time (full marks at {:.2}x, none at {:.2}x)",
                rubric.full_marks_ratio, rubric.zero_marks_ratio
            ),
        }
    }

    /// No points, and why.
    pub fn unscored(rubric: &crate::catalog::Performance, message: String) -> Self {
        Self {
            bench: rubric.bench.clone(),
            ratio: None,
            points: 0,
            max_points: rubric.points,
            message,
        }
    }
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
            performance: None,
            sandbox: Vec::new(),
        }
    }

    /// Records the limits the runner applied.
    pub fn with_sandbox(mut self, sandbox: Vec<String>) -> Self {
        self.sandbox = sandbox;
        self
    }

    /// Adds the performance grade to the points.
    pub fn with_performance(mut self, performance: Performance) -> Self {
        self.points += performance.points;
        self.max_points += performance.max_points;
        self.performance = Some(performance);
        self
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
    fn performance_is_linear_between_the_manifest_ratios() {
        let rubric = crate::catalog::Performance {
            bench: "b".into(),
            points: 10,
            full_marks_ratio: 1.25,
            zero_marks_ratio: 4.0,
        };
        let points = |ratio| Performance::scored(&rubric, ratio).points;
        assert_eq!(
            (
                points(0.5),
                points(1.25),
                points(2.625),
                points(4.0),
                points(9.0)
            ),
            (10, 10, 5, 0, 0)
        );
    }

    #[test]
    fn a_task_with_no_verdicts_is_an_error() {
        assert_eq!(
            TaskResult::new(&task(), vec![], String::new()).status,
            Status::Error
        );
    }
}
