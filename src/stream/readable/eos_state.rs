//! What Node's `eos` reads of a Readable's state (see `stream/futures/eos.rs`).

use std::rc::Rc;

use super::Readable;
use crate::reactor::LoopHandle;
use crate::stream::futures::eos::{EosState, EosStream};

impl<T: 'static> Readable<T> {
    /// The stream's `autoDestroy` option.
    pub(crate) fn inner_auto_destroy(&self) -> bool {
        self.inner.state.borrow().auto_destroy
    }

    fn eos_snapshot(&self) -> EosState {
        let s = self.inner.state.borrow();
        let finished_loose = s.errored.is_none() && (s.end_emitted || (s.ended && s.length == 0));
        EosState {
            will_emit_close: s.auto_destroy && s.emit_close && !s.closed,
            closed: s.closed,
            destroyed: s.destroyed,
            errored: s.errored.clone(),
            error_emitted: s.error_emitted,
            finished_loose,
            // Node's isReadable: not destroyed, `readable`, and not finished (strictly).
            active: !s.destroyed && !s.error_emitted && !s.end_emitted,
            pending_cb: 0,
        }
    }
}

impl<T: 'static> EosStream for Readable<T> {
    const READABLE: bool = true;

    fn eos_emitter(&self) -> nodestream_emitter::EventEmitter {
        self.inner.emitter.clone()
    }

    fn eos_loop(&self) -> LoopHandle {
        self.inner.lp.clone()
    }

    fn eos_state(&self) -> EosState {
        self.eos_snapshot()
    }

    fn eos_state_weak(&self) -> Rc<dyn Fn() -> Option<EosState>> {
        let weak = self.downgrade();
        Rc::new(move || weak.upgrade().map(|r| r.eos_snapshot()))
    }
}
