//! The Writable state machine: Node v20's `internal/streams/writable.js` and the Writable
//! half of `internal/streams/destroy.js`, function by function.
//!
//! Names follow Node's (`on_write` is `onwrite`, `clear_buffer` is `clearBuffer`, ...), so
//! each function can be read beside the original. The state is made of `Cell`s (see
//! `state.rs`); the only `RefCell` borrows (the buffer, the stored error, the sink) are
//! never held while user code (a sink method, a callback, a listener) runs, except the
//! sink's own borrow around its method, which is why re-entrant sink calls are queued.
//!
//! This file holds what the machine is ([`Inner`]), how it is built, how it calls into the
//! sink (at once, or queued when re-entered) and the entry points the completion tokens
//! call back ([`Core`]). The functions themselves are `impl` blocks of [`Inner`] in the
//! files beside it:
//!
//! - `write.rs`: `_write` + `writeOrBuffer`, `onwrite`, `afterWrite`, `onwriteError`;
//! - `clear_buffer.rs`: `clearBuffer`, `errorBuffer`, `cork`/`uncork`;
//! - `finish.rs`: `end`, `finishMaybe`, `prefinish`, `onFinish`, `finish`;
//! - `destroy.rs`: `destroy`, `_destroy`/`onDestroy`, `errorOrDestroy`,
//!   `emitErrorNT`/`emitCloseNT`, construct.
//!
//! Whether the sink has `_writev` and `_final` is learned from the sink: their default
//! bodies answer "not implemented" at once (see [`Sink`]), and the machine then takes
//! Node's path for a stream without them (`clear_buffer.rs`, `finish.rs`).

use std::any::Any;
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use crate::error::{Error, ErrorCode};
use crate::reactor::{catch_as_error, on_unwind, LoopHandle};
use crate::stream::duplex::link::ReadablePart;
use crate::stream::encoding::Encoding;
use crate::stream::lifecycle::Hooks;
use nodestream_emitter::EventEmitter;

use super::callbacks::{
    ConstructCallback, Core, DestroyCallback, DestroyDone, FinalCallback, UserCallback,
    WriteCallback,
};
use super::sink::Sink;
use super::state::*;

/// A call into the sink, run at once or, if the sink is already running (re-entrancy),
/// queued until the running call returns.
pub(crate) enum SinkOp<T> {
    Write(T),
    /// A batch, and, the first time the sink is asked for `_writev`, the batch's callbacks
    /// kept one per chunk so that a sink without `_writev` gets them back one by one.
    Writev(Vec<T>, Option<BatchCallbacks>),
    /// `_final`, from a `finishMaybe(sync)`.
    Final {
        sync: bool,
    },
    Destroy(Option<Error>, DestroyCallback),
    Construct(ConstructCallback),
}

/// The callbacks of the first batch handed to `_writev`, one per chunk (see
/// [`SinkOp::Writev`]).
pub(crate) type BatchCallbacks = Rc<Cell<Vec<Option<UserCallback>>>>;

/// Where the `'error'`/`'close'` tick of a destroy that waits for the running sink method
/// stands (see `Inner::start_destroy`).
#[derive(Default)]
pub(crate) enum CloseSlot {
    /// No destroy waits.
    #[default]
    Free,
    /// A tick is queued where Node's would be; `_destroy` has not completed yet.
    Reserved,
    /// `_destroy` completed: the reserved tick emits these.
    Filled(Option<Error>),
}

/// Node's `_construct`, given where the stream is made: called on the next tick with the
/// sink.
pub(crate) type ConstructStep<S> = Box<dyn FnOnce(&mut S, ConstructCallback)>;

/// What a Writable handle points at: the state and the sink itself (`S` is
/// `Box<dyn Sink<T>>` for the common `Writable<T>`).
pub(crate) struct Inner<T: 'static, S: 'static> {
    pub(crate) state: State<T>,
    /// Sink calls that arrived while the sink was running.
    pub(super) deferred: RefCell<VecDeque<SinkOp<T>>>,
    pub(crate) emitter: EventEmitter,
    pub(crate) lp: LoopHandle,
    /// The encoding of strings written without one.
    pub(crate) default_encoding: Cell<Encoding>,
    pub(crate) decode_strings: bool,
    pub(super) sink: RefCell<S>,
    /// The construct step, until the tick that runs it.
    pub(super) construct: Cell<Option<ConstructStep<S>>>,
    /// The batch a sink without `_writev` handed back, for the call that gave it.
    pub(super) writev_back: Cell<Option<Vec<T>>>,
    /// The sink is inside `writev` or `finalize`: a "not implemented" answer now is the
    /// default body's (see `on_writev_absent`, `on_final_absent`).
    pub(super) asking: Cell<bool>,
    /// The place in the tick queue of the `'error'`/`'close'` of a destroy that waits for
    /// the running sink method (see `Inner::start_destroy`).
    pub(super) close_slot: Cell<CloseSlot>,
    /// The crate's own hook of a sink that holds writes back (see `Inner::relieve`).
    pub(super) relieve: OnceCell<Box<dyn Fn()>>,
    /// The library's own reactions to this stream's error and closing (never listeners).
    pub(crate) hooks: Hooks,
    /// The readable side, when this is the writable side of a Duplex.
    pub(crate) partner: OnceCell<Box<dyn ReadablePart>>,
}

/// A sink handed a batch back where it could not be taken back (see
/// [`WriteCallback::writev_not_implemented`]).
pub(super) fn writev_missing() -> Error {
    Error::custom(
        "ERR_METHOD_NOT_IMPLEMENTED",
        "The _writev() method is not implemented",
    )
}

pub(crate) fn destroyed_error(op: &str) -> Error {
    Error::new(
        ErrorCode::Destroyed,
        format!("Cannot call {op} after a stream was destroyed"),
    )
}

impl<T: 'static, S: Sink<T>> Inner<T, S> {
    pub(crate) fn new(
        lp: LoopHandle,
        sink: S,
        state: State<T>,
        default_encoding: Encoding,
        construct: Option<ConstructStep<S>>,
        emitter: EventEmitter,
    ) -> Rc<Self> {
        let decode_strings = state.has(DECODE_STRINGS);
        let has_construct = construct.is_some();
        let this = Rc::new(Inner {
            state,
            deferred: RefCell::new(VecDeque::new()),
            emitter,
            lp,
            default_encoding: Cell::new(default_encoding),
            decode_strings,
            sink: RefCell::new(sink),
            construct: Cell::new(construct),
            writev_back: Cell::new(None),
            asking: Cell::new(false),
            close_slot: Cell::new(CloseSlot::Free),
            relieve: OnceCell::new(),
            hooks: Hooks::default(),
            partner: OnceCell::new(),
        });
        if has_construct {
            // destroyImpl.construct: not constructed until `_construct` calls back, which
            // is started on the next tick.
            this.state.clear(CONSTRUCTED);
            let t = this.clone();
            this.lp.next_tick(move || {
                let cb = ConstructCallback {
                    core: t.clone(),
                    called: Rc::new(Cell::new(false)),
                };
                Self::run_sink(&t, SinkOp::Construct(cb));
            });
        }
        this
    }

    #[inline(always)]
    pub(super) fn core(this: &Rc<Self>) -> Rc<dyn Core> {
        this.clone()
    }

    // ----- calls into the sink ------------------------------------------------------

    /// Node's `kSync`: the stream is inside the sink's `_write`, `_writev` or `_final`.
    /// Derived rather than stored: the sink is borrowed exactly while one of its methods
    /// runs (called by `write()` or `run_sink`), and `sink_other` marks `_destroy` and
    /// `_construct`, which Node does not run under `kSync`. (Node's initial `sync: true`
    /// is never read before the first sink call, so `false` there is the same.)
    #[inline]
    pub(super) fn sync(&self) -> bool {
        self.sink.try_borrow_mut().is_err() && !self.state.sink_other.get()
    }

    /// Runs `op` on the sink now, or queues it if the sink is running (re-entrant call).
    pub(super) fn run_sink(this: &Rc<Self>, op: SinkOp<T>) {
        let Ok(mut sink) = this.sink.try_borrow_mut() else {
            this.deferred.borrow_mut().push_back(op);
            this.state.set(DEFERRED);
            return;
        };
        // A panic in the sink (or in user code its completion ran) unwinds: the calls
        // queued meanwhile are owed, on the next tick.
        this.lp.owing(
            || Self::exec(this, &mut *sink, op, false),
            || Self::deferred_later(this),
        );
        Self::run_deferred(this, &mut *sink);
    }

    /// Runs the sink calls queued while the sink was busy, in order, until none is left.
    pub(super) fn run_deferred(this: &Rc<Self>, sink: &mut S) {
        while this.state.has(DEFERRED) {
            let next = this.deferred.borrow_mut().pop_front();
            match next {
                Some(op) => this.lp.owing(
                    || Self::exec(this, sink, op, true),
                    || Self::deferred_later(this),
                ),
                None => this.state.clear(DEFERRED),
            }
        }
    }

    /// What a panic in a sink call leaves owed: the sink calls queued while it ran, on
    /// the next tick.
    pub(super) fn deferred_later(this: &Rc<Self>) -> impl FnOnce() + 'static {
        let t = this.clone();
        move || {
            if let Ok(mut sink) = t.sink.try_borrow_mut() {
                Self::run_deferred(&t, &mut *sink);
            }
        }
    }

    /// Runs `op` on the sink; `deferred` when it was queued (the caller that made it has
    /// returned, so what follows an answer of "not implemented" is done here).
    fn exec(this: &Rc<Self>, sink: &mut S, op: SinkOp<T>, deferred: bool) {
        let st = &this.state;
        match op {
            SinkOp::Write(chunk) => {
                if st.has(DESTROYED) {
                    Self::on_write(this, Some(destroyed_error("write")));
                } else {
                    sink.write(
                        chunk,
                        WriteCallback {
                            core: Self::core(this),
                        },
                    );
                }
            }
            SinkOp::Writev(chunks, callbacks) => {
                if st.has(DESTROYED) {
                    Self::on_write(this, Some(destroyed_error("write")));
                } else {
                    let cb = WriteCallback {
                        core: Self::core(this),
                    };
                    this.asking.set(true);
                    on_unwind(|| sink.writev(chunks, cb), || this.asking.set(false));
                    this.asking.set(false);
                    if let Some(chunks) = this.writev_back.take() {
                        match callbacks {
                            Some(callbacks) => {
                                Self::writev_absent(this, chunks, callbacks, deferred)
                            }
                            // Batches were taken before: this one fails.
                            None => Self::on_write(this, Some(writev_missing())),
                        }
                    }
                }
            }
            SinkOp::Final { sync } => {
                // Node's `callFinal`: a throwing `_final` completes it with that error.
                let cb = FinalCallback {
                    core: Self::core(this),
                };
                this.asking.set(true);
                let done = catch_as_error("_final", || sink.finalize(cb));
                this.asking.set(false);
                if let Err(err) = done {
                    Self::on_final(this, Some(err));
                } else if deferred && st.flags() & (NO_FINAL | FINAL_CALLED) == NO_FINAL {
                    // No `_final` after all: `prefinish` has returned, so its path for a
                    // stream without one is taken here.
                    Self::prefinish_without_final(this, sync);
                }
            }
            SinkOp::Destroy(err, cb) => {
                // Node's `_destroy`: a throw completes the destroy with that error, unless
                // it completed already (Node then ignores the throw; here the panic goes
                // on, since nothing else would report it).
                let token = cb.clone();
                let outer = st.sink_other.replace(true);
                let done = panic::catch_unwind(AssertUnwindSafe(|| sink.destroy(err, cb)));
                st.sink_other.set(outer);
                if let Err(payload) = done {
                    if token.shared.called.get() {
                        panic::resume_unwind(payload);
                    }
                    token.call(Some(Error::from_panic("_destroy", &*payload)));
                }
            }
            SinkOp::Construct(cb) => {
                // Node's `constructNT`: a throwing `_construct` completes it with that
                // error.
                let Some(step) = this.construct.take() else {
                    return;
                };
                let token = cb.clone();
                let outer = st.sink_other.replace(true);
                let done = catch_as_error("_construct", || step(sink, cb));
                st.sink_other.set(outer);
                if let Err(err) = done {
                    token.call(Some(err));
                }
            }
        }
    }
}

impl<T: 'static, S: Sink<T>> Core for Inner<T, S> {
    #[inline]
    fn on_write(self: Rc<Self>, err: Option<Error>) {
        Inner::on_write(&self, err);
    }

    fn on_writev_absent(self: Rc<Self>, chunks: &mut dyn Any) {
        let chunks = chunks
            .downcast_mut::<Option<Vec<T>>>()
            .and_then(Option::take);
        match chunks {
            // Inside `writev`: `exec` takes the batch back when the call returns.
            Some(chunks) if self.asking.get() && self.state.has(WRITING) => {
                self.writev_back.set(Some(chunks))
            }
            // Anywhere else there is no batch to give back to: the write in flight fails.
            _ => Inner::on_write(&self, Some(writev_missing())),
        }
    }

    fn on_final(self: Rc<Self>, err: Option<Error>) {
        Inner::on_final(&self, err);
    }

    fn on_final_absent(self: Rc<Self>) {
        let st = &self.state;
        if !self.asking.get() || st.has(FINAL_DONE | NO_FINAL) {
            // After the call: the stream went on as one with `_final`, so this completes it.
            Inner::on_final(&self, None);
            return;
        }
        // Undoes `prefinish`'s bookkeeping for the call; the caller goes on from there.
        st.set(NO_FINAL);
        st.clear(FINAL_CALLED);
        st.dec_pendingcb();
    }

    fn on_destroy(self: Rc<Self>, err: Option<Error>, cb: Option<DestroyDone>) {
        Inner::on_destroy(&self, err, cb);
    }

    fn on_construct(self: Rc<Self>, err: Option<Error>, first: bool) {
        let t = self.clone();
        self.lp
            .next_tick(move || Inner::on_construct_nt(&t, err, first));
    }

    fn stream(self: Rc<Self>) -> Rc<dyn std::any::Any> {
        self
    }
}
