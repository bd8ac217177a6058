//! Node's `stream.finished(stream[, options], callback)`: be told once when a stream is
//! done — ended, finished, failed or closed early.
//!
//! [`finished`] watches a [`Readable`] for `'end'`, a [`Writable`] (or [`FdWritable`],
//! [`FileWriteStream`](crate::fs::FileWriteStream)) for `'finish'`, and a stream with both sides for both, and calls
//! back once: with `None` when the stream ended well, with its error, or with
//! `ERR_STREAM_PREMATURE_CLOSE` when it closed before its end. The rules are Node's
//! `end-of-stream.js`, under the loop's [`NodeCompat`](crate::compat::NodeCompat) (see
//! [`finished`]'s `# Node compatibility`). The returned [`Cleanup`] removes the
//! listeners the watch added; dropping it leaves them, as Node's do until `cleanup()` is
//! called.
//!
//! # Examples
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//!
//! use nodestream::stream::finished::{finished, FinishedOptions};
//! use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
//! use nodestream::EventLoop;
//!
//! struct Discard;
//! impl Sink for Discard {
//!     fn write(&mut self, _chunk: Chunk, cb: WriteCallback) {
//!         cb.ok();
//!     }
//! }
//!
//! let lp = EventLoop::new()?;
//! let w = Writable::new(&lp.handle(), Discard, WritableOptions::new());
//! let answer = Rc::new(RefCell::new(None));
//! let a = answer.clone();
//! finished(&w, FinishedOptions::new(), move |err| {
//!     *a.borrow_mut() = Some(err.map(|e| e.code().to_string()));
//! });
//! w.write("hello");
//! w.end();
//! lp.run()?;
//! assert_eq!(*answer.borrow(), Some(None)); // finished, no error
//!
//! // A stream destroyed before its end closed prematurely.
//! let w = Writable::new(&lp.handle(), Discard, WritableOptions::new());
//! let a = answer.clone();
//! let cleanup = finished(&w, FinishedOptions::new(), move |err| {
//!     *a.borrow_mut() = Some(err.map(|e| e.code().to_string()));
//! });
//! w.destroy(None);
//! lp.run()?;
//! assert_eq!(*answer.borrow(), Some(Some("ERR_STREAM_PREMATURE_CLOSE".to_string())));
//! cleanup.cleanup(); // the watch's listeners go
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use nodestream_emitter::EventEmitter;

use crate::reactor::LoopHandle;
use crate::stream::duplex::Duplex;
use crate::stream::eos::{
    self, EosCleanup, EosOptions, EosStream, ReadableEos, WeakStream, WritableEos,
};
use crate::stream::readable::Readable;
use crate::stream::transform::Transform;
use crate::stream::writable::{Sink, Writable};
use crate::stream::FdWritable;
use crate::Error;

/// A stream [`finished`] can watch and [`pipeline`](crate::stream::pipeline()) can
/// destroy: [`Readable`], [`Writable`], [`FdWritable`] (the writable side of a socket or
/// a child's stdin), [`FileWriteStream`](crate::fs::FileWriteStream), and with both sides on one emitter [`Duplex`]
/// and [`Transform`] (a PassThrough is a Transform).
///
/// Sealed: the watch reads the stream's internal state.
pub trait Finishable: EosStream {}

/// Options of [`finished`]: Node's `{ readable, writable, error, cleanup }`.
///
/// # Examples
///
/// ```
/// use nodestream::stream::finished::FinishedOptions;
///
/// // Wait for the readable side only, and let an 'error' wait for 'close'.
/// let options = FinishedOptions::new().writable(false).error(false);
/// # let _ = options;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FinishedOptions {
    readable: Option<bool>,
    writable: Option<bool>,
    error: bool,
    cleanup: bool,
}

impl Default for FinishedOptions {
    fn default() -> Self {
        FinishedOptions {
            readable: None,
            writable: None,
            error: true,
            cleanup: false,
        }
    }
}

impl FinishedOptions {
    /// The defaults: wait for each side the stream has, answer at an `'error'`.
    pub fn new() -> FinishedOptions {
        FinishedOptions::default()
    }

    /// Node's `readable`: whether to wait for the readable side's `'end'` (default: if
    /// the stream has a readable side). `false` on a Readable answers without waiting
    /// for `'close'`; `true` on a stream with no readable side waits for its `'close'`.
    pub fn readable(mut self, wait: bool) -> FinishedOptions {
        self.readable = Some(wait);
        self
    }

    /// Node's `writable`: whether to wait for the writable side's `'finish'` (default: if
    /// the stream has a writable side).
    pub fn writable(mut self, wait: bool) -> FinishedOptions {
        self.writable = Some(wait);
        self
    }

    /// Node's `error`: `false` does not answer at `'error'` (the answer comes at the
    /// `'close'` after it, with the same error). Default `true`.
    pub fn error(mut self, answer_at_error: bool) -> FinishedOptions {
        self.error = answer_at_error;
        self
    }

    /// Node's `cleanup` option of `stream/promises.finished`: remove the watch's
    /// listeners once it has answered. Read by
    /// `promises::finished_with` (the `futures` feature) only; the
    /// callback form returns its [`Cleanup`] instead. Default `false`.
    pub fn cleanup(mut self, remove_after_answer: bool) -> FinishedOptions {
        self.cleanup = remove_after_answer;
        self
    }

    /// Whether [`cleanup`](FinishedOptions::cleanup) is set.
    pub fn auto_cleanup(&self) -> bool {
        self.cleanup
    }

    pub(crate) fn eos(&self) -> EosOptions {
        EosOptions {
            readable: self.readable,
            writable: self.writable,
            error: self.error,
        }
    }
}

/// The function Node's `finished` returns: [`cleanup`](Cleanup::cleanup) removes the
/// watch's listeners and drops the callback if it has not run.
///
/// Dropping the handle does neither: the listeners stay on the stream (as Node's stay
/// until `cleanup()` is called) and the callback still runs. The handle keeps nothing
/// alive: once the stream is gone, `cleanup()` does nothing. Clones clean up the same
/// watch.
#[derive(Clone, Debug)]
pub struct Cleanup {
    inner: EosCleanup,
}

impl Cleanup {
    /// Removes the watch's listeners; the callback will not be called if it has not
    /// been. Calling it again does nothing.
    pub fn cleanup(&self) {
        self.inner.cleanup();
    }
}

/// Calls `callback` once `stream` is done: Node's `stream.finished(stream, options,
/// callback)`.
///
/// `callback` gets `None` once each side waited for has ended (`'end'`) or finished
/// (`'finish'`), or at the `'close'` after it when the stream will emit one (auto-destroy
/// and emit-close on); the stream's error at `'error'` (unless [`FinishedOptions::error`]
/// is off), or at `'close'` when the stream failed; `ERR_STREAM_PREMATURE_CLOSE` at a
/// `'close'` before the side's end. A stream already done when the watch starts answers
/// on the next tick. The callback runs at most once, never inside this call, and is
/// dropped after it ran.
///
/// The watch adds its listeners now (`'end'`, `'finish'`, `'error'`, `'close'`: those of
/// the sides the stream has) and leaves them after the answer, as Node does; the
/// returned [`Cleanup`] removes them.
///
/// # Examples
///
/// See the [module](self) docs.
///
/// # Node compatibility
///
/// Under [`NodeCompat::V26`](crate::compat::NodeCompat::V26) (the default), a stream that
/// is already done (closed, errored, or ended on the sides watched) gets its answer from
/// its state at this call, on the next tick, and the watch adds only an `'error'`
/// listener that does nothing (with `error` on); under `V20` the watch adds all its
/// listeners and reads the state on the next tick, so an event in between may answer
/// first. Node adds both an `'end'` and a `'finish'` listener to every stream; here a
/// Readable gets no `'finish'` listener and a Writable no `'end'` one (a stream warns
/// about a listener for an event it never emits), so `listener_count("end")` on a
/// Writable reads one less than Node's.
pub fn finished<S: Finishable>(
    stream: &S,
    options: FinishedOptions,
    callback: impl FnOnce(Option<Error>) + 'static,
) -> Cleanup {
    Cleanup {
        inner: eos::eos(stream, options.eos(), Box::new(callback)),
    }
}

impl<T: 'static> EosStream for Readable<T> {
    fn eos_emitter(&self) -> EventEmitter {
        self.emitter().clone()
    }

    fn eos_loop(&self) -> LoopHandle {
        self.loop_handle().clone()
    }

    fn eos_readable(&self) -> Option<ReadableEos> {
        Some(Readable::eos_readable(self))
    }

    fn eos_writable(&self) -> Option<WritableEos> {
        None
    }

    fn eos_destroy(&self, err: Option<Error>) {
        self.destroy(err);
    }

    fn eos_weak(&self) -> WeakStream {
        let weak = self.downgrade();
        std::rc::Rc::new(move || weak.upgrade().map(|r| Box::new(r) as Box<dyn EosStream>))
    }
}
impl<T: 'static> Finishable for Readable<T> {}

impl<T: 'static, S: Sink<T>> EosStream for Writable<T, S> {
    fn eos_emitter(&self) -> EventEmitter {
        self.emitter().clone()
    }

    fn eos_loop(&self) -> LoopHandle {
        self.loop_handle().clone()
    }

    fn eos_readable(&self) -> Option<ReadableEos> {
        None
    }

    fn eos_writable(&self) -> Option<WritableEos> {
        Some(Writable::eos_writable(self))
    }

    fn eos_destroy(&self, err: Option<Error>) {
        self.destroy(err);
    }

    fn eos_weak(&self) -> WeakStream {
        let weak = self.downgrade();
        std::rc::Rc::new(move || weak.upgrade().map(|w| Box::new(w) as Box<dyn EosStream>))
    }
}
impl<T: 'static, S: Sink<T>> Finishable for Writable<T, S> {}

/// The streams that are a byte [`Writable`] inside (`as_writable()`) are watched and
/// destroyed as that Writable.
/// (The resources' streams, such as `fs::FileWriteStream`, invoke it where they are made:
/// the stream layer does not import the resources.)
macro_rules! finishable_as_its_writable {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::stream::eos::EosStream for $ty {
            fn eos_emitter(&self) -> ::nodestream_emitter::EventEmitter {
                $crate::stream::eos::EosStream::eos_emitter(self.as_writable())
            }
            fn eos_loop(&self) -> $crate::reactor::LoopHandle {
                $crate::stream::eos::EosStream::eos_loop(self.as_writable())
            }
            fn eos_readable(&self) -> Option<$crate::stream::eos::ReadableEos> {
                None
            }
            fn eos_writable(&self) -> Option<$crate::stream::eos::WritableEos> {
                $crate::stream::eos::EosStream::eos_writable(self.as_writable())
            }
            fn eos_destroy(&self, err: Option<$crate::Error>) {
                self.as_writable().destroy(err);
            }
            fn eos_weak(&self) -> $crate::stream::eos::WeakStream {
                $crate::stream::eos::EosStream::eos_weak(self.as_writable())
            }
        }
        impl $crate::stream::finished::Finishable for $ty {}
    )*};
}
pub(crate) use finishable_as_its_writable;

finishable_as_its_writable!(FdWritable);

/// A Duplex is watched on both sides at once, on its one emitter.
impl<R: 'static, W: 'static, S: Sink<W>> EosStream for Duplex<R, W, S> {
    fn eos_emitter(&self) -> EventEmitter {
        self.emitter().clone()
    }

    fn eos_loop(&self) -> LoopHandle {
        self.loop_handle().clone()
    }

    fn eos_readable(&self) -> Option<ReadableEos> {
        Some(self.readable_side().eos_readable())
    }

    fn eos_writable(&self) -> Option<WritableEos> {
        Some(self.writable_side().eos_writable())
    }

    fn eos_destroy(&self, err: Option<Error>) {
        self.destroy(err);
    }

    fn eos_weak(&self) -> WeakStream {
        let r = self.readable_side().downgrade();
        let w = self.writable_side().downgrade();
        std::rc::Rc::new(move || {
            let d = Duplex::from_sides(r.upgrade()?, w.upgrade()?);
            Some(Box::new(d) as Box<dyn EosStream>)
        })
    }
}
impl<R: 'static, W: 'static, S: Sink<W>> Finishable for Duplex<R, W, S> {}

/// A Transform is watched as the Duplex it is.
impl<In: 'static, Out: 'static> EosStream for Transform<In, Out> {
    fn eos_emitter(&self) -> EventEmitter {
        self.as_duplex().eos_emitter()
    }

    fn eos_loop(&self) -> LoopHandle {
        self.as_duplex().eos_loop()
    }

    fn eos_readable(&self) -> Option<ReadableEos> {
        self.as_duplex().eos_readable()
    }

    fn eos_writable(&self) -> Option<WritableEos> {
        EosStream::eos_writable(self.as_duplex())
    }

    fn eos_destroy(&self, err: Option<Error>) {
        self.as_duplex().eos_destroy(err);
    }

    fn eos_weak(&self) -> WeakStream {
        self.as_duplex().eos_weak()
    }
}
impl<In: 'static, Out: 'static> Finishable for Transform<In, Out> {}
