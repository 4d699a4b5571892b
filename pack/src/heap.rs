//! The heap a property measures, wherever the implementation runs. The judge sets a probe
//! for the thread that runs a property against a call server (the server's own meter,
//! cross-checked by the kernel's count of its memory); a property reads it with
//! [`current`], and falls back on a meter installed in its own process where none is set
//! (a pack's own tests).

use std::cell::RefCell;
use std::rc::Rc;

/// Where a measurement is taken.
pub trait HeapProbe {
    /// Whether the heap can be measured at all.
    fn metered(&self) -> bool;
    /// Starts a measurement.
    fn reset(&self);
    /// The heap's peak growth since [`HeapProbe::reset`], in bytes.
    fn peak(&self) -> usize;
}

thread_local! {
    static PROBE: RefCell<Option<Rc<dyn HeapProbe>>> = const { RefCell::new(None) };
}

/// Runs `f` with `probe` as this thread's heap probe.
pub fn with_probe<T>(probe: Rc<dyn HeapProbe>, f: impl FnOnce() -> T) -> T {
    let previous = PROBE.with(|p| p.replace(Some(probe)));
    let out = f();
    PROBE.with(|p| *p.borrow_mut() = previous);
    out
}

/// This thread's heap probe, when a judge set one.
pub fn current() -> Option<Rc<dyn HeapProbe>> {
    PROBE.with(|p| p.borrow().clone())
}
