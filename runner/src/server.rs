//! The server loop a `mldrill-runner-<id>` executable runs: limit the process, say hello,
//! then answer calls until the judge closes the pipe.
//!
//! Everything here runs before or around candidate code, in the candidate's process, so
//! none of it is trusted by the judge: the hello is written before any candidate code has
//! run, and every later byte is only an answer the judge checks.

use std::fs::File;
use std::io::{self, Read};
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::Mutex;

use peakmem_alloc::{PeakMemAlloc, PeakMemAllocTrait};
use serde_bytes::ByteBuf;

use crate::envelope::{self, PROTOCOL_VERSION, ReadResult, Request, Response};
use crate::frame::{self, MAX_FRAME};
use crate::sandbox::{self, Limits};

/// The heap meter: a global allocator that tracks the peak of bytes allocated and not yet
/// freed. Each executable installs it with
/// `#[global_allocator] static HEAP: &Meter = &mldrill_runner::server::METER;`.
pub use peakmem_alloc::INSTRUMENTED_SYSTEM as METER;
/// The meter's type.
pub type Meter = PeakMemAlloc<std::alloc::System>;

/// One exercise's implementation, answering calls encoded by that exercise's module.
pub trait Service {
    /// The exercise id.
    fn exercise(&self) -> &'static str;
    /// Answers one encoded call. `input` is the judge's stream, for calls that read one.
    /// An error is a call this service cannot decode.
    fn call(&mut self, call: &[u8], input: &mut dyn Read) -> Result<Vec<u8>, String>;
}

/// The call pipe, read through a buffer.
type Calls = std::io::BufReader<File>;

/// Where the last panic happened, recorded by the hook for the [`Response::Panicked`].
static PANIC_LOCATION: Mutex<Option<String>> = Mutex::new(None);

/// The executable's `main`: parse the limits from the command line, take the pipes, limit
/// the process, then serve.
pub fn main(service: &mut dyn Service) -> ExitCode {
    run(service, std::env::args().skip(1).collect())
}

/// [`main`] with the limits' arguments given.
pub fn run(service: &mut dyn Service, args: Vec<String>) -> ExitCode {
    let limits = match Limits::from_args(args) {
        Ok(limits) => limits,
        Err(why) => {
            eprintln!("mldrill-runner: {why}; this program is started by `mldrill`, not by hand");
            return ExitCode::from(2);
        }
    };
    let (calls, mut replies) = match sandbox::take_pipes() {
        Ok(pipes) => pipes,
        Err(e) => {
            eprintln!("mldrill-runner: failed to set up the call pipes: {e}");
            return ExitCode::from(2);
        }
    };
    let applied = sandbox::apply(&limits);
    panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        if let Ok(mut slot) = PANIC_LOCATION.lock() {
            *slot = location;
        }
    }));
    let hello = Response::Hello {
        protocol: PROTOCOL_VERSION,
        exercise: service.exercise().to_owned(),
        sandbox: applied,
    };
    if send(&mut replies, &hello).is_err() {
        return ExitCode::from(2);
    }
    // Buffered: a call's header and body arrive in one read.
    let mut calls = std::io::BufReader::with_capacity(64 * 1024, calls);
    match serve(service, &mut calls, &mut replies) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(2),
    }
}

fn send(out: &mut File, response: &Response) -> io::Result<()> {
    frame::write(out, &envelope::encode(response))
}

/// Answers requests until the judge closes the call pipe.
fn serve(service: &mut dyn Service, calls: &mut Calls, replies: &mut File) -> io::Result<()> {
    let metered = metered();
    while let Some(bytes) = frame::read(calls, MAX_FRAME)? {
        let response = match envelope::decode::<Request>(&bytes) {
            Err(why) => Response::Refused(why),
            Ok(Request::Call(call)) => match answer(service, &call, calls, replies) {
                Ok(reply) => Response::Reply(ByteBuf::from(reply)),
                Err(response) => response,
            },
            Ok(Request::Batch(batch)) => {
                let mut out = Vec::with_capacity(batch.len());
                let mut failed = None;
                for call in &batch {
                    match answer(service, call, calls, replies) {
                        Ok(reply) => out.push(ByteBuf::from(reply)),
                        Err(response) => {
                            failed = Some(response);
                            break;
                        }
                    }
                }
                failed.unwrap_or(Response::Replies(out))
            }
            Ok(Request::ResetPeak) => {
                METER.reset_peak_memory();
                Response::Peak {
                    bytes: METER.get_peak_memory() as u64,
                    metered,
                }
            }
            Ok(Request::Peak) => Response::Peak {
                bytes: METER.get_peak_memory() as u64,
                metered,
            },
            Ok(Request::Data(_)) => Response::Refused("no read is in progress".into()),
        };
        send(replies, &response)?;
    }
    Ok(())
}

/// Runs one call, turning a panic into its [`Response::Panicked`].
fn answer(
    service: &mut dyn Service,
    call: &[u8],
    calls: &mut Calls,
    replies: &mut File,
) -> Result<Vec<u8>, Response> {
    let mut input = JudgeStream { calls, replies };
    match panic::catch_unwind(AssertUnwindSafe(|| service.call(call, &mut input))) {
        Ok(Ok(reply)) => Ok(reply),
        Ok(Err(why)) => Err(Response::Refused(why)),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic with a non-text payload".to_owned());
            let location = PANIC_LOCATION.lock().ok().and_then(|mut l| l.take());
            Err(Response::Panicked { message, location })
        }
    }
}

/// Whether [`METER`] is this program's allocator: a 1 MiB allocation must show.
fn metered() -> bool {
    METER.reset_peak_memory();
    let probe = std::hint::black_box(Vec::<u8>::with_capacity(1 << 20));
    let seen = METER.get_peak_memory() >= 1 << 20;
    drop(probe);
    seen
}

/// The judge's stream for a call that reads one: each read asks the judge for bytes.
struct JudgeStream<'a> {
    calls: &'a mut Calls,
    replies: &'a mut File,
}

impl Read for JudgeStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let max = buf.len().min(1 << 20) as u32;
        send(self.replies, &Response::Read { max })?;
        let bytes = frame::read(self.calls, MAX_FRAME)?
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        match envelope::decode::<Request>(&bytes) {
            Ok(Request::Data(ReadResult::Bytes(data))) if data.len() <= buf.len() => {
                buf[..data.len()].copy_from_slice(&data);
                Ok(data.len())
            }
            Ok(Request::Data(ReadResult::Error(kind))) => {
                Err(io::Error::from(envelope::kind_from_name(&kind)))
            }
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the judge broke the read protocol",
            )),
        }
    }
}
