//! Timing a candidate against the reference inside the runner: the two run in alternating
//! rounds on the same inputs, so that the machine's noise hits both alike, and the score
//! is the median of the per-round time ratios.
//!
//! A benchmark has several inputs derived from the run's seed, and consecutive calls
//! rotate through them, so a candidate that remembers its last answer gains nothing.
//! Every input's result is checked against the reference's before timing, and the last
//! result of every timed round again after it: a fast answer must also be a right one.

use std::any::Any;
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

/// Whether a candidate's result is acceptable where the reference gave another; both
/// are what the benchmark's `call` returned.
pub type Agrees = fn(candidate: &dyn Any, reference: &dyn Any) -> Result<(), String>;

/// One side of a benchmark: `inputs` inputs built once, and the call that runs one.
pub struct Workload<'a> {
    /// How many inputs there are; `call` takes an index below it.
    pub inputs: usize,
    /// Runs input `i` and returns its result (dropped inside the timed loop, like any).
    pub call: Box<dyn FnMut(usize) -> Box<dyn Any> + 'a>,
    pub agrees: Agrees,
}

/// One timed run of `iterations` calls from input `first` on; the mean nanoseconds per
/// call, and the last call's input and result.
fn time(
    work: &mut Workload,
    first: usize,
    iterations: u32,
) -> Result<(f64, usize, Box<dyn Any>), String> {
    let inputs = work.inputs.max(1);
    let started = Instant::now();
    let last = catch_unwind(AssertUnwindSafe(|| {
        for k in 0..iterations - 1 {
            drop((work.call)((first + k as usize) % inputs));
        }
        (work.call)((first + iterations as usize - 1) % inputs)
    }))
    .map_err(|payload| panic_message(payload.as_ref()))?;
    let mean = started.elapsed().as_nanos() as f64 / f64::from(iterations);
    Ok((mean, (first + iterations as usize - 1) % inputs, last))
}

/// Compares `candidate` with `reference`; an error when either panics, or when the
/// candidate's result on some input is not one the reference's agrees with.
pub fn compare(candidate: &mut Workload, reference: &mut Workload) -> Result<Comparison, String> {
    if candidate.inputs != reference.inputs || reference.inputs == 0 {
        return Err("the benchmark's two sides have different inputs".into());
    }
    let agrees = reference.agrees;
    let mut expected = Vec::with_capacity(reference.inputs);
    for input in 0..reference.inputs {
        let (_, _, want) = time(reference, input, 1)?;
        let (_, _, got) = time(candidate, input, 1)
            .map_err(|e| format!("the candidate failed on benchmark input {input}: {e}"))?;
        agrees(got.as_ref(), want.as_ref()).map_err(|why| {
            format!("the candidate's result on benchmark input {input} is wrong: {why}")
        })?;
        expected.push(want);
    }
    let once = time(reference, 0, 3)?.0.max(1.0);
    let iterations = ((ROUND_TARGET.as_nanos() as f64 / once) as u32).clamp(1, 1_000_000);
    let (mut ratios, mut candidate_total, mut reference_total) =
        (Vec::with_capacity(ROUNDS), 0.0, 0.0);
    for round in 0..ROUNDS {
        // Alternate which side goes first, so neither always runs on a warmer cache, and
        // start each round at another input.
        let first = round % reference.inputs;
        let ((c, input, got), (r, _, _)) = if round % 2 == 0 {
            let c = time(candidate, first, iterations)?;
            (c, time(reference, first, iterations)?)
        } else {
            let r = time(reference, first, iterations)?;
            (time(candidate, first, iterations)?, r)
        };
        agrees(got.as_ref(), expected[input].as_ref()).map_err(|why| {
            format!("the candidate's result on benchmark input {input} went wrong in timed round {round}: {why}")
        })?;
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

    fn same(candidate: &dyn Any, reference: &dyn Any) -> Result<(), String> {
        let (c, r) = (
            candidate.downcast_ref::<u64>(),
            reference.downcast_ref::<u64>(),
        );
        if c == r {
            Ok(())
        } else {
            Err(format!("{c:?} is not {r:?}"))
        }
    }

    /// Spins `n` steps, then answers `input * 7`.
    fn spin<'a>(n: u64) -> Workload<'a> {
        answering(n, |input| input as u64 * 7)
    }

    fn answering<'a>(n: u64, answer: impl Fn(usize) -> u64 + 'a) -> Workload<'a> {
        Workload {
            inputs: 4,
            call: Box::new(move |input| {
                std::hint::black_box((0..n).fold(0u64, |a, b| a.wrapping_add(b * b)));
                Box::new(answer(input))
            }),
            agrees: same,
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
        let mut panics = Workload {
            inputs: 4,
            call: Box::new(|_| panic!("boom")),
            agrees: same,
        };
        let err = compare(&mut panics, &mut spin(10)).unwrap_err();
        assert!(err.contains("boom"), "{err}");
    }

    #[test]
    fn a_wrong_or_remembered_answer_is_not_timed() {
        let mut wrong = answering(10, |input| input as u64 * 7 + 1);
        let err = compare(&mut wrong, &mut spin(10)).unwrap_err();
        assert!(err.contains("input 0 is wrong"), "{err}");
        // Right on each input the first time, then the answer it gave first, whatever
        // the input: a cache of one entry.
        let (mut calls, mut cached) = (0usize, 0u64);
        let mut remembers = Workload {
            inputs: 4,
            call: Box::new(move |input| {
                calls += 1;
                let right = input as u64 * 7;
                if calls == 1 {
                    cached = right;
                }
                Box::new(if calls <= 4 { right } else { cached })
            }),
            agrees: same,
        };
        let err = compare(&mut remembers, &mut spin(10)).unwrap_err();
        assert!(err.contains("timed round"), "{err}");
    }
}
