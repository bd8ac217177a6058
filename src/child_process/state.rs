//! What a child process's handle and its loop callbacks share: the OS child, its exit once
//! known, and the count of closes Node waits for before `'close'`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use nodestream_emitter::EventEmitter;
use rustix::process::Signal;

use super::events::{ExitInfo, CLOSE, EXIT};
use crate::error::Error;
use crate::reactor::{LoopHandle, SourceId, TimerId};
use crate::stream::readable::WeakReadable;
use crate::stream::WeakFdWritable;
use crate::sys::spawn::Child;

/// The state of one child process.
pub(crate) struct ProcessState {
    pub(crate) lp: LoopHandle,
    pub(crate) emitter: EventEmitter,
    /// The OS child; `None` if it failed to start.
    pub(crate) child: RefCell<Option<Child>>,
    pub(crate) pid: Option<u32>,
    pub(crate) exit: Cell<Option<ExitInfo>>,
    pub(crate) killed: Cell<bool>,
    /// Node's `_closesNeeded`: the exit, plus one per piped stdout and stderr.
    pub(crate) closes_needed: Cell<u32>,
    /// For `'exit'`: stdin is destroyed, unread stdout and stderr flow out.
    pub(crate) stdin: RefCell<Option<WeakFdWritable>>,
    pub(crate) readers: RefCell<Vec<WeakReadable>>,
    /// What an unhandled error names: `child_process sleep (pid 123)`.
    pub(crate) name: String,
    /// What watches for the exit, to ref and unref it.
    pub(crate) watcher: Cell<Option<Watcher>>,
}

/// The loop's watch over a running child: its pidfd's source, or the fallback's timer.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Watcher {
    Source(SourceId),
    Timer(TimerId),
}

impl ProcessState {
    /// Records the exit and emits `'exit'` as Node's `onexit` does: stdin destroyed first,
    /// then `'exit'`, then (a tick later) unread output let flow, and `'close'` once
    /// everything has closed. No borrow is held while listeners run.
    pub(crate) fn exited(st: &Rc<ProcessState>, info: ExitInfo) {
        st.exit.set(Some(info));
        let stdin = st.stdin.borrow_mut().take();
        if let Some(stdin) = stdin.and_then(|w| w.upgrade()) {
            stdin.destroy(None);
        }
        st.emitter.emit(EXIT, &info);
        let weak = Rc::downgrade(st);
        st.lp.next_tick(move || {
            let Some(st) = weak.upgrade() else { return };
            let readers: Vec<_> = st
                .readers
                .borrow()
                .iter()
                .filter_map(|r| r.upgrade())
                .collect();
            // Node's flushStdio: a stream nobody reads with 'readable' is resumed, so its
            // data drains and it closes.
            for r in readers {
                if r.readable_ended() || r.destroyed() {
                    continue;
                }
                if r.emitter().listener_count("readable") == 0 {
                    r.resume();
                }
            }
        });
        ProcessState::maybe_close(st);
    }

    /// One of the closes Node waits for has happened; emits `'close'` after the last.
    pub(crate) fn maybe_close(st: &Rc<ProcessState>) {
        let left = st.closes_needed.get().saturating_sub(1);
        st.closes_needed.set(left);
        if left == 0 {
            let info = st.exit.get().unwrap_or(ExitInfo {
                code: None,
                signal: None,
            });
            st.emitter.emit(CLOSE, &info);
        }
    }

    /// Node's `subprocess.ref()`/`unref()`: whether the running child keeps the loop alive.
    pub(crate) fn set_ref(&self, referenced: bool) {
        if self.exit.get().is_some() {
            return;
        }
        match self.watcher.get() {
            Some(Watcher::Source(id)) => self.lp.set_source_ref(id, referenced),
            Some(Watcher::Timer(id)) if referenced => self.lp.ref_timer(id),
            Some(Watcher::Timer(id)) => self.lp.unref_timer(id),
            None => {}
        }
    }

    /// Emits `'error'`; with no listener, the loop reports it as uncaught (Node throws).
    pub(crate) fn error(st: &Rc<ProcessState>, err: Error) {
        if let Err(unhandled) = st.emitter.emit_error(err) {
            let err = unhandled.into_inner();
            let name = st.name.clone();
            err.set_origin(move || name);
            st.lp.report_error(err);
        }
    }

    /// Node's `subprocess.kill(signal)`: `true` if the signal was sent. A child already
    /// reaped gets nothing (its pid may be someone else's now). A failure other than `ESRCH`
    /// is emitted as `'error'`, as Node does.
    pub(crate) fn kill(st: &Rc<ProcessState>, signal: Signal) -> bool {
        if st.exit.get().is_some() {
            return false;
        }
        let sent = match st.child.borrow_mut().as_mut() {
            Some(child) => child.kill(signal),
            None => return false,
        };
        match sent {
            Ok(true) => {
                st.killed.set(true);
                true
            }
            Ok(false) => false,
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => false,
            Err(e) => {
                ProcessState::error(st, Error::syscall_failed(e, "kill"));
                false
            }
        }
    }
}
