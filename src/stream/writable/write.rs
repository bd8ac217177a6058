//! The write path: Node's `_write` + `writeOrBuffer` (a write dispatched to the sink at once
//! or buffered), `onwrite` (the sink's completion), `afterWrite` (the callback and
//! `'drain'`) and `onwriteError`.

use std::any::Any;
use std::rc::Rc;

use super::DRAIN;
use crate::error::{Error, ErrorCode};
use crate::reactor::on_unwind;

use super::buffer::Entry;
use super::callbacks::{UserCallback, WriteCallback};
use super::chunk::Chunk;
use super::machine::{destroyed_error, Inner, SinkOp};
use super::sink::Sink;
use super::state::*;

impl<T: 'static, S: Sink<T>> Inner<T, S> {
    /// What `chunk` adds to `writableLength`: 1 in object mode, else its length. (The
    /// type test folds away: `T` is known wherever this is instantiated.)
    #[inline(always)]
    pub(super) fn chunk_len(chunk: &T, flags: u32) -> usize {
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
            // What the flags are again once the write completes at once (calls queued
            // before, only after a panic in the sink, must still run: never "again").
            let idle = flags & !DEFERRED;
            let mut flags = flags;
            if cb.is_some() {
                st.writecb.set(cb);
                flags |= WRITE_CB;
            }
            match this.sink.try_borrow_mut() {
                // The fast path: dispatch `_write` right here, inside `write()`.
                Ok(mut sink) => {
                    st.flags.set(flags | WRITING | EXPECT_WRITE_CB | UNCOUNTED);
                    // A panicking `_write` unwinds out of `write()`, as Node's throw does
                    // (the write stays in flight until the sink calls back); sink calls
                    // queued meanwhile still run.
                    this.lp.owing(
                        || {
                            sink.write(
                                chunk,
                                WriteCallback {
                                    core: Self::core(this),
                                },
                            )
                        },
                        || Self::deferred_later(this),
                    );
                    // The common end, on one comparison: the sink completed at once
                    // through `onwrite`'s fast case, which leaves the flags as they were
                    // (nothing queued, nothing in flight or counted apart, no error), and
                    // the length is under the mark.
                    let now = st.flags();
                    if now == idle && st.fits(st.length.get()) {
                        return Ok(true);
                    }
                    if now & DEFERRED != 0 {
                        Self::run_deferred(this, &mut *sink);
                    }
                }
                // Re-entered from inside the sink: queue the call.
                Err(_) => {
                    st.pendingcb.set(st.pendingcb.get() + 1);
                    st.length.set(st.length.get() + len);
                    st.flags.set(flags | WRITING | EXPECT_WRITE_CB);
                    this.deferred.borrow_mut().push_back(SinkOp::Write(chunk));
                    st.set(DEFERRED);
                }
            }
        }
        let flags = st.flags();
        if !st.fits(st.length_with(flags)) {
            return Ok(Self::backpressure(this, flags));
        }
        // False once destroyed or errored, to break `while (w.write(x))` loops.
        Ok(flags & (DESTROYED | ERRORED) == 0)
    }

    /// `write()` is about to return false: a sink that holds its write back is first asked
    /// to let go ([`relieve`](Self::relieve)); then the length decides, and a `false` owes
    /// `'drain'`.
    #[cold]
    #[inline(never)]
    fn backpressure(this: &Rc<Self>, mut flags: u32) -> bool {
        let st = &this.state;
        if Self::relieve(this, flags, false) {
            flags = st.flags();
        }
        let ok = st.fits(st.length_with(flags));
        if !ok {
            st.flags.set(flags | NEED_DRAIN);
        }
        ok && flags & (DESTROYED | ERRORED) == 0
    }

    /// Asks a sink that holds its write in flight back to let go, if it has the hook (set
    /// by [`Writable::set_relieve`](super::Writable::set_relieve)) and the stream is
    /// writing, uncorked, neither destroyed nor errored, and the sink is not running.
    /// Returns whether it was asked.
    ///
    /// The hook may complete the write in flight; the stream counts that completion as a
    /// synchronous one (its callback on the next tick, as for a `write` that completes at
    /// once), and hands the sink what it buffered behind it.
    ///
    /// Not one of Node's steps: Node's fd streams hand each write to the kernel inside
    /// `_write`, so they never hold one back. The fd streams of this crate hold a write
    /// into an idle stream until the end of the tick, so that the tick's writes reach the
    /// kernel together; this hook lets them write once a high-water mark of bytes has
    /// gathered instead of making `write()` return `false` for it, and before `destroy()`,
    /// so that the writes made before it reach the kernel and succeed, as in Node.
    ///
    /// With `at_once` (before a destroy), the completions made meanwhile count as
    /// asynchronous, so their callbacks run now: the stream is about to be destroyed, and a
    /// callback queued on a tick would come after the ticks queued since the writes were
    /// made, where Node's come before them.
    pub(super) fn relieve(this: &Rc<Self>, flags: u32, at_once: bool) -> bool {
        let Some(hook) = this.relieve.get() else {
            return false;
        };
        if flags & (WRITING | CORKED | DESTROYED | ERRORED) != WRITING {
            return false;
        }
        // Held only to know that the sink is not running, and to run what gets queued.
        let Ok(mut sink) = this.sink.try_borrow_mut() else {
            return false;
        };
        let st = &this.state;
        let outer = st.sink_other.replace(at_once || st.sink_other.get());
        // A panic in the completions `relieve` makes leaves the sink calls queued meanwhile
        // to a later tick, and the flag as it was.
        on_unwind(
            || this.lp.owing(hook, || Self::deferred_later(this)),
            || st.sink_other.set(outer),
        );
        if st.has(DEFERRED) {
            Self::run_deferred(this, &mut *sink);
        }
        st.sink_other.set(outer);
        true
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
    pub(super) fn on_write(this: &Rc<Self>, er: Option<Error>) {
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
            // A Duplex's readable side learns of the error now, as Node's `onwrite` tells
            // `_readableState`: a pending `'end'` is then not emitted.
            if let Some(r) = this.partner.get() {
                r.record_error(&er);
            }
            if sync {
                let t = this.clone();
                this.lp.next_tick(move || Self::on_write_error(&t, er, cb));
            } else {
                Self::on_write_error(this, er, cb);
            }
            return;
        }

        let mut cb = cb;
        if st.has(BUFFERED) {
            // A sink that panics while taking the buffer leaves this write's completion
            // (its callback, the count) owed: `afterWrite` on the next tick.
            this.lp.owing_with(
                &mut cb,
                |_| Self::clear_buffer(this),
                |cb| {
                    st.set(AFTER_WRITE_PENDING);
                    let (t, cb) = (this.clone(), cb.take());
                    move || Self::after_write(&t, cb)
                },
            );
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
        // A `'drain'` listener or the callback may panic: the rest of this function then
        // runs on the next tick, so the stream is not left ending but never finished.
        let mut cb = cb;
        if need_drain {
            st.clear(NEED_DRAIN);
            this.lp.owing_with(
                &mut cb,
                |_| this.emitter.emit(DRAIN, &()),
                |cb| {
                    let (t, cb) = (this.clone(), cb.take());
                    move || Self::after_write_resume(&t, cb)
                },
            );
        }
        Self::after_write_resume(this, cb);
    }

    /// The part of `afterWrite` after `'drain'`: the count, the callback, the tail.
    fn after_write_resume(this: &Rc<Self>, cb: Option<UserCallback>) {
        this.state.dec_pendingcb();
        if let Some(cb) = cb {
            this.lp.owing(
                || cb(None),
                || {
                    let t = this.clone();
                    move || Self::after_write_tail(&t)
                },
            );
        }
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

    /// Node's `onwriteError`.
    fn on_write_error(this: &Rc<Self>, er: Error, cb: Option<UserCallback>) {
        this.state.dec_pendingcb();
        if let Some(cb) = cb {
            this.lp.owing(
                || cb(Some(er.clone())),
                || {
                    let (t, er) = (this.clone(), er.clone());
                    move || Self::on_write_error_tail(&t, er)
                },
            );
        }
        Self::on_write_error_tail(this, er);
    }

    /// The end of `onwriteError`, after the callback.
    fn on_write_error_tail(this: &Rc<Self>, er: Error) {
        this.lp.owing(
            || Self::error_buffer(this),
            || {
                let (t, er) = (this.clone(), er.clone());
                move || Self::error_or_destroy(&t, er, false)
            },
        );
        // This can emit 'error', which must follow the callback.
        Self::error_or_destroy(this, er, false);
    }
}
