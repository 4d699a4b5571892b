//! What each command does: validate the request against the catalog first, then build and
//! run. Errors are for things the user can fix and come back as one line each.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::batch;
use crate::catalog::{Catalog, Exercise};
use crate::cli::{
    Cli, Command, DevCommand, Format, Implementation, ReportCommand, ScorecardCommand,
    ScreenCommand,
};
use crate::grader::GradeOptions;
use crate::progress::Progress;
use crate::report;

use crate::sandbox::Limits;
use crate::screen;
use crate::study;
use crate::watch;
use crate::workspace::default_cache;

use crate::check::{CheckOptions, check, random_seed};
use crate::exit::{EXIT_NOT_PASSED, EXIT_PASSED};

/// Runs a parsed command line; the binary maps an `Err` to one line and [`EXIT_USAGE`].
pub fn run(cli: Cli) -> Result<ExitCode> {
    if let Command::Completions { shell } = cli.command {
        // The ids of the workspace's exercises and tasks when there is one; a script
        // without them otherwise (completions work outside a checkout too).
        let catalog = workspace_root(cli.root.as_deref())
            .ok()
            .and_then(|root| Catalog::load(&root.join("exercises")).ok());
        let mut command = crate::completions::with_ids(
            <Cli as clap::CommandFactory>::command(),
            catalog.as_ref(),
        );
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut command, "mldrill", &mut script);
        match std::io::Write::write_all(&mut std::io::stdout(), &script) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                return Err(e).context("failed to write the completion script");
            }
            _ => return Ok(ExitCode::SUCCESS),
        }
    }
    if let Command::Pack(args) = cli.command {
        // A pack's own command: it needs no workspace.
        return pack_command(args);
    }
    if let Command::Scorecard(ScorecardCommand::Merge { files, out }) = &cli.command {
        // Filled scorecards need no workspace.
        return crate::interview::merge(files, out.as_deref());
    }
    let root = workspace_root(cli.root.as_deref())?;
    if let Command::Dev(command) = cli.command {
        // Before the catalog: a pack with a broken manifest is what `dev check` reports.
        return dev(&root, command);
    }
    let catalog = Catalog::load(&root.join("exercises"))?;
    match cli.command {
        Command::Completions { .. } => unreachable!("handled before the workspace is read"),
        Command::List => list(&root, &catalog),
        Command::Watch {
            exercise,
            seed,
            run,
        } => {
            let start = match exercise {
                Some(id) => catalog.get(&id)?,
                None => {
                    let progress = study::load_progress(&root);
                    catalog
                        .exercises
                        .iter()
                        .find(|e| progress.passed_count(e) < e.tasks.len())
                        .or(catalog.exercises.first())
                        .context("the workspace has no exercises")?
                }
            };
            let wall_clock = Duration::from_secs(run.timeout);
            let options = watch::Options {
                seed: seed.unwrap_or_else(random_seed),
                cases: run.cases,
                wall_clock,
                limits: Limits::new(run.memory, wall_clock),
            };
            watch::run(&root, &catalog, start, &options)
        }
        Command::Reset {
            exercise,
            restore: false,
            force,
        } => study::reset(&root, catalog.get(&exercise)?, force),
        Command::Reset {
            exercise,
            restore: true,
            force,
        } => study::restore_saved(&root, catalog.get(&exercise)?, force),
        Command::Solution { exercise, force } => {
            study::solution(&root, catalog.get(&exercise)?, force)
        }
        Command::Guide { exercise } => study::guide(catalog.get(&exercise)?),
        Command::Plan(args) => crate::interview::plan(&root, &catalog, &args),
        Command::Questions(args) => crate::interview::questions(&root, &catalog, &args),
        Command::Scorecard(_) => unreachable!("merged before the workspace is looked up"),
        Command::Dev(_) => unreachable!("run before the catalog is read"),
        Command::Show { exercise } => show(catalog.get(&exercise)?),
        Command::Pack(_) => unreachable!("run before the workspace is looked up"),
        Command::Hint { exercise, task } => hint(&root, catalog.get(&exercise)?, task.as_deref()),
        Command::Screen(ScreenCommand::Export {
            exercises,
            out,
            minutes,
            seed,
        }) => {
            let chosen = exercises
                .iter()
                .map(|id| catalog.get(id))
                .collect::<Result<Vec<_>, _>>()?;
            let exported = screen::export(
                &root,
                &chosen,
                &out,
                minutes,
                seed,
                &screen::record::records_dir(),
            )?;
            for warning in &exported.warnings {
                eprintln!("warning: {warning}");
            }
            println!(
                "exported {} to {} (screen {}, seed {}, {} minutes)",
                exported.record.exercises.join(", "),
                out.display(),
                exported.record.screen_id,
                exported.record.seed,
                exported.record.minutes
            );
            println!(
                "the grade takes the seed, exercises and export time from {}; grade on another machine by copying it into the same folder there",
                exported.record_path.display()
            );
            println!(
                "send the folder to the candidate (it has no build output: tar czf {0}.tgz {0} stays small); they run `make test`, then send back the submission.tar.gz that `make pack` writes; grade it with: mldrill grade submission.tar.gz",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Grade {
            paths,
            batch,
            exercises,
            seed,
            run,
            jobs,
            json,
            junit,
            markdown,
            csv,
            html,
            names,
            shard,
        } => {
            for id in &exercises {
                catalog.get(id)?;
            }
            if shard.is_some() && batch.is_none() {
                bail!(
                    "--shard takes a share of a batch folder; pass --batch <dir> with it, e.g. --batch submissions/ --shard 1/4"
                );
            }
            let names = names
                .map(|path| crate::names::read(&path))
                .transpose()?
                .unwrap_or_default();
            let mut batch_size = 0;
            let (paths, csv) = match &batch {
                Some(dir) => {
                    let found = batch::submissions_in(dir).with_context(|| {
                        format!("failed to read the batch folder {}", dir.display())
                    })?;
                    if found.is_empty() {
                        bail!(
                            "{} holds no submissions (folders, .tar.gz, .tgz or .zip)",
                            dir.display()
                        );
                    }
                    batch_size = found.len();
                    match shard {
                        Some(shard) => (shard.select(&found), csv),
                        None => (
                            found,
                            Some(csv.unwrap_or_else(|| PathBuf::from("mldrill-grades.csv"))),
                        ),
                    }
                }
                None if paths.is_empty() => {
                    bail!("nothing to grade; pass submission paths or --batch <dir>")
                }
                None => (paths, csv),
            };
            if let Some(missing) = paths.iter().find(|p| !p.exists()) {
                bail!(
                    "{} does not exist; pass a folder, a .tar.gz or a .zip",
                    missing.display()
                );
            }
            // The scorecard's rating form needs the question bank: checked before grading.
            let bank = match &markdown {
                Some(_) => Some(crate::interview::load_bank(&root, &catalog)?),
                None => None,
            };
            let shard = shard.map(|shard| crate::shard::ShardOf { shard, batch_size });
            let json = json.or_else(|| {
                shard.map(|s| {
                    PathBuf::from(format!(
                        "mldrill-shard-{}-of-{}.json",
                        s.shard.index, s.shard.count
                    ))
                })
            });
            // Every report file is opened before grading: a bad path costs nothing.
            let reports = report::files::Reports::open(report::files::Paths {
                json,
                junit,
                markdown,
                csv,
                html,
            })?;
            let wall_clock = Duration::from_secs(run.timeout);
            let options = GradeOptions {
                seed,
                cases: run.cases,
                wall_clock,
                limits: Limits::new(run.memory, wall_clock),
                exercises,
                records: screen::record::records_dir(),
                quiet: cli.quiet,
            };
            let jobs = jobs.map_or_else(
                || std::thread::available_parallelism().map_or(1, |n| n.get()),
                |j| j as usize,
            );
            let mut results = if paths.is_empty() {
                Vec::new() // a shard of a batch smaller than the shard count
            } else {
                batch::grade_all(&paths, &root, &catalog, &default_cache(), &options, jobs)?
            };
            batch::name_candidates(&mut results, &names);
            batch::flag_copies(&mut results);
            // The summary first: whatever happens to the files, it is not lost.
            for result in &results {
                println!("{}", report::human::render_submission(result).trim_end());
            }
            reports.write(&results, &catalog, bank.as_ref(), shard)?;
            let passed = results.iter().all(|r| r.all_passed());
            Ok(ExitCode::from(if passed {
                EXIT_PASSED
            } else {
                EXIT_NOT_PASSED
            }))
        }
        Command::Report(ReportCommand::Merge {
            shards,
            json,
            junit,
            markdown,
            csv,
            html,
        }) => {
            let bank = match &markdown {
                Some(_) => Some(crate::interview::load_bank(&root, &catalog)?),
                None => None,
            };
            let reports = report::files::Reports::open(report::files::Paths {
                json,
                junit,
                markdown,
                csv,
                html,
            })?;
            let results = crate::shard::merge(&shards)?;
            for result in &results {
                println!("{}", report::human::render_submission(result).trim_end());
            }
            reports.write(&results, &catalog, bank.as_ref(), None)?;
            let passed = results.iter().all(|r| r.all_passed());
            Ok(ExitCode::from(if passed {
                EXIT_PASSED
            } else {
                EXIT_NOT_PASSED
            }))
        }
        Command::Check {
            exercise,
            implementation,
            tasks,
            seed,
            speed,
            run,
            format,
            html,
        } => {
            let exercise = catalog.get(&exercise)?;
            let html = report::files::create(html)?;
            for task in &tasks {
                exercise.task(task)?;
            }
            let wall_clock = Duration::from_secs(run.timeout);
            let options = CheckOptions {
                implementation,
                tasks,
                seed: seed.unwrap_or_else(random_seed),
                cases: run.cases,
                wall_clock,
                limits: Limits::new(run.memory, wall_clock),
                quiet: cli.quiet || format == Format::Json,
                speed: speed && implementation == Implementation::Candidate,
            };
            let result = check(&root, exercise, &options)?;
            if implementation == Implementation::Candidate {
                let mut progress = study::load_progress(&root);
                progress.record(&result);
                if let Err(error) = study::save_progress(&root, &progress) {
                    eprintln!("warning: {error:#}");
                }
            }
            match format {
                Format::Human => {
                    anstream::println!("{}", report::human::render_styled(&result).trim_end())
                }
                Format::Json => println!("{}", report::json::render(&result).trim_end()),
            }
            report::files::write(html, &|| Ok(report::html::render_check(&result)))?;
            Ok(ExitCode::from(if result.all_passed() {
                EXIT_PASSED
            } else {
                EXIT_NOT_PASSED
            }))
        }
    }
}

/// The workspace: `--root`, else the nearest folder at or above the current one that has
/// `exercises/spec/`, else the checkout this binary was built from.
fn workspace_root(given: Option<&Path>) -> Result<PathBuf> {
    let is_root = |dir: &Path| {
        dir.join("exercises").join("spec").is_dir() && dir.join("Cargo.toml").is_file()
    };
    if let Some(dir) = given {
        if !is_root(dir) {
            bail!(
                "{} is not an mldrill workspace (no exercises/spec/ and Cargo.toml); pass the folder of your checkout",
                dir.display()
            );
        }
        return Ok(dir.to_owned());
    }
    let cwd = std::env::current_dir().context("failed to read the current folder")?;
    if let Some(dir) = cwd.ancestors().find(|d| is_root(d)) {
        return Ok(dir.to_owned());
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR"));
    if is_root(built_from) {
        return Ok(built_from.to_owned());
    }
    bail!(
        "no mldrill workspace here or above {}; run inside your checkout or pass --root <dir>",
        cwd.display()
    )
}

fn list(root: &Path, catalog: &Catalog) -> Result<ExitCode> {
    print!(
        "{}",
        study::render_list(catalog, &study::load_progress(root))
    );
    Ok(ExitCode::SUCCESS)
}

fn show(exercise: &Exercise) -> Result<ExitCode> {
    let path = exercise.statement_path();
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("failed to read {}", path.display()))?;
    println!("{}", text.trim_end());
    Ok(ExitCode::SUCCESS)
}

fn hint(root: &Path, exercise: &Exercise, task: Option<&str>) -> Result<ExitCode> {
    let (mut progress, warning) = Progress::load(root);
    if let Some(warning) = warning {
        eprintln!("warning: {warning}");
    }
    let key = |id: &str| format!("{}/{id}", exercise.id);
    let task = match task {
        Some(id) => exercise.task(id)?,
        None => match exercise
            .tasks
            .iter()
            .find(|t| progress.hints.get(&key(&t.id)).copied().unwrap_or(0) < t.hints.len())
        {
            Some(task) => task,
            None => {
                println!(
                    "Every hint of {} is revealed; `mldrill hint {} --task <id>` shows a task's hints again.",
                    exercise.id, exercise.id
                );
                return Ok(ExitCode::SUCCESS);
            }
        },
    };
    let seen = progress.hints.entry(key(&task.id)).or_insert(0);
    *seen = (*seen + 1).min(task.hints.len());
    let shown = *seen;
    for (i, hint) in task.hints.iter().take(shown).enumerate() {
        println!(
            "hint {}/{} for {}/{}: {}",
            i + 1,
            task.hints.len(),
            exercise.id,
            task.id,
            hint.trim()
        );
    }
    if shown == task.hints.len() {
        println!("(that is the last hint for this task)");
    }
    progress.save().with_context(|| {
        format!(
            "failed to save progress under {}",
            root.join(".mldrill").display()
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `mldrill dev new` and `mldrill dev check`.
fn dev(root: &Path, command: DevCommand) -> Result<ExitCode> {
    match command {
        DevCommand::New { id, title } => {
            let created = crate::dev::new::create(root, &id, title.as_deref())?;
            println!(
                "wrote the pack {} ({} files) and registered it in Cargo.toml",
                created.dir.display(),
                created.files.len()
            );
            println!(
                "next:\n  1. mldrill dev check {id}      proves the example pack as it is (the first run builds it)\n  \
                 2. edit exercises/{id}/api/src/lib.rs, the trait a candidate implements, and its\n     \
                 stub (src/lib.rs, .stub/lib.rs), reference, mutants, properties and claims in trusted/\n  \
                 3. write README.md and exercise.toml (tasks, hints, rubric, guide)\n  \
                 4. mldrill dev check {id}      until every line is ok; CONTRIBUTING.md explains each check"
            );
            Ok(ExitCode::SUCCESS)
        }
        DevCommand::Check {
            exercise,
            seeds,
            cases,
            no_screen,
            timeout,
            memory,
        } => {
            let quiet = std::env::var_os("MLDRILL_QUIET").is_some();
            if let Some(built) = crate::dev::current_build(root, quiet)? {
                return crate::dev::run_instead(&built);
            }
            let packs = crate::exercises::all();
            let chosen: Vec<_> = match &exercise {
                None => packs,
                Some(id) => match packs.iter().find(|p| p.id() == id) {
                    Some(pack) => vec![*pack],
                    None => {
                        let known: Vec<&str> = packs.iter().map(|p| p.id()).collect();
                        let folder = root.join("exercises").join(id);
                        bail!(
                            "no pack '{id}' is registered{}; registered: {}",
                            if folder.is_dir() {
                                format!(
                                    " ({} exists: add `{id}-trusted = {{ path = \"exercises/{id}/trusted\" }}` to the [dependencies] of Cargo.toml)",
                                    folder.display()
                                )
                            } else {
                                crate::catalog::did_you_mean(id, known.iter().copied())
                            },
                            known.join(", ")
                        )
                    }
                },
            };
            let wall_clock = Duration::from_secs(timeout);
            let options = crate::dev::check::Options {
                seeds,
                cases,
                wall_clock,
                limits: Limits::new(memory, wall_clock),
                screen: !no_screen,
                quiet,
            };
            let mut all_hold = true;
            for pack in chosen {
                println!("dev check {}", pack.id());
                let lines = crate::dev::check::check(root, pack, &options, &mut |line| {
                    println!("{line}");
                })?;
                let held = lines.iter().filter(|l| l.passed()).count();
                println!("{}: {held} of {} checks hold", pack.id(), lines.len());
                all_hold &= held == lines.len();
            }
            Ok(ExitCode::from(if all_hold {
                EXIT_PASSED
            } else {
                EXIT_NOT_PASSED
            }))
        }
    }
}

/// Every command the registered packs add, as `mldrill --help` lists them.
pub fn pack_commands_help() -> String {
    let commands: Vec<String> = crate::exercises::all()
        .iter()
        .flat_map(|pack| pack.commands())
        .map(|c| format!("  {:<14} {}", c.name, c.about))
        .collect();
    format!(
        "Exercise commands (`mldrill <command> --help`):\n{}",
        commands.join("\n")
    )
}

/// `mldrill <command> ...` for a command a pack adds.
fn pack_command(args: Vec<std::ffi::OsString>) -> Result<ExitCode> {
    let name = args
        .first()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_default();
    let commands: Vec<_> = crate::exercises::all()
        .iter()
        .flat_map(|pack| pack.commands())
        .collect();
    match commands.iter().find(|c| c.name == name) {
        Some(command) => (command.run)(args).map_err(anyhow::Error::msg),
        None => {
            let known = commands.iter().map(|c| c.name);
            bail!(
                "unknown command '{name}'{}; see `mldrill --help` for the commands",
                crate::catalog::did_you_mean(&name, known)
            )
        }
    }
}
