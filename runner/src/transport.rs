//! How a proxy reaches the process it forwards calls to. The judge implements it with
//! its own clock and limits; the proxies only encode calls and decode replies.

use std::io::Read;

/// A channel to one call server.
pub trait Transport {
    /// Sends one encoded call and returns its encoded reply. When the call did not
    /// complete (the candidate's code panicked, the process died or ran out of time) it
    /// does not return: it panics with a message that says what happened, which the
    /// property running the call reports.
    fn call(&self, call: Vec<u8>) -> Vec<u8>;

    /// Like [`Transport::call`], for a call that reads `input` while it runs: the server's
    /// reads are answered from `input`, errors included.
    fn call_reading(&self, call: Vec<u8>, input: &mut dyn Read) -> Vec<u8>;

    /// Several encoded calls answered in order by one request; fails like
    /// [`Transport::call`] when any does not complete.
    fn call_batch(&self, calls: Vec<Vec<u8>>) -> Vec<Vec<u8>>;

    /// Like [`Transport::call`], but never panics: `None` when the call did not complete.
    /// For calls made while dropping a proxy object.
    fn call_quietly(&self, call: Vec<u8>) -> Option<Vec<u8>>;
}

/// Fails the call in progress: the server answered something that is not a reply to it.
/// The candidate's process wrote it, so it is the candidate's failure.
pub fn broken(what: impl std::fmt::Display) -> ! {
    panic!("the candidate's process gave a malformed answer: {what}")
}

/// Decodes a reply, or fails the call (see [`broken`]).
pub fn decode_reply<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> T {
    crate::envelope::decode(bytes).unwrap_or_else(|why| broken(why))
}
