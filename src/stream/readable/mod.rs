//! Node's Readable stream: a buffer that a [`Source`] fills and that consumers drain in
//! flowing mode (`'data'` events) or paused mode (`'readable'` and [`Readable::read`]), and
//! [`Readable::pipe`] into a Writable.
//!
//! The state machine is a port of Node v20's `lib/internal/streams/readable.js`: the same
//! flags, the same deferred steps on the loop's next-tick queue, and so the same order of
//! events. Where Rust forces a difference, it is written down under
//! "Node compatibility" on the item. Two things follow the loop's
//! [`NodeCompat`](crate::compat::NodeCompat) (v26 by default): the default high-water mark
//! (64 KiB, or v20's 16 KiB) and what [`Readable::read`] without a size returns (one
//! buffered chunk, or v20's whole buffer joined).
//!
//! # Events
//!
//! | event | payload | when |
//! |---|---|---|
//! | `'data'` | [`Chunk`] (`T` on a [`Readable<T>`]) | a chunk leaves the buffer (flowing mode, or [`Readable::read`]) |
//! | `'readable'` | `()` | data (or the end) is ready to [`read`](Readable::read) |
//! | `'end'` | `()` | at most once, after the last `'data'`, when the buffer is empty |
//! | `'close'` | `()` | once, after `'end'` or `'error'`, when the stream is destroyed |
//! | `'error'` | [`Error`] | at most once, before `'close'` |
//! | `'pause'` / `'resume'` | `()` | flowing mode switched off / on |
//!
//! # Panics
//!
//! A listener that panics is one that throws: the panic goes on to whoever called into
//! the stream (the loop's `run()`, or a method called from outside it), once, and the
//! listeners after it in that emit do not run, as in Node. What the stream owed after it
//! still happens, before anything queued meanwhile: the rest of the flow, the next read,
//! the destroy after `'end'`, `'close'` after `'error'`. For the source's methods, see
//! [`Source`].
//!
//! # Examples
//!
//! ```
//! use std::cell::{Cell, OnceCell, RefCell, RefMut};
//! use std::rc::Rc;
//! use nodestream::stream::readable::{Chunk, Readable, ReadableOptions, DATA, END};
//! use nodestream::EventLoop;
//!
//! let mut event_loop = EventLoop::new().unwrap();
//! let lp = event_loop.handle();
//! let src = Readable::new(&lp, ReadableOptions::default(), |_: &Readable, _size: usize| {});
//! let got = Rc::new(RefCell::new(Vec::new()));
//! let g = got.clone();
//! src.on(DATA, move |c: &Chunk| g.borrow_mut().extend_from_slice(c.as_bytes().unwrap()));
//! src.on(END, |_: &()| println!("end"));
//! src.push("hello ");
//! src.push("world");
//! src.push(None);
//! event_loop.run().unwrap();
//! assert_eq!(&got.borrow()[..], b"hello world");
//! ```

//!
//! # Typed object mode
//!
//! A `Readable<T>` carries `T` values: Node's `objectMode: true` with the values' type in
//! the stream's (`Readable`, of [`Chunk`], is the byte stream). Its source pushes `T`s,
//! [`read`](Readable::read) returns them, `'data'` listeners take `&T` (the type of
//! [`DATA`]'s payload is inferred from the stream), [`iter`](Readable::iter) yields them
//! and [`pipe`](Readable::pipe) writes them to a `Writable<T, S>`. As in Node's object
//! mode, the high-water mark is 16 values and lengths count values.
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use nodestream::stream::readable::{Readable, ReadableOptions, DATA, END};
//! use nodestream::EventLoop;
//!
//! #[derive(Debug, PartialEq)]
//! struct Point { x: i32, y: i32 }
//!
//! let event_loop = EventLoop::new().unwrap();
//! let lp = event_loop.handle();
//! let src: Readable<Point> = Readable::new(&lp, ReadableOptions::new(), |_: &Readable<Point>, _| {});
//! assert_eq!(src.readable_high_water_mark(), 16);
//! let sum = Rc::new(RefCell::new(0));
//! let s = sum.clone();
//! src.on(DATA, move |p| *s.borrow_mut() += p.x * p.y); // p: &Point
//! src.on(END, |_: &()| println!("end"));
//! src.push(Point { x: 2, y: 3 });
//! src.push(Point { x: 4, y: 5 });
//! src.push(None);
//! event_loop.run().unwrap();
//! assert_eq!(*sum.borrow(), 26);
//! ```
//!
//! The untyped form stays for what mixes kinds or predates it: a `Readable` with
//! [`ReadableOptions::object_mode`] carries [`Chunk::Object`] values to downcast.

mod chunk;
mod decoder;
mod destroy;
mod duplex_side;
mod eos_state;
mod flow;
mod from_iter;
mod item;
mod listeners;
mod options;
mod source;
mod state;
mod typed_event;

mod pipe;

use std::cell::{OnceCell, RefCell, RefMut};
use std::fmt;
use std::marker::PhantomData;
use std::rc::{Rc, Weak};

use crate::reactor::LoopHandle;
use crate::stream::duplex::link::WritablePart;
pub use crate::stream::encoding::Encoding;
use crate::stream::lifecycle::Hooks;
use crate::Error;
use nodestream_emitter::{Event, EventDecl, EventEmitter, EventKey};

pub use chunk::{Chunk, PushChunk};
pub use options::ReadableOptions;
pub use pipe::{PipeDestination, PipeOptions};
pub use source::{DestroyDone, Source};
pub use typed_event::{DataEvent, StreamEvent};

use decoder::StringDecoder;
use state::{State, Want};

/// `'data'`: an item (a [`Chunk`] on a byte stream, a `T` on a [`Readable<T>`]), in
/// flowing mode or from [`Readable::read`]. Its payload type is the stream's item type
/// (see [`DataEvent`]).
pub const DATA: DataEvent = DataEvent;
/// `'end'`: no more data will come.
pub const END: Event<()> = Event::new("end");
/// `'readable'`: data or the end is ready to be read.
pub const READABLE: Event<()> = Event::new("readable");
pub use super::lifecycle::{CLOSE, ERROR};
pub use pipe::{pipe_event, unpipe_event, PIPE, UNPIPE};
/// `'pause'`: flowing mode was switched off.
pub const PAUSE: Event<()> = Event::new("pause");
/// `'resume'`: flowing mode was switched on.
pub const RESUME: Event<()> = Event::new("resume");

/// The events a Readable of `T` emits, with their payload types: a listener of another
/// type for one of them is refused when it is added (see
/// [`EventEmitter::declare_events`](crate::events::EventEmitter::declare_events)).
pub(crate) struct Declared<T>(PhantomData<T>);

impl<T: 'static> Declared<T> {
    pub(crate) const EVENTS: [EventDecl; 7] = [
        DATA.of::<T>().declared(),
        END.declared(),
        READABLE.declared(),
        PAUSE.declared(),
        RESUME.declared(),
        CLOSE.declared(),
        ERROR.declared(),
    ];
    const TABLES: &'static [&'static [EventDecl]] = &[&Self::EVENTS];
}

/// The events a byte Readable emits (see [`Declared`]).
pub(crate) const EVENTS: [EventDecl; 7] = Declared::<Chunk>::EVENTS;

pub(crate) struct Inner<T: 'static = Chunk> {
    pub(crate) emitter: EventEmitter,
    /// `'data'` and `'readable'` resolved once, on first use (an idle stream has no event
    /// slots): emitting and counting their listeners then skip the name lookup.
    keys: OnceCell<Box<Keys<T>>>,
    pub(crate) lp: LoopHandle,
    pub(crate) state: RefCell<State<T>>,
    pub(crate) source: Rc<dyn Source<T>>,
    /// Made by the first `pipe()`: most streams are never piped.
    pub(crate) pipes: RefCell<Option<Box<pipe::Pipes<T>>>>,
    /// The library's own reactions to this stream's error and closing (never listeners).
    pub(crate) hooks: Hooks,
    /// The writable side, when this is the readable side of a Duplex.
    pub(crate) partner: OnceCell<Rc<dyn WritablePart>>,
}

/// The events the stream counts and emits on its own paths, resolved.
pub(crate) struct Keys<T: 'static> {
    pub(crate) data: EventKey<T>,
    pub(crate) readable: EventKey<()>,
}

impl<T: 'static> Inner<T> {
    /// The resolved keys (made on first use).
    #[inline]
    pub(crate) fn keys(&self) -> &Keys<T> {
        self.keys.get_or_init(|| {
            Box::new(Keys {
                data: self.emitter.key(DATA.of::<T>()),
                readable: self.emitter.key(READABLE),
            })
        })
    }

    /// The number of `'data'` listeners, without resolving the keys.
    #[inline]
    pub(crate) fn data_listener_count(&self) -> usize {
        match self.keys.get() {
            Some(keys) => self.emitter.listener_count(&keys.data),
            None => self.emitter.listener_count(DATA.of::<T>()),
        }
    }

    /// The piping state, made if the stream has none yet.
    pub(crate) fn pipes_mut(&self) -> RefMut<'_, pipe::Pipes<T>> {
        RefMut::map(self.pipes.borrow_mut(), |p| {
            &mut **p.get_or_insert_with(Default::default)
        })
    }

    /// Node's "a chunk was read": clears `awaitDrainWriters` (nothing to do unpiped).
    #[inline]
    pub(crate) fn clear_await_drain(&self) {
        let let_go = match self.pipes.borrow_mut().as_mut() {
            Some(pipes) => pipes.clear_await_drain(),
            None => return,
        };
        drop(let_go);
    }
}

/// A Readable stream of `T`: a cloneable, single-threaded handle (`Rc` inside).
///
/// `Readable` (of [`Chunk`]) is a byte stream, or an object-mode stream of untyped
/// [`Chunk::Object`]s; `Readable<T>` for any other `T` is an object-mode stream of `T`
/// values (see [typed object mode](self#typed-object-mode)).
///
/// Clones are the same stream (`==` compares identity). See the [module
/// documentation](self) for the events.
///
/// ```compile_fail
/// fn send<T: Send>(_: T) {}
/// fn check(r: nodestream::stream::readable::Readable) { send(r) }
/// ```
pub struct Readable<T: 'static = Chunk> {
    inner: Rc<Inner<T>>,
}

impl<T: 'static> Clone for Readable<T> {
    fn clone(&self) -> Self {
        Readable {
            inner: self.inner.clone(),
        }
    }
}

/// A handle that does not keep its [`Readable`] alive.
pub struct WeakReadable<T: 'static = Chunk> {
    inner: Weak<Inner<T>>,
}

impl<T: 'static> Clone for WeakReadable<T> {
    fn clone(&self) -> Self {
        WeakReadable {
            inner: self.inner.clone(),
        }
    }
}

impl<T: 'static> WeakReadable<T> {
    /// The stream, if it is still alive.
    pub fn upgrade(&self) -> Option<Readable<T>> {
        self.inner.upgrade().map(|inner| Readable { inner })
    }
}

impl<T: 'static> fmt::Debug for WeakReadable<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakReadable").finish_non_exhaustive()
    }
}

impl<T: 'static> PartialEq for Readable<T> {
    fn eq(&self, other: &Readable<T>) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl<T: 'static> Eq for Readable<T> {}

impl<T: 'static> fmt::Debug for Readable<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.inner.state.borrow();
        f.debug_struct("Readable")
            .field("length", &s.length)
            .field("flowing", &s.flowing)
            .field("ended", &s.ended)
            .field("end_emitted", &s.end_emitted)
            .field("destroyed", &s.destroyed)
            .finish_non_exhaustive()
    }
}

impl<T: 'static> Readable<T> {
    /// A Readable fed by `source`, scheduling its deferred work on `lp`. A stream of any
    /// `T` but [`Chunk`] is in object mode whatever `options.object_mode` says.
    ///
    /// # Examples
    ///
    /// ```
    /// use nodestream::stream::readable::{Readable, ReadableOptions};
    /// # let event_loop = nodestream::EventLoop::new().unwrap();
    /// # let lp = event_loop.handle();
    /// let r = Readable::new(&lp, ReadableOptions::default().object_mode(true), |_: &Readable, _: usize| {});
    /// assert_eq!(r.readable_high_water_mark(), 16);
    /// ```
    pub fn new(lp: &LoopHandle, options: ReadableOptions, source: impl Source<T>) -> Readable<T> {
        Readable::with_source(lp, options, Rc::new(source))
    }

    /// [`Readable::new`] with a source already behind an `Rc` (one allocation fewer when
    /// the source is shared anyway, as an fd source is with its loop registration).
    pub(crate) fn with_source(
        lp: &LoopHandle,
        options: ReadableOptions,
        source: Rc<dyn Source<T>>,
    ) -> Readable<T> {
        let emitter = EventEmitter::new();
        emitter.declare_events(Declared::<T>::TABLES);
        Readable::with_source_on(lp, options, source, emitter)
    }

    /// [`with_source`](Readable::with_source) on a given emitter (a Duplex's, shared with
    /// its writable side, which declares the events of both).
    pub(crate) fn with_source_on(
        lp: &LoopHandle,
        options: ReadableOptions,
        source: Rc<dyn Source<T>>,
        emitter: EventEmitter,
    ) -> Readable<T> {
        let bytes_possible = item::carries_chunks::<T>();
        let object_mode = options.object_mode || !bytes_possible;
        let mut state = State::new(object_mode, options.high_water_mark, lp.compat());
        state.emit_close = options.emit_close;
        state.auto_destroy = options.auto_destroy;
        // A typed stream carries its values as they are: nothing to decode.
        if let Some(enc) = options.encoding.filter(|_| bytes_possible) {
            state.decoder = Some(Box::new(StringDecoder::new(enc)));
        }
        Readable {
            inner: Rc::new(Inner {
                emitter,
                keys: OnceCell::new(),
                lp: lp.clone(),
                state: RefCell::new(state),
                source,
                pipes: RefCell::new(None),
                hooks: Hooks::default(),
                partner: OnceCell::new(),
            }),
        }
    }

    /// The stream's emitter.
    ///
    /// # Node compatibility
    ///
    /// Listeners added here directly skip the Readable's own `on`: a `'data'` listener added
    /// this way does not switch the stream into flowing mode, nor does a `'readable'`
    /// listener into paused mode (as `EventEmitter.prototype.on.call(stream, ...)` in Node).
    /// Use [`Readable::on`] and friends.
    pub fn emitter(&self) -> &EventEmitter {
        &self.inner.emitter
    }

    /// The loop the stream schedules on.
    pub fn loop_handle(&self) -> &LoopHandle {
        &self.inner.lp
    }

    /// The library's hooks on this stream's error and closing (see [`Hooks`]).
    pub(crate) fn hooks(&self) -> &Hooks {
        &self.inner.hooks
    }

    /// The stream as a value the loop can hold (`LoopHandle::hold`), with no allocation.
    pub(crate) fn holdable(&self) -> Rc<dyn std::any::Any> {
        self.inner.clone()
    }

    /// A handle that does not keep the stream alive.
    pub fn downgrade(&self) -> WeakReadable<T> {
        WeakReadable {
            inner: Rc::downgrade(&self.inner),
        }
    }

    /// Pushes a chunk into the buffer, or `None` for the end of the data; Node's
    /// `readable.push(chunk)`. Returns whether more may be pushed (the buffer is below the
    /// high-water mark and the stream has not ended).
    ///
    /// An empty byte chunk is not added (it only lets the source be asked again).
    ///
    /// # Events
    ///
    /// `'data'` at once when the stream is flowing, its buffer is empty and this is not
    /// inside [`Source::read`]; otherwise `'readable'` on a later tick. Pushing after the
    /// end: `'error'` with `ERR_STREAM_PUSH_AFTER_EOF`, then `'close'`.
    ///
    /// # Node compatibility
    ///
    /// A text chunk on a stream without an encoding is stored as its UTF-8 bytes; on a
    /// stream with an encoding, bytes go through the decoder and text is stored as is
    /// (Node re-encodes a string pushed with an encoding other than the stream's; Rust
    /// strings have one encoding). An object chunk on a byte stream fails it with
    /// `ERR_INVALID_ARG_TYPE` as in Node, whose message ends `Received an object` where
    /// Node names the value's JS type (`Received an instance of Object`).
    pub fn push(&self, chunk: impl PushChunk<T>) -> bool {
        self.add_chunk_push(chunk.into_push(), false)
    }

    /// Puts a chunk back at the front of the buffer; Node's `readable.unshift(chunk)`.
    ///
    /// # Events
    ///
    /// After `'end'`: `'error'` with `ERR_STREAM_UNSHIFT_AFTER_END_EVENT`.
    pub fn unshift(&self, chunk: impl PushChunk<T>) -> bool {
        self.add_chunk_push(chunk.into_push(), true)
    }

    /// Takes what is buffered; Node's `readable.read()`. Returns `None` when nothing is
    /// buffered.
    ///
    /// How much it takes follows the loop's [`NodeCompat`](crate::compat::NodeCompat): under
    /// `V26` (the default) the first buffered chunk, unless an encoding is set (then the
    /// whole buffer, joined); under `V20` the whole buffer, joined. While flowing, one chunk
    /// under both.
    ///
    /// # Events
    ///
    /// `'data'` with the returned chunk; may ask the source for more; `'end'` on a later
    /// tick once the buffer is empty after the end.
    pub fn read(&self) -> Option<T> {
        self.read_want(Want::Any)
    }

    /// Takes exactly `n` bytes (one object in object mode), or `None` if fewer are buffered
    /// and the stream has not ended; Node's `readable.read(n)`. `read_size(0)` only
    /// refreshes the buffer.
    ///
    /// # Errors
    ///
    /// `ERR_OUT_OF_RANGE` for `n` above 1 GiB (Node throws).
    ///
    /// # Node compatibility
    ///
    /// On a text stream `n` counts UTF-8 bytes and the cut moves forward to the next
    /// character boundary.
    pub fn read_size(&self, n: usize) -> Result<Option<T>, Error> {
        let hwm = self.inner.state.borrow().high_water_mark;
        if n > hwm {
            let new = state::compute_new_high_water_mark(n)?;
            self.inner.state.borrow_mut().high_water_mark = new;
        }
        Ok(self.read_want(Want::N(n)))
    }

    /// Switches flowing mode off; Node's `readable.pause()`.
    ///
    /// # Events
    ///
    /// `'pause'`, synchronously, unless already paused.
    pub fn pause(&self) -> &Readable<T> {
        let emit = {
            let mut s = self.inner.state.borrow_mut();
            let emit = s.flowing != Some(false);
            if emit {
                s.flowing = Some(false);
            }
            s.paused = Some(true);
            emit
        };
        if emit {
            self.inner.emitter.emit(PAUSE, &());
        }
        self
    }

    /// Switches flowing mode on; Node's `readable.resume()`. Data starts flowing on the next
    /// tick.
    ///
    /// # Events
    ///
    /// `'resume'` on the next tick, then `'data'` for what is buffered.
    pub fn resume(&self) -> &Readable<T> {
        let schedule = {
            let mut s = self.inner.state.borrow_mut();
            let schedule = !s.is_flowing();
            if schedule {
                // Flow only if no one listens to 'readable'.
                s.flowing = Some(!s.readable_listening);
            }
            s.paused = Some(false);
            schedule
        };
        if schedule {
            self.schedule_resume();
        }
        self
    }

    /// Whether the stream was paused explicitly; Node's `readable.isPaused()`.
    pub fn is_paused(&self) -> bool {
        let s = self.inner.state.borrow();
        s.paused == Some(true) || (s.paused.is_none() && s.flowing == Some(false))
    }

    /// Destroys the stream; Node's `readable.destroy([err])`. Later calls do nothing.
    ///
    /// # Events
    ///
    /// After [`Source::destroy`] completes, on the next tick: `'error'` (if `err`), then
    /// `'close'`. No `'end'`.
    pub fn destroy(&self, err: Option<Error>) -> &Readable<T> {
        self.destroy_impl(err);
        self
    }

    /// Node's `readable.readable`: true until the stream ends, errs or is destroyed.
    pub fn readable(&self) -> bool {
        let s = self.inner.state.borrow();
        !s.readable_off && !s.destroyed && !s.error_emitted && !s.end_emitted
    }

    /// Node's `readableFlowing`: `None` (no consumer yet), `Some(true)`, `Some(false)`.
    pub fn readable_flowing(&self) -> Option<bool> {
        self.inner.state.borrow().flowing
    }

    /// Node's `readableLength`: bytes (objects in object mode) buffered.
    pub fn readable_length(&self) -> usize {
        self.inner.state.borrow().length
    }

    /// Node's `readableHighWaterMark`.
    pub fn readable_high_water_mark(&self) -> usize {
        self.inner.state.borrow().high_water_mark
    }

    /// Node's `readableObjectMode`.
    pub fn readable_object_mode(&self) -> bool {
        self.inner.state.borrow().object_mode
    }

    /// Node's `readableEncoding`.
    pub fn readable_encoding(&self) -> Option<Encoding> {
        self.inner
            .state
            .borrow()
            .decoder
            .as_ref()
            .map(|d| d.encoding())
    }

    /// Node's `readableEnded`: `'end'` was emitted.
    pub fn readable_ended(&self) -> bool {
        self.inner.state.borrow().end_emitted
    }

    /// Node's `readableAborted`: destroyed or errored before `'end'`.
    pub fn readable_aborted(&self) -> bool {
        let s = self.inner.state.borrow();
        (s.destroyed || s.errored.is_some()) && !s.end_emitted
    }

    /// Node's `readableDidRead`: `'data'` was emitted at least once.
    pub fn readable_did_read(&self) -> bool {
        self.inner.state.borrow().data_emitted
    }

    /// Node's `destroyed`.
    pub fn destroyed(&self) -> bool {
        self.inner.state.borrow().destroyed
    }

    /// Node's `closed`: the source finished destroying.
    pub fn closed(&self) -> bool {
        self.inner.state.borrow().closed
    }

    /// Node's `errored`: the error the stream failed with, if any.
    pub fn errored(&self) -> Option<Error> {
        self.inner.state.borrow().errored.clone()
    }
}

/// What only a byte stream does.
impl Readable {
    /// Decodes the stream's bytes as text from now on; Node's `readable.setEncoding(enc)`.
    /// What is already buffered is decoded at once.
    ///
    /// Only a byte stream (a `Readable` of [`Chunk`]) has it: a typed stream's values are
    /// not bytes.
    pub fn set_encoding(&self, encoding: Encoding) -> &Readable {
        let mut s = self.inner.state.borrow_mut();
        let mut decoder = StringDecoder::new(encoding);
        let mut content = String::new();
        for chunk in s.buffer.drain(..) {
            match chunk {
                Chunk::Bytes(b) => content.push_str(&decoder.write(&b)),
                Chunk::Text(t) => content.push_str(&t),
                Chunk::Object(_) => {}
            }
        }
        if s.ended && s.ends_late_decoder {
            // No more bytes will come: what the decoder holds is all there is (v26).
            content.push_str(&decoder.end());
        }
        s.length = content.len();
        if !content.is_empty() {
            s.buffer.push_back(Chunk::Text(content));
        }
        s.decoder = Some(Box::new(decoder));
        self
    }
}
