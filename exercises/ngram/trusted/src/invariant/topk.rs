//! The n-gram exercise's reference-free properties of the `topk` task: sorted and
//! consistent with the counts, order 0 is rejected.

use super::*;

pub fn topk_consistent(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
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

pub fn topk_reject(imp: &Counter, _ctx: &mut Ctx) -> Result<(), Failure> {
    rejects_zero(|n| imp.top_k(&["new york"], n, 3).map(|_| ()))
}
