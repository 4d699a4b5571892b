//! The n-gram exercise's differential properties: the candidate equals the reference
//! wherever the answer is unique (counts, tokens, top-k, the matrix, overlaps, and the
//! stream's totals and error values). Hidden from candidates; graded by `mldrill grade`.

use mldrill_spec::ngram::NgramCounter;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use crate::invariant::{
    Counter, Sketched, WORDS, analyzers, chunk_sizes, doc_of, paddings, ranges, refs, sketch, spec,
    texts_of, tie_docs,
};
use crate::reference::{Reference, stream_counts};
use mldrill_pack::{Ctx, Failure, Property, ensure_eq, fail, property};

/// The properties that compare with the reference, in task order.
pub fn properties() -> Vec<Property<Counter>> {
    vec![
        property!(
            "words/tokenize_matches_reference",
            Differential,
            tokenize_matches
        ),
        property!("words/matches_reference", Differential, words_match),
        property!("padding/matches_reference", Differential, padding_matches),
        property!("chars/matches_reference", Differential, chars_match),
        property!("topk/matches_reference", Differential, topk_matches),
        property!("matrix/matches_reference", Differential, matrix_matches),
        property!("stream/errors_match_reference", Differential, stream_errors),
        property!(
            "contamination/matches_reference",
            Differential,
            overlap_matches
        ),
    ]
}

/// Text that exercises every tokenizer rule: ASCII and non-ASCII case, Greek final
/// sigma and Turkish dotted I (lowercasing changes the length), one-character words,
/// digits and `_`, a combining accent, CJK, emoji and Unicode white space.
static PIECES: [&str; 33] = [
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

fn text() -> impl Strategy<Value = String> {
    vec(select(&PIECES[..]), 0..14).prop_map(|pieces| pieces.concat())
}

fn texts() -> impl Strategy<Value = Vec<String>> {
    vec(text(), 0..5)
}

fn tokenize_matches(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(text(), |text| {
        ensure_eq!(
            imp.tokenize(&text),
            Reference.tokenize(&text),
            "tokenize({text:?})"
        );
        Ok(())
    })
}

fn words_match(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((texts(), ranges()), |(texts, (min, max))| {
        let docs = refs(&texts);
        ensure_eq!(
            imp.word_ngrams(&docs, min, max),
            Reference.word_ngrams(&docs, min, max),
            "word_ngrams({docs:?}, {min}, {max})"
        );
        Ok(())
    })
}

fn padding_matches(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((texts(), 1usize..5, paddings()), |(texts, n, padding)| {
        let docs = refs(&texts);
        ensure_eq!(
            imp.padded_ngrams(&docs, n, padding),
            Reference.padded_ngrams(&docs, n, padding),
            "padded_ngrams({docs:?}, n={n}, {padding:?})"
        );
        Ok(())
    })
}

fn chars_match(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(
        (texts(), analyzers(), (1usize..5, 0usize..3)),
        |(texts, analyzer, (min, extra))| {
            let (docs, max) = (refs(&texts), min + extra);
            ensure_eq!(
                imp.char_ngrams(&docs, analyzer, min, max),
                Reference.char_ngrams(&docs, analyzer, min, max),
                "char_ngrams({docs:?}, {analyzer:?}, {min}, {max})"
            );
            Ok(())
        },
    )
}

fn topk_matches(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((tie_docs(), 1usize..4, 0usize..10), |(docs, n, k)| {
        let texts = texts_of(&docs);
        ensure_eq!(
            imp.top_k(&texts, n, k),
            Reference.top_k(&texts, n, k),
            "top_k({texts:?}, n={n}, k={k})"
        );
        Ok(())
    })
}

fn matrix_matches(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((texts(), ranges()), |(texts, (min, max))| {
        let docs = refs(&texts);
        ensure_eq!(
            imp.document_term_matrix(&docs, min, max),
            Reference.document_term_matrix(&docs, min, max),
            "document_term_matrix({docs:?}, {min}, {max})"
        );
        Ok(())
    })
}

/// Invalid UTF-8: a stray byte, truncated 2-, 3- and 4-byte sequences, a lone
/// continuation byte, an encoded surrogate.
static INVALID: [&[u8]; 6] = [
    b"\xff",
    b"\xc3",
    b"\xe4\xb8",
    b"\x80",
    b"\xed\xa0\x80",
    b"\xf0\x9f\x99",
];

fn stream_errors(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    let bad = proptest::option::of((select(&INVALID[..]), any::<prop::sample::Index>()));
    ctx.for_all(
        (texts(), 1usize..3, bad, any::<bool>(), chunk_sizes()),
        |(texts, n, bad, lossy, sizes)| {
            let mut bytes = texts.join("\n").into_bytes();
            if let Some((sequence, at)) = bad {
                let at = at.index(bytes.len() + 1);
                bytes.splice(at..at, sequence.iter().copied());
            }
            let mut spec = spec(n, 0.1, 0.1, 1 << 20);
            spec.lossy = lossy;
            let got = sketch(imp, &bytes, &sizes, &spec);
            let expected = Reference.count_stream(&mut bytes.as_slice(), &spec);
            let totals = |r: &Sketched| r.as_ref().map(|s| s.total()).map_err(Clone::clone);
            ensure_eq!(
                totals(&got),
                totals(&expected),
                "count_stream of {:?} (lossy={lossy}, n={n}): the total, or the error",
                String::from_utf8_lossy(&bytes)
            );
            if let Ok(sketch) = got {
                let truth = stream_counts(&bytes, n);
                if let Some((gram, count)) = truth.iter().find(|&(g, &c)| sketch.estimate(g) < c) {
                    fail!(
                        "estimate({gram:?}) = {} but it occurs {count} times",
                        sketch.estimate(gram)
                    );
                }
            }
            Ok(())
        },
    )
}

fn overlap_matches(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    let tests = vec((any::<prop::sample::Index>(), doc_of(&WORDS, 6)), 0..4);
    ctx.for_all(
        (
            vec(doc_of(&WORDS, 16), 0..4),
            tests,
            select(vec![1usize, 2, 3, 4, 13]),
        ),
        |(train, picks, n)| {
            let train_texts = texts_of(&train);
            // Each test document copies a training document (when there is one) into new text.
            let tests: Vec<String> = picks
                .iter()
                .map(|(at, d)| {
                    let copied = if train.is_empty() {
                        ""
                    } else {
                        train_texts[at.index(train.len())]
                    };
                    format!("{} {copied} {}", d.text, d.text)
                })
                .collect();
            let tests = refs(&tests);
            ensure_eq!(
                imp.contamination(&train_texts, &tests, n),
                Reference.contamination(&train_texts, &tests, n),
                "contamination(train={train_texts:?}, tests={tests:?}, n={n})"
            );
            Ok(())
        },
    )
}
