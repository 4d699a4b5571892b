//! The interviewer's side end to end, as a user runs it: the question bank, a panel's
//! plan (terminal, Markdown, JSON, refusals), the scorecard's tailored follow-ups, and
//! merging filled scorecards (bad input included) into one decision.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use mldrill::catalog::{Catalog, Trigger};
use mldrill::grade::{ExerciseResult, TaskResult};
use mldrill::questions::Bank;
use mldrill::runner::{Status, Verdict};
use mldrill::scorecard::{form, tailor};
use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn mldrill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mldrill"))
        .arg("--root")
        .arg(repo())
        .args(args)
        .env_remove("MLDRILL_ROOT")
        .output()
        .expect("mldrill runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A usage error: exit code 2 and one line on standard error.
fn refused(args: &[&str]) -> String {
    let output = mldrill(args);
    let err = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{args:?}: {err}{}",
        stdout(&output)
    );
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn catalog() -> Catalog {
    Catalog::load(&repo().join("exercises")).unwrap()
}

#[test]
fn the_bank_lists_filters_and_shows_a_question() {
    let output = mldrill(&["questions", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let bank: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(bank["schema_version"], 1);
    let competencies = bank["competencies"].as_array().unwrap();
    assert!(competencies.len() >= 8);
    assert!(
        competencies
            .iter()
            .all(|c| c["questions"].as_array().unwrap().len() >= 3)
    );

    let output = mldrill(&[
        "questions",
        "--competency",
        "supply-chain",
        "--level",
        "senior",
    ]);
    let list = stdout(&output);
    assert!(list.starts_with("1 competency, 3 questions"), "{list}");
    assert!(
        list.contains("untrusted-model-file") && !list.contains("silent-data-bug"),
        "{list}"
    );
    assert!(list.contains("Ratings for a senior:"), "{list}");

    let output = mldrill(&["questions", "poisoned-training-data", "--level", "junior"]);
    let shown = stdout(&output);
    for expected in [
        "Areas to cover:",
        "Follow-up questions:",
        "A junior answer:",
        "poison/detect",
    ] {
        assert!(shown.contains(expected), "{expected} in {shown}");
    }
    assert!(!shown.contains("A senior answer:"), "{shown}");

    assert!(
        refused(&["questions", "no-such-question"]).contains("unknown question 'no-such-question'")
    );
    assert!(
        refused(&["questions", "--competency", "nope"])
            .contains("valid competencies: adversarial-response")
    );
}

fn plan_json(args: &[&str]) -> Value {
    let mut all = vec!["plan", "--format", "json"];
    all.extend_from_slice(args);
    let output = mldrill(&all);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap()
}

#[test]
fn a_panel_plan_is_replayable_exported_and_without_repeats() {
    let args = [
        "--minutes",
        "60",
        "--level",
        "senior",
        "--interviewers",
        "2",
        "--seed",
        "7",
    ];
    let plan = plan_json(&args);
    assert_eq!(plan, plan_json(&args), "the same seed gives the same plan");
    assert_ne!(
        plan,
        plan_json(&["--minutes", "60", "--interviewers", "2", "--seed", "8"])
    );
    let sessions = plan["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let mut questions = Vec::new();
    for session in sessions {
        let blocks = session["blocks"].as_array().unwrap();
        let substance = blocks
            .iter()
            .filter(|b| b["kind"] == "task" || b["kind"] == "question")
            .count();
        assert!((3..=4).contains(&substance), "{session:#}");
        let end = blocks.last().unwrap();
        assert_eq!(end["kind"], "candidate_questions");
        assert_eq!(
            end["start"].as_u64().unwrap() + end["minutes"].as_u64().unwrap(),
            60
        );
        questions.extend(
            blocks
                .iter()
                .filter(|b| b["kind"] == "question")
                .map(|b| b["question"]["id"].clone()),
        );
    }
    let mut unique = questions.clone();
    unique.sort_by_key(|q| q.to_string());
    unique.dedup();
    assert_eq!(unique.len(), questions.len(), "{questions:?}");

    let scratch = tempfile::tempdir().unwrap();
    let markdown = scratch.path().join("plan.md");
    let output = mldrill(&[
        "plan",
        "--interviewers",
        "2",
        "--seed",
        "7",
        "--markdown",
        markdown.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let md = fs::read_to_string(&markdown).unwrap();
    for expected in [
        "## Interviewer 1 of 2",
        "## Interviewer 2 of 2",
        "- [ ] ",
        "A senior answer:",
        "## How the time is split, and why",
    ] {
        assert!(md.contains(expected), "{expected} in {md}");
    }
    assert!(
        text.contains("Interviewer 2 of 2")
            && text.contains("mldrill screen export --exercises evasion --minutes 19"),
        "{text}"
    );
    assert!(
        !text.contains("1 more tasks") && !text.contains(" 1 tasks"),
        "{text}"
    );
}

#[test]
fn the_readme_shows_what_plan_prints() {
    // Words as a reader sees them, whatever the line breaks.
    let readme = fs::read_to_string(repo().join("README.md"))
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let command = "mldrill plan --minutes 60 --level senior --interviewers 2 --exercise dataloader --seed 7 --markdown plan.md";
    assert!(readme.contains(command), "the README runs {command}");
    let plan = plan_json(&[
        "--minutes",
        "60",
        "--level",
        "senior",
        "--interviewers",
        "2",
        "--exercise",
        "dataloader",
        "--seed",
        "7",
    ]);
    let export = format!(
        "mldrill screen export --exercises dataloader --minutes {}",
        5 + 8 + 12
    );
    assert!(readme.contains(&export), "{export}");
    // Without --exercise, what the README says about a senior's hour.
    let default = plan_json(&[
        "--minutes",
        "60",
        "--level",
        "senior",
        "--interviewers",
        "2",
        "--seed",
        "7",
    ]);
    assert_eq!(default["sessions"][0]["blocks"][1]["exercise"], "evasion");
    assert!(readme.contains("evasion's first task: poison's first task needs a 65-minute session"));
    let tasks: Vec<String> = plan["sessions"][0]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["kind"] == "task")
        .map(|b| {
            format!(
                "`{}/{}`",
                b["exercise"].as_str().unwrap(),
                b["task"].as_str().unwrap()
            )
        })
        .collect();
    let promise = format!("plans {}", tasks.join(" and "));
    assert!(
        readme.contains(&promise),
        "the README says what plan prints: {promise}"
    );
}

#[test]
fn plan_refuses_what_it_cannot_honour_in_one_line() {
    let err = refused(&["plan", "--exercise", "dataloader", "--exercise", "ngram"]);
    assert!(
        err.contains("--exercise dataloader --exercise ngram needs a") && err.contains("--minutes"),
        "{err}"
    );
    let both = plan_json(&[
        "--exercise",
        "dataloader",
        "--exercise",
        "ngram",
        "--interviewers",
        "2",
    ]);
    let read: Vec<&str> = both["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["blocks"].as_array().unwrap())
        .filter(|b| b["kind"] == "reading")
        .map(|b| b["exercise"].as_str().unwrap())
        .collect();
    assert_eq!(
        read,
        ["dataloader", "ngram"],
        "neither pinned exercise is dropped"
    );
    assert!(refused(&["plan", "--exercise", "poison"]).contains("--minutes 65"));
    assert!(
        refused(&["plan", "--exercise", "ngram", "--exercise", "ngram"]).contains("given twice")
    );
    assert!(refused(&["plan", "--competency", "nope"]).contains("unknown competency 'nope'"));
    assert!(refused(&["plan", "--minutes", "30"]).contains("fewer than the 3"));
}

fn verdict(property: &str, status: Status) -> Verdict {
    Verdict {
        property: property.to_owned(),
        status,
        message: (status != Status::Pass).then(|| format!("{property} saw a counterexample")),
        counterexample: None,
    }
}

/// A dataloader result where every property passes except those in `failing`.
fn result(failing: &[(&str, Status)], speed_ratio: Option<f64>) -> ExerciseResult {
    let catalog = catalog();
    let exercise = catalog.get("dataloader").unwrap();
    let tasks = exercise
        .tasks
        .iter()
        .map(|task| {
            let verdicts = task
                .properties
                .iter()
                .map(|p| {
                    let status = failing
                        .iter()
                        .find(|(f, _)| f == p)
                        .map_or(Status::Pass, |(_, s)| *s);
                    verdict(p, status)
                })
                .collect();
            TaskResult::new(task, verdicts, String::new())
        })
        .collect();
    let result = ExerciseResult::new(exercise, "candidate", 1, 8, tasks);
    match speed_ratio {
        Some(ratio) => result.with_performance(mldrill::grade::Performance::scored(
            &exercise.performance,
            &mldrill::judge::timing::Comparison::of_ratio(ratio),
        )),
        None => result,
    }
}

#[test]
fn a_failed_property_selects_its_follow_up_and_a_fast_pass_the_senior_ones() {
    let catalog = catalog();
    let exercise = catalog.get("dataloader").unwrap();
    let biased = tailor::follow_ups(
        exercise,
        &result(&[("shuffle/uniform", Status::Fail)], Some(1.0)),
    );
    assert!((3..=4).contains(&biased.len()), "{biased:#?}");
    assert!(
        biased[0].question.contains("test a shuffle for uniformity"),
        "{biased:#?}"
    );
    assert_eq!(biased[0].trigger, Some(Trigger::Failed));
    assert!(
        biased[0].why.contains("`shuffle/uniform` fail"),
        "{biased:#?}"
    );
    assert!(
        biased.iter().all(|f| f.trigger != Some(Trigger::Fast)),
        "no senior questions without a full pass"
    );

    let strong = tailor::follow_ups(exercise, &result(&[], Some(1.0)));
    assert!((3..=4).contains(&strong.len()));
    assert_eq!(strong[0].trigger, Some(Trigger::Fast), "{strong:#?}");
    assert!(strong[0].why.contains("full marks"), "{strong:#?}");
    assert!(
        strong
            .iter()
            .all(|f| matches!(f.trigger, Some(Trigger::Fast | Trigger::Passed)))
    );

    // Passing everything slowly earns no senior-level questions.
    let slow = tailor::follow_ups(exercise, &result(&[], Some(3.0)));
    assert!(
        slow.iter().all(|f| f.trigger != Some(Trigger::Fast)),
        "{slow:#?}"
    );

    let timeout = tailor::follow_ups(
        exercise,
        &result(&[("resume/edges", Status::Timeout)], None),
    );
    assert!(
        timeout[0].question.contains("resumed epoch"),
        "{timeout:#?}"
    );

    let nothing = tailor::follow_ups(
        exercise,
        &result(
            &exercise
                .tasks
                .iter()
                .flat_map(|t| &t.properties)
                .map(|p| (p.as_str(), Status::NotImplemented))
                .collect::<Vec<_>>(),
            None,
        ),
    );
    assert_eq!(nothing[0].trigger, Some(Trigger::Unfinished));
    assert!(
        nothing[0]
            .why
            .contains("task `batching` was not implemented"),
        "{nothing:#?}"
    );
    assert_ne!(strong, nothing);
}

/// A scorecard's rating form for `candidate`, as `grade --markdown` writes it.
fn blank_form(candidate: &str) -> String {
    let catalog = catalog();
    let bank = Bank::load(&repo().join("questions"), &catalog).unwrap();
    let rows: Vec<(String, String, Vec<String>)> = bank
        .competencies
        .iter()
        .map(|c| (c.id.clone(), c.title.clone(), Vec::new()))
        .collect();
    format!(
        "{}{candidate}\n\n- automatic grade: ...\n{}",
        form::SCORECARD_HEADING,
        form::render(
            candidate,
            "100 / 110 points, seed 1 (dataloader 100 / 110)",
            &rows,
            &bank
        )
    )
}

/// Fills the form: `ratings` for the competencies given, n/a for the rest.
fn fill(
    blank: &str,
    interviewer: &str,
    recommendation: &str,
    ratings: &[(&str, &str, &str)],
) -> String {
    blank
        .lines()
        .map(|line| {
            if line == "- interviewer: ?" {
                return format!("- interviewer: {interviewer}");
            }
            if line == "- recommendation: ?" {
                return format!("- recommendation: {recommendation}");
            }
            if line == form::NOTES_HEADING {
                return format!("{line}\n\nNotes by {interviewer}: asked about the team.");
            }
            if line.starts_with("| `") && line.contains("| ? |") {
                let id = line.split('`').nth(1).unwrap();
                return match ratings.iter().find(|(c, _, _)| *c == id) {
                    Some((_, rating, evidence)) => {
                        line.replace("| ? |  |", &format!("| {rating} | {evidence} |"))
                    }
                    None => line.replace("| ? |", "| n/a |"),
                };
            }
            line.to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn filled_scorecards_merge_into_one_decision() {
    let scratch = tempfile::tempdir().unwrap();
    let blank = blank_form("alice");
    let ana = scratch.path().join("ana.md");
    let ben = scratch.path().join("ben.md");
    fs::write(
        &ana,
        fill(
            &blank,
            "Ana",
            "yes",
            &[
                (
                    "reliable-pipelines",
                    "4",
                    "derived the order from (seed, epoch) unprompted",
                ),
                ("supply-chain", "2", "loads checkpoints with pickle"),
            ],
        ),
    )
    .unwrap();
    fs::write(
        &ben,
        fill(
            &blank,
            "Ben",
            "strong-yes",
            &[
                ("reliable-pipelines", "3", "resume from three integers"),
                (
                    "supply-chain",
                    "4",
                    "pins and hashes every artefact \\| signs manifests",
                ),
            ],
        ),
    )
    .unwrap();
    let decision = scratch.path().join("decision.md");
    let output = mldrill(&[
        "scorecard",
        "merge",
        ana.to_str().unwrap(),
        ben.to_str().unwrap(),
        "--out",
        decision.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("alice: the panel leans yes"),
        "{}",
        stdout(&output)
    );
    let md = fs::read_to_string(&decision).unwrap();
    for expected in [
        "# Decision: alice",
        "100 / 110 points",
        "| competency | Ana | Ben | mean | |",
        "| `reliable-pipelines` | 4 | 3 | 3.5 |  |",
        "| `supply-chain` | 2 | 4 | 3.0 | **disagree** |",
        "  - Ana rated 2: loads checkpoints with pickle",
        "pins and hashes every artefact | signs manifests",
        "Notes by Ben: asked about the team.",
        "Not assessed by anyone: `adversarial-response`",
    ] {
        assert!(md.contains(expected), "{expected:?} in {md}");
    }
}

#[test]
fn a_half_filled_or_malformed_scorecard_is_refused_with_its_file_and_line() {
    let scratch = tempfile::tempdir().unwrap();
    let blank = blank_form("bob");
    let merge = |name: &str, text: &str| {
        let path = scratch.path().join(name);
        fs::write(&path, text).unwrap();
        let err = refused(&["scorecard", "merge", path.to_str().unwrap()]);
        let line = err
            .split(&format!("{name}:"))
            .nth(1)
            .and_then(|rest| rest.split(':').next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or_else(|| panic!("names {name} and a line: {err}"));
        (err, text.lines().nth(line - 1).unwrap_or("").to_owned())
    };
    let good = [("supply-chain", "3", "pinned revisions")];

    let half = fill(&blank, "Ana", "yes", &good).replacen("| n/a |", "| ? |", 1);
    let (err, line) = merge("half.md", &half);
    assert!(err.contains("is not filled in"), "{err}");
    assert!(line.contains("| ? |"), "{line}");

    let (err, line) = merge("nobody.md", &fill(&blank, "?", "yes", &good));
    assert!(err.contains("the interviewer is not filled in"), "{err}");
    assert_eq!(line, "- interviewer: ?");

    let (err, line) = merge(
        "five.md",
        &fill(&blank, "Ana", "yes", &[("supply-chain", "5", "great")]),
    );
    assert!(err.contains("is '5'; write 1, 2, 3 or 4"), "{err}");
    assert!(line.contains("`supply-chain`"), "{line}");

    let (err, _) = merge(
        "bare.md",
        &fill(&blank, "Ana", "yes", &[("supply-chain", "3", "")]),
    );
    assert!(err.contains("has no evidence"), "{err}");

    let (err, line) = merge("maybe.md", &fill(&blank, "Ana", "maybe", &good));
    assert!(
        err.contains("write one of strong-no, no, yes, strong-yes"),
        "{err}"
    );
    assert!(line.contains("recommendation"), "{line}");

    let (err, _) = merge(
        "cells.md",
        &fill(&blank, "Ana", "yes", &[("supply-chain", "3", "a | b")]),
    );
    assert!(err.contains("needs 3 cells"), "{err}");

    let (err, _) = merge("empty.md", &fill(&blank, "Ana", "yes", &[]));
    assert!(err.contains("rated no competency"), "{err}");

    let (err, _) = merge("notes.md", "# Meeting notes\n\nnothing here\n");
    assert!(err.contains("not a scorecard"), "{err}");

    let form_less = blank
        .split(form::RATINGS_HEADING)
        .next()
        .unwrap()
        .to_owned();
    let (err, line) = merge("old.md", &form_less);
    assert!(err.contains("has no '## Ratings' section"), "{err}");
    assert!(line.starts_with(form::SCORECARD_HEADING), "{line}");

    // The same interviewer twice for one candidate.
    let a = scratch.path().join("a.md");
    let b = scratch.path().join("b.md");
    fs::write(&a, fill(&blank, "Ana", "yes", &good)).unwrap();
    fs::write(&b, fill(&blank, "Ana", "no", &good)).unwrap();
    let err = refused(&[
        "scorecard",
        "merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert!(err.contains("both filled by Ana for bob"), "{err}");
    let missing = scratch.path().join("missing.md");
    assert!(
        refused(&["scorecard", "merge", missing.to_str().unwrap()])
            .contains("failed to read the scorecard")
    );
}

#[test]
fn every_exercise_has_tailored_follow_ups_for_failures_unfinished_work_and_a_fast_pass() {
    for exercise in &catalog().exercises {
        for trigger in [
            Trigger::Failed,
            Trigger::Unfinished,
            Trigger::Fast,
            Trigger::Passed,
        ] {
            assert!(
                exercise.tailored.iter().any(|t| t.when == trigger),
                "{} has no {trigger:?} follow-up",
                exercise.id
            );
        }
        // Every task's failure leads to a question about it.
        for task in &exercise.tasks {
            assert!(
                exercise.tailored.iter().any(|t| t.when == Trigger::Failed
                    && t.on.iter().any(|p| task.properties.contains(p))),
                "{}/{} has no follow-up for a failure",
                exercise.id,
                task.id
            );
        }
    }
}
