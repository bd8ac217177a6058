//! The events of a child process and their payload: [`SPAWN`], [`EXIT`], [`CLOSE`] (with
//! [`ExitInfo`]), and the streams' [`ERROR`](crate::events::ERROR).

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use nodestream_emitter::{Event, EventDecl};
use rustix::process::Signal;

/// `'spawn'`: the child has started (emitted on the tick after [`spawn_with`](super::spawn_with)
/// returns, before any other of its events).
pub const SPAWN: Event<()> = Event::new("spawn");

/// `'exit'`: the child has exited, with its exit code or the signal that ended it (Node's
/// `(code, signal)`). Its stdout and stderr may still hold unread data.
pub const EXIT: Event<ExitInfo> = Event::new("exit");

/// `'close'`: the child has exited and its piped stdout and stderr have closed (Node's
/// `(code, signal)`); the child's last event. A child that failed to start emits it after
/// `'error'`, with [`ExitInfo::code`] the negated errno (Node's `-2` for `ENOENT`).
pub const CLOSE: Event<ExitInfo> = Event::new("close");

/// The events a child process emits, for the emitter's checks.
pub(crate) const EVENTS: [EventDecl; 4] = [
    SPAWN.declared(),
    EXIT.declared(),
    CLOSE.declared(),
    crate::stream::lifecycle::ERROR.declared(),
];

/// How a child ended: Node's `(code, signal)` pair of `'exit'` and `'close'`. Exactly one of
/// the two is `Some`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitInfo {
    /// The exit code, if the child exited (Node's `code`, `null` when a signal ended it).
    pub code: Option<i32>,
    /// The signal that ended the child (Node's `signal`, `'SIGKILL'`; `null` when it exited).
    pub signal: Option<Signal>,
}

impl ExitInfo {
    /// The code and signal of `status`.
    pub(crate) fn of(status: ExitStatus) -> ExitInfo {
        ExitInfo {
            code: status.code(),
            signal: status.signal().and_then(crate::sys::raw::exit_signal),
        }
    }
}
