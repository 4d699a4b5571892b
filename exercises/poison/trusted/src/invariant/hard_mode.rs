//! The poison exercise's reference-free properties of the `hard_mode` task: `detect_robust`
//! within budget, rare poison found, bad input rejected as `detect` rejects it.

use super::*;

pub fn hard_within_budget(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    let mut rng = StdRng::seed_from_u64(ctx.property_seed());
    for _ in 0..datasets(ctx, 16) {
        let planted = rare(&mut rng);
        let data = planted.generate();
        let flagged = imp
            .detect_robust(data.x.view(), &data.labels, planted.eps)
            .map_err(|e| Failure::new(format!("detect_robust failed on valid input: {e}")))?;
        ensure_within_budget(&flagged, &data.labels, planted.eps).map_err(|e| Failure {
            reason: e.to_string(),
            counterexample: Some(format!("{planted:?}")),
        })?;
    }
    Ok(())
}

/// Recall over every dataset together must reach 80%; plain spectral scores reach about
/// the budget's share of a class, a few percent.
pub fn hard_finds_rare(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    let mut rng = StdRng::seed_from_u64(ctx.property_seed());
    let (mut found, mut planted_total) = (0, 0);
    let mut worst: Option<(f64, Planted)> = None;
    for _ in 0..datasets(ctx, 32) {
        let planted = rare(&mut rng);
        let data = planted.generate();
        let flagged = imp
            .detect_robust(data.x.view(), &data.labels, planted.eps)
            .map_err(|e| Failure::new(format!("detect_robust failed on valid input: {e}")))?;
        let (f, p, _) = hits(&data.poisoned, &flagged);
        found += f;
        planted_total += p;
        let recall = f as f64 / p.max(1) as f64;
        if worst.as_ref().is_none_or(|(r, _)| recall < *r) {
            worst = Some((recall, planted));
        }
    }
    let recall = found as f64 / planted_total.max(1) as f64;
    if recall < 0.8 {
        let (worst_recall, planted) = worst.expect("at least one dataset");
        return Err(Failure {
            reason: format!(
                "found {found} of {planted_total} rare poisoned samples ({:.0}%), expected at least 80%; the worst dataset ({:.0}%) is the counterexample",
                100.0 * recall,
                100.0 * worst_recall
            ),
            counterexample: Some(format!("{planted:?}")),
        });
    }
    Ok(())
}

/// `detect_robust` checks its input as `detect` does: the same errors, the same edges.
pub fn hard_rejects_bad_input(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    let x = Array2::from_shape_vec(
        (5, 2),
        vec![0.0f32, 1.0, 1.0, 0.0, 2.0, 2.0, 9.0, 9.0, 4.0, 4.0],
    )
    .expect("5 x 2");
    let labels = [3, 3, 3, 7, 3];
    let expect = |what: &str, got: Result<Vec<usize>, PoisonError>, ok: bool, expected: &str| {
        if ok {
            Ok(())
        } else {
            Err(Failure::new(format!(
                "detect_robust with {what}: got {got:?}, expected {expected}"
            )))
        }
    };
    let got = imp.detect_robust(x.view(), &labels, 0.0);
    let ok = matches!(&got, Ok(v) if v.is_empty());
    expect("eps = 0", got, ok, "Ok([]) (a budget of 0 flags nothing)")?;
    let got = imp.detect_robust(x.view(), &labels, 0.1);
    let ok = matches!(&got, Ok(v) if v.contains(&3));
    expect(
        "class 7 of one sample, eps = 0.1",
        got,
        ok,
        "its sample 3 flagged (a singleton class is always flagged when eps > 0)",
    )?;
    let got = imp.detect_robust(Array2::<f32>::zeros((0, 2)).view(), &[], 0.1);
    let ok = matches!(&got, Ok(v) if v.is_empty());
    expect("no samples", got, ok, "Ok([])")?;
    let got = imp.detect_robust(x.view(), &labels[..4], 0.1);
    let ok = got == Err(PoisonError::ShapeMismatch { rows: 5, labels: 4 });
    expect(
        "5 rows and 4 labels",
        got,
        ok,
        "Err(ShapeMismatch { rows: 5, labels: 4 })",
    )?;
    for eps in [-0.1, 1.0, 1.5, f64::NAN] {
        let got = imp.detect_robust(x.view(), &labels, eps);
        let ok = got == Err(PoisonError::InvalidFraction);
        expect(&format!("eps = {eps}"), got, ok, "Err(InvalidFraction)")?;
    }
    ctx.for_all(with_non_finite(), |case| {
        let x = as_f32(&case.matrix());
        let labels: Vec<usize> = (0..case.rows).map(|i| i % 2).collect();
        ensure_eq!(
            imp.detect_robust(x.view(), &labels, 0.1),
            Err(case.first()),
            "detect_robust on a matrix with several NaNs or infinities: the first in row-major order"
        );
        Ok(())
    })
}
