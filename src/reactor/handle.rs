//! `LoopHandle`: the cloneable, `!Send` handle through which callbacks reach their loop.

use std::any::Any;
use std::fmt;
use std::io;
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

use super::holds::HoldId;
use super::immediates::ImmediateId;
use super::phases::Inner;
use super::remote::{KeepAlive, RemoteHandle};
use super::sources::{PostAction, Readiness, SourceId};
use super::timers::{delay_ms, TimerCallback, TimerId};
use crate::{Error, ErrorCode};

/// A cloneable handle to an [`EventLoop`](crate::EventLoop), for scheduling work on it.
///
/// It is an `Rc` inside: cheap to clone, and `!Send` (the loop is single-threaded; use a
/// [`RemoteHandle`] from other threads). A callback that must not keep the loop's state
/// alive can hold a [`WeakLoopHandle`] instead. All methods may be called from inside any
/// loop callback, and from outside the loop (the work then waits for the next run).
///
/// # After the loop is dropped
///
/// A handle may outlive its [`EventLoop`](crate::EventLoop) (every stream made on the loop
/// holds one). Nothing will run again then, so the handle keeps nothing: work given to it
/// is dropped at once, unrun ([`next_tick`](Self::next_tick),
/// [`set_immediate`](Self::set_immediate), [`set_timeout`](Self::set_timeout),
/// [`set_interval`](Self::set_interval), [`on_close`](Self::on_close); their ids are
/// already spent), [`report_error`](Self::report_error) drops the error, and
/// [`register`](Self::register) fails. Nothing panics; [`is_closed`](Self::is_closed)
/// tells. The handle keeps the loop's epoll fd open until it is dropped.
///
/// ```compile_fail
/// fn assert_send<T: Send>() {}
/// assert_send::<nodestream::LoopHandle>();
/// ```
///
/// # Examples
///
/// ```
/// use nodestream::EventLoop;
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use std::time::Duration;
///
/// let lp = EventLoop::new().unwrap();
/// let h = lp.handle();
/// let log = Rc::new(RefCell::new(Vec::new()));
/// let l = log.clone();
/// h.set_immediate(move || l.borrow_mut().push("immediate"));
/// let l = log.clone();
/// h.next_tick(move || l.borrow_mut().push("tick"));
/// let l = log.clone();
/// h.set_timeout(Duration::from_millis(1), move || l.borrow_mut().push("timeout"));
/// lp.run().unwrap();
/// assert_eq!(log.borrow()[0], "tick");
/// assert_eq!(log.borrow().len(), 3);
/// ```
#[derive(Clone)]
pub struct LoopHandle {
    pub(crate) inner: Rc<Inner>,
}

/// A weak [`LoopHandle`]: does not keep the loop's state alive.
#[derive(Clone)]
pub struct WeakLoopHandle {
    inner: Weak<Inner>,
}

impl WeakLoopHandle {
    /// The handle, if the loop's state still exists.
    pub fn upgrade(&self) -> Option<LoopHandle> {
        self.inner.upgrade().map(|inner| LoopHandle { inner })
    }
}

impl fmt::Debug for WeakLoopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakLoopHandle")
            .field("alive", &(self.inner.strong_count() > 0))
            .finish()
    }
}

impl LoopHandle {
    /// A weak handle to the same loop.
    pub fn downgrade(&self) -> WeakLoopHandle {
        WeakLoopHandle {
            inner: Rc::downgrade(&self.inner),
        }
    }

    /// The Node release the streams made on this loop follow, as chosen with
    /// [`EventLoopBuilder::compat`](super::EventLoopBuilder::compat) (see
    /// [`crate::compat`]). Streams read it when they are made, for their defaults.
    pub fn compat(&self) -> crate::compat::NodeCompat {
        self.inner.compat
    }

    /// Whether both handles reach the same loop.
    pub fn same_loop(&self, other: &LoopHandle) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }

    /// Queues `f` on the next-tick queue (`process.nextTick`).
    ///
    /// The queue is drained, FIFO and to empty (ticks queued while draining included),
    /// after every callback the loop runs (each timer, immediate, I/O callback, posted
    /// closure and close callback) and at the start of every `run`/`run_once`/`dispatch`.
    pub fn next_tick(&self, f: impl FnOnce() + 'static) {
        if self.inner.refuses_work() {
            return drop(f);
        }
        self.inner.ticks.borrow_mut().push(Box::new(f));
    }

    /// Queues `f` for the check phase (`setImmediate`), after this turn's poll.
    ///
    /// # Node compatibility
    ///
    /// As in Node, an immediate queued during the check phase runs at the next turn, and
    /// inside an I/O callback an immediate runs before a 0 ms timeout.
    pub fn set_immediate(&self, f: impl FnOnce() + 'static) -> ImmediateId {
        if self.inner.refuses_work() {
            drop(f);
            return self.inner.immediates.borrow_mut().spent_id();
        }
        self.inner.immediates.borrow_mut().push(Box::new(f))
    }

    /// Cancels an immediate (`clearImmediate`). Returns whether it was still queued.
    pub fn clear_immediate(&self, id: ImmediateId) -> bool {
        let task = self.inner.immediates.borrow_mut().cancel(id);
        let found = task.is_some();
        drop(task);
        found
    }

    /// Runs `f` once after `delay` (`setTimeout`).
    ///
    /// # Node compatibility
    ///
    /// Millisecond resolution as in Node: the delay is rounded up to whole milliseconds, a
    /// delay below 1 ms (0 included) is 1 ms, and a delay above 2^31 - 1 ms is 1 ms (Node
    /// prints a `TimeoutOverflowWarning`; we do not). Timers due at the same millisecond
    /// fire in the order they were armed. The delay counts from the loop's time, read
    /// fresh at this call, as Node's `getLibuvNow()` does.
    pub fn set_timeout(&self, delay: Duration, f: impl FnOnce() + 'static) -> TimerId {
        if self.inner.refuses_work() {
            drop(f);
            return self.inner.timers.borrow_mut().spent_id();
        }
        self.inner.update_time();
        let now_ms = self.inner.now_ms();
        self.inner.timers.borrow_mut().insert(
            now_ms,
            delay_ms(delay),
            None,
            TimerCallback::Once(Box::new(f)),
        )
    }

    /// Runs `f` every `every` (`setInterval`), first after one period.
    ///
    /// # Node compatibility
    ///
    /// As [`set_timeout`](Self::set_timeout) for the period; each next run is armed from
    /// the loop's time after the callback returns, as in Node.
    pub fn set_interval(&self, every: Duration, f: impl FnMut() + 'static) -> TimerId {
        if self.inner.refuses_work() {
            drop(f);
            return self.inner.timers.borrow_mut().spent_id();
        }
        self.inner.update_time();
        let now_ms = self.inner.now_ms();
        let period = delay_ms(every);
        self.inner.timers.borrow_mut().insert(
            now_ms,
            period,
            Some(period),
            TimerCallback::Repeat(Box::new(f)),
        )
    }

    /// Cancels a timeout or an interval (`clearTimeout`/`clearInterval`), freeing it at
    /// once. Returns whether it was live. Safe from inside any callback, the timer's own
    /// included.
    pub fn clear_timeout(&self, id: TimerId) -> bool {
        let (found, callback) = self.inner.timers.borrow_mut().cancel(id);
        drop(callback);
        found
    }

    /// Same as [`clear_timeout`](Self::clear_timeout).
    pub fn clear_interval(&self, id: TimerId) -> bool {
        self.clear_timeout(id)
    }

    /// Whether the timer is still armed (or is an interval whose callback is running).
    pub fn timer_is_active(&self, id: TimerId) -> bool {
        self.inner.timers.borrow().contains(id)
    }

    /// Lets the timer fire without keeping the loop alive (`timeout.unref()`).
    pub fn unref_timer(&self, id: TimerId) {
        self.inner.timers.borrow_mut().set_ref(id, false);
    }

    /// Makes the timer keep the loop alive again (`timeout.ref()`), the default.
    pub fn ref_timer(&self, id: TimerId) {
        self.inner.timers.borrow_mut().set_ref(id, true);
    }

    /// Whether the timer keeps the loop alive (`timeout.hasRef()`); `false` once it is gone.
    pub fn timer_has_ref(&self, id: TimerId) -> bool {
        self.inner.timers.borrow().has_ref(id)
    }

    /// Registers a mio source; `callback` runs in the poll phase when it becomes ready.
    ///
    /// The source is edge-triggered: the callback should read or write until
    /// `WouldBlock` and return [`PostAction::Continue`], or stop after
    /// [`IO_BUDGET`](crate::IO_BUDGET) operations and return [`PostAction::Again`] to be
    /// called again next turn (with the same readiness) without a new edge. The source is
    /// ref'd: it keeps `run()` alive until it is deregistered or unref'd.
    ///
    /// # Errors
    ///
    /// What mio's `register` returns (the fd is already registered, say); `NotConnected`
    /// once the [`EventLoop`](crate::EventLoop) is dropped (the callback is dropped).
    pub fn register<S>(
        &self,
        source: &mut S,
        interest: mio::Interest,
        callback: impl FnMut(Readiness) -> PostAction + 'static,
    ) -> Result<SourceId, Error>
    where
        S: mio::event::Source + ?Sized,
    {
        if self.inner.refuses_work() {
            drop(callback);
            return Err(loop_gone());
        }
        let id = self
            .inner
            .sources
            .borrow_mut()
            .insert(Box::new(callback))
            .ok_or_else(|| Error::new(ErrorCode::OutOfRange, "too many registered sources"))?;
        // mio may call the source's own `register`: no borrow is held across it.
        if let Err(err) = self.inner.registry.register(source, id.token(), interest) {
            let callback = self.inner.sources.borrow_mut().remove(id);
            drop(callback);
            return Err(Error::syscall_failed(err, "epoll_ctl"));
        }
        log::trace!("nodestream: registered source {:?}", id.token());
        Ok(id)
    }

    /// Changes a registered source's interest.
    ///
    /// # Errors
    ///
    /// `NotFound` for a stale id; otherwise what mio's `reregister` returns.
    pub fn reregister<S>(
        &self,
        id: SourceId,
        source: &mut S,
        interest: mio::Interest,
    ) -> Result<(), Error>
    where
        S: mio::event::Source + ?Sized,
    {
        if !self.inner.sources.borrow().contains(id) {
            let stale = io::Error::new(io::ErrorKind::NotFound, "unknown source id");
            return Err(stale.into());
        }
        let done = self.inner.registry.reregister(source, id.token(), interest);
        done.map_err(|e| Error::syscall_failed(e, "epoll_ctl"))
    }

    /// Deregisters a source and drops its callback (a pending readiness is forgotten).
    /// Safe from inside the source's own callback. A stale id (the callback returned
    /// [`PostAction::Remove`]) still deregisters the source from mio.
    ///
    /// # Errors
    ///
    /// What mio's `deregister` returns.
    pub fn deregister<S>(&self, id: SourceId, source: &mut S) -> Result<(), Error>
    where
        S: mio::event::Source + ?Sized,
    {
        let callback = self.inner.sources.borrow_mut().remove(id);
        drop(callback);
        log::trace!("nodestream: deregistered source {:?}", id.token());
        let done = self.inner.registry.deregister(source);
        done.map_err(|e| Error::syscall_failed(e, "epoll_ctl"))
    }

    /// Makes a source keep the loop alive (`handle.ref()`) or not (`handle.unref()`).
    pub fn set_source_ref(&self, id: SourceId, referenced: bool) {
        self.inner.sources.borrow_mut().set_ref(id, referenced);
    }

    /// A token that keeps `run()` from returning while it is held (on any thread): for
    /// work in flight that the loop does not see, such as a file operation on a worker
    /// thread whose completion will be posted back through a [`RemoteHandle`].
    pub fn keep_alive(&self) -> KeepAlive {
        self.inner.shared.keep_alive()
    }

    /// Queues `f` for the close-callbacks phase, the last of the turn (as libuv runs a
    /// handle's close callback). A queued close callback keeps the loop alive.
    pub fn on_close(&self, f: impl FnOnce() + 'static) {
        if self.inner.refuses_work() {
            return drop(f);
        }
        self.inner.closes.borrow_mut().push(Box::new(f));
    }

    /// Reports an uncaught error (an `'error'` event nobody listens to): the running
    /// `run`/`run_once`/`run_for`/`dispatch` returns `Err(err)` as soon as the current
    /// callback returns, as an uncaught exception ends a Node process. Errors reported
    /// meanwhile queue: each later call returns the next one before doing any work. The
    /// loop stays usable; work not yet done stays queued and runs at the next run.
    pub fn report_error(&self, err: Error) {
        self.inner.report_error(err);
    }

    /// The loop's cached time: read at the start of each turn, after the poll, and when a
    /// timer is armed (the manual clock's time under [`Clock::manual`](crate::Clock)).
    pub fn now(&self) -> Instant {
        self.inner.now()
    }

    /// Asks the running loop to return after the current turn (`uv_stop`); the turn's
    /// poll does not block. A stop requested while the loop is not running makes the next
    /// `run` return at once.
    pub fn stop(&self) {
        self.inner.stop();
    }

    /// A `Send + Sync` handle for posting closures from other threads.
    pub fn remote(&self) -> RemoteHandle {
        RemoteHandle::new(self.inner.shared.clone())
    }

    /// Whether the [`EventLoop`](crate::EventLoop) is gone: work given to this handle is
    /// dropped unrun (see [the type's docs](LoopHandle#after-the-loop-is-dropped)).
    pub fn is_closed(&self) -> bool {
        self.inner.closed.get()
    }

    /// Keeps `value` alive until [`release`](Self::release) or until the loop is dropped:
    /// how a stream with a request in flight stays alive without owning itself (see
    /// `holds.rs`). `None` once the loop is gone (`value` is dropped then).
    pub(crate) fn hold(&self, value: Rc<dyn Any>) -> Option<HoldId> {
        if self.inner.closed.get() {
            drop(value);
            return None;
        }
        Some(self.inner.holds.borrow_mut().insert(value))
    }

    /// Ends a hold; a stale id (or one the dropped loop ended already) is a no-op. The
    /// value is dropped outside the loop's borrow.
    pub(crate) fn release(&self, id: HoldId) {
        let value = self.inner.holds.borrow_mut().remove(id);
        drop(value);
    }

    /// How many holds the loop has (for tests).
    #[cfg(test)]
    pub(crate) fn holds(&self) -> usize {
        self.inner.holds.borrow().len()
    }
}

/// What [`LoopHandle::register`] gives once the loop is gone.
fn loop_gone() -> Error {
    io::Error::new(io::ErrorKind::NotConnected, "the event loop was dropped").into()
}

impl fmt::Debug for LoopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopHandle")
            .field("timers", &self.inner.timers.borrow().len())
            .field("sources", &self.inner.sources.borrow().len())
            .field("immediates", &self.inner.immediates.borrow().live())
            .finish()
    }
}
