//! The messages on the call pipes, around each exercise's own encoded calls and replies.
//!
//! The judge sends [`Request`]s; the server answers each with one [`Response`], except
//! that a call reading a stream first asks for its input ([`Response::Read`], answered by
//! [`Request::Data`]). Nothing here names a property, a seed or an expected value.

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

/// Bumped whenever a message changes shape; the judge refuses a server of another.
pub const PROTOCOL_VERSION: u32 = 3;

/// From the judge to the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// One call of the exercise's trait, encoded by the exercise's module.
    Call(ByteBuf),
    /// Calls run one after another and answered together by [`Response::Replies`]: timed
    /// work, so that the judge's clock sees little besides the calls.
    Batch(Vec<ByteBuf>),
    /// What the judge's stream gave for the read the server asked for.
    Data(ReadResult),
    /// Resets the heap meter's peak to the bytes allocated now.
    ResetPeak,
    /// Asks for the heap meter's peak since the last reset.
    Peak,
}

/// One read of the judge's stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ReadResult {
    /// Up to the bytes asked for; empty at the end of the stream.
    Bytes(ByteBuf),
    /// The stream failed with this `std::io::ErrorKind` (its `Debug` name).
    Error(String),
}

/// From the server to the judge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Response {
    /// First message, written before any candidate code has run: the server's protocol,
    /// its exercise, and the limits it applied to itself.
    Hello {
        protocol: u32,
        exercise: String,
        sandbox: Vec<String>,
    },
    /// The result of a [`Request::Call`], encoded by the exercise's module.
    Reply(ByteBuf),
    /// The results of a [`Request::Batch`], in order.
    Replies(Vec<ByteBuf>),
    /// The call panicked (a `todo!()` included): its message and, where known, the
    /// location in the candidate's code.
    Panicked {
        message: String,
        location: Option<String>,
    },
    /// The call in progress reads the judge's stream: at most `max` bytes, please.
    Read { max: u32 },
    /// The heap meter's peak, in bytes; `metered` is false when the meter is not the
    /// process's allocator.
    Peak { bytes: u64, metered: bool },
    /// The request was not one this server understands.
    Refused(String),
}

/// Encodes a message; messages always encode.
pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    postcard::to_stdvec(message).expect("call messages always encode")
}

/// Decodes a message, saying what was wrong with it.
pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, String> {
    postcard::from_bytes(bytes).map_err(|e| format!("undecodable message ({e})"))
}

/// `std::io::ErrorKind` by its `Debug` name and back, for the kinds a reader reports;
/// any other name reads as `Other`.
pub fn kind_name(kind: std::io::ErrorKind) -> String {
    format!("{kind:?}")
}

/// See [`kind_name`].
pub fn kind_from_name(name: &str) -> std::io::ErrorKind {
    use std::io::ErrorKind::*;
    [
        NotFound,
        PermissionDenied,
        ConnectionRefused,
        ConnectionReset,
        BrokenPipe,
        AlreadyExists,
        WouldBlock,
        InvalidInput,
        InvalidData,
        TimedOut,
        WriteZero,
        Interrupted,
        Unsupported,
        UnexpectedEof,
        OutOfMemory,
        Other,
    ]
    .into_iter()
    .find(|k| kind_name(*k) == name)
    .unwrap_or(Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip() {
        let request = Request::Batch(vec![ByteBuf::from(vec![1, 2]), ByteBuf::new()]);
        assert_eq!(decode::<Request>(&encode(&request)).unwrap(), request);
        let response = Response::Panicked {
            message: "not yet implemented".into(),
            location: Some("src/lib.rs:3:9".into()),
        };
        assert_eq!(decode::<Response>(&encode(&response)).unwrap(), response);
        assert!(decode::<Response>(&[0xff, 0xff]).is_err());
    }

    #[test]
    fn error_kinds_keep_their_names() {
        for kind in [
            std::io::ErrorKind::Interrupted,
            std::io::ErrorKind::InvalidData,
            std::io::ErrorKind::Other,
        ] {
            assert_eq!(kind_from_name(&kind_name(kind)), kind);
        }
        assert_eq!(kind_from_name("Made up"), std::io::ErrorKind::Other);
    }
}
