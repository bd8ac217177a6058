//! The loop inside a current-thread tokio runtime (feature `tokio`).
//!
//! [`drive`] runs the loop for as long as it is polled, picking up work given to the loop
//! at any time, and ends only on [`LoopHandle::stop`](crate::LoopHandle::stop) or an
//! error; [`run_until_idle`] ends as [`EventLoop::run`] does, when no ref'd work is left.
//! Both borrow the loop, which is `!Send`: run them on the runtime's own thread, with
//! `Runtime::block_on`, `LocalSet::run_until`, or a `spawn_local` task that owns the loop.
//!
//! How a driver waits: on the loop's epoll fd (a duplicate registered with tokio's reactor,
//! so one more fd while it runs), on a tokio sleep until [`EventLoop::next_deadline`], and on
//! a waker that the loop wakes when work is given to it through a handle; while
//! [`EventLoop::has_pending`] it yields to tokio's tasks between turns instead. Each wake-up
//! runs one non-blocking turn.
//!
//! # Examples
//!
//! A tokio task writes into a pipe whose other end the loop reads, in one thread:
//!
//! ```
//! use std::time::Duration;
//!
//! use nodestream::events::DATA;
//! use nodestream::stream::readable::Chunk;
//! use nodestream::stream::FdWritable;
//! use nodestream::{EventLoop, Readable, ReadableOptions, WritableOptions};
//!
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! let local = tokio::task::LocalSet::new();
//! let lp = EventLoop::new()?;
//! let h = lp.handle();
//! let (rx, tx) = rustix::pipe::pipe()?;
//! let input = Readable::from_fd(&h, rx, ReadableOptions::default())?;
//! input.on(DATA, |chunk: &Chunk| println!("loop: {:?}", chunk.as_bytes()));
//! let out = FdWritable::new(&h, tx, WritableOptions::new())?;
//!
//! local.block_on(&rt, async {
//!     tokio::task::spawn_local(async move {
//!         tokio::time::sleep(Duration::from_millis(5)).await;
//!         out.end_with("from a tokio task");
//!     });
//!     // Returns once the pipe is read to its end and both streams are closed.
//!     nodestream::embed::tokio::run_until_idle(&lp).await
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::future::{poll_fn, Future};
use std::os::fd::{AsFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use ::tokio::io::unix::AsyncFd;
use ::tokio::time::Sleep;
use rustix::event::{poll, PollFd, PollFlags, Timespec};

use super::HostPark;
use crate::{Error, EventLoop};

/// Runs `lp` for as long as this future is polled: work given to the loop later (from a
/// tokio task, through a [`LoopHandle`](crate::LoopHandle); or from another thread, through
/// a [`RemoteHandle`](crate::RemoteHandle)) runs too, even after the loop had nothing to do.
///
/// Returns `Ok(())` when [`LoopHandle::stop`](crate::LoopHandle::stop) is called; to stop
/// from the tokio side, drop the future (it holds no loop state: the next drive goes on
/// where this one left off).
///
/// # Errors
///
/// As [`EventLoop::run`], and:
/// - a callback's panic, as an `ERR_PANIC` error (`"a loop callback panicked: ..."`); the
///   work the panic cut short stays queued, as after a panic out of `run`;
/// - the registration of the loop's fd with tokio's reactor failing (`EMFILE`, ...).
///
/// The loop stays usable after an error: drive it again to go on.
///
/// One driver per loop at a time: a second one polled beside it would not be woken by work
/// given through a handle (only the driver that parked last is).
///
/// # Panics
///
/// Outside a tokio runtime with its I/O and time drivers enabled (`enable_all`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use nodestream::EventLoop;
///
/// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// let local = tokio::task::LocalSet::new();
/// let lp = EventLoop::new()?;
/// let h = lp.handle();
/// local.block_on(&rt, async {
///     tokio::task::spawn_local(async move {
///         // The loop has had nothing to do for 5 ms: this still runs.
///         tokio::time::sleep(Duration::from_millis(5)).await;
///         let h2 = h.clone();
///         h.set_immediate(move || h2.stop());
///     });
///     nodestream::embed::tokio::drive(&lp).await
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn drive(lp: &EventLoop) -> Result<(), Error> {
    host(lp, false).await
}

/// Runs `lp` until no ref'd work is left or [`LoopHandle::stop`](crate::LoopHandle::stop)
/// is called, as [`EventLoop::run`] does, letting tokio's tasks run between turns.
///
/// # Errors
///
/// As [`drive`].
///
/// # Panics
///
/// As [`drive`].
pub async fn run_until_idle(lp: &EventLoop) -> Result<(), Error> {
    host(lp, true).await
}

async fn host(lp: &EventLoop, until_idle: bool) -> Result<(), Error> {
    let dup = rustix::io::fcntl_dupfd_cloexec(lp, 0).map_err(std::io::Error::from)?;
    let fd = crate::sys::raw::tokio_readable(dup)?;
    let mut wait = Wait {
        fd,
        unconfirmed: false,
        sleep: Box::pin(::tokio::time::sleep_until(::tokio::time::Instant::now())),
        sleep_at: None,
    };
    loop {
        let stopped = lp.host_turns()?;
        if stopped || (until_idle && !lp.is_alive()) {
            return Ok(());
        }
        if lp.has_pending() {
            // Work that needs no wait: let tokio's tasks (and its I/O) have a turn first.
            ::tokio::task::yield_now().await;
            continue;
        }
        let park = HostPark::new(lp);
        poll_fn(|cx| wait.poll(lp, &park, cx)).await?;
    }
}

/// What a parked driver waits on, kept across turns.
struct Wait {
    fd: AsyncFd<OwnedFd>,
    /// tokio reported the fd readable and a turn has run since: the readiness tokio keeps
    /// may be spent (tokio clears it only when told, and the fd is edge-triggered there).
    unconfirmed: bool,
    /// The sleep until the loop's next deadline (reset, not made anew, when it moves).
    sleep: Pin<Box<Sleep>>,
    /// The deadline `sleep` is set to, if the loop has one.
    sleep_at: Option<Instant>,
}

impl Wait {
    /// Ready when the loop has a turn to run.
    fn poll(
        &mut self,
        lp: &EventLoop,
        park: &HostPark<'_>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>> {
        if lp.has_pending() {
            return Poll::Ready(Ok(()));
        }
        match lp.next_deadline() {
            None => self.sleep_at = None,
            Some(t) => {
                if self.sleep_at != Some(t) {
                    self.sleep.as_mut().reset(t.into());
                    self.sleep_at = Some(t);
                }
                if self.sleep.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Ok(()));
                }
            }
        }
        loop {
            match self.fd.poll_read_ready(cx) {
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err.into())),
                Poll::Ready(Ok(mut guard)) => {
                    if !self.unconfirmed || still_readable(self.fd.get_ref()) {
                        // A fresh edge, or events a turn left (it takes 1024 at most).
                        self.unconfirmed = true;
                        return Poll::Ready(Ok(()));
                    }
                    guard.clear_ready();
                    self.unconfirmed = false;
                }
                Poll::Pending => break,
            }
        }
        park.arm(cx.waker());
        Poll::Pending
    }
}

/// Whether the epoll fd has events waiting (a zero-timeout `poll(2)`).
fn still_readable(fd: impl AsFd) -> bool {
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    // An error (EINTR) counts as readable: the cost is one more turn, not a lost event.
    poll(&mut fds, Some(&Timespec::default())).map_or(true, |n| n > 0)
}
