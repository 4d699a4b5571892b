//! `mldrill adversarial`: the attacks and the defence end to end, in a few lines a person
//! can read (clean accuracy, FGSM and PGD success at a few eps, before and after
//! adversarial training), and a few samples written as PNG files: the original, the
//! perturbation (grey is zero, lighter is up, darker is down) and the adversarial image.

use std::fmt::Write as _;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

use evasion_api::{Classifier, Evasion, SIDE};
use tch::Tensor;

use crate::differential::{TRAINING_EPOCHS, TRAINING_STEPS, success_rate, training};
use crate::invariant::clean_accuracy;
use crate::invariant::scenario::{EPS, STEPS, scenario, standard_budget};
use crate::reference::{Reference, evaluation_budget};

/// The budgets the report attacks with.
const REPORT_EPS: [f64; 4] = [0.05, 0.1, 0.15, 0.2];
/// Samples written as images.
const SAMPLES: i64 = 4;
/// Each pixel becomes a square of this many pixels, so a 16x16 glyph is visible.
const SCALE: usize = 8;

/// Runs the demonstration on scenario `seed`, writing PNGs under `out` (if given); returns
/// the report.
pub fn run(seed: u64, out: Option<&Path>) -> Result<String, String> {
    tch::set_num_threads(1);
    let started = Instant::now();
    let scenario = scenario(seed);
    let model = scenario.model();
    let built = started.elapsed().as_secs_f64();
    let (images, labels) = scenario.test();
    let (train_images, train_labels) = scenario.train();
    let mut report = String::new();
    let _ = writeln!(
        report,
        "evasion scenario {}: glyph classifier (MLP 256-128-64-10) trained on {} images in {built:.1} s; \
         attacks on {} held-out images, pixels in [0, 1]",
        scenario.index,
        train_images.size()[0],
        images.size()[0],
    );
    describe(&mut report, "normally trained", &model, &images, &labels);
    let started = Instant::now();
    let robust = Reference
        .adversarial_training(&train_images, &train_labels, &training(seed))
        .map_err(|e| e.to_string())?;
    let _ = writeln!(
        report,
        "adversarial training: {TRAINING_EPOCHS} epochs, PGD eps = {EPS} with {TRAINING_STEPS} steps per batch, \
         one CPU thread: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    describe(
        &mut report,
        "adversarially trained",
        &robust,
        &images,
        &labels,
    );
    if let Some(out) = out {
        std::fs::create_dir_all(out)
            .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        let adversarial = Reference
            .pgd(&model, &images, &labels, &standard_budget(), seed)
            .map_err(|e| e.to_string())?;
        for i in 0..SAMPLES {
            let original = images.get(i);
            let attacked = adversarial.get(i);
            let perturbation = (&attacked - &original) / (2.0 * EPS) + 0.5;
            for (name, image) in [
                ("original", &original),
                ("perturbation", &perturbation),
                ("adversarial", &attacked),
            ] {
                let path = out.join(format!("sample{i}-{name}.png"));
                write_png(&path, image)?;
            }
        }
        let _ = writeln!(
            report,
            "wrote {SAMPLES} samples (original, perturbation, PGD at eps = {EPS}) to {}",
            out.display()
        );
    }
    Ok(report)
}

fn describe(report: &mut String, name: &str, model: &Classifier, images: &Tensor, labels: &Tensor) {
    let _ = writeln!(
        report,
        "{name}: clean accuracy {:.1}%",
        100.0 * clean_accuracy(model, images, labels)
    );
    for eps in REPORT_EPS {
        let fgsm = Reference
            .fgsm(model, images, labels, eps)
            .expect("valid input");
        let pgd = Reference
            .pgd(model, images, labels, &evaluation_budget(eps, STEPS), 1)
            .expect("valid input");
        let _ = writeln!(
            report,
            "  eps = {eps:.2}: FGSM fools {:5.1}%, PGD ({STEPS} steps, random start) fools {:5.1}% of the images it gets right",
            100.0 * success_rate(model, images, &fgsm, labels),
            100.0 * success_rate(model, images, &pgd, labels),
        );
    }
}

/// Writes a 16x16 image (values in `[0, 1]`) as an 8-bit greyscale PNG, scaled up.
fn write_png(path: &Path, image: &Tensor) -> Result<(), String> {
    let pixels = Vec::<f32>::try_from(image.flatten(0, -1)).map_err(|e| e.to_string())?;
    let side = SIDE * SCALE;
    let mut data = vec![0u8; side * side];
    for (i, byte) in data.iter_mut().enumerate() {
        let (row, col) = (i / side / SCALE, i % side / SCALE);
        *byte = (pixels[row * SIDE + col].clamp(0.0, 1.0) * 255.0).round() as u8;
    }
    let file = File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let mut encoder = png::Encoder::new(BufWriter::new(file), side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&data).map_err(|e| e.to_string())
}
