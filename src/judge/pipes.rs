//! The call pipes, written and read on the judge's own thread against its own deadline:
//! both ends are non-blocking and waited on with `poll`, so a process that stops reading,
//! never answers or answers a byte at a time cannot hold the judge past its limit. A
//! frame's length is checked against the cap before anything is kept, and the buffer grows
//! only with bytes that actually arrived.

use std::os::fd::AsFd;
use std::process::{ChildStdin, ChildStdout};
use std::time::Instant;

use mldrill_runner::frame::MAX_FRAME;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;

/// Why a frame could not be sent or received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipeError {
    /// The deadline passed.
    Timeout,
    /// The process closed its end.
    Closed,
    /// It sent something that is not a frame.
    Broken(String),
}

/// The judge's ends of a runner's call pipes.
pub struct Pipes {
    calls: ChildStdin,
    replies: ChildStdout,
    received: Vec<u8>,
}

fn nonblocking(fd: impl AsFd) -> std::io::Result<()> {
    use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
    let flags = fcntl_getfl(&fd)?;
    fcntl_setfl(&fd, flags | OFlags::NONBLOCK)?;
    Ok(())
}

/// Waits until `fd` is ready for `events` or the deadline passes.
fn wait(fd: impl AsFd, events: PollFlags, deadline: Instant) -> Result<(), PipeError> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(PipeError::Timeout);
        }
        let timeout = Timespec {
            tv_sec: left.as_secs() as _,
            tv_nsec: left.subsec_nanos() as _,
        };
        let mut fds = [PollFd::new(&fd, events)];
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) => return Err(PipeError::Timeout),
            Ok(_) => return Ok(()),
            Err(Errno::INTR) => continue,
            Err(e) => return Err(PipeError::Broken(e.to_string())),
        }
    }
}

impl Pipes {
    pub fn new(calls: ChildStdin, replies: ChildStdout) -> std::io::Result<Self> {
        nonblocking(&calls)?;
        nonblocking(&replies)?;
        Ok(Self {
            calls,
            replies,
            received: Vec::new(),
        })
    }

    /// Writes one frame (its length, then `body`) before `deadline`.
    pub fn send(&mut self, body: &[u8], deadline: Instant) -> Result<(), PipeError> {
        let len = u32::try_from(body.len())
            .ok()
            .filter(|&n| n as usize <= MAX_FRAME)
            .ok_or_else(|| PipeError::Broken("a call over the frame cap".into()))?;
        // One write for the header and the body: one system call for a small frame.
        let frame = [&len.to_le_bytes()[..], body].concat();
        let mut part = &frame[..];
        while !part.is_empty() {
            match rustix::io::write(&self.calls, part) {
                Ok(n) => part = &part[n..],
                Err(Errno::AGAIN) => wait(&self.calls, PollFlags::OUT, deadline)?,
                Err(Errno::INTR) => {}
                Err(Errno::PIPE) => return Err(PipeError::Closed),
                Err(e) => return Err(PipeError::Broken(e.to_string())),
            }
        }
        Ok(())
    }

    /// Reads one frame's body before `deadline`.
    pub fn receive(&mut self, deadline: Instant) -> Result<Vec<u8>, PipeError> {
        loop {
            if self.received.len() >= 4 {
                let len =
                    u32::from_le_bytes(self.received[..4].try_into().expect("4 bytes")) as usize;
                if len > MAX_FRAME {
                    return Err(PipeError::Broken(format!(
                        "a frame of {len} bytes is over the cap of {MAX_FRAME}"
                    )));
                }
                if self.received.len() >= 4 + len {
                    let rest = self.received.split_off(4 + len);
                    let frame = std::mem::replace(&mut self.received, rest);
                    return Ok(frame[4..].to_vec());
                }
            }
            let want = if self.received.len() >= 4 {
                let len =
                    u32::from_le_bytes(self.received[..4].try_into().expect("4 bytes")) as usize;
                (4 + len - self.received.len()).clamp(1, 1 << 20)
            } else {
                64 * 1024
            };
            let start = self.received.len();
            self.received.resize(start + want, 0);
            match rustix::io::read(&self.replies, &mut self.received[start..]) {
                Ok(0) => {
                    self.received.truncate(start);
                    return Err(PipeError::Closed);
                }
                Ok(n) => self.received.truncate(start + n),
                Err(Errno::AGAIN) => {
                    self.received.truncate(start);
                    wait(&self.replies, PollFlags::IN, deadline)?;
                }
                Err(Errno::INTR) => self.received.truncate(start),
                Err(e) => {
                    self.received.truncate(start);
                    return Err(PipeError::Broken(e.to_string()));
                }
            }
        }
    }
}
