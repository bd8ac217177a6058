//! The readable side of a Duplex: what its writable side asks of it (see
//! [`ReadablePart`]), and how the two are joined.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use super::source::DestroyDone;
use super::{Readable, WeakReadable};
use crate::stream::duplex::link::{ReadablePart, WritablePart};
use crate::Error;

impl<T: 'static> Readable<T> {
    /// Joins this stream to the writable side of its Duplex: from now on its destroy is
    /// the Duplex's, and its end waits for the other side as Node's Duplex does. Called
    /// once, when the Duplex is made.
    pub(crate) fn join_duplex(&self, writable: Rc<dyn WritablePart>) {
        let first = self.inner.partner.set(writable).is_ok();
        debug_assert!(first, "a readable side is joined once");
    }

    /// The side as its partner holds it: weakly (see `duplex::link`).
    pub(crate) fn as_part(&self) -> Box<dyn ReadablePart> {
        Box::new(Side {
            readable: self.downgrade(),
            source_destroyed: Cell::new(false),
        })
    }

    /// Node's `readable: false` option of a Duplex: no readable side (already ended).
    pub(crate) fn turn_off(&self) {
        let mut s = self.inner.state.borrow_mut();
        s.readable_off = true;
        s.ended = true;
        s.end_emitted = true;
    }

    /// A Duplex with `_construct`: no `_read` until it calls back.
    pub(crate) fn set_unconstructed(&self) {
        self.inner.state.borrow_mut().constructed = false;
    }

    /// The end of a plain Readable's `_construct` (a file read stream's open), made
    /// unconstructed with [`set_unconstructed`](Readable::set_unconstructed): Node's
    /// `onConstruct` sets `constructed`; after a success (`succeeded`), its `kConstruct`
    /// step reads ahead if a read was wanted meanwhile. What a destroy or an error owes
    /// then is the caller's (Node's `kDestroy` and `errorOrDestroy`).
    pub(crate) fn construct_done(&self, succeeded: bool) {
        let need_readable = {
            let mut s = self.inner.state.borrow_mut();
            s.constructed = true;
            s.need_readable
        };
        if succeeded && need_readable {
            self.maybe_read_more();
        }
    }

    /// Clears Node's `sync` guard: a Transform's `_read` is ready before the first read, so
    /// its first push may emit at once (Node's Transform sets `_readableState.sync = false`).
    pub(crate) fn clear_sync(&self) {
        self.inner.state.borrow_mut().sync = false;
    }

    /// The Duplex's `allowHalfOpen` (`true` for a plain Readable, which has no other side).
    pub(crate) fn duplex_allows_half_open(&self) -> bool {
        self.inner
            .partner
            .get()
            .map_or(true, |w| w.allow_half_open())
    }

    /// Whether the writable side of this Duplex has ended (`false` for a plain Readable).
    pub(crate) fn duplex_writable_ended(&self) -> bool {
        self.inner.partner.get().is_some_and(|w| w.ended())
    }

    /// `state.ended`: `push(None)` was called (the end may not be emitted yet).
    pub(crate) fn push_ended(&self) -> bool {
        self.inner.state.borrow().ended
    }
}

/// A readable side held by its writable side.
struct Side<T: 'static> {
    readable: WeakReadable<T>,
    /// The source's `destroy` has been called.
    source_destroyed: Cell<bool>,
}

impl<T: 'static> Side<T> {
    fn upgrade(&self) -> Option<Readable<T>> {
        self.readable.upgrade()
    }
}

/// Each call reads or marks the state; none runs user code but the source's `destroy` and
/// the hooks of `mark_closed` and `set_error_emitted`, which run with no borrow held.
impl<T: 'static> ReadablePart for Side<T> {
    fn destroy_source(&self, err: Option<Error>, then: Box<dyn FnOnce(Option<Error>)>) {
        let r = match self.upgrade() {
            Some(r) if !self.source_destroyed.replace(true) => r,
            _ => return then(err),
        };
        let source = r.inner.source.clone();
        // `then` must outlive a panicking `destroy`, which drops `done` as it unwinds.
        let slot = Rc::new(Cell::new(Some(then)));
        let kept = slot.clone();
        let done = DestroyDone {
            stream: r.clone(),
            then: Some(Box::new(move |err| {
                if let Some(then) = kept.take() {
                    then(err);
                }
            })),
        };
        // As a plain Readable's `_destroy`: a panic completes the destroy with that error,
        // unless it completed already, when the panic goes on (see `destroy_impl`).
        let result = panic::catch_unwind(AssertUnwindSafe(|| source.destroy(&r, err, done)));
        if let Err(payload) = result {
            match slot.take() {
                Some(then) => then(Some(Error::from_panic("_destroy", &*payload))),
                None => panic::resume_unwind(payload),
            }
        }
    }

    fn destroyed(&self) -> bool {
        self.upgrade()
            .is_some_and(|r| r.inner.state.borrow().destroyed)
    }

    fn mark_destroyed(&self, err: Option<&Error>) {
        if let Some(r) = self.upgrade() {
            let mut s = r.inner.state.borrow_mut();
            s.record_error(err);
            s.destroyed = true;
        }
    }

    fn mark_closed(&self, err: Option<&Error>) {
        if let Some(r) = self.upgrade() {
            {
                let mut s = r.inner.state.borrow_mut();
                s.record_error(err);
                s.closed = true;
            }
            r.inner.hooks.run_closed();
        }
    }

    fn mark_constructed(&self) {
        if let Some(r) = self.upgrade() {
            r.inner.state.borrow_mut().constructed = true;
        }
    }

    fn on_constructed(&self) {
        if let Some(r) = self.upgrade() {
            if r.inner.state.borrow().need_readable {
                r.maybe_read_more();
            }
        }
    }

    fn auto_destroy(&self) -> bool {
        self.upgrade()
            .is_some_and(|r| r.inner.state.borrow().auto_destroy)
    }

    fn ready_to_auto_destroy(&self) -> bool {
        // With the readable side gone, nothing can end it: the writable side decides alone.
        match self.upgrade() {
            Some(r) => {
                let s = r.inner.state.borrow();
                s.auto_destroy && (s.end_emitted || s.readable_off)
            }
            None => true,
        }
    }

    fn error_emitted(&self) -> bool {
        self.upgrade()
            .is_some_and(|r| r.inner.state.borrow().error_emitted)
    }

    fn set_error_emitted(&self) {
        if let Some(r) = self.upgrade() {
            r.inner.state.borrow_mut().error_emitted = true;
        }
    }

    fn mark_close_emitted(&self) -> bool {
        self.upgrade().is_some_and(|r| {
            let mut s = r.inner.state.borrow_mut();
            s.close_emitted = true;
            s.emit_close
        })
    }

    fn record_error(&self, err: &Error) {
        if let Some(r) = self.upgrade() {
            r.inner.state.borrow_mut().record_error(Some(err));
        }
    }
}
