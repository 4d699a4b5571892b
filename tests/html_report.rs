//! The HTML report in a real browser: headless Chromium (installed by
//! `scripts/setup-browser.sh`, which `make test` runs first) renders a batch page whose
//! candidate text tries to inject markup and script, and the test checks that the page
//! is not blank, that the plots are drawn (the batch's own, and the figures two packs'
//! properties recorded when they judged their references), that the page's own script
//! ran, and that none of the injected markup became an element or ran.
//!
//! It skips, saying why, only when the setup script reports that Chromium cannot be
//! installed on this machine (exit 3); any other failure fails the test.

use std::path::{Path, PathBuf};
use std::process::Command;

use mldrill::catalog::Catalog;
use mldrill::grade::{ExerciseResult, Performance, TaskResult};
use mldrill::grader::{GradedExercise, SubmissionResult};
use mldrill::runner::{Status, Verdict};
use mldrill::similarity::SimilarityFlag;

fn repo() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

const INJECTED_SCRIPT: &str =
    "<script>document.title='INJECTED';document.body.dataset.pwned='1'</script>";
const INJECTED_IMG: &str = "<img src=x onerror=\"document.body.dataset.pwned='2'\">";

/// The browser, or `None` (with the reason printed) when it cannot be installed here.
fn browser() -> Option<PathBuf> {
    let output = Command::new("bash")
        .arg(repo().join("scripts/setup-browser.sh"))
        .output()
        .expect("bash runs");
    match output.status.code() {
        Some(0) => Some(PathBuf::from(
            String::from_utf8(output.stdout).unwrap().trim(),
        )),
        Some(3) => {
            eprintln!(
                "SKIPPED: headless Chromium cannot be installed on this machine: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
            None
        }
        _ => panic!(
            "scripts/setup-browser.sh failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// The figures `property` of `exercise` records when it judges the reference, in this
/// process (as the judge collects them around every property it runs).
fn figures_of(exercise: &str, property: &str) -> Vec<mldrill_pack::Figure> {
    let pack = mldrill::exercises::find(exercise).unwrap();
    let (result, figures) =
        mldrill_pack::figure::collect(|| pack.run_local("reference", property, 7, 4));
    assert_eq!(result, Some(Ok(())), "{exercise} {property}");
    assert_eq!(figures.len(), 1, "{exercise} {property} records one figure");
    figures
}

/// A batch of three: one passing fast (with the figures its properties recorded: the
/// dataloader's shuffle positions, the poison detector's scores), one with a failure whose
/// message, counterexample and output carry the injection, one that could not be graded;
/// two flagged as copies.
fn batch(catalog: &Catalog) -> Vec<SubmissionResult> {
    let graded =
        |exercise: &str, verdicts: &dyn Fn(usize) -> Status, ratio: Option<f64>, output: &str| {
            let exercise = catalog.get(exercise).unwrap();
            let tasks = exercise
                .tasks
                .iter()
                .enumerate()
                .map(|(i, task)| {
                    let properties = task
                        .properties
                        .iter()
                        .map(|p| Verdict {
                            property: p.clone(),
                            status: verdicts(i),
                            message: (verdicts(i) != Status::Pass)
                                .then(|| format!("expected [0, 1] {INJECTED_SCRIPT}")),
                            counterexample: (verdicts(i) != Status::Pass)
                                .then(|| format!("n = 3 {INJECTED_IMG}")),
                        })
                        .collect();
                    TaskResult::new(task, properties, output.to_owned())
                })
                .collect();
            let result = ExerciseResult::new(exercise, "candidate", 7, 64, tasks);
            let result = match ratio {
                Some(ratio) => result.with_performance(Performance::scored(
                    &exercise.performance,
                    &mldrill::judge::timing::Comparison::of_ratio(ratio),
                )),
                None => result,
            };
            GradedExercise {
                result,
                policy: vec![],
            }
        };
    let mut results = Vec::new();
    for (name, exercise) in [
        (
            "alice.zip",
            graded("dataloader", &|_| Status::Pass, Some(1.1), ""),
        ),
        (
            "mallory.tgz",
            graded(
                "dataloader",
                &|i| {
                    if i % 2 == 0 {
                        Status::Fail
                    } else {
                        Status::Pass
                    }
                },
                None,
                INJECTED_SCRIPT,
            ),
        ),
    ] {
        let mut result = SubmissionResult::failed(Path::new(name), Some(7), String::new());
        result.error = None;
        result.points = exercise.result.points;
        result.max_points = exercise.result.max_points;
        result.exercises.push(exercise);
        results.push(result);
    }
    let alice = &mut results[0];
    alice.exercises[0].result = alice.exercises[0]
        .result
        .clone()
        .with_figures(figures_of("dataloader", "shuffle/positions_uniform"));
    let mut poison = graded("poison", &|_| Status::Pass, None, "");
    poison.result = poison
        .result
        .with_figures(figures_of("poison", "detect/finds_obvious_poison"));
    alice.points += poison.result.points;
    alice.max_points += poison.result.max_points;
    alice.exercises.push(poison);
    results[1].candidate = format!("Mallory {INJECTED_SCRIPT}{INJECTED_IMG}");
    results[1].screen_id = Some(INJECTED_IMG.to_owned());
    results[1].minutes_taken = Some(42);
    results[1].minutes_allowed = Some(60);
    let flag = |other: &str| SimilarityFlag {
        exercise: "dataloader".into(),
        other: other.into(),
        similarity: 0.93,
        shared: 40,
        regions: vec!["lib.rs:10-80".into()],
        other_regions: vec![format!("lib.rs:1 {INJECTED_IMG}")],
    };
    results[0].similar.push(flag("mallory.tgz"));
    results[1].similar.push(flag("alice.zip"));
    results.push(SubmissionResult::failed(
        Path::new("broken.zip"),
        Some(7),
        format!("not a zip {INJECTED_SCRIPT}"),
    ));
    results
}

fn is_colour(pixel: &[u8], (r, g, b): (u8, u8, u8)) -> bool {
    let close = |a: u8, b: u8| a.abs_diff(b) < 24;
    close(pixel[0], r) && close(pixel[1], g) && close(pixel[2], b)
}

fn is_plot_blue(pixel: &[u8]) -> bool {
    is_colour(pixel, (0x2f, 0x6f, 0xb3))
}

#[test]
fn the_page_renders_with_plots_and_injected_text_stays_text() {
    let catalog = Catalog::load(&repo().join("exercises")).unwrap();
    let html = mldrill::report::html::render_batch(&batch(&catalog), &catalog);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("grades.html");
    std::fs::write(&page, &html).unwrap();
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the page's own script"
    );
    assert_eq!(
        html,
        mldrill::report::html::render_batch(&batch(&catalog), &catalog),
        "the same results give the same page"
    );
    // The figures carry a few hundred points and a 50 x 50 grid of counts: drawn, they
    // keep the page small.
    assert!(html.len() < 400_000, "the page is {} bytes", html.len());

    let Some(chromium) = browser() else { return };
    let chromium = |args: &[&str]| {
        let output = Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("profile").display()
            ))
            .args(args)
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("chromium runs");
        assert!(
            output.status.success(),
            "chromium failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    };

    let dom = String::from_utf8(chromium(&["--dump-dom"]).stdout).unwrap();
    assert!(
        dom.contains("<button type=\"button\""),
        "the page's own script ran (the sort buttons):\n{dom}"
    );
    assert!(!dom.contains("data-pwned"), "injected script ran:\n{dom}");
    assert!(!dom.contains("INJECTED</title>"), "injected script ran");
    assert!(
        !dom.contains("<img src=\"x\""),
        "injected markup became an element"
    );
    assert!(
        dom.contains("Mallory &lt;script&gt;"),
        "the candidate's name is shown as text"
    );
    assert_eq!(
        dom.matches("<img class=\"plot\"").count(),
        4,
        "a points and a speed plot, and the two figures the properties recorded"
    );
    for alt in [
        "alt=\"heat map: Where each element of the shuffle landed\"",
        "alt=\"strip plot: Spectral scores of clean and poisoned samples\"",
    ] {
        assert!(dom.contains(alt), "{alt}");
    }

    let shot = dir.path().join("shot.png");
    chromium(&[
        // Tall enough for the first submission's figures.
        "--window-size=1280,3200",
        &format!("--screenshot={}", shot.display()),
    ]);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let step = info.color_type.samples();
    let pixels = &pixels[..info.buffer_size()];
    let total = pixels.len() / step;
    let white = pixels
        .chunks(step)
        .filter(|p| p[..3].iter().all(|&c| c > 245))
        .count();
    let blue = pixels.chunks(step).filter(|p| is_plot_blue(p)).count();
    assert!(
        white < total * 97 / 100,
        "the page is blank: {white} of {total} pixels white"
    );
    assert!(
        blue > 2_000,
        "the plots' bars are drawn: {blue} pixels of their blue"
    );
    // The strip plot's poisoned points, and the heat map's cell-free background.
    let orange = pixels
        .chunks(step)
        .filter(|p| is_colour(p, (0xe0, 0x8a, 0x00)))
        .count();
    assert!(
        orange > 100,
        "the poisoned points are drawn: {orange} pixels"
    );
    let grey = pixels
        .chunks(step)
        .filter(|p| p[..3] == [0xee, 0xee, 0xee])
        .count();
    assert!(
        grey > 20_000,
        "the heat map is drawn: {grey} pixels of its grey"
    );
}
