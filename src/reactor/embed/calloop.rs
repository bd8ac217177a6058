//! The loop as a calloop event source (feature `calloop`, calloop 0.14).
//!
//! [`EventLoopSource`] owns an [`EventLoop`] and runs one non-blocking turn of it whenever
//! calloop finds it has something to do: its epoll fd readable (registered level-triggered,
//! so events a turn could not take are seen again), its next timer due (a calloop timer set
//! to [`EventLoop::next_deadline`]), or work queued that needs no wait (checked in calloop's
//! `before_sleep`, which also catches work given to the loop from calloop callbacks).
//! Its errors are [`nodestream::Error`](crate::Error)s, which calloop hands back from
//! `dispatch`/`run` boxed in `calloop::Error::OtherError`.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! use calloop::timer::{TimeoutAction, Timer};
//! use nodestream::embed::calloop::{EventLoopSource, LoopEvent};
//! use nodestream::EventLoop;
//!
//! let mut host: calloop::EventLoop<'_, Vec<&str>> = calloop::EventLoop::try_new()?;
//! let lp = EventLoop::new()?;
//! let h = lp.handle();
//! h.set_timeout(Duration::from_millis(1), || println!("loop: timer"));
//!
//! let signal = host.get_signal();
//! host.handle().insert_source(EventLoopSource::new(lp), move |event, _lp, log| {
//!     if event == LoopEvent::Idle {
//!         log.push("nodestream idle");
//!         signal.stop();
//!     }
//! })?;
//! host.handle().insert_source(Timer::from_duration(Duration::ZERO), |_, _, log| {
//!     log.push("host timer");
//!     TimeoutAction::Drop
//! })?;
//!
//! let mut log = Vec::new();
//! host.run(None, &mut log, |_| {})?;
//! assert_eq!(log, ["host timer", "nodestream idle"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::os::fd::{AsFd, BorrowedFd};
use std::rc::Rc;
use std::time::Instant;

use ::calloop::generic::Generic;
use ::calloop::timer::{TimeoutAction, Timer};
use ::calloop::{EventSource, Interest, Mode, Poll, PostAction, Readiness, Token, TokenFactory};

use crate::reactor::phases::Inner;
use crate::{Error, EventLoop};

/// What the source tells its callback, after the turn that caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoopEvent {
    /// The turn left no ref'd work: the point where [`EventLoop::run`] would return. Sent
    /// after each turn that ends so; work given to the loop later still runs.
    Idle,
    /// [`LoopHandle::stop`](crate::LoopHandle::stop) was called.
    Stopped,
}

/// An [`EventLoop`] as a calloop [`EventSource`]: insert it with
/// `handle.insert_source(EventLoopSource::new(lp), |event, lp, data| ...)`.
///
/// The callback gets a [`LoopEvent`] and the loop, only when the loop went idle or was
/// stopped: the loop's own callbacks do the work. Dropping the source (removing it from
/// calloop, or dropping calloop's loop) drops the loop, as dropping an [`EventLoop`] does.
///
/// # Errors
///
/// calloop's `dispatch`/`run` return `calloop::Error::OtherError` holding a
/// [`nodestream::Error`](crate::Error) (get it back with `downcast_ref`) for what
/// [`EventLoop::run`] would return, and for a callback's panic (`ERR_PANIC`, `"a loop
/// callback panicked: ..."`) instead of unwinding through calloop. The source stays in
/// calloop and the loop stays usable: the next dispatch goes on.
pub struct EventLoopSource {
    lp: EventLoop,
    /// The loop's epoll fd.
    fd: Generic<EpollFd, Error>,
    /// A calloop timer at the loop's next deadline, if it has one.
    timer: Option<Timer>,
    /// The deadline `timer` is set to.
    armed: Option<Instant>,
    /// The token of the events made up in `before_sleep`; `None` while unregistered.
    wake: Option<Token>,
    /// The next `reregister` only moves the timer: the fd's registration is unchanged.
    timer_only: bool,
    /// A turn ran in this dispatch of calloop's: one turn serves every event of ours that
    /// one poll found (the fd, the timer, the made-up one).
    turned: bool,
}

impl EventLoopSource {
    /// Makes `lp` a calloop event source.
    pub fn new(lp: EventLoop) -> EventLoopSource {
        let fd = EpollFd(lp.inner.clone());
        EventLoopSource {
            lp,
            fd: Generic::new_with_error(fd, Interest::READ, Mode::Level),
            timer: None,
            armed: None,
            wake: None,
            timer_only: false,
            turned: false,
        }
    }

    /// The loop, to make handles from.
    pub fn event_loop(&self) -> &EventLoop {
        &self.lp
    }

    /// `Reregister` (to move the timer only) if the loop's next deadline is not the timer's.
    fn sync_timer(&mut self) -> PostAction {
        if self.lp.next_deadline() == self.armed {
            return PostAction::Continue;
        }
        self.timer_only = true;
        PostAction::Reregister
    }

    /// Sets the timer to the loop's next deadline.
    fn rearm(&mut self, poll: &mut Poll, tokens: &mut TokenFactory) -> ::calloop::Result<()> {
        if let Some(mut old) = self.timer.take() {
            old.unregister(poll)?;
        }
        self.armed = self.lp.next_deadline();
        if let Some(at) = self.armed {
            let mut timer = Timer::from_deadline(at);
            timer.register(poll, tokens)?;
            self.timer = Some(timer);
        }
        Ok(())
    }
}

impl EventSource for EventLoopSource {
    type Event = LoopEvent;
    type Metadata = EventLoop;
    type Ret = ();
    type Error = Error;

    const NEEDS_EXTRA_LIFECYCLE_EVENTS: bool = true;

    fn process_events<F>(
        &mut self,
        readiness: Readiness,
        token: Token,
        mut callback: F,
    ) -> Result<PostAction, Error>
    where
        F: FnMut(LoopEvent, &mut EventLoop),
    {
        let mut ours = self.wake == Some(token);
        self.fd.process_events(readiness, token, |_, _| {
            ours = true;
            Ok(PostAction::Continue)
        })?;
        if let Some(timer) = &mut self.timer {
            timer.process_events(readiness, token, |_, _| {
                // Fired, and out of calloop's timer heap: `rearm` sets a new one.
                ours = true;
                self.armed = None;
                TimeoutAction::Drop
            })?;
        }
        if !ours || std::mem::replace(&mut self.turned, true) {
            return Ok(self.sync_timer());
        }
        let stopped = self.lp.host_turns()?;
        if stopped {
            callback(LoopEvent::Stopped, &mut self.lp);
        } else if !self.lp.is_alive() {
            callback(LoopEvent::Idle, &mut self.lp);
        }
        Ok(self.sync_timer())
    }

    fn register(&mut self, poll: &mut Poll, tokens: &mut TokenFactory) -> ::calloop::Result<()> {
        self.fd.register(poll, tokens)?;
        self.wake = Some(tokens.token());
        self.rearm(poll, tokens)
    }

    fn reregister(&mut self, poll: &mut Poll, tokens: &mut TokenFactory) -> ::calloop::Result<()> {
        if std::mem::take(&mut self.timer_only) {
            // The same factory hands out the same tokens in the same order: skip the fd's.
            let _ = tokens.token();
        } else {
            self.fd.reregister(poll, tokens)?;
        }
        self.wake = Some(tokens.token());
        self.rearm(poll, tokens)
    }

    fn unregister(&mut self, poll: &mut Poll) -> ::calloop::Result<()> {
        self.fd.unregister(poll)?;
        if let Some(mut timer) = self.timer.take() {
            timer.unregister(poll)?;
        }
        self.armed = None;
        self.wake = None;
        Ok(())
    }

    /// Runs before calloop waits: a turn is due now if work is queued that needs no wait,
    /// or if the loop's next deadline came before the timer's (a timer armed from a host
    /// callback).
    fn before_sleep(&mut self) -> ::calloop::Result<Option<(Readiness, Token)>> {
        let Some(token) = self.wake else {
            return Ok(None);
        };
        let earlier = match (self.lp.next_deadline(), self.armed) {
            (Some(next), Some(armed)) => next < armed,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if earlier || self.lp.has_pending() {
            let readiness = Readiness {
                readable: true,
                writable: false,
                error: false,
            };
            return Ok(Some((readiness, token)));
        }
        Ok(None)
    }

    fn before_handle_events(&mut self, _events: ::calloop::EventIterator<'_>) {
        self.turned = false;
    }
}

impl std::fmt::Debug for EventLoopSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLoopSource")
            .field("event_loop", &self.lp)
            .field("timer", &self.armed)
            .field("registered", &self.wake.is_some())
            .finish()
    }
}

/// The loop's epoll fd, kept open by the loop's state this holds (calloop's `Generic`
/// wants an owner of the fd).
struct EpollFd(Rc<Inner>);

impl AsFd for EpollFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.registry.as_fd()
    }
}
