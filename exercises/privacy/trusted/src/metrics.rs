//! The reference's ROC metrics, with scikit-learn's tie handling: the ROC curve has one
//! point per distinct score (all records scoring at least that value are called members)
//! plus the origin; the AUC is the area under it, where a tie between a member and a
//! non-member counts one half (the Mann-Whitney U statistic over `P * N`).
//!
//! The AUC is computed from integer counts: twice the area is a sum of integers, so the
//! only rounding is the final division.

use privacy_api::PrivacyError;

/// Points `(fpr, tpr)` of the ROC curve, from the origin to `(1, 1)`, one per distinct score
/// in decreasing order after the origin, with the counts behind them.
#[derive(Debug, Clone, PartialEq)]
pub struct Roc {
    /// `(false positives, true positives)` at each point.
    pub counts: Vec<(u64, u64)>,
    pub positives: u64,
    pub negatives: u64,
}

impl Roc {
    /// `(fpr, tpr)` of each point, divided as scikit-learn divides them.
    pub fn points(&self) -> Vec<(f64, f64)> {
        self.counts
            .iter()
            .map(|&(fp, tp)| {
                (
                    fp as f64 / self.negatives as f64,
                    tp as f64 / self.positives as f64,
                )
            })
            .collect()
    }
}

/// Checks the inputs of a metric: equal lengths, every score finite, both classes present.
pub fn validate(scores: &[f64], members: &[bool]) -> Result<(), PrivacyError> {
    if scores.len() != members.len() {
        return Err(PrivacyError::LengthMismatch {
            scores: scores.len(),
            members: members.len(),
        });
    }
    if let Some(index) = scores.iter().position(|s| !s.is_finite()) {
        return Err(PrivacyError::NotFinite { index });
    }
    let positives = members.iter().filter(|&&m| m).count();
    if positives == 0 || positives == members.len() {
        return Err(PrivacyError::OneClass);
    }
    Ok(())
}

/// The ROC curve of `scores` (higher means member).
pub fn roc(scores: &[f64], members: &[bool]) -> Result<Roc, PrivacyError> {
    validate(scores, members)?;
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut counts = vec![(0u64, 0u64)];
    let (mut fp, mut tp) = (0u64, 0u64);
    for (i, &r) in order.iter().enumerate() {
        if members[r] {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_group = order
            .get(i + 1)
            .is_none_or(|&next| scores[next] != scores[r]);
        if last_of_group {
            counts.push((fp, tp));
        }
    }
    Ok(Roc {
        counts,
        positives: tp,
        negatives: fp,
    })
}

/// The area under the ROC curve (scikit-learn's `roc_auc_score`).
pub fn roc_auc(scores: &[f64], members: &[bool]) -> Result<f64, PrivacyError> {
    let curve = roc(scores, members)?;
    // Twice the trapezoid between consecutive points: (fp1 - fp0) * (tp0 + tp1).
    let twice: u128 = curve
        .counts
        .windows(2)
        .map(|w| u128::from(w[1].0 - w[0].0) * u128::from(w[0].1 + w[1].1))
        .sum();
    Ok(twice as f64 / (2.0 * curve.positives as f64 * curve.negatives as f64))
}

/// The highest true-positive rate among the curve's points whose false-positive rate is
/// at most `fpr`.
pub fn tpr_at_fpr(scores: &[f64], members: &[bool], fpr: f64) -> Result<f64, PrivacyError> {
    if !(0.0..=1.0).contains(&fpr) {
        return Err(PrivacyError::InvalidFpr);
    }
    let curve = roc(scores, members)?;
    Ok(curve
        .points()
        .into_iter()
        .filter(|&(f, _)| f <= fpr)
        .map(|(_, t)| t)
        .fold(0.0, f64::max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scikit_learns_documented_example() {
        // roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
        let auc = roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]).unwrap();
        assert_eq!(auc, 0.75);
    }

    #[test]
    fn a_tie_between_a_member_and_a_non_member_counts_one_half() {
        // Pairs (member, non-member): 0.5 vs 0.5 twice (two halves), 0.9 beats both: 3/4.
        let auc = roc_auc(&[0.5, 0.5, 0.5, 0.9], &[false, true, false, true]).unwrap();
        assert_eq!(auc, 0.75);
        // All tied: one half.
        assert_eq!(
            roc_auc(&[1.0; 4], &[true, false, false, true]).unwrap(),
            0.5
        );
    }

    #[test]
    fn tpr_is_read_at_or_below_the_fpr() {
        // Descending: 0.9 (m), 0.8 (n), 0.7 (m), 0.6 (m), 0.5 (n); 3 members, 2 not.
        // Points: (0, 0), (0, 1/3), (1/2, 1/3), (1/2, 2/3), (1/2, 1), (1, 1).
        let scores = [0.9, 0.8, 0.7, 0.6, 0.5];
        let members = [true, false, true, true, false];
        assert_eq!(tpr_at_fpr(&scores, &members, 0.0).unwrap(), 1.0 / 3.0);
        assert_eq!(tpr_at_fpr(&scores, &members, 0.49).unwrap(), 1.0 / 3.0);
        assert_eq!(tpr_at_fpr(&scores, &members, 0.5).unwrap(), 1.0);
        // A tie between a member and a non-member is one point: both or neither.
        let tied = [0.9, 0.9, 0.1];
        assert_eq!(tpr_at_fpr(&tied, &[true, false, false], 0.0).unwrap(), 0.0);
        assert_eq!(tpr_at_fpr(&tied, &[true, false, false], 0.5).unwrap(), 1.0);
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(
            roc_auc(&[1.0], &[true, false]),
            Err(PrivacyError::LengthMismatch {
                scores: 1,
                members: 2
            })
        );
        assert_eq!(
            roc_auc(&[1.0, 2.0], &[true, true]),
            Err(PrivacyError::OneClass)
        );
        assert_eq!(roc_auc(&[], &[]), Err(PrivacyError::OneClass));
        assert_eq!(
            roc_auc(&[1.0, f64::NAN], &[true, false]),
            Err(PrivacyError::NotFinite { index: 1 })
        );
        assert_eq!(
            tpr_at_fpr(&[1.0, 2.0], &[true, false], f64::NAN),
            Err(PrivacyError::InvalidFpr)
        );
    }
}
