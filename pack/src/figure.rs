//! Figures a property records of what it measured, for the report to draw where a plot tells more than a number: [`Figure`], its generic [`Plot`] kinds, and a thread-local sink ([`record`], [`collect`]).
//!
//! A property calls [`record`] (or [`record_with`], which builds the figure only when
//! somebody collects) with the numbers it measured; the judge wraps each property run in
//! [`collect`] and carries the figures to the results, where the report draws them. Nothing
//! happens when nobody collects, so the properties cost the same under `dev check`, in a
//! screen's own tests and in unit tests. The figures hold numbers (the candidate's answers
//! among them) and the pack's own words; no text from a candidate's process belongs in one.
//!
//! The sink keeps the first figure of each title (shrinking reruns a property many times),
//! at most [`MAX_FIGURES`] per collection, at most [`MAX_POINTS`] points or cells per figure
//! and only finite numbers, so that a report stays small and its JSON reads back.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

/// A plot with a title and a caption, both the pack's words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// What the plot shows, in a few words; figures are kept one per title.
    pub title: String,
    /// One or two sentences below the plot: what was measured and how to read it.
    pub caption: String,
    pub plot: Plot,
}

/// The kinds of plot a pack can record: a few generic ones, drawn by the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plot {
    /// Values in columns (classes, say), each point in a group (clean or poisoned) and
    /// marked or not (flagged by the candidate): a strip plot with jitter.
    Strip(Strip),
    /// Counts in a grid of cells (element x position, say) with the count each cell is
    /// expected to have: a heat map of the deviations.
    Grid(Grid),
}

/// See [`Plot::Strip`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Strip {
    /// The axes' names: `class` and `spectral score`, say.
    pub x_label: String,
    pub y_label: String,
    /// The columns' names, left to right.
    pub columns: Vec<String>,
    /// The groups' names (at most a few; each gets its own colour).
    pub groups: Vec<String>,
    /// What a marked point is: `flagged by detect`, say.
    pub marked: String,
    pub points: Vec<Point>,
}

/// One point of a [`Strip`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Index into [`Strip::columns`].
    pub column: u32,
    /// Index into [`Strip::groups`].
    pub group: u32,
    pub value: f64,
    pub marked: bool,
}

/// See [`Plot::Grid`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// The axes' names: `position` across, `element` down, say.
    pub x_label: String,
    pub y_label: String,
    pub columns: u32,
    pub rows: u32,
    /// Row by row, `rows * columns` of them.
    pub counts: Vec<u64>,
    /// The count every cell is expected to have.
    pub expected: f64,
    /// The deviation from `expected` the check allowed, if it has one: the heat map's
    /// darkest shade starts there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
}

/// The most points (of a strip) or cells (of a grid) one figure keeps.
pub const MAX_POINTS: usize = 4_000;

/// The most figures one collection keeps.
pub const MAX_FIGURES: usize = 8;

/// The longest title, caption or label kept, in characters.
pub const MAX_TEXT: usize = 400;

thread_local! {
    static SINK: RefCell<Option<Vec<Figure>>> = const { RefCell::new(None) };
    /// Called once, before the first figure [`record_with`] builds (see [`collect_with`]).
    static BEFORE_DRAWING: RefCell<Option<Box<dyn FnOnce()>>> = const { RefCell::new(None) };
}

/// Whether somebody on this thread collects figures: a property may skip measuring what
/// only a figure would show when nobody does.
pub fn collecting() -> bool {
    SINK.with(|sink| sink.borrow().is_some())
}

/// Whether `kept` takes a figure titled `title`: none of that title yet, and fewer than
/// [`MAX_FIGURES`]. The rule of every collection of figures, a result's included.
pub fn has_room_for(kept: &[Figure], title: &str) -> bool {
    kept.len() < MAX_FIGURES && kept.iter().all(|f| f.title != title)
}

/// Keeps `figure` if somebody on this thread collects, it is the first of its title and
/// there is room; cut to [`MAX_POINTS`] and to finite numbers.
pub fn record(figure: Figure) {
    SINK.with(|sink| {
        let mut sink = sink.borrow_mut();
        let Some(figures) = sink.as_mut() else {
            return;
        };
        if !has_room_for(figures, &figure.title) {
            return;
        }
        if let Some(figure) = bounded(figure) {
            figures.push(figure);
        }
    });
}

/// [`record`]s the figure `make` builds, calling it only when somebody collects figures
/// and none of this `title` is kept yet; `make` may decline with `None`.
///
/// `make` may call the implementation again (for numbers only a figure shows), so a
/// property calls this only once the calls that decide its verdict are made: the judge
/// takes the candidate's process's state just before the first `make` runs, and what
/// happens to that process while a figure is drawn (it dies, it hangs) costs the figure,
/// never the verdict.
pub fn record_with(title: &str, make: impl FnOnce() -> Option<Figure>) {
    let wanted = SINK.with(|sink| {
        sink.borrow()
            .as_ref()
            .is_some_and(|figures| has_room_for(figures, title))
    });
    if !wanted {
        return;
    }
    if let Some(before) = BEFORE_DRAWING.with(|hook| hook.borrow_mut().take()) {
        before();
    }
    if let Some(figure) = make() {
        record(figure);
    }
}

/// Runs `f`, returning what it returned and the figures recorded on this thread while it
/// ran (and only those: a collection inside another keeps its own).
pub fn collect<T>(f: impl FnOnce() -> T) -> (T, Vec<Figure>) {
    collect_with(|| {}, f)
}

/// [`collect`], calling `before_drawing` just before the first figure [`record_with`]
/// builds, if one is: where the judge notes how the candidate's process stood when the
/// verdict's calls were done.
pub fn collect_with<T>(
    before_drawing: impl FnOnce() + 'static,
    f: impl FnOnce() -> T,
) -> (T, Vec<Figure>) {
    struct Restore(Option<Vec<Figure>>, Option<Box<dyn FnOnce()>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let (previous, hook) = (self.0.take(), self.1.take());
            SINK.with(|sink| *sink.borrow_mut() = previous);
            BEFORE_DRAWING.with(|h| *h.borrow_mut() = hook);
        }
    }
    let restore = Restore(
        SINK.with(|sink| sink.borrow_mut().replace(Vec::new())),
        BEFORE_DRAWING.with(|h| h.borrow_mut().replace(Box::new(before_drawing))),
    );
    let out = f();
    let figures = SINK
        .with(|sink| sink.borrow_mut().take())
        .unwrap_or_default();
    drop(restore);
    (out, figures)
}

fn cut(text: &mut String) {
    if let Some((at, _)) = text.char_indices().nth(MAX_TEXT) {
        text.truncate(at);
    }
}

/// `figure` within the limits [`record`] keeps (its text cut, its non-finite values and
/// out-of-range points dropped, thinned to [`MAX_POINTS`]), or `None` when nothing
/// drawable is left: what a report checks a figure it read back with before drawing it.
pub fn bounded(mut figure: Figure) -> Option<Figure> {
    cut(&mut figure.title);
    cut(&mut figure.caption);
    match &mut figure.plot {
        Plot::Strip(strip) => {
            for text in [&mut strip.x_label, &mut strip.y_label, &mut strip.marked]
                .into_iter()
                .chain(&mut strip.columns)
                .chain(&mut strip.groups)
            {
                cut(text);
            }
            strip.columns.truncate(MAX_POINTS);
            strip.groups.truncate(16);
            let (columns, groups) = (strip.columns.len(), strip.groups.len());
            strip.points.retain(|p| {
                p.value.is_finite() && (p.column as usize) < columns && (p.group as usize) < groups
            });
            if strip.points.len() > MAX_POINTS {
                // Every k-th point, in order: the same points every time, spread over all
                // columns and groups; marked points first, since they are the few that
                // matter.
                let (marked, plain): (Vec<Point>, Vec<Point>) =
                    strip.points.iter().partition(|p| p.marked);
                let mut kept: Vec<Point> = thin(&marked, MAX_POINTS / 2);
                kept.extend(thin(&plain, MAX_POINTS - kept.len()));
                strip.points = kept;
            }
            (!strip.points.is_empty()).then_some(figure)
        }
        Plot::Grid(grid) => {
            cut(&mut grid.x_label);
            cut(&mut grid.y_label);
            let cells = grid.rows as usize * grid.columns as usize;
            let fits = cells > 0
                && cells <= MAX_POINTS
                && grid.counts.len() == cells
                && grid.expected.is_finite()
                && grid.expected >= 0.0;
            if grid.tolerance.is_some_and(|t| !t.is_finite() || t <= 0.0) {
                grid.tolerance = None;
            }
            fits.then_some(figure)
        }
    }
}

/// At most `most` of `points`, evenly spaced.
fn thin(points: &[Point], most: usize) -> Vec<Point> {
    if points.len() <= most {
        return points.to_vec();
    }
    (0..most).map(|i| points[i * points.len() / most]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(title: &str, points: usize) -> Figure {
        Figure {
            title: title.to_owned(),
            caption: "c".to_owned(),
            plot: Plot::Strip(Strip {
                x_label: "class".into(),
                y_label: "score".into(),
                columns: vec!["class 0".into(), "class 1".into()],
                groups: vec!["clean".into(), "poisoned".into()],
                marked: "flagged".into(),
                points: (0..points)
                    .map(|i| Point {
                        column: (i % 2) as u32,
                        group: u32::from(i % 10 == 0),
                        value: i as f64,
                        marked: i % 100 == 0,
                    })
                    .collect(),
            }),
        }
    }

    fn points(figure: &Figure) -> &[Point] {
        match &figure.plot {
            Plot::Strip(strip) => &strip.points,
            Plot::Grid(_) => panic!("a strip"),
        }
    }

    #[test]
    fn recording_without_a_collector_does_nothing() {
        assert!(!collecting());
        record(strip("a", 10));
        let mut built = false;
        record_with("a", || {
            built = true;
            Some(strip("a", 10))
        });
        assert!(!built, "nothing is built when nobody collects");
        let ((), figures) = collect(|| ());
        assert!(figures.is_empty(), "nothing was left over from before");
    }

    #[test]
    fn the_judge_hears_once_before_the_first_figure_is_built() {
        use std::cell::Cell;
        use std::rc::Rc;
        let events = Rc::new(RefCell::new(Vec::new()));
        let noted = Rc::clone(&events);
        let ((), figures) = collect_with(
            move || noted.borrow_mut().push("before drawing"),
            || {
                events.borrow_mut().push("verdict's calls");
                record(strip("plain", 2));
                record_with("a", || {
                    events.borrow_mut().push("building a");
                    Some(strip("a", 3))
                });
                record_with("a", || panic!("a is kept already"));
                record_with("b", || {
                    events.borrow_mut().push("building b");
                    None
                });
            },
        );
        assert_eq!(figures.len(), 2);
        assert_eq!(
            *events.borrow(),
            [
                "verdict's calls",
                "before drawing",
                "building a",
                "building b"
            ]
        );
        // Nothing built, nothing heard; and the hook does not outlive its collection.
        let heard = Rc::new(Cell::new(false));
        let flag = Rc::clone(&heard);
        let ((), _) = collect_with(move || flag.set(true), || record(strip("c", 1)));
        let ((), _) = collect(|| record_with("d", || Some(strip("d", 1))));
        assert!(!heard.get());
    }

    #[test]
    fn the_first_figure_of_each_title_is_kept() {
        let ((), figures) = collect(|| {
            assert!(collecting());
            record(strip("a", 3));
            record(strip("a", 5));
            record(strip("b", 7));
            record_with("b", || panic!("not built: b is kept already"));
        });
        let kept: Vec<(&str, usize)> = figures
            .iter()
            .map(|f| (f.title.as_str(), points(f).len()))
            .collect();
        assert_eq!(kept, [("a", 3), ("b", 7)]);
        assert!(!collecting(), "collecting ends with the collection");
    }

    #[test]
    fn a_collection_inside_another_keeps_its_own() {
        let (inner, outer) = collect(|| {
            record(strip("outer", 1));
            let ((), inner) = collect(|| record(strip("inner", 1)));
            record(strip("outer again", 1));
            inner
        });
        assert_eq!(inner.len(), 1);
        assert_eq!(inner[0].title, "inner");
        let titles: Vec<&str> = outer.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(titles, ["outer", "outer again"]);
    }

    #[test]
    fn a_panic_inside_a_collection_ends_it() {
        let caught = std::panic::catch_unwind(|| collect(|| panic!("in the property")));
        assert!(caught.is_err());
        assert!(!collecting());
    }

    #[test]
    fn figures_are_capped_in_points_numbers_and_count() {
        let ((), figures) = collect(|| {
            let mut big = strip("big", 3 * MAX_POINTS);
            if let Plot::Strip(s) = &mut big.plot {
                s.points[1].value = f64::NAN;
                s.points[3].column = 9;
            }
            record(big);
            for i in 0..2 * MAX_FIGURES {
                record(strip(&format!("f{i}"), 1));
            }
        });
        assert_eq!(figures.len(), MAX_FIGURES);
        let kept = points(&figures[0]);
        assert_eq!(kept.len(), MAX_POINTS);
        assert!(kept.iter().all(|p| p.value.is_finite() && p.column < 2));
        let marked = kept.iter().filter(|p| p.marked).count();
        assert_eq!(marked, 3 * MAX_POINTS / 100, "every marked point is kept");
        // The same figure thins to the same points.
        let ((), again) = collect(|| record(strip("big", 3 * MAX_POINTS)));
        assert_eq!(points(&again[0]).len(), MAX_POINTS);
    }

    #[test]
    fn a_grid_that_does_not_add_up_is_dropped() {
        let grid = |rows: u32, counts: Vec<u64>, expected: f64| Figure {
            title: format!("{rows} {expected}"),
            caption: String::new(),
            plot: Plot::Grid(Grid {
                x_label: "position".into(),
                y_label: "element".into(),
                columns: 2,
                rows,
                counts,
                expected,
                tolerance: Some(f64::INFINITY),
            }),
        };
        let ((), figures) = collect(|| {
            record(grid(2, vec![1, 2, 3, 4], 2.5));
            record(grid(2, vec![1, 2, 3], 2.0));
            record(grid(3, vec![1; 6], f64::NAN));
            record(grid(5_000, vec![1; 10_000], 1.0));
        });
        assert_eq!(figures.len(), 1);
        match &figures[0].plot {
            Plot::Grid(g) => assert_eq!(g.tolerance, None, "an infinite tolerance is none"),
            Plot::Strip(_) => panic!("a grid"),
        }
    }
}
