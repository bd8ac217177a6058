//! How a Writable is made: Node's `new Writable(options)`, with or without a `_construct`
//! step.
//!
//! Node's `_construct` changes the stream from its first tick: without it, a write made
//! right after the constructor reaches `_write` at once; with it, writes wait in the buffer
//! until it calls back (it runs on the next tick). So it must be known when the stream is
//! made, and it is given there, as an argument of the `*_with_construct` constructors,
//! rather than found later on the sink: there is nothing to declare and nothing to forget.
//! The step is a closure called once, on the next tick, with the sink (`this` in Node) and
//! the completion token.

use std::panic::{self, AssertUnwindSafe};

use nodestream_emitter::EventEmitter;

use crate::error::Error;
use crate::reactor::LoopHandle;
use crate::stream::encoding::Encoding;

use super::callbacks::{ConstructCallback, WriteCallback};
use super::machine::{ConstructStep, Inner};
use super::sink::Sink;
use super::state::*;
use super::{Chunk, Writable, WritableOptions};

fn initial_flags(opts: &WritableOptions, object_mode: bool) -> u32 {
    let mut flags = CONSTRUCTED;
    if object_mode {
        flags |= OBJECT_MODE;
    }
    if opts.decode_strings {
        flags |= DECODE_STRINGS;
    }
    if opts.emit_close {
        flags |= EMIT_CLOSE;
    }
    if opts.auto_destroy {
        flags |= AUTO_DESTROY;
    }
    flags
}

fn default_encoding(opts: &WritableOptions) -> Encoding {
    match opts.default_encoding {
        Encoding::Buffer => Encoding::Utf8,
        e => e,
    }
}

impl<T: 'static, S: Sink<T>> Writable<T, S> {
    /// What every constructor comes to.
    fn make(
        lp: &LoopHandle,
        sink: S,
        opts: WritableOptions,
        construct: Option<ConstructStep<S>>,
    ) -> Self {
        let emitter = EventEmitter::new();
        emitter.declare_events(super::Declared::<T>::TABLES);
        Writable::make_on(lp, sink, opts, construct, emitter)
    }

    /// [`make`](Writable::make) on a given emitter (a Duplex's, shared with its readable
    /// side, which declares the events of both).
    fn make_on(
        lp: &LoopHandle,
        sink: S,
        opts: WritableOptions,
        construct: Option<ConstructStep<S>>,
        emitter: EventEmitter,
    ) -> Self {
        let state = State::new(
            initial_flags(&opts, opts.object_mode),
            opts.effective_high_water_mark(lp.compat()),
        );
        Writable {
            inner: Inner::new(
                lp.clone(),
                sink,
                state,
                default_encoding(&opts),
                construct,
                emitter,
            ),
        }
    }

    /// A byte stream on a given emitter (see [`make_on`](Writable::make_on)).
    pub(crate) fn new_on_emitter(
        lp: &LoopHandle,
        sink: S,
        opts: WritableOptions,
        emitter: EventEmitter,
    ) -> Self {
        Writable::make_on(lp, sink, opts, None, emitter)
    }

    /// The writable side of a Duplex: a stream of `T` (in object mode unless `T` is
    /// [`Chunk`]) on the Duplex's emitter, with Node's `_construct` if given.
    pub(crate) fn new_side(
        lp: &LoopHandle,
        sink: S,
        opts: WritableOptions,
        emitter: EventEmitter,
        construct: Option<ConstructStep<S>>,
    ) -> Self {
        // The writable side's own byte chunk (not the readable side's).
        let bytes = std::any::TypeId::of::<T>() == std::any::TypeId::of::<Chunk>();
        let object_mode = opts.object_mode || !bytes;
        Writable::make_on(lp, sink, opts.object_mode(object_mode), construct, emitter)
    }
}

/// The sink of the common `Writable<T>`.
type BoxedSink<T> = Box<dyn Sink<T>>;

/// Boxes `sink` for the common `Writable<T>`, with a construct step that still reaches
/// the sink by its own type.
///
/// The box holds a stand-in until the step runs: the step owns the sink until then, lends
/// it to `construct`, and puts it in the box (a panicking `construct` included, so that
/// `_destroy` still finds it). Nothing calls into the sink before: writes wait for
/// `_construct`, and so do `end()`'s `_final` and `destroy()`'s `_destroy`.
pub(crate) fn boxed_with_construct<T: 'static, S: Sink<T>>(
    sink: S,
    construct: impl FnOnce(&mut S, ConstructCallback) + 'static,
) -> (BoxedSink<T>, ConstructStep<BoxedSink<T>>) {
    let step = move |slot: &mut BoxedSink<T>, cb: ConstructCallback| {
        let mut sink = sink;
        let done = panic::catch_unwind(AssertUnwindSafe(|| construct(&mut sink, cb)));
        *slot = Box::new(sink);
        if let Err(payload) = done {
            panic::resume_unwind(payload);
        }
    };
    (Box::new(Unconstructed), Box::new(step))
}

/// The stand-in of [`boxed_with_construct`]: never called, since the stream calls into
/// its sink only once `_construct` has called back. Should that change, a write fails
/// rather than vanish.
struct Unconstructed;

impl<T: 'static> Sink<T> for Unconstructed {
    fn write(&mut self, _chunk: T, cb: WriteCallback) {
        cb.error(Error::custom(
            "ERR_INTERNAL_ASSERTION",
            "A write reached a stream whose _construct had not run",
        ));
    }
}

impl Writable<Chunk> {
    /// [`Writable::new`] on a given emitter (a socket's, shared by its two sides).
    pub(crate) fn new_on(
        lp: &LoopHandle,
        sink: impl Sink<Chunk>,
        opts: WritableOptions,
        emitter: EventEmitter,
    ) -> Self {
        let sink: Box<dyn Sink<Chunk>> = Box::new(sink);
        Writable::new_on_emitter(lp, sink, opts, emitter)
    }

    /// A byte stream writing into `sink`, on the loop of `lp`: Node's
    /// `new Writable(options)` without `construct`.
    ///
    /// With `opts.object_mode`, the stream counts chunks instead of bytes.
    pub fn new(lp: &LoopHandle, sink: impl Sink<Chunk>, opts: WritableOptions) -> Self {
        let sink: Box<dyn Sink<Chunk>> = Box::new(sink);
        Writable::make(lp, sink, opts, None)
    }

    /// [`Writable::new`] with Node's `_construct`: `construct` is called once, on the next
    /// tick, with the sink and a [`ConstructCallback`]; writes (and `end()`'s `_final`,
    /// and `destroy()`'s `_destroy`) wait until it calls back. An error given to the
    /// callback destroys the stream with it.
    ///
    /// # Events
    ///
    /// Those of Node's stream with `construct`: nothing until the step calls back; after a
    /// failure, `'error'` then `'close'`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
    /// use nodestream::EventLoop;
    ///
    /// /// Lines go to `out` once the header is in place.
    /// struct Log {
    ///     out: Rc<RefCell<Vec<String>>>,
    /// }
    /// impl Sink for Log {
    ///     fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
    ///         self.out.borrow_mut().push(String::from_utf8_lossy(chunk.as_bytes()).into());
    ///         cb.ok();
    ///     }
    /// }
    ///
    /// let lp = EventLoop::new().unwrap();
    /// let out = Rc::new(RefCell::new(Vec::new()));
    /// let w = Writable::new_with_construct(
    ///     &lp.handle(),
    ///     Log { out: out.clone() },
    ///     WritableOptions::new(),
    ///     |log: &mut Log, cb| {
    ///         log.out.borrow_mut().push("header".into());
    ///         cb.ok();
    ///     },
    /// );
    /// // Made before the step ran: the write waits for it.
    /// w.write("first");
    /// assert!(out.borrow().is_empty());
    /// lp.run().unwrap();
    /// assert_eq!(*out.borrow(), ["header", "first"]);
    /// ```
    pub fn new_with_construct<S: Sink<Chunk>>(
        lp: &LoopHandle,
        sink: S,
        opts: WritableOptions,
        construct: impl FnOnce(&mut S, ConstructCallback) + 'static,
    ) -> Self {
        let (sink, step) = boxed_with_construct(sink, construct);
        Writable::make(lp, sink, opts, Some(step))
    }
}

impl<S: Sink<Chunk>> Writable<Chunk, S> {
    /// [`Writable::new`] keeping the sink's type in the handle's: calls into the sink
    /// are static, and a sink's `write` that completes at once (marked `#[inline]`, so
    /// that it inlines across codegen units) inlines into [`write`](Writable::write).
    /// The handle's type is then `Writable<Chunk, S>` rather than the common `Writable`.
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
    /// let w: Writable<Chunk, Discard> =
    ///     Writable::new_typed(&lp.handle(), Discard, WritableOptions::new());
    /// assert!(w.write(&b"abc"[..]));
    /// assert_eq!(w.writable_length(), 0);
    /// ```
    pub fn new_typed(lp: &LoopHandle, sink: S, opts: WritableOptions) -> Self {
        Writable::make(lp, sink, opts, None)
    }

    /// [`Writable::new_typed`] with Node's `_construct` (see
    /// [`new_with_construct`](Writable::new_with_construct)).
    pub fn new_typed_with_construct(
        lp: &LoopHandle,
        sink: S,
        opts: WritableOptions,
        construct: impl FnOnce(&mut S, ConstructCallback) + 'static,
    ) -> Self {
        Writable::make(lp, sink, opts, Some(Box::new(construct)))
    }
}

impl<T: 'static> Writable<T> {
    /// An object-mode stream of `T` writing into `sink`: each chunk counts as one toward
    /// the high-water mark (default 16).
    pub fn new_object(lp: &LoopHandle, sink: impl Sink<T>, opts: WritableOptions) -> Self {
        let sink: Box<dyn Sink<T>> = Box::new(sink);
        Writable::make(lp, sink, opts.object_mode(true), None)
    }

    /// [`Writable::new_object`] with Node's `_construct` (see
    /// [`new_with_construct`](Writable::new_with_construct)).
    pub fn new_object_with_construct<S: Sink<T>>(
        lp: &LoopHandle,
        sink: S,
        opts: WritableOptions,
        construct: impl FnOnce(&mut S, ConstructCallback) + 'static,
    ) -> Self {
        let (sink, step) = boxed_with_construct(sink, construct);
        Writable::make(lp, sink, opts.object_mode(true), Some(step))
    }
}

impl<T: 'static, S: Sink<T>> Writable<T, S> {
    /// [`Writable::new_object`] keeping the sink's type (see
    /// [`new_typed`](Writable::new_typed)).
    pub fn new_object_typed(lp: &LoopHandle, sink: S, opts: WritableOptions) -> Self {
        Writable::make(lp, sink, opts.object_mode(true), None)
    }

    /// [`Writable::new_object_typed`] with Node's `_construct` (see
    /// [`new_with_construct`](Writable::new_with_construct)).
    pub fn new_object_typed_with_construct(
        lp: &LoopHandle,
        sink: S,
        opts: WritableOptions,
        construct: impl FnOnce(&mut S, ConstructCallback) + 'static,
    ) -> Self {
        Writable::make(lp, sink, opts.object_mode(true), Some(Box::new(construct)))
    }
}
