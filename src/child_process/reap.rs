//! Reaping a child through the loop, never with a blocking wait: the child's pidfd is
//! registered with the loop's poll and becomes readable when the child exits; the callback
//! then collects the status with a nonblocking `waitpid` and emits `'exit'`.
//!
//! Where `pidfd_open` is unavailable (Linux before 5.3, or a sandbox that forbids it) the
//! loop checks the child with a nonblocking `waitpid` on an interval timer instead.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use super::events::ExitInfo;
use super::state::ProcessState;
use crate::error::Error;
use crate::reactor::PostAction;
use crate::sys::pidfd::pidfd_open;
use crate::sys::FdSource;

/// How often the fallback checks a child without a pidfd.
const POLL_EVERY: Duration = Duration::from_millis(10);

/// What a nonblocking `waitpid` said.
enum Reaped {
    Running,
    Exited,
    Failed,
}

/// Collects the child's status if it has exited, and emits what follows.
fn try_reap(st: &Rc<ProcessState>) -> Reaped {
    let status = match st.child.borrow_mut().as_mut() {
        Some(child) => child.try_wait(),
        None => return Reaped::Failed,
    };
    match status {
        Ok(None) => Reaped::Running,
        Ok(Some(status)) => {
            ProcessState::exited(st, ExitInfo::of(status));
            Reaped::Exited
        }
        // ECHILD: reaped elsewhere (SIGCHLD ignored); the exit status is lost.
        Err(e) => {
            ProcessState::error(st, Error::syscall_failed(e, "waitpid"));
            Reaped::Failed
        }
    }
}

/// Watches `st`'s running child until it exits. Keeps the loop alive until then.
pub(crate) fn watch(st: &Rc<ProcessState>, pid: u32) -> Result<(), Error> {
    match pidfd_open(pid) {
        Ok(fd) => {
            // The callback owns the pidfd once it is registered; closing it on the way out
            // takes it out of the poll.
            let slot = Rc::new(RefCell::new(None));
            let (st2, held) = (st.clone(), slot.clone());
            let mut source = FdSource(fd);
            st.lp.register(
                &mut source,
                mio::Interest::READABLE,
                move |_| match try_reap(&st2) {
                    Reaped::Running => PostAction::Continue,
                    Reaped::Exited | Reaped::Failed => {
                        drop(held.borrow_mut().take());
                        PostAction::Remove
                    }
                },
            )?;
            *slot.borrow_mut() = Some(source);
            Ok(())
        }
        Err(_) => {
            let weak = Rc::downgrade(st);
            let lp = st.lp.clone();
            let id = Rc::new(Cell::new(None));
            let id2 = id.clone();
            let timer = st.lp.set_interval(POLL_EVERY, move || {
                let Some(st) = weak.upgrade() else { return };
                if !matches!(try_reap(&st), Reaped::Running) {
                    if let Some(t) = id2.get() {
                        lp.clear_interval(t);
                    }
                }
            });
            id.set(Some(timer));
            Ok(())
        }
    }
}
