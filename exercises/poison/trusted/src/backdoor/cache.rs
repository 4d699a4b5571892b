//! The scenario cache: what training produced for one seed (activations and
//! measurements), as a NumPy `.npz` file in the user's cache folder, so that grading
//! does not retrain the poisoned model for every run. The data itself is regenerated.

use std::path::{Path, PathBuf};

use tch::{Kind, Tensor};

use super::{Metrics, Scenario};

/// Bump when the data, the model or the training changes: old entries are then ignored.
const VERSION: u32 = 1;

/// What a cache entry holds.
pub struct Stored {
    pub activations: Vec<f32>,
    pub before: Metrics,
    pub reference_after: Metrics,
    pub train_seconds: f64,
}

/// The folder scenarios are cached in: `$XDG_CACHE_HOME/mldrill/data`, else
/// `~/.cache/mldrill/data`.
pub fn default_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("mldrill")
        .join("data")
}

fn path(dir: &Path, seed: u64) -> PathBuf {
    dir.join(format!("backdoor-v{VERSION}-seed-{seed}.npz"))
}

/// The cached scenario `seed`, or `None` when there is none or it does not read back.
pub fn load(dir: &Path, seed: u64) -> Option<Scenario> {
    let named = Tensor::read_npz(path(dir, seed)).ok()?;
    let get = |name: &str| named.iter().find(|(n, _)| n == name).map(|(_, t)| t);
    let activations = Vec::<f32>::try_from(get("activations")?.flatten(0, -1)).ok()?;
    let m = Vec::<f64>::try_from(get("metrics")?).ok()?;
    let [
        before_accuracy,
        before_attack,
        after_accuracy,
        after_attack,
        train_seconds,
    ] = m.as_slice().try_into().ok()?;
    let stored = Stored {
        activations,
        before: Metrics {
            clean_accuracy: before_accuracy,
            attack_success: before_attack,
        },
        reference_after: Metrics {
            clean_accuracy: after_accuracy,
            attack_success: after_attack,
        },
        train_seconds,
    };
    Scenario::restore(seed, stored)
}

/// Writes `scenario` to the cache, atomically (a half-written file is never read).
pub fn save(dir: &Path, scenario: &Scenario) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let activations = Tensor::from_slice(
        scenario
            .activations
            .as_slice()
            .expect("activations are contiguous"),
    )
    .reshape([scenario.activations.nrows() as i64, -1]);
    let metrics = Tensor::from_slice(&[
        scenario.before.clean_accuracy,
        scenario.before.attack_success,
        scenario.reference_after.clean_accuracy,
        scenario.reference_after.attack_success,
        scenario.train_seconds,
    ])
    .to_kind(Kind::Double);
    let final_path = path(dir, scenario.seed);
    let partial = final_path.with_extension(format!("partial-{}.npz", std::process::id()));
    let labels: Vec<i64> = scenario.train.labels.iter().map(|&l| l as i64).collect();
    let poisoned: Vec<i64> = scenario.poisoned.iter().map(|&p| i64::from(p)).collect();
    // Labels and ground truth are regenerated on load; they are stored for inspection
    // with NumPy (`np.load`).
    Tensor::write_npz(
        &[
            ("activations", activations),
            ("metrics", metrics),
            ("labels", Tensor::from_slice(&labels)),
            ("poisoned", Tensor::from_slice(&poisoned)),
        ],
        &partial,
    )
    .map_err(std::io::Error::other)?;
    std::fs::rename(&partial, &final_path)
}
