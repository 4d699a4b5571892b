//! The versioned line protocol between the `mldrill` CLI and the runner child: one JSON
//! object per line on a pipe that candidate code cannot reach.
//!
//! The runner only reports; the CLI decides what passed. A property counts only when a
//! well-formed `result` record for it arrives, exactly once; a line that is not a
//! well-formed record discredits every record of that run. `done` marks a clean end.

use serde::{Deserialize, Serialize};

/// Bumped whenever a message changes shape; the CLI rejects any other version.
pub const PROTOCOL_VERSION: u32 = 2;

/// How the supervisor's exit code tells the runner's ending (CPU limit, signal).
pub use mldrill_supervisor::{EXIT_CPU_LIMIT, EXIT_SIGNAL_BASE};

/// What one property run came to, as the runner saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// The implementation hit a `todo!()`.
    NotImplemented,
    /// An allocation failed under the memory limit (libtorch's allocator reports it as
    /// an error the runner sees; Rust's own aborts the process instead).
    Memory,
}

/// One line from the runner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Message {
    /// First line: who is speaking and under which limits.
    Hello {
        protocol: u32,
        exercise: String,
        implementation: String,
        /// The limits the runner managed to apply to itself, for the report.
        sandbox: Vec<String>,
    },
    /// One property's result.
    Result {
        property: String,
        outcome: Outcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        counterexample: Option<String>,
    },
    /// A benchmark's outcome: the candidate's and the reference's time per call, and the
    /// median ratio of alternating rounds; or why it could not be measured.
    Bench {
        bench: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ratio: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        candidate_ns: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference_ns: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// Last line: every requested property was reported.
    Done {},
}

impl Message {
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("protocol messages always serialize");
        line.push('\n');
        line
    }

    pub fn from_line(line: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip() {
        let message = Message::Result {
            property: "batching/matches_reference".into(),
            outcome: Outcome::Fail,
            message: Some("got [[0]]".into()),
            counterexample: Some("(1, 1, false)".into()),
        };
        assert_eq!(Message::from_line(&message.to_line()).unwrap(), message);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        assert!(Message::from_line(r#"{"type":"done","extra":1}"#).is_err());
        assert!(
            Message::from_line(r#"{"type":"result","property":"x","outcome":"pass!"}"#).is_err()
        );
    }
}
