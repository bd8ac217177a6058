//! The Writable state machine: Node v20's `internal/streams/writable.js` and the Writable
//! half of `internal/streams/destroy.js`, function by function.
//!
//! Names follow Node's (`on_write` is `onwrite`, `clear_buffer` is `clearBuffer`, ...), so
//! each function can be read beside the original. The state is made of `Cell`s (see
//! `state.rs`); the only `RefCell` borrows (the buffer, the stored error, the sink) are
//! never held while user code (a sink method, a callback, a listener) runs, except the
//! sink's own borrow around its method, which is why re-entrant sink calls are queued.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use super::{CLOSE, DRAIN, FINISH, PREFINISH};
use crate::error::{Error, ErrorCode};
use crate::reactor::LoopHandle;
use crate::stream::encoding::Encoding;
use nodestream_emitter::EventEmitter;

use super::buffer::Entry;
use super::callbacks::{
    ConstructCallback, Core, DestroyCallback, DestroyDone, DestroyShared, FinalCallback,
    UserCallback, WriteCallback,
};
use super::chunk::Chunk;
use super::sink::Sink;
use super::state::*;

/// A call into the sink, run at once or, if the sink is already running (re-entrancy),
/// queued until the running call returns.
pub(crate) enum SinkOp<T> {
    Write(T),
    Writev(Vec<T>),
    Final,
    Destroy(Option<Error>, DestroyCallback),
    Construct(ConstructCallback),
}

/// What a Writable handle points at: the state and the sink itself (`S` is
/// `Box<dyn Sink<T>>` for the common `Writable<T>`).
pub(crate) struct Inner<T: 'static, S: 'static> {
    pub(crate) state: State<T>,
    /// Sink calls that arrived while the sink was running.
    deferred: RefCell<VecDeque<SinkOp<T>>>,
    has_deferred: Cell<bool>,
    pub(crate) emitter: EventEmitter,
    pub(crate) lp: LoopHandle,
    /// The encoding of strings written without one.
    pub(crate) default_encoding: Cell<Encoding>,
    pub(crate) decode_strings: bool,
    has_writev: bool,
    has_final: bool,
    has_destroy: bool,
    has_relieve: bool,
    sink: RefCell<S>,
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
    ) -> Rc<Self> {
        let decode_strings = state.has(DECODE_STRINGS);
        let has_writev = sink.has_writev();
        let has_final = sink.has_final();
        let has_destroy = sink.has_destroy();
        let has_construct = sink.has_construct();
        let has_relieve = sink.has_relieve();
        let this = Rc::new(Inner {
            state,
            deferred: RefCell::new(VecDeque::new()),
            has_deferred: Cell::new(false),
            emitter: EventEmitter::new(),
            lp,
            default_encoding: Cell::new(default_encoding),
            decode_strings,
            has_writev,
            has_final,
            has_destroy,
            has_relieve,
            sink: RefCell::new(sink),
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
    fn core(this: &Rc<Self>) -> Rc<dyn Core> {
        this.clone()
    }

    // ----- calls into the sink ------------------------------------------------------

    /// Node's `kSync`: the stream is inside the sink's `_write`, `_writev` or `_final`.
    /// Derived rather than stored: the sink is borrowed exactly while one of its methods
    /// runs (called by `write()` or `run_sink`), and `sink_other` marks `_destroy` and
    /// `_construct`, which Node does not run under `kSync`. (Node's initial `sync: true`
    /// is never read before the first sink call, so `false` there is the same.)
    #[inline]
    fn sync(&self) -> bool {
        self.sink.try_borrow_mut().is_err() && !self.state.sink_other.get()
    }

    /// Runs `op` on the sink now, or queues it if the sink is running (re-entrant call).
    fn run_sink(this: &Rc<Self>, op: SinkOp<T>) {
        let Ok(mut sink) = this.sink.try_borrow_mut() else {
            this.deferred.borrow_mut().push_back(op);
            this.has_deferred.set(true);
            return;
        };
        Self::exec(this, &mut *sink, op);
        Self::run_deferred(this, &mut *sink);
    }

    /// Runs the sink calls queued while the sink was busy, in order, until none is left.
    fn run_deferred(this: &Rc<Self>, sink: &mut S) {
        while this.has_deferred.get() {
            let next = this.deferred.borrow_mut().pop_front();
            match next {
                Some(op) => Self::exec(this, sink, op),
                None => this.has_deferred.set(false),
            }
        }
    }

    fn exec(this: &Rc<Self>, sink: &mut S, op: SinkOp<T>) {
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
            SinkOp::Writev(chunks) => {
                if st.has(DESTROYED) {
                    Self::on_write(this, Some(destroyed_error("write")));
                } else {
                    sink.writev(
                        chunks,
                        WriteCallback {
                            core: Self::core(this),
                        },
                    );
                }
            }
            SinkOp::Final => {
                sink.finalize(FinalCallback {
                    core: Self::core(this),
                });
            }
            SinkOp::Destroy(err, cb) => {
                st.sink_other.set(true);
                sink.destroy(err, cb);
                st.sink_other.set(false);
            }
            SinkOp::Construct(cb) => {
                st.sink_other.set(true);
                sink.construct(cb);
                st.sink_other.set(false);
            }
        }
    }

    // ----- write ----------------------------------------------------------------------

    /// What `chunk` adds to `writableLength`: 1 in object mode, else its length. (The
    /// type test folds away: `T` is known wherever this is instantiated.)
    #[inline(always)]
    fn chunk_len(chunk: &T, flags: u32) -> usize {
        if flags & OBJECT_MODE != 0 {
            return 1;
        }
        match (chunk as &dyn Any).downcast_ref::<Chunk>() {
            Some(c) => c.len(),
            None => 1,
        }
    }

    /// Node's `_write` + `writeOrBuffer`. `Err` is a write after end or destroy (already
    /// reported to the callback and the error path); `Ok` carries `write()`'s result.
    #[inline]
    pub(crate) fn write(
        this: &Rc<Self>,
        chunk: T,
        cb: Option<UserCallback>,
    ) -> Result<bool, Error> {
        let st = &this.state;
        let flags = st.flags();
        let len = Self::chunk_len(&chunk, flags);
        // One test decides the common case (not ending or destroyed, idle, constructed,
        // uncorked, no error); the others keep Node's order of checks below.
        if flags & (ENDING | DESTROYED | WRITING | ERRORED | CORKED | CONSTRUCTED) != CONSTRUCTED {
            if flags & (ENDING | DESTROYED) != 0 {
                return Err(Self::write_rejected(this, cb));
            }
            st.pendingcb.set(st.pendingcb.get() + 1);
            st.length.set(st.length.get() + len);
            st.buffered.borrow_mut().push(Entry {
                chunk,
                len,
                callback: cb,
            });
            st.set(BUFFERED);
        } else {
            st.writelen.set(len);
            let mut flags = flags;
            if cb.is_some() {
                st.writecb.set(cb);
                flags |= WRITE_CB;
            }
            match this.sink.try_borrow_mut() {
                // The fast path: dispatch `_write` right here, inside `write()`.
                Ok(mut sink) => {
                    st.flags.set(flags | WRITING | EXPECT_WRITE_CB | UNCOUNTED);
                    sink.write(
                        chunk,
                        WriteCallback {
                            core: Self::core(this),
                        },
                    );
                    if this.has_deferred.get() {
                        Self::run_deferred(this, &mut *sink);
                    }
                }
                // Re-entered from inside the sink: queue the call.
                Err(_) => {
                    st.pendingcb.set(st.pendingcb.get() + 1);
                    st.length.set(st.length.get() + len);
                    st.flags.set(flags | WRITING | EXPECT_WRITE_CB);
                    this.deferred.borrow_mut().push_back(SinkOp::Write(chunk));
                    this.has_deferred.set(true);
                }
            }
        }
        let flags = st.flags();
        let length = st.length_with(flags);
        let ok = length < st.high_water_mark || length == 0;
        if !ok {
            return Ok(Self::backpressure(this, flags));
        }
        // False once destroyed or errored, to break `while (w.write(x))` loops.
        Ok(flags & (DESTROYED | ERRORED) == 0)
    }

    /// `write()` is about to return false: a sink that holds its write back is first asked
    /// to let go ([`Sink::relieve`]); then the length decides, and a `false` owes `'drain'`.
    #[cold]
    #[inline(never)]
    fn backpressure(this: &Rc<Self>, mut flags: u32) -> bool {
        let st = &this.state;
        if this.has_relieve && flags & (WRITING | CORKED | DESTROYED | ERRORED) == WRITING {
            if let Ok(mut sink) = this.sink.try_borrow_mut() {
                sink.relieve();
                if this.has_deferred.get() {
                    Self::run_deferred(this, &mut *sink);
                }
                drop(sink);
                flags = st.flags();
            }
        }
        let length = st.length_with(flags);
        let ok = length < st.high_water_mark || length == 0;
        if !ok {
            st.flags.set(flags | NEED_DRAIN);
        }
        ok && flags & (DESTROYED | ERRORED) == 0
    }

    /// A write after `end()` or `destroy()`: the callback gets the error on the next tick,
    /// then the error path runs.
    #[cold]
    fn write_rejected(this: &Rc<Self>, cb: Option<UserCallback>) -> Error {
        let err = if this.state.has(ENDING) {
            Error::from_code(ErrorCode::WriteAfterEnd)
        } else {
            destroyed_error("write")
        };
        if let Some(cb) = cb {
            let e = err.clone();
            this.lp.next_tick(move || cb(Some(e)));
        }
        Self::error_or_destroy(this, err.clone(), true);
        err
    }

    /// Node's `onwrite`: the sink finished a `_write`/`_writev`.
    #[inline]
    fn on_write(this: &Rc<Self>, er: Option<Error>) {
        let st = &this.state;
        let flags = st.flags();
        // The hot case, decided on one read of the flags: a success with no callback of
        // a write dispatched by `write()` (so counted neither in `pendingcb` nor in the
        // `length` field), nothing buffered, no drain owed, no tick pending, not ending,
        // destroyed, nor in object mode. Only the flags move: the general path below
        // nets out the same for such a completion, synchronous or not (both counters up,
        // then down), so `sync` need not be read. (`writelen` is read only while a write
        // is expected, so it is not reset.)
        if er.is_none()
            && flags
                & (EXPECT_WRITE_CB
                    | BUFFERED
                    | NEED_DRAIN
                    | OBJECT_MODE
                    | ENDING
                    | WRITE_CB
                    | DESTROYED
                    | AFTER_WRITE_PENDING
                    | UNCOUNTED)
                == EXPECT_WRITE_CB | UNCOUNTED
        {
            st.flags
                .set(flags & !(WRITING | EXPECT_WRITE_CB | UNCOUNTED));
            return;
        }
        Self::on_write_slow(this, er);
    }

    #[inline(never)]
    fn on_write_slow(this: &Rc<Self>, er: Option<Error>) {
        let st = &this.state;
        if !st.has(EXPECT_WRITE_CB) {
            Self::error_or_destroy(this, Error::from_code(ErrorCode::MultipleCallback), false);
            return;
        }
        if st.has(UNCOUNTED) {
            st.inc_pendingcb();
            st.length.set(st.length.get() + st.writelen.get());
            st.clear(UNCOUNTED);
        }
        let sync = this.sync();
        let cb = st.writecb.take();
        st.clear(WRITING | EXPECT_WRITE_CB | WRITE_CB);
        st.length.set(st.length() - st.writelen.get());
        st.writelen.set(0);

        if let Some(er) = er {
            st.record_error(&er);
            if sync {
                let t = this.clone();
                this.lp.next_tick(move || Self::on_write_error(&t, er, cb));
            } else {
                Self::on_write_error(this, er, cb);
            }
            return;
        }

        if st.has(BUFFERED) {
            Self::clear_buffer(this);
        }

        if sync {
            let need_drain = st.has(NEED_DRAIN) && st.length() == 0;
            // Node writes `(state[kState] & kDestroyed !== 0)`, which by precedence tests
            // the object-mode bit: in object mode every synchronous completion takes the
            // tick. Kept, since it moves `'finish'` by a tick and traces show it.
            let need_tick = need_drain || st.has(OBJECT_MODE) || cb.is_some();
            match cb {
                None if !st.has(AFTER_WRITE_PENDING) && need_tick => {
                    st.set(AFTER_WRITE_PENDING);
                    let t = this.clone();
                    this.lp.next_tick(move || Self::after_write(&t, None));
                }
                None => {
                    st.dec_pendingcb();
                    if st.has(ENDING) {
                        Self::finish_maybe(this, true);
                    }
                }
                Some(cb) => {
                    st.set(AFTER_WRITE_PENDING);
                    let t = this.clone();
                    this.lp.next_tick(move || Self::after_write(&t, Some(cb)));
                }
            }
        } else {
            Self::after_write(this, cb);
        }
    }

    /// Node's `afterWrite` (one completed write; Node's count of coalesced callbacks is
    /// always one here, see `docs/writable.md`).
    fn after_write(this: &Rc<Self>, cb: Option<UserCallback>) {
        let st = &this.state;
        st.clear(AFTER_WRITE_PENDING);
        let need_drain =
            st.flags() & (ENDING | NEED_DRAIN | DESTROYED) == NEED_DRAIN && st.length() == 0;
        // A `'drain'` listener or the callback may panic; the panic unwinds to the loop, and
        // the rest of this function then runs on the next tick, so the stream is not left
        // ending but never finished.
        let mut rest = AfterWriteRest {
            this,
            cb,
            counted: false,
            armed: true,
        };
        if need_drain {
            st.clear(NEED_DRAIN);
            this.emitter.emit(DRAIN, &());
        }
        st.dec_pendingcb();
        rest.counted = true;
        if let Some(cb) = rest.cb.take() {
            cb(None);
        }
        rest.armed = false;
        Self::after_write_tail(this);
    }

    /// The end of `afterWrite`: fail what a destroyed stream buffers, finish an ending one.
    fn after_write_tail(this: &Rc<Self>) {
        let st = &this.state;
        if st.has(DESTROYED) {
            Self::error_buffer(this);
        }
        if st.has(ENDING) {
            Self::finish_maybe(this, true);
        }
    }

    /// What a panic inside [`after_write`](Inner::after_write) left undone, run on the next
    /// tick: the count, the callback if it had not run, and the tail.
    fn after_write_resume(this: &Rc<Self>, cb: Option<UserCallback>, counted: bool) {
        if !counted {
            this.state.dec_pendingcb();
        }
        if let Some(cb) = cb {
            cb(None);
        }
        Self::after_write_tail(this);
    }

    /// Node's `onwriteError`.
    fn on_write_error(this: &Rc<Self>, er: Error, cb: Option<UserCallback>) {
        this.state.dec_pendingcb();
        if let Some(cb) = cb {
            cb(Some(er.clone()));
        }
        Self::error_buffer(this);
        // This can emit 'error', which must follow the callback.
        Self::error_or_destroy(this, er, false);
    }

    /// Node's `errorBuffer`: fails every buffered write and every pending end callback.
    pub(crate) fn error_buffer(this: &Rc<Self>) {
        let st = &this.state;
        if st.has(WRITING) {
            return;
        }
        // One entry at a time, so that writes buffered by a callback are failed too, as
        // Node's loop over the live array does.
        while st.has(BUFFERED) {
            let Some(entry) = st.buffered.borrow_mut().pop() else {
                break;
            };
            st.length.set(st.length.get() - entry.len);
            let err = st.errored().unwrap_or_else(|| destroyed_error("write"));
            if let Some(cb) = entry.callback {
                cb(Some(err));
            }
        }
        let err = st.errored().unwrap_or_else(|| destroyed_error("end"));
        Self::call_finished_callbacks(this, Some(err));
        st.reset_buffer();
    }

    /// Node's `clearBuffer`: hands buffered writes to the sink.
    pub(crate) fn clear_buffer(this: &Rc<Self>) {
        let st = &this.state;
        if st.flags() & (DESTROYED | BUFFER_PROCESSING | CORKED | BUFFERED | CONSTRUCTED)
            != (BUFFERED | CONSTRUCTED)
        {
            return;
        }
        let n = st.buffered.borrow().len();
        if n == 0 {
            return;
        }
        st.set(BUFFER_PROCESSING);
        if n > 1 && this.has_writev {
            st.pendingcb.set(st.pendingcb.get() - (n - 1));
            let mut chunks = Vec::with_capacity(n);
            let mut callbacks: Vec<UserCallback> = Vec::new();
            for entry in st.buffered.borrow_mut().drain_all() {
                chunks.push(entry.chunk);
                if let Some(cb) = entry.callback {
                    callbacks.push(cb);
                }
            }
            st.writelen.set(st.length());
            if !callbacks.is_empty() {
                let lp = this.lp.clone();
                st.writecb.set(Some(Box::new(move |err: Option<Error>| {
                    call_each(lp, callbacks, err);
                })));
                st.set(WRITE_CB);
            }
            st.set(WRITING | EXPECT_WRITE_CB);
            st.reset_buffer();
            Self::run_sink(this, SinkOp::Writev(chunks));
        } else {
            loop {
                let Some(entry) = st.buffered.borrow_mut().pop() else {
                    break;
                };
                st.writelen.set(entry.len);
                if entry.callback.is_some() {
                    st.writecb.set(entry.callback);
                    st.set(WRITE_CB);
                }
                st.set(WRITING | EXPECT_WRITE_CB);
                Self::run_sink(this, SinkOp::Write(entry.chunk));
                if st.buffered.borrow().is_empty() || st.has(WRITING) {
                    break;
                }
            }
            if st.buffered.borrow().is_empty() {
                st.reset_buffer();
            }
        }
        st.clear(BUFFER_PROCESSING);
    }

    // ----- cork -----------------------------------------------------------------------

    pub(crate) fn cork(this: &Rc<Self>) {
        let st = &this.state;
        st.set(CORKED);
        st.corked.set(st.corked.get() + 1);
    }

    pub(crate) fn uncork(this: &Rc<Self>) {
        let st = &this.state;
        let corked = st.corked.get();
        if corked == 0 {
            return;
        }
        st.corked.set(corked - 1);
        if corked == 1 {
            st.clear(CORKED);
        }
        if !st.has(WRITING) {
            Self::clear_buffer(this);
        }
    }

    // ----- end and finish ---------------------------------------------------------------

    /// Node's `end(chunk, encoding, cb)`, after the chunk has been converted.
    pub(crate) fn end(this: &Rc<Self>, chunk: Option<T>, cb: Option<UserCallback>) {
        let st = &this.state;
        let mut err = None;
        if let Some(chunk) = chunk {
            if let Err(e) = Self::write(this, chunk, None) {
                err = Some(e);
            }
        }
        // end() fully uncorks.
        if st.has(CORKED) {
            st.corked.set(1);
            Self::uncork(this);
        }
        if err.is_none() {
            let flags = st.flags();
            if flags & (ENDING | ERRORED) == 0 {
                st.set(ENDING);
                Self::finish_maybe(this, true);
                st.set(ENDED);
            } else if flags & FINISHED != 0 {
                err = Some(Error::from_code(ErrorCode::AlreadyFinished));
            } else if flags & DESTROYED != 0 {
                err = Some(destroyed_error("end"));
            }
        }
        let Some(cb) = cb else {
            return;
        };
        let result = if let Some(err) = err {
            Some(err)
        } else if st.has(ERRORED) {
            st.errored()
        } else if st.has(FINISHED) {
            None
        } else {
            st.push_on_finished(cb);
            return;
        };
        this.lp.next_tick(move || cb(result));
    }

    /// Node's `callFinishedCallbacks`.
    fn call_finished_callbacks(this: &Rc<Self>, err: Option<Error>) {
        let st = &this.state;
        if !st.has(ON_FINISHED) {
            return;
        }
        st.clear(ON_FINISHED);
        for cb in st.on_finished.take() {
            cb(err.clone());
        }
    }

    /// Node's `finishMaybe`.
    pub(crate) fn finish_maybe(this: &Rc<Self>, sync: bool) {
        let st = &this.state;
        if !st.need_finish() {
            return;
        }
        Self::prefinish(this);
        if st.pendingcb.get() != 0 {
            return;
        }
        if sync {
            st.inc_pendingcb();
            let t = this.clone();
            this.lp.next_tick(move || {
                if t.state.need_finish() {
                    Self::finish(&t);
                } else {
                    t.state.dec_pendingcb();
                }
            });
        } else if st.need_finish() {
            st.inc_pendingcb();
            Self::finish(this);
        }
    }

    /// Node's `prefinish`: `_final`, or `'prefinish'` at once when there is none.
    fn prefinish(this: &Rc<Self>) {
        let st = &this.state;
        if st.has(PREFINISHED | FINAL_CALLED) {
            return;
        }
        if this.has_final && !st.has(DESTROYED) {
            st.set(FINAL_CALLED);
            st.inc_pendingcb();
            Self::run_sink(this, SinkOp::Final);
        } else {
            st.set(FINAL_CALLED | PREFINISHED);
            this.emitter.emit(PREFINISH, &());
        }
    }

    /// Node's `onFinish`: `_final` called back.
    fn on_final(this: &Rc<Self>, err: Option<Error>) {
        let st = &this.state;
        if st.has(PREFINISHED) {
            let err = err.unwrap_or_else(|| Error::from_code(ErrorCode::MultipleCallback));
            Self::error_or_destroy(this, err, false);
            return;
        }
        st.dec_pendingcb();
        if let Some(err) = err {
            let sync = this.sync();
            Self::call_finished_callbacks(this, Some(err.clone()));
            Self::error_or_destroy(this, err, sync);
        } else if st.need_finish() {
            st.set(PREFINISHED);
            this.emitter.emit(PREFINISH, &());
            st.inc_pendingcb();
            let t = this.clone();
            this.lp.next_tick(move || Self::finish(&t));
        }
    }

    /// Node's `finish`: end callbacks, `'finish'`, then auto-destroy.
    fn finish(this: &Rc<Self>) {
        let st = &this.state;
        st.dec_pendingcb();
        st.set(FINISHED);
        Self::call_finished_callbacks(this, None);
        this.emitter.emit(FINISH, &());
        if st.has(AUTO_DESTROY) {
            Self::destroy(this, None, None);
        }
    }

    // ----- destroy and errors -------------------------------------------------------------

    /// `Writable.prototype.destroy` + `destroyImpl.destroy`.
    pub(crate) fn destroy(this: &Rc<Self>, err: Option<Error>, cb: Option<DestroyDone>) {
        let st = &this.state;
        if st.has(BUFFERED | ON_FINISHED) && !st.has(DESTROYED) {
            let t = this.clone();
            this.lp.next_tick(move || Self::error_buffer(&t));
        }
        if st.has(DESTROYED) {
            if let Some(cb) = cb {
                cb(None);
            }
            return;
        }
        if let Some(err) = &err {
            st.record_error(err);
        }
        st.set(DESTROYED);
        if !st.has(CONSTRUCTED) {
            st.pending_destroy.set(Some(PendingDestroy { err, cb }));
            return;
        }
        Self::start_destroy(this, err, cb);
    }

    /// `destroyImpl._destroy`: calls the sink's `_destroy`.
    fn start_destroy(this: &Rc<Self>, err: Option<Error>, cb: Option<DestroyDone>) {
        if !this.has_destroy {
            // Node's default `_destroy(err, cb)` is `cb(err)`.
            Self::on_destroy(this, err, cb);
            return;
        }
        let token = DestroyCallback {
            core: Self::core(this),
            shared: Rc::new(DestroyShared {
                called: Cell::new(false),
                user: Cell::new(cb),
            }),
        };
        Self::run_sink(this, SinkOp::Destroy(err, token));
    }

    /// `onDestroy`: the sink's `_destroy` called back (first time only).
    fn on_destroy(this: &Rc<Self>, err: Option<Error>, cb: Option<DestroyDone>) {
        let st = &this.state;
        if let Some(err) = &err {
            st.record_error(err);
        }
        st.set(CLOSED);
        if let Some(cb) = cb {
            cb(err.clone());
        }
        let t = this.clone();
        match err {
            Some(err) => this.lp.next_tick(move || {
                if Self::emit_error_nt(&t, err) {
                    Self::emit_close_nt(&t);
                }
            }),
            None => this.lp.next_tick(move || Self::emit_close_nt(&t)),
        }
    }

    fn emit_close_nt(this: &Rc<Self>) {
        let st = &this.state;
        st.set(CLOSE_EMITTED);
        if st.has(EMIT_CLOSE) {
            this.emitter.emit(CLOSE, &());
        }
    }

    /// Node's `emitErrorNT`. Returns `false` when nobody listened: the error went to the
    /// loop as uncaught, and (as in Node, where the throw ends the tick) nothing more of
    /// this tick runs.
    fn emit_error_nt(this: &Rc<Self>, err: Error) -> bool {
        let st = &this.state;
        if st.has(ERROR_EMITTED) {
            return true;
        }
        st.set(ERROR_EMITTED);
        match this.emitter.emit_error(err) {
            Ok(()) => true,
            Err(unhandled) => {
                this.lp.report_error(unhandled.into_inner());
                false
            }
        }
    }

    /// Node's `errorOrDestroy`.
    pub(crate) fn error_or_destroy(this: &Rc<Self>, err: Error, sync: bool) {
        let st = &this.state;
        if st.has(DESTROYED) {
            return;
        }
        if st.has(AUTO_DESTROY) {
            Self::destroy(this, Some(err), None);
            return;
        }
        st.record_error(&err);
        if sync {
            let t = this.clone();
            this.lp.next_tick(move || {
                Self::emit_error_nt(&t, err);
            });
        } else {
            Self::emit_error_nt(this, err);
        }
    }

    /// `onConstruct`, on the tick after `_construct` called back.
    fn on_construct_nt(this: &Rc<Self>, err: Option<Error>, first: bool) {
        let st = &this.state;
        if !first {
            let err = err.unwrap_or_else(|| Error::from_code(ErrorCode::MultipleCallback));
            Self::error_or_destroy(this, err, false);
            return;
        }
        st.set(CONSTRUCTED);
        if st.has(DESTROYED) {
            if let Some(PendingDestroy { err: outer, cb }) = st.pending_destroy.take() {
                // aggregateTwoErrors(er, err): Node makes an AggregateError with the outer
                // error's code and message; the outer error stands for it here.
                Self::start_destroy(this, outer.or(err), cb);
            }
        } else if let Some(err) = err {
            Self::error_or_destroy(this, err, true);
        } else {
            // WritableState[kOnConstructed]
            if !st.has(WRITING) {
                Self::clear_buffer(this);
            }
            if st.has(ENDING) {
                Self::finish_maybe(this, false);
            }
        }
    }
}

/// Calls each callback of a `_writev` batch with `err`. If one panics, the panic unwinds
/// to the loop and the callbacks after it run on the next tick, so none is lost.
fn call_each(lp: LoopHandle, callbacks: Vec<UserCallback>, err: Option<Error>) {
    struct Rest {
        lp: LoopHandle,
        left: std::vec::IntoIter<UserCallback>,
        err: Option<Error>,
        armed: bool,
    }
    impl Drop for Rest {
        fn drop(&mut self) {
            if !self.armed {
                return;
            }
            let left: Vec<UserCallback> = std::mem::take(&mut self.left).collect();
            if left.is_empty() {
                return;
            }
            let (lp, err) = (self.lp.clone(), self.err.take());
            self.lp.next_tick(move || call_each(lp, left, err));
        }
    }
    let mut rest = Rest {
        lp,
        left: callbacks.into_iter(),
        err,
        armed: true,
    };
    for cb in rest.left.by_ref() {
        cb(rest.err.clone());
    }
    rest.armed = false;
}

/// Armed while `after_write` runs user code; dropped armed only by a panic's unwinding.
struct AfterWriteRest<'a, T: 'static, S: Sink<T>> {
    this: &'a Rc<Inner<T, S>>,
    cb: Option<UserCallback>,
    counted: bool,
    armed: bool,
}

impl<T: 'static, S: Sink<T>> Drop for AfterWriteRest<'_, T, S> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let this = self.this.clone();
        let (cb, counted) = (self.cb.take(), self.counted);
        self.this
            .lp
            .next_tick(move || Inner::after_write_resume(&this, cb, counted));
    }
}

impl<T: 'static, S: Sink<T>> Core for Inner<T, S> {
    #[inline]
    fn on_write(self: Rc<Self>, err: Option<Error>) {
        Inner::on_write(&self, err);
    }

    fn on_final(self: Rc<Self>, err: Option<Error>) {
        Inner::on_final(&self, err);
    }

    fn on_destroy(self: Rc<Self>, err: Option<Error>, cb: Option<DestroyDone>) {
        Inner::on_destroy(&self, err, cb);
    }

    fn on_construct(self: Rc<Self>, err: Option<Error>, first: bool) {
        let t = self.clone();
        self.lp
            .next_tick(move || Inner::on_construct_nt(&t, err, first));
    }
}
