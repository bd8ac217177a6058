//! What the library owes after calling user code, kept when that code panics.
//!
//! A panicking listener or callback is the Rust form of a throwing one. The rule: after a
//! panic unwinds out of user code, every step the library owed after that call still
//! happens, as the next task of the loop (the destroy after `'finish'`, the `'close'` after
//! `'error'`, the next read, the rest of a batch of callbacks), and the panic itself goes on
//! to the caller of `run()`/`dispatch()`, once. Nothing about this costs the path that does not
//! panic: `catch_unwind` compiles to the same instructions as the bare call plus a landing
//! pad that only an unwind reaches (checked in the optimised assembly), and the owed work
//! is only made then.
//!
//! Four tools, used where the stream machinery hands control to user code and has work
//! left after it (so a stream kind built on the machinery gets them without asking):
//!
//! - [`LoopHandle::owing`]: run user code; if it panics, queue the continuation at the
//!   front of the next-tick queue and let the panic go on;
//! - [`LoopHandle::owing_with`]: the same, for a loop over items (callbacks, descriptors)
//!   whose unrun rest the continuation takes over;
//! - [`on_unwind`]: for the few steps that must happen at once rather than as the next
//!   task (a flag to reset, a tick to schedule in Node's order);
//! - [`catch_as_error`]: where Node catches a throw and makes it the stream's error
//!   (`callFinal`, `_construct`, `_destroy`, `_read`), the panic becomes an
//!   `ERR_PANIC` [`Error`] and does not unwind.
//!
//! The loop's own part is in `phases.rs`: a source whose callback panics keeps its
//! readiness and is called again on the next turn, so bytes already in the kernel (which
//! will bring no new edge) are still read.

use std::panic::{self, AssertUnwindSafe};

use super::handle::LoopHandle;
use crate::Error;

impl LoopHandle {
    /// Runs user code `f`. If it panics, `owed` is called (only then) to give the work
    /// the library still owed after `f`, which is queued at the front of the next-tick
    /// queue (it is the rest of what was running: it goes before the ticks queued
    /// meanwhile, after the work owed by callees the same panic unwound through); then the
    /// panic goes on unwinding.
    ///
    /// `owed` runs while the panic is caught, with no borrow held: it may also put state
    /// right at once (a flag that `f`'s caller would have reset).
    #[inline(always)]
    pub(crate) fn owing<R, T>(&self, f: impl FnOnce() -> R, owed: impl FnOnce() -> T) -> R
    where
        T: FnOnce() + 'static,
    {
        match panic::catch_unwind(AssertUnwindSafe(f)) {
            Ok(r) => r,
            Err(payload) => {
                self.owe(owed());
                panic::resume_unwind(payload)
            }
        }
    }

    fn owe(&self, task: impl FnOnce() + 'static) {
        self.inner.ticks.borrow_mut().push_owed(Box::new(task));
    }

    /// [`owing`](Self::owing) for user code that works through `state` (an iterator of
    /// callbacks, say): if it panics, `owed` gets what is left of `state` to make the
    /// continuation from.
    #[inline(always)]
    pub(crate) fn owing_with<S, R, T>(
        &self,
        state: &mut S,
        f: impl FnOnce(&mut S) -> R,
        owed: impl FnOnce(&mut S) -> T,
    ) -> R
    where
        T: FnOnce() + 'static,
    {
        match panic::catch_unwind(AssertUnwindSafe(|| f(state))) {
            Ok(r) => r,
            Err(payload) => {
                self.owe(owed(state));
                panic::resume_unwind(payload)
            }
        }
    }
}

/// Runs an implementation method (`method`: Node's name for it, `"_final"`, ...) whose
/// panic Node would catch and make the stream's error: `Err` with an `ERR_PANIC` error
/// ([`Error::from_panic`]) if it panicked.
#[inline]
pub(crate) fn catch_as_error<R>(method: &str, f: impl FnOnce() -> R) -> Result<R, Error> {
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| Error::from_panic(method, &*payload))
}

/// Runs `f`; if it panics, `undo` puts state right at once (no later tick needed: a flag
/// the caller of `f` would have reset), and the panic goes on.
#[inline(always)]
pub(crate) fn on_unwind<R>(f: impl FnOnce() -> R, undo: impl FnOnce()) -> R {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            undo();
            panic::resume_unwind(payload)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventLoop;
    use std::cell::RefCell;
    use std::rc::Rc;

    #[test]
    fn owing_queues_the_continuation_only_on_a_panic() {
        let el = EventLoop::new().unwrap();
        let lp = el.handle();
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        let r = lp.owing(|| 7, || move || l.borrow_mut().push("owed"));
        assert_eq!(r, 7);
        assert!(!el.has_pending());
        let l = log.clone();
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            lp.owing(|| panic!("user"), || move || l.borrow_mut().push("owed"))
        }));
        assert!(caught.is_err());
        el.run().unwrap();
        assert_eq!(*log.borrow(), ["owed"]);
    }

    #[test]
    fn owed_work_runs_first_innermost_first() {
        let el = EventLoop::new().unwrap();
        let lp = el.handle();
        let log = Rc::new(RefCell::new(Vec::new()));
        let rec = |s: &'static str| {
            let l = log.clone();
            move || l.borrow_mut().push(s)
        };
        lp.next_tick(rec("queued before"));
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            lp.owing(
                || {
                    lp.owing(
                        || {
                            lp.next_tick(rec("queued by the user code"));
                            panic!("user")
                        },
                        || rec("inner rest"),
                    )
                },
                || rec("outer rest"),
            )
        }));
        assert!(caught.is_err());
        el.run().unwrap();
        assert_eq!(
            *log.borrow(),
            [
                "inner rest",
                "outer rest",
                "queued before",
                "queued by the user code"
            ]
        );
    }

    #[test]
    fn owing_with_hands_the_rest_of_the_items_over() {
        let el = EventLoop::new().unwrap();
        let lp = el.handle();
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut items = vec![1, 2, 3, 4].into_iter();
        let l = log.clone();
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            lp.owing_with(
                &mut items,
                |it| {
                    for i in it {
                        assert_ne!(i, 2, "user code panics on 2");
                    }
                },
                |it| {
                    let rest: Vec<i32> = it.collect();
                    move || l.borrow_mut().extend(rest)
                },
            )
        }));
        assert!(caught.is_err());
        el.run().unwrap();
        assert_eq!(*log.borrow(), [3, 4]);
    }

    #[test]
    fn catch_as_error_names_the_method() {
        let err = catch_as_error("_read", || panic!("no data")).unwrap_err();
        assert_eq!(err.code().as_str(), "ERR_PANIC");
        assert_eq!(err.message(), "_read panicked: no data");
        assert_eq!(catch_as_error("_read", || 1).unwrap(), 1);
    }
}
