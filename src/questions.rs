//! The behavioural question bank: `questions/<competency>.toml`, one file per competency,
//! each with its rating rubric and its "tell me about a time" questions. [`bank`] loads and
//! checks the files; [`render`] prints them for `mldrill questions`.

pub mod bank;
pub mod render;

pub use bank::{Bank, BankError, Competency, Question, Rubric};
