//! The loop's shared state and one turn of it, phase by phase.
//!
//! Every piece of state has its own `RefCell` or `Cell`, borrowed only for the few
//! instructions that move a callback in or out: no borrow is held while user code runs.
//! Work that is cut short (by an uncaught error, or a panic that unwinds out of `run`) is
//! kept where it was, in order, and runs at the next turn.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::task::Waker;
use std::time::{Duration, Instant};

use super::clock::Clock;
use super::holds::Holds;
use super::immediates::Immediates;
use super::remote::{SendTask, Shared};
use super::sources::{PostAction, Readiness, Sources, WAKER_TOKEN};
use super::ticks::{Task, TaskQueue};
use super::timers::{TimerCallback, Timers};
use crate::compat::NodeCompat;
use crate::{Error, ErrorCode};

/// How many events one poll takes at most; more wait for the next turn.
const EVENTS_CAPACITY: usize = 1024;

pub(crate) struct Inner {
    pub(crate) poll: RefCell<mio::Poll>,
    events: RefCell<mio::Events>,
    /// A clone of the poll's registry (the same epoll instance), so that registering never
    /// borrows the poll, and the loop has an fd to lend hosts.
    pub(crate) registry: mio::Registry,
    pub(crate) clock: Clock,
    /// The Node release the streams made on this loop follow (`EventLoopBuilder::compat`).
    pub(crate) compat: NodeCompat,
    epoch: Instant,
    now: Cell<Instant>,
    now_ms: Cell<u64>,
    pub(crate) ticks: RefCell<TaskQueue<Task>>,
    pub(crate) immediates: RefCell<Immediates>,
    pub(crate) timers: RefCell<Timers>,
    pub(crate) sources: RefCell<Sources>,
    pub(crate) closes: RefCell<TaskQueue<Task>>,
    posted: RefCell<VecDeque<SendTask>>,
    errors: RefCell<VecDeque<Error>>,
    error_flag: Cell<bool>,
    running: Cell<bool>,
    stop_flag: Cell<bool>,
    pub(crate) shared: Arc<Shared>,
    /// libuv's `loop->emfile_fd`: one descriptor per loop that a listening server closes
    /// to make room when `accept` fails at the descriptor limit (`net::Server`). Opened
    /// by the first server to listen; closed when the `EventLoop` is dropped.
    pub(crate) reserve_fd: RefCell<Option<std::os::fd::OwnedFd>>,
    /// Streams kept alive while a request of theirs is in flight (see `holds.rs`).
    pub(crate) holds: RefCell<Holds>,
    /// The `EventLoop` was dropped: nothing will run again, so nothing is queued any more
    /// (a handle that outlives the loop drops the work it is given at once).
    pub(crate) closed: Cell<bool>,
    /// Work given through a handle needs more than queueing: the loop is closed (the work
    /// is dropped) or a host waits for work (`host_waker` is woken). One flag, so the paths
    /// that queue work test one `Cell` as they did for `closed` alone.
    pub(crate) notice: Cell<bool>,
    /// A host driving the loop from an async runtime, parked until the loop has work
    /// (`embed`). Woken once, by the first work given after it parked.
    pub(crate) host_waker: Cell<Option<Waker>>,
    /// The tasks of `LoopHandle::spawn_local` (see `executor.rs`).
    #[cfg(feature = "futures")]
    pub(crate) executor: super::executor::ExecutorSlot,
}

/// Clears the running flag when a run ends, by return or by unwinding. Holds the fd
/// funnel's window for reusing the SIGPIPE answer: only inside a run.
pub(crate) struct Running<'a>(&'a Cell<bool>, crate::sys::SigpipeAnswerReuse);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

impl Inner {
    pub(crate) fn new(clock: Clock, compat: NodeCompat) -> io::Result<Inner> {
        let poll = mio::Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(poll.registry(), WAKER_TOKEN)?;
        let epoch = clock.now();
        Ok(Inner {
            poll: RefCell::new(poll),
            events: RefCell::new(mio::Events::with_capacity(EVENTS_CAPACITY)),
            registry,
            clock,
            compat,
            epoch,
            now: Cell::new(epoch),
            now_ms: Cell::new(0),
            ticks: RefCell::new(TaskQueue::new()),
            immediates: RefCell::new(Immediates::new()),
            timers: RefCell::new(Timers::new()),
            sources: RefCell::new(Sources::new()),
            closes: RefCell::new(TaskQueue::new()),
            posted: RefCell::new(VecDeque::new()),
            errors: RefCell::new(VecDeque::new()),
            error_flag: Cell::new(false),
            running: Cell::new(false),
            stop_flag: Cell::new(false),
            shared: Arc::new(Shared::new(waker)),
            reserve_fd: RefCell::new(None),
            holds: RefCell::new(Holds::new()),
            closed: Cell::new(false),
            notice: Cell::new(false),
            host_waker: Cell::new(None),
            #[cfg(feature = "futures")]
            executor: Default::default(),
        })
    }

    // Time.

    /// Reads the clock into the loop's cached time.
    #[inline]
    pub(crate) fn update_time(&self) {
        let now = self.clock.now();
        self.now.set(now);
        self.now_ms
            .set(now.saturating_duration_since(self.epoch).as_millis() as u64);
    }

    pub(crate) fn now(&self) -> Instant {
        self.now.get()
    }

    pub(crate) fn now_ms(&self) -> u64 {
        self.now_ms.get()
    }

    fn instant_of(&self, ms: u64) -> Instant {
        self.epoch + Duration::from_millis(ms)
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let ms = self.timers.borrow().next_deadline()?;
        Some(self.instant_of(ms))
    }

    // Errors, stop, entry.

    pub(crate) fn report_error(&self, err: Error) {
        if self.refuses_work() {
            // Nothing will run again to return it.
            return;
        }
        self.errors.borrow_mut().push_back(err);
        self.error_flag.set(true);
    }

    /// The next queued uncaught error, if any.
    fn take_error(&self) -> Result<(), Error> {
        if !self.error_flag.get() {
            return Ok(());
        }
        let mut errors = self.errors.borrow_mut();
        let err = errors.pop_front();
        self.error_flag.set(!errors.is_empty());
        match err {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    pub(crate) fn stop(&self) {
        self.stop_flag.set(true);
    }

    pub(crate) fn take_stop(&self) -> bool {
        self.stop_flag.replace(false)
    }

    pub(crate) fn stopping(&self) -> bool {
        self.stop_flag.get()
    }

    /// Marks the loop as running, or refuses a nested run.
    pub(crate) fn enter(&self) -> Result<Running<'_>, Error> {
        if self.running.replace(true) {
            return Err(Error::from_code(ErrorCode::LoopReentered));
        }
        let guard = Running(&self.running, crate::sys::reuse_sigpipe_answer());
        self.take_error()?;
        Ok(guard)
    }

    /// Called by every path that queues work from a handle: whether the work must be
    /// dropped (the loop is closed). Wakes a parked host on the way.
    #[inline(always)]
    pub(crate) fn refuses_work(&self) -> bool {
        self.notice.get() && self.notice_work()
    }

    #[cold]
    fn notice_work(&self) -> bool {
        if self.closed.get() {
            return true;
        }
        self.notice.set(false);
        if let Some(waker) = self.host_waker.take() {
            waker.wake();
        }
        false
    }

    // Liveness.

    pub(crate) fn is_alive(&self) -> bool {
        // The keep-alive count is read before the queue: a worker posts, then drops its
        // token, so a count of zero means its post is visible.
        self.timers.borrow().referenced() > 0
            || self.sources.borrow().referenced() > 0
            || self.immediates.borrow().live() > 0
            || !self.ticks.borrow().is_empty()
            || !self.closes.borrow().is_empty()
            || !self.posted.borrow().is_empty()
            || self.shared.keep_alive_count() > 0
            || self.shared.has_posted()
            || self.has_tasks()
    }

    /// Whether a spawned future has not completed: it keeps the loop alive.
    #[inline]
    fn has_tasks(&self) -> bool {
        #[cfg(feature = "futures")]
        return self.executor.has_tasks();
        #[cfg(not(feature = "futures"))]
        false
    }

    /// Work that needs a dispatch without waiting for any fd.
    pub(crate) fn has_pending(&self) -> bool {
        self.immediates.borrow().live() > 0
            || self.sources.borrow().ready_len() > 0
            || !self.ticks.borrow().is_empty()
            || !self.closes.borrow().is_empty()
            || !self.posted.borrow().is_empty()
            || self.error_flag.get()
            || self.shared.has_posted()
    }

    // Running callbacks.

    /// Drains the next-tick queue: every tick, including those queued while draining, one
    /// batch at a time. Stops at an uncaught error.
    #[inline]
    pub(crate) fn drain_ticks(&self) -> Result<(), Error> {
        loop {
            let task = self.ticks.borrow_mut().pop(true);
            match task {
                Some(task) => {
                    task();
                    self.take_error()?;
                }
                None => return Ok(()),
            }
        }
    }

    /// What runs after every callback: the next-tick queue, then the error check.
    #[inline]
    fn after_callback(&self) -> Result<(), Error> {
        self.take_error()?;
        self.drain_ticks()
    }

    /// One turn: timers, poll (with the pending sources), check, close callbacks.
    /// `max_wait` caps how long the poll may block (`None`: as long as needed).
    pub(crate) fn turn(&self, max_wait: Option<Duration>) -> Result<(), Error> {
        // The fd funnel reuses its reading of the SIGPIPE disposition within a turn at most.
        crate::sys::forget_sigpipe_answer();
        self.update_time();
        self.run_timers()?;
        self.run_poll(max_wait)?;
        self.run_check()?;
        self.run_closes()
    }

    fn run_timers(&self) -> Result<(), Error> {
        // A manual clock at its end cannot move on to a later deadline: it is past them all,
        // and only the timers armed before this phase run in it (see `Timers::pop_due`).
        let (now_ms, armed_before) = if self.clock.at_end() {
            (u64::MAX, self.timers.borrow().next_seq())
        } else {
            (self.now_ms.get(), u64::MAX)
        };
        loop {
            let due = self.timers.borrow_mut().pop_due(now_ms, armed_before);
            match due {
                None => return Ok(()),
                Some((_, TimerCallback::Once(f))) => f(),
                Some((id, TimerCallback::Repeat(mut f))) => {
                    // Node re-arms an interval, in a `finally`, from the loop's time read
                    // fresh just before the callback ran.
                    self.update_time();
                    let start_ms = self.now_ms.get();
                    let result = panic::catch_unwind(AssertUnwindSafe(&mut f));
                    let leftover = self.timers.borrow_mut().rearm(id, start_ms, f);
                    drop(leftover);
                    if let Err(payload) = result {
                        panic::resume_unwind(payload);
                    }
                }
            }
            self.after_callback()?;
        }
    }

    /// How long the poll may block.
    fn poll_timeout(&self, max_wait: Option<Duration>) -> (Option<Duration>, Option<Instant>) {
        let computed = if self.stopping() || self.has_pending() || !self.is_alive() {
            Some(Duration::ZERO)
        } else {
            self.next_deadline()
                .map(|t| t.saturating_duration_since(self.clock.now()))
        };
        let timeout = match (computed, max_wait) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if !self.clock.is_manual() || timeout == Some(Duration::ZERO) {
            return (timeout, None);
        }
        // A manual clock does not move by itself: instead of sleeping until a timer (or
        // the caller's limit), poll without blocking and jump the clock there if nothing
        // came in. With neither, block for I/O (or a post) as usual.
        match timeout {
            Some(t) => (
                Some(Duration::ZERO),
                Some(super::clock::saturating_add(self.clock.now(), t)),
            ),
            None => (None, None),
        }
    }

    fn run_poll(&self, max_wait: Option<Duration>) -> Result<(), Error> {
        let (timeout, jump_to) = self.poll_timeout(max_wait);
        // With no source registered, only the waker could report an event, and posts are
        // seen through their flag: a poll that would not block is skipped unless a wake-up
        // left an event to consume (so the epoll fd does not stay readable for a host).
        let must_poll = timeout != Some(Duration::ZERO)
            || self.sources.borrow().len() > 0
            || self.shared.take_woken();
        let woke = must_poll && {
            let mut events = self.events.borrow_mut();
            let mut poll = self.poll.borrow_mut();
            match poll.poll(&mut events, timeout) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::Interrupted => events.clear(),
                Err(err) => return Err(Error::syscall_failed(err, "epoll_wait")),
            }
            drop(poll);
            let mut sources = self.sources.borrow_mut();
            let mut woke = false;
            for event in events.iter() {
                if event.token() == WAKER_TOKEN {
                    woke = true;
                } else {
                    sources.on_event(event.token(), Readiness::from_event(event));
                }
            }
            woke || !events.is_empty()
        };
        if let Some(t) = jump_to {
            if !woke && !self.shared.has_posted() {
                self.clock.advance_to(t);
            }
        }
        self.update_time();
        self.run_posted()?;
        self.run_ready()
    }

    fn run_posted(&self) -> Result<(), Error> {
        self.shared.take_into(&mut self.posted.borrow_mut());
        loop {
            let task = self.posted.borrow_mut().pop_front();
            match task {
                None => return Ok(()),
                Some(task) => task(),
            }
            self.after_callback()?;
        }
    }

    fn run_ready(&self) -> Result<(), Error> {
        // Sources queued after this point (by `PostAction::Again`) wait for the next turn.
        let n = self.sources.borrow().ready_len();
        for _ in 0..n {
            let Some((id, mut callback, readiness)) = self.sources.borrow_mut().pop_ready() else {
                continue;
            };
            let result = panic::catch_unwind(AssertUnwindSafe(|| callback(readiness)));
            let action = match result {
                Ok(action) => action,
                Err(payload) => {
                    // The source stays registered and keeps this readiness: it is called
                    // again next turn, as after `Again`. The panic cut its work short (a
                    // listener of the data it read, say), and on an edge-triggered fd the
                    // bytes still in the kernel bring no new edge.
                    let leftover = self.sources.borrow_mut().finish(
                        id,
                        callback,
                        readiness,
                        PostAction::Again,
                    );
                    drop(leftover);
                    panic::resume_unwind(payload);
                }
            };
            let leftover = self
                .sources
                .borrow_mut()
                .finish(id, callback, readiness, action);
            drop(leftover);
            self.after_callback()?;
        }
        Ok(())
    }

    fn run_check(&self) -> Result<(), Error> {
        self.immediates.borrow_mut().start_check();
        loop {
            let task = self.immediates.borrow_mut().pop();
            match task {
                None => return Ok(()),
                Some(task) => task(),
            }
            self.after_callback()?;
        }
    }

    fn run_closes(&self) -> Result<(), Error> {
        self.closes.borrow_mut().start_batch();
        loop {
            let task = self.closes.borrow_mut().pop(false);
            match task {
                None => return Ok(()),
                Some(task) => task(),
            }
            self.after_callback()?;
        }
    }

    /// The loop is being dropped: refuses further work, then drops every callback and
    /// hold it has (breaking the `Rc` cycles through the handles they captured), outside
    /// any borrow. A callback dropped here cannot queue more: the loop is closed first.
    pub(crate) fn close(&self) {
        self.closed.set(true);
        self.notice.set(true);
        drop(self.host_waker.take());
        self.errors.borrow_mut().clear();
        self.error_flag.set(false);
        loop {
            let ticks = self.ticks.borrow_mut().take_all();
            let closes = self.closes.borrow_mut().take_all();
            let immediates = self.immediates.borrow_mut().take_all();
            let timers = self.timers.borrow_mut().take_all();
            let sources = self.sources.borrow_mut().take_all();
            let posted = std::mem::take(&mut *self.posted.borrow_mut());
            let holds = self.holds.borrow_mut().take_all();
            #[cfg(feature = "futures")]
            let tasks = self.executor.take_tasks();
            #[cfg(not(feature = "futures"))]
            let tasks: Vec<()> = Vec::new();
            let empty = tasks.is_empty()
                && ticks.0.is_empty()
                && ticks.1.is_empty()
                && closes.0.is_empty()
                && closes.1.is_empty()
                && immediates.is_empty()
                && timers.is_empty()
                && sources.is_empty()
                && posted.is_empty()
                && holds.is_empty();
            drop((
                ticks, closes, immediates, timers, sources, posted, holds, tasks,
            ));
            if empty {
                break;
            }
        }
    }
}
