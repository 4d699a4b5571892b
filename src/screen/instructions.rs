//! The candidate's `README.md` in an exported screen: the time allowed, how to run the
//! visible properties (`make test`), how to send the work back (`make pack`), and the
//! rules of grading.

use std::fmt::Write as _;

use crate::catalog::Exercise;

/// The instructions for a screen of `minutes` minutes over `exercises`, each with the
/// ids of its visible properties.
pub fn render(exercises: &[(&Exercise, Vec<&str>)], minutes: u32) -> String {
    let mut text = format!(
        "# Hands-on exercise\n\n\
         You have **{minutes} minutes**, counted from when this folder was made; `make test` shows \
         the time left. Work through the exercises below in order; each has several tasks that \
         earn points separately, so a partial solution counts. Correctness matters most, then \
         clarity, then speed.\n\n"
    );
    let (exercise, task) = exercises
        .first()
        .and_then(|(e, _)| e.tasks.first().map(|t| (e.id.as_str(), t.id.as_str())))
        .unwrap_or(("<exercise>", "<task>"));
    let one = format!("make test TASK={task}");
    let _ = write!(
        text,
        "## Start\n\n\
         ```sh\n\
         make test{pad}    # every task of every exercise: one line each, the first failure, the time left\n\
         {one}    # one task (or {exercise}/{task}, or a whole exercise: {exercise})\n\
         ```\n\n",
        pad = " ".repeat(one.len() - "make test".len()),
    );
    text.push_str(
        "The first `make test` installs libtorch into your cache folder, once per machine (about \
         1.2 GB; if you already have libtorch 2.13, export `LIBTORCH` first), then builds: the \
         first build compiles libtorch's bindings and takes about 5 minutes; later runs take \
         seconds. Start it while you read the first statement.\n\n\
         Each task's line says `pass`, `fail`, `not_implemented` (a `todo!()` is still there) or \
         `graded_only` (all its properties compare with a reference and run when your work is \
         graded), with how many of its visible properties pass. For the first failure it prints \
         the property, why it failed, the minimal input that shows it (proptest shrinks it) and \
         where your code panicked, if it did. `Cargo.lock` is used as shipped.\n\n",
    );
    text.push_str("## Exercises\n\n");
    for (exercise, properties) in exercises {
        let _ = writeln!(
            text,
            "- **{}** ({} tasks): read `exercises/{}/README.md`, edit `exercises/{}/src/lib.rs` \
             ({} visible properties).",
            exercise.title,
            exercise.tasks.len(),
            exercise.id,
            exercise.id,
            properties.len()
        );
    }
    text.push_str(
        "\n## When you are done\n\n\
         ```sh\n\
         make pack    # writes submission.tar.gz: your exercises' src/ and mldrill-screen.toml (a few KB)\n\
         ```\n\n\
         Send `submission.tar.gz`. It holds exactly what is graded. (Zipping the whole folder \
         would carry the build folder, hundreds of MB.)\n\n\
         ## Rules\n\n\
         - Only `exercises/<id>/src/**/*.rs` is graded; every other file is replaced by the grader's own copy.\n\
         - The visible properties need no reference solution; grading also runs hidden properties that compare your \
         results with a reference, and times your code against it.\n\
         - Code that uses `unsafe`, `include!`-style macros, `#[path]`, `extern` blocks or \
         `std::{fs, net, process, env, os}` is rejected without being built.\n",
    );
    text
}
