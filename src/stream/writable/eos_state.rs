//! What Node's `eos` reads of a Writable's state (see `stream/eos.rs`).

use super::state::*;
use super::{Sink, Writable};
use crate::stream::eos::WritableEos;

impl<T: 'static, S: Sink<T>> Writable<T, S> {
    /// The fields of Node's `_writableState` that `eos` and `pipeline` read, now.
    pub(crate) fn eos_writable(&self) -> WritableEos {
        let st = &self.inner.state;
        let flags = st.flags();
        let has = |f: u32| flags & f != 0;
        // The write in flight dispatched inside `write()` is not counted yet (`UNCOUNTED`);
        // Node's `pendingcb` counts it.
        let pending_cb = st.pendingcb.get() + usize::from(has(UNCOUNTED));
        WritableEos {
            enabled: !has(WRITABLE_OFF),
            writable: st.writable(),
            errored: st.errored(),
            error_emitted: has(ERROR_EMITTED),
            ending: has(ENDING),
            ended: has(ENDED),
            finished: has(FINISHED),
            empty: st.length_with(flags) == 0,
            pending_cb,
            destroyed: has(DESTROYED),
            closed: has(CLOSED),
            auto_destroy: has(AUTO_DESTROY),
            emit_close: has(EMIT_CLOSE),
        }
    }
}
