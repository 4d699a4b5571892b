//! A benchmark's work as the judge times it: calls that store the inputs once, one timed
//! call per input, and the task's own measure of whether each reply is right (a fast wrong
//! or remembered answer earns nothing).

/// Whether the encoded reply to input `i` is right, by the task's own measure.
pub type Check = Box<dyn Fn(usize, &[u8]) -> Result<(), String>>;

/// One benchmark's work, encoded in the exercise's call protocol.
pub struct Bench {
    /// Encoded calls that store the inputs, sent to each server once.
    pub setup: Vec<Vec<u8>>,
    /// One encoded timed call per input.
    pub calls: Vec<Vec<u8>>,
    /// Whether the encoded reply to input `i` is right.
    pub check: Check,
}
