//! From `end()` to `'finish'`: Node's `end`, `finishMaybe`, `prefinish` (which runs
//! `_final`), `onFinish` (its completion) and `finish`, with the end callbacks
//! (`callFinishedCallbacks`).

use std::rc::Rc;

use super::{FINISH, PREFINISH};
use crate::error::{Error, ErrorCode};

use super::callbacks::UserCallback;
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
    pub(super) fn call_finished_callbacks(this: &Rc<Self>, err: Option<Error>) {
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
    pub(super) fn on_final(this: &Rc<Self>, err: Option<Error>) {
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
}
