//! The n-gram exercise's reference-free properties of the `contamination` task: exact
//! overlap on known splits, monotone in the training set, order 0 is rejected.

use super::*;

pub fn overlap_known(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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

pub fn overlap_monotone(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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

pub fn overlap_reject(imp: &Counter, _ctx: &mut Ctx) -> Result<(), Failure> {
    rejects_zero(|n| {
        imp.contamination(&["new york"], &["new york"], n)
            .map(|_| ())
    })
}
