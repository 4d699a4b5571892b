//! Statistical checks whose false-alarm rate is bounded by construction, not by an
//! asymptotic approximation: each cell count of a multinomial sample is tested with
//! Bernstein's inequality, and a union bound over cells caps the chance that a correct
//! implementation ever fails at `alpha`.

/// The chance a correct implementation fails one statistical property, at most.
pub const FALSE_ALARM: f64 = 1e-9;

/// The deviation `t` from the expected count `mean = trials * p` that a sum of `trials`
/// Bernoulli(`p`) variables exceeds with probability at most `2 exp(-t^2 / (2 (mean + t/3)))`
/// (Bernstein); solved for the bound equal to `alpha_per_cell`.
pub fn bernstein_threshold(mean: f64, alpha_per_cell: f64) -> f64 {
    let l = (2.0 / alpha_per_cell).ln();
    // t^2 - (2l/3) t - 2 l mean = 0, positive root.
    let b = 2.0 * l / 3.0;
    (b + (b * b + 8.0 * l * mean).sqrt()) / 2.0
}

/// Checks that `counts` (one per equally likely outcome, summing to the number of
/// trials) are consistent with a uniform distribution. On failure, says which outcome
/// strayed furthest and by how much.
pub fn check_uniform(counts: &[u64], alpha: f64) -> Result<(), String> {
    let trials: u64 = counts.iter().sum();
    let cells = counts.len() as f64;
    let mean = trials as f64 / cells;
    let threshold = bernstein_threshold(mean, alpha / cells);
    let (worst, deviation) = counts
        .iter()
        .map(|&c| (c as f64 - mean).abs())
        .enumerate()
        .fold(
            (0, 0.0),
            |best, (i, d)| if d > best.1 { (i, d) } else { best },
        );
    if deviation > threshold {
        return Err(format!(
            "outcome #{worst} came up {} times in {trials} trials, expected {mean:.0} +- {threshold:.0} \
             (false-alarm rate of this check <= {alpha:e})",
            counts[worst]
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_uniform_counts_pass() {
        assert!(check_uniform(&[100; 24], FALSE_ALARM).is_ok());
    }

    #[test]
    fn one_outcome_never_seen_fails() {
        let mut counts = [2000u64; 24];
        counts[3] = 0;
        let err = check_uniform(&counts, FALSE_ALARM).unwrap_err();
        assert!(err.contains("outcome #3"), "{err}");
    }

    #[test]
    fn threshold_meets_the_bound_it_claims() {
        let (mean, alpha) = (1000.0, 1e-9 / 24.0);
        let t = bernstein_threshold(mean, alpha);
        let bound = 2.0 * (-t * t / (2.0 * (mean + t / 3.0))).exp();
        assert!(
            (bound - alpha).abs() / alpha < 1e-6,
            "bound {bound} vs {alpha}"
        );
    }
}
