//! Reporters over the result models of [`crate::grade`] and [`crate::grader`]: a table
//! for people, versioned JSON for machines, JUnit XML for CI, a Markdown scorecard for
//! interviewers, a CSV summary for a batch, and an HTML page with plots. Candidate text
//! goes through [`escape`] in every one of them.

pub mod csv;
pub use crate::escape;
pub mod files;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
