//! The event loop: a single-threaded mio reactor with Node's phases.
//!
//! Each turn of the loop runs, in order (libuv's `uv_run`, as Node uses it):
//!
//! 1. **timers**: every timer due at the turn's cached time, earliest deadline first
//!    (equal deadlines in arming order);
//! 2. **poll**: waits for I/O (not at all if work is pending, until the next timer if
//!    there is one, else as long as it takes), then runs the closures posted by other
//!    threads and the callbacks of ready sources (those that stopped on their budget last
//!    turn included: libuv's "pending" phase is folded in here);
//! 3. **check**: the immediates queued before the phase began;
//! 4. **close**: the close callbacks queued before the phase began.
//!
//! The next-tick queue is drained after every single callback, so ticks run before the
//! loop moves on. See `docs/reactor.md` for the rules, checked against Node, and for
//! embedding the loop in a host's own loop.

mod builder;
mod clock;
pub mod embed;
#[cfg(feature = "futures")]
mod executor;
mod handle;
mod holds;
mod immediates;
mod owed;
mod phases;
mod remote;
mod sources;
mod ticks;
mod timers;

use std::fmt;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::rc::Rc;
use std::time::{Duration, Instant};

pub use builder::EventLoopBuilder;
pub use clock::{Clock, ManualClock};
#[cfg(feature = "futures")]
pub use executor::JoinHandle;
pub use handle::{LoopHandle, WeakLoopHandle};
pub use immediates::ImmediateId;
pub(crate) use owed::{catch_as_error, on_unwind};
pub use remote::{KeepAlive, RemoteHandle};
pub use sources::{PostAction, Readiness, SourceId, IO_BUDGET};
pub use timers::TimerId;

pub(crate) use holds::HoldId;

use crate::Error;
use phases::Inner;

/// Keeps a table's count of referenced handles (timers, sources) in step with one handle's
/// `referenced` flag going from `was` to `now`: `ref`/`unref` of a timer and of a source
/// are the same bookkeeping.
fn count_ref(count: &mut usize, was: bool, now: bool) {
    match (was, now) {
        (false, true) => *count += 1,
        (true, false) => *count -= 1,
        _ => {}
    }
}

/// A single-threaded event loop with Node's phases, on `mio::Poll`.
///
/// The loop owns the poll; [`LoopHandle`]s (from [`handle`](Self::handle)) schedule work
/// on it, and a [`RemoteHandle`] (from [`remote`](Self::remote)) posts closures to it from
/// other threads. It is `!Send`.
///
/// Three ways to drive it:
/// 1. give it the thread: [`run`](Self::run), [`run_once`](Self::run_once),
///    [`run_for`](Self::run_for), and [`LoopHandle::stop`];
/// 2. from a host loop: watch the fd ([`AsFd`]) for readability, wake up by
///    [`next_deadline`](Self::next_deadline) at the latest, do not wait at all while
///    [`has_pending`](Self::has_pending), and call [`dispatch`](Self::dispatch) with
///    `Some(Duration::ZERO)`;
/// 3. from other threads, through a [`RemoteHandle`].
///
/// tokio and calloop hosts use way 2 ready-made: see [`embed`].
///
/// ```compile_fail
/// fn assert_send<T: Send>() {}
/// assert_send::<nodestream::EventLoop>();
/// ```
///
/// # Examples
///
/// ```
/// use nodestream::EventLoop;
/// use std::time::Duration;
///
/// let lp = EventLoop::new().unwrap();
/// let h = lp.handle();
/// let h2 = h.clone();
/// h.set_timeout(Duration::from_millis(1), move || {
///     h2.next_tick(|| println!("tick after the timer"));
/// });
/// lp.run().unwrap(); // returns: nothing left to do
/// ```
///
/// # Dropping the loop
///
/// Dropping it closes it for good: its waker's and reserve fds close, every callback it
/// holds is dropped unrun (ticks, immediates, timers, sources, close callbacks, posted
/// closures), and so is every stream it held for a request in flight (a write the kernel
/// has not taken); work given to a [`LoopHandle`] afterwards is dropped at once (see its
/// docs). Streams still held by the user keep their fds until they are dropped, and the
/// epoll instance closes with the last `LoopHandle`.
///
/// # Node compatibility
///
/// - Timers with different durations that come due at the same time fire by deadline,
///   then arming order. Node keeps one list per duration and, when the loop wakes late
///   past several deadlines, runs each due list's timers together, so the order can differ
///   from Node's when the loop was blocked past more than one deadline.
/// - A callback that panics unwinds out of `run`; see `docs/reactor.md`. In Node an
///   exception thrown by a callback ends the process.
pub struct EventLoop {
    inner: Rc<Inner>,
}

impl EventLoop {
    /// A loop on the real clock.
    ///
    /// # Errors
    ///
    /// If the epoll instance or the waker's eventfd cannot be made (`EMFILE`, ...).
    pub fn new() -> Result<EventLoop, Error> {
        EventLoop::with_clock(Clock::real())
    }

    /// A loop on the given clock ([`Clock::manual`] for tests that drive time).
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    pub fn with_clock(clock: Clock) -> Result<EventLoop, Error> {
        EventLoop::builder().clock(clock).build()
    }

    /// A builder, for a loop with other settings than [`new`](Self::new)'s: its clock and
    /// the Node release its streams follow ([`NodeCompat`](crate::compat::NodeCompat)).
    ///
    /// ```
    /// use nodestream::compat::NodeCompat;
    /// use nodestream::EventLoop;
    ///
    /// let lp = EventLoop::builder().compat(NodeCompat::V20).build()?;
    /// assert_eq!(lp.compat(), NodeCompat::V20);
    /// # Ok::<(), nodestream::Error>(())
    /// ```
    pub fn builder() -> EventLoopBuilder {
        EventLoopBuilder::new()
    }

    /// The Node release the streams made on this loop follow (see [`crate::compat`]).
    pub fn compat(&self) -> crate::compat::NodeCompat {
        self.inner.compat
    }

    /// A handle for scheduling work on this loop.
    pub fn handle(&self) -> LoopHandle {
        LoopHandle {
            inner: self.inner.clone(),
        }
    }

    /// A `Send + Sync` handle for posting closures from other threads.
    pub fn remote(&self) -> RemoteHandle {
        RemoteHandle::new(self.inner.shared.clone())
    }

    /// Runs until no ref'd work is left (timers, sources, immediates, ticks, close
    /// callbacks, posted closures, [`KeepAlive`] tokens), until [`LoopHandle::stop`], or
    /// until an uncaught error: exactly when a Node process would exit.
    ///
    /// # Errors
    ///
    /// - the first uncaught error: an `'error'` event nobody listened to, which names the
    ///   stream that emitted it ([`Error::origin`]: `"net.Socket fd 7 127.0.0.1:80"`), or
    ///   one reported with [`LoopHandle::report_error`];
    /// - `ERR_LOOP_REENTERED` when called from inside one of this loop's callbacks;
    /// - an error of the poll itself (other than `EINTR`, which is retried; syscall
    ///   `"epoll_wait"`).
    ///
    /// After an error the loop is usable: unrun work stays queued for the next run.
    ///
    /// # Panics
    ///
    /// A callback's panic unwinds through `run`, once, leaving the loop usable: see
    /// `docs/reactor.md` for what is kept. The streams still do what they owed after the
    /// code that panicked (the destroy, `'close'`, the next read) when the loop runs
    /// again: see `docs/reliability.md`.
    pub fn run(&self) -> Result<(), Error> {
        let _running = self.inner.enter()?;
        self.inner.drain_ticks()?;
        while self.inner.is_alive() && !self.inner.stopping() {
            self.inner.turn(None)?;
        }
        self.inner.take_stop();
        Ok(())
    }

    /// Runs one full turn, blocking in the poll if there is nothing else to do. Returns
    /// whether the loop is still alive (has ref'd work left).
    ///
    /// # Errors
    ///
    /// As [`run`](Self::run).
    pub fn run_once(&self) -> Result<bool, Error> {
        let _running = self.inner.enter()?;
        self.inner.drain_ticks()?;
        self.inner.turn(None)?;
        self.inner.take_stop();
        Ok(self.inner.is_alive())
    }

    /// Runs turns for `d` (by the loop's clock), ending with a non-blocking turn that runs
    /// what is due by then; returns early when no ref'd work is left or on
    /// [`LoopHandle::stop`]. Runs at least one turn. Any `d` is accepted: `Duration::MAX`
    /// runs as [`run`](Self::run) does (the end saturates instead of overflowing).
    ///
    /// # Errors
    ///
    /// As [`run`](Self::run).
    pub fn run_for(&self, d: Duration) -> Result<(), Error> {
        let _running = self.inner.enter()?;
        let end = clock::saturating_add(self.inner.clock.now(), d);
        self.inner.drain_ticks()?;
        loop {
            let left = end.saturating_duration_since(self.inner.clock.now());
            self.inner.turn(Some(left))?;
            // The turn that starts at or after the end (`left` zero) does not block and
            // runs what is due by then: it is the last. So is a turn on a manual clock at
            // its end, which is past every end.
            if left.is_zero()
                || !self.inner.is_alive()
                || self.inner.stopping()
                || self.inner.clock.at_end()
            {
                break;
            }
        }
        self.inner.take_stop();
        Ok(())
    }

    /// One turn for a host loop: the poll blocks for `timeout` at most (`None`: as long as
    /// needed; `Some(Duration::ZERO)`: not at all). Any timeout is accepted: one longer than
    /// the poll can wait (about 24.8 days, `epoll_wait`'s limit) waits that long, then the
    /// turn ends as if it had timed out.
    ///
    /// # Errors
    ///
    /// As [`run`](Self::run).
    pub fn dispatch(&self, timeout: Option<Duration>) -> Result<(), Error> {
        let _running = self.inner.enter()?;
        self.inner.drain_ticks()?;
        self.inner.turn(timeout)?;
        self.inner.take_stop();
        Ok(())
    }

    /// When the earliest timer is due (ref'd or not): a host must dispatch by then even if
    /// the fd stays quiet. `None` without timers.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.inner.next_deadline()
    }

    /// Whether work is queued that needs no I/O (ticks, immediates, sources left on the
    /// ready list, close callbacks, posted closures, an uncaught error to return): a host
    /// should dispatch without waiting.
    pub fn has_pending(&self) -> bool {
        self.inner.has_pending()
    }

    /// Whether ref'd work is left: what `run` waits for.
    pub fn is_alive(&self) -> bool {
        self.inner.is_alive()
    }

    /// The loop's cached time (see [`LoopHandle::now`]).
    pub fn now(&self) -> Instant {
        self.inner.now()
    }
}

impl AsFd for EventLoop {
    /// The epoll fd: readable when the loop has I/O (or a post) to dispatch.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.registry.as_fd()
    }
}

impl AsRawFd for EventLoop {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.registry.as_raw_fd()
    }
}

impl Drop for EventLoop {
    /// Closes the loop: the waker's fd and the reserve fd close now, every queued
    /// callback (ticks, immediates, timers, sources, close callbacks, posted closures) and
    /// every stream held for a request in flight is dropped, and work given to a
    /// [`LoopHandle`] or [`RemoteHandle`] from now on is dropped at once (see their docs).
    /// The epoll instance closes with the last [`LoopHandle`] (the streams made on the loop
    /// hold one).
    fn drop(&mut self) {
        let posted = self.inner.shared.close();
        drop(posted);
        self.inner.close();
        drop(self.inner.reserve_fd.take());
    }
}

impl fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventLoop")
            .field("fd", &self.as_raw_fd())
            .field("alive", &self.is_alive())
            .field("pending", &self.has_pending())
            .finish()
    }
}
