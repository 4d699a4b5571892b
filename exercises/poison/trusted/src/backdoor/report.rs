//! `mldrill backdoor`: the attack and the reference defence, end to end, in a few lines a
//! person can read: the data, the training time, and what removing the reference
//! detector's flags and retraining does to clean accuracy and attack success.

use std::fmt::Write;
use std::time::Instant;

use super::model::EPOCHS;
use super::{EPS, PER_CLASS, SOURCE, Scenario, TARGET, cache, poisoned_count};
use crate::reference::Reference;

/// Builds (or loads) scenario `seed` and describes it.
pub fn run(seed: u64, fresh: bool) -> String {
    let dir = cache::default_dir();
    let started = Instant::now();
    let scenario = if fresh {
        let scenario = Scenario::build(seed);
        let _ = cache::save(&dir, &scenario);
        std::sync::Arc::new(scenario)
    } else {
        Scenario::get(seed, Some(&dir))
    };
    let elapsed = started.elapsed().as_secs_f64();
    let flagged = scenario
        .flag_with(&Reference)
        .expect("the reference accepts its own scenario");
    let (precision, recall) = scenario.precision_recall(&flagged);
    let percent = |x: f64| format!("{:5.1}%", 100.0 * x);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "backdoor scenario {seed}: {} training images of 10 classes ({PER_CLASS} per class); {} images of class \
         {SOURCE} stamped with a 3x3 trigger and relabelled {TARGET} (eps = {EPS} of class {TARGET})",
        scenario.train.len(),
        poisoned_count(),
    );
    let _ = writeln!(
        out,
        "victim: MLP 256-128-64-10, {EPOCHS} epochs with tch on one CPU thread: {:.1} s per training run{}",
        scenario.train_seconds,
        if elapsed < scenario.train_seconds {
            format!(" (read from the cache in {elapsed:.2} s)")
        } else {
            String::new()
        }
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "                                   clean accuracy   attack success"
    );
    let _ = writeln!(
        out,
        "poisoned model                         {}           {}",
        percent(scenario.before.clean_accuracy),
        percent(scenario.before.attack_success)
    );
    let _ = writeln!(
        out,
        "after removing the reference's flags   {}           {}",
        percent(scenario.reference_after.clean_accuracy),
        percent(scenario.reference_after.attack_success)
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "reference detector (spectral signatures, budget ceil(1.5 * eps * n) per class): {} flags, \
         precision {}, recall {}",
        flagged.len(),
        percent(precision).trim(),
        percent(recall).trim()
    );
    let _ = writeln!(out, "cache: {}", dir.display());
    out
}
