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
use super::state::{ProcessState, Watcher};
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
    #[cfg(test)]
    let opened = if tests::NO_PIDFD.with(Cell::get) {
        Err(std::io::Error::from_raw_os_error(libc::ENOSYS))
    } else {
        pidfd_open(pid)
    };
    #[cfg(not(test))]
    let opened = pidfd_open(pid);
    match opened {
        Ok(fd) => {
            // The callback owns the pidfd once it is registered; closing it on the way out
            // takes it out of the poll.
            let slot = Rc::new(RefCell::new(None));
            let (st2, held) = (st.clone(), slot.clone());
            let mut source = FdSource(fd);
            let id = st.lp.register(
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
            st.watcher.set(Some(Watcher::Source(id)));
            *slot.borrow_mut() = Some(source);
            Ok(())
        }
        Err(_) => {
            // Strong, as the pidfd callback's: a child whose handle is dropped is still reaped.
            let st2 = st.clone();
            let lp = st.lp.clone();
            let id = Rc::new(Cell::new(None));
            let id2 = id.clone();
            let timer = st.lp.set_interval(POLL_EVERY, move || {
                if !matches!(try_reap(&st2), Reaped::Running) {
                    if let Some(t) = id2.get() {
                        lp.clear_interval(t);
                    }
                }
            });
            id.set(Some(timer));
            st.watcher.set(Some(Watcher::Timer(timer)));
            Ok(())
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::{Cell, RefCell};
    use std::process::Command;
    use std::rc::Rc;

    use crate::child_process::{spawn_with, SpawnOptions, StdioOption, CLOSE, EXIT, SPAWN};
    use crate::EventLoop;

    thread_local! {
        /// Makes `watch` act as if `pidfd_open` were unavailable (tests of the fallback).
        pub(crate) static NO_PIDFD: Cell<bool> = const { Cell::new(false) };
    }

    #[test]
    fn without_a_pidfd_the_interval_reaps_the_child_with_the_same_events() {
        NO_PIDFD.with(|f| f.set(true));
        let lp = EventLoop::new().unwrap();
        let opts = SpawnOptions::new().stdio_all(StdioOption::Ignore);
        let child = spawn_with(
            &lp.handle(),
            Command::new("sh").args(["-c", "exit 4"]),
            opts,
        );
        NO_PIDFD.with(|f| f.set(false));
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        child.on(SPAWN, move |_| l.borrow_mut().push("spawn".to_string()));
        let l = log.clone();
        child.on(EXIT, move |e| {
            l.borrow_mut().push(format!("exit {:?}", e.code))
        });
        let l = log.clone();
        child.on(CLOSE, move |e| {
            l.borrow_mut().push(format!("close {:?}", e.code))
        });
        lp.run().unwrap();
        assert_eq!(*log.borrow(), ["spawn", "exit Some(4)", "close Some(4)"]);
        assert_eq!(lp.handle().holds(), 0);
    }
}
