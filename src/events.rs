//! Typed keys for the stream events, with Node's names.
//!
//! Each constant is an [`Event<T>`](crate::emitter::Event): register with it
//! (`w.on(DRAIN, |_| ..)`) and the payload type is fixed. The string names work too
//! (`w.emitter().on("drain", |_: &()| ..)`), which is how user-defined events are reached.

use std::fmt;
use std::os::fd::RawFd;

use crate::emitter::{names, Event};
use crate::error::Error;
use crate::readable::Readable;

/// `'drain'`: a `write` returned `false` and everything accepted since has been written.
pub const DRAIN: Event<()> = Event::new(names::DRAIN);
/// `'prefinish'`: every write is done and `_final` has completed; `'finish'` follows.
pub const PREFINISH: Event<()> = Event::new(names::PREFINISH);
/// `'finish'`: `end()` was called and every write (and `_final`) completed.
pub const FINISH: Event<()> = Event::new(names::FINISH);
/// `'close'`: the stream is destroyed and its resources released; the last event.
pub const CLOSE: Event<()> = Event::new(names::CLOSE);
/// `'error'`: the stream's first error. At most one per stream.
pub const ERROR: Event<Error> = Event::new(names::ERROR);
/// `'pipe'`: a readable started piping into this stream
/// ([`Readable::pipe`](crate::readable::Readable::pipe)); the payload is the source.
///
/// The one key for this event: [`readable::PIPE`](crate::readable::PIPE) is the same
/// constant, re-exported.
pub const PIPE: Event<Readable> = Event::new(names::PIPE);
/// `'unpipe'`: a readable stopped piping into this stream; the payload is the source.
///
/// The one key for this event: [`readable::UNPIPE`](crate::readable::UNPIPE) is the same
/// constant, re-exported.
pub const UNPIPE: Event<Readable> = Event::new(names::UNPIPE);
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
/// use nodestream::fdstream::{create_write_stream, WriteStreamOptions};
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

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::{PIPE, UNPIPE};
    use crate::readable::{Readable, ReadableOptions};
    use crate::writable::{Chunk, Sink, WriteCallback};
    use crate::{EventLoop, Writable, WritableOptions};

    struct Discard;

    impl Sink for Discard {
        fn write(&mut self, _chunk: Chunk, cb: WriteCallback) {
            cb.ok();
        }
    }

    fn source(lp: &EventLoop) -> Readable {
        Readable::new(
            &lp.handle(),
            ReadableOptions::default(),
            |_: &Readable, _| {},
        )
    }

    /// Regression: `events::PIPE` was `Event<EventEmitter>` while `pipe()` emitted an
    /// `Event<Readable>` of the same name, so listeners registered with `events::PIPE` were
    /// skipped as a payload-type mismatch and never ran.
    #[test]
    fn pipe_and_unpipe_listeners_on_events_keys_get_the_source() {
        let lp = EventLoop::new().unwrap();
        let w = Writable::new(&lp.handle(), Discard, WritableOptions::new());
        let (src, other) = (source(&lp), source(&lp));
        let seen = Rc::new(RefCell::new(Vec::new()));
        for (key, name) in [(PIPE, "pipe"), (UNPIPE, "unpipe")] {
            let (seen, src, other) = (seen.clone(), src.downgrade(), other.downgrade());
            w.on(key, move |r: &Readable| {
                let who = if src.upgrade().as_ref() == Some(r) {
                    "src"
                } else if other.upgrade().as_ref() == Some(r) {
                    "other"
                } else {
                    "unknown"
                };
                seen.borrow_mut().push(format!("{name} {who}"));
            });
        }
        src.pipe(&w);
        other.pipe(&w);
        src.unpipe(None);
        src.push(None);
        other.push(None);
        lp.run().unwrap();
        assert_eq!(
            *seen.borrow(),
            ["pipe src", "pipe other", "unpipe src", "unpipe other"]
        );
    }
}
