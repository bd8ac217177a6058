//! `EventLoopBuilder`: an [`EventLoop`] with settings other than the defaults.

use std::rc::Rc;

use super::clock::Clock;
use super::phases::Inner;
use super::EventLoop;
use crate::compat::NodeCompat;
use crate::Error;

/// Builds an [`EventLoop`]: its clock and the Node release its streams follow.
///
/// [`EventLoop::new`] is `EventLoop::builder().build()`.
///
/// # Examples
///
/// ```
/// use nodestream::compat::NodeCompat;
/// use nodestream::{Clock, EventLoop};
///
/// let (clock, _time) = Clock::manual();
/// let lp = EventLoop::builder()
///     .clock(clock)
///     .compat(NodeCompat::V20)
///     .build()?;
/// assert_eq!(lp.handle().compat(), NodeCompat::V20);
/// # Ok::<(), nodestream::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct EventLoopBuilder {
    clock: Clock,
    compat: NodeCompat,
}

impl Default for EventLoopBuilder {
    fn default() -> Self {
        EventLoopBuilder::new()
    }
}

impl EventLoopBuilder {
    /// The defaults: the real clock, Node v26's behaviour.
    pub fn new() -> EventLoopBuilder {
        EventLoopBuilder {
            clock: Clock::real(),
            compat: NodeCompat::default(),
        }
    }

    /// The loop's clock ([`Clock::manual`] for tests that drive time).
    pub fn clock(mut self, clock: Clock) -> EventLoopBuilder {
        self.clock = clock;
        self
    }

    /// The Node release whose stream behaviour every stream made on the loop follows:
    /// default high-water marks and `read()` without a size (see [`crate::compat`]).
    pub fn compat(mut self, compat: NodeCompat) -> EventLoopBuilder {
        self.compat = compat;
        self
    }

    /// The loop.
    ///
    /// # Errors
    ///
    /// If the epoll instance or the waker's eventfd cannot be made (`EMFILE`, ...).
    pub fn build(self) -> Result<EventLoop, Error> {
        Ok(EventLoop {
            inner: Rc::new(Inner::new(self.clock, self.compat)?),
        })
    }
}
