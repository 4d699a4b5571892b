//! `mldrill privacy`: the exercise end to end for a person to look at. The overfit target's
//! leak (the loss attack and the calibrated attack, AUC and TPR at 1% FPR), then a network
//! trained with the reference's DP-SGD from the same start and the loss attack against it,
//! with test accuracies; and the ROC curves as one PNG.

use std::path::Path;
use std::time::Instant;

use plotters::prelude::*;
use privacy_api::Privacy;

use crate::metrics::roc;
use crate::reference::Reference;
use crate::scenario::{DP_CONFIG, LOW_FPR, MEMBERS, NON_MEMBERS, REFERENCE_MODELS, scenario};
use crate::train::{OVERFIT_STEPS, Weights, accuracy};

/// The PNG's size in pixels.
const SIZE: (u32, u32) = (640, 640);

/// The curves: (colour name, colour, points).
type Curve = (&'static str, RGBColor, Vec<(f64, f64)>);

/// Builds scenario `seed`, trains the DP model, writes the ROC curves to `png` and returns
/// the report.
pub fn run(seed: u64, png: &Path) -> Result<String, String> {
    tch::set_num_threads(1);
    let started = Instant::now();
    let s = scenario(seed);
    let built = started.elapsed().as_secs_f64();
    let (records, flags) = s.audit_records();
    let (x, y) = records.tensors();
    let target = s.target.mlp();
    let loss_scores = Reference
        .loss_scores(&target, &x, &y)
        .map_err(|e| e.to_string())?;
    let references: Vec<_> = s.references.iter().map(Weights::mlp).collect();
    let calibrated = Reference
        .calibrated_scores(&target, &references, &x, &y)
        .map_err(|e| e.to_string())?;
    let (mx, my) = s.members.tensors();
    let started = Instant::now();
    let private = Reference
        .train_private(&s.init.mlp(), &mx, &my, &DP_CONFIG, seed)
        .map_err(|e| e.to_string())?;
    let dp_seconds = started.elapsed().as_secs_f64();
    let private_scores = Reference
        .loss_scores(&private, &x, &y)
        .map_err(|e| e.to_string())?;
    let private_attack = s.loss_attack_on(&Weights::of(&private));
    let curve = |scores: &[f64]| {
        roc(scores, &flags)
            .map(|r| r.points())
            .map_err(|e| e.to_string())
    };
    let curves: Vec<Curve> = vec![
        ("red", RED, curve(&loss_scores)?),
        ("orange", RGBColor(230, 140, 0), curve(&calibrated)?),
        ("blue", BLUE, curve(&private_scores)?),
    ];
    draw(&curves, png)?;
    let pct = LOW_FPR * 100.0;
    let c = DP_CONFIG;
    Ok(format!(
        "privacy scenario {seed}: {MEMBERS} members, {NON_MEMBERS} non-members (built in {built:.1} s)\n\
         overfit target (full-batch Adam, {OVERFIT_STEPS} steps): train accuracy {:.3}, test accuracy {:.3}\n  \
           loss attack:       AUC {:.3}, TPR {:.3} at {pct}% FPR\n  \
           calibrated attack: AUC {:.3}, TPR {:.3} at {pct}% FPR ({REFERENCE_MODELS} reference models)\n\
         DP-SGD (C = {}, sigma = {}, batch {}, {} epochs, learning rate {}; {dp_seconds:.1} s): train accuracy {:.3}, test accuracy {:.3}\n  \
           loss attack:       AUC {:.3}, TPR {:.3} at {pct}% FPR\n\
         ROC curves written to {}: red = loss attack on the target, orange = calibrated attack, \
         blue = loss attack on the DP model, grey = chance; x = FPR, y = TPR, grid every 0.1\n",
        accuracy(&target, &s.members),
        s.target_accuracy,
        s.loss_attack.auc,
        s.loss_attack.tpr,
        s.calibrated_attack.auc,
        s.calibrated_attack.tpr,
        c.clip,
        c.sigma,
        c.batch_size,
        c.epochs,
        c.learning_rate,
        accuracy(&private, &s.members),
        accuracy(&private, &s.test),
        private_attack.auc,
        private_attack.tpr,
        png.display(),
    ))
}

/// Draws the curves on a unit square with a grid every 0.1 and the diagonal, without text
/// (no font is needed), and writes the PNG.
fn draw(curves: &[Curve], png: &Path) -> Result<(), String> {
    let (w, h) = SIZE;
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let area = root.margin(20, 20, 20, 20);
        let mut chart = ChartBuilder::on(&area)
            .build_cartesian_2d(0.0..1.0f64, 0.0..1.0f64)
            .map_err(|e| e.to_string())?;
        let grey = RGBColor(220, 220, 220);
        for i in 0..=10 {
            let v = f64::from(i) / 10.0;
            chart
                .draw_series(LineSeries::new([(v, 0.0), (v, 1.0)], grey))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(LineSeries::new([(0.0, v), (1.0, v)], grey))
                .map_err(|e| e.to_string())?;
        }
        chart
            .draw_series(LineSeries::new(
                [(0.0, 0.0), (1.0, 1.0)],
                RGBColor(150, 150, 150),
            ))
            .map_err(|e| e.to_string())?;
        for (_, colour, points) in curves {
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    colour.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    let file = std::fs::File::create(png)
        .map_err(|e| format!("failed to create {}: {e}", png.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(())
}
