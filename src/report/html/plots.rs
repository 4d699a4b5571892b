//! The report's plots, drawn as SVG by `plotters`: the distribution of points across a
//! batch, each submission's speed against the reference, and a learner's points per task.
//! Labels are numbers and exercise ids, never candidate text.

use plotters::prelude::*;

use crate::grade::TaskResult;

const SIZE: (u32, u32) = (640, 320);
const BAR: RGBColor = RGBColor(0x2f, 0x6f, 0xb3);
const REFERENCE: RGBColor = RGBColor(0xb3, 0x26, 0x1e);

/// A histogram of `shares` (percent of the maximum points) in ten bins; `None` when there
/// is nothing to plot.
pub fn points_distribution(shares: &[f64]) -> Option<String> {
    if shares.is_empty() {
        return None;
    }
    let mut bins = [0u32; 10];
    for share in shares {
        bins[((share / 10.0).floor() as usize).min(9)] += 1;
    }
    let top = bins.iter().copied().max().unwrap_or(1).max(1);
    draw(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption("Points across the batch", ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(45)
            .build_cartesian_2d((0u32..10u32).into_segmented(), 0u32..top + 1)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("points, % of the maximum")
            .y_desc("submissions")
            .x_label_formatter(&|bin| match bin {
                SegmentValue::CenterOf(b) | SegmentValue::Exact(b) if *b < 10 => {
                    format!("{}-{}", b * 10, b * 10 + 10)
                }
                _ => String::new(),
            })
            .draw()?;
        // Bars drawn in bin order (plotters' Histogram sums in a hash map, whose order
        // changes from run to run, and the same results must give the same page).
        chart.draw_series(bins.iter().enumerate().map(|(bin, &count)| {
            let bin = bin as u32;
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(bin), 0),
                    (SegmentValue::Exact(bin + 1), count),
                ],
                BAR.filled(),
            );
            bar.set_margin(0, 0, 3, 3);
            bar
        }))?;
        Ok(())
    })
}

/// One bar per submission (labelled `#n`): its time over the reference's on `exercise`,
/// with the reference's 1.0 drawn across; `None` when no submission was measured.
pub fn speed(exercise: &str, ratios: &[(String, Option<f64>)]) -> Option<String> {
    let top = ratios
        .iter()
        .filter_map(|(_, r)| *r)
        .fold(f64::NAN, f64::max);
    if top.is_nan() {
        return None;
    }
    let top = top.max(1.0) * 1.15;
    let n = ratios.len() as u32;
    draw(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("Speed on {exercise} against the reference"),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d((0u32..n).into_segmented(), 0f64..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("submission (# in the table)")
            .y_desc("time / reference's time")
            .x_labels(ratios.len().min(40))
            .x_label_formatter(&|bar| match bar {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => ratios
                    .get(*i as usize)
                    .map(|(label, _)| label.clone())
                    .unwrap_or_default(),
                SegmentValue::Last => String::new(),
            })
            .draw()?;
        chart.draw_series(ratios.iter().enumerate().filter_map(|(i, (_, ratio))| {
            let ratio = (*ratio)?;
            let i = i as u32;
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), ratio),
                ],
                BAR.filled(),
            );
            bar.set_margin(0, 0, 4, 4);
            Some(bar)
        }))?;
        chart.draw_series(LineSeries::new(
            [(SegmentValue::Exact(0), 1.0), (SegmentValue::Last, 1.0)],
            REFERENCE.stroke_width(2),
        ))?;
        Ok(())
    })
}

/// Each task's points (filled) out of its maximum (outline).
pub fn task_points(tasks: &[TaskResult]) -> Option<String> {
    let top = tasks.iter().map(|t| t.max_points).max()?;
    let n = tasks.len() as u32;
    draw(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption("Points per task", ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(40)
            .build_cartesian_2d((0u32..n).into_segmented(), 0u32..top + 1)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc("points")
            .x_label_formatter(&|bar| match bar {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => tasks
                    .get(*i as usize)
                    .map(|t| t.id.chars().take(14).collect())
                    .unwrap_or_default(),
                SegmentValue::Last => String::new(),
            })
            .draw()?;
        for filled in [false, true] {
            chart.draw_series(tasks.iter().enumerate().map(|(i, task)| {
                let i = i as u32;
                let height = if filled { task.points } else { task.max_points };
                let style = if filled {
                    BAR.filled()
                } else {
                    BAR.stroke_width(1)
                };
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0),
                        (SegmentValue::Exact(i + 1), height),
                    ],
                    style,
                );
                bar.set_margin(0, 0, 6, 6);
                bar
            }))?;
        }
        Ok(())
    })
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// Runs `plot` on a white SVG canvas; `None` if plotters reports an error.
fn draw(plot: impl FnOnce(&Area<'_>) -> Result<(), Box<dyn std::error::Error>>) -> Option<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).ok()?;
        plot(&root).ok()?;
        root.present().ok()?;
    }
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plots_are_svg_with_their_bars() {
        let svg = points_distribution(&[5.0, 55.0, 100.0, 100.0]).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("Points across the batch"));
        assert_eq!(
            svg,
            points_distribution(&[5.0, 55.0, 100.0, 100.0]).unwrap(),
            "the same plot every time"
        );
        assert!(svg.contains("90-100") && !svg.contains("100-110"));
        let ratios = vec![("#1".to_owned(), Some(1.2)), ("#2".to_owned(), None)];
        let svg = speed("dataloader", &ratios).unwrap();
        assert!(svg.contains("#1") && svg.contains("<rect"));
        assert!(speed("x", &[("#1".to_owned(), None)]).is_none());
        assert!(points_distribution(&[]).is_none());
    }
}
