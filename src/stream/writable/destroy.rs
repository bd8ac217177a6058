//! The Writable half of Node's `internal/streams/destroy.js`: `destroy`, `_destroy` and
//! `onDestroy`, `errorOrDestroy`, `emitErrorNT`/`emitCloseNT`, and the end of construction
//! (`onConstruct`), which waits on a pending destroy.

use std::cell::Cell;
use std::rc::Rc;

use super::CLOSE;
use crate::error::{Error, ErrorCode};

use super::callbacks::{DestroyCallback, DestroyDone, DestroyShared};
use super::machine::{CloseSlot, Inner, SinkOp};
use super::sink::Sink;
use super::state::*;

impl<T: 'static, S: Sink<T>> Inner<T, S> {
    /// `Writable.prototype.destroy` + `destroyImpl.destroy`.
    pub(crate) fn destroy(this: &Rc<Self>, err: Option<Error>, cb: Option<DestroyDone>) {
        let st = &this.state;
        // A sink that holds this tick's writes back lets them go first: Node's writes made
        // before destroy() were handed to the kernel inside write() already.
        Self::relieve(this, st.flags(), true);
        if st.has(BUFFERED | ON_FINISHED) && !st.has(DESTROYED) {
            let t = this.clone();
            this.lp.next_tick(move || Self::error_buffer(&t));
        }
        let partner = this.partner.get();
        if st.has(DESTROYED) || partner.is_some_and(|r| r.destroyed()) {
            if let Some(cb) = cb {
                cb(None);
            }
            return;
        }
        if let Some(err) = &err {
            st.record_error(err);
        }
        st.set(DESTROYED);
        if let Some(r) = partner {
            r.mark_destroyed(err.as_ref());
        }
        if !st.has(CONSTRUCTED) {
            st.pending_destroy.set(Some(PendingDestroy { err, cb }));
            return;
        }
        Self::start_destroy(this, err, cb);
    }

    /// `destroyImpl._destroy`: calls the sink's `_destroy` (its default body is Node's
    /// default, `cb(err)`).
    ///
    /// A `destroy()` made from inside a sink method finds the sink running, and its
    /// `_destroy` waits for that method to return (see `run_sink`). Node runs `_destroy`
    /// inside `destroy()`, and one that calls back at once (the default one does) queues
    /// `'error'`/`'close'` right there, before whatever the running method queues after
    /// `destroy()` (its own write callback, say). So the tick is queued here, now, and a
    /// `_destroy` that completes by the time it runs has its `'error'`/`'close'` emitted
    /// from it; one that completes later queues its own, as usual.
    fn start_destroy(this: &Rc<Self>, err: Option<Error>, cb: Option<DestroyDone>) {
        let token = DestroyCallback {
            core: Self::core(this),
            shared: Rc::new(DestroyShared {
                called: Cell::new(false),
                user: Cell::new(cb),
            }),
        };
        if this.sink.try_borrow_mut().is_err() {
            this.close_slot.set(CloseSlot::Reserved);
            let t = this.clone();
            this.lp.next_tick(move || {
                if let CloseSlot::Filled(err) = t.close_slot.take() {
                    Self::emit_error_close(&t, err);
                }
            });
        }
        Self::run_sink(this, SinkOp::Destroy(err, token));
    }

    /// `onDestroy`: the sink's `_destroy` called back (first time only).
    pub(super) fn on_destroy(this: &Rc<Self>, err: Option<Error>, cb: Option<DestroyDone>) {
        // A Duplex's destroy goes on to its source's `destroy` (see `duplex::link`), and
        // closes once that has called back too.
        if let Some(r) = this.partner.get() {
            let t = this.clone();
            return r.destroy_source(err, Box::new(move |err| Self::closed(&t, err, cb)));
        }
        Self::closed(this, err, cb);
    }

    /// The rest of `onDestroy`, once the stream's `_destroy` has called back.
    fn closed(this: &Rc<Self>, err: Option<Error>, cb: Option<DestroyDone>) {
        let st = &this.state;
        if let Some(err) = &err {
            st.record_error(err);
        }
        st.set(CLOSED);
        if let Some(r) = this.partner.get() {
            r.mark_closed(err.as_ref());
        }
        if let Some(cb) = cb {
            this.lp.owing(
                || cb(err.clone()),
                || {
                    let (t, err) = (this.clone(), err.clone());
                    move || {
                        t.hooks.run_closed();
                        Self::emit_error_close(&t, err)
                    }
                },
            );
        }
        match this.close_slot.take() {
            // Queued already, where Node's is (see `start_destroy`).
            CloseSlot::Reserved => this.close_slot.set(CloseSlot::Filled(err)),
            _ => {
                let t = this.clone();
                this.lp.next_tick(move || Self::emit_error_close(&t, err));
            }
        }
        this.hooks.run_closed();
    }

    /// Node's `emitErrorCloseNT` (or `emitCloseNT` without an error): `'error'`, then
    /// `'close'`, which a panicking `'error'` listener leaves to the next tick.
    fn emit_error_close(this: &Rc<Self>, err: Option<Error>) {
        if let Some(err) = err {
            let handled = this.lp.owing(
                || Self::emit_error_nt(this, err),
                || {
                    let t = this.clone();
                    move || Self::emit_close_nt(&t)
                },
            );
            if !handled {
                return;
            }
        }
        Self::emit_close_nt(this);
    }

    fn emit_close_nt(this: &Rc<Self>) {
        let st = &this.state;
        st.set(CLOSE_EMITTED);
        // A Duplex emits one `'close'`, if either side wants it.
        let readable_wants = this.partner.get().is_some_and(|r| r.mark_close_emitted());
        if st.has(EMIT_CLOSE) || readable_wants {
            this.emitter.emit(CLOSE, &());
        }
    }

    /// Node's `emitErrorNT`. Returns `false` when nobody listened: the error went to the
    /// loop as uncaught, and (as in Node, where the throw ends the tick) nothing more of
    /// this tick runs.
    fn emit_error_nt(this: &Rc<Self>, err: Error) -> bool {
        let st = &this.state;
        let partner = this.partner.get();
        if st.has(ERROR_EMITTED) || partner.is_some_and(|r| r.error_emitted()) {
            return true;
        }
        st.set(ERROR_EMITTED);
        // The library's hooks first; they never count as a handler.
        this.hooks.run_error(&err);
        if let Some(r) = partner {
            r.set_error_emitted(&err);
        }
        match this.emitter.emit_error(err) {
            Ok(()) => true,
            Err(unhandled) => {
                let err = unhandled.into_inner();
                this.hooks.mark_unhandled(&err, "Writable");
                this.lp.report_error(err);
                false
            }
        }
    }

    /// Node's `errorOrDestroy`.
    pub(crate) fn error_or_destroy(this: &Rc<Self>, err: Error, sync: bool) {
        let st = &this.state;
        let partner = this.partner.get();
        if st.has(DESTROYED) || partner.is_some_and(|r| r.destroyed()) {
            return;
        }
        if st.has(AUTO_DESTROY) || partner.is_some_and(|r| r.auto_destroy()) {
            Self::destroy(this, Some(err), None);
            return;
        }
        st.record_error(&err);
        if let Some(r) = partner {
            r.record_error(&err);
        }
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
    pub(super) fn on_construct_nt(this: &Rc<Self>, err: Option<Error>, first: bool) {
        let st = &this.state;
        if !first {
            let err = err.unwrap_or_else(|| Error::from_code(ErrorCode::MultipleCallback));
            Self::error_or_destroy(this, err, false);
            return;
        }
        st.set(CONSTRUCTED);
        if let Some(r) = this.partner.get() {
            r.mark_constructed();
        }
        if st.has(DESTROYED) {
            if let Some(PendingDestroy { err: outer, cb }) = st.pending_destroy.take() {
                // aggregateTwoErrors(er, err): Node makes an AggregateError with the outer
                // error's code and message; the outer error stands for it here.
                Self::start_destroy(this, outer.or(err), cb);
            }
        } else if let Some(err) = err {
            Self::error_or_destroy(this, err, true);
        } else {
            // A Duplex's readable side first (Node's construct callback runs
            // `_readableState[kOnConstructed]`, then `_writableState[kOnConstructed]`).
            if let Some(r) = this.partner.get() {
                r.on_constructed();
            }
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
