//! The interviewer's scorecard beyond the grade table: follow-up questions picked for what
//! the candidate actually did ([`tailor`]), the rating form with its rubric that each
//! interviewer fills in and that is read back ([`form`]), and the panel's decision merged
//! from several filled forms ([`merge`]).

pub mod form;
pub mod merge;
pub mod tailor;
