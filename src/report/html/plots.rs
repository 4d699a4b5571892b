//! The report's plots, drawn as SVG by `plotters`: the distribution of points across a
//! batch, each submission's speed against the reference, a learner's points per task, and
//! the figures the properties recorded of what they measured (a pack's [`Figure`]s: a
//! strip plot, a heat map). Labels are numbers, exercise ids and a pack's own words, never
//! candidate text.

use mldrill_pack::figure::{Figure, Grid, Plot, Strip};
use plotters::prelude::*;

use crate::grade::TaskResult;

const SIZE: (u32, u32) = (640, 320);
const BAR: RGBColor = RGBColor(0x2f, 0x6f, 0xb3);
const REFERENCE: RGBColor = RGBColor(0xb3, 0x26, 0x1e);

/// `n` slots for bars: plotters segments `0..m` into `m + 1` slots, one per value from 0
/// to `m`.
fn slots(
    n: u32,
) -> plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordu32> {
    (0..n.saturating_sub(1)).into_segmented()
}

/// Where bar `i` of `n` ends: the next slot's start, or the axis's end for the last.
fn right_edge(i: u32, n: u32) -> SegmentValue<u32> {
    if i + 1 >= n {
        SegmentValue::Last
    } else {
        SegmentValue::Exact(i + 1)
    }
}

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
            .build_cartesian_2d(slots(10), 0u32..top + 1)?;
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
                [(SegmentValue::Exact(bin), 0), (right_edge(bin, 10), count)],
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
            .build_cartesian_2d(slots(n), 0f64..top)?;
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
                [(SegmentValue::Exact(i), 0.0), (right_edge(i, n), ratio)],
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
            .build_cartesian_2d(slots(n), 0u32..top + 1)?;
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
                    [(SegmentValue::Exact(i), 0), (right_edge(i, n), height)],
                    style,
                );
                bar.set_margin(0, 0, 6, 6);
                bar
            }))?;
        }
        Ok(())
    })
}

/// A pack's figure, checked against the sink's limits first (a figure read back from a
/// JSON file may not be as the sink kept it); `None` when nothing can be drawn.
pub fn figure(figure: &Figure) -> Option<String> {
    let figure = mldrill_pack::figure::bounded(figure.clone())?;
    match &figure.plot {
        Plot::Strip(strip) => strip_plot(&figure.title, strip),
        Plot::Grid(grid) => heat_map(&figure.title, grid),
    }
}

/// Each group's colour, in order (a strip has two groups as a rule: clean and poisoned).
const GROUPS: [RGBColor; 4] = [
    BAR,
    RGBColor(0xe0, 0x8a, 0x00),
    RGBColor(0x3a, 0x9a, 0x4a),
    RGBColor(0x8a, 0x4f, 0xb3),
];
const MARK: RGBColor = RGBColor(0x11, 0x11, 0x11);
/// The width of the legend beside a figure's plot.
const LEGEND: u32 = 190;

/// A point's offset across its column, in `[-0.35, 0.35]` of the column's width: a
/// low-discrepancy sequence of its index, so the same figure gives the same page.
fn jitter(index: usize) -> f64 {
    ((index as f64 * 0.618_033_988_749_895).fract() - 0.5) * 0.7
}

/// What a legend's entry shows beside its words.
enum Swatch {
    Dot(RGBColor),
    Ring,
    Square(RGBColor),
}

/// Draws a legend of `entries` down `area`.
fn legend(area: &Area<'_>, entries: &[(Swatch, String)]) -> Result<(), Box<dyn std::error::Error>> {
    for (i, (swatch, words)) in entries.iter().enumerate() {
        let (x, y) = (14, 60 + 22 * i as i32);
        match swatch {
            Swatch::Dot(colour) => area.draw(&Circle::new((x, y), 4, colour.filled()))?,
            Swatch::Ring => area.draw(&Circle::new((x, y), 6, MARK.stroke_width(2)))?,
            Swatch::Square(colour) => area.draw(&Rectangle::new(
                [(x - 6, y - 6), (x + 6, y + 6)],
                colour.filled(),
            ))?,
        }
        let words: String = words.chars().take(26).collect();
        area.draw(&Text::new(words, (x + 14, y - 7), ("sans-serif", 13)))?;
    }
    Ok(())
}

/// One column per strip column, each point jittered across it, coloured by its group;
/// marked points outlined in a ring.
fn strip_plot(title: &str, strip: &Strip) -> Option<String> {
    let n = strip.columns.len() as u32;
    let (low, high) = strip.points.iter().fold((0.0f64, f64::MIN), |(lo, hi), p| {
        (lo.min(p.value), hi.max(p.value))
    });
    let pad = ((high - low) * 0.06).max(1e-9);
    let (low, high) = (if low < 0.0 { low - pad } else { 0.0 }, high + pad);
    draw(|root| {
        let (left, right) = root.split_horizontally(SIZE.0 - LEGEND);
        let mut chart = ChartBuilder::on(&left)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(55)
            // A discrete range holds both its ends: `0..n - 1` is `n` columns.
            .build_cartesian_2d((0u32..n.saturating_sub(1)).into_segmented(), low..high)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(strip.x_label.as_str())
            .y_desc(strip.y_label.as_str())
            .x_labels(strip.columns.len().min(20))
            .x_label_formatter(&|column| match column {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => strip
                    .columns
                    .get(*i as usize)
                    .map(|c| c.chars().take(14).collect())
                    .unwrap_or_default(),
                SegmentValue::Last => String::new(),
            })
            .draw()?;
        // Points drawn in pixels: plain ones first, then the marked ones and their rings
        // on top, so that no flag hides under the crowd.
        let at = |index: usize, point: &mldrill_pack::figure::Point| {
            let (edge, y) = chart.backend_coord(&(SegmentValue::Exact(point.column), point.value));
            let (centre, _) =
                chart.backend_coord(&(SegmentValue::CenterOf(point.column), point.value));
            let x = f64::from(centre) + 2.0 * f64::from(centre - edge) * jitter(index);
            (x.round() as i32, y)
        };
        for marked in [false, true] {
            for (index, point) in strip.points.iter().enumerate() {
                if point.marked != marked {
                    continue;
                }
                let colour = GROUPS[point.group as usize % GROUPS.len()];
                left.draw(&Circle::new(at(index, point), 3, colour.filled()))?;
                if marked {
                    left.draw(&Circle::new(at(index, point), 6, MARK.stroke_width(2)))?;
                }
            }
        }
        let mut entries: Vec<(Swatch, String)> = strip
            .groups
            .iter()
            .enumerate()
            .map(|(g, words)| (Swatch::Dot(GROUPS[g % GROUPS.len()]), words.clone()))
            .collect();
        entries.push((Swatch::Ring, strip.marked.clone()));
        legend(&right, &entries)
    })
}

/// The deviation of each cell from the expected count, in shades: red above, blue below,
/// the darkest past the tolerance (or three standard deviations of a count when there is
/// none); cells within a quarter of it are left plain. Runs of equal shade in a row are
/// drawn as one rectangle, so a page stays small where most cells are as expected.
fn heat_map(title: &str, grid: &Grid) -> Option<String> {
    const ABOVE: [RGBColor; 3] = [
        RGBColor(0xf6, 0xc9, 0xc0),
        RGBColor(0xe8, 0x7a, 0x62),
        RGBColor(0xa3, 0x1f, 0x14),
    ];
    const BELOW: [RGBColor; 3] = [
        RGBColor(0xc6, 0xda, 0xf2),
        RGBColor(0x6a, 0x9c, 0xd6),
        RGBColor(0x1b, 0x3f, 0x80),
    ];
    const PLAIN: RGBColor = RGBColor(0xee, 0xee, 0xee);
    let scale = grid
        .tolerance
        .unwrap_or_else(|| 3.0 * grid.expected.sqrt())
        .max(1e-9);
    // 0 plain; 1..=3 above, darker; -1..=-3 below.
    let shade = |count: u64| -> i32 {
        let deviation = (count as f64 - grid.expected) / scale;
        let level = match deviation.abs() {
            d if d < 0.25 => 0,
            d if d < 0.5 => 1,
            d if d < 1.0 => 2,
            _ => 3,
        };
        if deviation < 0.0 { -level } else { level }
    };
    let colour = |shade: i32| match shade {
        0 => PLAIN,
        s if s > 0 => ABOVE[(s - 1) as usize],
        s => BELOW[(-s - 1) as usize],
    };
    let (columns, rows) = (grid.columns, grid.rows);
    draw(|root| {
        let (left, right) = root.split_horizontally(SIZE.0 - LEGEND);
        let mut chart = ChartBuilder::on(&left)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(45)
            .build_cartesian_2d(0u32..columns, 0u32..rows)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(grid.x_label.as_str())
            .y_desc(grid.y_label.as_str())
            .draw()?;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0, 0), (columns, rows)],
            PLAIN.filled(),
        )))?;
        let mut runs = Vec::new();
        for row in 0..rows {
            let mut column = 0;
            while column < columns {
                let at = |c: u32| grid.counts[(row * columns + c) as usize];
                let this = shade(at(column));
                let mut end = column + 1;
                while end < columns && shade(at(end)) == this {
                    end += 1;
                }
                if this != 0 {
                    runs.push(Rectangle::new(
                        [(column, row), (end, row + 1)],
                        colour(this).filled(),
                    ));
                }
                column = end;
            }
        }
        chart.draw_series(runs)?;
        let swatch = |shade: i32| Swatch::Square(colour(shade));
        let bound = if grid.tolerance.is_some() {
            "the bound"
        } else {
            "3 sd"
        };
        legend(
            &right,
            &[
                (swatch(3), format!("above, past {bound}")),
                (swatch(1), "above".to_owned()),
                (swatch(0), format!("about {:.0}", grid.expected)),
                (swatch(-1), "below".to_owned()),
                (swatch(-3), format!("below, past {bound}")),
            ],
        )
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

    /// Two classes of clean and poisoned scores, some flagged.
    pub(crate) fn strip_figure() -> Figure {
        use mldrill_pack::figure::Point;
        let points = (0..200u32)
            .map(|i| {
                let poisoned = i % 10 == 0;
                Point {
                    column: i % 2,
                    group: u32::from(poisoned),
                    value: if poisoned {
                        40.0 + f64::from(i % 7)
                    } else {
                        f64::from(i % 13) / 4.0
                    },
                    marked: poisoned || i == 7,
                }
            })
            .collect();
        Figure {
            title: "Spectral scores <of> clean & poisoned".into(),
            caption: "c".into(),
            plot: Plot::Strip(Strip {
                x_label: "class".into(),
                y_label: "spectral score".into(),
                columns: vec!["class 3".into(), "class 7".into()],
                groups: vec!["clean".into(), "poisoned".into()],
                marked: "flagged by detect".into(),
                points,
            }),
        }
    }

    /// A 10 x 10 grid of counts near 100, one row far off.
    pub(crate) fn grid_figure() -> Figure {
        let counts = (0..100u64)
            .map(|i| {
                if i / 10 == 9 {
                    10 + i % 10
                } else {
                    95 + i % 11
                }
            })
            .collect();
        Figure {
            title: "Where each element landed".into(),
            caption: "c".into(),
            plot: Plot::Grid(Grid {
                x_label: "position".into(),
                y_label: "element".into(),
                columns: 10,
                rows: 10,
                counts,
                expected: 100.0,
                tolerance: Some(40.0),
            }),
        }
    }

    #[test]
    fn a_strip_plot_draws_every_point_its_groups_and_its_marks() {
        let strip = strip_figure();
        let svg = figure(&strip).unwrap();
        assert_eq!(svg, figure(&strip).unwrap(), "the same plot every time");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Spectral scores &lt;of&gt; clean &amp; poisoned"));
        for words in [
            "class 3",
            "class 7",
            "clean",
            "poisoned",
            "flagged by detect",
        ] {
            assert!(svg.contains(words), "{words}");
        }
        // A dot per point and a ring per mark, and the legend's two dots and ring.
        let marked = 20 + 1;
        assert_eq!(svg.matches("<circle").count(), 200 + marked + 3);
        assert!(
            svg.contains("#E08A00") && svg.contains("#2F6FB3"),
            "two colours"
        );
    }

    #[test]
    fn a_heat_map_shades_only_the_cells_off_expectation() {
        let grid = grid_figure();
        let svg = figure(&grid).unwrap();
        assert_eq!(svg, figure(&grid).unwrap(), "the same plot every time");
        assert!(svg.contains("Where each element landed") && svg.contains("about 100"));
        // The far-off row is one run of the darkest blue; the others are within a
        // quarter of the tolerance and plain.
        assert_eq!(
            svg.matches("#1B3F80").count(),
            2,
            "one run and its legend swatch"
        );
        assert_eq!(
            svg.matches("#A31F14").count(),
            1,
            "the legend's swatch alone"
        );
        assert_eq!(
            svg.matches("#F6C9C0").count(),
            1,
            "the legend's swatch alone"
        );
    }

    #[test]
    fn a_figure_that_does_not_add_up_is_not_drawn() {
        let mut grid = grid_figure();
        if let Plot::Grid(g) = &mut grid.plot {
            g.counts.pop();
        }
        assert!(figure(&grid).is_none());
        let mut strip = strip_figure();
        if let Plot::Strip(s) = &mut strip.plot {
            s.points.iter_mut().for_each(|p| p.column = 5);
        }
        assert!(figure(&strip).is_none());
    }
}
