//! The n-gram exercise's reference-free properties: invariants any correct counter
//! satisfies (counts add up to max(0, L - n + 1), n-grams occur in their documents,
//! counting is additive and order-free, a sketch never under-counts, and its (epsilon,
//! delta) guarantee, checked with a false-alarm rate bounded by construction). Inputs are
//! built from known tokens, so no reference is needed. These are the properties an
//! exported screen lets a candidate run, so this file must never use the reference: it
//! imports only the suite framework and the spec.

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

use crate::suite::stats::{FALSE_ALARM, bernstein_threshold};
use crate::suite::{Ctx, Failure, Property};
use crate::{ensure_eq, fail, property};

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

// ---------------------------------------------------------------- words

fn words_add_up(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((docs(), ranges()), |(docs, (min, max))| {
        let got = valid(imp.word_ngrams(&texts_of(&docs), min, max), "word_ngrams")?;
        for n in min..=max {
            let total = sum_where(&got, |k| k.split(' ').count() == n);
            let expected: u64 = docs.iter().map(|d| windows(d.tokens.len(), n)).sum();
            ensure_eq!(
                total,
                expected,
                "total of order {n}: max(0, L - {n} + 1) per document"
            );
        }
        let occurring = known_counts(&docs, min, max);
        if let Some(key) = got.keys().find(|k| !occurring.contains_key(*k)) {
            fail!("{key:?} is not a run of consecutive tokens of one document");
        }
        Ok(())
    })
}

fn words_additive(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((docs(), docs(), ranges()), |(a, b, (min, max))| {
        let count = |docs: &[&str]| valid(imp.word_ngrams(docs, min, max), "word_ngrams");
        let (ta, tb) = (texts_of(&a), texts_of(&b));
        let mut sum = count(&ta)?;
        for (key, c) in count(&tb)? {
            *sum.entry(key).or_insert(0) += c;
        }
        let mut both = [ta, tb].concat();
        ensure_eq!(
            count(&both)?,
            sum,
            "counts of A ++ B vs counts of A plus counts of B"
        );
        both.reverse();
        ensure_eq!(
            count(&both)?,
            sum,
            "counts of the documents in reverse order"
        );
        Ok(())
    })
}

fn words_reject(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    rejects_ranges(ctx, |min, max| {
        imp.word_ngrams(&["new york data"], min, max).map(|_| ())
    })
}

// ---------------------------------------------------------------- padding

const BOTH: Padding = Padding {
    left: true,
    right: true,
};
const LEFT: Padding = Padding {
    left: true,
    right: false,
};
const RIGHT: Padding = Padding {
    left: false,
    right: true,
};

fn padding_examples(imp: &Counter, _ctx: &mut Ctx) -> Result<(), Failure> {
    // (sentences separated by `|`, n, padding, the n-grams NLTK gives, separated by `|`)
    let cases = [
        (
            "the cat sat",
            3,
            BOTH,
            "<s> <s> the|<s> the cat|the cat sat|cat sat </s>|sat </s> </s>",
        ),
        ("the cat sat", 2, LEFT, "<s> the|the cat|cat sat"),
        ("the cat sat", 2, RIGHT, "the cat|cat sat|sat </s>"),
        ("|a", 2, BOTH, "<s> </s>|<s> </s>"),
        (
            "The cat|the dog",
            2,
            BOTH,
            "<s> the|the cat|cat </s>|<s> the|the dog|dog </s>",
        ),
        ("the cat", 1, BOTH, "the|cat"),
    ];
    let run = |(sentences, n, padding, expected): (&str, usize, Padding, &str)| {
        let sentences: Vec<&str> = sentences.split('|').collect();
        let call = format!("padded_ngrams({sentences:?}, n={n}, {padding:?})");
        (
            call,
            imp.padded_ngrams(&sentences, n, padding),
            tally(expected),
        )
    };
    examples(cases.into_iter().map(run).collect())
}

/// Whether `key` is `<s>`s, then consecutive tokens of one of `docs`, then `</s>`s.
fn padded_shape(key: &str, docs: &[Doc]) -> bool {
    let parts: Vec<&str> = key.split(' ').collect();
    let start = parts.iter().take_while(|&&p| p == BOS).count();
    let end = parts.len() - parts.iter().rev().take_while(|&&p| p == EOS).count();
    let words = &parts[start..end.max(start)];
    let occurs = |d: &Doc| d.tokens.windows(words.len()).any(|w| w == words);
    words.iter().all(|&w| w != BOS && w != EOS) && (words.is_empty() || docs.iter().any(occurs))
}

fn padding_add_up(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((docs(), 1usize..5, paddings()), |(docs, n, padding)| {
        let got = valid(
            imp.padded_ngrams(&texts_of(&docs), n, padding),
            "padded_ngrams",
        )?;
        let pads = (usize::from(padding.left) + usize::from(padding.right)) * (n - 1);
        let per_sentence: Vec<u64> = docs
            .iter()
            .map(|d| windows(d.tokens.len() + pads, n))
            .collect();
        let total: u64 = per_sentence.iter().sum();
        ensure_eq!(
            sum_where(&got, |_| true),
            total,
            "total: L + pads - n + 1 per sentence"
        );
        // The first n - 1 windows of a sentence padded on the left start with <s>.
        let edge = |on: bool| {
            on as u64
                * per_sentence
                    .iter()
                    .map(|&w| w.min(n as u64 - 1))
                    .sum::<u64>()
        };
        let starts = sum_where(&got, |k| k.starts_with(BOS));
        ensure_eq!(
            starts,
            edge(padding.left),
            "n-grams starting with {BOS}: n - 1 a sentence"
        );
        let ends = sum_where(&got, |k| k.ends_with(EOS));
        ensure_eq!(
            ends,
            edge(padding.right),
            "n-grams ending with {EOS}: n - 1 a sentence"
        );
        let bad = got
            .keys()
            .find(|k| k.split(' ').count() != n || !padded_shape(k, &docs));
        if let Some(key) = bad {
            fail!("{key:?} is not {n} of: {BOS}s, consecutive tokens of a sentence, {EOS}s");
        }
        Ok(())
    })
}

fn padding_reject(imp: &Counter, _ctx: &mut Ctx) -> Result<(), Failure> {
    rejects_zero(|n| imp.padded_ngrams(&["the cat"], n, BOTH).map(|_| ()))
}

// ---------------------------------------------------------------- chars

fn chars_examples(imp: &Counter, _ctx: &mut Ctx) -> Result<(), Failure> {
    use CharAnalyzer::{Char, CharWb};
    // (document, analyzer, range, the n-grams scikit-learn gives, separated by `|`)
    let cases = [
        ("jumpy fox", CharWb, (5, 5), " fox | jump|jumpy|umpy "),
        ("jumpy fox", Char, (5, 5), "jumpy|mpy f|py fo|umpy |y fox"),
        ("a\tb", Char, (1, 1), "\t|a|b"),
        ("a \t b", Char, (1, 1), " |a|b"),
        ("a", CharWb, (2, 5), " a| a |a "),
        ("a", CharWb, (4, 4), " a "),
        ("É🙂", Char, (1, 2), "é|é🙂|🙂"),
    ];
    let run = |(doc, analyzer, (min, max), expected): (&str, CharAnalyzer, _, &str)| {
        let call = format!("char_ngrams([{doc:?}], {analyzer:?}, {min}, {max})");
        (
            call,
            imp.char_ngrams(&[doc], analyzer, min, max),
            tally(expected),
        )
    };
    examples(cases.into_iter().map(run).collect())
}

/// Lowercase characters and single spaces: lowercasing and white-space collapsing change
/// nothing, so each document's character n-grams are known.
static PLAIN: [&str; 11] = ["a", "b", "é", "ß", "д", "中", "🙂", "_", "1", ".", " "];

fn plain_texts() -> impl Strategy<Value = Vec<String>> {
    let one = vec(select(&PLAIN[..]), 0..12).prop_map(|chars| {
        let mut text = String::new();
        for c in chars {
            if !(c == " " && text.ends_with(' ')) {
                text.push_str(c);
            }
        }
        text
    });
    vec(one, 0..4)
}

/// How many n-grams of exactly `n` characters a piece of `len` characters gives: all its
/// windows; for `char_wb`, a padded word no longer than `n` gives only itself, once, at
/// the order equal to its length (or at min_n when it is shorter than that).
fn char_windows(analyzer: CharAnalyzer, len: usize, n: usize) -> u64 {
    match analyzer {
        CharAnalyzer::CharWb if len <= n => u64::from(len == n),
        _ => windows(len, n),
    }
}

fn chars_add_up(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    let inputs = (plain_texts(), analyzers(), (1usize..5, 0usize..3));
    ctx.for_all(inputs, |(texts, analyzer, (min, extra))| {
        let max = min + extra;
        let got = valid(
            imp.char_ngrams(&refs(&texts), analyzer, min, max),
            "char_ngrams",
        )?;
        // What n-grams are taken from: whole documents, or words padded with spaces.
        let pieces: Vec<String> = match analyzer {
            CharAnalyzer::Char => texts.clone(),
            CharAnalyzer::CharWb => {
                let words = texts.iter().flat_map(|t| t.split_whitespace());
                words.map(|w| format!(" {w} ")).collect()
            }
        };
        let lens: Vec<usize> = pieces.iter().map(|p| p.chars().count()).collect();
        for n in min..=max {
            let expected: u64 = lens.iter().map(|&len| char_windows(analyzer, len, n)).sum();
            let got_n = sum_where(&got, |k| k.chars().count() == n);
            ensure_eq!(
                got_n,
                expected,
                "{analyzer:?} n-grams of {n} chars (not bytes)"
            );
        }
        let short = match analyzer {
            CharAnalyzer::Char => 0,
            CharAnalyzer::CharWb => lens.iter().filter(|&&len| len < min).count() as u64,
        };
        let got_short = sum_where(&got, |k| k.chars().count() < min);
        ensure_eq!(
            got_short,
            short,
            "{analyzer:?} n-grams shorter than min_n={min}"
        );
        if let Some(key) = got
            .keys()
            .find(|k| !pieces.iter().any(|p| p.contains(k.as_str())))
        {
            fail!("{key:?} does not occur in any document ({analyzer:?})");
        }
        Ok(())
    })
}

fn chars_reject(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    rejects_ranges(ctx, |min, max| {
        let docs = ["jumpy fox"];
        imp.char_ngrams(&docs, CharAnalyzer::Char, min, max)
            .map(|_| ())
    })
}

// ---------------------------------------------------------------- topk

fn topk_consistent(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((tie_docs(), 1usize..4, 0usize..10), |(docs, n, k)| {
        let all = known_counts(&docs, n, n);
        let top = valid(imp.top_k(&texts_of(&docs), n, k), "top_k")?;
        let distinct = all.len();
        ensure_eq!(
            top.len(),
            k.min(distinct),
            "length for k={k}, {distinct} distinct n-grams"
        );
        let before = |a: &(String, u64), b: &(String, u64)| (b.1, &a.0) < (a.1, &b.0);
        if let Some(pair) = top.windows(2).find(|p| !before(&p[0], &p[1])) {
            let (a, b) = (&pair[0], &pair[1]);
            fail!("{a:?} is before {b:?}: the order is count descending, then n-gram ascending");
        }
        if let Some((gram, count)) = top.iter().find(|(g, c)| all.get(g) != Some(c)) {
            let real = all.get(gram).copied().unwrap_or(0);
            fail!("{gram:?} is listed with count {count}, it occurs {real} times");
        }
        if let Some(last) = top.last() {
            let listed: BTreeSet<&String> = top.iter().map(|(g, _)| g).collect();
            let mut left_out = all.into_iter().filter(|(g, _)| !listed.contains(g));
            if let Some(e) = left_out.find(|e| before(e, last)) {
                fail!("{e:?} is left out but ranks before the last one listed, {last:?}");
            }
        }
        Ok(())
    })
}

fn topk_reject(imp: &Counter, _ctx: &mut Ctx) -> Result<(), Failure> {
    rejects_zero(|n| imp.top_k(&["new york"], n, 3).map(|_| ()))
}

// ---------------------------------------------------------------- matrix

fn matrix_consistent(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((docs(), ranges()), |(docs, (min, max))| {
        let texts = texts_of(&docs);
        let m = valid(
            imp.document_term_matrix(&texts, min, max),
            "document_term_matrix",
        )?;
        let all = known_counts(&docs, min, max);
        let sorted: Vec<String> = all.keys().cloned().collect();
        ensure_eq!(
            m.vocabulary,
            sorted,
            "vocabulary: each n-gram of the corpus, ascending"
        );
        ensure_eq!(
            m.counts.dim(),
            (docs.len(), all.len()),
            "shape [documents, vocabulary]"
        );
        for (i, doc) in docs.iter().enumerate() {
            let cells = m.vocabulary.iter().zip(m.counts.row(i));
            let present = cells.filter(|&(_, &c)| c > 0);
            let row: Counts = present.map(|(g, &c)| (g.clone(), u64::from(c))).collect();
            let expected = known_counts(std::slice::from_ref(doc), min, max);
            ensure_eq!(row, expected, "row {i}: the counts of document {i} alone");
        }
        Ok(())
    })
}

fn matrix_reject(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    rejects_ranges(ctx, |min, max| {
        imp.document_term_matrix(&["new york"], min, max)
            .map(|_| ())
    })
}

// ---------------------------------------------------------------- stream

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

/// Specs a valid corpus must be counted under: within budget, any seed.
fn sketch_specs() -> impl Strategy<Value = SketchSpec> {
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
fn stream_inputs() -> impl Strategy<Value = (String, Vec<Doc>, SketchSpec, Vec<usize>)> {
    let corpus = docs().prop_map(|docs| (texts_of(&docs).join("\n"), docs));
    (corpus, sketch_specs(), chunk_sizes()).prop_map(|((text, docs), s, c)| (text, docs, s, c))
}

fn stream_never_under(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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

fn stream_chunking(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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

fn stream_reject(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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
const GUARANTEE_TRIALS: u64 = 4000;
const GUARANTEE_QUERIES: usize = 32;
const GUARANTEE_HEAVY: usize = 19;
const GUARANTEE_HEAVY_COUNT: usize = 3;
const GUARANTEE_LIGHT: usize = 2;

/// The corpus (one bigram a line), its heavy bigrams, and bigrams it does not hold.
fn guarantee_corpus(salt: u64) -> (String, Vec<String>, Vec<String>) {
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
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn stream_guarantee(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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

// ---------------------------------------------------------------- contamination

fn overlap_known(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    let halves = (doc_of(&WORDS[..6], 10), doc_of(&WORDS[6..], 10));
    ctx.for_all((halves, 1usize..5), |((a, b), n)| {
        let spliced = format!("{} {}", a.text, b.text);
        let tests = [spliced.as_str(), &a.text, "", &b.text];
        let (la, lb) = (a.tokens.len(), b.tokens.len());
        let whole = |l| Overlap {
            matched: windows(l, n),
            total: windows(l, n),
        };
        let seam = windows(la + lb, n) - windows(la, n) - windows(lb, n);
        let expected = vec![
            Overlap {
                matched: windows(la + lb, n) - seam,
                total: windows(la + lb, n),
            },
            whole(la),
            Overlap::default(),
            whole(lb),
        ];
        ensure_eq!(
            imp.contamination(&[&a.text, &b.text], &tests, n),
            Ok(expected),
            "train [A, B] sharing no token, tests [A + B, A, \"\", B], n={n}: only the n-grams \
             across the A|B seam are new"
        );
        Ok(())
    })
}

fn overlap_monotone(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(
        (docs(), docs(), docs(), 1usize..4),
        |(train, extra, tests, n)| {
            let (t, x) = (texts_of(&train), texts_of(&tests));
            let call = |train: &[&str]| valid(imp.contamination(train, &x, n), "contamination");
            let base = call(&t)?;
            let totals: Vec<u64> = tests.iter().map(|d| windows(d.tokens.len(), n)).collect();
            let got: Vec<u64> = base.iter().map(|o| o.total).collect();
            ensure_eq!(got, totals, "totals: max(0, L - n + 1) per test document");
            if let Some(o) = base.iter().find(|o| o.matched > o.total) {
                fail!("{o:?} matches more n-grams than the document has");
            }
            let more = call(&[t.clone(), texts_of(&extra)].concat())?;
            ensure_eq!(more.len(), base.len(), "one overlap per test document");
            if let Some(i) = (0..base.len()).find(|&i| more[i].matched < base[i].matched) {
                let (before, after) = (base[i], more[i]);
                fail!("test {i}: more training documents lowered {before:?} to {after:?}");
            }
            let reversed: Vec<&str> = t.iter().rev().copied().collect();
            ensure_eq!(
                call(&reversed)?,
                base,
                "overlaps with the training documents reversed"
            );
            Ok(())
        },
    )
}

fn overlap_reject(imp: &Counter, _ctx: &mut Ctx) -> Result<(), Failure> {
    rejects_zero(|n| {
        imp.contamination(&["new york"], &["new york"], n)
            .map(|_| ())
    })
}

// ---------------------------------------------------------------- stream: reader and seed
//
// The stream task's contract with its reader and its seed, beyond the counts: the spec is checked before the reader is touched, an interrupted read is retried, and the seed chooses the sketch's hash functions. Reference-free, like every invariant; this file depends on no other suite file.

/// The stream's contract with its reader and its seed.
fn stream_contract_properties() -> Vec<Property<Counter>> {
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
fn checks_before_reading(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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

const READER_WORDS: [&str; 8] = ["new", "york", "data", "big", "apple", "city", "is", "of"];

fn corpora() -> impl Strategy<Value = Vec<Vec<&'static str>>> {
    vec(vec(select(READER_WORDS.to_vec()), 0..8), 1..6)
}

/// `Interrupted` is retried: the same corpus read with an interruption before every read
/// counts exactly as a plain read does.
fn retries_interrupted(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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
fn seed_chooses_hashes(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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
