//! Driving the loop from another runtime's loop, on the same thread.
//!
//! Three ways, from least glue to most (`docs/embedding.md` compares what each costs):
//!
//! - **tokio** (feature `tokio`): `embed::tokio::drive` and `embed::tokio::run_until_idle`
//!   are futures that run the loop inside a current-thread runtime (a `LocalSet`), beside
//!   tokio's tasks;
//! - **calloop** (feature `calloop`): `embed::calloop::EventLoopSource` is the loop as a
//!   calloop event source, for calloop's `LoopHandle::insert_source`;
//! - **any other host** (`poll(2)`, epoll, glib): the loop is [`AsFd`](std::os::fd::AsFd)
//!   (readable when I/O or a post waits); the host does not wait past
//!   [`EventLoop::next_deadline`](crate::EventLoop::next_deadline), nor at all while
//!   [`EventLoop::has_pending`](crate::EventLoop::has_pending), and runs turns
//!   with [`EventLoop::dispatch`](crate::EventLoop::dispatch)`(Some(Duration::ZERO))`.
//!
//! Work given to the loop through a [`LoopHandle`](crate::LoopHandle) while the host waits
//! (a timer armed, an immediate queued, a stream written from a tokio task or a calloop
//! callback) is picked up: the tokio driver is woken, the calloop source is asked before
//! calloop sleeps. A callback's panic reaches the host from these two as an `ERR_PANIC`
//! [`nodestream::Error`](crate::Error), rather than unwinding through the host's loop; the
//! loop stays usable.
//!
//! # Examples
//!
//! The third way, with `poll(2)` as the host:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use nodestream::EventLoop;
//! use rustix::event::{poll, PollFd, PollFlags, Timespec};
//!
//! let lp = EventLoop::new()?;
//! lp.handle().set_timeout(Duration::from_millis(2), || println!("timer"));
//! while lp.is_alive() {
//!     let wait = if lp.has_pending() {
//!         Some(Duration::ZERO)
//!     } else {
//!         lp.next_deadline().map(|t| t.saturating_duration_since(Instant::now()))
//!     };
//!     let wait = wait.map(Timespec::try_from).transpose()?;
//!     poll(&mut [PollFd::new(&lp, PollFlags::IN)], wait.as_ref())?;
//!     lp.dispatch(Some(Duration::ZERO))?;
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "calloop")]
pub mod calloop;
#[cfg(feature = "tokio")]
pub mod tokio;

#[cfg(any(feature = "tokio", feature = "calloop"))]
use std::panic::{self, AssertUnwindSafe};
#[cfg(feature = "tokio")]
use std::task::Waker;
#[cfg(any(feature = "tokio", feature = "calloop"))]
use std::time::Duration;

#[cfg(feature = "tokio")]
use super::phases::Inner;
#[cfg(any(feature = "tokio", feature = "calloop"))]
use crate::{Error, EventLoop};

/// How many turns in a row a host driver runs while the loop has work that needs no wait,
/// before it lets the host's own work have a turn (the loop's own I/O is polled every turn).
#[cfg(any(feature = "tokio", feature = "calloop"))]
const TURNS_IN_A_ROW: usize = 32;

#[cfg(any(feature = "tokio", feature = "calloop"))]
impl EventLoop {
    /// Non-blocking turns for a host: one, and more while work that needs no wait is
    /// queued, up to [`TURNS_IN_A_ROW`]; none if a stop is already asked for. Returns whether
    /// [`LoopHandle::stop`](crate::LoopHandle::stop) was asked for. A callback's panic comes
    /// back as an `ERR_PANIC` error instead of unwinding through the host's loop.
    pub(crate) fn host_turns(&self) -> Result<bool, Error> {
        let turns = || -> Result<bool, Error> {
            let _running = self.inner.enter()?;
            self.inner.drain_ticks()?;
            for _ in 0..TURNS_IN_A_ROW {
                if self.inner.stopping() {
                    break;
                }
                self.inner.turn(Some(Duration::ZERO))?;
                if !self.inner.has_pending() {
                    break;
                }
            }
            Ok(self.inner.take_stop())
        };
        panic::catch_unwind(AssertUnwindSafe(turns))
            .unwrap_or_else(|payload| Err(Error::from_panic("a loop callback", &*payload)))
    }
}

/// A host parked until the loop has work: while it lives, the first work given through a
/// handle wakes the waker last [`arm`](Self::arm)ed. Dropping it unparks.
#[cfg(feature = "tokio")]
pub(crate) struct HostPark<'a> {
    inner: &'a Inner,
}

#[cfg(feature = "tokio")]
impl<'a> HostPark<'a> {
    pub(crate) fn new(lp: &'a EventLoop) -> HostPark<'a> {
        HostPark { inner: &lp.inner }
    }

    /// Wakes `waker` at the next work given through a handle.
    pub(crate) fn arm(&self, waker: &Waker) {
        let waker = match self.inner.host_waker.take() {
            Some(old) if old.will_wake(waker) => old,
            _ => waker.clone(),
        };
        self.inner.host_waker.set(Some(waker));
        self.inner.notice.set(true);
    }
}

#[cfg(feature = "tokio")]
impl Drop for HostPark<'_> {
    fn drop(&mut self) {
        self.inner.notice.set(self.inner.closed.get());
        drop(self.inner.host_waker.take());
    }
}
