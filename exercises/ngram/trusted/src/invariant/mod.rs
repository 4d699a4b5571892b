//! The n-gram exercise's reference-free properties: invariants any correct counter
//! satisfies (counts add up to max(0, L - n + 1), n-grams occur in their documents,
//! counting is additive and order-free, a sketch never under-counts, and its (epsilon,
//! delta) guarantee, checked with a false-alarm rate bounded by construction). Inputs are
//! built from known tokens, so no reference is needed. These are the properties an
//! exported screen lets a candidate run, so this folder must never use the reference: it
//! imports only the pack SDK's property framework and the spec. One file per task; this
//! one lists every property in task order, with the inputs and helpers tasks share.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::io::{self, Read};

use mldrill_spec::ngram::{
    BOS, CharAnalyzer, Counts, EOS, NgramCounter, NgramError, NgramSketch, Overlap, Padding,
    SketchSpec,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use mldrill_pack::stats::{FALSE_ALARM, bernstein_threshold};
use mldrill_pack::{Ctx, Failure, Property, ensure_eq, fail, property};

mod chars;
mod contamination;
mod matrix;
mod padding;
mod stream;
mod topk;
mod words;

pub use chars::*;
pub use contamination::*;
pub use matrix::*;
pub use padding::*;
pub use stream::*;
pub use topk::*;
pub use words::*;

/// The implementation trait the properties check.
pub type Counter = dyn NgramCounter;

/// The reference-free properties, in task order.
pub fn properties() -> Vec<Property<Counter>> {
    let mut all = vec![
        property!("words/counts_add_up", Invariant, words_add_up),
        property!("words/additive_and_order_free", Invariant, words_additive),
        property!("words/rejects_bad_range", Invariant, words_reject),
        property!("padding/nltk_examples", Invariant, padding_examples),
        property!("padding/counts_add_up", Invariant, padding_add_up),
        property!("padding/rejects_zero_order", Invariant, padding_reject),
        property!("chars/sklearn_examples", Invariant, chars_examples),
        property!("chars/counts_add_up", Invariant, chars_add_up),
        property!("chars/rejects_bad_range", Invariant, chars_reject),
        property!("topk/sorted_and_consistent", Invariant, topk_consistent),
        property!("topk/rejects_zero_order", Invariant, topk_reject),
        property!(
            "matrix/consistent_with_counts",
            Invariant,
            matrix_consistent
        ),
        property!("matrix/rejects_bad_range", Invariant, matrix_reject),
        property!("stream/never_under_counts", Invariant, stream_never_under),
        property!(
            "stream/chunking_does_not_matter",
            Invariant,
            stream_chunking
        ),
        property!("stream/rejects_bad_input", Invariant, stream_reject),
        property!(
            "stream/epsilon_delta_guarantee",
            Invariant,
            stream_guarantee
        ),
        property!(
            "contamination/exact_on_known_splits",
            Invariant,
            overlap_known
        ),
        property!(
            "contamination/monotone_in_train",
            Invariant,
            overlap_monotone
        ),
        property!(
            "contamination/rejects_zero_order",
            Invariant,
            overlap_reject
        ),
    ];
    // The stream's contract with its reader and seed (below) follows its other checks.
    let after = all
        .iter()
        .position(|p| p.id == "stream/epsilon_delta_guarantee")
        .map_or(all.len(), |at| at + 1);
    all.splice(after..after, stream_contract_properties());
    all
}

// ---------------------------------------------------------------- inputs

/// Words as written and as the tokenizer must return them; the two halves share no
/// token, which the contamination properties rely on.
pub static WORDS: [(&str, &str); 12] = [
    ("data", "data"),
    ("Data", "data"),
    ("NEW", "new"),
    ("york", "york"),
    ("x1", "x1"),
    ("_id", "_id"),
    ("42", "42"),
    ("École", "école"),
    ("straße", "straße"),
    ("ДАННЫЕ", "данные"),
    ("中文", "中文"),
    ("naïve", "naïve"),
];
/// What separates words without being a token (no `\n`: a document stays one line).
pub static SEPARATORS: [&str; 10] = [
    " ", "  ", ", ", "\t", " - ", ". ", " a ", " é ", " 🙂 ", "\u{a0}",
];

/// A document built from known tokens, so its n-grams are known without a reference.
#[derive(Debug, Clone)]
pub struct Doc {
    pub text: String,
    pub tokens: Vec<&'static str>,
}

/// Documents of up to `len` words drawn from `words`.
pub fn doc_of(words: &'static [(&str, &str)], len: usize) -> impl Strategy<Value = Doc> {
    vec((select(words), select(&SEPARATORS[..])), 0..len).prop_map(|parts| Doc {
        text: parts.iter().map(|((w, _), s)| format!("{w}{s}")).collect(),
        tokens: parts.iter().map(|((_, t), _)| *t).collect(),
    })
}

pub fn docs() -> impl Strategy<Value = Vec<Doc>> {
    vec(doc_of(&WORDS, 10), 0..5)
}

/// Documents of three distinct words, so that many n-grams tie.
pub fn tie_docs() -> impl Strategy<Value = Vec<Doc>> {
    vec(doc_of(&WORDS[..4], 12), 0..5)
}

pub fn texts_of(docs: &[Doc]) -> Vec<&str> {
    docs.iter().map(|d| d.text.as_str()).collect()
}

pub fn refs(texts: &[String]) -> Vec<&str> {
    texts.iter().map(String::as_str).collect()
}

pub fn ranges() -> impl Strategy<Value = (usize, usize)> {
    (1usize..4, 0usize..3).prop_map(|(min, extra)| (min, min + extra))
}

pub fn paddings() -> impl Strategy<Value = Padding> {
    (any::<bool>(), any::<bool>()).prop_map(|(left, right)| Padding { left, right })
}

pub fn analyzers() -> impl Strategy<Value = CharAnalyzer> {
    prop_oneof![Just(CharAnalyzer::Char), Just(CharAnalyzer::CharWb)]
}

/// `max(0, L - n + 1)`: how many n-grams of order `n` a sequence of `L` items has.
fn windows(len: usize, n: usize) -> u64 {
    (len + 1).saturating_sub(n) as u64
}

/// The n-grams of known documents, counted from the tokens they were built from.
fn known_counts(docs: &[Doc], min_n: usize, max_n: usize) -> Counts {
    let mut counts = Counts::new();
    for n in min_n..=max_n {
        for doc in docs {
            for gram in doc.tokens.windows(n) {
                *counts.entry(gram.join(" ")).or_insert(0) += 1;
            }
        }
    }
    counts
}

/// Counts of `grams`, separated by `|`: `"a|a|b"` is `{a: 2, b: 1}`.
fn tally(grams: &str) -> Counts {
    let mut counts = Counts::new();
    for gram in grams.split('|').filter(|g| !g.is_empty()) {
        *counts.entry(gram.to_owned()).or_insert(0) += 1;
    }
    counts
}

/// Sums the counts whose key passes `keep`.
fn sum_where(counts: &Counts, keep: impl Fn(&str) -> bool) -> u64 {
    counts.iter().filter(|(k, _)| keep(k)).map(|(_, c)| c).sum()
}

/// An implementation's error on valid input, as a test failure naming the call.
fn valid<T>(result: Result<T, NgramError>, call: &str) -> Result<T, TestCaseError> {
    result.map_err(|e| TestCaseError::fail(format!("{call} failed on valid input: {e}")))
}

/// Checks that `call(min_n, max_n)` rejects every bad range with `InvalidRange`.
fn rejects_ranges(
    ctx: &mut Ctx,
    call: impl Fn(usize, usize) -> Result<(), NgramError>,
) -> Result<(), Failure> {
    let zero = (Just(0usize), 0usize..4);
    let bad = prop_oneof![zero, (2usize..8).prop_flat_map(|min| (Just(min), 0..min))];
    ctx.for_all(bad, |(min_n, max_n)| {
        let expected = Err(NgramError::InvalidRange { min_n, max_n });
        ensure_eq!(call(min_n, max_n), expected, "range ({min_n}, {max_n})");
        Ok(())
    })
}

fn rejects_zero(call: impl Fn(usize) -> Result<(), NgramError>) -> Result<(), Failure> {
    match call(0) {
        Err(NgramError::InvalidRange { min_n: 0, max_n: 0 }) => Ok(()),
        got => Err(Failure {
            reason: format!("got {got:?}, order 0 is InvalidRange {{ min_n: 0, max_n: 0 }}"),
            counterexample: Some("n = 0".into()),
        }),
    }
}

/// Fails with the first fixed example whose result differs.
fn examples(cases: Vec<(String, Result<Counts, NgramError>, Counts)>) -> Result<(), Failure> {
    match cases
        .into_iter()
        .find(|(_, got, expected)| got.as_ref() != Ok(expected))
    {
        Some((call, got, expected)) => Err(Failure {
            reason: format!("got {got:?}, expected {expected:?}"),
            counterexample: Some(call),
        }),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------- streams

/// A reader that hands out its bytes in chunks of the given sizes, in turn: a stream
/// whose reads split tokens and UTF-8 sequences anywhere.
struct Chunked<'a> {
    bytes: &'a [u8],
    sizes: &'a [usize],
    next: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let size = self.sizes[self.next % self.sizes.len()];
        let size = size.min(buf.len()).min(self.bytes.len());
        self.next += 1;
        let (head, rest) = self.bytes.split_at(size);
        buf[..size].copy_from_slice(head);
        self.bytes = rest;
        Ok(size)
    }
}

/// A reader that fails once its bytes are read.
struct Failing<'a>(&'a [u8]);

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        self.0.read(buf)
    }
}

pub type Sketched = Result<Box<dyn NgramSketch>, NgramError>;

/// `count_stream` of `bytes`, read in chunks of `sizes` bytes in turn.
pub fn sketch(imp: &Counter, bytes: &[u8], sizes: &[usize], spec: &SketchSpec) -> Sketched {
    imp.count_stream(
        &mut Chunked {
            bytes,
            sizes,
            next: 0,
        },
        spec,
    )
}

pub fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    vec(1usize..8, 1..4)
}

/// A spec of order `n`, error bounds `epsilon` and `delta`, and a budget (seed 7, strict
/// UTF-8).
pub fn spec(n: usize, epsilon: f64, delta: f64, memory_budget: usize) -> SketchSpec {
    let (seed, lossy) = (7, false);
    SketchSpec {
        n,
        epsilon,
        delta,
        seed,
        memory_budget,
        lossy,
    }
}
