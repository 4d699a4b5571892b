//! The poisoned-sample detection exercise's API: spectral-signature scores, per-class
//! detection within a removal budget, label-error detection by confident learning, and a
//! robust detector for poison too rare for plain spectral scores.
//!
//! Representations are the rows of an `n x d` matrix (one sample per row, typically a
//! network's penultimate-layer activations); labels are class ids, one per row. The
//! statement (`exercises/poison/README.md`) gives every rule with examples.

use ndarray::{Array1, ArrayView2};

/// What went wrong, for inputs a well-behaved detector must reject rather than panic on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoisonError {
    /// The number of labels differs from the number of rows.
    #[error("{rows} rows but {labels} labels")]
    ShapeMismatch { rows: usize, labels: usize },
    /// A value is NaN or infinite.
    #[error("the value at row {row}, column {column} is not finite")]
    NotFinite { row: usize, column: usize },
    /// The expected poison fraction is not in `[0, 1)` (NaN included).
    #[error("the expected poison fraction must lie in [0, 1)")]
    InvalidFraction,
    /// A label is not a column of the predicted probabilities.
    #[error("label {label} at row {row} has no column among {classes} classes")]
    UnknownLabel {
        row: usize,
        label: usize,
        classes: usize,
    },
    /// A row of predicted probabilities has a negative entry.
    #[error("row {row} of the predicted probabilities has a negative entry")]
    NotAProbability { row: usize },
}

/// The most samples of a class of `class_size` samples a detector may flag when the
/// expected poison fraction is `eps`: `ceil(1.5 * eps * class_size)`, Tran et al.'s
/// removal budget. Zero when `eps` is zero; never more than the class. A product that
/// lands within a few ulps above a whole number counts as that number, so that
/// `1.5 * 0.1 * 100` (15.000000000000002 in floating point) gives 15, not 16.
pub fn removal_budget(eps: f64, class_size: usize) -> usize {
    let product = 1.5 * eps * class_size as f64;
    let budget = (product - product.abs() * 4.0 * f64::EPSILON).ceil();
    if budget.is_nan() || budget <= 0.0 {
        0
    } else {
        (budget as usize).min(class_size)
    }
}

/// The candidate's poison detector. Each method belongs to one task of the exercise; see
/// the exercise's README for the full statement of each. Every method that returns
/// sample indices returns them ascending, each at most once.
pub trait PoisonDetector {
    /// Task `spectral`: the spectral-signature outlier score of every row, for rows that
    /// all belong to one class. Centre the rows on their mean, take the top right singular
    /// vector `v` of the centred matrix, and score row `i` by `((r_i - mean) . v)^2`
    /// (Tran, Li and Madry, 2018). All scores are zero when every row is the same.
    fn spectral_scores(&self, representations: ArrayView2<f32>)
    -> Result<Array1<f64>, PoisonError>;

    /// Task `detect` (also graded end to end, task `end_to_end`): the samples to remove.
    /// Per class (the distinct values of `labels`), flag at most
    /// [`removal_budget`]`(eps, class size)` samples, the most suspicious ones.
    fn detect(
        &self,
        representations: ArrayView2<f32>,
        labels: &[usize],
        eps: f64,
    ) -> Result<Vec<usize>, PoisonError>;

    /// Task `label_errors`: the samples whose given label is probably wrong, by confident
    /// learning (Northcutt et al., 2021) from out-of-sample predicted probabilities
    /// (`n x classes`, one row per sample): the off-diagonal of the confident joint.
    fn label_issues(
        &self,
        labels: &[usize],
        pred_probs: ArrayView2<f64>,
    ) -> Result<Vec<usize>, PoisonError>;

    /// Task `hard_mode`: like [`PoisonDetector::detect`], with the same budget, for poison
    /// that is a small fraction of its class and hides under the class's own large
    /// variance, where plain spectral scores find nothing.
    fn detect_robust(
        &self,
        representations: ArrayView2<f32>,
        labels: &[usize],
        eps: f64,
    ) -> Result<Vec<usize>, PoisonError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_the_ceiling_of_one_and_a_half_eps_n() {
        assert_eq!(removal_budget(0.1, 100), 15);
        assert_eq!(removal_budget(0.1, 101), 16);
        assert_eq!(removal_budget(0.1, 1000), 150);
        assert_eq!(removal_budget(0.2, 10), 3);
        assert_eq!(removal_budget(0.01, 10), 1);
        assert_eq!(removal_budget(0.0, 100), 0);
        assert_eq!(removal_budget(0.05, 1), 1);
        assert_eq!(removal_budget(0.9, 10), 10);
        assert_eq!(removal_budget(f64::NAN, 10), 0);
        assert_eq!(removal_budget(0.3, 0), 0);
    }
}
