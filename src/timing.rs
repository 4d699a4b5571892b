//! Timing a candidate against the reference inside the runner: the two run in alternating
//! rounds on the same inputs, so that the machine's noise hits both alike, and the score
//! is the median of the per-round time ratios.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use crate::suite::panic_message;

/// Rounds of (candidate, reference); the median ratio over them is reported.
const ROUNDS: usize = 9;
/// Roughly how long the reference runs in one round.
const ROUND_TARGET: Duration = Duration::from_millis(40);

/// Mean nanoseconds per call of each side, and the median per-round ratio.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub candidate_ns: f64,
    pub reference_ns: f64,
    /// Candidate time over reference time: 1.0 is as fast, 2.0 twice as slow.
    pub ratio: f64,
}

fn time(work: &mut dyn FnMut(), iterations: u32) -> Result<f64, String> {
    let started = Instant::now();
    catch_unwind(AssertUnwindSafe(|| {
        for _ in 0..iterations {
            work();
        }
    }))
    .map_err(|payload| panic_message(payload.as_ref()))?;
    Ok(started.elapsed().as_nanos() as f64 / f64::from(iterations))
}

/// Compares `candidate` with `reference`; an error when either panics.
pub fn compare(
    candidate: &mut dyn FnMut(),
    reference: &mut dyn FnMut(),
) -> Result<Comparison, String> {
    time(reference, 1)?;
    time(candidate, 1).map_err(|e| format!("the candidate failed on the benchmark input: {e}"))?;
    let once = time(reference, 3)?.max(1.0);
    let iterations = ((ROUND_TARGET.as_nanos() as f64 / once) as u32).clamp(1, 1_000_000);
    let (mut ratios, mut candidate_total, mut reference_total) =
        (Vec::with_capacity(ROUNDS), 0.0, 0.0);
    for round in 0..ROUNDS {
        // Alternate which side goes first, so neither always runs on a warmer cache.
        let (c, r) = if round % 2 == 0 {
            let c = time(candidate, iterations)?;
            (c, time(reference, iterations)?)
        } else {
            let r = time(reference, iterations)?;
            (time(candidate, iterations)?, r)
        };
        candidate_total += c;
        reference_total += r;
        ratios.push(c / r.max(1e-3));
    }
    ratios.sort_by(f64::total_cmp);
    Ok(Comparison {
        candidate_ns: candidate_total / ROUNDS as f64,
        reference_ns: reference_total / ROUNDS as f64,
        ratio: ratios[ROUNDS / 2],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spin(n: u64) -> impl FnMut() {
        move || {
            std::hint::black_box((0..n).fold(0u64, |a, b| a.wrapping_add(b * b)));
        }
    }

    #[test]
    fn a_slower_candidate_has_a_larger_ratio() {
        let equal = compare(&mut spin(20_000), &mut spin(20_000)).unwrap();
        let slower = compare(&mut spin(80_000), &mut spin(20_000)).unwrap();
        assert!(slower.ratio > 2.0 * equal.ratio, "{slower:?} vs {equal:?}");
    }

    #[test]
    fn a_panicking_candidate_is_an_error() {
        let err = compare(&mut || panic!("boom"), &mut spin(10)).unwrap_err();
        assert!(err.contains("boom"), "{err}");
    }
}
