//! The n-gram exercise's reference-free properties of the `words` task: counts add up,
//! counting is additive and order-free, bad ranges are rejected.

use super::*;

pub fn words_add_up(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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

pub fn words_additive(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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

pub fn words_reject(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    rejects_ranges(ctx, |min, max| {
        imp.word_ngrams(&["new york data"], min, max).map(|_| ())
    })
}
