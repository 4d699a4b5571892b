//! The JUnit XML report for CI systems: a test suite per exercise, a test case per
//! property, named `<task>/<property>`.

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::grader::SubmissionResult;
use crate::runner::Status;

pub fn render(results: &[SubmissionResult]) -> String {
    let mut report = Report::new("mldrill");
    for submission in results {
        let seeded = |suite: &mut TestSuite| {
            suite.add_property(Property::new("seed", submission.seed.to_string()));
            suite.add_property(Property::new("seed_source", submission.seed_source.clone()));
            for warning in &submission.warnings {
                suite.add_property(Property::new("warning", warning.clone()));
            }
            suite.add_property(Property::new("candidate", submission.candidate.clone()));
            for flag in &submission.similar {
                suite.add_property(Property::new("similar", flag.to_string()));
            }
        };
        if let Some(error) = &submission.error {
            let mut suite = TestSuite::new(submission.submission.clone());
            seeded(&mut suite);
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(error.clone());
            suite.add_test_case(TestCase::new("submission", status));
            report.add_test_suite(suite);
        }
        for exercise in &submission.exercises {
            let mut suite = TestSuite::new(format!(
                "{}::{}",
                submission.submission, exercise.result.exercise
            ));
            seeded(&mut suite);
            for task in &exercise.result.tasks {
                for verdict in &task.properties {
                    let status = match verdict.status {
                        Status::Pass => TestCaseStatus::success(),
                        other => {
                            let kind = match other {
                                Status::Fail | Status::NotImplemented | Status::Rejected => {
                                    NonSuccessKind::Failure
                                }
                                _ => NonSuccessKind::Error,
                            };
                            let mut status = TestCaseStatus::non_success(kind);
                            status.set_type(other.as_str());
                            status.set_message(verdict.message.clone().unwrap_or_default());
                            if let Some(example) = &verdict.counterexample {
                                status.set_description(format!(
                                    "minimal counterexample: {example}\nseed: {}",
                                    submission.seed
                                ));
                            }
                            status
                        }
                    };
                    let mut case = TestCase::new(verdict.property.clone(), status);
                    case.set_classname(format!("{}::{}", exercise.result.exercise, task.id));
                    suite.add_test_case(case);
                }
            }
            report.add_test_suite(suite);
        }
    }
    report.to_string().expect("JUnit reports always serialize")
}
