//! What Node's `eos` reads of a Readable's state (see `stream/eos.rs`).

use super::Readable;
use crate::stream::eos::ReadableEos;

impl<T: 'static> Readable<T> {
    /// The stream's `autoDestroy` option.
    #[cfg(feature = "futures")]
    pub(crate) fn inner_auto_destroy(&self) -> bool {
        self.inner.state.borrow().auto_destroy
    }

    /// The fields of Node's `_readableState` that `eos` and `pipeline` read, now.
    pub(crate) fn eos_readable(&self) -> ReadableEos {
        let s = self.inner.state.borrow();
        ReadableEos {
            enabled: !s.readable_off,
            readable: !s.readable_off && !s.destroyed && !s.error_emitted && !s.end_emitted,
            errored: s.errored.clone(),
            error_emitted: s.error_emitted,
            ended: s.ended,
            end_emitted: s.end_emitted,
            empty: s.length == 0,
            destroyed: s.destroyed,
            closed: s.closed,
            auto_destroy: s.auto_destroy,
            emit_close: s.emit_close,
        }
    }
}
