//! Grading many submissions: workers, each with its own warm grading slot, take the next
//! submission until none is left, behind a progress bar. A broken submission yields a
//! result with its error (even one that trips a bug in mldrill); only a broken
//! environment stops the batch.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

use crate::catalog::Catalog;
use crate::grader::{self, GradeOptions, SubmissionResult};
use crate::runner::RunnerError;
use crate::workspace::Slot;

/// The submissions inside `dir`: folders, `.tar.gz`, `.tgz` and `.zip` files, by name;
/// hidden entries and anything else are skipped.
pub fn submissions_in(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_lowercase();
        let kind = entry.file_type()?;
        let archive = [".tar.gz", ".tgz", ".zip"]
            .iter()
            .any(|ext| name.ends_with(ext));
        if !name.starts_with('.') && (kind.is_dir() || (kind.is_file() && archive)) {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

/// Grades `paths` with up to `jobs` workers; results come back in the order of `paths`.
pub fn grade_all(
    paths: &[PathBuf],
    home: &Path,
    catalog: &Catalog,
    cache: &Path,
    options: &GradeOptions,
    jobs: usize,
) -> Result<Vec<SubmissionResult>, RunnerError> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<SubmissionResult>>> = Mutex::new(vec![None; paths.len()]);
    let failure: Mutex<Option<RunnerError>> = Mutex::new(None);
    let progress = if options.quiet || paths.len() < 2 {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(paths.len() as u64)
    };
    progress.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} graded, {elapsed} elapsed, eta {eta}  {msg}",
        )
        .expect("the template is valid"),
    );
    let worker_options = GradeOptions {
        quiet: options.quiet || paths.len() > 1,
        ..options.clone()
    };
    let slots = warm_slots(
        home,
        cache,
        &worker_options,
        jobs.clamp(1, paths.len().max(1)),
    )?;
    std::thread::scope(|scope| {
        for slot in slots {
            let (next, results, failure, progress, worker_options) =
                (&next, &results, &failure, &progress, &worker_options);
            scope.spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    if index >= paths.len()
                        || failure
                            .lock()
                            .expect("no worker panics holding it")
                            .is_some()
                    {
                        break;
                    }
                    progress.set_message(
                        paths[index]
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                    );
                    // A bug that panics on one submission's input is that submission's error.
                    let graded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        grader::grade(&paths[index], home, catalog, &slot, worker_options)
                    }))
                    .unwrap_or_else(|panic| {
                        Ok(SubmissionResult::failed(
                            &paths[index],
                            worker_options.seed,
                            format!(
                                "mldrill failed while grading it ({}); please report this",
                                mldrill_pack::panic_message(panic.as_ref())
                            ),
                        ))
                    });
                    match graded {
                        Ok(result) => {
                            results.lock().expect("no worker panics holding it")[index] =
                                Some(result)
                        }
                        Err(error) => {
                            *failure.lock().expect("no worker panics holding it") = Some(error);
                            break;
                        }
                    }
                    progress.inc(1);
                }
            });
        }
    });
    progress.finish_and_clear();
    if let Some(error) = failure.into_inner().expect("workers are done") {
        return Err(error);
    }
    Ok(results
        .into_inner()
        .expect("workers are done")
        .into_iter()
        .flatten()
        .collect())
}

/// Locks `workers` slots and readies them all before the batch starts. With more than
/// one worker, the first slot is warmed (the harness built, or found up to date) and every
/// cold slot becomes a copy of it: a copy takes seconds where a cold build takes minutes of
/// every core, time the warm workers' grades would otherwise share.
fn warm_slots(
    home: &Path,
    cache: &Path,
    options: &GradeOptions,
    workers: usize,
) -> Result<Vec<Slot>, RunnerError> {
    let slots = (0..workers)
        .map(|worker| Slot::acquire(cache, worker))
        .collect::<io::Result<Vec<Slot>>>()
        .map_err(|source| RunnerError::Spawn {
            path: cache.to_owned(),
            why: source.to_string(),
        })?;
    if workers > 1 && slots.iter().any(|slot| !slot.is_warm()) {
        let activity = crate::feedback::Activity::start(
            options.quiet,
            &format!("readying {workers} grading workspaces"),
        );
        grader::warm(home, &slots[0], options)?;
        for slot in slots.iter().skip(1).filter(|slot| !slot.is_warm()) {
            slot.clone_from(&slots[0])
                .map_err(|source| RunnerError::Spawn {
                    path: slot.workspace(),
                    why: source.to_string(),
                })?;
        }
        activity.finish();
    }
    Ok(slots)
}

/// Flags copied work across `results`: every pair compared per exercise from the stored
/// fingerprints ([`crate::similarity`]); earlier flags are replaced, so merged shards get
/// exactly the flags of one unsharded batch.
pub fn flag_copies(results: &mut [SubmissionResult]) {
    let flags = {
        let submissions: Vec<(&str, &std::collections::BTreeMap<_, _>)> = results
            .iter()
            .map(|r| (r.submission.as_str(), &r.fingerprints))
            .collect();
        crate::similarity::flag_pairs(&submissions)
    };
    for (result, flags) in results.iter_mut().zip(flags) {
        result.similar = flags;
    }
}

/// Gives each result its candidate's name from a `--name` mapping, where it has one.
pub fn name_candidates(results: &mut [SubmissionResult], names: &crate::names::Names) {
    for result in results {
        if let Some(name) = names.get(&result.submission) {
            result.candidate.clone_from(name);
        }
    }
}
