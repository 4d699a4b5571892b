//! The n-gram exercise's reference-free properties: invariants any correct counter
//! satisfies (counts add up to max(0, L - n + 1), n-grams occur in their documents,
//! counting is additive and order-free, a sketch never under-counts, and its (epsilon,
//! delta) guarantee, checked with a false-alarm rate bounded by construction). Inputs are
//! built from known tokens, so no reference is needed. These are the properties an
//! exported screen lets a candidate run, so this file must never use the reference: it
//! imports only the suite framework and the spec.

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
    vec![
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
    ]
}

/// SplitMix64's finalizer: a bijection, so distinct trials get distinct sketch seeds.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

// ---------------------------------------------------------------- inputs

/// Text that exercises every tokenizer rule: ASCII and non-ASCII case, Greek final
/// sigma and Turkish dotted I (lowercasing changes the length), one-character words,
/// digits and `_`, a combining accent, CJK, emoji and Unicode white space.
pub static PIECES: [&str; 33] = [
    "a",
    "b",
    "ab",
    "The",
    "CAT",
    "cat",
    "x1",
    "_",
    "_id",
    "42",
    "é",
    "École",
    "straße",
    "ΟΔΟΣ",
    "Σ",
    "ς",
    "İ",
    "Д",
    "данные",
    "中文",
    "🙂",
    "e\u{301}",
    " ",
    "  ",
    "\t",
    "\n",
    "\u{a0}",
    "\u{3000}",
    ".",
    ",",
    "'",
    "-",
    " a ",
];

pub fn text() -> impl Strategy<Value = String> {
    vec(select(&PIECES[..]), 0..14).prop_map(|pieces| pieces.concat())
}

pub fn texts() -> impl Strategy<Value = Vec<String>> {
    vec(text(), 0..5)
}

pub fn refs(texts: &[String]) -> Vec<&str> {
    texts.iter().map(String::as_str).collect()
}

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

pub fn doc_of(
    words: &'static [(&'static str, &'static str)],
    len: usize,
) -> impl Strategy<Value = Doc> {
    vec((select(words), select(&SEPARATORS[..])), 0..len).prop_map(|parts| Doc {
        text: parts.iter().map(|((w, _), s)| format!("{w}{s}")).collect(),
        tokens: parts.iter().map(|((_, t), _)| *t).collect(),
    })
}

pub fn docs() -> impl Strategy<Value = Vec<Doc>> {
    vec(doc_of(&WORDS, 10), 0..5)
}

pub fn texts_of(docs: &[Doc]) -> Vec<&str> {
    docs.iter().map(|d| d.text.as_str()).collect()
}

/// `max(0, L - n + 1)`: how many n-grams of order `n` a sequence of `L` items has.
pub fn windows(len: usize, n: usize) -> u64 {
    (len + 1).saturating_sub(n) as u64
}

/// The order of a word n-gram key: its number of space-separated tokens.
pub fn order(key: &str) -> usize {
    key.split(' ').count()
}

pub fn joined_windows<'a>(tokens: &'a [&'a str], n: usize) -> impl Iterator<Item = String> + 'a {
    tokens.windows(n).map(|w| w.join(" "))
}

pub fn add(into: &mut Counts, from: &Counts) {
    for (key, count) in from {
        *into.entry(key.clone()).or_insert(0) += count;
    }
}

pub fn ranges() -> impl Strategy<Value = (usize, usize)> {
    (1usize..4, 0usize..3).prop_map(|(min, extra)| (min, min + extra))
}

/// Checks that `call(min_n, max_n)` rejects every bad range with `InvalidRange`.
fn rejects_ranges(
    ctx: &mut Ctx,
    call: impl Fn(usize, usize) -> Result<(), NgramError>,
) -> Result<(), Failure> {
    let bad = prop_oneof![
        (Just(0usize), 0usize..4),
        (2usize..8).prop_flat_map(|min| (Just(min), 0..min))
    ];
    ctx.for_all(bad, |(min_n, max_n)| {
        ensure_eq!(
            call(min_n, max_n),
            Err(NgramError::InvalidRange { min_n, max_n }),
            "range ({min_n}, {max_n})"
        );
        Ok(())
    })
}

fn rejects_zero(call: impl Fn(usize) -> Result<(), NgramError>) -> Result<(), Failure> {
    let got = call(0);
    if got != Err(NgramError::InvalidRange { min_n: 0, max_n: 0 }) {
        return Err(Failure {
            reason: format!("got {got:?}, order 0 must be InvalidRange {{ min_n: 0, max_n: 0 }}"),
            counterexample: Some("n = 0".into()),
        });
    }
    Ok(())
}

/// Fails with the first fixed example whose result differs.
pub fn examples<T: PartialEq + std::fmt::Debug>(cases: Vec<(String, T, T)>) -> Result<(), Failure> {
    match cases.into_iter().find(|(_, got, expected)| got != expected) {
        Some((call, got, expected)) => Err(Failure {
            reason: format!("got {got:?}, expected {expected:?}"),
            counterexample: Some(call),
        }),
        None => Ok(()),
    }
}

pub fn counts(pairs: &[(&str, u64)]) -> Counts {
    pairs.iter().map(|&(k, c)| (k.to_owned(), c)).collect()
}

// ---------------------------------------------------------------- words

fn words_add_up(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((docs(), ranges()), |(docs, (min, max))| {
        let Ok(got) = imp.word_ngrams(&texts_of(&docs), min, max) else { fail!("word_ngrams failed on a valid range ({min}, {max})") };
        for n in min..=max {
            let total: u64 = got.iter().filter(|(k, _)| order(k) == n).map(|(_, c)| c).sum();
            let expected: u64 = docs.iter().map(|d| windows(d.tokens.len(), n)).sum();
            ensure_eq!(total, expected, "total count of order {n} (each document of L tokens has max(0, L - {n} + 1))");
        }
        let occurring: BTreeSet<String> = (min..=max).flat_map(|n| docs.iter().flat_map(move |d| joined_windows(&d.tokens, n))).collect();
        if let Some((key, _)) = got.iter().find(|(k, _)| !occurring.contains(*k)) {
            fail!("{key:?} is not a run of consecutive tokens of any document of orders {min} to {max}");
        }
        Ok(())
    })
}

fn words_additive(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((docs(), docs(), ranges()), |(a, b, (min, max))| {
        let count = |docs: &[&str]| {
            imp.word_ngrams(docs, min, max)
                .map_err(|e| TestCaseError::fail(format!("word_ngrams failed: {e}")))
        };
        let (ta, tb) = (texts_of(&a), texts_of(&b));
        let mut sum = count(&ta)?;
        add(&mut sum, &count(&tb)?);
        let mut both = [ta, tb].concat();
        ensure_eq!(
            count(&both)?,
            sum,
            "counts of A ++ B vs counts of A plus counts of B"
        );
        let forward = count(&both)?;
        both.reverse();
        ensure_eq!(
            count(&both)?,
            forward,
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

pub fn paddings() -> impl Strategy<Value = Padding> {
    (any::<bool>(), any::<bool>()).prop_map(|(left, right)| Padding { left, right })
}

fn padding_examples(imp: &Counter, _ctx: &mut Ctx) -> Result<(), Failure> {
    let both = Padding {
        left: true,
        right: true,
    };
    let (left, right) = (
        Padding {
            left: true,
            right: false,
        },
        Padding {
            left: false,
            right: true,
        },
    );
    let cases: [(&[&str], usize, Padding, Counts); 6] = [
        (
            &["the cat sat"],
            3,
            both,
            counts(&[
                ("<s> <s> the", 1),
                ("<s> the cat", 1),
                ("the cat sat", 1),
                ("cat sat </s>", 1),
                ("sat </s> </s>", 1),
            ]),
        ),
        (
            &["the cat sat"],
            2,
            left,
            counts(&[("<s> the", 1), ("the cat", 1), ("cat sat", 1)]),
        ),
        (
            &["the cat sat"],
            2,
            right,
            counts(&[("the cat", 1), ("cat sat", 1), ("sat </s>", 1)]),
        ),
        (&["", "a"], 2, both, counts(&[("<s> </s>", 2)])),
        (
            &["The cat", "the dog"],
            2,
            both,
            counts(&[
                ("<s> the", 2),
                ("cat </s>", 1),
                ("dog </s>", 1),
                ("the cat", 1),
                ("the dog", 1),
            ]),
        ),
        (&["the cat"], 1, both, counts(&[("cat", 1), ("the", 1)])),
    ];
    examples(
        cases
            .into_iter()
            .map(|(s, n, p, expected)| {
                (
                    format!("padded_ngrams({s:?}, n={n}, {p:?})"),
                    imp.padded_ngrams(s, n, p),
                    Ok(expected),
                )
            })
            .collect(),
    )
}

fn padding_add_up(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((docs(), 1usize..5, paddings()), |(docs, n, padding)| {
        let Ok(got) = imp.padded_ngrams(&texts_of(&docs), n, padding) else { fail!("padded_ngrams failed on n={n}") };
        let pads = (usize::from(padding.left) + usize::from(padding.right)) * (n - 1);
        let per_sentence: Vec<u64> = docs.iter().map(|d| windows(d.tokens.len() + pads, n)).collect();
        ensure_eq!(got.values().sum::<u64>(), per_sentence.iter().sum::<u64>(), "total count (L + pads - n + 1 per sentence; L + n - 1 padded both sides)");
        let edge = |on: bool| if on { per_sentence.iter().map(|&w| w.min(n as u64 - 1)).sum() } else { 0 };
        let starts: u64 = got.iter().filter(|(k, _)| k.starts_with(BOS)).map(|(_, c)| c).sum();
        ensure_eq!(starts, edge(padding.left), "n-grams that start with {BOS} (n - 1 per sentence padded on the left)");
        let ends: u64 = got.iter().filter(|(k, _)| k.ends_with(EOS)).map(|(_, c)| c).sum();
        ensure_eq!(ends, edge(padding.right), "n-grams that end with {EOS} (n - 1 per sentence padded on the right)");
        for key in got.keys() {
            let parts: Vec<&str> = key.split(' ').collect();
            let inner: Vec<&str> = parts.iter().copied().skip_while(|&p| p == BOS).collect();
            let words: Vec<&str> = inner.iter().copied().take_while(|&p| p != EOS).collect();
            let occurs = words.is_empty() || docs.iter().any(|d| d.tokens.windows(words.len()).any(|w| w == words.as_slice()));
            if parts.len() != n || inner[words.len()..].iter().any(|&p| p != EOS) || !occurs {
                fail!("{key:?} is not {BOS}s, then consecutive tokens of a sentence, then {EOS}s, {n} in all");
            }
        }
        Ok(())
    })
}

fn padding_reject(imp: &Counter, _ctx: &mut Ctx) -> Result<(), Failure> {
    rejects_zero(|n| {
        imp.padded_ngrams(
            &["the cat"],
            n,
            Padding {
                left: true,
                right: true,
            },
        )
        .map(|_| ())
    })
}

// ---------------------------------------------------------------- chars

pub fn analyzers() -> impl Strategy<Value = CharAnalyzer> {
    prop_oneof![Just(CharAnalyzer::Char), Just(CharAnalyzer::CharWb)]
}

fn chars_examples(imp: &Counter, _ctx: &mut Ctx) -> Result<(), Failure> {
    use CharAnalyzer::{Char, CharWb};
    let cases: [(&str, CharAnalyzer, usize, usize, Counts); 7] = [
        (
            "jumpy fox",
            CharWb,
            5,
            5,
            counts(&[(" fox ", 1), (" jump", 1), ("jumpy", 1), ("umpy ", 1)]),
        ),
        (
            "jumpy fox",
            Char,
            5,
            5,
            counts(&[
                ("jumpy", 1),
                ("mpy f", 1),
                ("py fo", 1),
                ("umpy ", 1),
                ("y fox", 1),
            ]),
        ),
        ("a\tb", Char, 1, 1, counts(&[("\t", 1), ("a", 1), ("b", 1)])),
        (
            "a \t b",
            Char,
            1,
            1,
            counts(&[(" ", 1), ("a", 1), ("b", 1)]),
        ),
        (
            "a",
            CharWb,
            2,
            5,
            counts(&[(" a", 1), (" a ", 1), ("a ", 1)]),
        ),
        ("a", CharWb, 4, 4, counts(&[(" a ", 1)])),
        (
            "É🙂",
            Char,
            1,
            2,
            counts(&[("é", 1), ("é🙂", 1), ("🙂", 1)]),
        ),
    ];
    examples(
        cases
            .into_iter()
            .map(|(d, a, min, max, expected)| {
                (
                    format!("char_ngrams([{d:?}], {a:?}, {min}, {max})"),
                    imp.char_ngrams(&[d], a, min, max),
                    Ok(expected),
                )
            })
            .collect(),
    )
}

/// Lowercase characters and single spaces: lowercasing and white-space collapsing change
/// nothing, so each document's character n-grams are known.
pub static PLAIN: [&str; 11] = ["a", "b", "é", "ß", "д", "中", "🙂", "_", "1", ".", " "];

pub fn plain_texts() -> impl Strategy<Value = Vec<String>> {
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

fn chars_add_up(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((plain_texts(), analyzers(), (1usize..5, 0usize..3)), |(texts, analyzer, (min, extra))| {
        let max = min + extra;
        let Ok(got) = imp.char_ngrams(&refs(&texts), analyzer, min, max) else { fail!("char_ngrams failed on a valid range") };
        // The pieces n-grams are taken from: whole documents, or words padded with spaces.
        let pieces: Vec<String> = match analyzer {
            CharAnalyzer::Char => texts.clone(),
            CharAnalyzer::CharWb => texts.iter().flat_map(|t| t.split_whitespace().map(|w| format!(" {w} "))).collect(),
        };
        let lens: Vec<usize> = pieces.iter().map(|p| p.chars().count()).collect();
        for n in min..=max {
            let total: u64 = got.iter().filter(|(k, _)| k.chars().count() == n).map(|(_, c)| c).sum();
            let expected: u64 = match analyzer {
                CharAnalyzer::Char => lens.iter().map(|&l| windows(l, n)).sum(),
                CharAnalyzer::CharWb => lens.iter().filter(|&&l| l > n).map(|&l| windows(l, n)).sum::<u64>() + lens.iter().filter(|&&l| l == n).count() as u64,
            };
            ensure_eq!(total, expected, "total count of order {n} in Unicode scalar values ({analyzer:?})");
        }
        // char_wb counts a padded word shorter than min_n once, whole.
        let short: u64 = got.iter().filter(|(k, _)| k.chars().count() < min).map(|(_, c)| c).sum();
        let expected = match analyzer {
            CharAnalyzer::Char => 0,
            CharAnalyzer::CharWb => lens.iter().filter(|&&l| l < min).count() as u64,
        };
        ensure_eq!(short, expected, "n-grams shorter than min_n={min} ({analyzer:?}: padded words shorter than min_n, once each)");
        if let Some((key, _)) = got.iter().find(|(k, _)| !pieces.iter().any(|p| p.contains(k.as_str()))) {
            fail!("{key:?} does not occur in any document ({analyzer:?})");
        }
        Ok(())
    })
}

fn chars_reject(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    rejects_ranges(ctx, |min, max| {
        imp.char_ngrams(&["jumpy fox"], CharAnalyzer::Char, min, max)
            .map(|_| ())
    })
}

// ---------------------------------------------------------------- topk

/// The n-grams of known documents, counted from the tokens they were built from.
pub fn known_counts(docs: &[Doc], min_n: usize, max_n: usize) -> Counts {
    let mut counts = Counts::new();
    for n in min_n..=max_n {
        for doc in docs {
            for gram in joined_windows(&doc.tokens, n) {
                *counts.entry(gram).or_insert(0) += 1;
            }
        }
    }
    counts
}

/// Documents of three distinct words, so that many n-grams tie.
pub fn tie_docs() -> impl Strategy<Value = Vec<Doc>> {
    vec(doc_of(&WORDS[..4], 12), 0..5)
}

fn topk_consistent(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((tie_docs(), 1usize..4, 0usize..10), |(docs, n, k)| {
        let all = known_counts(&docs, n, n);
        let Ok(top) = imp.top_k(&texts_of(&docs), n, k) else {
            fail!("top_k failed on n={n}, k={k}")
        };
        ensure_eq!(
            top.len(),
            k.min(all.len()),
            "number of n-grams returned for k={k} with {} distinct",
            all.len()
        );
        let before = |a: &(String, u64), b: &(String, u64)| a.1 > b.1 || (a.1 == b.1 && a.0 < b.0);
        if let Some(pair) = top.windows(2).find(|p| !before(&p[0], &p[1])) {
            fail!(
                "{:?} is listed before {:?}: the order is count descending, then n-gram ascending",
                pair[0],
                pair[1]
            );
        }
        if let Some((gram, count)) = top.iter().find(|(g, c)| all.get(g) != Some(c)) {
            fail!(
                "{gram:?} is listed with count {count}, it occurs {} times",
                all.get(gram).copied().unwrap_or(0)
            );
        }
        if let Some(last) = top.last() {
            let listed: BTreeSet<&String> = top.iter().map(|(g, _)| g).collect();
            let skipped = all
                .iter()
                .map(|(g, &c)| (g.clone(), c))
                .find(|e| !listed.contains(&e.0) && before(e, last));
            if let Some(e) = skipped {
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
        let Ok(m) = imp.document_term_matrix(&texts_of(&docs), min, max) else {
            fail!("document_term_matrix failed on a valid range")
        };
        let all = known_counts(&docs, min, max);
        ensure_eq!(
            m.vocabulary,
            all.keys().cloned().collect::<Vec<_>>(),
            "vocabulary: every n-gram of the corpus once, sorted ascending"
        );
        ensure_eq!(
            m.counts.dim(),
            (docs.len(), all.len()),
            "shape: [documents, vocabulary]"
        );
        for (i, doc) in docs.iter().enumerate() {
            let cells = m.vocabulary.iter().zip(m.counts.row(i));
            let row: Counts = cells
                .filter(|&(_, &c)| c > 0)
                .map(|(g, &c)| (g.clone(), u64::from(c)))
                .collect();
            ensure_eq!(
                row,
                known_counts(std::slice::from_ref(doc), min, max),
                "row {i}: the counts of document {i} alone"
            );
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
pub struct Chunked<'a> {
    bytes: &'a [u8],
    sizes: &'a [usize],
    next: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let size = self.sizes[self.next % self.sizes.len()]
            .min(buf.len())
            .min(self.bytes.len());
        self.next += 1;
        let (head, rest) = self.bytes.split_at(size);
        buf[..size].copy_from_slice(head);
        self.bytes = rest;
        Ok(size)
    }
}

/// A reader that fails once its bytes are read.
pub struct Failing<'a>(&'a [u8]);

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        self.0.read(buf)
    }
}

pub type Sketched = Result<Box<dyn NgramSketch>, NgramError>;

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

pub fn sketch_specs() -> impl Strategy<Value = SketchSpec> {
    let (eps, delta) = (
        select(vec![0.02, 0.05, 0.1, 0.3]),
        select(vec![0.01, 0.1, 0.5]),
    );
    (1usize..4, eps, delta, any::<u64>(), 0usize..64).prop_map(
        |(n, epsilon, delta, seed, slack)| {
            let spec = SketchSpec {
                n,
                epsilon,
                delta,
                seed,
                memory_budget: 0,
                lossy: false,
            };
            SketchSpec {
                memory_budget: spec.needed_bytes() + slack,
                ..spec
            }
        },
    )
}

pub fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    vec(1usize..8, 1..4)
}

fn stream_never_under(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((docs(), sketch_specs(), chunk_sizes()), |(docs, spec, sizes)| {
        let corpus = texts_of(&docs).join("\n");
        let sketch = match sketch(imp, corpus.as_bytes(), &sizes, &spec) {
            Ok(sketch) => sketch,
            Err(e) => fail!("count_stream failed on a valid corpus within budget: {e}"),
        };
        let truth = known_counts(&docs, spec.n, spec.n);
        ensure_eq!(sketch.total(), truth.values().sum::<u64>(), "total n-grams of order {} (max(0, L - n + 1) per line)", spec.n);
        if sketch.counter_bytes() > spec.memory_budget {
            fail!("counter_bytes() = {} exceeds the budget of {}", sketch.counter_bytes(), spec.memory_budget);
        }
        if let Some((gram, count)) = truth.iter().find(|&(g, &c)| sketch.estimate(g) < c) {
            fail!("estimate({gram:?}) = {} but it occurs {count} times: a count-min sketch never under-counts", sketch.estimate(gram));
        }
        Ok(())
    })
}

fn stream_chunking(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(
        (docs(), sketch_specs(), vec(1usize..4, 1..4)),
        |(docs, spec, sizes)| {
            let corpus = texts_of(&docs).join("\n");
            let (whole, chunked) = match (
                sketch(imp, corpus.as_bytes(), &[usize::MAX], &spec),
                sketch(imp, corpus.as_bytes(), &sizes, &spec),
            ) {
                (Ok(whole), Ok(chunked)) => (whole, chunked),
                (Err(e), _) | (_, Err(e)) => {
                    fail!("count_stream failed on a valid corpus within budget: {e}")
                }
            };
            ensure_eq!(
                chunked.total(),
                whole.total(),
                "total read in chunks of {sizes:?} vs in one read"
            );
            let queries = known_counts(&docs, spec.n, spec.n)
                .into_keys()
                .chain(["new york data".to_owned()]);
            for gram in queries {
                ensure_eq!(
                    chunked.estimate(&gram),
                    whole.estimate(&gram),
                    "estimate({gram:?}) read in chunks of {sizes:?} vs in one read (same seed)"
                );
            }
            Ok(())
        },
    )
}

fn stream_reject(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    let bad = select(vec![0.0, 1.0, -0.5, 2.0, f64::NAN]);
    ctx.for_all((1usize..4, any::<u64>(), bad), |(n, seed, bad)| {
        let spec = SketchSpec {
            n,
            epsilon: 0.1,
            delta: 0.1,
            seed,
            memory_budget: 1 << 16,
            lossy: false,
        };
        let run =
            |spec: &SketchSpec, bytes: &[u8]| sketch(imp, bytes, &[5], spec).map(|s| s.total());
        let text = b"new york data\nnew york";
        ensure_eq!(
            run(
                &SketchSpec {
                    n: 0,
                    epsilon: bad,
                    ..spec
                },
                text
            ),
            Err(NgramError::InvalidRange { min_n: 0, max_n: 0 }),
            "order 0, checked first"
        );
        ensure_eq!(
            run(
                &SketchSpec {
                    epsilon: bad,
                    ..spec
                },
                text
            ),
            Err(NgramError::InvalidSketch),
            "epsilon {bad}"
        );
        ensure_eq!(
            run(&SketchSpec { delta: bad, ..spec }, text),
            Err(NgramError::InvalidSketch),
            "delta {bad}"
        );
        let needed = spec.needed_bytes();
        let short = SketchSpec {
            memory_budget: needed - 1,
            ..spec
        };
        ensure_eq!(
            run(&short, text),
            Err(NgramError::BudgetTooSmall {
                needed,
                budget: needed - 1
            }),
            "a budget one byte short of 8 * width * depth"
        );
        let failing = imp
            .count_stream(&mut Failing(text), &spec)
            .map(|s| s.total());
        ensure_eq!(
            failing,
            Err(NgramError::Io {
                kind: io::ErrorKind::BrokenPipe
            }),
            "a reader that fails with BrokenPipe"
        );
        match run(&spec, b"") {
            Ok(0) => Ok(()),
            other => fail!("an empty corpus is no error and has no n-gram: got total {other:?}"),
        }
    })
}

/// The (epsilon, delta) check: `GUARANTEE_TRIALS` sketches with independent seeds count
/// one corpus of 400 bigrams: 10 heavy ones 26 times each (more than epsilon * total =
/// 20) and 140 seen once; each sketch is asked about one of the rare ones. Its estimate
/// errs by more than 20 only when the bigram shares its counter with a heavy one in
/// every row: about (1 - (54/55)^10)^5 = 1.3e-4 of the time for 5 rows of 55 counters,
/// where delta promises 1e-2; about 0.17 when every row hashes alike.
const GUARANTEE_TRIALS: u64 = 800;
const GUARANTEE_HEAVY: usize = 10;
const GUARANTEE_HEAVY_COUNT: usize = 26;
const GUARANTEE_RARE: usize = 140;

fn guarantee_corpus(salt: u64) -> (String, Vec<String>) {
    let heavy = (0..GUARANTEE_HEAVY).map(|i| format!("hv{i}s{salt} hw{i}s{salt}"));
    let mut lines: Vec<String> = heavy
        .flat_map(|g| std::iter::repeat_n(g, GUARANTEE_HEAVY_COUNT))
        .collect();
    let rare: Vec<String> = (0..GUARANTEE_RARE)
        .map(|j| format!("ra{j}s{salt} rb{j}s{salt}"))
        .collect();
    lines.extend(rare.iter().cloned());
    (lines.join("\n"), rare)
}

fn stream_guarantee(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    let seed = ctx.property_seed();
    let (corpus, rare) = guarantee_corpus(seed % 1_000_003);
    let total = (GUARANTEE_HEAVY * GUARANTEE_HEAVY_COUNT + GUARANTEE_RARE) as u64;
    let base = SketchSpec {
        n: 2,
        epsilon: 0.05,
        delta: 0.01,
        seed: 0,
        memory_budget: 0,
        lossy: false,
    };
    let slack = (base.epsilon * total as f64).floor() as u64;
    let replay = format!(
        "property seed {seed}: sketch seeds mix(seed ^ trial) for trial < {GUARANTEE_TRIALS}, epsilon 0.05, delta 0.01"
    );
    let failure = |reason: String| Failure {
        reason,
        counterexample: Some(replay.clone()),
    };
    let mut violations = 0u64;
    for trial in 0..GUARANTEE_TRIALS {
        let spec = SketchSpec {
            seed: mix(seed ^ trial),
            memory_budget: base.needed_bytes(),
            ..base
        };
        let sketch = imp
            .count_stream(&mut corpus.as_bytes(), &spec)
            .map_err(|e| failure(format!("count_stream failed on a valid corpus: {e}")))?;
        let query = &rare[trial as usize % GUARANTEE_RARE];
        let estimate = sketch.estimate(query);
        if sketch.total() != total || estimate < 1 {
            return Err(failure(format!(
                "trial {trial}: total() = {} (expected {total}), estimate({query:?}) = {estimate} (it occurs once)",
                sketch.total()
            )));
        }
        violations += u64::from(estimate > 1 + slack);
    }
    // Independent trials, each failing with probability at most delta: Bernstein bounds
    // the chance that a correct sketch exceeds this threshold by FALSE_ALARM.
    let mean = GUARANTEE_TRIALS as f64 * base.delta;
    let threshold = mean + bernstein_threshold(mean, FALSE_ALARM);
    if violations as f64 > threshold {
        return Err(failure(format!(
            "{violations} of {GUARANTEE_TRIALS} sketches over-estimated a bigram seen once by more than epsilon * total = {slack}; \
             delta = 0.01 allows about {mean:.0} (at most {threshold:.0}, false-alarm rate of this check <= {FALSE_ALARM:e})"
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------- contamination

fn overlap_known(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((doc_of(&WORDS[..6], 10), doc_of(&WORDS[6..], 10), 1usize..5), |(a, b, n)| {
        let spliced = format!("{} {}", a.text, b.text);
        let tests = [spliced.as_str(), &a.text, "", &b.text];
        let (la, lb) = (a.tokens.len(), b.tokens.len());
        let expected = vec![
            Overlap { matched: windows(la, n) + windows(lb, n), total: windows(la + lb, n) },
            Overlap { matched: windows(la, n), total: windows(la, n) },
            Overlap::default(),
            Overlap { matched: windows(lb, n), total: windows(lb, n) },
        ];
        ensure_eq!(
            imp.contamination(&[&a.text, &b.text], &tests, n),
            Ok(expected),
            "train [A, B] sharing no token, tests [A + B, A, \"\", B], n={n}: only the n-grams across the A|B seam are new"
        );
        Ok(())
    })
}

fn overlap_monotone(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(
        (docs(), docs(), docs(), 1usize..4),
        |(train, extra, tests, n)| {
            let (t, x) = (texts_of(&train), texts_of(&tests));
            let call = |train: &[&str]| {
                imp.contamination(train, &x, n)
                    .map_err(|e| TestCaseError::fail(format!("contamination failed on n={n}: {e}")))
            };
            let base = call(&t)?;
            let totals: Vec<u64> = tests.iter().map(|d| windows(d.tokens.len(), n)).collect();
            ensure_eq!(
                base.iter().map(|o| o.total).collect::<Vec<_>>(),
                totals,
                "totals: max(0, L - n + 1) per test document"
            );
            if let Some(o) = base.iter().find(|o| o.matched > o.total) {
                fail!("{o:?} matches more n-grams than the document has");
            }
            let more = call(&[t.clone(), texts_of(&extra)].concat())?;
            ensure_eq!(more.len(), base.len(), "one overlap per test document");
            if let Some(i) = (0..base.len()).find(|&i| more[i].matched < base[i].matched) {
                fail!(
                    "test {i}: more training documents lowered its overlap from {:?} to {:?}",
                    base[i],
                    more[i]
                );
            }
            let reversed: Vec<&str> = t.iter().rev().copied().collect();
            ensure_eq!(
                call(&reversed)?,
                base,
                "overlaps with the training documents in reverse order"
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
