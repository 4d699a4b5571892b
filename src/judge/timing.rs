//! Timing a candidate against the reference, by the judge's own clock: both run as call
//! servers, the same timed calls are sent to each as one batch per round, rounds
//! alternate which side goes first, the round trip of an empty batch is subtracted as the
//! call overhead, and the score is the median of the per-round ratios. Every reply of
//! every timed call is checked by the benchmark's own correctness measure: a fast wrong
//! (or remembered) answer earns nothing.
//!
//! A benchmark has several inputs derived from the run's seed, stored in each server once
//! and referred to by handle; consecutive calls rotate through them.

use std::time::{Duration, Instant};

use mldrill_runner::envelope::{self, Request, Response};
use serde_bytes::ByteBuf;

use super::session::Session;

/// Rounds of (candidate, reference); the median ratio over them is the score.
const ROUNDS: usize = 15;
/// Roughly how long the reference runs in one round: long enough that the call
/// overhead is a small part of it.
const ROUND_TARGET: Duration = Duration::from_millis(60);
/// Most reply bytes one batch may carry.
const BATCH_BYTES: usize = 64 * 1024 * 1024;

pub use mldrill_pack::{Bench, Check};

/// What timing the two sides came to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// Mean time per call, overhead excluded.
    pub candidate_ns: f64,
    pub reference_ns: f64,
    /// Median of the per-round ratios: 1.0 is as fast, 2.0 twice as slow.
    pub ratio: f64,
    /// The per-round ratios' lower and upper quartiles: the noise of this measurement.
    pub spread: (f64, f64),
    pub rounds: usize,
}

impl Comparison {
    /// A comparison known only by its ratio, as if every round had measured it.
    pub fn of_ratio(ratio: f64) -> Self {
        Self {
            candidate_ns: 0.0,
            reference_ns: 0.0,
            ratio,
            spread: (ratio, ratio),
            rounds: 1,
        }
    }
}

fn replies(session: &Session, request: &[u8]) -> Result<Vec<ByteBuf>, String> {
    match session.request_encoded(request) {
        Ok(Response::Replies(r)) => Ok(r),
        Ok(Response::Reply(r)) => Ok(vec![r]),
        Ok(Response::Panicked { message, location }) => Err(format!(
            "it panicked: {message}{}",
            location.map(|l| format!(" (at {l})")).unwrap_or_default()
        )),
        Ok(Response::Refused(why)) => Err(format!("it refused a call: {why}")),
        Ok(_) => Err("it broke the call protocol".into()),
        Err(death) => Err(format!("its process {}", death.reason)),
    }
}

fn batch(calls: impl IntoIterator<Item = Vec<u8>>) -> Vec<u8> {
    envelope::encode(&Request::Batch(
        calls.into_iter().map(ByteBuf::from).collect(),
    ))
}

/// The timed round trip of `request`, and the replies.
fn timed(session: &Session, request: &[u8]) -> Result<(Duration, Vec<ByteBuf>), String> {
    let started = Instant::now();
    let out = replies(session, request)?;
    Ok((started.elapsed(), out))
}

/// The least of a few round trips of an empty batch: the call overhead.
fn overhead(session: &Session) -> Result<Duration, String> {
    let empty = batch([]);
    (0..5)
        .map(|_| timed(session, &empty).map(|(t, _)| t))
        .try_fold(Duration::MAX, |least, t| Ok(least.min(t?)))
}

/// Times `candidate` against `reference` on `bench`; an error names what went wrong
/// (a wrong result, a panic, a dead process) on whichever side.
pub fn compare(
    candidate: &Session,
    reference: &Session,
    bench: &Bench,
) -> Result<Comparison, String> {
    let sides = [("candidate", candidate), ("reference", reference)];
    let inputs = bench.calls.len();
    if inputs == 0 {
        return Err("the benchmark has no inputs".into());
    }
    for (side, session) in sides {
        if !bench.setup.is_empty() {
            replies(session, &batch(bench.setup.iter().cloned()))
                .map_err(|e| format!("the {side} could not take the benchmark's inputs: {e}"))?;
        }
    }
    let mut reply_bytes = 1usize;
    for input in 0..inputs {
        for (side, session) in sides {
            let got = replies(session, &batch([bench.calls[input].clone()]))
                .map_err(|e| format!("the {side} failed on benchmark input {input}: {e}"))?;
            let reply = got.first().ok_or("no reply")?;
            (bench.check)(input, reply).map_err(|why| {
                format!("the {side}'s result on benchmark input {input} is wrong: {why}")
            })?;
            reply_bytes = reply_bytes.max(reply.len());
        }
    }
    let (once, _) = timed(
        reference,
        &batch((0..3).map(|i| bench.calls[i % inputs].clone())),
    )?;
    let per_call = (once / 3).max(Duration::from_nanos(100));
    let iterations = ((ROUND_TARGET.as_nanos() / per_call.as_nanos()) as usize)
        .clamp(1, 10_000)
        .min((BATCH_BYTES / reply_bytes).max(1));
    let (over_c, over_r) = (overhead(candidate)?, overhead(reference)?);
    let (mut ratios, mut total_c, mut total_r) = (Vec::new(), 0.0, 0.0);
    for round in 0..ROUNDS {
        let first = round % inputs;
        let order: Vec<usize> = (0..iterations).map(|k| (first + k) % inputs).collect();
        let request = batch(order.iter().map(|&i| bench.calls[i].clone()));
        let candidate_round = || {
            timed(candidate, &request)
                .map_err(|e| format!("the candidate failed in timed round {round}: {e}"))
        };
        let ((c, got), (r, _)) = if round % 2 == 0 {
            let c = candidate_round()?;
            (c, timed(reference, &request)?)
        } else {
            let r = timed(reference, &request)?;
            (candidate_round()?, r)
        };
        if got.len() != order.len() {
            return Err(format!(
                "the candidate answered {} of {} timed calls",
                got.len(),
                order.len()
            ));
        }
        for (reply, &input) in got.iter().zip(&order) {
            (bench.check)(input, reply).map_err(|why| {
                format!("the candidate's result on benchmark input {input} went wrong in timed round {round}: {why}")
            })?;
        }
        let c = c.saturating_sub(over_c).as_nanos().max(1) as f64;
        let r = r.saturating_sub(over_r).as_nanos().max(1) as f64;
        total_c += c / iterations as f64;
        total_r += r / iterations as f64;
        ratios.push(c / r);
    }
    ratios.sort_by(f64::total_cmp);
    let quartile = |q: usize| ratios[(ratios.len() - 1) * q / 4];
    Ok(Comparison {
        candidate_ns: total_c / ROUNDS as f64,
        reference_ns: total_r / ROUNDS as f64,
        ratio: quartile(2),
        spread: (quartile(1), quartile(3)),
        rounds: ROUNDS,
    })
}
