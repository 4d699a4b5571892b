//! One call server process as the judge sees it: started under the supervisor, driven
//! over its call pipes with the judge's own clock, and ended the moment it breaks a rule.
//!
//! Nothing the process writes is trusted: its replies are answers to check, and how it
//! ended is read from the supervisor's exit code and the judge's clock, never from its
//! text. The supervisor's lines on stderr (what it applied, the runner's process id) and
//! the runner's hello arrive before the judge sends the first call, so before any
//! candidate code has run.

use std::cell::{Cell, RefCell};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use mldrill_runner::envelope::{self, PROTOCOL_VERSION, ReadResult, Request, Response};
use mldrill_runner::sandbox::Limits;
use mldrill_runner::transport::{Transport, broken};
use mldrill_supervisor::{
    EXIT_CPU_LIMIT, EXIT_MEMORY_LIMIT, EXIT_SIGNAL_BASE, LINE_PREFIX, MEMORY_CGROUP_ARG,
};
use serde_bytes::ByteBuf;

use super::output::HeadTail;
use super::pipes::{PipeError, Pipes};
use crate::verdict::Status;

/// Most bytes of the runner's own output (what candidate code prints) kept for reports.
pub const OUTPUT_CAP: usize = 64 * 1024;
/// How long a runner may take to start: load libtorch, limit itself and say hello.
const START_LIMIT: Duration = Duration::from_secs(60);
/// Most bytes a read of the judge's stream hands over at once: small, so that the
/// server's own buffers stay far inside the heap allowance of a memory property.
const READ_CHUNK: usize = 16 * 1024;

/// How a process ended, as the judge observed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Death {
    pub status: Status,
    pub reason: String,
}

/// What starts a runner: the programs and the limits.
#[derive(Debug, Clone)]
pub struct Launch<'a> {
    pub supervisor: &'a Path,
    pub executable: &'a Path,
    /// Arguments before the limits (the references' runner takes its implementation).
    pub args: Vec<String>,
    pub limits: Limits,
    /// The exercise the runner must say it serves.
    pub exercise: &'a str,
}

/// A running call server.
pub struct Session {
    child: RefCell<Child>,
    pipes: RefCell<Option<Pipes>>,
    output: Arc<Mutex<HeadTail>>,
    /// The supervisor's and the runner's report of the limits they applied.
    pub sandbox: Vec<String>,
    /// The runner's process id, as the judge sees it (for its kernel memory counters).
    pub pid: Option<u32>,
    deadline: Cell<Instant>,
    limit: Cell<Duration>,
    death: RefCell<Option<Death>>,
    _scratch: tempfile::TempDir,
}

impl Session {
    /// Starts a runner and waits for its hello.
    pub fn start(launch: &Launch) -> Result<Session, String> {
        let scratch = tempfile::Builder::new()
            .prefix("mldrill-run-")
            .tempdir()
            .map_err(|e| format!("failed to make a scratch folder: {e}"))?;
        let mut command = Command::new(launch.supervisor);
        command
            .args(["--processes", &launch.limits.processes.to_string()])
            .args(["--cpu-seconds", &launch.limits.cpu_seconds.to_string()])
            .args(["--memory-mib", &launch.limits.memory_mib.to_string()])
            .arg("--")
            .arg(launch.executable)
            .args(&launch.args)
            .args(launch.limits.to_args())
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .current_dir(scratch.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group: a timeout or the end of the session kills all of it.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .spawn()
            .map_err(|e| format!("failed to start {}: {e}", launch.supervisor.display()))?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let output = Arc::new(Mutex::new(HeadTail::new(OUTPUT_CAP)));
        let (notes_tx, notes_rx) = mpsc::channel();
        spawn_stderr_reader(stderr, notes_tx, Arc::clone(&output));
        let pipes = Pipes::new(stdin, stdout)
            .map_err(|e| format!("failed to set up the call pipes: {e}"))?;
        let session = Session {
            child: RefCell::new(child),
            pipes: RefCell::new(Some(pipes)),
            output,
            sandbox: Vec::new(),
            pid: None,
            deadline: Cell::new(Instant::now() + START_LIMIT),
            limit: Cell::new(START_LIMIT),
            death: RefCell::new(None),
            _scratch: scratch,
        };
        session.greet(launch, notes_rx)
    }

    /// Reads the supervisor's lines and the runner's hello.
    fn greet(mut self, launch: &Launch, notes: Receiver<Notes>) -> Result<Session, String> {
        let notes = notes
            .recv_timeout(START_LIMIT)
            .map_err(|_| self.failed_start("the supervisor did not report"))?;
        self.pid = notes.pid;
        self.sandbox = notes.applied;
        if launch.limits.memory_mib > 0
            && self
                .sandbox
                .iter()
                .any(|l| l.starts_with("memory cgroup: ") && !l.contains("not applied"))
        {
            self.sandbox.push(format!(
                "memory status from the cgroup's kill counter ({MEMORY_CGROUP_ARG})"
            ));
        }
        match self.receive() {
            Ok(Response::Hello {
                protocol,
                exercise,
                sandbox,
            }) => {
                if protocol != PROTOCOL_VERSION {
                    return Err(self.failed_start(&format!(
                        "the runner speaks protocol {protocol}, this mldrill speaks \
                         {PROTOCOL_VERSION}; rebuild with `make build`"
                    )));
                }
                if exercise != launch.exercise {
                    return Err(self.failed_start(&format!(
                        "the runner serves {exercise}, not {}",
                        launch.exercise
                    )));
                }
                self.sandbox.extend(sandbox);
                Ok(self)
            }
            Ok(_) => Err(self.failed_start("the runner did not start with hello")),
            Err(death) => Err(self.failed_start(&death.reason)),
        }
    }

    fn failed_start(&self, why: &str) -> String {
        self.kill();
        let output = self.output();
        let output = output.trim();
        if output.is_empty() {
            format!("the runner did not start: {why}")
        } else {
            format!("the runner did not start: {why}; it printed:\n{output}")
        }
    }

    /// From now on, calls must complete within `limit` in all.
    pub fn set_limit(&self, limit: Duration) {
        self.limit.set(limit);
        self.deadline.set(Instant::now() + limit);
    }

    /// How the process ended, once it has.
    pub fn death(&self) -> Option<Death> {
        self.death.borrow().clone()
    }

    /// What the process printed so far: head and tail, capped.
    pub fn output(&self) -> String {
        self.output.lock().map(|o| o.render()).unwrap_or_default()
    }

    /// What the process printed since the last call of this, and forget it.
    pub fn take_output(&self) -> String {
        self.output
            .lock()
            .map(|mut o| std::mem::replace(&mut *o, HeadTail::new(OUTPUT_CAP)).render())
            .unwrap_or_default()
    }

    /// Sends one request already encoded and returns its response (timed work: the
    /// encoding happens before the clock starts).
    pub fn request_encoded(&self, request: &[u8]) -> Result<Response, Death> {
        self.exchange_encoded(request, None)
    }

    /// Sends one request and returns its response, serving reads from `input` meanwhile.
    pub fn request(
        &self,
        request: &Request,
        input: Option<&mut dyn Read>,
    ) -> Result<Response, Death> {
        self.exchange_encoded(&envelope::encode(request), input)
    }

    fn exchange_encoded(
        &self,
        request: &[u8],
        mut input: Option<&mut dyn Read>,
    ) -> Result<Response, Death> {
        if let Some(death) = self.death() {
            return Err(death);
        }
        self.send(request)?;
        loop {
            match self.receive()? {
                Response::Read { max } => {
                    let data = match input.as_deref_mut() {
                        Some(reader) => read_chunk(reader, (max as usize).min(READ_CHUNK)),
                        None => ReadResult::Error("Unsupported".into()),
                    };
                    self.send(&envelope::encode(&Request::Data(data)))?;
                }
                response => return Ok(response),
            }
        }
    }

    fn send(&self, bytes: &[u8]) -> Result<(), Death> {
        let sent = match self.pipes.borrow_mut().as_mut() {
            Some(pipes) => pipes.send(bytes, self.deadline.get()),
            None => Err(PipeError::Closed),
        };
        sent.map_err(|e| self.pipe_failed(e))
    }

    fn receive(&self) -> Result<Response, Death> {
        let received = match self.pipes.borrow_mut().as_mut() {
            Some(pipes) => pipes.receive(self.deadline.get()),
            None => Err(PipeError::Closed),
        };
        let bytes = received.map_err(|e| self.pipe_failed(e))?;
        envelope::decode::<Response>(&bytes)
            .map_err(|why| self.die(Status::Crashed, format!("broke the call protocol: {why}")))
    }

    fn pipe_failed(&self, error: PipeError) -> Death {
        match error {
            PipeError::Timeout => self.die(
                Status::Timeout,
                format!(
                    "was stopped after the wall-clock limit of {:.0} s",
                    self.limit.get().as_secs_f64()
                ),
            ),
            PipeError::Closed => self.ended(),
            PipeError::Broken(why) => {
                self.die(Status::Crashed, format!("broke the call protocol: {why}"))
            }
        }
    }

    /// Records a death the judge decided (a timeout, a broken protocol) and kills.
    fn die(&self, status: Status, reason: String) -> Death {
        self.kill();
        let death = Death { status, reason };
        self.death.borrow_mut().get_or_insert(death).clone()
    }

    /// The process closed its pipes: wait for it and read how it ended.
    fn ended(&self) -> Death {
        if let Some(death) = self.death() {
            return death;
        }
        let status = wait_briefly(&mut self.child.borrow_mut());
        self.kill();
        let death = classify(status, &self.output());
        self.death.borrow_mut().get_or_insert(death).clone()
    }

    /// Kills the process group and reaps the supervisor.
    pub fn kill(&self) {
        self.pipes.borrow_mut().take();
        let mut child = self.child.borrow_mut();
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
        let _ = child.wait();
    }

    /// The reply to one call, or a panic that says why there is none (see [`Transport`]).
    fn exchange(&self, request: &Request, input: Option<&mut dyn Read>) -> Vec<u8> {
        match self.request(request, input) {
            Ok(Response::Reply(bytes)) => bytes.into_vec(),
            other => unanswered(other),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Transport for Session {
    fn call(&self, call: Vec<u8>) -> Vec<u8> {
        self.exchange(&Request::Call(ByteBuf::from(call)), None)
    }

    fn call_reading(&self, call: Vec<u8>, input: &mut dyn Read) -> Vec<u8> {
        self.exchange(&Request::Call(ByteBuf::from(call)), Some(input))
    }

    fn call_batch(&self, calls: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        let request = Request::Batch(calls.into_iter().map(ByteBuf::from).collect());
        match self.request(&request, None) {
            Ok(Response::Replies(replies)) => replies.into_iter().map(ByteBuf::into_vec).collect(),
            other => unanswered(other),
        }
    }

    fn call_quietly(&self, call: Vec<u8>) -> Option<Vec<u8>> {
        match self.request(&Request::Call(ByteBuf::from(call)), None) {
            Ok(Response::Reply(bytes)) => Some(bytes.into_vec()),
            _ => None,
        }
    }
}

/// Fails the call in progress with why it got no answer: the candidate's panic (its
/// message and where), a refusal or a stray response (a malformed answer), or the
/// process's end.
fn unanswered(response: Result<Response, Death>) -> ! {
    match response {
        Ok(Response::Panicked { message, location }) => match location {
            Some(at) => panic!("{message} (panicked at {at})"),
            None => panic!("{message} (panicked)"),
        },
        Ok(Response::Refused(why)) => broken(format!("it refused a call: {why}")),
        Ok(_) => broken("a response that answers no call"),
        Err(death) => panic!("the candidate's process {}", death.reason),
    }
}

/// One read of the judge's stream for the server; errors keep their kind, so that a
/// reader that is interrupted stays interrupted on the other side.
fn read_chunk(reader: &mut dyn Read, max: usize) -> ReadResult {
    let mut buf = vec![0u8; max];
    match reader.read(&mut buf) {
        Ok(n) => {
            buf.truncate(n);
            ReadResult::Bytes(ByteBuf::from(buf))
        }
        Err(e) => ReadResult::Error(envelope::kind_name(e.kind())),
    }
}

/// What the supervisor said before the runner could run anything.
struct Notes {
    applied: Vec<String>,
    pid: Option<u32>,
}

/// Reads the supervisor's lines up to `ready`, hands them over, then keeps the rest of
/// stderr (the runner's output) as head and tail.
fn spawn_stderr_reader(
    stderr: std::process::ChildStderr,
    notes: Sender<Notes>,
    output: Arc<Mutex<HeadTail>>,
) {
    thread::spawn(move || {
        let mut reader = BufReader::new(stderr);
        let mut parsed = Notes {
            applied: Vec::new(),
            pid: None,
        };
        let mut line = String::new();
        loop {
            line.clear();
            // A line is at most a few hundred bytes from the supervisor; anything longer
            // is the runner's and ends the header.
            match std::io::Read::take(&mut reader, 4096).read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let Some(said) = line.trim_end().strip_prefix(LINE_PREFIX) else {
                push(&output, line.as_bytes());
                continue;
            };
            if said == "ready" {
                break;
            } else if let Some(note) = said.strip_prefix("note: ") {
                parsed.applied.push(note.to_owned());
            } else if let Some(pid) = said.strip_prefix("pid: ") {
                parsed.pid = pid.parse().ok();
            } else {
                push(&output, line.as_bytes());
            }
        }
        let _ = notes.send(parsed);
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => push(&output, &buf[..n]),
            }
        }
    });
}

fn push(output: &Mutex<HeadTail>, bytes: &[u8]) {
    if let Ok(mut o) = output.lock() {
        o.push(bytes);
    }
}

/// Waits up to two seconds for the supervisor to exit.
fn wait_briefly(child: &mut Child) -> Option<ExitStatus> {
    let until = Instant::now() + Duration::from_secs(2);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < until => thread::sleep(Duration::from_millis(5)),
            _ => return None,
        }
    }
}

/// How a runner that closed its pipes ended, from the supervisor's exit code: the CPU
/// limit, the memory cgroup's kill, a signal, or an exit in the middle of a call. Its
/// output only names a stack overflow, a crash either way.
pub fn classify(exit: Option<ExitStatus>, output: &str) -> Death {
    use std::os::unix::process::ExitStatusExt;
    let code = exit.and_then(|s| s.code());
    let signal = exit.and_then(|s| s.signal()).or_else(|| {
        code.filter(|c| (EXIT_SIGNAL_BASE + 1..EXIT_SIGNAL_BASE + 65).contains(c))
            .map(|c| c - EXIT_SIGNAL_BASE)
    });
    let (status, reason) = match (code, signal) {
        (Some(EXIT_CPU_LIMIT), _) | (_, Some(24)) => {
            (Status::Timeout, "stopped at the CPU-time limit".to_owned())
        }
        (Some(EXIT_MEMORY_LIMIT), _) => (
            Status::Memory,
            "was killed by the kernel at the memory limit".to_owned(),
        ),
        (_, Some(11 | 6)) if output.contains("has overflowed its stack") => {
            (Status::Crashed, "overflowed its stack".to_owned())
        }
        (_, Some(s)) => (Status::Crashed, format!("was killed by signal {s}")),
        (Some(0), _) => (Status::Crashed, "exited in the middle of a call".to_owned()),
        (Some(c), _) => (
            Status::Crashed,
            format!("exited with code {c} in the middle of a call"),
        ),
        (None, None) => (
            Status::Crashed,
            "ended in a way the OS did not report".to_owned(),
        ),
    };
    Death { status, reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    fn status(code: i32) -> Option<ExitStatus> {
        Some(ExitStatus::from_raw(code << 8))
    }

    #[test]
    fn endings_come_from_the_exit_code_not_from_what_was_printed() {
        let oom = "memory allocation of 268435456 bytes failed\n";
        assert_eq!(classify(status(EXIT_CPU_LIMIT), "").status, Status::Timeout);
        assert_eq!(
            classify(status(EXIT_MEMORY_LIMIT), "").status,
            Status::Memory
        );
        // An allocator's message followed by an abort is a crash: anyone can print it.
        assert_eq!(
            classify(status(EXIT_SIGNAL_BASE + 6), oom).status,
            Status::Crashed
        );
        assert_eq!(classify(status(0), oom).status, Status::Crashed);
        assert_eq!(
            classify(status(3), "").reason,
            "exited with code 3 in the middle of a call"
        );
        assert_eq!(
            classify(
                status(EXIT_SIGNAL_BASE + 11),
                "thread 'x' has overflowed its stack"
            )
            .reason,
            "overflowed its stack"
        );
        assert_eq!(classify(None, "").status, Status::Crashed);
    }
}
