//! The heap a property measures in a call server (the probe itself is the pack SDK's,
//! [`mldrill_pack::heap`]): the server reports its own meter, cross-checked from outside
//! by the kernel's count of the process's resident memory (`VmHWM`, reset through
//! `/proc/<pid>/clear_refs`). A forged meter reading cannot hide memory the kernel saw:
//! the larger of the two counts, less [`KERNEL_TOLERANCE`] for pages the kernel counts
//! and the heap does not (stacks, first touches of mapped code), is what the property
//! compares with its bound.

use std::cell::RefCell;
use std::rc::Rc;

pub use mldrill_pack::heap::{HeapProbe, current, with_probe};
use mldrill_runner::envelope::{Request, Response};

use super::session::Session;

/// Resident memory the kernel may count beyond the heap's growth while a call runs.
pub const KERNEL_TOLERANCE: usize = 8 * 1024 * 1024;

/// The heap of a call server's process.
pub struct Remote {
    session: Rc<Session>,
    kernel_start: RefCell<Option<usize>>,
}

impl Remote {
    pub fn new(session: Rc<Session>) -> Self {
        Self {
            session,
            kernel_start: RefCell::new(None),
        }
    }

    fn ask(&self, request: Request) -> (usize, bool) {
        match self.session.request(&request, None) {
            Ok(Response::Peak { bytes, metered }) => (bytes as usize, metered),
            Ok(_) => mldrill_runner::transport::broken("not a heap reading"),
            Err(death) => panic!("the candidate's process {}", death.reason),
        }
    }

    /// The process's peak resident memory, in bytes, as the kernel counts it.
    fn kernel_peak(&self) -> Option<usize> {
        let pid = self.session.pid?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status.lines().find_map(|l| {
            let kb = l.strip_prefix("VmHWM:")?.trim().strip_suffix("kB")?.trim();
            kb.parse::<usize>().ok().map(|kb| kb * 1024)
        })
    }
}

impl HeapProbe for Remote {
    fn metered(&self) -> bool {
        self.ask(Request::Peak).1
    }

    fn reset(&self) {
        self.ask(Request::ResetPeak);
        // Resets the peak to what is resident now; where that is refused, the peak so far
        // is the baseline, which only makes the cross-check less sensitive.
        if let Some(pid) = self.session.pid {
            let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
        }
        *self.kernel_start.borrow_mut() = self.kernel_peak();
    }

    fn peak(&self) -> usize {
        let (reported, _) = self.ask(Request::Peak);
        let kernel = match (*self.kernel_start.borrow(), self.kernel_peak()) {
            (Some(start), Some(now)) => now.saturating_sub(start),
            _ => 0,
        };
        reported.max(kernel.saturating_sub(KERNEL_TOLERANCE))
    }
}
