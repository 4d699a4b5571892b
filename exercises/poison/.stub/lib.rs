//! Your poison detector. Replace each `todo!()` with your implementation, then run
//! `mldrill check poison`. The statement is in `exercises/poison/README.md`; the types
//! and the contract of each method are in the `mldrill-spec` crate
//! (`mldrill_spec::poison`). You may use tch (libtorch, with LAPACK: `linalg_eigh`,
//! `linalg_svd`), ndarray and rand.

use mldrill_spec::poison::{PoisonDetector, PoisonError};
use ndarray::{Array1, ArrayView2};

/// The implementation the grader checks.
#[derive(Debug, Default, Clone, Copy)]
pub struct Candidate;

impl PoisonDetector for Candidate {
    fn spectral_scores(
        &self,
        representations: ArrayView2<f32>,
    ) -> Result<Array1<f64>, PoisonError> {
        let _ = representations;
        todo!("task spectral")
    }

    fn detect(
        &self,
        representations: ArrayView2<f32>,
        labels: &[usize],
        eps: f64,
    ) -> Result<Vec<usize>, PoisonError> {
        let _ = (representations, labels, eps);
        todo!("task detect")
    }

    fn label_issues(
        &self,
        labels: &[usize],
        pred_probs: ArrayView2<f64>,
    ) -> Result<Vec<usize>, PoisonError> {
        let _ = (labels, pred_probs);
        todo!("task label_errors")
    }

    fn detect_robust(
        &self,
        representations: ArrayView2<f32>,
        labels: &[usize],
        eps: f64,
    ) -> Result<Vec<usize>, PoisonError> {
        let _ = (representations, labels, eps);
        todo!("task hard_mode")
    }
}
