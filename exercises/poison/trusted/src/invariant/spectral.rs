//! The poison exercise's reference-free properties of the `spectral` task: scores of the
//! right shape and sign, invariant to translation, equivariant to rotation and row order,
//! quadratic in scale, along the top direction; the first non-finite value reported.

use super::*;

pub fn spectral_shape(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    let empty = Array2::<f32>::zeros((0, 3));
    match imp.spectral_scores(empty.view()) {
        Ok(s) if s.is_empty() => {}
        other => {
            return Err(Failure::new(format!(
                "spectral_scores of no rows: got {:?}, expected no scores",
                other.map(|s| s.to_vec())
            )));
        }
    }
    let same = Array2::<f32>::from_elem((5, 3), 2.5);
    match imp.spectral_scores(same.view()) {
        Ok(s) if s.len() == 5 && s.iter().all(|&v| v.abs() < 1e-9) => {}
        other => {
            return Err(Failure::new(format!(
                "five identical rows: got {:?}, expected five zero scores",
                other.map(|s| s.to_vec())
            )));
        }
    }
    let mut bad = Array2::<f32>::zeros((4, 3));
    bad[[2, 1]] = f32::NAN;
    match imp.spectral_scores(bad.view()) {
        Err(PoisonError::NotFinite { row: 2, column: 1 }) => {}
        other => {
            return Err(Failure::new(format!(
                "a NaN at row 2, column 1: got {:?}, expected Err(NotFinite {{ row: 2, column: 1 }})",
                other.map(|s| s.to_vec())
            )));
        }
    }
    ctx.for_all(clouds(0.2..=0.6), |cloud| {
        let x = cloud.matrix();
        let s = scores(imp, x.view())?;
        ensure_eq!(s.len(), x.nrows(), "number of scores");
        if let Some((i, v)) = s
            .iter()
            .enumerate()
            .find(|(_, v)| !v.is_finite() || **v < 0.0)
        {
            fail!("score {i} is {v}; squared projections are finite and never negative");
        }
        Ok(())
    })
}

pub fn spectral_translation(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((clouds(0.2..=0.6), -100.0f32..100.0), |(cloud, shift)| {
        let x = cloud.matrix();
        let moved = &x + shift;
        ensure_close(
            &scores(imp, moved.view())?,
            &scores(imp, x.view())?,
            &format!("scores after adding {shift} to every value (centring makes them equal)"),
        )
    })
}

/// A random orthogonal matrix: Gram-Schmidt of Gaussian vectors.
pub fn rotation(dim: usize, seed: u64) -> Array2<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut basis: Vec<Vec<f64>> = Vec::new();
    for _ in 0..dim {
        let v = unit_vector(dim, &basis, &mut rng);
        basis.push(v);
    }
    Array2::from_shape_fn((dim, dim), |(i, j)| basis[i][j] as f32)
}

pub fn spectral_rotation(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((clouds(0.2..=0.6), any::<u64>()), |(cloud, seed)| {
        let x = cloud.matrix();
        let q = rotation(cloud.dim, seed);
        let mut order: Vec<usize> = (0..x.nrows()).collect();
        order.shuffle(&mut StdRng::seed_from_u64(seed ^ 1));
        let moved = x.select(Axis(0), &order).dot(&q);
        let expected = scores(imp, x.view())?.select(Axis(0), &order);
        ensure_close(
            &scores(imp, moved.view())?,
            &expected,
            "scores after rotating the representations and reordering the rows (they follow the rows)",
        )
    })
}

pub fn spectral_scale(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((clouds(0.2..=0.6), 0.1f32..10.0), |(cloud, factor)| {
        let x = cloud.matrix();
        let scaled = &x * factor;
        let expected = scores(imp, x.view())? * f64::from(factor).powi(2);
        ensure_close(
            &scores(imp, scaled.view())?,
            &expected,
            &format!("scores after multiplying the representations by {factor} (squared projections scale by its square)"),
        )
    })
}

/// The scores sum to the largest singular value squared, the most any unit direction
/// captures: no axis and no random direction may capture more.
pub fn spectral_top_direction(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((clouds(0.2..=0.6), any::<u64>()), |(cloud, seed)| {
        let x = cloud.matrix();
        let total: f64 = scores(imp, x.view())?.sum();
        let xf = x.mapv(f64::from);
        let centred = &xf - &xf.mean_axis(Axis(0)).expect("rows exist");
        let mut rng = StdRng::seed_from_u64(seed);
        let mut directions: Vec<Vec<f64>> = (0..cloud.dim)
            .map(|j| (0..cloud.dim).map(|k| f64::from(u8::from(j == k))).collect())
            .collect();
        directions.extend((0..8).map(|_| unit_vector(cloud.dim, &[], &mut rng)));
        for u in directions {
            let captured: f64 = centred.dot(&Array1::from(u.clone())).mapv(|p| p * p).sum();
            if captured > total * (1.0 + 1e-3) + 1e-9 {
                fail!(
                    "the scores sum to {total:.6}, but the direction {:?} captures {captured:.6}: the scores do not use the top singular vector",
                    mldrill_pack::brief(&u)
                );
            }
        }
        Ok(())
    })
}

pub fn spectral_first_non_finite(imp: &Detector, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(with_non_finite(), |case| {
        let x = as_f32(&case.matrix());
        let got = imp.spectral_scores(x.view()).map(|s| s.len());
        ensure_eq!(
            got,
            Err(case.first()),
            "spectral_scores of a matrix with several NaNs or infinities: the first in row-major order"
        );
        Ok(())
    })
}
