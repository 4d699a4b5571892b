//! The statements say what they grade: every formula and worked example in an exercise's
//! README is a claim its pack checks against the reference (`Pack::claims`, in each pack's
//! `trusted/src/claims.rs`), and every statement lists its tasks with the manifest's points.
//!
//! A claim pairs the README's own words (quoted exactly, white space aside) with a check of
//! the reference. A claim whose words are no longer in the README fails, so an edit to a
//! statement's example cannot slip past its check; a check that fails means the statement
//! promises what the reference does not do. A new example in a README gets a claim.

/// Every pack's statement keeps the promises its pack lists (`Pack::claims`).
#[test]
fn every_claim_of_every_pack_statement_holds() {
    for pack in mldrill::exercises::all() {
        let path = format!("exercises/{}/README.md", pack.id());
        let statement = std::fs::read_to_string(&path).expect("the statement");
        let broken = mldrill_pack::claim::broken(&statement, &pack.claims());
        assert!(
            !pack.claims().is_empty(),
            "{path}: the pack checks no claim"
        );
        assert!(broken.is_empty(), "{path}:\n{}", broken.join("\n"));
    }
}

/// Every statement's task list matches its manifest's points, and the tasks total 100.
#[test]
fn every_statement_lists_its_tasks_with_the_manifests_points_totalling_100() {
    let catalog = mldrill::catalog::Catalog::load(std::path::Path::new("exercises")).unwrap();
    for pack in mldrill::exercises::all() {
        let id = pack.id();
        let exercise = catalog.get(id).unwrap();
        let listed: Vec<String> = exercise
            .tasks
            .iter()
            .map(|t| format!("`{}` ({})", t.id, t.points))
            .collect();
        let line = format!("Tasks: {}, plus 10 for performance.", listed.join(", "));
        let readme = mldrill_pack::claim::squeezed(
            &std::fs::read_to_string(format!("exercises/{id}/README.md")).unwrap(),
        );
        assert!(
            readme.contains(&line),
            "{id}: the statement does not say {line}"
        );
        let total: u32 = exercise.tasks.iter().map(|t| t.points).sum();
        assert_eq!(total, 100, "{id}: the tasks total {total}");
        assert!(
            readme.contains("Speed points require the timed task"),
            "{id}: the statement must say that speed points require the timed task to pass"
        );
    }
}
