//! [`IoStats`]: what a socket's two sides did with its fd, for `bytesRead`, `bytesWritten`
//! and the idle timer of `socket.setTimeout`.
//!
//! Both sides of a socket share one (through their [`SharedFd`](super::shared_fd::SharedFd)
//! shares), and the socket keeps its own handle of it, so the counts outlive the fd as
//! Node's `socket.bytesRead` outlives the handle. The hot paths only add to a counter and
//! store the loop's cached time; the idle timer reads them when it fires (see
//! `net::timeout`), so no timer is re-armed per read or write.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;
use std::time::Instant;

use crate::reactor::LoopHandle;

/// Byte counts and the time of the last activity on one fd.
pub(crate) struct IoStats {
    read: Cell<u64>,
    dispatched: Cell<u64>,
    last_active: Cell<Instant>,
    /// Called (once) at the next activity: an idle timer that fired waits for it to arm
    /// again, as Node's `timeout.refresh()` re-arms a timer that already fired.
    wake: Cell<Option<Rc<dyn Fn()>>>,
}

impl fmt::Debug for IoStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IoStats")
            .field("read", &self.read.get())
            .field("dispatched", &self.dispatched.get())
            .finish_non_exhaustive()
    }
}

impl IoStats {
    /// Counts from zero, active now.
    pub(crate) fn new(lp: &LoopHandle) -> IoStats {
        IoStats {
            read: Cell::new(0),
            dispatched: Cell::new(0),
            last_active: Cell::new(lp.now()),
            wake: Cell::new(None),
        }
    }

    /// `n` bytes read from the fd (Node's `kBytesRead`).
    pub(crate) fn note_read(&self, lp: &LoopHandle, n: usize) {
        self.read.set(self.read.get() + n as u64);
        self.note_active(lp);
    }

    /// `n` bytes handed to the writing side's sink (Node's `_bytesDispatched`).
    pub(crate) fn note_dispatch(&self, lp: &LoopHandle, n: usize) {
        self.dispatched.set(self.dispatched.get() + n as u64);
        self.note_active(lp);
    }

    /// Something happened on the fd: a write progressed, a connect finished.
    pub(crate) fn note_active(&self, lp: &LoopHandle) {
        self.last_active.set(lp.now());
        if let Some(wake) = self.wake.take() {
            wake();
        }
    }

    /// Bytes read so far.
    pub(crate) fn read(&self) -> u64 {
        self.read.get()
    }

    /// Bytes handed to the writing side's sink so far.
    pub(crate) fn dispatched(&self) -> u64 {
        self.dispatched.get()
    }

    /// When the fd was last active.
    pub(crate) fn last_active(&self) -> Instant {
        self.last_active.get()
    }

    /// Calls `wake` at the next activity (replacing one set before); `None` clears it.
    pub(crate) fn on_next_activity(&self, wake: Option<Rc<dyn Fn()>>) {
        self.wake.set(wake);
    }
}
