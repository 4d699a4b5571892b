//! The n-gram exercise's reference-free properties of the `chars` task: scikit-learn's
//! examples, character n-grams add up, bad ranges are rejected.

use super::*;

pub fn chars_examples(imp: &Counter, _ctx: &mut Ctx) -> Result<(), Failure> {
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

/// How many n-grams of exactly `n` characters a piece of `len` characters gives: all its
/// windows; for `char_wb`, a padded word no longer than `n` gives only itself, once, at
/// the order equal to its length (or at min_n when it is shorter than that).
pub fn char_windows(analyzer: CharAnalyzer, len: usize, n: usize) -> u64 {
    match analyzer {
        CharAnalyzer::CharWb if len <= n => u64::from(len == n),
        _ => windows(len, n),
    }
}

pub fn chars_add_up(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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

pub fn chars_reject(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    rejects_ranges(ctx, |min, max| {
        let docs = ["jumpy fox"];
        imp.char_ngrams(&docs, CharAnalyzer::Char, min, max)
            .map(|_| ())
    })
}
