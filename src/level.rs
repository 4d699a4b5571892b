//! The seniority an interview is planned, asked and scored for.

/// Whose pace a plan assumes and whose answers it describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 1.25 times the manifest's minutes.
    Junior,
    /// The manifest's minutes.
    Senior,
}
