//! Node's `WritableState`: the bits and counters the state machine runs on.
//!
//! The flags keep Node's names (v20 `internal/streams/writable.js` keeps them in one bit
//! field too), so that the machine (`machine.rs` and the files it lists) reads line by line
//! against Node's.
//!
//! Scalars live in [`Cell`]s and the rest in `Cell`s or short-lived `RefCell` borrows, so
//! no borrow of the state can be live while user code runs, and the hot path pays no
//! borrow-flag traffic.

use std::cell::{Cell, RefCell};

use crate::error::Error;

use super::buffer::Buffered;
use super::callbacks::{DestroyDone, UserCallback};

pub(crate) const OBJECT_MODE: u32 = 1 << 0;
pub(crate) const ERROR_EMITTED: u32 = 1 << 1;
pub(crate) const AUTO_DESTROY: u32 = 1 << 2;
pub(crate) const EMIT_CLOSE: u32 = 1 << 3;
pub(crate) const DESTROYED: u32 = 1 << 4;
pub(crate) const CLOSED: u32 = 1 << 5;
pub(crate) const CLOSE_EMITTED: u32 = 1 << 6;
pub(crate) const ERRORED: u32 = 1 << 7;
pub(crate) const CONSTRUCTED: u32 = 1 << 8;
// Node's kSync (1 << 9) is the `sync` Cell of `State`, outside the flag word.
pub(crate) const FINAL_CALLED: u32 = 1 << 10;
pub(crate) const NEED_DRAIN: u32 = 1 << 11;
pub(crate) const ENDING: u32 = 1 << 12;
pub(crate) const FINISHED: u32 = 1 << 13;
pub(crate) const DECODE_STRINGS: u32 = 1 << 14;
pub(crate) const WRITING: u32 = 1 << 15;
pub(crate) const BUFFER_PROCESSING: u32 = 1 << 16;
pub(crate) const PREFINISHED: u32 = 1 << 17;
/// `_final` has called back (Node's `called` in `callFinal`): a second completion, or a
/// panic after the first, fails the stream.
pub(crate) const FINAL_DONE: u32 = 1 << 18;
/// The sink has no `_final`: its default `finalize` said so (see `Sink::finalize`).
pub(crate) const NO_FINAL: u32 = 1 << 19;
pub(crate) const ON_FINISHED: u32 = 1 << 20;
/// The sink was handed a batch once: its `_writev`, if it has one, is known.
pub(crate) const WRITEV_ASKED: u32 = 1 << 21;
/// The sink has no `_writev`: its default `writev` handed the batch back.
pub(crate) const NO_WRITEV: u32 = 1 << 22;
pub(crate) const CORKED: u32 = 1 << 23;
/// Sink calls wait in `Inner::deferred` (made while the sink was running). In the flag
/// word so that the write path's one comparison of the flags also says none wait.
pub(crate) const DEFERRED: u32 = 1 << 24;
/// `writecb` holds a callback (Node's `kWriteCb`): lets the hot path skip the `Cell`.
pub(crate) const WRITE_CB: u32 = 1 << 25;
pub(crate) const EXPECT_WRITE_CB: u32 = 1 << 26;
/// The write in flight, dispatched inside `write()`, is not yet counted in `pendingcb`
/// nor in the `length` field: `onwrite` counts it (or, in its fast case, skips the count
/// and its undoing). `length()` adds it back (`writelen`), so `writableLength` is Node's;
/// nothing reads `pendingcb` while `WRITING` is set (`needFinish` requires it clear).
pub(crate) const UNCOUNTED: u32 = 1 << 27;
pub(crate) const AFTER_WRITE_PENDING: u32 = 1 << 28;
pub(crate) const BUFFERED: u32 = 1 << 29;
pub(crate) const ENDED: u32 = 1 << 30;
/// `writable = false` set by the owner (a Duplex whose writable side is off).
pub(crate) const WRITABLE_OFF: u32 = 1 << 31;

/// A `destroy(err, cb)` deferred until `_construct` calls back (Node's `once(kDestroy)`).
pub(crate) struct PendingDestroy {
    pub(crate) err: Option<Error>,
    pub(crate) cb: Option<DestroyDone>,
}

/// One stream's bookkeeping.
pub(crate) struct State<T> {
    pub(crate) flags: Cell<u32>,
    /// The sink is running `_destroy` or `_construct` (see `Inner::sync`, Node's
    /// `kSync`, which is derived from this and the sink's borrow; kept out of the flag
    /// word, where a flag set and cleared around every `_write` compiles to a narrow
    /// store that stalls the next write's whole-word read of the flags).
    pub(crate) sink_other: Cell<bool>,
    pub(crate) high_water_mark: usize,
    /// The largest length at which `write()` still returns `true` (see
    /// [`fits`](State::fits)).
    fit_limit: usize,
    /// Bytes (or chunks, in object mode) accepted whose `_write` has not called back,
    /// the chunk in flight included unless `UNCOUNTED` says otherwise: read it through
    /// [`length`](State::length), which adds that chunk back.
    pub(crate) length: Cell<usize>,
    /// The size of the write in flight.
    pub(crate) writelen: Cell<usize>,
    /// Callbacks still owed (user writes and internal steps); `'finish'` waits for zero.
    pub(crate) pendingcb: Cell<usize>,
    pub(crate) corked: Cell<usize>,
    /// The callback of the write in flight, if the caller gave one.
    pub(crate) writecb: Cell<Option<UserCallback>>,
    /// Writes waiting for the one in flight, for an uncork, or for `_construct`.
    pub(crate) buffered: RefCell<Buffered<T>>,
    /// `end()` callbacks waiting for `'finish'` (or for the error that prevents it).
    pub(crate) on_finished: Cell<Vec<UserCallback>>,
    /// The first error (Node's `errored`); later errors never replace it.
    pub(crate) errored: RefCell<Option<Error>>,
    /// A `destroy()` that came while `_construct` was still pending.
    pub(crate) pending_destroy: Cell<Option<PendingDestroy>>,
}

impl<T> State<T> {
    pub(crate) fn new(flags: u32, high_water_mark: usize) -> Self {
        State {
            flags: Cell::new(flags),
            sink_other: Cell::new(false),
            high_water_mark,
            fit_limit: high_water_mark.saturating_sub(1),
            length: Cell::new(0),
            writelen: Cell::new(0),
            pendingcb: Cell::new(0),
            corked: Cell::new(0),
            writecb: Cell::new(None),
            buffered: RefCell::new(Buffered::new()),
            on_finished: Cell::new(Vec::new()),
            errored: RefCell::new(None),
            pending_destroy: Cell::new(None),
        }
    }

    #[inline]
    pub(crate) fn flags(&self) -> u32 {
        self.flags.get()
    }

    #[inline]
    pub(crate) fn has(&self, bits: u32) -> bool {
        self.flags.get() & bits != 0
    }

    #[inline]
    pub(crate) fn set(&self, bits: u32) {
        self.flags.set(self.flags.get() | bits);
    }

    #[inline]
    pub(crate) fn clear(&self, bits: u32) {
        self.flags.set(self.flags.get() & !bits);
    }

    /// Node's `length < hwm || length === 0` (the `ret` of `writeOrBuffer`) as one
    /// comparison: below the mark, or empty (so a high-water mark of 0 refuses every
    /// non-empty write).
    #[inline]
    pub(crate) fn fits(&self, length: usize) -> bool {
        length <= self.fit_limit
    }

    /// Node's `state.length`.
    #[inline]
    pub(crate) fn length(&self) -> usize {
        self.length_with(self.flags())
    }

    /// [`length`](State::length), given the flag word just read.
    #[inline]
    pub(crate) fn length_with(&self, flags: u32) -> usize {
        if flags & UNCOUNTED != 0 {
            self.length.get() + self.writelen.get()
        } else {
            self.length.get()
        }
    }

    pub(crate) fn inc_pendingcb(&self) {
        self.pendingcb.set(self.pendingcb.get() + 1);
    }

    pub(crate) fn dec_pendingcb(&self) {
        self.pendingcb.set(self.pendingcb.get() - 1);
    }

    /// A clone of the recorded error.
    pub(crate) fn errored(&self) -> Option<Error> {
        self.errored.borrow().clone()
    }

    /// Records `err` as the stream's error unless one is recorded already.
    pub(crate) fn record_error(&self, err: &Error) {
        if !self.has(ERRORED) {
            *self.errored.borrow_mut() = Some(err.clone());
            self.set(ERRORED);
        }
    }

    /// Node's `needFinish`: ending and constructed, nothing in flight or buffered, and not
    /// destroyed, finished, errored, nor past its `'error'`/`'close'`.
    pub(crate) fn need_finish(&self) -> bool {
        self.flags()
            & (ENDING
                | DESTROYED
                | CONSTRUCTED
                | FINISHED
                | WRITING
                | ERROR_EMITTED
                | CLOSE_EMITTED
                | ERRORED
                | BUFFERED)
            == (ENDING | CONSTRUCTED)
            && self.length() == 0
    }

    /// Node's `writable` getter.
    pub(crate) fn writable(&self) -> bool {
        !self.has(ENDING | ENDED | DESTROYED | ERRORED | WRITABLE_OFF)
    }

    /// Clears the buffer bookkeeping (Node's `resetBuffer`).
    pub(crate) fn reset_buffer(&self) {
        self.buffered.borrow_mut().reset();
        self.clear(BUFFERED);
    }

    /// Adds an `end()` callback to wait for `'finish'`.
    pub(crate) fn push_on_finished(&self, cb: UserCallback) {
        let mut list = self.on_finished.take();
        list.push(cb);
        self.on_finished.set(list);
        self.set(ON_FINISHED);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn need_finish_requires_ending_constructed_and_idle() {
        let s: State<()> = State::new(CONSTRUCTED, 16);
        assert!(!s.need_finish());
        s.set(ENDING);
        assert!(s.need_finish());
        s.length.set(1);
        assert!(!s.need_finish());
        s.length.set(0);
        for bit in [
            DESTROYED,
            FINISHED,
            WRITING,
            ERROR_EMITTED,
            CLOSE_EMITTED,
            ERRORED,
            BUFFERED,
        ] {
            s.set(bit);
            assert!(!s.need_finish(), "bit {bit:#x}");
            s.clear(bit);
        }
        s.clear(CONSTRUCTED);
        assert!(!s.need_finish());
    }

    #[test]
    fn fits_is_nodes_below_the_mark_or_empty() {
        for hwm in [0, 1, 2, 16, usize::MAX] {
            let s: State<()> = State::new(CONSTRUCTED, hwm);
            for length in [0, 1, 2, 15, 16, 17, usize::MAX - 1, usize::MAX] {
                assert_eq!(
                    s.fits(length),
                    length < hwm || length == 0,
                    "hwm {hwm} length {length}"
                );
            }
        }
    }

    #[test]
    fn first_error_wins() {
        let s: State<()> = State::new(CONSTRUCTED, 16);
        s.record_error(&Error::custom("E1", "one"));
        s.record_error(&Error::custom("E2", "two"));
        assert_eq!(s.errored().unwrap().code().as_str(), "E1");
        assert!(!s.writable());
    }
}
