//! What a privacy method returns instead of panicking on input it cannot use.

/// Input a well-behaved implementation rejects with this error rather than a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrivacyError {
    /// Named weights that do not make an [`crate::Mlp`]: a missing or unknown name, a
    /// wrong dtype, shapes that do not fit together, a value that is not finite.
    #[error("not a model of this exercise's architecture: {reason}")]
    BadModel { reason: String },
    /// Features and labels that do not fit the model or each other.
    #[error("bad records: {reason}")]
    BadRecords { reason: String },
    /// `scores` and `members` differ in length.
    #[error("{scores} scores but {members} membership flags")]
    LengthMismatch { scores: usize, members: usize },
    /// The metric needs at least one member and one non-member.
    #[error("the metric needs at least one member and one non-member")]
    OneClass,
    /// The score at `index` is NaN or infinite.
    #[error("score {index} is not finite")]
    NotFinite { index: usize },
    /// A false-positive rate outside `[0, 1]`, or NaN.
    #[error("the false-positive rate must lie in [0, 1]")]
    InvalidFpr,
    /// A clipping norm, noise multiplier or training setting out of its range.
    #[error("invalid setting: {reason}")]
    InvalidSetting { reason: String },
}
