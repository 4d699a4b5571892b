//! `mldrill dev new` writes a pack that `mldrill dev check` proves, touching only its own
//! folder and one registration line; and `dev check` fails, with a line naming the problem,
//! on a pack with a missing hint, a mutant no property catches, or a reference that fails.
//! All of it in a scratch copy of the checkout.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{checkout_target, repo};

/// Every file under `root`, by relative path, with its bytes.
fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                out.insert(path.strip_prefix(root).unwrap().to_owned(), bytes);
            }
        }
    }
    out
}

fn mldrill(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mldrill"))
        .arg("--root")
        .arg(root)
        .args(args)
        // A target folder of its own, kept between runs: the scratch copy's path packages
        // must not overwrite the checkout's. It starts from the checkout's compiled
        // dependencies, and the same libtorch spelling keeps libtorch's crates reused.
        .env(
            "CARGO_TARGET_DIR",
            checkout_target().join("fixtures").join("dev-new"),
        )
        .env("LIBTORCH", repo().join(".libtorch"))
        .env("MLDRILL_QUIET", "1")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn edit(path: &Path, from: &str, to: &str) {
    let before = fs::read_to_string(path).unwrap();
    assert!(before.contains(from), "{} has no {from:?}", path.display());
    fs::write(path, before.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_new_pack_touches_its_folder_and_one_line_and_dev_check_proves_it() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path();
    mldrill::workspace::copy_pristine(repo(), root).unwrap();
    let before = files(root);

    let created = mldrill(root, &["dev", "new", "clip_demo"]);
    assert!(created.status.success(), "{}", text(&created));
    assert!(
        text(&created).contains("mldrill dev check clip_demo"),
        "{}",
        text(&created)
    );

    // Nothing changed but the new folder and one added line of Cargo.toml.
    let after = files(root);
    for (path, bytes) in &after {
        if path.starts_with("exercises/clip_demo") {
            continue;
        }
        match before.get(path) {
            None => panic!("dev new wrote {} outside the pack", path.display()),
            Some(old) if old == bytes => {}
            Some(old) => {
                assert_eq!(
                    path,
                    Path::new("Cargo.toml"),
                    "dev new changed {}",
                    path.display()
                );
                let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(bytes));
                let added: Vec<&str> = new
                    .lines()
                    .filter(|l| !old.lines().any(|o| o == *l))
                    .collect();
                assert_eq!(
                    added,
                    ["clip_demo-trusted = { path = \"exercises/clip_demo/trusted\" }"],
                    "Cargo.toml"
                );
                assert_eq!(new.lines().count(), old.lines().count() + 1);
            }
        }
    }
    assert!(
        before.keys().all(|p| after.contains_key(p)),
        "dev new removed a file"
    );
    let again = mldrill(root, &["dev", "new", "clip_demo"]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("already exists"), "{}", text(&again));

    let proved = mldrill(
        root,
        &["dev", "check", "clip_demo", "--seeds", "5", "--no-screen"],
    );
    let report = text(&proved);
    assert!(proved.status.success(), "{report}");
    for check in [
        "manifest",
        "tasks",
        "claims",
        "guide",
        "reference",
        "mutants",
        "stub",
        "benchmark",
    ] {
        assert!(
            report
                .lines()
                .any(|l| l.trim_start().starts_with("ok") && l.contains(check)),
            "no passing {check} line:\n{report}"
        );
    }
    assert!(report.contains("clip_demo: 8 of 8 checks hold"), "{report}");

    // A missing hint: the manifest check says which task, and nothing else runs.
    let pack = root.join("exercises/clip_demo");
    let manifest = pack.join("exercise.toml");
    let good = fs::read_to_string(&manifest).unwrap();
    edit(
        &manifest,
        "    \"Each output depends only on its own input and the two bounds: map over the values.\",\n",
        "",
    );
    let hintless = mldrill(root, &["dev", "check", "clip_demo", "--no-screen"]);
    assert_eq!(hintless.status.code(), Some(1), "{}", text(&hintless));
    assert!(
        text(&hintless).contains("FAIL  manifest")
            && text(&hintless).contains("at least two hints"),
        "{}",
        text(&hintless)
    );
    fs::write(&manifest, good).unwrap();

    // A mutant that is no mistake: it is the reference.
    let mutants = pack.join("trusted/src/mutants.rs");
    let good = fs::read_to_string(&mutants).unwrap();
    edit(
        &mutants,
        "Ok(values.iter().map(|v| v.min(high)).collect())",
        "Reference.clip(values, low, high)",
    );
    let survivor = mldrill(
        root,
        &["dev", "check", "clip_demo", "--seeds", "2", "--no-screen"],
    );
    let report = text(&survivor);
    assert_eq!(survivor.status.code(), Some(1), "{report}");
    assert!(
        report.contains("FAIL  mutants")
            && report.contains("mutant:UpperBoundOnly passes every property of its task clip"),
        "{report}"
    );
    assert!(report.contains("ok    reference"), "{report}");
    fs::write(&mutants, good).unwrap();

    // A reference that forgets the lower bound.
    edit(
        &pack.join("trusted/src/reference.rs"),
        "Ok(values.iter().map(|v| v.clamp(low, high)).collect())",
        "Ok(values.iter().map(|v| v.min(high)).collect())",
    );
    let wrong = mldrill(
        root,
        &["dev", "check", "clip_demo", "--seeds", "2", "--no-screen"],
    );
    let report = text(&wrong);
    assert_eq!(wrong.status.code(), Some(1), "{report}");
    assert!(
        report.contains("FAIL  reference")
            && report.contains("the reference does not pass clip/within_bounds"),
        "{report}"
    );
    assert!(report.contains("FAIL  claims"), "{report}");
}
