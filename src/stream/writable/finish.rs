//! From `end()` to `'finish'`: Node's `end`, `finishMaybe`, `prefinish` (which runs
//! `_final`), `onFinish` (its completion) and `finish`, with the end callbacks
//! (`callFinishedCallbacks`).

use std::rc::Rc;

use super::{FINISH, PREFINISH};
use crate::error::{Error, ErrorCode};
use crate::reactor::on_unwind;

use super::callbacks::{call_each, UserCallback};
use super::machine::{destroyed_error, Inner, SinkOp};
use super::sink::Sink;
use super::state::*;

impl<T: 'static, S: Sink<T>> Inner<T, S> {
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
                // A `'prefinish'` listener runs here: if it panics, the end is still
                // recorded and the callback still waits for `'finish'`.
                let mut cb = cb;
                this.lp.owing_with(
                    &mut cb,
                    |_| Self::finish_maybe(this, true),
                    |cb| {
                        st.set(ENDED);
                        let (t, cb) = (this.clone(), cb.take());
                        move || Self::end_callback(&t, None, cb)
                    },
                );
                st.set(ENDED);
                return Self::end_callback(this, None, cb);
            } else if flags & FINISHED != 0 {
                err = Some(Error::from_code(ErrorCode::AlreadyFinished));
            } else if flags & DESTROYED != 0 {
                err = Some(destroyed_error("end"));
            }
        }
        Self::end_callback(this, err, cb);
    }

    /// The end of Node's `end()`: the callback gets `err`, or the stream's error, or waits
    /// for `'finish'`.
    fn end_callback(this: &Rc<Self>, err: Option<Error>, cb: Option<UserCallback>) {
        let st = &this.state;
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
    pub(super) fn call_finished_callbacks(this: &Rc<Self>, err: Option<Error>) {
        let st = &this.state;
        if !st.has(ON_FINISHED) {
            return;
        }
        st.clear(ON_FINISHED);
        call_each(&this.lp, st.on_finished.take(), err);
    }

    /// Node's `finishMaybe`.
    pub(crate) fn finish_maybe(this: &Rc<Self>, sync: bool) {
        if !this.state.need_finish() {
            return;
        }
        Self::prefinish(this, sync);
        Self::finish_maybe_rest(this, sync);
    }

    /// The part of `finishMaybe` after `prefinish`: `finish`, now or on the next tick.
    fn finish_maybe_rest(this: &Rc<Self>, sync: bool) {
        let st = &this.state;
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
    ///
    /// Whether there is one is the sink's answer: its default `finalize` says "not
    /// implemented" inside the call, which undoes the call's bookkeeping
    /// (`Core::on_final_absent`), and the path without `_final` follows here, once the
    /// sink has returned, as in Node. (A call queued because the sink was running takes
    /// that path when the queue reaches it: see `exec`.)
    fn prefinish(this: &Rc<Self>, sync: bool) {
        let st = &this.state;
        if st.has(PREFINISHED | FINAL_CALLED) {
            return;
        }
        if !st.has(NO_FINAL | DESTROYED) {
            st.set(FINAL_CALLED);
            st.inc_pendingcb();
            Self::run_sink(this, SinkOp::Final { sync });
            if st.flags() & (NO_FINAL | FINAL_CALLED) != NO_FINAL {
                return;
            }
        }
        Self::prefinish_plain(this, sync);
    }

    /// A queued `_final` call found the sink without one: the rest of `finishMaybe`, from
    /// `prefinish`'s path without `_final`.
    pub(super) fn prefinish_without_final(this: &Rc<Self>, sync: bool) {
        Self::prefinish_plain(this, sync);
        Self::finish_maybe_rest(this, sync);
    }

    /// `prefinish` without `_final`: `'prefinish'` at once.
    fn prefinish_plain(this: &Rc<Self>, sync: bool) {
        this.state.set(FINAL_CALLED | PREFINISHED);
        on_unwind(
            || this.emitter.emit(PREFINISH, &()),
            || {
                if sync {
                    // Only schedules `finish`: done now, in Node's tick order.
                    Self::finish_maybe_rest(this, true);
                } else {
                    let t = this.clone();
                    this.lp
                        .next_tick(move || Self::finish_maybe_rest(&t, false));
                }
            },
        );
    }

    /// Node's `onFinish`: `_final` called back (or panicked, with the panic as `err`: Node's
    /// `callFinal` catches a throw and calls `onFinish` with it).
    pub(super) fn on_final(this: &Rc<Self>, err: Option<Error>) {
        let st = &this.state;
        if st.has(FINAL_DONE) {
            // Node's `called`: a second completion fails the stream.
            let err = err.unwrap_or_else(|| Error::from_code(ErrorCode::MultipleCallback));
            Self::error_or_destroy(this, err, false);
            return;
        }
        st.set(FINAL_DONE);
        st.dec_pendingcb();
        if let Some(err) = err {
            let sync = this.sync();
            this.lp.owing(
                || Self::call_finished_callbacks(this, Some(err.clone())),
                || {
                    let (t, err) = (this.clone(), err.clone());
                    move || Self::error_or_destroy(&t, err, false)
                },
            );
            Self::error_or_destroy(this, err, sync);
        } else if st.need_finish() {
            st.set(PREFINISHED);
            // `finish` is scheduled whether or not a listener panics: `_final`'s own
            // completion has happened. (Inside `_final`, Node's `callFinal` then catches
            // the throw as a second completion, which fails the stream after `'finish'`.)
            on_unwind(
                || this.emitter.emit(PREFINISH, &()),
                || Self::schedule_finish(this),
            );
            Self::schedule_finish(this);
        }
    }

    /// After `_final`'s `'prefinish'`: `finish` on the next tick.
    fn schedule_finish(this: &Rc<Self>) {
        this.state.inc_pendingcb();
        let t = this.clone();
        this.lp.next_tick(move || Self::finish(&t));
    }

    /// Node's `finish`: end callbacks, `'finish'`, then auto-destroy. A panicking callback
    /// or listener leaves the rest (the other callbacks, `'finish'`, the destroy) to the
    /// next tick.
    fn finish(this: &Rc<Self>) {
        let st = &this.state;
        st.dec_pendingcb();
        st.set(FINISHED);
        this.lp.owing(
            || Self::call_finished_callbacks(this, None),
            || {
                let t = this.clone();
                move || Self::emit_finish(&t)
            },
        );
        Self::emit_finish(this);
    }

    /// The end of `finish`: `'finish'`, then auto-destroy.
    fn emit_finish(this: &Rc<Self>) {
        this.lp.owing(
            || this.emitter.emit(FINISH, &()),
            || {
                let t = this.clone();
                move || Self::auto_destroy(&t)
            },
        );
        Self::auto_destroy(this);
    }

    fn auto_destroy(this: &Rc<Self>) {
        // A Duplex auto-destroys once its readable side has ended too.
        let readable_done = this
            .partner
            .get()
            .map_or(true, |r| r.ready_to_auto_destroy());
        if this.state.has(AUTO_DESTROY) && readable_done {
            Self::destroy(this, None, None);
        }
    }
}
