//! The planner's time arithmetic and choices, on the real catalog and question bank.

use std::collections::BTreeSet;
use std::path::Path;

use super::*;
use crate::catalog::Catalog;

fn catalog() -> Catalog {
    Catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises")).unwrap()
}

/// The catalog of the first three exercises, which the tests that name tasks were written
/// for: a pack added later must not change what they check (the planner's choice).
fn first_three() -> Catalog {
    let mut catalog = catalog();
    catalog
        .exercises
        .retain(|e| ["dataloader", "ngram", "poison"].contains(&e.id.as_str()));
    catalog
}

fn bank(catalog: &Catalog) -> Bank {
    Bank::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("questions"),
        catalog,
    )
    .unwrap()
}

fn request<'a>(minutes: u32, level: Level, interviewers: u32, seed: u64) -> Request<'a> {
    Request {
        minutes,
        level,
        interviewers,
        exercises: Vec::new(),
        competencies: Vec::new(),
        seed,
    }
}

fn make(catalog: &Catalog, bank: &Bank, request: &Request) -> Result<Plan, String> {
    let all: Vec<&Exercise> = catalog.exercises.iter().collect();
    plan(request, &all, bank)
}

#[test]
fn every_session_fills_its_minutes_with_three_to_four_questions_of_substance_an_hour() {
    let catalog = catalog();
    let bank = bank(&catalog);
    for minutes in [45, 50, 60, 75, 90, 120] {
        for level in [Level::Junior, Level::Senior] {
            for interviewers in 1..=3 {
                let plan =
                    make(&catalog, &bank, &request(minutes, level, interviewers, 3)).unwrap();
                assert_eq!(plan.sessions.len(), interviewers as usize);
                for session in &plan.sessions {
                    let count = Plan::substance(session);
                    assert!(
                        session::substance_range(minutes).contains(&count),
                        "{minutes} min, {level:?}: {count} questions of substance\n{}",
                        render::text(&plan)
                    );
                    // Contiguous blocks that end exactly at the session's end.
                    let mut at = 0;
                    for block in &session.blocks {
                        assert_eq!(block.start, at);
                        at += block.minutes;
                    }
                    assert_eq!(at, minutes, "{}", render::text(&plan));
                    assert!(matches!(
                        session.blocks.last().unwrap().kind,
                        BlockKind::CandidateQuestions
                    ));
                    assert!(
                        session
                            .blocks
                            .iter()
                            .any(|b| matches!(b.kind, BlockKind::Question { .. })),
                        "every session asks at least one behavioural question"
                    );
                }
                if minutes <= 60 {
                    for session in &plan.sessions {
                        assert!((3..=4).contains(&Plan::substance(session)));
                    }
                }
            }
        }
    }
}

#[test]
fn an_hour_for_a_senior_holds_two_ngram_tasks_and_for_a_junior_two_dataloader_tasks() {
    let catalog = first_three();
    let bank = bank(&self::catalog());
    let tasks = |plan: &Plan| -> Vec<String> {
        plan.sessions[0]
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                BlockKind::Task { exercise, task, .. } => Some(format!("{exercise}/{task}")),
                _ => None,
            })
            .collect()
    };
    let senior = make(&catalog, &bank, &request(60, Level::Senior, 2, 1)).unwrap();
    assert_eq!(
        tasks(&senior),
        ["ngram/words", "ngram/padding"],
        "{}",
        render::text(&senior)
    );
    let junior = make(&catalog, &bank, &request(60, Level::Junior, 1, 1)).unwrap();
    assert_eq!(
        tasks(&junior),
        ["dataloader/batching", "dataloader/shuffle"],
        "{}",
        render::text(&junior)
    );
    // The hands-on part is in the first session only; the export covers reading and tasks.
    assert!(
        senior.sessions[1]
            .blocks
            .iter()
            .all(|b| !matches!(b.kind, BlockKind::Task { .. }))
    );
    assert_eq!(senior.hands_on_minutes(), 5 + 14 + 9);
}

#[test]
fn no_question_repeats_across_a_panel_nor_a_competency_within_a_session() {
    let catalog = catalog();
    let bank = bank(&catalog);
    for seed in 0..20 {
        for interviewers in [2, 3, 4] {
            let plan = make(
                &catalog,
                &bank,
                &request(60, Level::Senior, interviewers, seed),
            )
            .unwrap();
            let questions: Vec<&str> = plan.questions().map(|(_, _, q)| q.id.as_str()).collect();
            let unique: BTreeSet<&str> = questions.iter().copied().collect();
            assert_eq!(unique.len(), questions.len(), "{questions:?}");
            for session in 1..=interviewers {
                let competencies: Vec<&str> = plan
                    .questions()
                    .filter(|(s, _, _)| *s == session)
                    .map(|(_, c, _)| c)
                    .collect();
                let unique: BTreeSet<&&str> = competencies.iter().collect();
                assert_eq!(unique.len(), competencies.len(), "{competencies:?}");
            }
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_plan_and_seeds_differ() {
    let catalog = catalog();
    let bank = bank(&catalog);
    let json = |seed| {
        serde_json::to_string(&make(&catalog, &bank, &request(60, Level::Senior, 2, seed)).unwrap())
            .unwrap()
    };
    assert_eq!(json(42), json(42));
    let distinct: BTreeSet<String> = (0..10).map(json).collect();
    assert!(
        distinct.len() > 5,
        "{} distinct plans of 10 seeds",
        distinct.len()
    );
}

#[test]
fn the_first_session_asks_a_question_that_probes_its_exercise() {
    let catalog = catalog();
    let bank = bank(&catalog);
    for seed in 0..10 {
        let plan = make(&catalog, &bank, &request(60, Level::Senior, 2, seed)).unwrap();
        let exercise = plan.exercises()[0].to_owned();
        assert!(
            plan.questions()
                .any(|(s, _, q)| s == 1 && q.probes_exercise(&exercise)),
            "{}",
            render::text(&plan)
        );
    }
}

#[test]
fn pinned_exercises_are_all_planned_or_refused_with_the_minutes_they_need() {
    let catalog = catalog();
    let bank = bank(&catalog);
    let pinned = |ids: &[&str], minutes, interviewers| {
        let mut r = request(minutes, Level::Senior, interviewers, 5);
        r.exercises = ids.iter().map(|id| catalog.get(id).unwrap()).collect();
        make(&catalog, &bank, &r)
    };
    // Two exercises over two interviewers: neither is dropped.
    let plan = pinned(&["dataloader", "ngram"], 60, 2).unwrap();
    assert_eq!(plan.exercises(), ["dataloader", "ngram"]);
    // Two exercises in one hour: refused, with a session length that does fit.
    let error = pinned(&["dataloader", "ngram"], 60, 1).unwrap_err();
    assert!(
        error.contains("--exercise dataloader --exercise ngram"),
        "{error}"
    );
    let minutes: u32 = error
        .split("--minutes ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("{error}"));
    let plan = pinned(&["dataloader", "ngram"], minutes, 1).unwrap();
    assert_eq!(plan.exercises(), ["dataloader", "ngram"]);
    // Poison does not fit an hour at a senior's pace, and says so.
    let error = pinned(&["poison"], 60, 1).unwrap_err();
    assert!(
        error.contains("--exercise poison needs a 65-minute session"),
        "{error}"
    );
}

#[test]
fn pinned_competencies_are_each_asked_or_refused_when_there_is_no_room() {
    let catalog = catalog();
    let bank = bank(&catalog);
    let mut r = request(60, Level::Junior, 2, 9);
    r.competencies = vec![
        bank.competency("supply-chain").unwrap(),
        bank.competency("team-education").unwrap(),
    ];
    let plan = make(&catalog, &bank, &r).unwrap();
    let asked: BTreeSet<&str> = plan.questions().map(|(_, c, _)| c).collect();
    assert!(
        asked.contains("supply-chain") && asked.contains("team-education"),
        "{asked:?}"
    );
    // Spread over the panel: one each.
    let first: Vec<&str> = plan
        .questions()
        .filter(|(s, _, _)| *s == 1)
        .map(|(_, c, _)| c)
        .collect();
    assert_eq!(first[0], "supply-chain");
    r.competencies = bank.competencies.iter().collect();
    r.interviewers = 1;
    let error = make(&catalog, &bank, &r).unwrap_err();
    assert!(error.contains("--competency is given 9 times"), "{error}");
}

#[test]
fn too_short_a_session_is_refused_with_a_reason() {
    let catalog = catalog();
    let bank = bank(&catalog);
    let error = make(&catalog, &bank, &request(30, Level::Senior, 1, 0)).unwrap_err();
    assert!(error.contains("fewer than the 3"), "{error}");
    assert!(error.contains("--minutes 4"), "{error}");
}

#[test]
fn tasks_are_taken_in_manifest_order() {
    let catalog = catalog();
    let bank = bank(&catalog);
    for minutes in [60, 90, 120, 180] {
        for exercise in &catalog.exercises {
            let mut r = request(minutes, Level::Senior, 1, 0);
            r.exercises = vec![exercise];
            let Ok(plan) = make(&catalog, &bank, &r) else {
                continue;
            };
            let ids: Vec<&str> = plan.sessions[0]
                .blocks
                .iter()
                .filter_map(|b| match &b.kind {
                    BlockKind::Task { task, .. } => Some(task.as_str()),
                    _ => None,
                })
                .collect();
            let first: Vec<&str> = exercise.tasks[..ids.len()]
                .iter()
                .map(|t| t.id.as_str())
                .collect();
            assert_eq!(ids, first);
        }
    }
}
