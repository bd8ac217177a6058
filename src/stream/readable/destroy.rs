//! Node's `internal/streams/destroy.js` for a Readable: `destroy`, the `_destroy`
//! completion, `'error'` then `'close'`, and `errorOrDestroy`.

use std::panic::{self, AssertUnwindSafe};

use super::source::DestroyDone;
use super::{Readable, CLOSE};
use crate::Error;

impl<T: 'static> Readable<T> {
    /// Node's `destroy(err)`: flags now, then the source's `_destroy`.
    pub(super) fn destroy_impl(&self, err: Option<Error>) {
        // A Duplex has one destroy, the Writable's (Node's `Duplex.prototype.destroy`).
        if let Some(partner) = self.inner.partner.get() {
            partner.clone().destroy(err);
            return;
        }
        {
            let mut s = self.inner.state.borrow_mut();
            if s.destroyed {
                return;
            }
            s.record_error(err.as_ref());
            s.destroyed = true;
        }
        let source = self.inner.source.clone();
        let done = DestroyDone {
            stream: self.clone(),
            then: None,
        };
        // Node's `_destroy`: a throw completes the destroy with that error, unless it
        // completed already (Node then ignores the throw; here the panic goes on, since
        // nothing else would report it).
        let result = panic::catch_unwind(AssertUnwindSafe(|| source.destroy(self, err, done)));
        if let Err(payload) = result {
            if self.inner.state.borrow().closed {
                panic::resume_unwind(payload);
            }
            self.on_destroyed(Some(Error::from_panic("_destroy", &*payload)));
        }
    }

    /// Node's `onDestroy`: the source finished destroying.
    pub(super) fn on_destroyed(&self, err: Option<Error>) {
        {
            let mut s = self.inner.state.borrow_mut();
            if s.closed {
                // Completed already (a source that panicked, then called back).
                return;
            }
            s.record_error(err.as_ref());
            s.closed = true;
        }
        match err {
            Some(err) => self.tick(move |r| {
                // A panicking `'error'` listener leaves `'close'` to the next tick.
                r.inner.lp.owing(
                    || r.emit_error_nt(err),
                    || r.later(Readable::<T>::emit_close_nt),
                );
                r.emit_close_nt();
            }),
            None => self.tick(Readable::<T>::emit_close_nt),
        }
        self.inner.hooks.run_closed();
    }

    /// Node's `emitCloseNT`.
    fn emit_close_nt(&self) {
        let emit = {
            let mut s = self.inner.state.borrow_mut();
            s.close_emitted = true;
            s.emit_close
        };
        if emit {
            self.inner.emitter.emit(CLOSE, &());
        }
    }

    /// Node's `emitErrorNT`: `'error'` at most once; an error nobody listens to goes to the
    /// loop as an uncaught error.
    pub(super) fn emit_error_nt(&self, err: Error) {
        let partner = self.inner.partner.get();
        {
            let mut s = self.inner.state.borrow_mut();
            if s.error_emitted || partner.is_some_and(|w| w.error_emitted()) {
                return;
            }
            s.error_emitted = true;
        }
        if let Some(w) = partner {
            w.set_error_emitted();
        }
        if let Err(unhandled) = self.inner.emitter.emit_error(err) {
            let err = unhandled.into_inner();
            self.inner.hooks.mark_unhandled(&err, "Readable");
            self.inner.lp.report_error(err);
        }
    }

    /// Node's `errorOrDestroy(stream, err, sync)`.
    pub(crate) fn error_or_destroy(&self, err: Error, sync: bool) {
        let partner = self.inner.partner.get();
        let auto_destroy = {
            let mut s = self.inner.state.borrow_mut();
            if s.destroyed || partner.is_some_and(|w| w.destroyed()) {
                return;
            }
            let auto_destroy = s.auto_destroy || partner.is_some_and(|w| w.auto_destroy());
            if !auto_destroy {
                s.record_error(Some(&err));
            }
            auto_destroy
        };
        if let (false, Some(w)) = (auto_destroy, partner) {
            w.record_error(&err);
        }
        if auto_destroy {
            self.destroy_impl(Some(err));
        } else if sync {
            self.tick(move |r| r.emit_error_nt(err));
        } else {
            self.emit_error_nt(err);
        }
    }
}
