//! The stream task's memory properties: counting a stream generated as it is read, with
//! far more distinct n-grams than the budget could hold exactly, or one line far longer
//! than the budget, must grow the heap by at most the budget plus a fixed allowance.
//!
//! The heap is measured by a global allocator that tracks the peak of bytes allocated and
//! not yet freed: every call server installs one (`mldrill_runner::server::METER`), and
//! the judge reads it, cross-checked by the kernel's count of the server's resident
//! memory ([`mldrill_pack::heap`]); `tests/ngram_memory.rs` installs [`METER`] to run
//! these properties in its own process. A meter counts the whole process, so that no
//! thread can hide memory from it; a measurement therefore needs its process to itself,
//! which a call server gives (one call at a time) and a test binary with many tests
//! running in parallel does not. Where nothing measures, these properties fail and say
//! so: they never pass unmeasured. They need no reference, but an exported screen has no
//! meter, so they are not among the invariant properties a screen exports.

use std::alloc::System;
use std::io::{self, Read};

use mldrill_spec::ngram::{NgramSketch, SketchSpec};
pub use peakmem_alloc::INSTRUMENTED_SYSTEM as METER;
use peakmem_alloc::{PeakMemAlloc, PeakMemAllocTrait};

use crate::invariant::{Counter, spec};
use mldrill_pack::{Ctx, Failure, Property, property};

/// The meter's type: install it with
/// `#[global_allocator] static HEAP: &Meter = &METER;`.
pub type Meter = PeakMemAlloc<System>;

/// Heap a stream counter may use beyond its budget of counters: read buffers, the line
/// piece and the n-gram in hand, bookkeeping. Exact counts of the distinct n-grams these
/// properties stream need at least four times as much, even at 8 bytes an n-gram.
pub const ALLOWANCE: usize = 256 * 1024;

/// Lines of two tokens, each line a bigram never seen before.
pub const LINES: u64 = 400_000;
/// Tokens of the one long line, with no line break anywhere.
pub const LONG_LINE_TOKENS: u64 = 2_000_000;

/// The memory properties, in the order the manifest lists them.
pub fn properties() -> Vec<Property<Counter>> {
    vec![
        property!(
            "stream/memory_within_budget",
            Invariant,
            memory_within_budget
        ),
        property!(
            "stream/long_line_in_bounded_memory",
            Invariant,
            long_line_bounded
        ),
    ]
}

/// Runs `f` and returns its result with the peak growth of the heap while it ran, the
/// result included (it is still allocated when the peak is read): the heap of the call
/// server the judge runs the property against ([`mldrill_pack::heap`]), or of this
/// process where no judge set a probe (the n-gram memory tests).
pub fn measured<T>(f: impl FnOnce() -> T) -> (T, usize) {
    if let Some(probe) = mldrill_pack::heap::current() {
        probe.reset();
        let out = f();
        let peak = probe.peak();
        return (out, peak);
    }
    METER.reset_peak_memory();
    let out = f();
    (out, METER.get_peak_memory())
}

/// Whether the heap can be measured: by the judge's probe, or by [`METER`] installed as
/// this program's global allocator.
pub fn installed() -> bool {
    if let Some(probe) = mldrill_pack::heap::current() {
        return probe.metered();
    }
    let size = 1 << 20;
    METER.reset_peak_memory();
    let probe = std::hint::black_box(Vec::<u8>::with_capacity(size));
    let seen = METER.get_peak_memory() >= size;
    drop(probe);
    seen
}

/// SplitMix64's finalizer.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Token `i` of a generated stream: 8 lowercase letters drawn from `salt` and `i`, so
/// that any two tokens (and so any two bigrams) differ with overwhelming probability.
pub fn token(salt: u64, i: u64) -> [u8; 8] {
    let h = mix(salt ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    std::array::from_fn(|k| b'a' + ((h >> (7 * k)) % 26) as u8)
}

/// A corpus generated as it is read: `tokens` tokens ([`token`]), `per_line` to a line,
/// separated by spaces (or, [`Generated::punctuated`], by punctuation alone), each line
/// ended by `\n`. Reading allocates nothing, so all the heap a measurement sees is the
/// implementation's.
#[derive(Debug, Clone)]
pub struct Generated {
    salt: u64,
    per_line: u64,
    tokens: u64,
    separators: &'static [u8],
    next: u64,
    pending: [u8; 9],
    at: usize,
}

impl Generated {
    pub fn new(salt: u64, per_line: u64, tokens: u64) -> Self {
        Self {
            salt,
            per_line,
            tokens,
            separators: b" ",
            next: 0,
            pending: [0; 9],
            at: 9,
        }
    }

    /// The same tokens separated by `.`, `:` and `'` in turn: lines with no white space
    /// (`abcdefgh.ijklmnop:qrstuvwx'...`), whose separators are case-ignorable, so that a
    /// reader that cuts lines only at white space holds each line whole.
    pub fn punctuated(salt: u64, per_line: u64, tokens: u64) -> Self {
        Self {
            separators: b".:'",
            ..Self::new(salt, per_line, tokens)
        }
    }

    /// The bigram of tokens `i` and `i + 1`, as a sketch is asked about it.
    pub fn bigram(&self, i: u64) -> String {
        let word = |i| String::from_utf8_lossy(&token(self.salt, i)).into_owned();
        format!("{} {}", word(i), word(i + 1))
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut written = 0;
        while written < buf.len() {
            if self.at == self.pending.len() {
                if self.next == self.tokens {
                    break;
                }
                self.pending[..8].copy_from_slice(&token(self.salt, self.next));
                self.next += 1;
                let line_end = self.next.is_multiple_of(self.per_line) || self.next == self.tokens;
                let separator =
                    self.separators[(self.next % self.separators.len() as u64) as usize];
                self.pending[8] = if line_end { b'\n' } else { separator };
                self.at = 0;
            }
            let take = (self.pending.len() - self.at).min(buf.len() - written);
            buf[written..written + take].copy_from_slice(&self.pending[self.at..self.at + take]);
            (self.at, written) = (self.at + take, written + take);
        }
        Ok(written)
    }
}

/// The spec both properties count under: bigrams, epsilon = delta = 0.01 (272 x 5
/// counters, 10,880 bytes), a budget of exactly that, and a seed of the run's.
fn memory_spec(seed: u64) -> SketchSpec {
    let mut spec = spec(2, 0.01, 0.01, 0);
    spec.memory_budget = spec.needed_bytes();
    spec.seed = seed;
    spec
}

/// Counts `stream` under [`memory_spec`] and checks the total, a few estimates, and the
/// heap's peak growth against the budget plus [`ALLOWANCE`]; `what` describes the stream
/// and `hint` says what to look at when the heap grew too much.
fn check_heap(
    imp: &Counter,
    ctx: &Ctx,
    stream: Generated,
    bigrams: &[u64],
    what: &str,
    hint: &str,
) -> Result<(), Failure> {
    let seed = ctx.property_seed();
    let failure = |reason: String| Failure {
        reason,
        counterexample: Some(format!("{what}; property seed {seed}")),
    };
    if !installed() {
        return Err(failure(
            "the heap meter is not this program's global allocator, so memory cannot be \
             measured; install it as the n-gram pack's memory.rs says"
                .into(),
        ));
    }
    let spec = memory_spec(seed);
    let expected = bigrams.len() as u64;
    let mut reader = stream.clone();
    let (sketch, peak) = measured(|| imp.count_stream(&mut reader, &spec));
    let sketch: Box<dyn NgramSketch> =
        sketch.map_err(|e| failure(format!("count_stream failed: {e}")))?;
    let total = sketch.total();
    if total != expected {
        return Err(failure(format!("total() = {total}, expected {expected}")));
    }
    let probes = bigrams.iter().step_by(bigrams.len() / 16 + 1);
    if let Some(gram) = probes
        .map(|&i| stream.bigram(i))
        .find(|g| sketch.estimate(g) < 1)
    {
        return Err(failure(format!("estimate({gram:?}) = 0 but it occurs")));
    }
    let (budget, limit) = (spec.memory_budget, spec.memory_budget + ALLOWANCE);
    if peak > limit {
        return Err(failure(format!(
            "the heap grew by {peak} bytes while count_stream ran, more than the budget of \
             {budget} bytes of counters plus {ALLOWANCE} for reading ({limit}); {hint}"
        )));
    }
    Ok(())
}

fn memory_within_budget(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    let stream = Generated::new(ctx.property_seed(), 2, 2 * LINES);
    let bigrams: Vec<u64> = (0..LINES).map(|line| 2 * line).collect();
    check_heap(
        imp,
        ctx,
        stream,
        &bigrams,
        &format!("{LINES} lines of 2 tokens, {LINES} distinct bigrams"),
        "memory that grows with the number of distinct n-grams is an exact count, not a \
         sketch of fixed size",
    )
}

/// One long line separated by spaces, then one separated by punctuation alone: a reader
/// must find places to cut a line between its tokens whether or not it has white space.
fn long_line_bounded(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    let tokens = LONG_LINE_TOKENS;
    let seed = ctx.property_seed();
    let bigrams: Vec<u64> = (0..tokens - 1).collect();
    let lines = [
        (Generated::new(seed, tokens, tokens), "separated by spaces"),
        (
            Generated::punctuated(seed, tokens, tokens),
            "separated by `.`, `:` and `'`, with no white space",
        ),
    ];
    for (stream, separated) in lines {
        check_heap(
            imp,
            ctx,
            stream,
            &bigrams,
            &format!(
                "one line of {tokens} tokens ({} bytes) {separated}",
                9 * tokens
            ),
            "a line must not be held whole: read fixed-size chunks and carry the unfinished \
             token (and the last n - 1 tokens) from one chunk to the next; a line may have no \
             white space, and any character that is not a word character ends a token",
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_stream_is_its_tokens_separated_as_promised() {
        let mut bytes = Vec::new();
        Generated::new(5, 3, 7).read_to_end(&mut bytes).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(' ').collect()).collect();
        assert_eq!(lines.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
        assert!(text.ends_with('\n'));
        let word = |i| String::from_utf8(token(5, i).to_vec()).unwrap();
        assert_eq!(lines[1][0], word(3));
        assert_eq!(
            Generated::new(5, 3, 7).bigram(3),
            format!("{} {}", word(3), word(4))
        );
    }

    #[test]
    fn a_punctuated_stream_has_no_white_space_but_the_same_tokens() {
        let mut bytes = Vec::new();
        Generated::punctuated(5, 4, 8)
            .read_to_end(&mut bytes)
            .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.trim_end().contains([' ', '\t']), "{text}");
        let words: Vec<&str> = text
            .split(['.', ':', '\'', '\n'])
            .filter(|w| !w.is_empty())
            .collect();
        let expected: Vec<String> = (0..8)
            .map(|i| String::from_utf8(token(5, i).to_vec()).unwrap())
            .collect();
        assert_eq!(words, expected);
        assert_eq!(text.lines().count(), 2);
    }

    #[test]
    fn reads_of_any_size_give_the_same_bytes() {
        let mut whole = Vec::new();
        Generated::new(9, 4, 50).read_to_end(&mut whole).unwrap();
        let mut small = Vec::new();
        let mut reader = Generated::new(9, 4, 50);
        let mut buf = [0u8; 5];
        loop {
            let read = reader.read(&mut buf).unwrap();
            if read == 0 {
                break;
            }
            small.extend_from_slice(&buf[..read]);
        }
        assert_eq!(small, whole);
        assert_eq!(whole.len(), 50 * 9);
    }
}
