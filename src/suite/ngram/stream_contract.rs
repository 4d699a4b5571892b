//! The stream task's contract with its reader and its seed, beyond the counts: the spec
//! is checked before the reader is touched, an interrupted read is retried, and the seed
//! chooses the sketch's hash functions. Reference-free, like every invariant; this file
//! depends on no other suite file.

use std::cell::Cell;
use std::io::{self, Read};

use mldrill_spec::ngram::{NgramCounter, NgramError, SketchSpec};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use crate::suite::{Ctx, Failure, Property};
use crate::{ensure_eq, fail, property};

/// The properties of this file; [`super::invariant::properties`] lists them among the
/// stream task's invariants.
pub fn properties() -> Vec<Property<dyn NgramCounter>> {
    vec![
        property!(
            "stream/checks_before_reading",
            Invariant,
            checks_before_reading
        ),
        property!(
            "stream/retries_interrupted_reads",
            Invariant,
            retries_interrupted
        ),
        property!("stream/seed_chooses_hashes", Invariant, seed_chooses_hashes),
    ]
}

fn sketch_spec(n: usize, epsilon: f64, delta: f64, seed: u64) -> SketchSpec {
    let mut spec = SketchSpec {
        n,
        epsilon,
        delta,
        seed,
        memory_budget: 0,
        lossy: false,
    };
    spec.memory_budget = spec.needed_bytes();
    spec
}

/// A reader that fails every read and counts how often it was asked.
struct Broken<'a>(&'a Cell<usize>);

impl Read for Broken<'_> {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        self.0.set(self.0.get() + 1);
        Err(io::ErrorKind::BrokenPipe.into())
    }
}

/// A bad spec and a failing reader together: the spec's error, in the statement's order,
/// and not one read.
fn checks_before_reading(imp: &dyn NgramCounter, ctx: &mut Ctx) -> Result<(), Failure> {
    let bad = select(vec![0.0, 1.0, -0.5, 2.0, f64::NAN]);
    ctx.for_all_named(&["n", "bad_value"], (1usize..4, bad), |(n, bad)| {
        let good = sketch_spec(n, 0.1, 0.1, 7);
        let needed = good.needed_bytes();
        let cases = [
            (
                SketchSpec { n: 0, epsilon: bad, ..good },
                NgramError::InvalidRange { min_n: 0, max_n: 0 },
                "n = 0 and a bad epsilon",
            ),
            (
                SketchSpec { epsilon: bad, memory_budget: 0, ..good },
                NgramError::InvalidSketch,
                "a bad epsilon and a budget of 0",
            ),
            (
                SketchSpec { delta: bad, ..good },
                NgramError::InvalidSketch,
                "a bad delta",
            ),
            (
                SketchSpec { memory_budget: needed - 1, ..good },
                NgramError::BudgetTooSmall { needed, budget: needed - 1 },
                "a budget 1 byte short",
            ),
        ];
        for (spec, expected, what) in cases {
            let reads = Cell::new(0);
            let got = imp.count_stream(&mut Broken(&reads), &spec).map(|s| s.total());
            ensure_eq!(
                got,
                Err(expected.clone()),
                "count_stream with {what} (bad value {bad}) and a reader that fails: the spec is checked before anything is read"
            );
            if reads.get() > 0 {
                fail!(
                    "count_stream with {what} read the corpus {} times before rejecting the spec; check it before reading",
                    reads.get()
                );
            }
        }
        Ok(())
    })
}

/// A reader that answers `Interrupted` before every read that returns data, and hands
/// out at most `size` bytes at a time.
struct Interrupting<'a> {
    bytes: &'a [u8],
    size: usize,
    interrupt_next: bool,
}

impl Read for Interrupting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.interrupt_next = !self.interrupt_next;
        if !self.interrupt_next {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let size = self.size.min(buf.len()).min(self.bytes.len());
        let (head, rest) = self.bytes.split_at(size);
        buf[..size].copy_from_slice(head);
        self.bytes = rest;
        Ok(size)
    }
}

const WORDS: [&str; 8] = ["new", "york", "data", "big", "apple", "city", "is", "of"];

fn corpora() -> impl Strategy<Value = Vec<Vec<&'static str>>> {
    vec(vec(select(WORDS.to_vec()), 0..8), 1..6)
}

/// `Interrupted` is retried: the same corpus read with an interruption before every read
/// counts exactly as a plain read does.
fn retries_interrupted(imp: &dyn NgramCounter, ctx: &mut Ctx) -> Result<(), Failure> {
    let names = ["lines", "n", "read_size", "seed"];
    ctx.for_all_named(&names, (corpora(), 1usize..4, 1usize..9, any::<u64>()), |(lines, n, size, seed)| {
        let text = lines.iter().map(|l| l.join(" ")).collect::<Vec<_>>().join("\n");
        let spec = sketch_spec(n, 0.1, 0.1, seed);
        let plain = match imp.count_stream(&mut text.as_bytes(), &spec) {
            Ok(sketch) => sketch,
            Err(e) => fail!("count_stream failed on a valid corpus: {e}"),
        };
        let mut reader = Interrupting {
            bytes: text.as_bytes(),
            size,
            interrupt_next: false,
        };
        let interrupted = match imp.count_stream(&mut reader, &spec) {
            Ok(sketch) => sketch,
            Err(e) => fail!(
                "count_stream gave up with {e:?} on a reader that answers ErrorKind::Interrupted \
                 before every read; Interrupted means 'try again', so retry the read"
            ),
        };
        ensure_eq!(interrupted.total(), plain.total(), "total() with interrupted reads vs one read");
        let grams = lines.iter().flat_map(|l| l.windows(n).map(|w| w.join(" ")));
        for gram in grams {
            ensure_eq!(
                interrupted.estimate(&gram),
                plain.estimate(&gram),
                "estimate({gram:?}) with interrupted reads vs one read"
            );
        }
        Ok(())
    })
}

/// Unseen n-grams asked about, and how many of them must share the seen n-gram's counter
/// before the check judges: with one row of 7 counters, each shares it with chance 1/7
/// under a hash drawn independently of the n-grams (57 of 400 on average).
const QUERIES: usize = 400;
const ENOUGH_COLLISIONS: usize = 14;

/// The seed chooses the hash functions. One row of 7 counters counts one n-gram once;
/// the unseen n-grams whose estimate is 1 share its counter. Under a second seed, which
/// differs from the first in one bit (any of the 64), an independent hash function puts
/// each of them back in the seen n-gram's counter with chance 1/7, so all of at least 14
/// do so with chance below 7^-14 (about 1.5e-12): that is how often a correct sketch fails.
/// A sketch whose hash functions ignore the seed, or part of it, collides again every time.
fn seed_chooses_hashes(imp: &dyn NgramCounter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(&["seed", "bit"], (any::<u64>(), 0u32..64), |(seed, bit)| {
        // epsilon 0.4 gives ceil(e / 0.4) = 7 counters; delta 0.5 gives one row.
        let first = sketch_spec(1, 0.4, 0.5, seed);
        let second = SketchSpec {
            seed: seed ^ 1 << bit,
            ..first
        };
        let queries: Vec<String> = (0..QUERIES).map(|i| format!("q{i}x")).collect();
        let colliding =
            |spec: &SketchSpec, among: &[String]| -> Result<Vec<String>, TestCaseError> {
                let sketch = match imp.count_stream(&mut "seen".as_bytes(), spec) {
                    Ok(sketch) => sketch,
                    Err(e) => fail!("count_stream failed on a valid corpus: {e}"),
                };
                Ok(among
                    .iter()
                    .filter(|q| sketch.estimate(q) > 0)
                    .cloned()
                    .collect())
            };
        let shared = colliding(&first, &queries)?;
        if shared.len() < ENOUGH_COLLISIONS {
            // Too few collisions to judge by: this case says nothing.
            return Ok(());
        }
        let again = colliding(&second, &shared)?;
        if again.len() == shared.len() {
            fail!(
                "with seeds {seed:#x} and {:#x} (they differ in bit {bit}), the same {} unseen \
                 n-grams share the counter of the one n-gram counted: the hash functions do not \
                 depend on the seed (or on its bit {bit}); different seeds must give independent \
                 hash functions (this check fails a correct sketch with probability below 1e-11)",
                second.seed,
                shared.len()
            );
        }
        Ok(())
    })
}
