//! Batching: how a batch starts ([`Core::start`], the sink's `_write`/`_writev`), the
//! end-of-tick flush that gathers a tick's writes into one batch ([`Core::flush`]), relief
//! at the high-water mark ([`Core::relieve`]) and the write-ahead that sends the Writable's
//! buffer with the held batch ([`Core::write_ahead`]). See the module docs of
//! `fd_writable`.

use std::os::fd::AsFd;
use std::rc::Rc;

use bytes::Bytes;

use super::Core;
use crate::stream::writable::{Chunk, Kept, WeakWritable, WriteCallback};
use crate::sys::write_chunks;

impl Core {
    /// Starts a batch: the sink's `_write`/`_writev`. A one-chunk batch waits for the end of
    /// the tick when `may_defer` (see the module docs).
    pub(super) fn start(
        self: &Rc<Self>,
        chunks: impl ExactSizeIterator<Item = Chunk>,
        cb: WriteCallback,
        may_defer: bool,
    ) {
        // A batch the flush's completion hands over is written at once; a new write made
        // by a callback or listener it ran is a write into an idle stream like any other.
        let handover = self.handover.get() && self.clearing_buffer();
        if handover {
            self.handover.set(false);
        }
        if let Some(parked) = self.connecting.borrow_mut().as_mut() {
            parked.write = Some((chunks.collect(), Kept::new(&self.lp, cb)));
            return;
        }
        {
            let mut q = self.queue.borrow_mut();
            debug_assert!(q.chunks.is_empty() && q.cb.is_none());
            q.received += chunks.len() as u64;
            // The bytes `write_ahead` wrote already are dropped here rather than queued
            // and then skipped (`Queue::skip`, chunk by chunk).
            let mut skip = self.prewritten.get();
            for c in chunks {
                let bytes = if c.is_string() {
                    c.to_bytes()
                } else {
                    c.into_bytes()
                };
                if skip > 0 {
                    if skip >= bytes.len() {
                        skip -= bytes.len();
                        q.front += 1;
                        continue;
                    }
                    q.offset = skip;
                    skip = 0;
                }
                q.chunks.push_back(bytes);
            }
            self.prewritten.set(skip);
            q.cb = Some(Kept::new(&self.lp, cb));
            if handover {
                // The flush completed the previous batch and the Writable hands its buffer
                // over: written now, completed once that completion has returned.
                drop(q);
                self.drive(false, true);
                return;
            }
            if may_defer
                && q.chunks.len() == 1
                && q.offset == 0
                && q.chunks[0].len() < self.high_water_mark.get()
            {
                // A write into an idle stream: the caller is likely to write more in this
                // tick (a `while (w.write(x))` loop). Those writes buffer in the Writable
                // while this one is in flight; writing this chunk at the end of the tick
                // lets them reach the kernel together instead of one syscall each. (A chunk
                // of a high-water mark or more goes at once: nothing would batch behind it,
                // since `write()` returns false for it.)
                drop(q);
                self.schedule_flush();
                return;
            }
        }
        self.drive(false, false);
    }

    /// Whether the Writable is handing its buffer over (its `clearBuffer` is running).
    fn clearing_buffer(&self) -> bool {
        self.writable
            .borrow()
            .as_ref()
            .and_then(WeakWritable::upgrade)
            .is_some_and(|w| w.is_clearing_buffer())
    }

    /// Writes the batch at the end of the current tick (a next-tick task).
    fn schedule_flush(self: &Rc<Self>) {
        if self.flush_scheduled.replace(true) {
            return;
        }
        let me = self.clone();
        let epoch = self.flush_epoch.get();
        self.lp.next_tick(move || {
            if me.flush_epoch.get() == epoch
                && me.flush_scheduled.replace(false)
                && !me.queue.borrow().chunks.is_empty()
            {
                me.flush();
            }
        });
    }

    /// The Writable is about to report backpressure while the batch in flight waits for
    /// the end of the tick: a high-water mark of bytes has gathered behind it, so nothing
    /// is gained by waiting. Writes the batch and what the Writable buffered behind it (one
    /// `writev`, as the end-of-tick flush would) and completes the batch here, inside the
    /// sink call, which the Writable counts as a synchronous completion: callbacks on the
    /// next tick, as Node's writes that the kernel takes at once. What the kernel does not
    /// take waits for readiness as usual, and then `write()` does return `false`.
    pub(super) fn relieve(self: &Rc<Self>) {
        if !self.flush_scheduled.get() || self.queue.borrow().chunks.is_empty() {
            // Not held back: the batch waits for the kernel, which is real backpressure.
            return;
        }
        // The queued flush task is spent: it would run before the ticks that carry the
        // callbacks completed here, and complete later writes ahead of them.
        self.flush_scheduled.set(false);
        self.flush_epoch.set(self.flush_epoch.get().wrapping_add(1));
        self.write_ahead();
        self.drive(false, false);
    }

    /// The end-of-tick write: the deferred batch, then each batch its completion hands over,
    /// each completed (asynchronously, from the Writable's point of view) once the
    /// completion before it has returned. So the writes of one tick all complete here, in
    /// order, before any later tick, as Node's synchronous writes complete in the ticks
    /// queued by `write()`: the write callbacks, then `'drain'`. A batch the kernel does
    /// not take completely waits for readiness, as any other.
    fn flush(self: &Rc<Self>) {
        self.write_ahead();
        self.drive(false, true);
        self.complete_settled();
    }

    /// Completes the batches the flush wrote, each once the completion that handed it
    /// over has returned. The completion runs user code (callbacks, `'drain'`): if it
    /// panics, the batches still settled complete on the next tick.
    fn complete_settled(self: &Rc<Self>) {
        while let Some((cb, err)) = self.settled.take() {
            let Some(cb) = cb.take() else {
                continue;
            };
            self.handover.set(true);
            self.lp.owing(
                || cb.call(err),
                || {
                    self.handover.set(false);
                    let me = self.clone();
                    move || me.complete_settled()
                },
            );
            self.handover.set(false);
        }
    }

    /// Writes the deferred batch and, in the same funnel call, the writes the tick left in
    /// the Writable's buffer behind it: one `writev` for the tick instead of two.
    ///
    /// Only when completing the batch will hand that buffer over at once (Node's
    /// `clearBuffer`: not corked, destroyed or clearing), and no descriptors wait to be
    /// sent. The buffered writes are not completed here: they reach the sink as the next
    /// batch, as before, which skips the bytes written here ([`Core::prewritten`]) and
    /// completes once the kernel has all of its bytes. Callbacks and `'drain'` keep their
    /// order and their ticks. What the kernel did not take is left to [`Core::drive`], and
    /// an error to its retry, which reports it.
    fn write_ahead(&self) {
        // Declared first, dropped last: after the borrows below.
        let Some(writable) = self
            .writable
            .borrow()
            .as_ref()
            .and_then(WeakWritable::upgrade)
        else {
            return;
        };
        let fd_ref = self.fd.borrow();
        let Some(fd) = fd_ref.as_ref().map(AsFd::as_fd) else {
            return;
        };
        let mut q = self.queue.borrow_mut();
        if q.chunks.is_empty() || !q.attachments.is_empty() || self.prewritten.get() != 0 {
            return;
        }
        let held = q.chunks.iter().map(Bytes::len).sum::<usize>() - q.offset;
        let offset = q.offset;
        let written = writable.with_buffered_bytes(|rest| {
            let held_chunks = q.chunks.iter().map(|b| &b[..]);
            let chunks = held_chunks.chain(rest);
            write_chunks(fd, self.kind, offset, chunks).progress.bytes
        });
        let Some(written) = written else {
            return;
        };
        let beyond = q.skip(written.min(held));
        debug_assert_eq!(beyond, 0);
        self.prewritten.set(written.saturating_sub(held));
    }
}
