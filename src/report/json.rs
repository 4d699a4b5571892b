//! The JSON report: one document per run, carrying `schema_version`.

use crate::grade::ExerciseResult;

pub fn render(result: &ExerciseResult) -> String {
    serde_json::to_string_pretty(result).expect("results always serialize")
}
