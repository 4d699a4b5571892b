//! The poison workload: `detect` on the criterion bench's 50,000 x 256 f32 matrix in 10
//! classes (eps 0.05), written as `.npy` files with the reference's flags for the NumPy
//! peers. Contenders: `reference`, `lapack_f64` (the same detector with the f64 scatter
//! and LAPACK for every class, the reference's previous algorithm) and `candidate` once
//! implemented.
//!
//! The worker of `make bench-poison`: `scripts/bench_poison_peers.py` starts it (`cargo bench -p
//! poison-trusted --bench peers`) and drives it over stdin and stdout
//! ([`mldrill_pack::peers`] says how).

use std::path::Path;

use mldrill_pack::peers::{Loaded, Workload, implemented, serve, target_dir};
use mldrill_spec::poison::PoisonDetector;
use poison::Candidate;
use poison_trusted::invariant::Dataset;
use poison_trusted::reference::{Reference, flag_per_class, spectral};
use serde_json::{Value, json};
use tch::Tensor;

const CLASSES: usize = 10;
const PER_CLASS: usize = 5_000;
const DIM: usize = 256;
const EPS: f64 = 0.05;

struct Poison {
    data: Dataset,
}

impl Workload for Poison {
    fn run(&mut self, contender: &str) -> Result<(), String> {
        let (x, labels) = (self.data.x.view(), &self.data.labels);
        let flags = match contender {
            "reference" => Reference.detect(x, labels, EPS),
            "lapack_f64" => flag_per_class(x, labels, EPS, spectral),
            "candidate" => Candidate.detect(x, labels, EPS),
            _ => return Err(format!("unknown poison contender {contender:?}")),
        };
        std::hint::black_box(flags)
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

fn write_npy(tensor: &Tensor, path: &Path) -> Result<(), String> {
    tensor
        .write_npy(path)
        .map_err(|e| format!("could not write {}: {e}", path.display()))
}

fn indices(values: &[usize]) -> Tensor {
    Tensor::from_slice(&values.iter().map(|&i| i as i64).collect::<Vec<_>>())
}

pub fn load() -> Loaded {
    tch::set_num_threads(1);
    let data = poison_trusted::bench::bench_dataset(CLASSES, PER_CLASS, DIM, EPS);
    let dir = target_dir().join("poison-bench");
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("could not create {}: {e}", dir.display()))?;
    let x = Tensor::try_from(&data.x).map_err(|e| e.to_string())?;
    write_npy(&x, &dir.join("representations.npy"))?;
    write_npy(&indices(&data.labels), &dir.join("labels.npy"))?;
    let view = data.x.view();
    let reference = Reference
        .detect(view, &data.labels, EPS)
        .map_err(|e| e.to_string())?;
    let lapack = flag_per_class(view, &data.labels, EPS, spectral).map_err(|e| e.to_string())?;
    write_npy(&indices(&reference), &dir.join("reference_flags.npy"))?;
    let mut contenders = vec!["reference", "lapack_f64"];
    let candidate = implemented(|| {
        let x = ndarray::Array2::<f32>::from_shape_fn((4, 2), |(i, j)| (i * 2 + j) as f32);
        Candidate.detect(x.view(), &[0, 0, 1, 1], 0.2).is_ok()
    });
    let mut candidate_agrees = Value::Null;
    if candidate {
        contenders.push("candidate");
        let flags = Candidate.detect(view, &data.labels, EPS).ok();
        candidate_agrees = json!(flags.as_ref() == Some(&reference));
    }
    let info = json!({
        "dir": dir,
        "rows": data.x.nrows(),
        "dim": data.x.ncols(),
        "classes": CLASSES,
        "eps": EPS,
        "flags": reference.len(),
        "reference_same_flags_as_lapack_f64": reference == lapack,
        "candidate_same_flags": candidate_agrees,
        "contenders": contenders,
    });
    Ok((Box::new(Poison { data }), info))
}

fn main() {
    serve(
        |words: &[&str]| match words {
            ["poison"] => load(),
            _ => Err(format!("unknown workload {words:?}")),
        },
        tch::set_num_threads,
    );
}
