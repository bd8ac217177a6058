//! [`FdWritable`]: a Writable over a nonblocking fd (pipe, socket, tty, character device).
//!
//! The sink hands every batch the Writable gives it (`_write`/`_writev`) to the crate's fd
//! funnel ([`write_chunks`]): the chunks are coalesced into as few `writev` calls as the
//! kernel allows. What the kernel does not take at once waits for writable readiness (the fd
//! is registered with the loop, edge-triggered, for its whole life); a funnel call that used
//! up its budget continues on the next turn. The sink completes the Writable's write callback
//! once the kernel has taken every byte of the batch, which is where `'drain'` comes from.
//!
//! Batching: a one-chunk write into an idle stream waits for the end of the tick (a
//! next-tick task, `Core::flush`), so the writes made after it in the same tick wait in
//! the Writable's buffer and reach the kernel as one coalesced batch. The flush completes
//! the tick's writes in order before any later tick. When a high-water mark of writes has
//! gathered before the end of the tick, the Writable asks the sink to let go
//! ([`Sink::relieve`](crate::stream::writable::Sink::relieve), `Core::relieve`): the batch is
//! written then and there and completes synchronously, so `write()` keeps returning `true`
//! while the kernel takes the bytes, as Node's does. See `docs/fdstreams.md`.
//!
//! Chunks written with [`FdWritable::write_with_fds`] carry descriptors. Such a chunk starts
//! its own `sendmsg`, so its descriptors travel with its first byte (see the method docs).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::ops::Deref;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::rc::Rc;

use bytes::Bytes;

use crate::error::{Error, ErrorCode};
use crate::fdpass::MAX_FDS;
use crate::reactor::{LoopHandle, PostAction, SourceId, IO_BUDGET};
use crate::stream::writable::{
    Chunk, DestroyCallback, FinalCallback, Sink, WeakWritable, Writable, WritableOptions,
    WriteCallback, WriteInput,
};
use crate::sys::{set_nonblocking, socket, write_chunks, FdKind, FdSource, WriteStop};
use nodestream_emitter::EventEmitter;

use crate::error::FdError;

/// A chunk's descriptors still to be sent, by the chunk's ordinal among every chunk the sink
/// has received.
#[derive(Debug)]
struct Attachment {
    ordinal: u64,
    fds: VecDeque<OwnedFd>,
}

/// The batch in flight and the descriptors waiting to ride on their chunks.
#[derive(Default)]
struct Queue {
    /// The unwritten chunks of the batch in flight, in order.
    chunks: VecDeque<Bytes>,
    /// Bytes of `chunks[0]` already written.
    offset: usize,
    /// The ordinal of `chunks[0]`.
    front: u64,
    /// How many chunks the sink has received in all (the next one's ordinal).
    received: u64,
    /// Completes the batch in flight.
    cb: Option<WriteCallback>,
    /// Descriptors queued with a chunk, by ordinal, ascending.
    attachments: VecDeque<Attachment>,
}

impl Queue {
    /// Drops `n` written bytes from the front of the batch in flight; returns how many of
    /// them lay beyond it.
    fn skip(&mut self, mut n: usize) -> usize {
        while n > 0 {
            let Some(front) = self.chunks.front() else {
                break;
            };
            let rest = front.len() - self.offset;
            if n < rest {
                self.offset += n;
                return 0;
            }
            n -= rest;
            self.chunks.pop_front();
            self.front += 1;
            self.offset = 0;
        }
        n
    }
}

/// What one [`Core::pump`] achieved.
enum Pump {
    /// Nothing left of the batch (its callback, if one was waiting).
    Done(Option<WriteCallback>),
    /// The kernel is full: wait for readiness.
    Blocked,
    /// The budget ran out with more to write: go again next turn.
    Budget,
    /// The write failed.
    Failed(io::Error, Option<WriteCallback>),
}

/// What a connecting socket holds back until the connect is decided.
#[derive(Default)]
struct Parked {
    write: Option<(Vec<Chunk>, WriteCallback)>,
    final_cb: Option<FinalCallback>,
}

/// Destroys the stream (with an error, or without when the other side has it).
type FailHook = Rc<dyn Fn(Option<Error>)>;

/// The state the sink, the loop registration and the public handle share.
pub(crate) struct Core {
    lp: LoopHandle,
    fd: RefCell<Option<FdSource>>,
    kind: FdKind,
    id: Cell<Option<SourceId>>,
    queue: RefCell<Queue>,
    kick_scheduled: Cell<bool>,
    /// A one-chunk batch waits for the end of the tick (see [`Core::start`]).
    flush_scheduled: Cell<bool>,
    /// Bumped when [`Core::relieve`] writes the held batch early: a flush task queued
    /// before then is stale (the next write queues a new one, after the ticks that carry
    /// the relieved writes' callbacks, so callbacks keep write order).
    flush_epoch: Cell<u32>,
    /// The Writable's high-water mark: a chunk this large is written at once.
    high_water_mark: Cell<usize>,
    /// The flush is completing a batch: the next batch the sink receives is the Writable's
    /// buffer being handed over (Node's `clearBuffer`), written at once.
    handover: Cell<bool>,
    /// A batch the flush wrote whose completion waits until the completion that handed it
    /// over has returned (`None`: success).
    settled: Cell<Option<(WriteCallback, Option<Error>)>>,
    /// `Some` while a TCP or Unix connect is in progress.
    connecting: RefCell<Option<Box<Parked>>>,
    /// The stream: its emitter for `'connect'`/`'ready'`, and its buffer for the flush
    /// (see [`Core::write_ahead`]).
    writable: RefCell<Option<WeakWritable>>,
    /// Bytes at the front of the next batches that [`Core::write_ahead`] wrote already.
    prewritten: Cell<usize>,
    /// Shut the socket's write side down in `_final` (sockets only).
    shutdown_on_final: bool,
    /// Destroys the stream with an error nothing else can carry (a failed connect with no
    /// write pending). Holds the stream: cleared when the fd is closed.
    on_fail: RefCell<Option<FailHook>>,
}

impl Core {
    fn with_fd<R>(&self, f: impl FnOnce(BorrowedFd<'_>) -> R) -> Option<R> {
        self.fd.borrow().as_ref().map(|fd| f(fd.as_fd()))
    }

    /// Writes what the queue holds until done, blocked, failed or out of budget.
    ///
    /// No user code runs here; the caller completes the callback afterwards.
    fn pump(&self) -> Pump {
        let fd_ref = self.fd.borrow();
        let Some(fd) = fd_ref.as_ref().map(AsFd::as_fd) else {
            let cb = self.queue.borrow_mut().cb.take();
            return Pump::Failed(Error::from_code(ErrorCode::Destroyed).into(), cb);
        };
        let mut q = self.queue.borrow_mut();
        let mut calls = 0usize;
        loop {
            if q.chunks.is_empty() {
                return Pump::Done(q.cb.take());
            }
            if calls >= IO_BUDGET {
                return Pump::Budget;
            }
            let front = q.front;
            let carries = q
                .attachments
                .front()
                .is_some_and(|a| a.ordinal == front && !a.fds.is_empty());
            if carries {
                // This chunk's descriptors (the next batch of at most 253) ride on the next
                // byte of the chunk: the first byte, or, past 253 descriptors, one byte per
                // batch. A sendmsg that sends any byte delivers them, so they are closed here
                // and never sent again.
                let q = &mut *q;
                let att = q.attachments.front_mut().expect("checked");
                let batches = att.fds.len().div_ceil(MAX_FDS);
                let take = att.fds.len().min(MAX_FDS);
                let chunk = &q.chunks[0];
                let data = if batches > 1 {
                    &chunk[q.offset..q.offset + 1]
                } else {
                    &chunk[q.offset..]
                };
                let borrowed: Vec<BorrowedFd<'_>> =
                    att.fds.iter().take(take).map(AsFd::as_fd).collect();
                let sent = crate::fdpass::send_with_fds(fd, data, &borrowed);
                drop(borrowed);
                calls += 1;
                match sent {
                    Ok(n) => {
                        att.fds.drain(..take);
                        if att.fds.is_empty() {
                            q.attachments.pop_front();
                        }
                        q.offset += n;
                        if q.offset == q.chunks[0].len() {
                            q.chunks.pop_front();
                            q.front += 1;
                            q.offset = 0;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Pump::Blocked,
                    Err(e) => return Pump::Failed(e, q.cb.take()),
                }
                continue;
            }
            // Plain chunks, up to the next chunk that carries descriptors.
            let limit = q
                .attachments
                .front()
                .map_or(q.chunks.len(), |a| (a.ordinal - front) as usize);
            let out = write_chunks(
                fd,
                self.kind,
                q.offset,
                q.chunks.iter().take(limit).map(|b| &b[..]),
            );
            calls += 1;
            let done = out.progress.completed;
            q.chunks.drain(..done);
            q.front += done as u64;
            q.offset = out.progress.offset;
            match out.stop {
                WriteStop::Done => {}
                WriteStop::WouldBlock => return Pump::Blocked,
                WriteStop::Budget => return Pump::Budget,
                WriteStop::Error(e) => return Pump::Failed(e, q.cb.take()),
            }
        }
    }

    /// Runs [`pump`](Core::pump) and acts on the outcome: completes the batch, waits for the
    /// fd, or schedules the next turn. Returns what the readiness callback should return.
    ///
    /// With `settle_later`, a batch that completes (or fails) is not completed here but left
    /// in `settled` for [`Core::flush`].
    fn drive(self: &Rc<Self>, from_readiness: bool, settle_later: bool) -> PostAction {
        let outcome = self.pump();
        let pending = !self.queue.borrow().chunks.is_empty();
        if let Some(id) = self.id.get() {
            // A write in flight keeps the loop alive, as a libuv write request does.
            self.lp.set_source_ref(id, pending);
        }
        match outcome {
            Pump::Done(cb) => {
                match cb {
                    Some(cb) if settle_later => self.settled.set(Some((cb, None))),
                    Some(cb) => cb.ok(),
                    None => {}
                }
                PostAction::Continue
            }
            Pump::Blocked => PostAction::Continue,
            Pump::Budget if from_readiness => PostAction::Again,
            Pump::Budget => {
                self.schedule_kick();
                PostAction::Continue
            }
            Pump::Failed(err, cb) => {
                self.clear_queue();
                match cb {
                    Some(cb) if settle_later => self.settled.set(Some((cb, Some(err.into())))),
                    Some(cb) => cb.error(Error::from(err)),
                    None => {}
                }
                PostAction::Continue
            }
        }
    }

    /// Continues on a later turn without waiting for an edge (the budget ran out outside a
    /// readiness callback).
    fn schedule_kick(self: &Rc<Self>) {
        if self.kick_scheduled.replace(true) {
            return;
        }
        let me = self.clone();
        self.lp.set_immediate(move || {
            me.kick_scheduled.set(false);
            if !me.queue.borrow().chunks.is_empty() {
                me.drive(false, false);
            }
        });
    }

    /// Drops the batch in flight and every queued descriptor (closing our copies).
    fn clear_queue(&self) {
        let mut q = self.queue.borrow_mut();
        q.front += q.chunks.len() as u64;
        q.chunks.clear();
        q.offset = 0;
        q.attachments.clear();
    }

    /// Starts a batch: the sink's `_write`/`_writev`. A one-chunk batch waits for the end of
    /// the tick when `may_defer` (see the module docs).
    fn start(
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
            parked.write = Some((chunks.collect(), cb));
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
            q.cb = Some(cb);
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
    fn relieve(self: &Rc<Self>) {
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
        while let Some((cb, err)) = self.settled.take() {
            self.handover.set(true);
            cb.call(err);
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

    /// The readiness callback: a connect decided, or room to write.
    fn on_ready(self: &Rc<Self>) -> PostAction {
        if self.connecting.borrow().is_some() {
            match self.with_fd(|fd| socket::connect_result(fd)) {
                Some(Ok(false)) | None => return PostAction::Continue,
                Some(Ok(true)) => self.connected(None),
                Some(Err(err)) => self.connected(Some(err)),
            }
            return PostAction::Continue;
        }
        if self.queue.borrow().chunks.is_empty() {
            return PostAction::Continue;
        }
        self.drive(true, false)
    }

    /// A connect was decided: perform what waited for it, then emit `'connect'` and
    /// `'ready'` (Node's order: the parked write runs in an internal `'connect'` listener
    /// registered before any of the user's).
    fn connected(self: &Rc<Self>, err: Option<io::Error>) {
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
                    cb.error(err);
                } else if let Some(cb) = parked.final_cb {
                    cb.error(err);
                } else {
                    // Nothing pending that could carry it: destroy the stream with it.
                    let hook = self.on_fail.borrow().clone();
                    if let Some(hook) = hook {
                        hook(Some(err));
                    }
                }
            }
            None => {
                if let Some((chunks, cb)) = parked.write {
                    // Node performs the parked write inside its own 'connect' listener,
                    // before the user's: at once, not at the end of the tick.
                    self.start(chunks.into_iter(), cb, false);
                }
                if let Some(em) = &emitter {
                    em.emit(nodestream_emitter::names::CONNECT, &());
                    em.emit(crate::stream::lifecycle::READY, &());
                }
                if let Some(cb) = parked.final_cb {
                    self.finalize(cb);
                }
            }
        }
    }

    fn finalize(self: &Rc<Self>, cb: FinalCallback) {
        if let Some(parked) = self.connecting.borrow_mut().as_mut() {
            parked.final_cb = Some(cb);
            return;
        }
        if !self.shutdown_on_final {
            cb.ok();
            return;
        }
        match self.with_fd(|fd| socket::shutdown_write(fd)) {
            Some(Ok(())) => cb.ok(),
            Some(Err(e)) if e.raw_os_error() == Some(rustix::io::Errno::NOTCONN.raw_os_error()) => {
                cb.ok()
            }
            Some(Err(e)) => cb.error(Error::from(e)),
            None => cb.error(Error::from_code(ErrorCode::Destroyed)),
        }
    }

    /// Deregisters and closes the fd (once). Returns the batch still in flight with what
    /// its callback must be told (`None`: the kernel took all of it), for the caller to
    /// complete.
    ///
    /// A batch still waiting for the end of the tick is tried once first: in Node, a
    /// `write()` followed by `destroy()` in the same tick has handed its bytes to the kernel
    /// already (libuv's try-write), and its callback succeeds.
    fn close(&self) -> (Option<(WriteCallback, Option<Error>)>, io::Result<()>) {
        let destroyed = || Some(Error::from_code(ErrorCode::Destroyed));
        let inflight = if let Some(settled) = self.settled.take() {
            Some(settled)
        } else if self.flush_scheduled.replace(false) {
            match self.pump() {
                Pump::Done(cb) => cb.map(|cb| (cb, None)),
                Pump::Blocked | Pump::Budget => self
                    .queue
                    .borrow_mut()
                    .cb
                    .take()
                    .map(|cb| (cb, destroyed())),
                Pump::Failed(err, cb) => cb.map(|cb| (cb, Some(Error::from(err)))),
            }
        } else {
            self.queue
                .borrow_mut()
                .cb
                .take()
                .map(|cb| (cb, destroyed()))
        };
        self.clear_queue();
        self.prewritten.set(0);
        self.connecting.borrow_mut().take();
        self.on_fail.borrow_mut().take();
        let fd = self.fd.borrow_mut().take();
        let mut result = Ok(());
        if let Some(mut fd) = fd {
            if let Some(id) = self.id.take() {
                if let Err(err) = self.lp.deregister(id, &mut fd) {
                    log::warn!("nodestream: deregistering a writable fd failed: {err}");
                }
            }
            result = crate::sys::close(fd.0);
        }
        (inflight, result)
    }
}

/// The [`Sink`] of an [`FdWritable`].
struct FdSink {
    core: Rc<Core>,
}

impl Sink for FdSink {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.core.start(std::iter::once(chunk), cb, true);
    }

    fn writev(&mut self, chunks: Vec<Chunk>, cb: WriteCallback) {
        self.core.start(chunks.into_iter(), cb, true);
    }

    fn has_writev(&self) -> bool {
        true
    }

    fn finalize(&mut self, cb: FinalCallback) {
        self.core.finalize(cb);
    }

    fn has_final(&self) -> bool {
        self.core.shutdown_on_final
    }

    fn has_destroy(&self) -> bool {
        true
    }

    fn relieve(&mut self) {
        self.core.relieve();
    }

    fn has_relieve(&self) -> bool {
        true
    }

    fn destroy(&mut self, err: Option<Error>, cb: DestroyCallback) {
        let (inflight, closed) = self.core.close();
        if let Some((cb, outcome)) = inflight {
            cb.call(outcome);
        }
        match closed {
            Err(e) if err.is_none() => cb.call(Some(Error::from(e))),
            _ => cb.call(err),
        }
    }
}

/// A Writable over a nonblocking file descriptor: a pipe, a socket, a terminal or a
/// character device. Dereferences to its [`Writable`], whose whole API it has.
///
/// # Events
///
/// The Writable's: `'drain'`, `'finish'`, `'close'`, `'error'`. A write the kernel refuses
/// (`EPIPE` when the reader is gone, `ECONNRESET`) fails the write's callback and every
/// buffered one with that error, then `'error'` (code `EPIPE`, ...), then `'close'`. The
/// process never gets `SIGPIPE` (see the fd funnel). Sockets made by
/// [`connect_tcp`](crate::net::connect_tcp)/[`connect_unix`](crate::net::connect_unix) also emit
/// `'connect'` then `'ready'`.
///
/// # Node compatibility
///
/// Like a `net.Socket`'s writable side: a write's callback, and `'drain'`, come once the
/// kernel has taken its last byte (or with the error). Where Node hands a write to an idle
/// stream to the kernel inside `write()`, this stream does so when a high-water mark of
/// writes has gathered, or at the end of the tick, so that those writes reach the kernel
/// together (one `writev`): their callbacks still run in write order, on the ticks Node
/// runs them on, and `write()` returns `false` only once the kernel refuses bytes, as in
/// Node. What differs: the bytes of the last writes of a tick are not in the kernel while
/// `write()` returns (they count in `writable_length()` until the end of the tick), and
/// when the kernel refuses part of a batch, the whole batch counts as buffered, so
/// `write()` reports backpressure up to a high-water mark sooner than Node. A chunk of a
/// high-water mark or more is written at once. `destroy()` in the tick of a write still
/// tries that write. `end()` on a socket shuts its write side down
/// (`shutdown(SHUT_WR)`, the peer reads end of file) before `'finish'`; the fd is closed
/// when the stream is destroyed (after `'finish'`, by default).
#[derive(Clone)]
pub struct FdWritable {
    writable: Writable,
    core: Rc<Core>,
}

impl fmt::Debug for FdWritable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FdWritable")
            .field("kind", &self.core.kind)
            .field("writable", &self.writable)
            .finish()
    }
}

impl Deref for FdWritable {
    type Target = Writable;

    fn deref(&self) -> &Writable {
        &self.writable
    }
}

/// How an [`FdWritable`] is made (internal).
pub(crate) struct Setup {
    pub(crate) connecting: bool,
    /// Leave the fd's blocking mode alone (stdio sockets written with `MSG_DONTWAIT`).
    pub(crate) keep_mode: bool,
}

impl FdWritable {
    /// A Writable over `fd`, which the stream takes over: put in nonblocking mode (sockets
    /// are written with `MSG_DONTWAIT` and need not be), registered with the loop, and
    /// closed when the stream is destroyed.
    ///
    /// # Errors
    ///
    /// The fd comes back inside [`FdError`] when it cannot be polled (a regular file or a
    /// directory: `EPERM`; use [`create_write_stream`](crate::fs::create_write_stream) for
    /// files), when it is a terminal (its nonblocking flag is shared with every process
    /// on it; use [`stdout`](crate::process::stdout)), or when `fstat`/`fcntl` fail.
    ///
    /// # Examples
    ///
    /// ```
    /// use nodestream::stream::FdWritable;
    /// use nodestream::{EventLoop, WritableOptions};
    ///
    /// let lp = EventLoop::new()?;
    /// let (r, w) = rustix::pipe::pipe()?;
    /// let out = FdWritable::new(&lp.handle(), w, WritableOptions::new()).unwrap();
    /// out.end_with("hello");
    /// lp.run().unwrap();
    /// let mut got = String::new();
    /// std::io::Read::read_to_string(&mut std::fs::File::from(r), &mut got)?;
    /// assert_eq!(got, "hello");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        lp: &LoopHandle,
        fd: impl Into<OwnedFd>,
        opts: WritableOptions,
    ) -> Result<FdWritable, FdError> {
        FdWritable::with_setup(
            lp,
            fd.into(),
            opts,
            Setup {
                connecting: false,
                keep_mode: false,
            },
        )
    }

    pub(crate) fn with_setup(
        lp: &LoopHandle,
        fd: OwnedFd,
        opts: WritableOptions,
        setup: Setup,
    ) -> Result<FdWritable, FdError> {
        let kind = match FdKind::of(&fd) {
            Ok(kind) => kind,
            Err(error) => return Err(FdError { error, fd }),
        };
        if kind == FdKind::Other {
            if rustix::termios::isatty(&fd) {
                return Err(FdError {
                    error: io::Error::new(
                        io::ErrorKind::Unsupported,
                        "a terminal's nonblocking flag is shared with other processes",
                    ),
                    fd,
                });
            }
            if !setup.keep_mode {
                if let Err(error) = set_nonblocking(&fd, true) {
                    return Err(FdError { error, fd });
                }
            }
        }
        let core = Rc::new(Core {
            lp: lp.clone(),
            fd: RefCell::new(None),
            kind,
            id: Cell::new(None),
            queue: RefCell::new(Queue::default()),
            kick_scheduled: Cell::new(false),
            flush_scheduled: Cell::new(false),
            flush_epoch: Cell::new(0),
            high_water_mark: Cell::new(0),
            handover: Cell::new(false),
            settled: Cell::new(None),
            connecting: RefCell::new(setup.connecting.then(Box::default)),
            writable: RefCell::new(None),
            prewritten: Cell::new(0),
            shutdown_on_final: kind == FdKind::Socket,
            on_fail: RefCell::new(None),
        });
        let mut source = FdSource(fd);
        let weak = Rc::downgrade(&core);
        let registered = lp.register(&mut source, mio::Interest::WRITABLE, move |_| {
            match weak.upgrade() {
                Some(core) => core.on_ready(),
                None => PostAction::Remove,
            }
        });
        match registered {
            Ok(id) => {
                core.id.set(Some(id));
                // Idle, the fd does not keep the loop alive; a write in flight (or a
                // connect) does.
                lp.set_source_ref(id, setup.connecting);
                *core.fd.borrow_mut() = Some(source);
            }
            Err(error) => {
                return Err(FdError {
                    error,
                    fd: source.0,
                })
            }
        }
        let writable = Writable::new(lp, FdSink { core: core.clone() }, opts);
        core.high_water_mark
            .set(writable.writable_high_water_mark());
        *core.writable.borrow_mut() = Some(writable.downgrade());
        if kind == FdKind::Socket {
            let w = writable.clone();
            *core.on_fail.borrow_mut() = Some(Rc::new(move |err| w.destroy(err)));
        }
        Ok(FdWritable { writable, core })
    }

    /// The Writable (also reachable through `Deref`).
    pub fn as_writable(&self) -> &Writable {
        &self.writable
    }

    /// The stream's emitter.
    pub fn emitter(&self) -> EventEmitter {
        self.writable.emitter()
    }

    /// Whether a connect is in progress (Node's `socket.connecting`): writes and `end()`
    /// wait for it; `false` once `'connect'` is emitted or the connect failed.
    pub fn connecting(&self) -> bool {
        self.core.connecting.borrow().is_some()
    }

    /// Whether the fd is a socket (written with `sendmsg`, `end()` shuts it down).
    pub fn is_socket(&self) -> bool {
        self.core.kind == FdKind::Socket
    }

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

    pub(crate) fn core(&self) -> &Rc<Core> {
        &self.core
    }

    /// Calls `f` with the fd, while the stream still has it (until it is destroyed).
    pub fn with_fd<R>(&self, f: impl FnOnce(BorrowedFd<'_>) -> R) -> Option<R> {
        self.core.with_fd(f)
    }

    /// The peer's credentials (`SO_PEERCRED`) of a Unix socket stream.
    ///
    /// # Errors
    ///
    /// `EBADF` once the stream is destroyed; `ENOTSOCK`/`EOPNOTSUPP` on an fd that is no
    /// Unix socket.
    pub fn peer_credentials(&self) -> io::Result<crate::fdpass::Credentials> {
        self.core
            .with_fd(|fd| crate::fdpass::peer_credentials(fd))
            .unwrap_or_else(|| {
                Err(io::Error::from_raw_os_error(
                    rustix::io::Errno::BADF.raw_os_error(),
                ))
            })
    }

    /// Writes `chunk` with file descriptors attached: Node 0.4's `write(data, encoding,
    /// fd)`, for any number of descriptors. Returns what [`Writable::write`] returns.
    ///
    /// The stream owns the descriptors from this call on (a number the caller closes and
    /// the kernel hands out again can never be sent by mistake) and closes its copies once
    /// the kernel has them, or when the write fails or the stream is destroyed first.
    ///
    /// The descriptors travel with the first byte of `chunk`, in order with the data, also
    /// when the chunk waits behind others: the chunk starts its own `sendmsg`, never
    /// coalesced behind earlier chunks, so the peer receives them with that byte (and never
    /// with an earlier one). The kernel takes at most 253 per message (`SCM_MAX_FD`), so
    /// more are split into batches of 253, batch *i* riding on byte *i* of the chunk; a
    /// chunk therefore needs at least `ceil(fds / 253)` bytes. A partial write never sends
    /// a batch twice: descriptors go with the first byte the kernel takes.
    ///
    /// # Errors
    ///
    /// Refused at once, the descriptors closed, `ERR_INVALID_ARG_VALUE` through `cb` and
    /// the stream's error path (as a write after end is): when the fd is not a socket
    /// (`"file descriptors can only be sent over a Unix socket"`), or when the chunk is
    /// shorter than its batches (`"File descriptors can only be written with data"`, Node
    /// 0.4's message). A write after `end()` or `destroy()` fails as any write does, and
    /// the descriptors are closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::OwnedFd;
    /// use nodestream::stream::FdWritable;
    /// use nodestream::{EventLoop, WritableOptions};
    ///
    /// let lp = EventLoop::new()?;
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let out = FdWritable::new(&lp.handle(), a, WritableOptions::new()).unwrap();
    /// let file: OwnedFd = std::fs::File::open("/dev/null")?.into();
    /// out.write_with_fds("here is a file", vec![file], |err| assert!(err.is_none()));
    /// lp.run().unwrap();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_with_fds<I: WriteInput<Chunk>>(
        &self,
        chunk: I,
        fds: Vec<OwnedFd>,
        cb: impl FnOnce(Option<Error>) + 'static,
    ) -> bool {
        let chunk: Chunk = chunk.into_chunk(self.writable.default_encoding(), true);
        if fds.is_empty() {
            return self.writable.write_cb(chunk, cb);
        }
        let refusal = if self.core.kind != FdKind::Socket {
            Some("file descriptors can only be sent over a Unix socket")
        } else if chunk.as_bytes().len() < fds.len().div_ceil(MAX_FDS) {
            Some("File descriptors can only be written with data")
        } else {
            None
        };
        if let Some(msg) = refusal {
            drop(fds);
            let err = Error::new(ErrorCode::InvalidArgValue, msg);
            let e = err.clone();
            self.writable.loop_handle().next_tick(move || cb(Some(e)));
            self.writable.destroy(Some(err));
            return false;
        }
        if !self.writable.writable() || self.writable.destroyed() {
            drop(fds);
            return self.writable.write_cb(chunk, cb);
        }
        // The chunk's ordinal: every chunk the sink received, plus those waiting in the
        // Writable's buffer, come before it. No user code runs between here and the write.
        let ordinal = {
            let mut q = self.core.queue.borrow_mut();
            let parked = self
                .core
                .connecting
                .borrow()
                .as_ref()
                .and_then(|p| p.write.as_ref().map(|(c, _)| c.len() as u64))
                .unwrap_or(0);
            let ordinal = q.received + parked + self.writable.writable_buffer_len() as u64;
            debug_assert!(q.attachments.back().map_or(true, |a| a.ordinal < ordinal));
            q.attachments.push_back(Attachment {
                ordinal,
                fds: fds.into(),
            });
            ordinal
        };
        log::trace!("nodestream: chunk {ordinal} carries descriptors");
        self.writable.write_cb(chunk, cb)
    }
}
