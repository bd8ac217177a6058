//! Node's `stream.Duplex`: one stream that is both a [`Readable`] and a [`Writable`], with
//! one emitter, one `destroy`, one `'error'` and one `'close'`.
//!
//! A [`Duplex`] is made of a readable side (fed by a [`Source`], Node's `_read`) and a
//! writable side (drained into a [`Sink`], Node's `_write`, `_writev`, `_final`,
//! `_destroy`). Each side keeps its own state machine, as Node keeps a `_readableState`
//! and a `_writableState`; where Node's machines read the other side's flags (the
//! auto-destroy after `'end'` and after `'finish'`, `allowHalfOpen`, `destroy`,
//! `'error'` and `'close'` emitted once), each side asks the other. Listeners go on the
//! one emitter: `d.on(DATA, ..)` and `d.on(FINISH, ..)` are on the same stream, as in
//! Node.
//!
//! Node's one `_destroy` is here the sink's [`destroy`](Sink::destroy) followed by the
//! source's [`destroy`](Source::destroy), so that each side releases what it holds; the
//! stream closes once both have called back. With the source's default `destroy`, which
//! calls back at once, that is Node's one `_destroy`. Node's `_construct` is
//! [`Duplex::new_with_construct`].
//!
//! # Events
//!
//! Those of both sides, on one emitter: `'data'`, `'readable'`, `'end'`, `'pause'`,
//! `'resume'` (readable), `'drain'`, `'prefinish'`, `'finish'`, `'pipe'`, `'unpipe'`
//! (writable), and once for the stream: `'error'` then `'close'`.
//!
//! # Examples
//!
//! An echo: what is written is pushed back out, upper-cased, and the readable side ends
//! when the writable side finishes.
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//!
//! use nodestream::events::{CLOSE, DATA, END, FINISH};
//! use nodestream::stream::readable::{Readable, WeakReadable};
//! use nodestream::stream::writable::{Chunk, FinalCallback, Sink, WriteCallback};
//! use nodestream::stream::{Duplex, DuplexOptions};
//! use nodestream::EventLoop;
//!
//! struct Shout(Rc<RefCell<Option<WeakReadable>>>);
//!
//! impl Sink for Shout {
//!     fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
//!         if let Some(r) = self.0.borrow().as_ref().and_then(|r| r.upgrade()) {
//!             r.push(chunk.as_bytes().to_ascii_uppercase());
//!         }
//!         cb.ok();
//!     }
//!     fn finalize(&mut self, cb: FinalCallback) {
//!         if let Some(r) = self.0.borrow().as_ref().and_then(|r| r.upgrade()) {
//!             r.push(None);
//!         }
//!         cb.ok();
//!     }
//! }
//!
//! let event_loop = EventLoop::new()?;
//! let side = Rc::new(RefCell::new(None));
//! let d = Duplex::new(
//!     &event_loop.handle(),
//!     DuplexOptions::new(),
//!     |_: &Readable, _| {},
//!     Shout(side.clone()),
//! );
//! *side.borrow_mut() = Some(d.readable_side().downgrade());
//!
//! let log = Rc::new(RefCell::new(Vec::new()));
//! let l = log.clone();
//! d.on(DATA, move |c| l.borrow_mut().push(String::from_utf8_lossy(c.as_bytes().unwrap()).into_owned()));
//! for (event, name) in [(FINISH, "finish"), (END, "end"), (CLOSE, "close")] {
//!     let l = log.clone();
//!     d.on(event, move |_| l.borrow_mut().push(name.to_owned()));
//! }
//! d.write("hello ");
//! d.end_with("duplex");
//! event_loop.run()?;
//! assert_eq!(*log.borrow(), ["HELLO ", "DUPLEX", "finish", "end", "close"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod from_pair;
pub(crate) mod link;
mod options;
mod pipe_destination;
mod weak;

use std::fmt;
use std::rc::Rc;

use nodestream_emitter::{EventDecl, EventEmitter, ListenerId};

use crate::reactor::LoopHandle;
use crate::stream::readable::{
    self, Chunk, PipeDestination, PipeOptions, PushChunk, Readable, Source, StreamEvent,
};
use crate::stream::writable::{self, ConstructCallback, ConstructStep, Sink, Writable, WriteInput};
use crate::Error;

pub use options::DuplexOptions;
pub use weak::WeakDuplex;

/// The events a Duplex of `R` out and `W` in declares: both sides'.
struct Declared<R, W>(std::marker::PhantomData<(R, W)>);

impl<R: 'static, W: 'static> Declared<R, W> {
    const TABLES: &'static [&'static [EventDecl]] = &[
        &readable::Declared::<R>::EVENTS,
        &writable::EVENTS,
        &writable::Declared::<W>::TYPED_PIPE,
    ];
}

/// A Duplex stream: reads `R` out of its readable side, takes `W` into its writable side.
/// A cloneable, `!Send` handle; clones are the same stream.
///
/// `Duplex` (the defaults) carries bytes both ways: [`readable::Chunk`] out,
/// [`writable::Chunk`] in. Any other `R` or `W` makes that side an object-mode stream of
/// that type. `S` is the sink's type, boxed by default (see [`Writable`]).
///
/// See the [module documentation](self) for the events and an example.
pub struct Duplex<R: 'static = Chunk, W: 'static = writable::Chunk, S: Sink<W> = Box<dyn Sink<W>>> {
    readable: Readable<R>,
    writable: Writable<W, S>,
}

impl<R: 'static, W: 'static, S: Sink<W>> Clone for Duplex<R, W, S> {
    fn clone(&self) -> Self {
        Duplex {
            readable: self.readable.clone(),
            writable: self.writable.clone(),
        }
    }
}

impl<R: 'static, W: 'static, S: Sink<W>> PartialEq for Duplex<R, W, S> {
    fn eq(&self, other: &Self) -> bool {
        self.readable == other.readable
    }
}

impl<R: 'static, W: 'static, S: Sink<W>> Eq for Duplex<R, W, S> {}

impl<R: 'static, W: 'static, S: Sink<W>> fmt::Debug for Duplex<R, W, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Duplex")
            .field("readable", &self.readable)
            .field("writable", &self.writable)
            .finish()
    }
}

impl<R: 'static, W: 'static> Duplex<R, W> {
    /// A Duplex fed by `source` (its readable side) and draining into `sink` (its writable
    /// side): Node's `new Duplex({ read, write, final, destroy, ... })`.
    pub fn new(
        lp: &LoopHandle,
        options: DuplexOptions,
        source: impl Source<R>,
        sink: impl Sink<W>,
    ) -> Duplex<R, W> {
        Duplex::new_typed(lp, options, source, Box::new(sink) as Box<dyn Sink<W>>)
    }
}

impl<R: 'static, W: 'static> Duplex<R, W> {
    /// [`Duplex::new`] with Node's `_construct`: `construct` is called once, on the next
    /// tick, with the sink and a [`ConstructCallback`]. Until it calls back, the readable
    /// side's source is not asked for data and writes wait in the buffer (so do `end()`'s
    /// `_final` and `destroy()`'s `_destroy`); an error given to the callback destroys the
    /// stream with it. Node's `new Duplex({ construct })`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// use nodestream::stream::readable::Readable;
    /// use nodestream::stream::writable::{Chunk, Sink, WriteCallback};
    /// use nodestream::stream::{Duplex, DuplexOptions};
    /// use nodestream::EventLoop;
    ///
    /// struct Log(Rc<RefCell<Vec<String>>>);
    /// impl Sink for Log {
    ///     fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
    ///         self.0.borrow_mut().push(String::from_utf8_lossy(chunk.as_bytes()).into());
    ///         cb.ok();
    ///     }
    /// }
    ///
    /// let lp = EventLoop::new()?;
    /// let log = Rc::new(RefCell::new(Vec::new()));
    /// let l = log.clone();
    /// let d = Duplex::new_with_construct(
    ///     &lp.handle(),
    ///     DuplexOptions::new(),
    ///     move |_: &Readable, _| l.borrow_mut().push("_read".into()),
    ///     Log(log.clone()),
    ///     |sink: &mut Log, cb| {
    ///         sink.0.borrow_mut().push("construct".into());
    ///         cb.ok();
    ///     },
    /// );
    /// d.write("w");
    /// let _ = d.read(); // asks for data: waits for the construct step
    /// lp.run()?;
    /// // As in Node: the buffered write goes at once, the read ahead a tick later.
    /// assert_eq!(*log.borrow(), ["construct", "w", "_read"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new_with_construct<S: Sink<W>>(
        lp: &LoopHandle,
        options: DuplexOptions,
        source: impl Source<R>,
        sink: S,
        construct: impl FnOnce(&mut S, ConstructCallback) + 'static,
    ) -> Duplex<R, W> {
        let (sink, step) = writable::boxed_with_construct(sink, construct);
        Duplex::make(lp, options, Rc::new(source), sink, Some(step))
    }
}

impl<R: 'static, W: 'static, S: Sink<W>> Duplex<R, W, S> {
    /// [`Duplex::new`] keeping the sink's own type (see [`Writable::new_typed`]).
    pub fn new_typed(
        lp: &LoopHandle,
        options: DuplexOptions,
        source: impl Source<R>,
        sink: S,
    ) -> Duplex<R, W, S> {
        Duplex::with_source(lp, options, Rc::new(source), sink)
    }

    /// What every constructor without `_construct` comes to.
    pub(crate) fn with_source(
        lp: &LoopHandle,
        options: DuplexOptions,
        source: Rc<dyn Source<R>>,
        sink: S,
    ) -> Duplex<R, W, S> {
        Duplex::make(lp, options, source, sink, None)
    }

    /// What every constructor comes to.
    fn make(
        lp: &LoopHandle,
        options: DuplexOptions,
        source: Rc<dyn Source<R>>,
        sink: S,
        construct: Option<ConstructStep<S>>,
    ) -> Duplex<R, W, S> {
        let emitter = EventEmitter::new();
        emitter.declare_events(Declared::<R, W>::TABLES);
        let readable =
            Readable::with_source_on(lp, options.readable_options(), source, emitter.clone());
        if construct.is_some() {
            readable.set_unconstructed();
        }
        let writable = Writable::new_side(lp, sink, options.writable_options(), emitter, construct);
        readable.join_duplex(writable.as_part(options.allow_half_open));
        writable.join_duplex(readable.as_part());
        if !options.readable {
            readable.turn_off();
        }
        if !options.writable {
            writable.turn_off();
        }
        Duplex { readable, writable }
    }

    /// The stream its two sides make: the sides of a Duplex already joined (a socket's),
    /// or got back from the sides' weak handles.
    pub(crate) fn from_sides(readable: Readable<R>, writable: Writable<W, S>) -> Self {
        Duplex { readable, writable }
    }

    /// A handle that does not keep the stream alive: what a listener of the stream's own
    /// events should hold to reach the stream (a strong handle there is a cycle through
    /// the emitter, which keeps the stream alive after every other handle is gone).
    ///
    /// ```
    /// use nodestream::events::DATA;
    /// use nodestream::stream::readable::Readable;
    /// use nodestream::stream::writable::{Chunk, Sink, WriteCallback};
    /// use nodestream::stream::{Duplex, DuplexOptions};
    /// use nodestream::EventLoop;
    ///
    /// struct Discard;
    /// impl Sink for Discard {
    ///     fn write(&mut self, _: Chunk, cb: WriteCallback) {
    ///         cb.ok();
    ///     }
    /// }
    ///
    /// let lp = EventLoop::new()?;
    /// let d = Duplex::new(&lp.handle(), DuplexOptions::new(), |_: &Readable, _| {}, Discard);
    /// let echo = d.downgrade();
    /// d.on(DATA, move |c| {
    ///     if let Some(d) = echo.upgrade() {
    ///         d.write(c.as_bytes().unwrap().to_vec());
    ///     }
    /// });
    /// let weak = d.downgrade();
    /// drop(d);
    /// lp.run()?; // the tick that starts the flow held the stream until it ran
    /// assert!(weak.upgrade().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn downgrade(&self) -> WeakDuplex<R, W, S> {
        WeakDuplex {
            readable: self.readable.downgrade(),
            writable: self.writable.downgrade(),
        }
    }

    /// The readable side: everything a [`Readable`] offers, on this stream.
    pub fn readable_side(&self) -> &Readable<R> {
        &self.readable
    }

    /// The writable side: everything a [`Writable`] offers, on this stream.
    pub fn writable_side(&self) -> &Writable<W, S> {
        &self.writable
    }

    /// The stream's one emitter (both sides').
    pub fn emitter(&self) -> &EventEmitter {
        self.readable.emitter()
    }

    /// The loop the stream runs on.
    pub fn loop_handle(&self) -> &LoopHandle {
        self.readable.loop_handle()
    }

    // ---- listeners (Node's `Readable.prototype.on`, which a Duplex inherits) ----

    /// Adds a listener: Node's `duplex.on(event, fn)`. A `'data'` listener starts the
    /// readable side flowing, as on a [`Readable`].
    pub fn on<P, E, F>(&self, event: E, listener: F) -> ListenerId
    where
        P: 'static,
        E: StreamEvent<R, P>,
        F: Fn(&P) + 'static,
    {
        self.readable.on(event, listener)
    }

    /// Adds a listener that runs at most once: Node's `duplex.once(event, fn)`.
    pub fn once<P, E, F>(&self, event: E, listener: F) -> ListenerId
    where
        P: 'static,
        E: StreamEvent<R, P>,
        F: Fn(&P) + 'static,
    {
        self.readable.once(event, listener)
    }

    /// Adds a listener at the front: Node's `prependListener`.
    pub fn prepend_listener<P, E, F>(&self, event: E, listener: F) -> ListenerId
    where
        P: 'static,
        E: StreamEvent<R, P>,
        F: Fn(&P) + 'static,
    {
        self.readable.prepend_listener(event, listener)
    }

    /// Removes a listener: Node's `removeListener`.
    pub fn off(&self, id: ListenerId) -> bool {
        self.readable.off(id)
    }

    /// Removes every listener of `event`, or of every event.
    pub fn remove_all_listeners(&self, event: Option<&str>) {
        self.readable.remove_all_listeners(event);
    }

    /// The number of listeners of `event`.
    pub fn listener_count(&self, event: &str) -> usize {
        self.readable.listener_count(event)
    }

    /// Emits an event on the stream's emitter: Node's `emit`.
    pub fn emit<P: 'static, E: StreamEvent<R, P>>(&self, event: E, payload: &P) -> bool {
        self.readable.emit(event, payload)
    }

    // ---- the readable side ----

    /// Node's `push(chunk)` (`None` ends the readable side).
    pub fn push(&self, chunk: impl PushChunk<R>) -> bool {
        self.readable.push(chunk)
    }

    /// Node's `unshift(chunk)`.
    pub fn unshift(&self, chunk: impl PushChunk<R>) -> bool {
        self.readable.unshift(chunk)
    }

    /// Node's `read()`.
    pub fn read(&self) -> Option<R> {
        self.readable.read()
    }

    /// Node's `pause()`.
    pub fn pause(&self) -> &Self {
        self.readable.pause();
        self
    }

    /// Node's `resume()`.
    pub fn resume(&self) -> &Self {
        self.readable.resume();
        self
    }

    /// Node's `pipe(dest)`: returns the destination.
    pub fn pipe<D: PipeDestination<R> + Clone>(&self, dest: &D) -> D {
        self.readable.pipe(dest)
    }

    /// Node's `pipe(dest, { end })`.
    pub fn pipe_with<D: PipeDestination<R> + Clone>(&self, dest: &D, options: PipeOptions) -> D {
        self.readable.pipe_with(dest, options)
    }

    /// Node's `readable`: the readable side has not ended, failed or been destroyed.
    pub fn readable(&self) -> bool {
        self.readable.readable()
    }

    /// Node's `readableEnded`.
    pub fn readable_ended(&self) -> bool {
        self.readable.readable_ended()
    }

    /// Node's `readableLength`.
    pub fn readable_length(&self) -> usize {
        self.readable.readable_length()
    }

    // ---- the writable side ----

    /// Node's `write(chunk)`: `false` once the writable side is past its high-water mark.
    pub fn write<I: WriteInput<W>>(&self, chunk: I) -> bool {
        self.writable.write(chunk)
    }

    /// Node's `write(chunk, cb)`.
    pub fn write_cb<I: WriteInput<W>>(
        &self,
        chunk: I,
        cb: impl FnOnce(Option<Error>) + 'static,
    ) -> bool {
        self.writable.write_cb(chunk, cb)
    }

    /// Node's `end()`.
    pub fn end(&self) {
        self.writable.end();
    }

    /// Node's `end(cb)`.
    pub fn end_cb(&self, cb: impl FnOnce(Option<Error>) + 'static) {
        self.writable.end_cb(cb);
    }

    /// Node's `end(chunk)`.
    pub fn end_with<I: WriteInput<W>>(&self, chunk: I) {
        self.writable.end_with(chunk);
    }

    /// Node's `cork()`.
    pub fn cork(&self) {
        self.writable.cork();
    }

    /// Node's `uncork()`.
    pub fn uncork(&self) {
        self.writable.uncork();
    }

    /// Node's `writable`: the writable side still takes writes.
    pub fn writable(&self) -> bool {
        self.writable.writable()
    }

    /// Node's `writableEnded`.
    pub fn writable_ended(&self) -> bool {
        self.writable.writable_ended()
    }

    /// Node's `writableFinished`.
    pub fn writable_finished(&self) -> bool {
        self.writable.writable_finished()
    }

    /// Node's `writableLength`.
    pub fn writable_length(&self) -> usize {
        self.writable.writable_length()
    }

    /// Node's `writableNeedDrain`.
    pub fn writable_need_drain(&self) -> bool {
        self.writable.writable_need_drain()
    }

    // ---- both ----

    /// Node's `destroy(err)`: both sides, one `_destroy` (the sink's), then `'error'` (with
    /// `err`) and one `'close'`.
    pub fn destroy(&self, err: Option<Error>) {
        self.writable.destroy(err);
    }

    /// Node's `destroyed`: both sides are destroyed.
    pub fn destroyed(&self) -> bool {
        self.readable.destroyed() && self.writable.destroyed()
    }

    /// Node's `closed`: the stream's `_destroy` has completed.
    pub fn closed(&self) -> bool {
        self.writable.closed()
    }

    /// Node's `errored`.
    pub fn errored(&self) -> Option<Error> {
        self.writable.errored().or_else(|| self.readable.errored())
    }

    /// Node's `allowHalfOpen`.
    pub fn allow_half_open(&self) -> bool {
        // Kept by the readable side's link, which is what reads it.
        self.readable.duplex_allows_half_open()
    }
}

/// What only a byte Duplex does.
impl<S: Sink<writable::Chunk>> Duplex<Chunk, writable::Chunk, S> {
    /// Node's `setEncoding(enc)` (the readable side).
    pub fn set_encoding(&self, encoding: crate::stream::Encoding) -> &Self {
        self.readable.set_encoding(encoding);
        self
    }
}
