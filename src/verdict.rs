//! How one property ended: the status the judge decided and what it says about it. The
//! judge produces verdicts, the runner carries them, grades and reports read them.

use serde::{Deserialize, Serialize};

/// How one property ended, as the CLI decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    NotImplemented,
    Fail,
    /// The source policy rejected the code; it was not built.
    Rejected,
    /// The wall-clock or CPU limit was hit.
    Timeout,
    /// The memory limit was hit.
    Memory,
    /// The runner died (signal, abort, stack overflow) or broke the protocol.
    Crashed,
    /// The harness could not run the property at all (for example, a build failure).
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::NotImplemented => "not_implemented",
            Status::Fail => "fail",
            Status::Rejected => "rejected",
            Status::Timeout => "timeout",
            Status::Memory => "memory",
            Status::Crashed => "crashed",
            Status::Error => "error",
        }
    }
}

/// The verdict on one property.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub property: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<String>,
}
