//! The poison exercise's reference-free properties of the `detect` task: flags within every
//! class's removal budget (also where the budget lands a hair above a whole number),
//! obvious planted poison found, the edge cases, the first non-finite value reported.

use super::*;

pub fn detect_within_budget(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(obvious(), |planted| {
        let data = planted.generate();
        let flagged = imp
            .detect(data.x.view(), &data.labels, planted.eps)
            .map_err(|e| TestCaseError::fail(format!("detect failed on valid input: {e}")))?;
        ensure_within_budget(&flagged, &data.labels, planted.eps)
    })
}

pub fn detect_finds_obvious(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    // The case with the most classes (the first of them), kept for the report's figure
    // when somebody collects figures.
    let shown: std::cell::RefCell<Option<(Dataset, Vec<usize>)>> = Default::default();
    let collecting = figure::collecting();
    let outcome = ctx.for_all(obvious(), |planted| {
        let data = planted.generate();
        let flagged = imp
            .detect(data.x.view(), &data.labels, planted.eps)
            .map_err(|e| TestCaseError::fail(format!("detect failed on valid input: {e}")))?;
        let (found, planted_count, _) = hits(&data.poisoned, &flagged);
        let passed = (found as f64) >= 0.9 * planted_count as f64;
        if collecting {
            let mut shown = shown.borrow_mut();
            if shown
                .as_ref()
                .is_none_or(|(kept, _)| class_count(&data) > class_count(kept))
            {
                *shown = Some((data, flagged));
            }
        }
        if !passed {
            fail!(
                "found {found} of {planted_count} poisoned samples shifted 12 standard deviations away; expected at least 90%"
            );
        }
        Ok(())
    });
    if let Some((data, flagged)) = shown.into_inner() {
        record_scores(imp, &data, &flagged);
    }
    outcome
}

fn class_count(data: &Dataset) -> usize {
    data.labels
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

/// The report's strip plot of one case: per class, the candidate's spectral scores
/// of its clean and its poisoned rows, the rows its `detect` flagged marked. The scores
/// are the candidate's answers (through the same proxy as every call); the words are the
/// pack's. A class whose scores do not come back (an error, a panic, a wrong length) is
/// left out; the property's verdict never depends on the figure.
pub fn record_scores(imp: &Detector, data: &Dataset, flagged: &[usize]) {
    const TITLE: &str = "Spectral scores of clean and poisoned samples";
    figure::record_with(TITLE, || {
        let mut classes: Vec<usize> = data.labels.clone();
        classes.sort_unstable();
        classes.dedup();
        let flagged: std::collections::BTreeSet<usize> = flagged.iter().copied().collect();
        let mut points = Vec::new();
        for (column, &class) in classes.iter().enumerate() {
            let rows: Vec<usize> = (0..data.labels.len())
                .filter(|&i| data.labels[i] == class)
                .collect();
            let x = data.x.select(Axis(0), &rows);
            let scores = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                imp.spectral_scores(x.view())
            }));
            let Ok(Ok(scores)) = scores else { continue };
            if scores.len() != rows.len() {
                continue;
            }
            points.extend(rows.iter().zip(scores.iter()).map(|(&row, &value)| Point {
                column: column as u32,
                group: u32::from(data.poisoned[row]),
                value,
                marked: flagged.contains(&row),
            }));
        }
        let planted = data.poisoned.iter().filter(|&&p| p).count();
        Some(Figure {
            title: TITLE.into(),
            caption: format!(
                "detect/finds_obvious_poison, its case with the most classes: spectral_scores of each class's \
                 {} rows ({planted} of them poisoned, shifted 12 standard deviations along \
                 one direction), with the {} rows detect flagged outlined. Poison that \
                 stands out scores high; a detector should flag it and little else.",
                data.labels.len(),
                flagged.len()
            ),
            plot: Plot::Strip(Strip {
                x_label: "class".into(),
                y_label: "spectral score".into(),
                columns: classes.iter().map(|c| format!("class {c}")).collect(),
                groups: vec!["clean".into(), "poisoned".into()],
                marked: "flagged by detect".into(),
                points,
            }),
        })
    });
}

pub fn detect_edges(imp: &Detector, _ctx: &mut Ctx) -> Result<(), Failure> {
    let x = Array2::from_shape_vec(
        (5, 2),
        vec![0.0f32, 1.0, 1.0, 0.0, 2.0, 2.0, 9.0, 9.0, 4.0, 4.0],
    )
    .expect("5 x 2");
    let labels = [3, 3, 3, 7, 3];
    type Flags = Result<Vec<usize>, PoisonError>;
    let expect = |what: &str, got: Flags, ok: fn(&Flags) -> bool, expected: &str| {
        if ok(&got) {
            Ok(())
        } else {
            Err(Failure::new(format!(
                "{what}: got {got:?}, expected {expected}"
            )))
        }
    };
    expect(
        "eps = 0",
        imp.detect(x.view(), &labels, 0.0),
        |r| matches!(r, Ok(v) if v.is_empty()),
        "Ok([]) (a budget of 0 flags nothing)",
    )?;
    expect(
        "class 7 has one sample, eps = 0.1",
        imp.detect(x.view(), &labels, 0.1),
        |r| matches!(r, Ok(v) if v.contains(&3)),
        "its sample 3 flagged (a singleton class is always flagged when eps > 0)",
    )?;
    expect(
        "no samples",
        imp.detect(Array2::<f32>::zeros((0, 2)).view(), &[], 0.1),
        |r| matches!(r, Ok(v) if v.is_empty()),
        "Ok([])",
    )?;
    expect(
        "5 rows, 4 labels",
        imp.detect(x.view(), &labels[..4], 0.1),
        |r| matches!(r, Err(PoisonError::ShapeMismatch { rows: 5, labels: 4 })),
        "Err(ShapeMismatch { rows: 5, labels: 4 })",
    )?;
    for eps in [-0.1, 1.0, f64::NAN] {
        expect(
            &format!("eps = {eps}"),
            imp.detect(x.view(), &labels, eps),
            |r| matches!(r, Err(PoisonError::InvalidFraction)),
            "Err(InvalidFraction)",
        )?;
    }
    let mut bad = x.clone();
    bad[[4, 0]] = f32::INFINITY;
    expect(
        "an infinity at row 4, column 0",
        imp.detect(bad.view(), &labels, 0.1),
        |r| matches!(r, Err(PoisonError::NotFinite { row: 4, column: 0 })),
        "Err(NotFinite { row: 4, column: 0 })",
    )
}

pub fn detect_first_non_finite(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(with_non_finite(), |case| {
        let x = as_f32(&case.matrix());
        let labels: Vec<usize> = (0..case.rows).map(|i| i % 2).collect();
        ensure_eq!(
            imp.detect(x.view(), &labels, 0.1),
            Err(case.first()),
            "detect on a matrix with several NaNs or infinities: the first in row-major order"
        );
        Ok(())
    })
}

/// Class sizes `n` and fractions `eps` (hundredths) whose product `1.5 * eps * n` is, in
/// floating point, a hair above a whole number: `1.5 * 0.1 * 100` is 15.000000000000002,
/// and its budget is 15. A plain `ceil` gives 16.
pub fn hair_above_whole_numbers() -> Vec<(f64, usize)> {
    let mut pairs = Vec::new();
    for n in 2..=300usize {
        for hundredths in 1..100u32 {
            let eps = f64::from(hundredths) / 100.0;
            let product = 1.5 * eps * n as f64;
            if product.ceil() > removal_budget(eps, n) as f64 && product < n as f64 {
                pairs.push((eps, n));
            }
        }
    }
    pairs
}

/// One class whose budget lands a hair above a whole number, of rows spread at random:
/// `detect` flags the budget's worth at most, the whole number, not one more.
pub fn detect_budget_rounding(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    let pairs = hair_above_whole_numbers();
    if pairs.is_empty() {
        return Err(Failure::new(
            "no (eps, n) lands a hair above a whole number (a bug in this property)",
        ));
    }
    ctx.for_all_named(&["(eps, n)", "salt"], (select(pairs), any::<u64>()), |((eps, n), salt)| {
        let x = Array2::from_shape_fn((n, 3), |(i, j)| {
            let h = (i as u64 * 3 + j as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt;
            (h.rotate_left(17) % 1000) as f32 / 100.0
        });
        let labels = vec![4; n];
        let flagged = match imp.detect(x.view(), &labels, eps) {
            Ok(flagged) => flagged,
            Err(e) => fail!("detect failed on valid input: {e}"),
        };
        let budget = removal_budget(eps, n);
        if flagged.len() > budget {
            fail!(
                "a class of {n} samples with eps = {eps}: {} flags, but 1.5 * eps * n = {} is a \
                 rounding error above {budget}, so the budget is {budget} (removal_budget(eps, n) \
                 computes it)",
                flagged.len(),
                1.5 * eps * n as f64
            );
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_pairs_include_the_known_one_and_only_hairs_above() {
        let pairs = hair_above_whole_numbers();
        assert!(pairs.contains(&(0.1, 100)), "{pairs:?}");
        for (eps, n) in pairs {
            let product = 1.5 * eps * n as f64;
            assert!(product - product.floor() < 1e-9, "{eps} {n} {product}");
        }
    }
}
