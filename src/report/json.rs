//! The JSON report: one document per run, carrying `schema_version`; for a grade, the
//! scorecards' tailored follow-ups beside the results.

use serde_json::{Value, json};

use crate::catalog::Catalog;
use crate::grade::ExerciseResult;
use crate::grader::SubmissionResult;
use crate::scorecard::tailor;

pub fn render(result: &ExerciseResult) -> String {
    serde_json::to_string_pretty(result).expect("results always serialize")
}

/// Per submission, per exercise, the follow-up questions picked for its result and why.
pub fn scorecards(results: &[SubmissionResult], catalog: &Catalog) -> Value {
    let cards: Vec<Value> = results
        .iter()
        .map(|result| {
            let exercises: Vec<Value> = result
                .exercises
                .iter()
                .filter_map(|graded| {
                    let exercise = catalog.get(&graded.result.exercise).ok()?;
                    Some(json!({
                        "exercise": exercise.id,
                        "follow_ups": tailor::follow_ups(exercise, &graded.result),
                    }))
                })
                .collect();
            json!({ "submission": result.submission, "exercises": exercises })
        })
        .collect();
    Value::Array(cards)
}
