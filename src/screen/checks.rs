//! The `checks` crate of an exported screen: the reference-free properties of its
//! exercises and the program `make test` runs them with (`kit/checks_main.rs`), which
//! prints one line per task, the time left and the first failure. What it needs to know
//! about this screen (tasks, seed, time) is written into its `screen.rs`.

use std::fmt::Write as _;

use crate::catalog::Exercise;

/// The program `make test` runs, copied as it is.
pub const MAIN: &str = include_str!("kit/checks_main.rs");

/// Cases per visible property: quick enough for a run on every edit.
pub const CASES: u32 = 64;

/// What `screen.rs` needs to say about the screen.
pub struct Screen<'a> {
    pub exercises: &'a [(&'a Exercise, Vec<&'a str>)],
    pub seed: u64,
    pub minutes: u32,
    pub exported_at: u64,
}

/// `checks/Cargo.toml`: a library with the properties and the `mldrill-checks` program.
pub fn manifest(ids: &[&str], apis: &[String]) -> String {
    let mut text = String::from(
        r#"[package]
name = "mldrill-checks"
version = "0.1.0"
edition.workspace = true
license.workspace = true
publish = false
build = "../build/rpath.rs"

[dependencies]
mldrill-spec.workspace = true
mldrill-pack.workspace = true
tch.workspace = true
rand.workspace = true
rand_distr = "0.5"
proptest = "1.6"
serde = { version = "1", features = ["derive"] }
"#,
    );
    for id in ids {
        let _ = writeln!(text, "{id} = {{ path = \"../exercises/{id}\" }}");
    }
    // Every pack's API crate (`exercises/<id>/api`, package `<id>-api`).
    for api in apis {
        let name = api
            .trim_start_matches("exercises/")
            .trim_end_matches("/api");
        let _ = writeln!(text, "{name}-api = {{ path = \"../{api}\" }}");
    }
    text
}

/// `checks/src/lib.rs`.
pub const LIB: &str = "//! Reference-free properties of your exercises, run by `make test`.\n\n\
                       pub mod suite;\n\n\
                       pub use mldrill_pack::{ensure_eq, fail, property};\n";

/// `checks/src/suite.rs`: the framework, and one module per exported exercise.
pub fn suite_module(ids: &[&str]) -> String {
    let mut out = String::from(
        "//! The property framework and each exercise's reference-free properties.\n\n\
         pub use mldrill_pack::*;\n\n",
    );
    for id in ids {
        let _ = writeln!(out, "pub mod {id};");
    }
    out
}

/// `pack/Cargo.toml` of an export: the property framework of the pack SDK alone.
pub const PACK_MANIFEST: &str = r#"[package]
name = "mldrill-pack"
version = "0.1.0"
edition.workspace = true
license.workspace = true
publish = false

[dependencies]
proptest = "1.6"
serde = { version = "1", features = ["derive"] }
"#;

/// `pack/src/lib.rs` of an export: the same paths as the SDK's, for the properties.
pub const PACK_LIB: &str = "//! The property framework of mldrill's pack SDK: what your exercises' \
                            reference-free\n//! properties are written with.\n\n\
                            pub mod figure;\npub mod property;\npub mod stats;\n\n\
                            pub use property::*;\npub use proptest;\n";

/// `checks/src/screen.rs`: the screen's time and seed, and every task of every exercise
/// with its visible properties (in the manifest's order) and how many stay hidden.
pub fn screen_module(screen: &Screen) -> String {
    let mut text = format!(
        "//! This screen, as its export wrote it: the time allowed, the seed of the\n\
         //! visible properties, and each exercise's tasks.\n\n\
         use crate::{{Exercise, Task}};\n\
         use mldrill_checks::suite::Failure;\n\n\
         pub const MINUTES: u64 = {};\n\
         /// When the screen was exported, in seconds since the Unix epoch.\n\
         pub const EXPORTED_AT: u64 = {};\n\
         pub const SEED: u64 = {};\n\
         pub const CASES: u32 = {CASES};\n\n\
         pub fn exercises() -> Vec<Exercise> {{\n    vec![\n",
        screen.minutes, screen.exported_at, screen.seed
    );
    for (exercise, visible) in screen.exercises {
        let _ = writeln!(
            text,
            "        Exercise {{\n            id: {:?},\n            run: run_{},\n            tasks: &[",
            exercise.id, exercise.id
        );
        for task in &exercise.tasks {
            let shown: Vec<&str> = task
                .properties
                .iter()
                .map(String::as_str)
                .filter(|p| visible.contains(p))
                .collect();
            let _ = writeln!(
                text,
                "                Task {{ id: {:?}, points: {}, visible: &{:?}, hidden: {} }},",
                task.id,
                task.points,
                shown,
                task.properties.len() - shown.len()
            );
        }
        text.push_str("            ],\n        },\n");
    }
    text.push_str("    ]\n}\n");
    for (exercise, _) in screen.exercises {
        let id = &exercise.id;
        let _ = write!(
            text,
            "\nfn run_{id}(property: &str) -> Result<(), Failure> {{\n    \
             let properties = mldrill_checks::suite::{id}::properties();\n    \
             crate::find(&properties, property).run(&::{id}::Candidate, SEED, CASES)\n}}\n"
        );
    }
    text
}
