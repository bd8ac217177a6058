//! The crate's [`Writable`] as a [`PipeDestination`]: how each chunk type of a Writable takes
//! a Readable's chunks, so `readable.pipe(&writable)` works for byte streams, typed
//! object-mode streams and untyped ones alike.
//!
//! It lives beside both streams, not in either, so the Readable and the Writable know nothing
//! of each other.

use super::readable::{Chunk, PipeDestination};
use super::writable::{Chunk as WChunk, Sink, Writable};
use crate::{Error, ErrorCode};
use nodestream_emitter::EventEmitter;

/// A Writable of `T` takes a [`Readable<T>`](super::Readable)'s values: every value is
/// written as it is, cloned (Node writes the same object to every destination; here each
/// destination gets its own clone, so piping needs `T: Clone`). This covers a typed
/// object-mode pipe (`Readable<Point>` into `Writable<Point, S>`) and the untyped one
/// (`Readable` into a Writable of [`Chunk`], objects, bytes and text alike).
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use nodestream::stream::readable::{Readable, ReadableOptions};
/// use nodestream::stream::writable::{Sink, Writable, WritableOptions, WriteCallback};
/// use nodestream::EventLoop;
///
/// #[derive(Clone, Debug, PartialEq)]
/// struct Point(i32, i32);
///
/// /// Keeps every point written.
/// struct Points(Rc<RefCell<Vec<Point>>>);
///
/// impl Sink<Point> for Points {
///     fn write(&mut self, p: Point, cb: WriteCallback) {
///         self.0.borrow_mut().push(p);
///         cb.ok();
///     }
/// }
///
/// let event_loop = EventLoop::new().unwrap();
/// let lp = event_loop.handle();
/// let src: Readable<Point> =
///     Readable::new(&lp, ReadableOptions::new(), |_: &Readable<Point>, _| {});
/// let got = Rc::new(RefCell::new(Vec::new()));
/// let dest = Writable::new_object(&lp, Points(got.clone()), WritableOptions::new());
/// src.pipe(&dest);
/// src.push(Point(1, 2));
/// src.push(None);
/// event_loop.run().unwrap();
/// assert_eq!(*got.borrow(), [Point(1, 2)]);
/// ```
impl<T: Clone + 'static, S: Sink<T>> PipeDestination<T> for Writable<T, S> {
    fn emitter(&self) -> EventEmitter {
        Writable::emitter(self)
    }

    fn write(&self, chunk: &T) -> bool {
        Writable::write(self, chunk.clone())
    }

    fn write_owned(&self, chunk: T) -> bool {
        Writable::write(self, chunk)
    }

    fn end(&self) {
        Writable::end(self);
    }

    fn need_drain(&self) -> bool {
        self.writable_need_drain()
    }

    fn writable(&self) -> bool {
        Writable::writable(self)
    }

    fn error_emitted(&self) -> bool {
        Writable::error_emitted(self)
    }

    fn error_or_destroy(&self, err: Error) {
        Writable::error_or_destroy(self, err);
    }

    fn destroy(&self, err: Option<Error>) {
        Writable::destroy(self, err);
    }

    fn uncaught(&self, err: Error) {
        self.hooks().mark_unhandled(&err, "Writable");
        self.loop_handle().report_error(err);
    }
}

/// A byte Writable ([`writable::Chunk`](WChunk)) takes a byte Readable's chunks: text
/// chunks are written as strings in the Writable's default encoding, as Node's
/// `dest.write(string)`, and bytes as bytes.
///
/// # Node compatibility
///
/// An object chunk cannot be written to a byte stream: Node's `write` throws
/// `ERR_INVALID_ARG_TYPE` inside the `'data'` listener, an uncaught exception; here that
/// error is reported to the loop (`run()` returns it) and the chunk is dropped.
impl<S: Sink<WChunk>> PipeDestination for Writable<WChunk, S> {
    fn emitter(&self) -> EventEmitter {
        Writable::emitter(self)
    }

    fn write(&self, chunk: &Chunk) -> bool {
        match chunk {
            Chunk::Bytes(b) => Writable::write(self, b.clone()),
            Chunk::Text(s) => Writable::write(self, s.as_str()),
            Chunk::Object(_) => {
                self.loop_handle().report_error(Error::new(
                    ErrorCode::InvalidArgType,
                    "The \"chunk\" argument must be of type string or an instance of \
                     Buffer, TypedArray, or DataView. Received an object",
                ));
                true
            }
        }
    }

    fn write_owned(&self, chunk: Chunk) -> bool {
        match chunk {
            Chunk::Bytes(b) => Writable::write(self, b),
            other => PipeDestination::write(self, &other),
        }
    }

    fn end(&self) {
        Writable::end(self);
    }

    fn need_drain(&self) -> bool {
        self.writable_need_drain()
    }

    fn writable(&self) -> bool {
        Writable::writable(self)
    }

    fn error_emitted(&self) -> bool {
        Writable::error_emitted(self)
    }

    fn error_or_destroy(&self, err: Error) {
        Writable::error_or_destroy(self, err);
    }

    fn destroy(&self, err: Option<Error>) {
        Writable::destroy(self, err);
    }

    fn uncaught(&self, err: Error) {
        self.hooks().mark_unhandled(&err, "Writable");
        self.loop_handle().report_error(err);
    }
}

/// Makes each listed type, a stream with a byte [`Writable`] inside (`as_writable()`), a
/// pipe destination that is that Writable: `readable.pipe(&fd_writable)` as in Node, where
/// every writable stream is a destination.
macro_rules! pipe_into_its_writable {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::stream::readable::PipeDestination for $ty {
            fn emitter(&self) -> ::nodestream_emitter::EventEmitter {
                <_ as $crate::stream::readable::PipeDestination>::emitter(self.as_writable())
            }
            fn write(&self, chunk: &$crate::stream::readable::Chunk) -> bool {
                <_ as $crate::stream::readable::PipeDestination>::write(self.as_writable(), chunk)
            }
            fn write_owned(&self, chunk: $crate::stream::readable::Chunk) -> bool {
                <_ as $crate::stream::readable::PipeDestination>::write_owned(self.as_writable(), chunk)
            }
            fn end(&self) {
                <_ as $crate::stream::readable::PipeDestination>::end(self.as_writable())
            }
            fn need_drain(&self) -> bool {
                <_ as $crate::stream::readable::PipeDestination>::need_drain(self.as_writable())
            }
            fn writable(&self) -> bool {
                <_ as $crate::stream::readable::PipeDestination>::writable(self.as_writable())
            }
            fn error_emitted(&self) -> bool {
                <_ as $crate::stream::readable::PipeDestination>::error_emitted(self.as_writable())
            }
            fn error_or_destroy(&self, err: $crate::Error) {
                <_ as $crate::stream::readable::PipeDestination>::error_or_destroy(self.as_writable(), err)
            }
            fn destroy(&self, err: Option<$crate::Error>) {
                <_ as $crate::stream::readable::PipeDestination>::destroy(self.as_writable(), err)
            }
            fn uncaught(&self, err: $crate::Error) {
                <_ as $crate::stream::readable::PipeDestination>::uncaught(self.as_writable(), err)
            }
        }
    )*};
}
pub(crate) use pipe_into_its_writable;

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use crate::stream::readable::UNPIPE;
    use crate::stream::readable::{Readable, ReadableOptions};
    use crate::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
    use crate::stream::writable::{CLOSE, ERROR, FINISH};
    use crate::{Error, EventLoop};

    type Log = Rc<RefCell<Vec<String>>>;

    /// Collects the bytes and completes at once.
    struct Collect(Log);

    impl Sink for Collect {
        fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
            let text = String::from_utf8_lossy(chunk.as_bytes()).into_owned();
            self.0.borrow_mut().push(format!("_write {text}"));
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

    #[test]
    fn a_typed_writable_is_a_pipe_destination() {
        let lp = EventLoop::new().unwrap();
        let log: Log = Rc::default();
        let w: Writable<Chunk, Collect> =
            Writable::new_typed(&lp.handle(), Collect(log.clone()), WritableOptions::new());
        let l = log.clone();
        w.on(FINISH, move |_| l.borrow_mut().push("finish".into()));
        let src = source(&lp);
        src.pipe(&w);
        src.push("ab");
        src.push("cd");
        src.push(None);
        lp.run().unwrap();
        assert_eq!(*log.borrow(), ["_write ab", "_write cd", "finish"]);
    }

    /// Node (v20): `r.pipe(w); w.emit('error', boom)` with no 'error' listener of the
    /// user's. The pipe's own listener unpipes, then fails `w` through `errorOrDestroy`:
    /// with `autoDestroy: false` the error is emitted again at once, unhandled (node throws
    /// it out of `w.emit`), and `w` stays undestroyed; with `autoDestroy: true` `w` is
    /// destroyed and its 'error' is unhandled a tick later (no 'close'). Node prints:
    ///   false unpipe | false thrown boom | after emit: destroyed false errorEmitted true
    ///   true unpipe | true after emit: destroyed true errorEmitted false | UNCAUGHT boom
    #[test]
    fn error_emitted_on_a_destination_goes_through_error_or_destroy() {
        for auto_destroy in [false, true] {
            let lp = EventLoop::new().unwrap();
            let log: Log = Rc::default();
            let w = Writable::new(
                &lp.handle(),
                Collect(log.clone()),
                WritableOptions::new().auto_destroy(auto_destroy),
            );
            let l = log.clone();
            w.on(UNPIPE, move |_| l.borrow_mut().push("unpipe".into()));
            let l = log.clone();
            w.on(CLOSE, move |_| l.borrow_mut().push("close".into()));
            let src = source(&lp);
            src.pipe(&w);
            w.emit(ERROR, &Error::custom("EBOOM", "boom"));
            log.borrow_mut().push(format!(
                "after emit: destroyed {} error_emitted {}",
                w.destroyed(),
                w.error_emitted()
            ));
            let uncaught = lp.run().unwrap_err();
            log.borrow_mut()
                .push(format!("uncaught {}", uncaught.code()));
            log.borrow_mut().push(format!(
                "later: destroyed {} error_emitted {}",
                w.destroyed(),
                w.error_emitted()
            ));
            let expected = [
                "unpipe".to_string(),
                format!(
                    "after emit: destroyed {auto_destroy} error_emitted {}",
                    !auto_destroy
                ),
                "uncaught EBOOM".into(),
                format!("later: destroyed {auto_destroy} error_emitted true"),
            ];
            assert_eq!(*log.borrow(), expected, "auto_destroy {auto_destroy}");
        }
    }
}
