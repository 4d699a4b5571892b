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

/// One class's rows of the representations, centred on their f64 mean: in f64 (`c`,
/// exact, as the f64 detector has them) and in f32 (`c32`, only for the preconditioner).
/// Built and multiplied here rather than in libtorch: each product below is one pass over
/// memory where libtorch takes two, and memory traffic is what a loaded machine runs out
/// of first.
pub struct CentredClass {
    /// `x_i - mean` in f64, row-major `[n, d]`.
    c: Vec<f64>,
    c32: Tensor,
    d: usize,
}

impl CentredClass {
    /// The rows `rows` of `x`, which must be in standard (row-major) layout.
    pub fn new(x: ArrayView2<f32>, rows: &[usize]) -> Self {
        let d = x.ncols();
        let row = |i: usize| x.row(i).to_slice().expect("rows of a row-major matrix");
        let mut mean = vec![0.0; d];
        for &i in rows {
            for (m, &v) in mean.iter_mut().zip(row(i)) {
                *m += f64::from(v);
            }
        }
        let n = rows.len().max(1) as f64;
        mean.iter_mut().for_each(|m| *m /= n);
        let mut c = Vec::with_capacity(rows.len() * d);
        for &i in rows {
            c.extend(row(i).iter().zip(&mean).map(|(&v, &m)| f64::from(v) - m));
        }
        let c32: Vec<f32> = c.iter().map(|&v| v as f32).collect();
        let c32 = Tensor::from_slice(&c32).reshape([rows.len() as i64, d as i64]);
        Self { c, c32, d }
    }

    /// The centred rows as an `[n, d]` f64 tensor, for the LAPACK fallback.
    pub fn tensor(&self) -> Tensor {
        Tensor::from_slice(&self.c).reshape([(self.c.len() / self.d.max(1)) as i64, self.d as i64])
    }

    /// `c v` (the centred projections) and `c^T (c v)`, in f64, in one pass over `c`.
    fn scatter_times(&self, v: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut projections = Vec::with_capacity(self.c.len() / self.d.max(1));
        let mut sv = vec![0.0; self.d];
        for row in self.c.chunks_exact(self.d) {
            let p = unrolled_dot(row, v);
            for (s, &x) in sv.iter_mut().zip(row) {
                *s += p * x;
            }
            projections.push(p);
        }
        (projections, sv)
    }
}

/// `a . b` with eight partial sums, so that it vectorizes.
fn unrolled_dot(a: &[f64], b: &[f64]) -> f64 {
    let mut sums = [0.0f64; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail = dot(a8.remainder(), b8.remainder());
    for (x, y) in a8.zip(b8) {
        for ((s, x), y) in sums.iter_mut().zip(x).zip(y) {
            *s += x * y;
        }
    }
    sums.iter().sum::<f64>() + tail
}

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
    let d = class.d as i64;
    if d < 2 || class.c.is_empty() {
        return None;
    }
    let upper = upper_scatter(&class.c32);
    let values = upper.linalg_eigvalsh("U");
    let (top, second) = (values.double_value(&[d - 1]), values.double_value(&[d - 2]));
    if !(top.is_finite() && top > 0.0) {
        return None;
    }
    let full = (upper.triu(0) + upper.triu(1).tr()).to_kind(Kind::Double);
    let sigma = top * (1.0 + SHIFT);
    let shifted = Tensor::eye(d, (Kind::Double, tch::Device::Cpu)) * sigma - &full;
    let lower = shifted.f_linalg_cholesky(false).ok()?;
    // The first guess: inverse iteration from the column of the largest diagonal entry.
    let start = full.diagonal(0, 0, 1).argmax(0, false).int64_value(&[]);
    let mut v = normalized(Vec::<f64>::try_from(full.select(1, start)).ok()?)?;
    for _ in 0..FIRST_GUESS_STEPS {
        v = normalized(solve(&lower, &v))?;
    }
    let mut error_scale = None;
    for steps in 0..=MAX_STEPS {
        let (cv, sv) = class.scatter_times(&v);
        let theta = dot(&v, &sv);
        if !(theta.is_finite() && theta > 0.0) {
            return None;
        }
        let residual: Vec<f64> = sv.iter().zip(&v).map(|(s, x)| s - theta * x).collect();
        let norm = dot(&residual, &residual).sqrt();
        let margin = ERROR_MARGIN * *error_scale.get_or_insert(norm);
        let gap = theta - second - margin;
        if gap.is_nan() || gap <= 0.0 {
            return None;
        }
        let angle_bound = norm / gap;
        if angle_bound <= ANGLE_TOLERANCE {
            return Some(Refined {
                direction: v,
                projections: cv,
                eigenvalue: theta,
                angle_bound,
                steps,
            });
        }
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
        for (a, b) in class.scatter_times(&v).1.iter().zip(&expected) {
            assert!((a - b).abs() < 1e-9 * b.abs().max(1.0), "{a} vs {b}");
        }
    }
}
