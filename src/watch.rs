//! `mldrill watch`: re-checks an exercise whenever one of its source files is saved, and
//! redraws the screen. One event loop takes file events (notify, on the exercise's folder
//! so that editors that save by renaming a new file into place are seen), keys, and the
//! results of checks, which run on a thread of their own through [`check::check_tasks`]:
//! candidate code runs only in the runner process, as with `check`.

mod screen;
mod terminal;

use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, RecursiveMode, Watcher};

use crate::catalog::{Catalog, Exercise};
use crate::check::Implementation;
use crate::check::{self, CheckOptions};
use crate::exit::{EXIT_NOT_PASSED, EXIT_PASSED};
use crate::grade::ExerciseResult;
use crate::progress::Progress;
use crate::runner::Status;
use crate::sandbox::Limits;
use crate::study;
use screen::{Activity, View};
use terminal::{Input, Key, Terminal};

/// Saves arrive as bursts of events (write, rename, attributes): check once they stop.
const DEBOUNCE: Duration = Duration::from_millis(200);
/// How often the elapsed time of a running check is redrawn.
const TICK: Duration = Duration::from_secs(1);

/// How each check runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    pub cases: u32,
    pub wall_clock: Duration,
    pub limits: Limits,
}

/// What the loop waits for.
pub(crate) enum Event {
    /// A source file of the watched exercise changed.
    Changed,
    Input(Input),
    Checked {
        exercise: String,
        outcome: Result<Box<Checked>, String>,
        took: Duration,
    },
}

/// Whether the loop goes on.
enum Flow {
    Continue,
    /// Quit after drawing once more.
    Stop,
    /// Quit now.
    Quit,
}

/// A finished check.
pub(crate) struct Checked {
    result: ExerciseResult,
    build_errors: Option<String>,
    warnings: Vec<String>,
}

/// Whether a file event is a change to a source file under `src` (not an editor's swap
/// or backup file, nor a read, which every build does).
fn is_source_change(event: &notify::Event, src: &Path) -> bool {
    let kind = match event.kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        _ => false,
    };
    kind && event
        .paths
        .iter()
        .any(|p| p.starts_with(src) && p.extension().is_some_and(|e| e == "rs"))
}

/// Watches the exercise's folder (recursively: its `src/` may be a tree) and reports
/// changes to source files under `src/`.
fn watch_sources(exercise: &Exercise, events: Sender<Event>) -> Result<notify::RecommendedWatcher> {
    let dir = exercise
        .dir
        .canonicalize()
        .with_context(|| format!("failed to read {}", exercise.dir.display()))?;
    let src = dir.join("src");
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| is_source_change(&e, &src)) {
            let _ = events.send(Event::Changed);
        }
    })
    .context("failed to watch for file changes")?;
    watcher
        .watch(&dir, RecursiveMode::Recursive)
        .with_context(|| format!("failed to watch {}", dir.display()))?;
    Ok(watcher)
}

fn spawn_check(root: &Path, exercise: &Exercise, options: &Options, events: Sender<Event>) {
    let (root, exercise) = (root.to_owned(), exercise.clone());
    let check = CheckOptions {
        implementation: Implementation::Candidate,
        tasks: Vec::new(),
        seed: options.seed,
        cases: options.cases,
        wall_clock: options.wall_clock,
        limits: options.limits,
        quiet: true,
        speed: false,
    };
    thread::spawn(move || {
        let started = Instant::now();
        let warnings = check::policy_violations(&exercise)
            .iter()
            .map(|v| format!("{v} (grading rejects this code)"))
            .collect();
        let outcome = check::check_tasks(&root, &exercise, &check)
            .map(|(result, build_errors)| {
                Box::new(Checked {
                    result,
                    build_errors,
                    warnings,
                })
            })
            .map_err(|e| format!("{e:#}"));
        let _ = events.send(Event::Checked {
            exercise: exercise.id,
            outcome,
            took: started.elapsed(),
        });
    });
}

/// The watch session's state.
struct Session<'a> {
    root: &'a Path,
    catalog: &'a Catalog,
    options: &'a Options,
    events: Sender<Event>,
    index: usize,
    watcher: notify::RecommendedWatcher,
    /// The exercise being checked and since when.
    checking: Option<(String, Instant)>,
    /// A change arrived while a check ran: check again once it ends.
    pending: bool,
    /// The latest file event, while waiting for the burst to end.
    changed_at: Option<Instant>,
    checks: u32,
    last: Option<(Checked, Duration)>,
    errors: Vec<String>,
    note: Option<String>,
    list: Option<String>,
    /// The end of input: quit once the check in progress is done.
    closing: bool,
}

impl Session<'_> {
    fn exercise(&self) -> &Exercise {
        &self.catalog.exercises[self.index]
    }

    fn check(&mut self) {
        if self.checking.is_some() {
            self.pending = true;
            return;
        }
        self.pending = false;
        let exercise = self.exercise().clone();
        spawn_check(self.root, &exercise, self.options, self.events.clone());
        self.checking = Some((exercise.id, Instant::now()));
    }

    fn progress(&mut self) -> Progress {
        let (progress, warning) = Progress::load(self.root);
        if let Some(warning) = warning {
            self.errors.push(warning);
        }
        progress
    }

    fn save(&mut self, progress: &Progress) {
        if let Err(e) = study::save_progress(self.root, progress) {
            self.errors.push(format!("{e:#}"));
        }
    }

    fn checked(&mut self, exercise: String, outcome: Result<Box<Checked>, String>, took: Duration) {
        self.checking = None;
        if exercise != self.exercise().id {
            self.check(); // a result for the exercise the learner just left
            return;
        }
        self.checks += 1;
        self.errors.clear();
        match outcome {
            Ok(checked) => {
                let mut progress = self.progress();
                progress.record(&checked.result);
                self.save(&progress);
                if self.list.is_some() {
                    self.list = Some(study::render_list(self.catalog, &progress));
                }
                self.last = Some((*checked, took));
            }
            Err(error) => self.errors.push(error),
        }
        if self.pending {
            self.check();
        }
    }

    /// Reveals the next hint of the first task not passing, as `mldrill hint` would.
    fn hint(&mut self) {
        let exercise = self.exercise().clone();
        let mut progress = self.progress();
        let failing = |id: &str| match &self.last {
            Some((checked, _)) => checked
                .result
                .tasks
                .iter()
                .any(|t| t.id == id && t.status != Status::Pass),
            None => !progress.passed(&exercise.id, id),
        };
        let Some(task) = exercise.tasks.iter().find(|t| failing(&t.id)) else {
            self.note =
                Some("Every task passes: no hint needed. Press n for the next exercise.".into());
            return;
        };
        let shown = progress.reveal_hint(&exercise, task);
        self.save(&progress);
        let last = if shown == task.hints.len() {
            " (the last one)"
        } else {
            ""
        };
        self.note = Some(format!(
            "hint {shown}/{} for {}/{}{last}: {}",
            task.hints.len(),
            exercise.id,
            task.id,
            task.hints[shown - 1].trim()
        ));
    }

    fn next_exercise(&mut self) -> Result<()> {
        self.index = (self.index + 1) % self.catalog.exercises.len();
        self.watcher = watch_sources(self.exercise(), self.events.clone())?;
        self.last = None;
        self.note = None;
        self.list = None;
        self.errors.clear();
        self.check();
        Ok(())
    }

    fn toggle_list(&mut self) {
        self.list = match self.list {
            Some(_) => None,
            None => Some(study::render_list(self.catalog, &self.progress())),
        };
    }

    fn draw(&self, terminal: &mut Terminal) -> Result<()> {
        let exercise = self.exercise();
        let src = format!(
            "{}/",
            exercise
                .dir
                .join("src")
                .strip_prefix(self.root)
                .unwrap_or(&exercise.dir.join("src"))
                .display()
        );
        let activity = match (&self.checking, &self.last) {
            (Some((_, since)), _) => Activity::Checking {
                seconds: terminal.live().then(|| since.elapsed().as_secs()),
            },
            (None, Some((_, took))) => Activity::Done {
                number: self.checks,
                seconds: took.as_secs(),
            },
            (None, None) => Activity::Checking { seconds: None },
        };
        let last = self.last.as_ref().map(|(c, _)| c);
        let mut warnings = self.errors.clone();
        if let Some(checked) = last {
            warnings.extend(checked.warnings.iter().cloned());
        }
        let view = View {
            exercise,
            src: &src,
            seed: self.options.seed,
            cases: self.options.cases,
            activity,
            result: last.map(|c| &c.result),
            build_errors: last.and_then(|c| c.build_errors.as_deref()),
            warnings: &warnings,
            note: self.note.as_deref(),
            list: self.list.as_deref(),
        };
        let (width, height) = terminal.size();
        terminal
            .draw(&screen::render(&view, terminal.styled(), width, height))
            .context("failed to draw the screen")
    }

    /// How long the loop may sleep before it has something to do on its own.
    fn timeout(&self, live: bool) -> Option<Duration> {
        let debounce = self
            .changed_at
            .map(|at| DEBOUNCE.saturating_sub(at.elapsed()));
        let tick = (live && self.checking.is_some()).then_some(TICK);
        debounce.into_iter().chain(tick).min()
    }

    /// What an event (or, for `None`, the end of a wait) changes.
    fn handle(&mut self, event: Option<Event>) -> Result<Flow> {
        match event {
            None => {
                if self.changed_at.is_some_and(|at| at.elapsed() >= DEBOUNCE) {
                    self.changed_at = None;
                    self.check();
                }
            }
            Some(Event::Changed) => self.changed_at = Some(Instant::now()),
            Some(Event::Checked {
                exercise,
                outcome,
                took,
            }) => {
                self.checked(exercise, outcome, took);
                if self.closing && self.checking.is_none() {
                    return Ok(Flow::Stop);
                }
            }
            Some(Event::Input(Input::Resized)) => {}
            Some(Event::Input(Input::Closed)) => {
                if self.checking.is_none() {
                    return Ok(Flow::Quit);
                }
                self.closing = true;
            }
            Some(Event::Input(Input::Key(key))) => match key {
                Key::Quit => return Ok(Flow::Quit),
                Key::Hint => self.hint(),
                Key::Next => self.next_exercise()?,
                Key::List => self.toggle_list(),
                Key::Recheck => self.check(),
            },
        }
        Ok(Flow::Continue)
    }

    fn passed(&self) -> bool {
        self.last
            .as_ref()
            .is_some_and(|(c, _)| c.build_errors.is_none() && c.result.all_passed())
    }
}

/// Watches `start` until the learner quits (or input ends); the exit code is that of the
/// latest check.
pub fn run(
    root: &Path,
    catalog: &Catalog,
    start: &Exercise,
    options: &Options,
) -> Result<ExitCode> {
    let index = catalog
        .exercises
        .iter()
        .position(|e| e.id == start.id)
        .context("the exercise is not in the catalog")?;
    let (events, received) = mpsc::channel();
    let watcher = watch_sources(start, events.clone())?;
    let mut terminal = Terminal::open().context("failed to set up the terminal")?;
    // Keys typed on a terminal act at once. Keys read as lines (a pipe, a script) are
    // read once the first check is drawn, so that `printf 'h\nq\n' | mldrill watch`
    // shows a result before it quits.
    let mut listening = !terminal.reads_lines();
    if listening {
        terminal.listen(events.clone());
    }
    let mut session = Session {
        root,
        catalog,
        options,
        events,
        index,
        watcher,
        checking: None,
        pending: false,
        changed_at: None,
        checks: 0,
        last: None,
        errors: Vec::new(),
        note: None,
        list: None,
        closing: false,
    };
    session.check();
    loop {
        session.draw(&mut terminal)?;
        let event = match session.timeout(terminal.live()) {
            Some(wait) => match received.recv_timeout(wait) {
                Ok(event) => Some(event),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            },
            None => match received.recv() {
                Ok(event) => Some(event),
                Err(_) => break,
            },
        };
        match session.handle(event)? {
            Flow::Continue => {}
            Flow::Stop => {
                session.draw(&mut terminal)?;
                break;
            }
            Flow::Quit => break,
        }
        if !listening && session.checking.is_none() {
            session.draw(&mut terminal)?;
            terminal.listen(session.events.clone());
            listening = true;
        }
    }
    drop(terminal);
    Ok(ExitCode::from(if session.passed() {
        EXIT_PASSED
    } else {
        EXIT_NOT_PASSED
    }))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use notify::event::{CreateKind, DataChange, MetadataKind, RenameMode};

    fn event(kind: EventKind, path: &str) -> notify::Event {
        notify::Event::new(kind).add_path(PathBuf::from(path))
    }

    #[test]
    fn saves_count_and_reads_and_editor_files_do_not() {
        let src = Path::new("/w/exercises/dataloader/src");
        let change = |kind, path| is_source_change(&event(kind, path), src);
        let written = EventKind::Access(AccessKind::Close(AccessMode::Write));
        let renamed = EventKind::Modify(ModifyKind::Name(RenameMode::To));
        let data = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        assert!(change(written, "/w/exercises/dataloader/src/lib.rs"));
        assert!(change(renamed, "/w/exercises/dataloader/src/lib.rs"));
        assert!(change(data, "/w/exercises/dataloader/src/nested/mod.rs"));
        assert!(change(
            EventKind::Create(CreateKind::File),
            "/w/exercises/dataloader/src/new.rs"
        ));
        assert!(!change(
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            "/w/exercises/dataloader/src/lib.rs"
        ));
        assert!(!change(
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)),
            "/w/exercises/dataloader/src/lib.rs"
        ));
        assert!(!change(written, "/w/exercises/dataloader/src/.lib.rs.swp"));
        assert!(!change(written, "/w/exercises/dataloader/src/lib.rs~"));
        assert!(!change(written, "/w/exercises/dataloader/.stub/lib.rs"));
        assert!(!change(written, "/w/exercises/dataloader/README.md"));
    }
}
