//! The events that mark a stream's life, shared by every kind of stream: `'open'` and
//! `'ready'` (a file or socket stream got its descriptor), `'close'` and `'error'`.
//!
//! Each constant is an [`Event<T>`]: register with it (`w.on(CLOSE, |_| ..)`) and the
//! payload type is fixed. They are gathered with the other streams' keys in
//! [`events`](crate::events).

use std::fmt;
use std::os::fd::RawFd;

use nodestream_emitter::{names, Event};

use crate::error::Error;

/// `'close'`: the stream is destroyed and its resources released; the last event.
pub const CLOSE: Event<()> = Event::new(names::CLOSE);
/// `'error'`: the stream's first error. At most one per stream.
pub const ERROR: Event<Error> = Event::new(names::ERROR);
/// `'open'`: a file stream has opened its file; the payload is the descriptor's number,
/// as Node's `'open'` passes `fd`.
///
/// # Node compatibility
///
/// Node passes the numeric fd, and so does this event, wrapped in [`FdNumber`]: the
/// number is for display and comparison (`fd == ws.fd()`), never ownership. The stream
/// keeps its `OwnedFd` and closes it itself.
pub const OPEN: Event<FdNumber> = Event::new(names::OPEN);
/// `'ready'`: a file stream is ready to be written (right after `'open'`).
pub const READY: Event<()> = Event::new(names::READY);

/// The number of a descriptor a stream owns: the payload of [`OPEN`].
///
/// A raw number is acceptable here, where the crate otherwise hands out only
/// `OwnedFd`/`BorrowedFd`, because it mirrors Node's payload and never transfers ownership:
/// nothing in the crate takes an `FdNumber` back, and the stream closes the descriptor when
/// it is destroyed, after which the number may name another file. Use it to log or compare,
/// not to read, write or close.
///
/// # Examples
///
/// ```
/// use nodestream::events::OPEN;
/// use nodestream::fs::{create_write_stream, WriteStreamOptions};
/// use nodestream::EventLoop;
/// use std::{cell::Cell, rc::Rc};
///
/// let lp = EventLoop::new()?;
/// let path = std::env::temp_dir().join(format!("nodestream-fdnumber-{}", std::process::id()));
/// let ws = create_write_stream(&lp.handle(), &path, WriteStreamOptions::new())?;
/// let seen = Rc::new(Cell::new(None));
/// let (s, w) = (seen.clone(), ws.clone());
/// ws.on(OPEN, move |fd| s.set(Some(Some(fd.as_raw()) == w.fd())));
/// ws.end();
/// lp.run()?;
/// assert_eq!(seen.get(), Some(true));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FdNumber(RawFd);

impl FdNumber {
    /// Wraps the number of a descriptor the caller owns.
    pub(crate) fn new(fd: RawFd) -> FdNumber {
        FdNumber(fd)
    }

    /// The number, as Node's `fd` argument.
    pub fn as_raw(self) -> RawFd {
        self.0
    }
}

impl fmt::Display for FdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
