//! Node's `WritableState`: the bits and counters the state machine runs on.
//!
//! The flags keep Node's names (v20 `internal/streams/writable.js` keeps them in one bit
//! field too), so that the machine in `machine.rs` reads line by line against Node's.

use crate::error::Error;

use super::buffer::Buffered;
use super::callbacks::UserCallback;

pub(crate) const OBJECT_MODE: u32 = 1 << 0;
pub(crate) const ERROR_EMITTED: u32 = 1 << 1;
pub(crate) const AUTO_DESTROY: u32 = 1 << 2;
pub(crate) const EMIT_CLOSE: u32 = 1 << 3;
pub(crate) const DESTROYED: u32 = 1 << 4;
pub(crate) const CLOSED: u32 = 1 << 5;
pub(crate) const CLOSE_EMITTED: u32 = 1 << 6;
pub(crate) const ERRORED: u32 = 1 << 7;
pub(crate) const CONSTRUCTED: u32 = 1 << 8;
pub(crate) const SYNC: u32 = 1 << 9;
pub(crate) const FINAL_CALLED: u32 = 1 << 10;
pub(crate) const NEED_DRAIN: u32 = 1 << 11;
pub(crate) const ENDING: u32 = 1 << 12;
pub(crate) const FINISHED: u32 = 1 << 13;
pub(crate) const DECODE_STRINGS: u32 = 1 << 14;
pub(crate) const WRITING: u32 = 1 << 15;
pub(crate) const BUFFER_PROCESSING: u32 = 1 << 16;
pub(crate) const PREFINISHED: u32 = 1 << 17;
pub(crate) const ON_FINISHED: u32 = 1 << 20;
pub(crate) const CORKED: u32 = 1 << 23;
pub(crate) const EXPECT_WRITE_CB: u32 = 1 << 26;
pub(crate) const AFTER_WRITE_PENDING: u32 = 1 << 28;
pub(crate) const BUFFERED: u32 = 1 << 29;
pub(crate) const ENDED: u32 = 1 << 30;
/// `writable = false` set by the owner (a Duplex whose writable side is off).
pub(crate) const WRITABLE_OFF: u32 = 1 << 31;

/// One stream's bookkeeping. Every borrow of it is short and never spans user code.
pub(crate) struct State<T> {
    pub(crate) flags: u32,
    pub(crate) high_water_mark: usize,
    /// Bytes (or chunks, in object mode) accepted whose `_write` has not called back,
    /// the chunk in flight included.
    pub(crate) length: usize,
    /// The size of the write in flight.
    pub(crate) writelen: usize,
    /// Callbacks still owed (user writes and internal steps); `'finish'` waits for zero.
    pub(crate) pendingcb: usize,
    pub(crate) corked: usize,
    /// The callback of the write in flight, if the caller gave one.
    pub(crate) writecb: Option<UserCallback>,
    /// Writes waiting for the one in flight, for an uncork, or for `_construct`.
    pub(crate) buffered: Buffered<T>,
    /// `end()` callbacks waiting for `'finish'` (or for the error that prevents it).
    pub(crate) on_finished: Vec<UserCallback>,
    /// The first error (Node's `errored`); later errors never replace it.
    pub(crate) errored: Option<Error>,
    /// A `destroy()` that came while `_construct` was still pending.
    pub(crate) pending_destroy: Option<PendingDestroy>,
}

/// A `destroy(err, cb)` deferred until `_construct` calls back (Node's `once(kDestroy)`).
pub(crate) struct PendingDestroy {
    pub(crate) err: Option<Error>,
    pub(crate) cb: Option<super::callbacks::DestroyDone>,
}

impl<T> State<T> {
    pub(crate) fn new(flags: u32, high_water_mark: usize) -> Self {
        State {
            flags,
            high_water_mark,
            length: 0,
            writelen: 0,
            pendingcb: 0,
            corked: 0,
            writecb: None,
            buffered: Buffered::new(),
            on_finished: Vec::new(),
            errored: None,
            pending_destroy: None,
        }
    }

    #[inline]
    pub(crate) fn has(&self, bits: u32) -> bool {
        self.flags & bits != 0
    }

    #[inline]
    pub(crate) fn set(&mut self, bits: u32) {
        self.flags |= bits;
    }

    #[inline]
    pub(crate) fn clear(&mut self, bits: u32) {
        self.flags &= !bits;
    }

    /// Records `err` as the stream's error unless one is recorded already.
    pub(crate) fn record_error(&mut self, err: &Error) {
        if !self.has(ERRORED) {
            self.errored = Some(err.clone());
            self.set(ERRORED);
        }
    }

    /// Node's `needFinish`: ending and constructed, nothing in flight or buffered, and not
    /// destroyed, finished, errored, nor past its `'error'`/`'close'`.
    pub(crate) fn need_finish(&self) -> bool {
        self.flags
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
            && self.length == 0
    }

    /// Node's `writable` getter.
    pub(crate) fn writable(&self) -> bool {
        !self.has(ENDING | ENDED | DESTROYED | ERRORED | WRITABLE_OFF)
    }

    /// Clears the buffer bookkeeping (Node's `resetBuffer`).
    pub(crate) fn reset_buffer(&mut self) {
        self.buffered.reset();
        self.clear(BUFFERED);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn need_finish_requires_ending_constructed_and_idle() {
        let mut s: State<()> = State::new(CONSTRUCTED, 16);
        assert!(!s.need_finish());
        s.set(ENDING);
        assert!(s.need_finish());
        s.length = 1;
        assert!(!s.need_finish());
        s.length = 0;
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
    fn first_error_wins() {
        let mut s: State<()> = State::new(CONSTRUCTED, 16);
        s.record_error(&Error::custom("E1", "one"));
        s.record_error(&Error::custom("E2", "two"));
        assert_eq!(s.errored.as_ref().unwrap().code().as_str(), "E1");
        assert!(!s.writable());
    }
}
