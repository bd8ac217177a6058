//! Node's `end-of-stream` (`eos`, behind `stream.finished`): one answer, once, to "did this
//! stream end well?", from its `'end'`/`'finish'`, `'error'` and `'close'` events and its
//! state when the watch starts. The async iterator of a Readable and
//! [`finished`](crate::stream::promises::finished) are both built on it, as in Node.
//!
//! The rules are those of Node v20's `lib/internal/streams/end-of-stream.js`: a stream
//! that will emit `'close'` (auto-destroy and emit-close on, not closed yet) is done at
//! `'close'`, not at `'end'`/`'finish'`; a `'close'` before the end is
//! `ERR_STREAM_PREMATURE_CLOSE`; an `'error'` is the answer at once; a stream already done
//! when the watch starts answers on the next tick.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::Waker;

use nodestream_emitter::{EventEmitter, ListenerId};

use crate::reactor::LoopHandle;
use crate::stream::lifecycle::{CLOSE, ERROR};
use crate::stream::readable::END;
use crate::stream::writable::FINISH;
use crate::{Error, ErrorCode};

/// What the watch reads of a stream's state (Node's `_readableState`/`_writableState`
/// fields that `eos` and its helpers in `utils.js` look at).
#[derive(Clone, Debug, Default)]
pub(crate) struct EosState {
    /// `autoDestroy && emitClose && !closed` (Node's `_willEmitClose`).
    pub(crate) will_emit_close: bool,
    /// `state.closed`: `_destroy` completed.
    pub(crate) closed: bool,
    pub(crate) destroyed: bool,
    pub(crate) errored: Option<Error>,
    pub(crate) error_emitted: bool,
    /// `isReadableFinished(stream, false)` / `isWritableFinished(stream, false)`.
    pub(crate) finished_loose: bool,
    /// `isReadable(stream)` / `isWritable(stream)`.
    pub(crate) active: bool,
    /// A Writable's `pendingcb` (0 for a Readable).
    pub(crate) pending_cb: usize,
}

/// A stream `eos` can watch: one side, Readable or Writable.
pub(crate) trait EosStream: 'static {
    /// Whether the watched side is the readable one (`'end'`) or the writable one
    /// (`'finish'`).
    const READABLE: bool;
    /// The stream's emitter, for the watch's listeners.
    fn eos_emitter(&self) -> EventEmitter;
    /// The loop, for the answer owed at once (on the next tick).
    fn eos_loop(&self) -> LoopHandle;
    /// The state now.
    fn eos_state(&self) -> EosState;
    /// Reads the state through a handle that does not keep the stream alive (the
    /// listeners live in the stream's emitter).
    fn eos_state_weak(&self) -> Rc<dyn Fn() -> Option<EosState>>;
}

/// The shared part of a watch: the answer, and the waker of the future waiting for it.
pub(crate) struct Watch {
    answer: RefCell<Option<Result<(), Error>>>,
    waker: RefCell<Option<Waker>>,
    /// Listeners of the readable side (the async iterator's `'readable'`) wake the same
    /// waker; set once the answer came, so that nothing after it counts.
    answered: Cell<bool>,
    will_emit_close: Cell<bool>,
    /// `readableFinished` / `writableFinished` of Node's `eos`.
    side_finished: Cell<bool>,
    state: Rc<dyn Fn() -> Option<EosState>>,
}

impl Watch {
    /// The answer, once it came (taken: the caller is done with the watch then).
    pub(crate) fn answer(&self) -> Option<Result<(), Error>> {
        self.answer.borrow().clone()
    }

    /// The future waiting on this watch (and on the events that share its waker).
    pub(crate) fn set_waker(&self, waker: &Waker) {
        let mut slot = self.waker.borrow_mut();
        match &*slot {
            Some(w) if w.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    /// Wakes the waiting future (no borrow held while waking).
    pub(crate) fn wake(&self) {
        let waker = self.waker.borrow_mut().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn callback(&self, answer: Result<(), Error>) {
        if self.answered.replace(true) {
            return;
        }
        *self.answer.borrow_mut() = Some(answer);
        self.wake();
    }

    fn on_side_done(&self) {
        self.side_finished.set(true);
        let Some(state) = (self.state)() else { return };
        if state.destroyed {
            self.will_emit_close.set(false);
        }
        if self.will_emit_close.get() {
            return;
        }
        self.callback(Ok(()));
    }

    fn on_close(&self) {
        let Some(state) = (self.state)() else { return };
        if let Some(err) = state.errored {
            return self.callback(Err(err));
        }
        if !self.side_finished.get() && !state.finished_loose {
            return self.callback(Err(Error::from_code(ErrorCode::PrematureClose)));
        }
        self.callback(Ok(()));
    }

    fn on_closed(&self) {
        let Some(state) = (self.state)() else { return };
        match state.errored {
            Some(err) => self.callback(Err(err)),
            None => self.callback(Ok(())),
        }
    }
}

/// A running watch (public only in name: the sealed trait of `finished` names it): its listeners stay on the stream until [`cleanup`](Eos::cleanup) (or
/// for the stream's life, as Node leaves them when it destroys the stream).
#[allow(unreachable_pub)]
pub struct Eos {
    pub(crate) watch: Rc<Watch>,
    emitter: EventEmitter,
    ids: [ListenerId; 3],
}

impl Eos {
    /// Starts watching `stream` (Node's `eos(stream, callback)`).
    pub(crate) fn new<S: EosStream>(stream: &S) -> Eos {
        let state = stream.eos_state();
        let watch = Rc::new(Watch {
            answer: RefCell::new(None),
            waker: RefCell::new(None),
            answered: Cell::new(false),
            will_emit_close: Cell::new(state.will_emit_close),
            side_finished: Cell::new(state.finished_loose),
            state: stream.eos_state_weak(),
        });
        let emitter = stream.eos_emitter();
        let (w_side, w_error, w_close) = (watch.clone(), watch.clone(), watch.clone());
        // Node adds both `'end'` and `'finish'` listeners; here only the watched side's,
        // since a stream warns about a listener for an event it never emits (a Readable
        // has no `'finish'`, a Writable no `'end'`).
        let side = match S::READABLE {
            true => emitter.on(END, move |_: &()| w_side.on_side_done()),
            false => emitter.on(FINISH, move |_: &()| w_side.on_side_done()),
        };
        let ids = [
            side,
            emitter.on(ERROR, move |err: &Error| w_error.callback(Err(err.clone()))),
            emitter.on(CLOSE, move |_: &()| w_close.on_close()),
        ];
        let lp = stream.eos_loop();
        let now = |f: fn(&Watch)| {
            let w = watch.clone();
            lp.next_tick(move || f(&w));
        };
        let wec = state.will_emit_close;
        if state.closed {
            now(Watch::on_close);
        } else if state.error_emitted {
            if !wec {
                now(Watch::on_closed);
            }
        } else if (!wec || state.active)
            && (state.finished_loose || !state.active)
            && state.pending_cb == 0
        {
            now(Watch::on_closed);
        }
        Eos {
            watch,
            emitter,
            ids,
        }
    }

    /// Removes the watch's listeners (Node's `cleanup()`); the answer stays as it is.
    pub(crate) fn cleanup(&self) {
        self.watch.answered.set(true);
        for id in self.ids {
            self.emitter.off(id);
        }
    }
}

impl std::fmt::Debug for Eos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Eos")
            .field("answer", &self.watch.answer())
            .finish_non_exhaustive()
    }
}
