//! Node's end-of-stream (`eos`, `lib/internal/streams/end-of-stream.js`): one answer, once,
//! to "did this stream end well?", for either side of a stream or both at once, from its
//! `'end'`, `'finish'`, `'error'` and `'close'` events and its state when the watch starts.
//! [`finished`](crate::stream::finished()), `pipeline`, the async iterator and the promise
//! API are built on it, as in Node.
//!
//! A stream takes part by implementing [`EosStream`]: its emitter, its loop, and a
//! snapshot of each side it has ([`ReadableEos`], [`WritableEos`], the fields of Node's
//! `_readableState`/`_writableState` that `eos` and its helpers in `utils.js` read). A
//! Readable has only the readable side, a Writable only the writable one, a Duplex both on
//! one emitter. The predicates of [`Snapshot`] are those of Node's `utils.js`, with
//! `Option<bool>` where Node returns `null`.
//!
//! The rules follow the loop's [`NodeCompat`]: v26 answers a stream already done at the
//! call (adding only an `'error'` listener that does nothing, so that a late error is not
//! uncaught), v20 adds every listener and decides on the next tick.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use nodestream_emitter::{EventEmitter, ListenerId, WeakEmitter};

use crate::compat::NodeCompat;
use crate::reactor::LoopHandle;
use crate::stream::lifecycle::{CLOSE, ERROR};
use crate::stream::readable::END;
use crate::stream::writable::FINISH;
use crate::{Error, ErrorCode};

/// What `eos` reads of a readable side: Node's `_readableState` and the `readable`
/// getter.
#[derive(Clone, Debug)]
pub struct ReadableEos {
    /// `_readableState.readable !== false`: off only for a Duplex made with its readable
    /// side disabled (Node then treats the stream as not readable at all).
    pub(crate) enabled: bool,
    /// The stream's `readable` getter.
    pub(crate) readable: bool,
    pub(crate) errored: Option<Error>,
    pub(crate) error_emitted: bool,
    pub(crate) ended: bool,
    pub(crate) end_emitted: bool,
    /// `length === 0`.
    pub(crate) empty: bool,
    pub(crate) destroyed: bool,
    pub(crate) closed: bool,
    pub(crate) auto_destroy: bool,
    pub(crate) emit_close: bool,
}

/// What `eos` reads of a writable side: Node's `_writableState` and the `writable`
/// getter.
#[derive(Clone, Debug)]
pub struct WritableEos {
    /// `_writableState.writable !== false` (off only for a Duplex whose writable side is
    /// disabled).
    pub(crate) enabled: bool,
    /// The stream's `writable` getter.
    pub(crate) writable: bool,
    pub(crate) errored: Option<Error>,
    pub(crate) error_emitted: bool,
    /// `ending` (the `writableEnded` getter).
    pub(crate) ending: bool,
    pub(crate) ended: bool,
    pub(crate) finished: bool,
    /// `length === 0`.
    pub(crate) empty: bool,
    pub(crate) pending_cb: usize,
    pub(crate) destroyed: bool,
    pub(crate) closed: bool,
    pub(crate) auto_destroy: bool,
    pub(crate) emit_close: bool,
}

/// A stream `eos` can watch and `pipeline` can destroy: a Readable, a Writable, a
/// Duplex (both sides on one emitter), or a stream made of one of them.
///
/// Public in name only (this module is crate-private): it seals
/// [`Finishable`](crate::stream::Finishable), whose implementations are the crate's
/// streams. A new stream kind implements it and `Finishable` (see `stream/finished.rs`).
///
/// The events come from [`eos_emitter`](EosStream::eos_emitter): `'end'` (with `()`) when
/// the stream has a readable side, `'finish'` (with `()`) when it has a writable side,
/// `'error'` (with [`Error`]) and `'close'` (with `()`).
pub trait EosStream: 'static {
    /// The emitter of the stream's events.
    fn eos_emitter(&self) -> EventEmitter;
    /// The loop, for the answers owed on the next tick.
    fn eos_loop(&self) -> LoopHandle;
    /// The readable side's state now, if the stream has one.
    fn eos_readable(&self) -> Option<ReadableEos>;
    /// The writable side's state now, if the stream has one.
    fn eos_writable(&self) -> Option<WritableEos>;
    /// Node's `stream.destroy(err)`: the whole stream.
    fn eos_destroy(&self, err: Option<Error>);
    /// A handle to the stream that does not keep it alive (the watch's listeners live in
    /// the stream's emitter).
    fn eos_weak(&self) -> WeakStream;
}

/// A handle to a stream that does not keep it alive: the stream, if it still is.
pub type WeakStream = Rc<dyn Fn() -> Option<Box<dyn EosStream>>>;

/// Both sides' state, and Node's predicates over them (`utils.js`).
#[derive(Clone, Debug)]
pub(crate) struct Snapshot {
    pub(crate) r: Option<ReadableEos>,
    pub(crate) w: Option<WritableEos>,
}

impl Snapshot {
    /// The state of `stream` now.
    pub(crate) fn of(stream: &dyn EosStream) -> Snapshot {
        Snapshot {
            r: stream.eos_readable(),
            w: stream.eos_writable(),
        }
    }

    /// `isReadableNodeStream(stream)` (strict or not: every readable side here has
    /// `pause` and `resume`).
    pub(crate) fn is_readable_node_stream(&self) -> bool {
        self.r.as_ref().is_some_and(|r| r.enabled)
    }

    /// `isWritableNodeStream(stream)`.
    pub(crate) fn is_writable_node_stream(&self) -> bool {
        self.w.as_ref().is_some_and(|w| w.enabled)
    }

    /// `willEmitClose(stream)`: of the writable state if there is one, else the readable.
    fn will_emit_close(&self) -> bool {
        match (&self.w, &self.r) {
            (Some(w), _) => w.auto_destroy && w.emit_close && !w.closed,
            (None, Some(r)) => r.auto_destroy && r.emit_close && !r.closed,
            (None, None) => false,
        }
    }

    /// The `destroyed` getter (a Duplex's: both sides destroyed).
    pub(crate) fn destroyed(&self) -> bool {
        match (&self.r, &self.w) {
            (Some(r), Some(w)) => r.destroyed && w.destroyed,
            (Some(r), None) => r.destroyed,
            (None, Some(w)) => w.destroyed,
            (None, None) => false,
        }
    }

    /// `isDestroyed(stream)`: the getter, or the writable state's (else the readable's)
    /// `destroyed`.
    pub(crate) fn is_destroyed(&self) -> bool {
        self.destroyed()
            || match (&self.w, &self.r) {
                (Some(w), _) => w.destroyed,
                (None, Some(r)) => r.destroyed,
                (None, None) => false,
            }
    }

    /// The `closed` getter (a Duplex has the Readable's).
    pub(crate) fn closed(&self) -> bool {
        match (&self.r, &self.w) {
            (Some(r), _) => r.closed,
            (None, Some(w)) => w.closed,
            (None, None) => false,
        }
    }

    /// `isReadableFinished(stream, strict)`.
    pub(crate) fn is_readable_finished(&self, strict: bool) -> Option<bool> {
        if !self.is_readable_node_stream() {
            return None;
        }
        let r = self.r.as_ref()?;
        if r.errored.is_some() {
            return Some(false);
        }
        Some(r.end_emitted || (!strict && r.ended && r.empty))
    }

    /// `isWritableFinished(stream, strict)`: the `writableFinished` getter wins over an
    /// error.
    pub(crate) fn is_writable_finished(&self, strict: bool) -> Option<bool> {
        if !self.is_writable_node_stream() {
            return None;
        }
        let w = self.w.as_ref()?;
        if w.finished {
            return Some(true);
        }
        if w.errored.is_some() {
            return Some(false);
        }
        Some(!strict && w.ended && w.empty)
    }

    /// `isWritableEnded(stream)`.
    fn is_writable_ended(&self) -> Option<bool> {
        if !self.is_writable_node_stream() {
            return None;
        }
        let w = self.w.as_ref()?;
        if w.ending {
            return Some(true);
        }
        if w.errored.is_some() {
            return Some(false);
        }
        Some(w.ended)
    }

    /// `isReadable(stream)`: `None` for a stream with no `readable` getter.
    pub(crate) fn is_readable(&self) -> Option<bool> {
        let r = self.r.as_ref()?;
        if self.is_destroyed() {
            return Some(false);
        }
        Some(
            self.is_readable_node_stream()
                && r.readable
                && self.is_readable_finished(true) != Some(true),
        )
    }

    /// `isWritable(stream)`: `None` for a stream with no `writable` getter.
    pub(crate) fn is_writable(&self) -> Option<bool> {
        let w = self.w.as_ref()?;
        if self.is_destroyed() {
            return Some(false);
        }
        Some(self.is_writable_node_stream() && w.writable && self.is_writable_ended() != Some(true))
    }

    /// `isWritableErrored(stream) || isReadableErrored(stream)`.
    pub(crate) fn errored(&self) -> Option<Error> {
        let w = self.w.as_ref().and_then(|w| w.errored.clone());
        w.or_else(|| self.r.as_ref().and_then(|r| r.errored.clone()))
    }

    fn error_emitted(&self) -> bool {
        self.w.as_ref().is_some_and(|w| w.error_emitted)
            || self.r.as_ref().is_some_and(|r| r.error_emitted)
    }

    /// The `readable` getter, as JavaScript's `!stream.readable` reads it (a stream with
    /// no readable side has none: `undefined`).
    fn readable_getter(&self) -> bool {
        self.r.as_ref().is_some_and(|r| r.readable)
    }

    fn writable_getter(&self) -> bool {
        self.w.as_ref().is_some_and(|w| w.writable)
    }

    /// v26's `getEosOnCloseError` (v20's `onclose`): the stream's error, or a premature
    /// close of a watched side that did not finish.
    fn on_close_error(
        &self,
        readable: bool,
        readable_finished: Option<bool>,
        writable: bool,
        writable_finished: Option<bool>,
    ) -> Option<Error> {
        if let Some(err) = self.errored() {
            return Some(err);
        }
        if readable
            && readable_finished != Some(true)
            && self.is_readable_node_stream()
            && self.is_readable_finished(false) != Some(true)
        {
            return Some(Error::from_code(ErrorCode::PrematureClose));
        }
        if writable
            && writable_finished != Some(true)
            && self.is_writable_finished(false) != Some(true)
        {
            return Some(Error::from_code(ErrorCode::PrematureClose));
        }
        None
    }
}

/// Node's `eos` options: which sides to wait for (`None`: each side the stream has), and
/// whether an `'error'` answers (`error: false` leaves errors to `'close'`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct EosOptions {
    pub(crate) readable: Option<bool>,
    pub(crate) writable: Option<bool>,
    pub(crate) error: bool,
}

impl Default for EosOptions {
    fn default() -> Self {
        EosOptions {
            readable: None,
            writable: None,
            error: true,
        }
    }
}

/// The answer's receiver: `None` for a stream that ended well.
pub(crate) type EosCallback = Box<dyn FnOnce(Option<Error>)>;

/// One watch: Node's closure variables of `eos`.
struct Watch {
    stream: WeakStream,
    readable: bool,
    writable: bool,
    will_emit_close: Cell<bool>,
    readable_finished: Cell<Option<bool>>,
    writable_finished: Cell<Option<bool>>,
    /// Taken when called (Node's `once`) or cleaned up (Node's `callback = nop`).
    callback: RefCell<Option<EosCallback>>,
}

impl Watch {
    fn snapshot(&self) -> Option<Snapshot> {
        (self.stream)().map(|s| Snapshot::of(&*s))
    }

    fn callback(&self, err: Option<Error>) {
        let cb = self.callback.borrow_mut().take();
        if let Some(cb) = cb {
            cb(err);
        }
    }

    fn on_legacy_finish(&self) {
        let Some(snap) = self.snapshot() else { return };
        if !snap.writable_getter() {
            self.on_finish_with(&snap);
        }
    }

    fn on_finish(&self) {
        if let Some(snap) = self.snapshot() {
            self.on_finish_with(&snap);
        }
    }

    fn on_finish_with(&self, snap: &Snapshot) {
        self.writable_finished.set(Some(true));
        if snap.destroyed() {
            self.will_emit_close.set(false);
        }
        if self.will_emit_close.get() && (!snap.readable_getter() || self.readable) {
            return;
        }
        if !self.readable || self.readable_finished.get() == Some(true) {
            self.callback(None);
        }
    }

    fn on_end(&self) {
        let Some(snap) = self.snapshot() else { return };
        self.readable_finished.set(Some(true));
        if snap.destroyed() {
            self.will_emit_close.set(false);
        }
        if self.will_emit_close.get() && (!snap.writable_getter() || self.writable) {
            return;
        }
        if !self.writable || self.writable_finished.get() == Some(true) {
            self.callback(None);
        }
    }

    fn on_close(&self) {
        let Some(snap) = self.snapshot() else { return };
        let err = snap.on_close_error(
            self.readable,
            self.readable_finished.get(),
            self.writable,
            self.writable_finished.get(),
        );
        self.callback(err);
    }

    fn on_closed(&self) {
        let Some(snap) = self.snapshot() else { return };
        self.callback(snap.errored());
    }
}

/// The listeners of one watch, for Node's `cleanup()`. Holds the stream's emitter weakly:
/// a handle kept after the stream is gone keeps nothing alive.
#[derive(Clone)]
pub(crate) struct EosCleanup {
    watch: Rc<Watch>,
    emitter: WeakEmitter,
    ids: Rc<[ListenerId]>,
}

impl EosCleanup {
    /// Node's `cleanup()`: the callback will not be called, and the watch's listeners are
    /// removed. Calling it again does nothing more.
    pub(crate) fn cleanup(&self) {
        let cb = self.watch.callback.borrow_mut().take();
        // Dropped with no borrow held: it may own handles whose drop runs user code.
        drop(cb);
        if let Some(em) = self.emitter.upgrade() {
            for &id in self.ids.iter() {
                em.off(id);
            }
        }
    }
}

impl fmt::Debug for EosCleanup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EosCleanup")
            .field("listeners", &self.ids.len())
            .field("answered", &self.watch.callback.borrow().is_none())
            .finish()
    }
}

/// When the answer is known at the call (Node's tail of `eos`).
enum AtOnce {
    /// Closed already: `onclose`.
    Close,
    /// Done or failed already: `onclosed`.
    Closed,
}

/// Starts watching `stream`: Node's `eos(stream, options, callback)`. `callback` runs at
/// most once, on a later tick or from one of the stream's events, never inside this call.
pub(crate) fn eos(
    stream: &dyn EosStream,
    options: EosOptions,
    callback: EosCallback,
) -> EosCleanup {
    let snap = Snapshot::of(stream);
    let lp = stream.eos_loop();
    let rns = snap.is_readable_node_stream();
    let wns = snap.is_writable_node_stream();
    let readable = options.readable.unwrap_or(rns);
    let writable = options.writable.unwrap_or(wns);
    let will_emit_close = snap.will_emit_close() && rns == readable && wns == writable;
    let writable_finished = snap.is_writable_finished(false);
    let readable_finished = snap.is_readable_finished(false);

    let at_once = if snap.closed() {
        Some(AtOnce::Close)
    } else if snap.error_emitted() {
        (!will_emit_close).then_some(AtOnce::Closed)
    } else {
        // Node's two branches: only the writable side watched and it is done (with no
        // callback pending), or only the readable side and it is done.
        let writable_done = !readable
            && (!will_emit_close || snap.is_readable() == Some(true))
            && (writable_finished == Some(true) || snap.is_writable() == Some(false))
            && snap.w.as_ref().map_or(true, |w| w.pending_cb == 0);
        let readable_done = !writable
            && (!will_emit_close || snap.is_writable() == Some(true))
            && (readable_finished == Some(true) || snap.is_readable() == Some(false));
        (writable_done || readable_done).then_some(AtOnce::Closed)
    };

    let emitter = stream.eos_emitter();
    let watch = Rc::new(Watch {
        stream: stream.eos_weak(),
        readable,
        writable,
        will_emit_close: Cell::new(will_emit_close),
        readable_finished: Cell::new(readable_finished),
        writable_finished: Cell::new(writable_finished),
        callback: RefCell::new(Some(callback)),
    });

    if lp.compat() == NodeCompat::V26 {
        if let Some(at_once) = at_once {
            // v26: the answer is the state's now; one `'error'` listener that does
            // nothing keeps a later error from going uncaught.
            let answer = match at_once {
                AtOnce::Close => {
                    snap.on_close_error(readable, readable_finished, writable, writable_finished)
                }
                AtOnce::Closed => snap.errored(),
            };
            let mut ids = Vec::new();
            if options.error {
                ids.push(emitter.on(ERROR, |_: &Error| {}));
            }
            let w = watch.clone();
            lp.next_tick(move || w.callback(answer));
            return EosCleanup {
                watch,
                emitter: emitter.downgrade(),
                ids: ids.into(),
            };
        }
    }

    let mut ids = Vec::with_capacity(6);
    if writable && snap.w.is_none() {
        // Node's branch for legacy streams (no `_writableState`): asked to wait for the
        // writable side of a stream that has none, it takes `'end'` or `'close'` as the
        // finish.
        for ev in [END, CLOSE] {
            let w = Rc::downgrade(&watch);
            ids.push(emitter.on(ev, move |_: &()| {
                if let Some(w) = w.upgrade() {
                    w.on_legacy_finish();
                }
            }));
        }
    }
    // Node adds both `'end'` and `'finish'` listeners; here only those of the sides the
    // stream has, since a stream warns about a listener for an event it never emits (a
    // Readable has no `'finish'`, a Writable no `'end'`).
    if snap.r.is_some() {
        let w = watch.clone();
        ids.push(emitter.on(END, move |_: &()| w.on_end()));
    }
    if snap.w.is_some() {
        let w = watch.clone();
        ids.push(emitter.on(FINISH, move |_: &()| w.on_finish()));
    }
    if options.error {
        let w = watch.clone();
        ids.push(emitter.on(ERROR, move |err: &Error| w.callback(Some(err.clone()))));
    }
    let w = watch.clone();
    ids.push(emitter.on(CLOSE, move |_: &()| w.on_close()));

    match at_once {
        Some(AtOnce::Close) => {
            let w = watch.clone();
            lp.next_tick(move || w.on_close());
        }
        Some(AtOnce::Closed) => {
            let w = watch.clone();
            lp.next_tick(move || w.on_closed());
        }
        None => {}
    }
    EosCleanup {
        watch,
        emitter: emitter.downgrade(),
        ids: ids.into(),
    }
}
