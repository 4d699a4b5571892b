//! The top eigenvector of a class's scatter matrix `c^T c` (`c`: the class's rows centred
//! in f64), in mixed precision, for the reference's `detect`.
//!
//! Forming the `d x d` scatter costs `n d^2` multiply-adds, most of the f64 detector's
//! time. Here it is formed in f32 (about three times as fast as f64 with AVX-512), only
//! its upper block triangle, and serves as a first guess and a preconditioner: its top two
//! eigenvalues (LAPACK, values only) and the Cholesky factor of `m = sigma - s32`, `sigma`
//! just above its top eigenvalue. Inverse iteration with `m` gives the first guess `v`.
//! Each correction step then computes the exact f64 product `s v = c^T (c v)` (`2 n d`
//! multiply-adds), the Rayleigh quotient `theta`, the residual `r = s v - theta v`, and
//! Olsen's correction `t = m^-1 r - alpha m^-1 v` (`alpha` keeps `t` orthogonal to `v`).
//! The error shrinks by about `(|s - s32| + sigma - lambda_1) / gap` a step: one or two
//! steps reach f64 accuracy even when the top two eigenvalues are within 0.5%.
//!
//! The result stands only when a bound on its angle to the true eigenvector is below
//! [`ANGLE_TOLERANCE`]: `|r| / (theta - lambda_2)` (Davis and Kahan), with `lambda_2`
//! bounded from above by the f32 scatter's second eigenvalue plus [`ERROR_MARGIN`] times
//! the first guess's residual, an estimate of the f32 scatter's error. When the top two
//! eigenvalues are too close to tell apart this way (within about 1e-5 of each other),
//! the answer is `None` and the caller falls back to the f64 scatter and LAPACK.

use ndarray::ArrayView2;
use tch::{Kind, Tensor};

/// The largest accepted bound on the angle (radians) to the true top eigenvector.
pub const ANGLE_TOLERANCE: f64 = 1e-9;
/// How many times the first guess's residual may separate the f32 scatter's second
/// eigenvalue from the true one.
pub const ERROR_MARGIN: f64 = 10.0;
/// `sigma = lambda_1 (1 + SHIFT)`: far enough above the f32 scatter's top eigenvalue for
/// its error (about 1e-7 relative) to keep `m` positive definite, close enough to make
/// inverse iteration fast.
const SHIFT: f64 = 1e-5;
/// Inverse-iteration steps with the f32 scatter for the first guess.
const FIRST_GUESS_STEPS: usize = 3;
/// Correction steps before giving up; convergence takes two or three.
const MAX_STEPS: usize = 8;
/// The scatter is formed as this many row blocks of its upper triangle.
const SCATTER_BLOCKS: i64 = 4;

/// One class's rows of the representations and their f64 mean. The rows stay where they
/// are, in f32: the exact f64 products centre each value as they read it (`f64(x) - mean`,
/// the same numbers a centred f64 copy would hold), so no f64 copy of the class is ever
/// written. Only the f32 centred copy `c32`, the preconditioner's input, is.
pub struct CentredClass<'a> {
    /// All of `x`, row-major.
    x: &'a [f32],
    rows: &'a [usize],
    mean: Vec<f64>,
    c32: Tensor,
    d: usize,
}

impl<'a> CentredClass<'a> {
    /// The rows `rows` of `x`, which must be in standard (row-major) layout.
    pub fn new<'x: 'a>(x: ArrayView2<'x, f32>, rows: &'a [usize]) -> Self {
        let d = x.ncols();
        let x = x.to_slice().expect("a row-major matrix");
        let (mean, c32) = pulp::Arch::new().dispatch(Centre { x, d, rows });
        let c32 = Tensor::from_slice(&c32).reshape([rows.len() as i64, d as i64]);
        Self {
            x,
            rows,
            mean,
            c32,
            d,
        }
    }

    /// The centred rows as an `[n, d]` f64 tensor, for the LAPACK fallback.
    pub fn tensor(&self) -> Tensor {
        let mut c = Vec::with_capacity(self.rows.len() * self.d);
        for &i in self.rows {
            c.extend(
                row_of(self.x, self.d, i)
                    .iter()
                    .zip(&self.mean)
                    .map(|(&v, &m)| f64::from(v) - m),
            );
        }
        Tensor::from_slice(&c).reshape([self.rows.len() as i64, self.d as i64])
    }

    /// `c v` (the centred projections), `c^T (c v)` and the rows' norms `|c_i|`, in f64,
    /// in one pass over the rows, in the widest vectors the CPU has (the sums' order, and
    /// so their rounding, is the same in every width).
    fn scatter_times(&self, v: &[f64]) -> Pass {
        pulp::Arch::new().dispatch(ScatterTimes { class: self, v })
    }
}

/// The f64 mean of the rows `rows` of `x` (`d` columns, row-major), and the rows centred
/// on it, rounded to f32: a loop that [`pulp`] compiles for each instruction set it
/// dispatches to (the SIMD type itself is not used: the compiler vectorizes the loops).
struct Centre<'a> {
    x: &'a [f32],
    d: usize,
    rows: &'a [usize],
}

impl pulp::WithSimd for Centre<'_> {
    type Output = (Vec<f64>, Vec<f32>);

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> Self::Output {
        centre(self.x, self.d, self.rows)
    }
}

/// [`CentredClass::scatter_times`]'s loop, compiled like [`Centre`]'s.
struct ScatterTimes<'a, 'c> {
    class: &'a CentredClass<'c>,
    v: &'a [f64],
}

impl pulp::WithSimd for ScatterTimes<'_, '_> {
    type Output = Pass;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> Pass {
        let c = self.class;
        scatter_times(c.x, c.d, c.rows, &c.mean, self.v)
    }
}

#[inline(always)]
fn centre(x: &[f32], d: usize, rows: &[usize]) -> (Vec<f64>, Vec<f32>) {
    let mut mean = vec![0.0; d];
    for &i in rows {
        for (m, &v) in mean.iter_mut().zip(row_of(x, d, i)) {
            *m += f64::from(v);
        }
    }
    let n = rows.len().max(1) as f64;
    mean.iter_mut().for_each(|m| *m /= n);
    let mut c32 = Vec::with_capacity(rows.len() * d);
    for &i in rows {
        c32.extend(
            row_of(x, d, i)
                .iter()
                .zip(&mean)
                .map(|(&v, &m)| (f64::from(v) - m) as f32),
        );
    }
    (mean, c32)
}

#[inline(always)]
fn scatter_times(x: &[f32], d: usize, rows: &[usize], mean: &[f64], v: &[f64]) -> Pass {
    let mut pass = Pass {
        projections: Vec::with_capacity(rows.len()),
        norms: Vec::with_capacity(rows.len()),
        sv: vec![0.0; d],
    };
    let mut row = vec![0.0; d];
    for &i in rows {
        for ((c, &x), &m) in row.iter_mut().zip(row_of(x, d, i)).zip(mean) {
            *c = f64::from(x) - m;
        }
        let (p, squares) = unrolled_dot(&row, v);
        for (s, &c) in pass.sv.iter_mut().zip(&row) {
            *s += p * c;
        }
        pass.projections.push(p);
        pass.norms.push(squares.sqrt());
    }
    pass
}

/// What one exact pass over a class gives.
struct Pass {
    projections: Vec<f64>,
    norms: Vec<f64>,
    sv: Vec<f64>,
}

/// Row `i` of the row-major `x` of `d` columns.
#[inline(always)]
fn row_of(x: &[f32], d: usize, i: usize) -> &[f32] {
    &x[i * d..(i + 1) * d]
}

/// `a . b` and `a . a`, with eight partial sums each, so that they vectorize.
#[inline(always)]
fn unrolled_dot(a: &[f64], b: &[f64]) -> (f64, f64) {
    let (mut sums, mut squares) = ([0.0f64; 8], [0.0f64; 8]);
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let (a_tail, b_tail) = (a8.remainder(), b8.remainder());
    for (x, y) in a8.zip(b8) {
        for (((s, q), x), y) in sums.iter_mut().zip(squares.iter_mut()).zip(x).zip(y) {
            *s += x * y;
            *q += x * x;
        }
    }
    (
        sums.iter().sum::<f64>() + dot(a_tail, b_tail),
        squares.iter().sum::<f64>() + dot(a_tail, a_tail),
    )
}

#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn normalized(mut v: Vec<f64>) -> Option<Vec<f64>> {
    let norm = dot(&v, &v).sqrt();
    if !(norm.is_finite() && norm > 0.0) {
        return None;
    }
    v.iter_mut().for_each(|x| *x /= norm);
    Some(v)
}

/// `c^T c` in f32 for the `[n, d]` f32 tensor `c`: the diagonal blocks and the blocks
/// above them only (the rest is zero), about 5/8 of the multiply-adds of a full product.
fn upper_scatter(c: &Tensor) -> Tensor {
    let d = c.size()[1];
    let out = Tensor::zeros([d, d], (Kind::Float, tch::Device::Cpu));
    let width = (d + SCATTER_BLOCKS - 1) / SCATTER_BLOCKS;
    for start in (0..d).step_by(width as usize) {
        let len = width.min(d - start);
        let product = c
            .narrow(1, start, len)
            .tr()
            .mm(&c.narrow(1, start, d - start));
        out.narrow(0, start, len)
            .narrow(1, start, d - start)
            .copy_(&product);
    }
    out
}

/// `m^-1 b` for the Cholesky factor `lower` of `m`.
fn solve(lower: &Tensor, b: &[f64]) -> Vec<f64> {
    let b = Tensor::from_slice(b).unsqueeze(1);
    Vec::<f64>::try_from(b.cholesky_solve(lower, false).squeeze_dim(1)).expect("f64 vector")
}

/// A refined top eigenvector of `c^T c`.
#[derive(Debug)]
pub struct Refined {
    /// The unit eigenvector.
    pub direction: Vec<f64>,
    /// `c v`: the centred rows' projections on it.
    pub projections: Vec<f64>,
    /// `|c_i|`: the centred rows' norms.
    pub norms: Vec<f64>,
    /// Its Rayleigh quotient: the top eigenvalue.
    pub eigenvalue: f64,
    /// The bound on its angle to the true top eigenvector.
    pub angle_bound: f64,
    /// Correction steps taken.
    pub steps: usize,
}

/// The top eigenvector of the class's `c^T c`, or `None` when the convergence check
/// fails (the top two eigenvalues too close, a zero matrix, fewer than 2 columns).
pub fn refined_top_direction(class: &CentredClass) -> Option<Refined> {
    refine(class, |_| false)
}

/// The positions of the `budget` rows with the largest squared projections on the class's
/// top eigenvector (ties to the earlier row), as soon as a direction is known well enough
/// to decide them: the first exact pass usually is, a correction step later almost always.
///
/// A direction within angle `a` of the true one moves every row's `|projection|` by at
/// most `|c_i| sqrt(2) sin a`; when even the lowest chosen row, moved down that far, stays
/// above the highest row left out, moved up, no direction within the bound chooses other
/// rows. Rows too close to the cut to be decided this way wait for the full
/// [`ANGLE_TOLERANCE`] direction, whose order then stands, as [`refined_top_direction`]'s.
/// `None` when the direction cannot be refined (the caller falls back to LAPACK).
pub fn certified_top(class: &CentredClass, budget: usize) -> Option<Vec<usize>> {
    let mut decided = None;
    let refined = refine(class, |refined| {
        decided = decide(refined, budget);
        decided.is_some()
    })?;
    Some(decided.unwrap_or_else(|| {
        let scores: Vec<f64> = refined.projections.iter().map(|p| p * p).collect();
        super::top(&scores, budget)
    }))
}

/// The `budget` rows of largest `|projection|`, when the angle bound leaves no doubt
/// about which they are (see [`certified_top`]).
fn decide(refined: &Refined, budget: usize) -> Option<Vec<usize>> {
    let n = refined.projections.len();
    if budget == 0 || budget >= n {
        return Some((0..budget.min(n)).collect());
    }
    // The move bound, with room for the rounding of an f64 dot product of this length.
    let reach = std::f64::consts::SQRT_2 * refined.angle_bound + ROUNDING_SLACK;
    let size = |i: usize| refined.projections[i].abs();
    let mut order: Vec<usize> = (0..n).collect();
    order.select_nth_unstable_by(budget - 1, |&a, &b| size(b).total_cmp(&size(a)));
    let (chosen, rest) = order.split_at_mut(budget);
    let lowest = chosen
        .iter()
        .map(|&i| size(i) - reach * refined.norms[i])
        .fold(f64::INFINITY, f64::min);
    let highest = rest
        .iter()
        .map(|&i| size(i) + reach * refined.norms[i])
        .fold(f64::NEG_INFINITY, f64::max);
    (lowest > highest).then(|| chosen.to_vec())
}

/// What an f64 dot product of a few thousand terms may be off by, relative to the
/// norms it multiplies.
const ROUNDING_SLACK: f64 = 1e-12;

/// Refines the f32 scatter's top eigenvector with exact passes until `done` accepts a
/// step or its angle bound is below [`ANGLE_TOLERANCE`].
fn refine(class: &CentredClass, mut done: impl FnMut(&Refined) -> bool) -> Option<Refined> {
    let d = class.d as i64;
    if d < 2 || class.rows.is_empty() {
        return None;
    }
    let upper = upper_scatter(&class.c32);
    let values = upper.linalg_eigvalsh("U");
    let (top, second) = (values.double_value(&[d - 1]), values.double_value(&[d - 2]));
    if !(top.is_finite() && top > 0.0) {
        return None;
    }
    // `sigma - s32` in f64, from the upper triangle (a few small loops here cost less
    // than libtorch's calls for them).
    let n = class.d;
    let upper = Vec::<f32>::try_from(upper.flatten(0, 1)).ok()?;
    let entry = |i: usize, j: usize| f64::from(upper[i.min(j) * n + i.max(j)]);
    let sigma = top * (1.0 + SHIFT);
    let shifted: Vec<f64> = (0..n * n)
        .map(|k| {
            let (i, j) = (k / n, k % n);
            f64::from(u8::from(i == j)) * sigma - entry(i, j)
        })
        .collect();
    let lower = Tensor::from_slice(&shifted)
        .reshape([d, d])
        .f_linalg_cholesky(false)
        .ok()?;
    // The first guess: inverse iteration from the column of the largest diagonal entry.
    let start = (0..n).max_by(|&a, &b| entry(a, a).total_cmp(&entry(b, b)))?;
    let mut v = normalized((0..n).map(|i| entry(i, start)).collect())?;
    for _ in 0..FIRST_GUESS_STEPS {
        v = normalized(solve(&lower, &v))?;
    }
    let mut error_scale = None;
    for steps in 0..=MAX_STEPS {
        let pass = class.scatter_times(&v);
        let theta = dot(&v, &pass.sv);
        if !(theta.is_finite() && theta > 0.0) {
            return None;
        }
        let residual: Vec<f64> = pass.sv.iter().zip(&v).map(|(s, x)| s - theta * x).collect();
        let norm = dot(&residual, &residual).sqrt();
        let margin = ERROR_MARGIN * *error_scale.get_or_insert(norm);
        let gap = theta - second - margin;
        if gap.is_nan() || gap <= 0.0 {
            return None;
        }
        let refined = Refined {
            direction: v,
            projections: pass.projections,
            norms: pass.norms,
            eigenvalue: theta,
            angle_bound: norm / gap,
            steps,
        };
        if refined.angle_bound <= ANGLE_TOLERANCE || done(&refined) {
            return Some(refined);
        }
        v = refined.direction;
        // Olsen: t = m^-1 r - alpha m^-1 v, orthogonal to v.
        let (a, b) = (solve(&lower, &residual), solve(&lower, &v));
        let alpha = dot(&v, &a) / dot(&v, &b);
        let corrected = v
            .iter()
            .zip(a.iter().zip(&b))
            .map(|(x, (a, b))| x + a - alpha * b)
            .collect();
        v = normalized(corrected)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use tch::Device;

    const OPTIONS: (Kind, Device) = (Kind::Double, Device::Cpu);

    /// `n` rows (stored as f32, as representations are) whose centred scatter has
    /// eigenvalues `spectrum` along random orthonormal directions.
    fn with_spectrum(n: i64, spectrum: &[f64], seed: i64) -> Array2<f32> {
        tch::manual_seed(seed);
        let d = spectrum.len() as i64;
        // Columns of zero mean, so that centring leaves the spectrum as it is.
        let z = Tensor::randn([n, d], OPTIONS);
        let (p, _) = Tensor::linalg_qr(&(&z - z.mean_dim(0, true, Kind::Double)), "reduced");
        let (w, _) = Tensor::linalg_qr(&Tensor::randn([d, d], OPTIONS), "reduced");
        let scale = Tensor::from_slice(spectrum).sqrt();
        let x = ((p * scale.unsqueeze(0)).mm(&w.tr()) * 50.0 + 3.0).to_kind(Kind::Float);
        let values = Vec::<f32>::try_from(x.flatten(0, 1)).unwrap();
        Array2::from_shape_vec((n as usize, d as usize), values).unwrap()
    }

    /// The f64 scatter's top eigenvector by LAPACK.
    fn lapack_direction(x: &Array2<f32>) -> Vec<f64> {
        let rows: Vec<usize> = (0..x.nrows()).collect();
        let m = super::super::gather(x.view(), &rows);
        let centred = &m - m.mean_dim(0, true, Kind::Double);
        Vec::<f64>::try_from(super::super::top_direction(&centred).0).unwrap()
    }

    fn spectrum(d: usize, top: f64, second: f64) -> Vec<f64> {
        let mut s: Vec<f64> = (0..d).map(|i| 0.9 - 0.6 * i as f64 / d as f64).collect();
        s[0] = top;
        s[1] = second;
        s
    }

    #[test]
    fn top_two_eigenvalues_within_half_a_percent_agree_with_lapack_in_f64() {
        let x = with_spectrum(3_000, &spectrum(128, 1.0, 0.995), 1);
        let rows: Vec<usize> = (0..x.nrows()).collect();
        let refined = refined_top_direction(&CentredClass::new(x.view(), &rows))
            .expect("a 0.5% gap converges");
        let cosine = dot(&refined.direction, &lapack_direction(&x));
        assert!(1.0 - cosine.abs() < 1e-12, "cosine {cosine}");
        assert!(refined.angle_bound <= ANGLE_TOLERANCE);
        assert!(
            refined.steps >= 1,
            "the f32 guess alone is not f64-accurate"
        );
    }

    fn refined(projections: Vec<f64>, angle_bound: f64) -> Refined {
        Refined {
            norms: vec![1.0; projections.len()],
            direction: vec![1.0],
            projections,
            eigenvalue: 1.0,
            angle_bound,
            steps: 0,
        }
    }

    #[test]
    fn rows_near_the_cut_wait_for_a_tighter_bound() {
        // |p|: 3, 2.0001 (chosen, with budget 2), 2 (left out): a gap of 1e-4 at the cut.
        let projections = vec![-2.0, 3.0, 2.0001, 0.5];
        let decided = decide(&refined(projections.clone(), 1e-6), 2).map(|mut chosen| {
            chosen.sort_unstable();
            chosen
        });
        assert_eq!(decided, Some(vec![1, 2]));
        // A bound that lets each row move by more than half the gap decides nothing.
        assert_eq!(decide(&refined(projections, 1e-4), 2), None);
    }

    #[test]
    fn a_tie_at_the_cut_is_never_decided_early() {
        let tie = vec![1.0, -2.0, 2.0, 0.0];
        assert_eq!(decide(&refined(tie, 0.0), 1), None);
        assert_eq!(decide(&refined(vec![1.0, 2.0], 0.5), 2), Some(vec![0, 1]));
    }

    #[test]
    fn equal_top_eigenvalues_are_left_to_lapack() {
        // The top eigenvector is not determined: no bound can hold, so no answer.
        let x = with_spectrum(3_000, &spectrum(64, 1.0, 1.0), 2);
        let rows: Vec<usize> = (0..x.nrows()).collect();
        assert!(refined_top_direction(&CentredClass::new(x.view(), &rows)).is_none());
    }

    #[test]
    fn identical_rows_and_a_single_column_are_left_to_lapack() {
        let same = Array2::<f32>::ones((10, 4));
        let column = Array2::<f32>::from_shape_fn((10, 1), |(i, _)| i as f32);
        let rows: Vec<usize> = (0..10).collect();
        assert!(refined_top_direction(&CentredClass::new(same.view(), &rows)).is_none());
        assert!(refined_top_direction(&CentredClass::new(column.view(), &rows)).is_none());
    }

    #[test]
    fn the_class_is_centred_in_f64_and_its_scatter_product_is_exact() {
        let x = Array2::from_shape_fn((5, 3), |(i, j)| (i * i + 2 * j) as f32);
        let rows = [0, 2, 3, 4];
        let class = CentredClass::new(x.view(), &rows);
        let c = super::super::gather(x.view(), &rows);
        let c = &c - c.mean_dim(0, true, Kind::Double);
        let v = [0.3, -1.0, 2.0];
        let expected = Vec::<f64>::try_from(c.tr().mv(&c.mv(&Tensor::from_slice(&v)))).unwrap();
        for (a, b) in class.scatter_times(&v).sv.iter().zip(&expected) {
            assert!((a - b).abs() < 1e-9 * b.abs().max(1.0), "{a} vs {b}");
        }
    }
}
