//! The architecture stays easy to see: no module of the harness imports another that
//! imports it back, and nothing in `src/`, `runner/` or `benches/` names an exercise (an
//! exercise is its pack: one folder and one registration line).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

mod common;
use common::repo;

/// Every `.rs` file under `dir`, recursively.
fn sources(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out
}

/// The code of a file without comments and without its `#[cfg(test)] mod tests`.
fn code(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    let text = text
        .find("#[cfg(test)]\nmod tests")
        .map_or(text.as_str(), |at| &text[..at]);
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules of `src/` each module refers to (`crate::<module>`).
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = repo().join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in sources(&src) {
        let relative = path.strip_prefix(&src).unwrap();
        let Some(first) = relative.components().next() else {
            continue;
        };
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if ["lib", "main", "bin"].contains(&module.as_str()) {
            continue;
        }
        let text = code(&path);
        let uses = graph.entry(module.clone()).or_default();
        for (at, _) in text.match_indices("crate::") {
            let name: String = text[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != module {
                uses.insert(name);
            }
        }
    }
    graph
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let graph = module_graph();
    assert!(
        graph.contains_key("judge") && graph["app"].contains("check"),
        "{graph:?}"
    );
    // Depth-first search for a path from each module back to itself.
    let mut cycles = Vec::new();
    for start in graph.keys() {
        let mut pending = vec![vec![start.clone()]];
        let mut seen = BTreeSet::new();
        while let Some(path) = pending.pop() {
            let last = path.last().unwrap();
            for next in graph.get(last).into_iter().flatten() {
                if next == start {
                    cycles.push(format!("{} -> {start}", path.join(" -> ")));
                } else if graph.contains_key(next) && seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    pending.push(longer);
                }
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "modules in a circle:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn nothing_outside_the_packs_names_an_exercise_in_code() {
    let ids: Vec<&str> = mldrill::exercises::all().iter().map(|p| p.id()).collect();
    assert!(ids.contains(&"dataloader"), "{ids:?}");
    let mut named = Vec::new();
    for dir in ["src", "runner", "benches"] {
        for path in sources(&repo().join(dir)) {
            let text = code(&path);
            for id in &ids {
                let stem = path.file_stem().unwrap().to_string_lossy();
                if stem == *id {
                    named.push(format!("{} is named after {id}", path.display()));
                }
                for crate_path in [
                    format!("{id}_trusted"),
                    format!("{id}_wire"),
                    format!("{id}_api"),
                    format!("::{id}::"),
                    format!("{id}::"),
                ] {
                    if text.contains(&crate_path) {
                        named.push(format!("{} names {crate_path}", path.display()));
                    }
                }
            }
        }
    }
    assert!(named.is_empty(), "{}", named.join("\n"));
}
