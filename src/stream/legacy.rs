//! Node's legacy `Stream.prototype.pipe` (`lib/internal/streams/legacy.js`), for
//! old-style sources that just emit `'data'`, `'end'` and `'close'`, and the bare
//! [`LegacyStream`] such sources are made of.
//!
//! Unlike [`Readable::pipe`], the legacy pipe destroys the destination when the source
//! closes before it ends (a broken pipe, in dominictarr's stream-spec terms), never emits
//! `'unpipe'`, and re-raises an error nobody else handles.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use super::readable::{Chunk, PipeDestination, PipeOptions, Readable};
use crate::Error;
use nodestream_emitter::{EventEmitter, ListenerId};

/// A source for [`pipe`]: anything that emits `'data'` ([`Chunk`]), `'end'`, `'close'` (with
/// `()`) and `'error'` ([`Error`]) and may be paused: Node's old-style `Stream`.
pub trait LegacySource: Clone + 'static {
    /// The source's emitter.
    fn emitter(&self) -> EventEmitter;

    /// Adds a `'data'` listener (a Readable starts flowing).
    fn on_data(&self, listener: Box<dyn Fn(&Chunk)>) -> ListenerId {
        self.emitter().on("data", move |c: &Chunk| listener(c))
    }

    /// Node's `source.readable`.
    fn readable(&self) -> bool;

    /// Node's `source.pause()`, if it has one (the default does nothing).
    fn pause(&self) {}

    /// Node's `source.resume()`, if it has one (the default does nothing).
    fn resume(&self) {}

    /// An error the pipe re-raised because nobody else listens for it (Node throws it out
    /// of `emit('error')`).
    fn uncaught(&self, err: Error);
}

impl LegacySource for Readable {
    fn emitter(&self) -> EventEmitter {
        Readable::emitter(self).clone()
    }

    fn on_data(&self, listener: Box<dyn Fn(&Chunk)>) -> ListenerId {
        self.on("data", move |c: &Chunk| listener(c))
    }

    fn readable(&self) -> bool {
        Readable::readable(self)
    }

    fn pause(&self) {
        Readable::pause(self);
    }

    fn resume(&self) {
        Readable::resume(self);
    }

    fn uncaught(&self, err: Error) {
        self.hooks().mark_unhandled(&err, "Readable");
        self.loop_handle().report_error(err);
    }
}

struct LegacyInner {
    emitter: EventEmitter,
    readable: Cell<bool>,
    pause: Option<Box<dyn Fn()>>,
    resume: Option<Box<dyn Fn()>>,
    rethrown: RefCell<Option<Error>>,
}

/// Node's bare `Stream` (an EventEmitter with a `pipe` method) made readable: emit its
/// events by hand and [`pipe`] it. `readable` starts `true`.
///
/// # Examples
///
/// ```
/// use nodestream::stream::legacy::LegacyStream;
///
/// let src = LegacyStream::new().with_pause(|| println!("paused"));
/// assert!(src.readable());
/// assert!(!src.emit_data("nobody listens"));
/// ```
#[derive(Clone)]
pub struct LegacyStream {
    inner: Rc<LegacyInner>,
}

impl Default for LegacyStream {
    fn default() -> Self {
        LegacyStream::new()
    }
}

impl fmt::Debug for LegacyStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LegacyStream")
            .field("readable", &self.inner.readable.get())
            .finish_non_exhaustive()
    }
}

impl LegacyStream {
    /// A readable legacy stream with no `pause`/`resume`.
    pub fn new() -> LegacyStream {
        LegacyStream {
            inner: Rc::new(LegacyInner {
                emitter: EventEmitter::new(),
                readable: Cell::new(true),
                pause: None,
                resume: None,
                rethrown: RefCell::new(None),
            }),
        }
    }

    fn map(self, f: impl FnOnce(&mut LegacyInner)) -> LegacyStream {
        let mut inner = Rc::try_unwrap(self.inner).unwrap_or_else(|rc| LegacyInner {
            emitter: rc.emitter.clone(),
            readable: Cell::new(rc.readable.get()),
            pause: None,
            resume: None,
            rethrown: RefCell::new(None),
        });
        f(&mut inner);
        LegacyStream {
            inner: Rc::new(inner),
        }
    }

    /// Gives the stream a `pause` method.
    pub fn with_pause(self, pause: impl Fn() + 'static) -> LegacyStream {
        self.map(|i| i.pause = Some(Box::new(pause)))
    }

    /// Gives the stream a `resume` method.
    pub fn with_resume(self, resume: impl Fn() + 'static) -> LegacyStream {
        self.map(|i| i.resume = Some(Box::new(resume)))
    }

    /// The stream's emitter.
    pub fn emitter(&self) -> &EventEmitter {
        &self.inner.emitter
    }

    /// Node's `stream.readable`.
    pub fn readable(&self) -> bool {
        self.inner.readable.get()
    }

    /// Sets `stream.readable`.
    pub fn set_readable(&self, readable: bool) {
        self.inner.readable.set(readable);
    }

    /// `emit('data', chunk)`; returns whether anyone listened.
    pub fn emit_data(&self, chunk: impl Into<Chunk>) -> bool {
        self.inner.emitter.emit("data", &chunk.into())
    }

    /// `emit('end')`.
    pub fn emit_end(&self) -> bool {
        self.inner.emitter.emit("end", &())
    }

    /// `emit('close')`.
    pub fn emit_close(&self) -> bool {
        self.inner.emitter.emit("close", &())
    }

    /// `emit('error', err)`.
    ///
    /// # Errors
    ///
    /// The error itself when nobody handled it, including when a pipe's handler re-raised
    /// it (where Node's `emit` throws).
    pub fn emit_error(&self, err: Error) -> Result<(), Error> {
        self.inner.rethrown.borrow_mut().take();
        self.inner
            .emitter
            .emit_error(err)
            .map_err(|u| u.into_inner())?;
        match self.inner.rethrown.borrow_mut().take() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
}

impl LegacySource for LegacyStream {
    fn emitter(&self) -> EventEmitter {
        self.inner.emitter.clone()
    }

    fn readable(&self) -> bool {
        self.inner.readable.get()
    }

    fn pause(&self) {
        if let Some(pause) = &self.inner.pause {
            pause();
        }
    }

    fn resume(&self) {
        if let Some(resume) = &self.inner.resume {
            resume();
        }
    }

    fn uncaught(&self, err: Error) {
        *self.inner.rethrown.borrow_mut() = Some(err);
    }
}

/// The listeners one legacy pipe added.
#[derive(Default)]
struct Ids {
    source: RefCell<Vec<ListenerId>>,
    dest: RefCell<Vec<ListenerId>>,
    did_on_end: Cell<bool>,
}

impl Ids {
    /// Node's `cleanup`: remove every listener the pipe added.
    fn cleanup(&self, source: &EventEmitter, dest: &EventEmitter) {
        for id in self.source.take() {
            source.off(id);
        }
        for id in self.dest.take() {
            dest.off(id);
        }
    }
}

/// Pipes an old-style `source` into `dest`: Node's `Stream.prototype.pipe(dest, { end })`.
/// Returns `dest`'s emitter.
///
/// # Events
///
/// `'pipe'` on `dest` with `source` (its payload type is the source's type), as the last
/// step. Then: each `'data'` is written if `dest` is still writable, and a `false` from
/// `write` pauses the source; `dest`'s `'drain'` resumes it if it is still readable. Unless
/// `end: false`, the source's `'end'` ends `dest`, and a `'close'` before the `'end'`
/// destroys `dest` (whichever comes first acts). An `'error'` on either side removes the
/// pipe's listeners and, if that side has no other `'error'` listener, is re-raised
/// ([`LegacySource::uncaught`] for the source; the destination's loop for `dest`).
/// `'unpipe'` is never emitted.
///
/// # Examples
///
/// ```
/// use nodestream::stream::legacy::{self, LegacyStream};
/// use nodestream::stream::readable::PipeOptions;
/// # fn f(dest: &nodestream::Writable) {
/// let src = LegacyStream::new();
/// legacy::pipe(&src, dest, PipeOptions::default());
/// src.emit_data("hello");
/// src.emit_close(); // before 'end': dest is destroyed
/// # }
/// ```
pub fn pipe<S: LegacySource, D: PipeDestination + Clone>(
    source: &S,
    dest: &D,
    options: PipeOptions,
) -> EventEmitter {
    let src_em = source.emitter();
    let dest_em = dest.emitter();
    let ids = Rc::new(Ids::default());
    let dest_rc: Rc<dyn PipeDestination> = Rc::new(dest.clone());

    let (d, s) = (dest_rc.clone(), source.clone());
    let id = source.on_data(Box::new(move |chunk: &Chunk| {
        if d.writable() && !d.write(chunk) {
            s.pause();
        }
    }));
    ids.source.borrow_mut().push(id);

    let s = source.clone();
    let id = dest_em.on("drain", move |_: &()| {
        if s.readable() {
            s.resume();
        }
    });
    ids.dest.borrow_mut().push(id);

    if options.end {
        let (d, i) = (dest_rc.clone(), ids.clone());
        let id = src_em.on("end", move |_: &()| {
            if !i.did_on_end.replace(true) {
                d.end();
            }
        });
        ids.source.borrow_mut().push(id);
        let (d, i) = (dest_rc.clone(), ids.clone());
        let id = src_em.on("close", move |_: &()| {
            if !i.did_on_end.replace(true) {
                d.destroy(None);
            }
        });
        ids.source.borrow_mut().push(id);
    }

    // Error handlers go before anyone else's, on both sides.
    let (i, se, de, s) = (ids.clone(), src_em.clone(), dest_em.clone(), source.clone());
    let id = src_em.prepend_listener("error", move |err: &Error| {
        i.cleanup(&se, &de);
        if se.listener_count("error") == 0 {
            s.uncaught(err.clone());
        }
    });
    ids.source.borrow_mut().push(id);
    let (i, se, de, d) = (
        ids.clone(),
        src_em.clone(),
        dest_em.clone(),
        dest_rc.clone(),
    );
    let id = dest_em.prepend_listener("error", move |err: &Error| {
        i.cleanup(&se, &de);
        if de.listener_count("error") == 0 {
            d.uncaught(err.clone());
        }
    });
    ids.dest.borrow_mut().push(id);

    for ev in ["end", "close"] {
        let (i, se, de) = (ids.clone(), src_em.clone(), dest_em.clone());
        let id = src_em.on(ev, move |_: &()| i.cleanup(&se, &de));
        ids.source.borrow_mut().push(id);
    }
    let (i, se, de) = (ids.clone(), src_em.clone(), dest_em.clone());
    let id = dest_em.on("close", move |_: &()| i.cleanup(&se, &de));
    ids.dest.borrow_mut().push(id);

    dest_em.emit("pipe", source);
    dest_em
}
