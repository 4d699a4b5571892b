//! `mldrill dev new <id>`: a new exercise pack that builds and grades, from the one-task
//! example in `template/` (clamp values into a range), plus its one registration line in
//! the root `Cargo.toml`. Nothing else in the checkout is touched.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Every file of the example pack: its path under `exercises/<id>/`, and its template.
const FILES: [(&str, &str); 19] = [
    ("README.md", include_str!("template/README.md.tmpl")),
    ("exercise.toml", include_str!("template/exercise.toml.tmpl")),
    ("Cargo.toml", include_str!("template/Cargo.toml.tmpl")),
    ("src/lib.rs", include_str!("template/stub.rs.tmpl")),
    (".stub/lib.rs", include_str!("template/stub.rs.tmpl")),
    (
        "api/Cargo.toml",
        include_str!("template/api.Cargo.toml.tmpl"),
    ),
    ("api/src/lib.rs", include_str!("template/api.lib.rs.tmpl")),
    (
        "wire/Cargo.toml",
        include_str!("template/wire.Cargo.toml.tmpl"),
    ),
    ("wire/src/lib.rs", include_str!("template/wire.lib.rs.tmpl")),
    (
        "trusted/Cargo.toml",
        include_str!("template/trusted.Cargo.toml.tmpl"),
    ),
    (
        "trusted/src/lib.rs",
        include_str!("template/trusted.lib.rs.tmpl"),
    ),
    (
        "trusted/src/reference.rs",
        include_str!("template/trusted.reference.rs.tmpl"),
    ),
    (
        "trusted/src/mutants.rs",
        include_str!("template/trusted.mutants.rs.tmpl"),
    ),
    (
        "trusted/src/differential.rs",
        include_str!("template/trusted.differential.rs.tmpl"),
    ),
    (
        "trusted/src/invariant/mod.rs",
        include_str!("template/trusted.invariant.mod.rs.tmpl"),
    ),
    (
        "trusted/src/invariant/clip.rs",
        include_str!("template/trusted.invariant.clip.rs.tmpl"),
    ),
    (
        "trusted/src/claims.rs",
        include_str!("template/trusted.claims.rs.tmpl"),
    ),
    (
        "trusted/src/bench.rs",
        include_str!("template/trusted.bench.rs.tmpl"),
    ),
    (
        "runner/Cargo.toml",
        include_str!("template/runner.Cargo.toml.tmpl"),
    ),
];

/// The runner's `main`, written separately: its folder is not a template file's.
const RUNNER_MAIN: &str = include_str!("template/runner.main.rs.tmpl");

/// Where registrations go: the comment above the packs' dependency lines.
const REGISTRY_MARK: &str = "# The exercise packs:";

/// Rust's keywords (strict and reserved) and names a pack's crates would clash with.
const RESERVED: [&str; 60] = [
    "as",
    "break",
    "const",
    "continue",
    "crate",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "async",
    "await",
    "dyn",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "macro",
    "override",
    "priv",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "try",
    "gen",
    "core",
    "std",
    "alloc",
    "proc_macro",
    "test",
    "spec",
    "mldrill",
    "tch",
    "ndarray",
];

/// What `dev new` wrote.
pub struct Created {
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
}

/// Checks that `id` can name a pack: a lowercase Rust identifier, not a keyword, not taken.
pub fn check_id(root: &Path, id: &str) -> Result<()> {
    let valid = id.len() <= 40
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !id.ends_with('_');
    if !valid {
        bail!(
            "'{id}' cannot name an exercise: use lowercase letters, digits and underscores, \
             starting with a letter (at most 40), for example `token_bucket`"
        );
    }
    if RESERVED.contains(&id) {
        bail!("'{id}' is a Rust keyword or a crate the harness uses; choose another id");
    }
    let dir = root.join("exercises").join(id);
    if dir.exists() {
        bail!(
            "{} already exists; choose another id, or remove that folder first",
            dir.display()
        );
    }
    Ok(())
}

/// `snake_case` to `CamelCase`: the example's trait name.
fn camel(id: &str) -> String {
    id.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn fill(template: &str, id: &str, title: &str) -> String {
    template
        .replace("__TRAIT__", &camel(id))
        .replace("__TITLE__", title)
        .replace("__ID__", id)
}

/// Writes the pack `exercises/<id>/` and registers it in `root/Cargo.toml`.
pub fn create(root: &Path, id: &str, title: Option<&str>) -> Result<Created> {
    check_id(root, id)?;
    let title = title.map_or_else(
        || format!("{}: an example exercise", camel(id)),
        str::to_owned,
    );
    if title.contains(['"', '\\', '\n']) {
        bail!("the title must fit on one line without quotes or backslashes");
    }
    let manifest_path = root.join("Cargo.toml");
    let manifest = fs::read_to_string(&manifest_path)
        .with_context(|| format!("failed to read {}", manifest_path.display()))?;
    let registered = register(&manifest, id).with_context(|| {
        format!(
            "{} has no line starting with `{REGISTRY_MARK}`, where packs are registered; \
             restore it from the repository",
            manifest_path.display()
        )
    })?;
    let dir = root.join("exercises").join(id);
    let mut files = Vec::new();
    let result = (|| -> std::io::Result<()> {
        let mut write = |relative: &str, template: &str| -> std::io::Result<()> {
            let path = dir.join(relative);
            fs::create_dir_all(path.parent().expect("a file in the pack has a folder"))?;
            fs::write(&path, fill(template, id, &title))?;
            files.push(path);
            Ok(())
        };
        for (relative, template) in FILES {
            write(relative, template)?;
        }
        write("runner/src/main.rs", RUNNER_MAIN)
    })();
    if let Err(e) = result {
        // Nothing half-written stays behind.
        let _ = fs::remove_dir_all(&dir);
        return Err(e).with_context(|| format!("failed to write {}", dir.display()));
    }
    fs::write(&manifest_path, registered)
        .with_context(|| format!("failed to register the pack in {}", manifest_path.display()))?;
    format_sources(&files);
    Ok(Created { dir, files })
}

/// Formats the pack's Rust files as `cargo fmt` would (the order of imports depends on
/// the id). Best effort: without rustfmt the files are still valid, only less tidy.
fn format_sources(files: &[PathBuf]) {
    let sources: Vec<&PathBuf> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
        .collect();
    let _ = std::process::Command::new("rustfmt")
        .args(["--edition", "2024"])
        .args(&sources)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

/// `manifest` with `<id>-trusted` added after the last registered pack (or right after the
/// registry's comment); `None` when the manifest has no registry.
fn register(manifest: &str, id: &str) -> Option<String> {
    let lines: Vec<&str> = manifest.lines().collect();
    let mark = lines.iter().position(|l| l.starts_with(REGISTRY_MARK))?;
    let mut at = mark + 1;
    while at < lines.len() && lines[at].starts_with('#') {
        at += 1;
    }
    while at < lines.len() && lines[at].contains("-trusted = ") {
        at += 1;
    }
    let line = format!("{id}-trusted = {{ path = \"exercises/{id}/trusted\" }}");
    let mut out: Vec<&str> = lines[..at].to_vec();
    out.push(&line);
    out.extend(&lines[at..]);
    Some(out.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pack_is_registered_after_the_last_one() {
        let manifest = "[dependencies]\nserde = \"1\"\n\n# The exercise packs: one line each\n# more words\na-trusted = { path = \"exercises/a/trusted\" }\n\n[dev-dependencies]\n";
        let out = register(manifest, "b").unwrap();
        assert!(out.contains(
            "a-trusted = { path = \"exercises/a/trusted\" }\nb-trusted = { path = \"exercises/b/trusted\" }\n\n[dev-dependencies]"
        ));
        assert_eq!(register("[dependencies]\n", "b"), None);
    }

    #[test]
    fn ids_must_be_lowercase_identifiers_and_free() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.path().join("exercises/taken")).unwrap();
        for bad in [
            "",
            "Clip",
            "9lives",
            "has-dash",
            "trailing_",
            "fn",
            "spec",
            "taken",
        ] {
            assert!(check_id(root.path(), bad).is_err(), "{bad}");
        }
        check_id(root.path(), "token_bucket").unwrap();
        assert_eq!(camel("token_bucket2"), "TokenBucket2");
    }
}
