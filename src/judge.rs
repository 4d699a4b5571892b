//! The judge: the trusted side of the boundary. It runs every property in this process,
//! against a proxy that forwards each trait call to a call server (a `mldrill-runner-*`
//! process under limits), and decides every status from what it observes: a property's
//! own result, its clock, and how the process ended. The process is told no property, no
//! seed and no expected value; whatever it writes is at most an answer to check.
//!
//! A process that dies, runs out of time or breaks the call protocol fails the property
//! in progress with that status, and the next property starts a fresh one.

pub mod heap;
pub mod output;
pub mod pipes;
pub mod session;
pub mod timing;

use std::cell::{OnceCell, RefCell};
use std::panic;
use std::rc::Rc;
use std::time::Duration;

use mldrill_runner::Transport;

use crate::exercises::Pack;
use crate::verdict::{Status, Verdict};
use mldrill_pack::Failure;
use mldrill_pack::figure::{self, Figure};
use session::{Death, Launch, Session};

/// What judging some properties came to.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// One per property, in order.
    pub verdicts: Vec<Verdict>,
    /// What the processes printed while these properties ran.
    pub output: String,
    /// The limits the supervisor and the runner reported they applied.
    pub sandbox: Vec<String>,
    /// What the properties recorded of what they measured, in property order: numbers
    /// (the candidate's answers among them) and the pack's words, for the report to draw.
    pub figures: Vec<Figure>,
}

/// A call server kept between requests, started again after it dies or when a request
/// asks for another implementation (another launch).
#[derive(Default)]
pub struct Server {
    session: RefCell<Option<(String, Rc<Session>)>>,
}

impl Server {
    /// The live session for `launch`, started when there is none, the last one died, or
    /// it serves another launch.
    pub fn session(&self, launch: &Launch) -> Result<Rc<Session>, String> {
        let key = format!("{launch:?}");
        let mut slot = self.session.borrow_mut();
        if let Some((served, session)) = slot.as_ref()
            && *served == key
            && session.death().is_none()
        {
            return Ok(Rc::clone(session));
        }
        *slot = None;
        let session = Rc::new(Session::start(launch)?);
        *slot = Some((key, Rc::clone(&session)));
        Ok(session)
    }
}

/// Runs `properties` of `exercise` against the implementation `launch` serves, each
/// within `wall_clock`.
pub fn judge(
    exercise: &dyn Pack,
    server: &Server,
    launch: &Launch,
    properties: &[String],
    seed: u64,
    cases: u32,
    wall_clock: Duration,
) -> Result<Judgement, String> {
    let mut verdicts = Vec::with_capacity(properties.len());
    // What every property's processes printed, capped as a whole like each one's.
    let mut output = output::HeadTail::new(session::OUTPUT_CAP);
    let mut sandbox = Vec::new();
    let mut figures: Vec<Figure> = Vec::new();
    for property in properties {
        let session = server.session(launch)?;
        if sandbox.is_empty() {
            sandbox = session.sandbox.clone();
        }
        session.set_limit(wall_clock);
        let transport: Rc<dyn Transport> = Rc::clone(&session) as Rc<dyn Transport>;
        let probe = Rc::new(heap::Remote::new(Rc::clone(&session)));
        // The process as it stood when the property's own calls were done: a figure's
        // extra calls come after, and never change the verdict.
        let settled: Rc<OnceCell<Option<Death>>> = Rc::default();
        let note = {
            let (session, settled) = (Rc::clone(&session), Rc::clone(&settled));
            move || _ = settled.set(session.death())
        };
        let (result, drawn) = figure::collect_with(note, || {
            quietly(|| {
                heap::with_probe(probe, || {
                    exercise.run_remote(property, transport, seed, cases)
                })
            })
        });
        // Kept one per title when they reach a result (`ExerciseResult::with_figures`).
        figures.extend(drawn);
        let death = settled.get().cloned().unwrap_or_else(|| session.death());
        let verdict = match (death, result) {
            (Some(death), _) => Verdict {
                property: property.clone(),
                status: death.status,
                message: Some(format!("the candidate's process {}", death.reason)),
                counterexample: None,
            },
            (None, None) => Verdict {
                property: property.clone(),
                status: Status::Error,
                message: Some(format!(
                    "exercise {} has no property {property}",
                    exercise.id()
                )),
                counterexample: None,
            },
            (None, Some(result)) => verdict(property, result),
        };
        verdicts.push(verdict);
        output.push(session.take_output().as_bytes());
    }
    Ok(Judgement {
        verdicts,
        output: output.render(),
        sandbox,
        figures,
    })
}

/// A property's verdict from its own result.
pub fn verdict(property: &str, result: Result<(), Failure>) -> Verdict {
    let (status, message, counterexample) = match result {
        Ok(()) => (Status::Pass, None, None),
        Err(f) if f.is_not_implemented() => {
            (Status::NotImplemented, Some(f.reason), f.counterexample)
        }
        Err(f) => (Status::Fail, Some(f.reason), f.counterexample),
    };
    Verdict {
        property: property.to_owned(),
        status,
        message,
        counterexample,
    }
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with this thread's panics kept quiet: a candidate's panic re-raised by a
/// proxy is a property's failure, reported as such, not a message on the terminal.
/// Other threads (a batch's other workers) keep the usual hook.
pub fn quietly<T>(f: impl FnOnce() -> T) -> T {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let out = f();
    QUIET.with(|q| q.set(was));
    out
}
