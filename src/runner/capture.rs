//! Watching one runner process: its protocol pipe and its output read together as they
//! arrive, the wall-clock limit, and cleanup. The runner leads its own process group;
//! when it ends, or at the limit, the whole group is killed, and the pipes are read only
//! a moment longer, so a process that left the group and still holds them cannot make
//! the CLI wait.

use std::collections::VecDeque;
use std::io::Read;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};

/// How long the pipes are read after the runner ended, for what is still in flight.
const DRAIN: Duration = Duration::from_secs(2);
/// The longest one wait for data lasts, so the exit and the limit are noticed promptly.
const TICK: Duration = Duration::from_millis(50);

/// What a runner process left behind.
#[derive(Debug)]
pub struct Captured {
    /// The protocol pipe's bytes, up to the cap.
    pub protocol: Vec<u8>,
    /// The runner sent more than the protocol cap; it was stopped.
    pub protocol_overflow: bool,
    /// What it printed (candidate output included): head and tail, capped.
    pub output: HeadTail,
    pub status: Option<ExitStatus>,
    pub timed_out: bool,
    /// A pipe was still open when the runner's group was gone: held by a process that
    /// left the group.
    pub abandoned: bool,
}

/// Reads `child`'s stdout (the protocol) and stderr until both close, killing its process
/// group when it exits or when `wall_clock` has passed.
pub fn capture(
    child: &mut Child,
    wall_clock: Duration,
    protocol_cap: usize,
    output_cap: usize,
) -> Captured {
    let started = Instant::now();
    let deadline = started + wall_clock;
    let mut pipes: [Option<Box<dyn ReadFd>>; 2] = [
        child.stdout.take().map(|p| Box::new(p) as Box<dyn ReadFd>),
        child.stderr.take().map(|p| Box::new(p) as Box<dyn ReadFd>),
    ];
    let mut captured = Captured {
        protocol: Vec::new(),
        protocol_overflow: false,
        output: HeadTail::new(output_cap),
        status: None,
        timed_out: false,
        abandoned: false,
    };
    let mut drain_until: Option<Instant> = None;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let now = Instant::now();
        if drain_until.is_none() {
            if has_exited(child) {
                kill_group(child);
                captured.status = child.wait().ok();
                drain_until = Some(now + DRAIN);
            } else if now >= deadline || captured.protocol_overflow {
                captured.timed_out = !captured.protocol_overflow;
                kill_group(child);
                captured.status = child.wait().ok();
                drain_until = Some(now + DRAIN);
            }
        }
        let open = pipes.iter().filter(|p| p.is_some()).count();
        if let Some(until) = drain_until
            && (open == 0 || now >= until)
        {
            captured.abandoned = open > 0;
            break;
        }
        let wait = drain_until
            .unwrap_or(deadline)
            .saturating_duration_since(now)
            .min(TICK);
        if open == 0 {
            std::thread::sleep(wait);
            continue;
        }
        let ready: Vec<usize> = {
            let (which, mut fds): (Vec<usize>, Vec<PollFd>) = pipes
                .iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    p.as_ref()
                        .map(|p| (i, PollFd::from_borrowed_fd(p.fd(), PollFlags::IN)))
                })
                .unzip();
            let timeout = Timespec {
                tv_sec: wait.as_secs() as _,
                tv_nsec: wait.subsec_nanos() as _,
            };
            let _ = poll(&mut fds, Some(&timeout));
            which
                .into_iter()
                .zip(&fds)
                .filter(|(_, fd)| !fd.revents().is_empty())
                .map(|(i, _)| i)
                .collect()
        };
        for i in ready {
            let Some(pipe) = pipes[i].as_mut() else {
                continue;
            };
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => pipes[i] = None,
                Ok(n) if i == 0 => {
                    let room = (protocol_cap + 1).saturating_sub(captured.protocol.len());
                    captured.protocol.extend_from_slice(&buf[..n.min(room)]);
                    if captured.protocol.len() > protocol_cap {
                        captured.protocol_overflow = true;
                        pipes[0] = None;
                    }
                }
                Ok(n) => captured.output.push(&buf[..n]),
            }
        }
    }
    captured
}

/// A pipe end that can be polled and read.
trait ReadFd: Read {
    fn fd(&self) -> std::os::fd::BorrowedFd<'_>;
}

impl<T: Read + std::os::fd::AsFd> ReadFd for T {
    fn fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.as_fd()
    }
}

/// Whether `child` has exited, without reaping it: until it is reaped its process id
/// (and so its group id) cannot be reused, so the group can still be killed safely.
fn has_exited(child: &Child) -> bool {
    use rustix::process::{Pid, WaitId, WaitIdOptions, waitid};
    matches!(
        waitid(
            WaitId::Pid(Pid::from_child(child)),
            WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT,
        ),
        Ok(Some(_))
    )
}

/// Kills every process in `child`'s process group (it leads one).
fn kill_group(child: &Child) {
    let _ = nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
}

/// The first and the last bytes of a stream, with a count of what was dropped between:
/// the head shows what the candidate printed first, the tail how the process ended (an
/// allocation failure, a stack overflow).
#[derive(Debug, Clone)]
pub struct HeadTail {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    half: usize,
    total: usize,
}

impl HeadTail {
    /// Keeps up to `cap` bytes: half from the start, half from the end.
    pub fn new(cap: usize) -> Self {
        Self {
            head: Vec::new(),
            tail: VecDeque::new(),
            half: cap / 2,
            total: 0,
        }
    }

    pub fn push(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len();
        let room = self.half.saturating_sub(self.head.len());
        let (first, rest) = bytes.split_at(room.min(bytes.len()));
        self.head.extend_from_slice(first);
        bytes = rest;
        if bytes.len() >= self.half {
            self.tail.clear();
            self.tail.extend(&bytes[bytes.len() - self.half..]);
        } else {
            let overflow = (self.tail.len() + bytes.len()).saturating_sub(self.half);
            self.tail.drain(..overflow);
            self.tail.extend(bytes);
        }
    }

    /// The last bytes kept (up to half the cap), as text: where a dying process's last
    /// words are.
    pub fn tail_text(&self) -> String {
        let (a, b) = self.tail.as_slices();
        let all = [&self.head[..], a, b].concat();
        String::from_utf8_lossy(&all[all.len().saturating_sub(self.half)..]).into_owned()
    }

    /// Head, a note of what was dropped, and tail.
    pub fn render(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        let kept = self.head.len() + self.tail.len();
        if self.total > kept {
            text.push_str(&format!(
                "\n[... {} more bytes of output dropped ...]\n",
                self.total - kept
            ));
        }
        let (a, b) = self.tail.as_slices();
        text.push_str(&String::from_utf8_lossy(&[a, b].concat()));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_keeps_its_head_and_its_tail() {
        let mut out = HeadTail::new(10);
        out.push(b"abc");
        out.push(&[b'x'; 100]);
        out.push(b"the end");
        let text = out.render();
        assert!(
            text.starts_with("abcxx\n[... 100 more bytes of output dropped ...]\n"),
            "{text}"
        );
        assert!(text.ends_with(" end"), "{text}");
        assert_eq!(out.tail_text(), "e end");
        let mut short = HeadTail::new(64);
        short.push(b"all of it");
        assert_eq!(short.render(), "all of it");
        assert_eq!(short.tail_text(), "all of it");
    }
}
