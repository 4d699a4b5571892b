//! Shell completion scripts that know the workspace: `mldrill completions <shell>` offers
//! the subcommands and flags clap knows, plus the exercise ids and task ids of the
//! catalog wherever an argument takes one. The ids are added to the script only, never
//! to parsing, so a mistyped id still gets mldrill's own message with a suggestion.

use clap::builder::PossibleValuesParser;
use clap::{Arg, Command};

use crate::catalog::Catalog;

/// Arguments that take an exercise id, by their clap id.
const EXERCISE_ARGS: [&str; 2] = ["exercise", "exercises"];
/// Arguments that take a task id.
const TASK_ARGS: [&str; 2] = ["task", "tasks"];

/// `command` with the catalog's exercise ids (and the union of their task ids) as the
/// possible values of every argument that takes one, in every subcommand.
pub fn with_ids(command: Command, catalog: Option<&Catalog>) -> Command {
    let Some(catalog) = catalog else {
        return command;
    };
    let exercises: Vec<String> = catalog.exercises.iter().map(|e| e.id.clone()).collect();
    let mut tasks: Vec<String> = catalog
        .exercises
        .iter()
        .flat_map(|e| e.tasks.iter().map(|t| t.id.clone()))
        .collect();
    tasks.sort();
    tasks.dedup();
    annotate(command, &exercises, &tasks)
}

fn annotate(mut command: Command, exercises: &[String], tasks: &[String]) -> Command {
    let ids: Vec<String> = command
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        let values = if EXERCISE_ARGS.contains(&id.as_str()) {
            exercises
        } else if TASK_ARGS.contains(&id.as_str()) {
            tasks
        } else {
            continue;
        };
        let values = values.to_vec();
        command = command.mut_arg(&id, move |arg: Arg| {
            arg.value_parser(PossibleValuesParser::new(values))
        });
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(&name, |sub| annotate(sub, exercises, tasks));
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bash_script_offers_exercise_and_task_ids() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises");
        let catalog = Catalog::load(&root).unwrap();
        let command = with_ids(
            <crate::cli::Cli as clap::CommandFactory>::command(),
            Some(&catalog),
        );
        let mut script = Vec::new();
        clap_complete::generate(
            clap_complete::Shell::Bash,
            &mut command.clone(),
            "mldrill",
            &mut script,
        );
        let script = String::from_utf8(script).unwrap();
        let ids: Vec<&str> = catalog.exercises.iter().map(|e| e.id.as_str()).collect();
        assert!(ids.len() >= 3, "{ids:?}");
        assert!(script.contains(&ids.join(" ")), "exercise ids");
        assert!(script.contains("batching"), "task ids");
        assert!(script.contains("shuffle"), "task ids");
    }
}
