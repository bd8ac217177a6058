//! The end-of-stream watch (`stream/eos.rs`, Node's `eos`) for futures: its answer kept
//! for a poll, and the waker of the future waiting for it. The async iterator of a
//! Readable, its `Sink` and [`finished`](crate::stream::promises::finished) are built on
//! it, as in Node.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::Waker;

use crate::stream::eos::{self, EosCleanup, EosOptions, EosStream};
use crate::Error;

/// The shared part of a watch: the answer, and the waker of the future waiting for it.
pub(crate) struct Watch {
    answer: RefCell<Option<Result<(), Error>>>,
    waker: RefCell<Option<Waker>>,
    /// Removes the listeners at the answer (Node's `finished(stream, { cleanup: true })`).
    auto_cleanup: RefCell<Option<EosCleanup>>,
}

impl Watch {
    /// The answer, once it came.
    pub(crate) fn answer(&self) -> Option<Result<(), Error>> {
        self.answer.borrow().clone()
    }

    /// The future waiting on this watch (and on the events that share its waker).
    pub(crate) fn set_waker(&self, waker: &Waker) {
        let mut slot = self.waker.borrow_mut();
        match &*slot {
            Some(w) if w.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    /// Wakes the waiting future (no borrow held while waking).
    pub(crate) fn wake(&self) {
        let waker = self.waker.borrow_mut().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// A running watch: its listeners stay on the stream until [`cleanup`](Eos::cleanup)
/// (or for the stream's life, as Node leaves them).
pub(crate) struct Eos {
    pub(crate) watch: Rc<Watch>,
    cleanup: EosCleanup,
}

impl Eos {
    /// Starts watching `stream` (Node's `eos(stream, callback)`).
    pub(crate) fn new<S: EosStream>(stream: &S) -> Eos {
        Eos::with_options(stream, EosOptions::default(), false)
    }

    /// Starts watching `stream` with Node's `eos` options; with `auto_cleanup`, the
    /// listeners go when the answer comes.
    pub(crate) fn with_options(
        stream: &dyn EosStream,
        options: EosOptions,
        auto_cleanup: bool,
    ) -> Eos {
        let watch = Rc::new(Watch {
            answer: RefCell::new(None),
            waker: RefCell::new(None),
            auto_cleanup: RefCell::new(None),
        });
        let w = Rc::downgrade(&watch);
        let cleanup = eos::eos(
            stream,
            options,
            Box::new(move |err| {
                if let Some(w) = w.upgrade() {
                    *w.answer.borrow_mut() = Some(err.map_or(Ok(()), Err));
                    let cleanup = w.auto_cleanup.borrow_mut().take();
                    if let Some(cleanup) = cleanup {
                        cleanup.cleanup();
                    }
                    w.wake();
                }
            }),
        );
        if auto_cleanup {
            *watch.auto_cleanup.borrow_mut() = Some(cleanup.clone());
        }
        Eos { watch, cleanup }
    }

    /// Removes the watch's listeners (Node's `cleanup()`); the answer stays as it is.
    pub(crate) fn cleanup(&self) {
        self.cleanup.cleanup();
    }
}

impl std::fmt::Debug for Eos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Eos")
            .field("answer", &self.watch.answer())
            .finish_non_exhaustive()
    }
}
