//! The writable side of a Duplex: what its readable side asks of it (see
//! [`WritablePart`]), and how the two are joined.

use std::rc::Rc;

use super::machine::Inner;
use super::sink::Sink;
use super::state::*;
use super::Writable;
use crate::stream::duplex::link::{ReadablePart, WritablePart};
use crate::Error;

impl<T: 'static, S: Sink<T>> Writable<T, S> {
    /// Joins this stream to the readable side of its Duplex (held weakly). Called once,
    /// when the Duplex is made.
    pub(crate) fn join_duplex(&self, readable: Box<dyn ReadablePart>) {
        let first = self.inner.partner.set(readable).is_ok();
        debug_assert!(first, "a writable side is joined once");
    }

    /// The side as its partner holds it: strongly, with the Duplex's `allowHalfOpen`.
    pub(crate) fn as_part(&self, allow_half_open: bool) -> Rc<dyn WritablePart> {
        Rc::new(Side {
            writable: self.clone(),
            allow_half_open,
        })
    }

    /// Node's `writable: false` option of a Duplex: no writable side (already finished).
    pub(crate) fn turn_off(&self) {
        self.inner
            .state
            .set(WRITABLE_OFF | ENDING | ENDED | FINISHED);
    }
}

/// A writable side held by its readable side.
struct Side<T: 'static, S: Sink<T>> {
    writable: Writable<T, S>,
    allow_half_open: bool,
}

impl<T: 'static, S: Sink<T>> WritablePart for Side<T, S> {
    fn destroy(&self, err: Option<Error>) {
        Inner::destroy(&self.writable.inner, err, None);
    }

    fn destroyed(&self) -> bool {
        self.writable.inner.state.has(DESTROYED)
    }

    fn auto_destroy(&self) -> bool {
        self.writable.inner.state.has(AUTO_DESTROY)
    }

    fn ready_to_auto_destroy(&self) -> bool {
        let st = &self.writable.inner.state;
        st.has(AUTO_DESTROY) && st.has(FINISHED | WRITABLE_OFF)
    }

    fn writable(&self) -> bool {
        self.writable.writable()
    }

    fn ended(&self) -> bool {
        self.writable.inner.state.has(ENDED)
    }

    fn allow_half_open(&self) -> bool {
        self.allow_half_open
    }

    fn end_writable(&self) {
        // Node's `endWritableNT`.
        let w = &self.writable;
        if w.writable() && !w.writable_ended() && !w.destroyed() {
            w.end();
        }
    }

    fn error_emitted(&self) -> bool {
        self.writable.inner.state.has(ERROR_EMITTED)
    }

    fn set_error_emitted(&self, err: &Error) {
        self.writable.inner.state.set(ERROR_EMITTED);
        self.writable.inner.hooks.run_error(err);
    }

    fn record_error(&self, err: &Error) {
        self.writable.inner.state.record_error(err);
    }
}
