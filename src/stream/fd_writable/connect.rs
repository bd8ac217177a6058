//! A socket that is still connecting: what it holds back until the connect is decided
//! ([`Parked`]), the decision ([`Core::connected`]: the parked write, `'connect'` and
//! `'ready'`, or the error), and failures the reading side learns first.

use std::io;
use std::rc::Rc;

use super::{Core, FdWritable};
use crate::error::Error;
use crate::stream::writable::{Chunk, FinalCallback, Kept, WeakWritable, WriteCallback};

/// What a connecting socket holds back until the connect is decided.
#[derive(Default)]
pub(super) struct Parked {
    pub(super) write: Option<(Vec<Chunk>, Kept<WriteCallback>)>,
    pub(super) final_cb: Option<Kept<FinalCallback>>,
}

impl Core {
    /// A connect was decided: perform what waited for it, then emit `'connect'` and
    /// `'ready'` (Node's order: the parked write runs in an internal `'connect'` listener
    /// registered before any of the user's).
    pub(super) fn connected(self: &Rc<Self>, err: Option<io::Error>) {
        let Some(parked) = self.connecting.borrow_mut().take() else {
            return;
        };
        let emitter = self
            .writable
            .borrow()
            .as_ref()
            .and_then(WeakWritable::upgrade)
            .map(|w| w.emitter());
        match err {
            Some(err) => {
                let err = Error::from(err);
                if let Some((_, cb)) = parked.write {
                    if let Some(cb) = cb.take() {
                        cb.error(err);
                    }
                } else if let Some(cb) = parked.final_cb {
                    if let Some(cb) = cb.take() {
                        cb.error(err);
                    }
                } else {
                    // Nothing pending that could carry it: destroy the stream with it.
                    let hook = self.on_fail.borrow().clone();
                    if let Some(hook) = hook {
                        hook(Some(err));
                    }
                }
            }
            None => {
                if let Some((chunks, Some(cb))) = parked.write.map(|(c, cb)| (c, cb.take())) {
                    // Node performs the parked write inside its own 'connect' listener,
                    // before the user's: at once, not at the end of the tick.
                    self.start(chunks.into_iter(), cb, false);
                }
                if let Some(em) = &emitter {
                    em.emit(nodestream_emitter::names::CONNECT, &());
                    em.emit(crate::stream::lifecycle::READY, &());
                }
                if let Some(cb) = parked.final_cb.and_then(Kept::take) {
                    self.finalize(cb);
                }
            }
        }
    }
}

impl FdWritable {
    /// A connect in progress failed, as the socket's reading side learned first (a read
    /// takes the socket's pending error, so the connect check would see none).
    /// Otherwise the reading side failed (`ECONNRESET`): the connection is gone, so the
    /// writable side is destroyed too (without a second `'error'`).
    pub(crate) fn reader_failed(core: &Rc<Core>, err: Error) {
        if core.connecting.borrow().is_some() {
            core.connected(Some(io::Error::from(err)));
        } else {
            let hook = core.on_fail.borrow().clone();
            if let Some(hook) = hook {
                hook(None);
            }
        }
    }
}
