//! The exit codes every command shares, so that scripts can tell a failed check from a
//! wrong command line.

/// Every task passed.
pub const EXIT_PASSED: u8 = 0;
/// Some task did not pass (failed, not implemented, timed out, crashed, did not build).
pub const EXIT_NOT_PASSED: u8 = 1;
/// The request was wrong or the environment is missing something.
pub const EXIT_USAGE: u8 = 2;
