//! The n-gram exercise's reference-free properties of the `padding` task: NLTK's examples,
//! padded counts add up, order 0 is rejected.

use super::*;

pub const BOTH: Padding = Padding {
    left: true,
    right: true,
};
pub const LEFT: Padding = Padding {
    left: true,
    right: false,
};
pub const RIGHT: Padding = Padding {
    left: false,
    right: true,
};

pub fn padding_examples(imp: &Counter, _ctx: &mut Ctx) -> Result<(), Failure> {
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
pub fn padded_shape(key: &str, docs: &[Doc]) -> bool {
    let parts: Vec<&str> = key.split(' ').collect();
    let start = parts.iter().take_while(|&&p| p == BOS).count();
    let end = parts.len() - parts.iter().rev().take_while(|&&p| p == EOS).count();
    let words = &parts[start..end.max(start)];
    let occurs = |d: &Doc| d.tokens.windows(words.len()).any(|w| w == words);
    words.iter().all(|&w| w != BOS && w != EOS) && (words.is_empty() || docs.iter().any(occurs))
}

pub fn padding_add_up(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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

pub fn padding_reject(imp: &Counter, _ctx: &mut Ctx) -> Result<(), Failure> {
    rejects_zero(|n| imp.padded_ngrams(&["the cat"], n, BOTH).map(|_| ()))
}
