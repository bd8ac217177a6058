//! What Node's `eos` reads of a Writable's state (see `stream/futures/eos.rs`).

use std::rc::Rc;

use super::state::*;
use super::{Sink, Writable};
use crate::reactor::LoopHandle;
use crate::stream::futures::eos::{EosState, EosStream};

impl<T: 'static, S: Sink<T>> Writable<T, S> {
    fn eos_snapshot(&self) -> EosState {
        let st = &self.inner.state;
        let errored = st.errored();
        // Node's isWritableFinished(stream, false): `writableFinished` wins over an error.
        let finished_loose =
            st.has(FINISHED) || (errored.is_none() && st.has(ENDING) && st.length() == 0);
        EosState {
            will_emit_close: st.has(AUTO_DESTROY) && st.has(EMIT_CLOSE) && !st.has(CLOSED),
            closed: st.has(CLOSED),
            destroyed: st.has(DESTROYED),
            errored,
            error_emitted: st.has(ERROR_EMITTED),
            finished_loose,
            active: !st.has(DESTROYED) && st.writable(),
            pending_cb: st.pendingcb.get(),
        }
    }
}

impl<T: 'static, S: Sink<T>> EosStream for Writable<T, S> {
    const READABLE: bool = false;

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
        Rc::new(move || weak.upgrade().map(|w| w.eos_snapshot()))
    }
}
