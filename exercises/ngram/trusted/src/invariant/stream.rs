//! The n-gram exercise's reference-free properties of the `stream` task: a count-min sketch
//! never under-counts, chunking does not matter, bad input is rejected, the (epsilon,
//! delta) guarantee holds with a false-alarm rate bounded by construction; and the stream's
//! contract with its reader and seed (the spec is checked before the reader is touched, an
//! interrupted read is retried, the seed chooses the hash functions).

use super::*;

/// Specs a valid corpus must be counted under: within budget, any seed.
pub fn sketch_specs() -> impl Strategy<Value = SketchSpec> {
    let (eps, delta) = (
        select(vec![0.02, 0.05, 0.1, 0.3]),
        select(vec![0.01, 0.1, 0.5]),
    );
    let spec = |(n, epsilon, delta, seed, slack)| {
        let mut spec = spec(n, epsilon, delta, 0);
        spec.seed = seed;
        spec.memory_budget = spec.needed_bytes() + slack;
        spec
    };
    (1usize..4, eps, delta, any::<u64>(), 0usize..64).prop_map(spec)
}

/// A corpus of known documents, one a line, and a spec to count it under.
pub fn stream_inputs() -> impl Strategy<Value = (String, Vec<Doc>, SketchSpec, Vec<usize>)> {
    let corpus = docs().prop_map(|docs| (texts_of(&docs).join("\n"), docs));
    (corpus, sketch_specs(), chunk_sizes()).prop_map(|((text, docs), s, c)| (text, docs, s, c))
}

pub fn stream_never_under(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(stream_inputs(), |(corpus, docs, spec, sizes)| {
        let sketch = valid(
            sketch(imp, corpus.as_bytes(), &sizes, &spec),
            "count_stream",
        )?;
        let truth = known_counts(&docs, spec.n, spec.n);
        let n = spec.n;
        ensure_eq!(
            sketch.total(),
            truth.values().sum::<u64>(),
            "total(), order {n}"
        );
        let (bytes, budget) = (sketch.counter_bytes(), spec.memory_budget);
        if bytes > budget {
            fail!("counter_bytes() = {bytes} exceeds the memory budget of {budget}");
        }
        if let Some((gram, count)) = truth.iter().find(|&(g, &c)| sketch.estimate(g) < c) {
            let estimate = sketch.estimate(gram);
            fail!("estimate({gram:?}) = {estimate} < its count {count}: never under-count");
        }
        Ok(())
    })
}

pub fn stream_chunking(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(stream_inputs(), |(corpus, docs, spec, sizes)| {
        let small: Vec<usize> = sizes.iter().map(|s| 1 + s % 3).collect();
        let whole = valid(
            sketch(imp, corpus.as_bytes(), &[usize::MAX], &spec),
            "count_stream",
        )?;
        let chunked = valid(
            sketch(imp, corpus.as_bytes(), &small, &spec),
            "count_stream",
        )?;
        let what = format!("read in chunks of {small:?} vs in one read, same seed");
        ensure_eq!(chunked.total(), whole.total(), "total() {what}");
        let absent = "new york data".to_owned();
        for gram in known_counts(&docs, spec.n, spec.n)
            .into_keys()
            .chain([absent])
        {
            ensure_eq!(
                chunked.estimate(&gram),
                whole.estimate(&gram),
                "estimate({gram:?}) {what}"
            );
        }
        Ok(())
    })
}

pub fn stream_reject(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    let text = b"new york data\nnew york";
    let bad = select(vec![0.0, 1.0, -0.5, 2.0, f64::NAN]);
    ctx.for_all((1usize..4, bad), |(n, bad)| {
        let needed = spec(n, 0.1, 0.1, 0).needed_bytes();
        let order_zero = NgramError::InvalidRange { min_n: 0, max_n: 0 };
        let too_small = NgramError::BudgetTooSmall {
            needed,
            budget: needed - 1,
        };
        let cases = [
            (
                spec(0, bad, 0.1, 1 << 16),
                order_zero,
                "n = 0, checked before epsilon",
            ),
            (
                spec(n, bad, 0.1, 1 << 16),
                NgramError::InvalidSketch,
                "epsilon",
            ),
            (
                spec(n, 0.1, bad, 1 << 16),
                NgramError::InvalidSketch,
                "delta",
            ),
            (
                spec(n, 0.1, 0.1, needed - 1),
                too_small,
                "budget 1 byte short of 8 * w * d",
            ),
        ];
        for (spec, error, what) in cases {
            let got = sketch(imp, text, &[5], &spec).map(|s| s.total());
            ensure_eq!(got, Err(error), "{what} (the bad value is {bad})");
        }
        let good = spec(n, 0.1, 0.1, 1 << 16);
        let failing = imp.count_stream(&mut Failing(text), &good);
        let broken = NgramError::Io {
            kind: io::ErrorKind::BrokenPipe,
        };
        ensure_eq!(
            failing.map(|s| s.total()),
            Err(broken),
            "a reader failing with BrokenPipe"
        );
        let empty = sketch(imp, b"", &[5], &good).map(|s| s.total());
        ensure_eq!(empty, Ok(0), "an empty corpus: no error, no n-gram");
        Ok(())
    })
}

/// The (epsilon, delta) check. `GUARANTEE_TRIALS` sketches with independent seeds count
/// one corpus of 59 bigrams: 19 heavy ones 3 times each, just above epsilon * total =
/// 2.95, and 2 seen once. Each sketch is asked about `GUARANTEE_QUERIES` bigrams it never
/// saw. Such an estimate errs by more than 2.95 exactly when every row puts a heavy
/// bigram in the query's counter, which happens in one row of 55 counters with chance
/// p = 1 - (54/55)^19 = 0.294: about as close to 1/e as heavy hitters can bring it. So a
/// sketch of d rows errs with chance p^d: 0.0022 for the 5 rows that ln(1/delta) asks
/// for (delta = 0.01 promises at most 0.01), 0.026 for 3 rows, 0.087 for 2 (log10
/// instead of ln), 0.29 when every row hashes alike.
///
/// Each trial scores the fraction of its queries that erred, a number in [0, 1] whose
/// mean is at most delta and hence whose variance is too; Bernstein's inequality bounds
/// the sum over independent trials: a correct sketch exceeds the threshold (delta *
/// trials, about 40, plus 49) with probability below `FALSE_ALARM`, while 3 rows score
/// about 102 and 2 rows about 350.
pub const GUARANTEE_TRIALS: u64 = 4000;
pub const GUARANTEE_QUERIES: usize = 32;
pub const GUARANTEE_HEAVY: usize = 19;
pub const GUARANTEE_HEAVY_COUNT: usize = 3;
pub const GUARANTEE_LIGHT: usize = 2;

/// The corpus (one bigram a line), its heavy bigrams, and bigrams it does not hold.
pub fn guarantee_corpus(salt: u64) -> (String, Vec<String>, Vec<String>) {
    let heavy: Vec<String> = (0..GUARANTEE_HEAVY)
        .map(|i| format!("hv{i}s{salt} hw{i}s{salt}"))
        .collect();
    let mut lines: Vec<String> = heavy
        .iter()
        .flat_map(|g| std::iter::repeat_n(g.clone(), GUARANTEE_HEAVY_COUNT))
        .collect();
    lines.extend((0..GUARANTEE_LIGHT).map(|j| format!("lt{j}s{salt} lu{j}s{salt}")));
    let absent = (0..GUARANTEE_QUERIES)
        .map(|j| format!("ab{j}s{salt} ac{j}s{salt}"))
        .collect();
    (lines.join("\n"), heavy, absent)
}

/// SplitMix64's finalizer: a bijection, so distinct trials get distinct sketch seeds.
pub fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

pub fn stream_guarantee(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    let seed = ctx.property_seed();
    let (corpus, heavy, absent) = guarantee_corpus(seed % 1_000_003);
    let total = (GUARANTEE_HEAVY * GUARANTEE_HEAVY_COUNT + GUARANTEE_LIGHT) as u64;
    let mut spec = spec(2, 0.05, 0.01, 0);
    spec.memory_budget = spec.needed_bytes();
    let slack = spec.epsilon * total as f64;
    let replay = format!("property seed {seed}; trial t uses sketch seed mix(seed ^ t)");
    let failure = |reason: String| Failure {
        reason,
        counterexample: Some(replay.clone()),
    };
    let (mut score, mut erred) = (0.0, 0u64);
    for trial in 0..GUARANTEE_TRIALS {
        spec.seed = mix(seed ^ trial);
        let sketch = imp.count_stream(&mut corpus.as_bytes(), &spec);
        let sketch = sketch.map_err(|e| failure(format!("count_stream failed: {e}")))?;
        let counted = sketch.total();
        if counted != total {
            return Err(failure(format!(
                "trial {trial}: total() = {counted} of {total}"
            )));
        }
        let under = heavy
            .iter()
            .find(|g| sketch.estimate(g) < GUARANTEE_HEAVY_COUNT as u64);
        if let Some(gram) = under {
            let estimate = sketch.estimate(gram);
            return Err(failure(format!(
                "trial {trial}: estimate({gram:?}) = {estimate}, it occurs {GUARANTEE_HEAVY_COUNT} times"
            )));
        }
        let wrong = absent.iter().filter(|g| sketch.estimate(g) as f64 > slack);
        let wrong = wrong.count();
        erred += wrong as u64;
        score += wrong as f64 / GUARANTEE_QUERIES as f64;
    }
    // Independent trials, each scoring in [0, 1] with mean (and so variance) at most
    // delta: by Bernstein, a correct sketch exceeds this with probability <= FALSE_ALARM.
    let mean = GUARANTEE_TRIALS as f64 * spec.delta;
    let threshold = mean + bernstein_threshold(mean, FALSE_ALARM);
    if score > threshold {
        let asked = GUARANTEE_TRIALS * GUARANTEE_QUERIES as u64;
        return Err(failure(format!(
            "{erred} of {asked} estimates of bigrams never seen exceeded epsilon * total = \
             {slack:.2} ({:.4} of them; {GUARANTEE_TRIALS} sketches with independent seeds); \
             delta = {} allows {:.4} (this check fails a correct sketch with probability \
             <= {FALSE_ALARM:e}); are there ceil(ln(1 / delta)) rows, each hashing differently?",
            erred as f64 / asked as f64,
            spec.delta,
            threshold / GUARANTEE_TRIALS as f64,
        )));
    }
    Ok(())
}

/// The stream's contract with its reader and its seed.
pub fn stream_contract_properties() -> Vec<Property<Counter>> {
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

pub fn sketch_spec(n: usize, epsilon: f64, delta: f64, seed: u64) -> SketchSpec {
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
pub struct Broken<'a>(&'a Cell<usize>);

impl Read for Broken<'_> {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        self.0.set(self.0.get() + 1);
        Err(io::ErrorKind::BrokenPipe.into())
    }
}

/// A bad spec and a failing reader together: the spec's error, in the statement's order,
/// and not one read.
pub fn checks_before_reading(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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
pub struct Interrupting<'a> {
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

pub const READER_WORDS: [&str; 8] = ["new", "york", "data", "big", "apple", "city", "is", "of"];

pub fn corpora() -> impl Strategy<Value = Vec<Vec<&'static str>>> {
    vec(vec(select(READER_WORDS.to_vec()), 0..8), 1..6)
}

/// `Interrupted` is retried: the same corpus read with an interruption before every read
/// counts exactly as a plain read does.
pub fn retries_interrupted(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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
pub const QUERIES: usize = 400;
pub const ENOUGH_COLLISIONS: usize = 14;

/// The seed chooses the hash functions. One row of 7 counters counts one n-gram once;
/// the unseen n-grams whose estimate is 1 share its counter. Under a second seed, which
/// differs from the first in one bit (any of the 64), an independent hash function puts
/// each of them back in the seen n-gram's counter with chance 1/7, so all of at least 14
/// do so with chance below 7^-14 (about 1.5e-12): that is how often a correct sketch fails.
/// A sketch whose hash functions ignore the seed, or part of it, collides again every time.
pub fn seed_chooses_hashes(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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
