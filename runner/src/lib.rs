//! The call server that runs candidate code, and the encodings both sides of its pipe
//! share.
//!
//! The candidate's process computes; the judge (the `mldrill` CLI) decides. A
//! `mldrill-runner-<id>` executable (the `runner/` package of exercise `<id>`'s pack) links
//! the exercise's API and wire crates, its candidate crate and this library, nothing else:
//! no reference, no property, no seed, no grading logic. It limits
//! itself ([`sandbox`]), then answers calls ([`server`]): a trait method and its
//! arguments in, the method's result out, each framed and encoded by [`frame`] and
//! [`envelope`]. Whatever it writes is at most an answer for the judge to check.
//!
//! The judge drives the same trait through a proxy (each pack's wire crate has one, a
//! `Remote`) that forwards each call over a [`Transport`] it implements with its own clock
//! and limits.

pub mod envelope;
pub mod frame;
pub mod sandbox;
pub mod server;
pub mod transport;
pub mod wire;

pub use transport::Transport;
