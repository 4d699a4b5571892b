//! The batch summary: one row per submission, one points column per exercise, with what a
//! hiring team sorts by: the candidate's name, the screen id, the time used and the
//! similarity flags. Cells of candidate text (names, errors, warnings) cannot start a
//! formula.

use crate::grader::SubmissionResult;
use crate::report::escape::csv_cell;

pub fn render(results: &[SubmissionResult], exercise_ids: &[String]) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "submission".to_owned(),
        "candidate".to_owned(),
        "screen_id".to_owned(),
        "points".to_owned(),
        "max_points".to_owned(),
        "all_passed".to_owned(),
    ];
    header.extend(exercise_ids.iter().cloned());
    header.extend([
        "seed".to_owned(),
        "grading_seconds".to_owned(),
        "error".to_owned(),
        "warnings".to_owned(),
        "minutes_taken".to_owned(),
        "minutes_allowed".to_owned(),
        "max_similarity".to_owned(),
        "similar_to".to_owned(),
    ]);
    writer.write_record(&header)?;
    for result in results {
        let mut row = vec![
            csv_cell(&result.submission).into_owned(),
            csv_cell(&result.candidate).into_owned(),
            csv_cell(result.screen_id.as_deref().unwrap_or_default()).into_owned(),
            result.points.to_string(),
            result.max_points.to_string(),
            result.all_passed().to_string(),
        ];
        for id in exercise_ids {
            let cell = result
                .exercises
                .iter()
                .find(|e| &e.result.exercise == id)
                .map(|e| e.result.points.to_string())
                .unwrap_or_default();
            row.push(cell);
        }
        row.extend([
            result.seed.to_string(),
            format!("{:.1}", result.grading_seconds),
            csv_cell(result.error.as_deref().unwrap_or_default()).into_owned(),
            csv_cell(&result.warnings.join(" | ")).into_owned(),
            result
                .minutes_taken
                .map(|m| m.to_string())
                .unwrap_or_default(),
            result
                .minutes_allowed
                .map(|m| m.to_string())
                .unwrap_or_default(),
            result
                .similar
                .iter()
                .map(|f| f.similarity)
                .reduce(f64::max)
                .map(|s| format!("{s:.2}"))
                .unwrap_or_default(),
            csv_cell(
                &result
                    .similar
                    .iter()
                    .map(|f| format!("{} ({} {:.0}%)", f.other, f.exercise, f.similarity * 100.0))
                    .collect::<Vec<_>>()
                    .join(" | "),
            )
            .into_owned(),
        ]);
        writer.write_record(&row)?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8"))
}
