//! Node's `stream.Writable`: the same methods, properties, events and errors, in the same
//! order, on the single-threaded event loop.
//!
//! A [`Writable`] is a cloneable handle to one stream. The data goes into a [`Sink`], the
//! implementation side (Node's `_write`, `_writev`, `_final`, `_destroy`); Node's
//! `_construct` is given where the stream is made ([`Writable::new_with_construct`]).
//! Everything Node defers with `process.nextTick` is deferred with
//! [`LoopHandle::next_tick`], so a program run with [`EventLoop::run`] sees Node's order
//! of callbacks and events; see `docs/writable.md` for the design and the few places
//! where Rust forces a difference.
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::{Rc, Weak};
//! use nodestream::events::{FINISH, CLOSE};
//! use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
//! use nodestream::EventLoop;
//!
//! struct Collect(Rc<RefCell<Vec<u8>>>);
//! impl Sink for Collect {
//!     fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
//!         self.0.borrow_mut().extend_from_slice(chunk.as_bytes());
//!         cb.ok();
//!     }
//! }
//!
//! let lp = EventLoop::new().unwrap();
//! let out = Rc::new(RefCell::new(Vec::new()));
//! let events = Rc::new(RefCell::new(Vec::new()));
//! let w = Writable::new(&lp.handle(), Collect(out.clone()), WritableOptions::new());
//! let e = events.clone();
//! w.on(FINISH, move |_| e.borrow_mut().push("finish"));
//! let e = events.clone();
//! w.on(CLOSE, move |_| e.borrow_mut().push("close"));
//!
//! assert!(w.write("hello "));
//! w.end_with("world");
//! lp.run().unwrap();
//! assert_eq!(&*out.borrow(), b"hello world");
//! assert_eq!(*events.borrow(), ["finish", "close"]);
//! ```
//!
//! [`EventLoop::run`]: crate::EventLoop::run

mod buffer;
mod callbacks;
mod chunk;
mod clear_buffer;
mod construct;
mod destroy;
mod duplex_side;
mod eos_state;
mod finish;
mod machine;
mod options;
#[cfg(test)]
mod relieve_tests;
mod sink;
mod state;
#[cfg(test)]
mod tests;
mod write;

use std::fmt;
use std::rc::{Rc, Weak};

use nodestream_emitter::{names, Event, EventDecl, EventEmitter, IntoEvent, ListenerId};

use crate::stream::readable::{PIPE, UNPIPE};

use crate::error::Error;
use crate::reactor::LoopHandle;
use crate::stream::encoding::Encoding;

pub(crate) use callbacks::Kept;
pub use callbacks::{
    ConstructCallback, DestroyCallback, FinalCallback, UserCallback, WriteCallback,
};
pub use chunk::{Chunk, WriteInput};
pub(crate) use construct::boxed_with_construct;
pub(crate) use machine::ConstructStep;
pub use options::{WritableOptions, DEFAULT_HIGH_WATER_MARK, DEFAULT_OBJECT_HIGH_WATER_MARK};
pub use sink::Sink;

use machine::Inner;
use state::*;

pub use super::lifecycle::{CLOSE, ERROR};

/// `'drain'`: a `write` returned `false` and everything accepted since has been written.
pub const DRAIN: Event<()> = Event::new(names::DRAIN);
/// `'prefinish'`: every write is done and `_final` has completed; `'finish'` follows.
pub const PREFINISH: Event<()> = Event::new(names::PREFINISH);
/// `'finish'`: `end()` was called and every write (and `_final`) completed.
pub const FINISH: Event<()> = Event::new(names::FINISH);

/// The events a Writable emits, with their payload types: a listener of another type for
/// one of them is refused when it is added (see
/// [`EventEmitter::declare_events`](crate::events::EventEmitter::declare_events)).
pub(crate) const EVENTS: [EventDecl; 8] = [
    DRAIN.declared(),
    PREFINISH.declared(),
    FINISH.declared(),
    CLOSE.declared(),
    ERROR.declared(),
    PIPE.declared(),
    UNPIPE.declared(),
    // Node's legacy `Stream.prototype.pipe` announces itself with the old-style source.
    EventDecl::new::<crate::stream::legacy::LegacyStream>(names::PIPE),
];

/// The events a Writable of `T` emits beside [`EVENTS`]: `'pipe'` and `'unpipe'` from a
/// typed Readable of `T` piping into it.
pub(crate) struct Declared<T>(std::marker::PhantomData<T>);

impl<T: 'static> Declared<T> {
    pub(crate) const TYPED_PIPE: [EventDecl; 2] = [
        crate::stream::readable::pipe_event::<T>().declared(),
        crate::stream::readable::unpipe_event::<T>().declared(),
    ];
    pub(crate) const TABLES: &'static [&'static [EventDecl]] = &[&EVENTS, &Self::TYPED_PIPE];
}

/// A writable stream with Node's behaviour (v26's by default, v20's on a loop built with
/// [`NodeCompat::V20`](crate::compat::NodeCompat::V20)): a cloneable, `!Send` handle.
///
/// `T` is the chunk type: [`Chunk`] for byte streams (made with [`Writable::new`]), or
/// any type for object streams (made with [`Writable::new_object`]).
///
/// `S` is the sink's type: by default `Box<dyn Sink<T>>`, so that streams over different
/// sinks share one type. [`Writable::new_typed`] and [`Writable::new_object_typed`] keep
/// the sink's own type instead, which lets the compiler inline the sink's `write` and its
/// completion into [`write`](Writable::write): the fastest path for a sink that completes
/// synchronously.
///
/// # Events
///
/// `'drain'` ([`DRAIN`]), `'prefinish'`, `'finish'`, `'close'`,
/// `'error'` (payload [`Error`]; at most one per stream), and any event a user emits
/// through [`emitter`](Writable::emitter). `'pipe'`/`'unpipe'` are emitted by the pipe
/// layer, `'open'`/`'ready'` by file streams.
///
/// An `'error'` with no listener is handed to the loop
/// ([`LoopHandle::report_error`](crate::LoopHandle::report_error)), so `run()` returns it,
/// as an uncaught exception ends a Node program; the `'close'` of that tick is then not
/// emitted, as in Node.
///
/// # Panics
///
/// A listener or callback that panics is one that throws: the panic goes on to whoever
/// called into the stream (the loop's `run()`, or a method called from outside it), once,
/// and the listeners after it in that emit do not run, as in Node. What the stream owed
/// after it still happens, before anything queued meanwhile: the other end callbacks,
/// `'finish'` and the auto-destroy after `'finish'`, `'close'` after `'error'`, and so on.
/// For the sink's methods, see [`Sink`].
///
/// ```compile_fail
/// fn needs_send<T: Send>() {}
/// needs_send::<nodestream::stream::writable::Writable>();
/// ```
pub struct Writable<T: 'static = Chunk, S: Sink<T> = Box<dyn Sink<T>>> {
    inner: Rc<Inner<T, S>>,
}

impl<T: 'static, S: Sink<T>> Clone for Writable<T, S> {
    fn clone(&self) -> Self {
        Writable {
            inner: self.inner.clone(),
        }
    }
}

/// A handle that does not keep its [`Writable`] alive: for a sink, a listener or a timer
/// that must reach the stream without owning it (a sink owned by its stream would
/// otherwise make a cycle).
///
/// # Examples
///
/// ```
/// use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
/// use nodestream::EventLoop;
///
/// struct Discard;
/// impl Sink for Discard {
///     fn write(&mut self, _chunk: Chunk, cb: WriteCallback) {
///         cb.ok();
///     }
/// }
///
/// let lp = EventLoop::new().unwrap();
/// let w = Writable::new(&lp.handle(), Discard, WritableOptions::new());
/// let weak = w.downgrade();
/// assert!(weak.upgrade().is_some_and(|again| again == w));
/// drop(w);
/// assert!(weak.upgrade().is_none());
/// ```
pub struct WeakWritable<T: 'static = Chunk, S: Sink<T> = Box<dyn Sink<T>>> {
    inner: Weak<Inner<T, S>>,
}

impl<T: 'static, S: Sink<T>> WeakWritable<T, S> {
    /// The stream, if any strong handle to it is still alive.
    pub fn upgrade(&self) -> Option<Writable<T, S>> {
        self.inner.upgrade().map(|inner| Writable { inner })
    }
}

impl<T: 'static, S: Sink<T>> Clone for WeakWritable<T, S> {
    fn clone(&self) -> Self {
        WeakWritable {
            inner: self.inner.clone(),
        }
    }
}

impl<T: 'static, S: Sink<T>> fmt::Debug for WeakWritable<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakWritable")
            .field("alive", &(self.inner.strong_count() > 0))
            .finish()
    }
}

impl<T: 'static, S: Sink<T>> PartialEq for Writable<T, S> {
    /// Whether both handles are the same stream.
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl<T: 'static, S: Sink<T>> Eq for Writable<T, S> {}

impl<T: 'static, S: Sink<T>> fmt::Debug for Writable<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = &self.inner.state;
        f.debug_struct("Writable")
            .field("length", &st.length())
            .field("high_water_mark", &st.high_water_mark)
            .field("ending", &st.has(ENDING))
            .field("finished", &st.has(FINISHED))
            .field("destroyed", &st.has(DESTROYED))
            .field("errored", &st.errored())
            .finish()
    }
}

impl<S: Sink<Chunk>> Writable<Chunk, S> {
    /// Writes a string in `encoding`: Node's `write(string, encoding)`.
    ///
    /// # Errors
    ///
    /// None here: an unknown encoding name is refused earlier, by
    /// [`Encoding::from_name`] (Node's synchronous `ERR_UNKNOWN_ENCODING` throw).
    pub fn write_str(&self, s: &str, encoding: Encoding) -> bool {
        let chunk = self.string_chunk(s, encoding);
        self.write_chunk(chunk, None)
    }

    /// [`write_str`](Writable::write_str) with a callback.
    pub fn write_str_cb(
        &self,
        s: &str,
        encoding: Encoding,
        cb: impl FnOnce(Option<Error>) + 'static,
    ) -> bool {
        let chunk = self.string_chunk(s, encoding);
        self.write_chunk(chunk, Some(Box::new(cb)))
    }

    /// Ends with a last string in `encoding`: Node's `end(string, encoding)`.
    pub fn end_str(&self, s: &str, encoding: Encoding) {
        let chunk = self.string_chunk(s, encoding);
        Inner::end(&self.inner, Some(chunk), None);
    }

    /// [`end_str`](Writable::end_str) with a callback, as the other `*_cb` forms: Node's
    /// `end(string, encoding, cb)`.
    pub fn end_str_cb(
        &self,
        s: &str,
        encoding: Encoding,
        cb: impl FnOnce(Option<Error>) + 'static,
    ) {
        let chunk = self.string_chunk(s, encoding);
        Inner::end(&self.inner, Some(chunk), Some(Box::new(cb)));
    }

    fn string_chunk(&self, s: &str, encoding: Encoding) -> Chunk {
        chunk::string_chunk(s, encoding, self.inner.decode_strings)
    }
}

impl<S: Sink<Chunk>> Writable<Chunk, S> {
    /// Whether the stream is handing its buffer to the sink (inside Node's `clearBuffer`):
    /// a sink call made now carries buffered writes, not a new `write()`.
    pub(crate) fn is_clearing_buffer(&self) -> bool {
        self.inner.state.has(BUFFER_PROCESSING)
    }

    /// Lends `f` the bytes of the writes waiting in the buffer, in order, when the
    /// completion of the write in flight will hand them to the sink at once (Node's
    /// `clearBuffer` will run: not corked, destroyed or already clearing, and something is
    /// buffered); `None` otherwise. The bytes stop before the first string chunk (the sink
    /// encodes those itself). No user code runs while `f` has them.
    ///
    /// A sink uses this to write the buffered chunks together with the write in flight
    /// (one system call instead of two); they still reach it, and complete, as the next
    /// batch, which then finds its bytes written already.
    pub(crate) fn with_buffered_bytes<R>(
        &self,
        f: impl FnOnce(BufferedBytes<'_>) -> R,
    ) -> Option<R> {
        let st = &self.inner.state;
        if st.flags() & (DESTROYED | BUFFER_PROCESSING | CORKED | BUFFERED | CONSTRUCTED)
            != (BUFFERED | CONSTRUCTED)
        {
            return None;
        }
        let buffered = st.buffered.try_borrow().ok()?;
        if buffered.is_empty() {
            return None;
        }
        Some(f(BufferedBytes {
            entries: Some(buffered.iter()),
        }))
    }
}

/// The bytes of the buffered writes, in order, up to the first string chunk: what
/// [`Writable::with_buffered_bytes`] lends. A concrete type, so that the sink's loop over
/// it inlines (one indirect call per chunk cost more than the rest of the loop).
pub(crate) struct BufferedBytes<'a> {
    /// `None` once a string chunk was met: nothing after it is lent.
    entries: Option<std::collections::vec_deque::Iter<'a, buffer::Entry<Chunk>>>,
}

impl<'a> Iterator for BufferedBytes<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let entry = self.entries.as_mut()?.next()?;
        if entry.chunk.is_string() {
            self.entries = None;
            return None;
        }
        Some(entry.chunk.as_bytes())
    }
}

impl<T: 'static, S: Sink<T>> Writable<T, S> {
    #[inline]
    fn convert<I: WriteInput<T>>(&self, chunk: I) -> T {
        chunk.into_chunk(self.inner.default_encoding.get(), self.inner.decode_strings)
    }

    #[inline]
    fn write_chunk(&self, chunk: T, cb: Option<UserCallback>) -> bool {
        Inner::write(&self.inner, chunk, cb).unwrap_or(false)
    }

    /// Writes a chunk: Node's `write(chunk)`. Returns `false` once the buffered length
    /// reaches the high-water mark (wait for `'drain'`), and after end, destroy or an
    /// error.
    ///
    /// # Events
    ///
    /// After `end()`: the write is refused, `ERR_STREAM_WRITE_AFTER_END` goes through the
    /// error path (`'error'`, `'close'`). After `destroy()`: refused, no event.
    ///
    /// # Node compatibility
    ///
    /// Node throws synchronously for a null chunk, a chunk of the wrong type and an
    /// unknown encoding; here the types rule out the first two and
    /// [`Encoding::from_name`] reports the third.
    #[inline]
    pub fn write<I: WriteInput<T>>(&self, chunk: I) -> bool {
        let chunk = self.convert(chunk);
        self.write_chunk(chunk, None)
    }

    /// Writes a chunk with a callback, called with `None` once the sink has taken it, or
    /// with the error that refused or failed it: Node's `write(chunk, cb)`.
    ///
    /// The callback runs on the next tick when the sink completes synchronously, and
    /// inside the completion when it completes later, as in Node.
    pub fn write_cb<I: WriteInput<T>>(
        &self,
        chunk: I,
        cb: impl FnOnce(Option<Error>) + 'static,
    ) -> bool {
        let chunk = self.convert(chunk);
        self.write_chunk(chunk, Some(Box::new(cb)))
    }

    /// Ends the stream: no more writes; `'finish'` once every write is done.
    ///
    /// # Events
    ///
    /// `'prefinish'` (synchronously here when the stream is idle and has no `_final`),
    /// then on a later tick `'finish'`, then (with `auto_destroy`) `'close'`.
    pub fn end(&self) {
        Inner::end(&self.inner, None, None);
    }

    /// [`end`](Writable::end) with a callback, called just before the `'finish'`
    /// listeners (with `None`), or with the error that prevented finishing
    /// (`ERR_STREAM_ALREADY_FINISHED`, `ERR_STREAM_DESTROYED`, the stream's error).
    ///
    /// # Node compatibility
    ///
    /// As in Node v20, on a stream destroyed without an error the callback is never
    /// called.
    pub fn end_cb(&self, cb: impl FnOnce(Option<Error>) + 'static) {
        Inner::end(&self.inner, None, Some(Box::new(cb)));
    }

    /// Writes a last chunk, then ends: Node's `end(chunk)`.
    pub fn end_with<I: WriteInput<T>>(&self, chunk: I) {
        let chunk = self.convert(chunk);
        Inner::end(&self.inner, Some(chunk), None);
    }

    /// Writes a last chunk, then ends, with a callback: Node's `end(chunk, cb)`.
    pub fn end_with_cb<I: WriteInput<T>>(
        &self,
        chunk: I,
        cb: impl FnOnce(Option<Error>) + 'static,
    ) {
        let chunk = self.convert(chunk);
        Inner::end(&self.inner, Some(chunk), Some(Box::new(cb)));
    }

    /// Buffers every write until the matching [`uncork`](Writable::uncork) (counted).
    pub fn cork(&self) {
        Inner::cork(&self.inner);
    }

    /// Undoes one [`cork`](Writable::cork); at zero, flushes the buffer synchronously
    /// (in one `_writev` when the sink has one and two or more chunks wait).
    pub fn uncork(&self) {
        Inner::uncork(&self.inner);
    }

    /// Sets the encoding of strings written without one, by Node's name
    /// (case-insensitive).
    ///
    /// # Errors
    ///
    /// `ERR_UNKNOWN_ENCODING` for a name Node does not know; the stream is unchanged.
    pub fn set_default_encoding(&self, name: &str) -> Result<(), Error> {
        let enc = Encoding::from_name(name)?;
        self.inner.default_encoding.set(enc);
        Ok(())
    }

    /// Destroys the stream, with an optional error: no more writes, buffered writes fail
    /// with the error (or `ERR_STREAM_DESTROYED`), the sink's `_destroy` runs.
    ///
    /// # Events
    ///
    /// On the tick after `_destroy` completes: `'error'` (when there is an error and none
    /// was emitted yet), then `'close'`. Never `'finish'` or `'drain'` afterwards. A
    /// second `destroy` does nothing (its error is dropped).
    pub fn destroy(&self, err: Option<Error>) {
        Inner::destroy(&self.inner, err, None);
    }

    /// [`destroy`](Writable::destroy) with a callback, called when `_destroy` completes
    /// (at once, with `None`, if the stream was already destroyed).
    pub fn destroy_cb(&self, err: Option<Error>, cb: impl FnOnce(Option<Error>) + 'static) {
        Inner::destroy(&self.inner, err, Some(Box::new(cb)));
    }

    /// Ends the stream and destroys it once it has finished: pending writes are flushed
    /// first (net.Socket's `destroySoon`).
    ///
    /// # Events
    ///
    /// `'finish'`, then `'close'`.
    pub fn destroy_soon(&self) {
        if self.writable() {
            self.end();
        }
        if self.writable_finished() {
            self.destroy(None);
        } else {
            let weak = Rc::downgrade(&self.inner);
            self.inner.emitter.once(FINISH, move |_| {
                if let Some(inner) = weak.upgrade() {
                    Inner::destroy(&inner, None, None);
                }
            });
        }
    }

    // ----- properties -------------------------------------------------------------------

    /// `true` until `end()`, `destroy()` or an error.
    pub fn writable(&self) -> bool {
        self.inner.state.writable()
    }

    /// Whether `end()` has been called (Node's `writableEnded`).
    pub fn writable_ended(&self) -> bool {
        self.inner.state.has(ENDING)
    }

    /// Whether `'finish'` has been (or is being) emitted.
    pub fn writable_finished(&self) -> bool {
        self.inner.state.has(FINISHED)
    }

    /// Bytes (or chunks) accepted and not yet completed by the sink, the one in flight
    /// included.
    pub fn writable_length(&self) -> usize {
        self.inner.state.length()
    }

    /// The high-water mark.
    pub fn writable_high_water_mark(&self) -> usize {
        self.inner.state.high_water_mark
    }

    /// Whether a `'drain'` is owed: a write returned `false` and the stream is neither
    /// ending nor destroyed.
    pub fn writable_need_drain(&self) -> bool {
        self.inner.state.flags() & (DESTROYED | ENDING | NEED_DRAIN) == NEED_DRAIN
    }

    /// How many [`cork`](Writable::cork)s are in force.
    pub fn writable_corked(&self) -> usize {
        self.inner.state.corked.get()
    }

    /// Whether the stream counts chunks rather than bytes.
    pub fn writable_object_mode(&self) -> bool {
        self.inner.state.has(OBJECT_MODE)
    }

    /// How many writes wait in the buffer (not counting the one in flight): the length
    /// of Node's `writableBuffer`.
    ///
    /// # Node compatibility
    ///
    /// Inside a `_write`/`_writev` that the buffer's clearing dispatched, Node's
    /// `writableBuffer` still holds the chunks being written until the clearing returns;
    /// this count has already let them go, so it reads that many less there (conformance
    /// scenarios `ww02`, `ww04`). Everywhere else the two agree.
    pub fn writable_buffer_len(&self) -> usize {
        self.inner.state.buffered.borrow().len()
    }

    /// Clones of the buffered chunks, in order (Node's `writableBuffer`).
    pub fn writable_buffer(&self) -> Vec<T>
    where
        T: Clone,
    {
        let buffered = self.inner.state.buffered.borrow();
        buffered.iter().map(|e| e.chunk.clone()).collect()
    }

    /// Whether the stream was destroyed or errored before it finished.
    pub fn writable_aborted(&self) -> bool {
        let st = &self.inner.state;
        !st.has(WRITABLE_OFF) && st.has(DESTROYED | ERRORED) && !st.has(FINISHED)
    }

    /// Whether `destroy()` has been called.
    pub fn destroyed(&self) -> bool {
        self.inner.state.has(DESTROYED)
    }

    /// The stream's first error, if any.
    pub fn errored(&self) -> Option<Error> {
        self.inner.state.errored()
    }

    /// Whether the stream has emitted its `'error'` event: Node's
    /// `writableState.errorEmitted`.
    ///
    /// [`errored`](Writable::errored) is set as soon as the error is recorded; this turns
    /// `true` only once `'error'` has been emitted (a tick or more later), so code that sees
    /// an `'error'` it did not expect can tell whether it came from the stream itself.
    pub fn error_emitted(&self) -> bool {
        self.inner.state.has(ERROR_EMITTED)
    }

    /// Fails the stream with `err` as Node's internal `errorOrDestroy(stream, err)` does:
    /// the way for code outside the sink (such as [`pipe`](crate::stream::readable::Readable::pipe)
    /// when someone emitted `'error'` on this stream directly) to put the stream into its
    /// error state.
    ///
    /// Nothing happens if the stream is already destroyed.
    ///
    /// # Events
    ///
    /// With `auto_destroy` (the default), as [`destroy`](Writable::destroy) with `err`:
    /// `'error'` then `'close'`, on later ticks. With `auto_destroy: false`, the error is
    /// recorded ([`errored`](Writable::errored)) and `'error'` is emitted at once,
    /// synchronously, unless one was emitted already; the stream is not destroyed and no
    /// `'close'` follows. An `'error'` nobody listens to goes to the loop as uncaught.
    pub fn error_or_destroy(&self, err: Error) {
        Inner::error_or_destroy(&self.inner, err, false);
    }

    /// Whether `_destroy` has completed (true even with `emit_close: false`).
    pub fn closed(&self) -> bool {
        self.inner.state.has(CLOSED)
    }

    /// Node's `closeEmitted`: the stream reached its `'close'` (emitted unless
    /// `emit_close: false`). Stays `false` when the `'error'` before it went uncaught.
    pub(crate) fn close_emitted(&self) -> bool {
        self.inner.state.has(CLOSE_EMITTED)
    }

    /// The default encoding for strings.
    pub fn default_encoding(&self) -> Encoding {
        self.inner.default_encoding.get()
    }

    /// A handle that does not keep the stream alive.
    pub fn downgrade(&self) -> WeakWritable<T, S> {
        WeakWritable {
            inner: Rc::downgrade(&self.inner),
        }
    }

    // ----- events -----------------------------------------------------------------------

    /// The stream's emitter (a handle to the same listeners).
    pub fn emitter(&self) -> EventEmitter {
        self.inner.emitter.clone()
    }

    /// The loop the stream runs on.
    pub fn loop_handle(&self) -> LoopHandle {
        self.inner.lp.clone()
    }

    /// Sets the crate's own hook of a sink that holds writes back on purpose (the fd
    /// streams): see `Inner::relieve`. Set once, right after the stream is made.
    pub(crate) fn set_relieve(&self, hook: impl Fn() + 'static) {
        let first = self.inner.relieve.set(Box::new(hook)).is_ok();
        debug_assert!(first, "the relieve hook is set once");
    }

    /// The library's hooks on this stream's error and closing (see
    /// [`Hooks`](crate::stream::lifecycle::Hooks)).
    pub(crate) fn hooks(&self) -> &crate::stream::lifecycle::Hooks {
        &self.inner.hooks
    }

    /// Adds a listener: Node's `on`.
    pub fn on<P: 'static, E: IntoEvent<P>>(
        &self,
        event: E,
        listener: impl Fn(&P) + 'static,
    ) -> ListenerId {
        self.inner.emitter.on(event, listener)
    }

    /// Adds a listener that runs once: Node's `once`.
    pub fn once<P: 'static, E: IntoEvent<P>>(
        &self,
        event: E,
        listener: impl Fn(&P) + 'static,
    ) -> ListenerId {
        self.inner.emitter.once(event, listener)
    }

    /// Adds a listener at the front: Node's `prependListener`.
    pub fn prepend_listener<P: 'static, E: IntoEvent<P>>(
        &self,
        event: E,
        listener: impl Fn(&P) + 'static,
    ) -> ListenerId {
        self.inner.emitter.prepend_listener(event, listener)
    }

    /// Removes a listener: Node's `off`.
    pub fn off(&self, id: ListenerId) -> bool {
        self.inner.emitter.off(id)
    }

    /// Removes every listener of `event`, or of every event: Node's
    /// `removeAllListeners([event])`.
    pub fn remove_all_listeners(&self, event: Option<&str>) {
        self.inner.emitter.remove_all_listeners(event);
    }

    /// The number of listeners of `event`: Node's `listenerCount(event)`.
    pub fn listener_count(&self, event: &str) -> usize {
        self.inner.emitter.listener_count(event)
    }

    /// Emits an event on the stream's emitter: Node's `emit`.
    pub fn emit<P: 'static, E: IntoEvent<P>>(&self, event: E, payload: &P) -> bool {
        self.inner.emitter.emit(event, payload)
    }

    /// Whether two handles name the same stream.
    pub fn ptr_eq(&self, other: &Writable<T, S>) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}
