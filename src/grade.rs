//! Scoring: turns the runner's per-property verdicts into per-task statuses and points.
//! This is the one result model every report (terminal, JSON) is written from.

use serde::{Deserialize, Serialize};

use crate::catalog::{Exercise, Task};
use crate::runner::{Status, Verdict};
use mldrill_pack::Figure;

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
    /// What the properties recorded of what they measured (the pack's figures: numbers
    /// and the pack's words), drawn by the HTML report; in task and property order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub figures: Vec<Figure>,
}

/// The performance grade: the candidate's time over the reference's on the manifest's
/// benchmark, scored in bands between the manifest's full-marks and zero-marks ratios.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    pub bench: String,
    /// Candidate time / reference time (median of alternating rounds); absent when not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// The per-round ratios' lower and upper quartiles: how noisy the measurement was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spread: Option<(f64, f64)>,
    pub points: u32,
    pub max_points: u32,
    pub message: String,
}

/// How many bands the points come in: each band spans a fifth of the way from the
/// full-marks ratio to the zero-marks ratio on a log scale (at least 26% in ratio for
/// the manifests' rubrics), several times the spread measured between runs on a loaded
/// machine, so a submission graded again lands in the same band.
pub const SPEED_BANDS: u32 = 5;

impl Performance {
    /// Points for a measured ratio under `rubric`: full at or below `full_marks_ratio`,
    /// none at or above `zero_marks_ratio`, and in [`SPEED_BANDS`] equal steps of the log
    /// ratio in between (rounded down).
    pub fn scored(
        rubric: &crate::catalog::Performance,
        measured: &crate::judge::timing::Comparison,
    ) -> Self {
        let ratio = measured.ratio;
        let (full, zero) = (rubric.full_marks_ratio.max(1e-9), rubric.zero_marks_ratio);
        let span = (zero / full).ln().max(f64::EPSILON);
        let share = ((zero / ratio.max(1e-9)).ln() / span).clamp(0.0, 1.0);
        let band = (share * f64::from(SPEED_BANDS) + 1e-9).floor() as u32;
        let points = rubric.points * band.min(SPEED_BANDS) / SPEED_BANDS;
        Self {
            bench: rubric.bench.clone(),
            ratio: Some(ratio),
            spread: Some(measured.spread),
            points,
            max_points: rubric.points,
            message: format!(
                "{ratio:.2}x the reference's time (middle half of {} rounds: {:.2}x to {:.2}x; full marks at {:.2}x, none at {:.2}x)",
                measured.rounds,
                measured.spread.0,
                measured.spread.1,
                rubric.full_marks_ratio,
                rubric.zero_marks_ratio
            ),
        }
    }

    /// No points, and why.
    pub fn unscored(rubric: &crate::catalog::Performance, message: String) -> Self {
        Self {
            bench: rubric.bench.clone(),
            ratio: None,
            spread: None,
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
            figures: Vec::new(),
        }
    }

    /// Records the figures the properties drew: the first of each title, at most
    /// [`mldrill_pack::figure::MAX_FIGURES`].
    pub fn with_figures(mut self, figures: Vec<Figure>) -> Self {
        for figure in figures {
            if mldrill_pack::figure::has_room_for(&self.figures, &figure.title) {
                self.figures.push(figure);
            }
        }
        self
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
    fn performance_comes_in_bands_of_the_log_ratio() {
        let rubric = crate::catalog::Performance {
            bench: "b".into(),
            points: 10,
            full_marks_ratio: 1.25,
            zero_marks_ratio: 4.0,
        };
        let points = |ratio| {
            let measured = crate::judge::timing::Comparison::of_ratio(ratio);
            Performance::scored(&rubric, &measured).points
        };
        // Around the geometric middle of 1.25 and 4.0 (2.236): two of five bands.
        assert_eq!(
            (
                points(0.5),
                points(1.25),
                points(2.2),
                points(2.3),
                points(4.0),
                points(9.0)
            ),
            (10, 10, 4, 4, 0, 0)
        );
        // A band spans a factor of (4.0 / 1.25)^(1/5) = 1.26: a ratio measured 10% apart
        // either way stays in its band or the next, never two away.
        for k in 0..100 {
            let ratio = 1.0 + f64::from(k) * 0.04;
            assert!(points(ratio).abs_diff(points(ratio * 1.1)) <= 2, "{ratio}");
        }
    }

    #[test]
    fn figures_travel_in_the_json_and_only_when_there_are_some() {
        use mldrill_pack::figure::{Plot, Point, Strip};
        let plain = ExerciseResult {
            schema_version: SCHEMA_VERSION,
            exercise: "dataloader".into(),
            implementation: "candidate".into(),
            seed: 1,
            cases: 8,
            points: 10,
            max_points: 10,
            tasks: vec![TaskResult::new(
                &task(),
                vec![verdict(Status::Pass)],
                String::new(),
            )],
            performance: None,
            sandbox: vec![],
            figures: vec![],
        };
        let json = serde_json::to_string(&plain).unwrap();
        assert!(!json.contains("figures"), "{json}");
        let figure = Figure {
            title: "t".into(),
            caption: "c".into(),
            plot: Plot::Strip(Strip {
                x_label: "x".into(),
                y_label: "y".into(),
                columns: vec!["class 0".into()],
                groups: vec!["clean".into()],
                marked: "flagged".into(),
                points: vec![Point {
                    column: 0,
                    group: 0,
                    value: 0.25,
                    marked: true,
                }],
            }),
        };
        let drawn = plain.with_figures(vec![figure]);
        let json = serde_json::to_string(&drawn).unwrap();
        assert_eq!(
            serde_json::from_str::<ExerciseResult>(&json).unwrap(),
            drawn
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
