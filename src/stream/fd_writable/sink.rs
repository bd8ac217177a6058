//! The [`Sink`] an [`FdWritable`](super::FdWritable) gives its Writable: `_write`/`_writev`
//! start a batch (`batching.rs`), `_final` shuts a socket's write side down
//! ([`Core::finalize`]), `_destroy` closes the fd ([`Core::close`]). (The stream's
//! `relieve` hook, set where it is made, is `Core::relieve`.)

use std::io;
use std::rc::Rc;

use super::pump::Pump;
use super::{Core, FdSink};
use crate::error::{Error, ErrorCode};
use crate::stream::shared_fd::SharedFd;
use crate::stream::writable::{Chunk, DestroyCallback, FinalCallback, Kept, Sink, WriteCallback};
use crate::sys::socket;

impl Sink for FdSink {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.core.note_dispatch(chunk.encoded_len());
        self.core.start(std::iter::once(chunk), cb, true);
    }

    fn writev(&mut self, chunks: Vec<Chunk>, cb: WriteCallback) {
        self.core
            .note_dispatch(chunks.iter().map(Chunk::encoded_len).sum());
        self.core.start(chunks.into_iter(), cb, true);
    }

    /// A socket's `_final` shuts its write side down; other fds have none (Node's
    /// fs.WriteStream over a pipe or a tty has no `_final` either).
    fn finalize(&mut self, cb: FinalCallback) {
        if self.core.shutdown_on_final {
            self.core.finalize(cb);
        } else {
            cb.not_implemented();
        }
    }

    /// Node's `Socket._destroy`: closes the fd and calls back at once (so `'error'` comes
    /// on the next tick); then, as libuv's close callback, in the loop's close phase: the
    /// write in flight completes (Node's `onWriteComplete` tells a destroyed stream's
    /// callback `null`; a connect's parked write fails with
    /// `ERR_SOCKET_CLOSED_BEFORE_CONNECTION`), which fails the buffered writes and the end
    /// callbacks, and `'close'` follows.
    fn destroy(&mut self, err: Option<Error>, cb: DestroyCallback) {
        let (inflight, closed) = self.core.close();
        let inflight = match inflight {
            Some(Inflight::Done(wcb, outcome)) => {
                // Written (or failed) at once, as Node's write() would have: completed now.
                wcb.call(outcome);
                None
            }
            Some(Inflight::Pending(wcb, outcome)) => Some((wcb, outcome)),
            None => None,
        };
        match closed {
            Err(e) if err.is_none() => cb.call(Some(Error::syscall_failed(e, "close"))),
            _ => cb.call(err),
        }
        let core = self.core.clone();
        // The stream lives until its 'close', as a Node stream lives while its handle is
        // open: whoever dropped every handle after `end()` still hears 'close'.
        let keep = self
            .core
            .writable
            .borrow()
            .as_ref()
            .and_then(crate::stream::writable::WeakWritable::upgrade);
        self.core.lp.on_close(move || {
            // The callbacks are user code: if one panics, 'close' is owed, on the next tick.
            if let Some((cb, outcome)) = inflight {
                core.lp.owing(
                    || cb.call(outcome),
                    || {
                        let core = core.clone();
                        let keep = keep.clone();
                        move || {
                            core.emit_close();
                            drop(keep);
                        }
                    },
                );
            }
            core.emit_close();
            drop(keep);
        });
    }
}

/// The batch in flight when the fd closes, with what its callback must be told.
enum Inflight {
    /// Written or failed just now (a batch held for the end of the tick): told at once.
    Done(WriteCallback, Option<Error>),
    /// Waiting on the kernel, or on a connect: told in the close phase, before `'close'`.
    Pending(WriteCallback, Option<Error>),
}

impl Core {
    /// The stream's `'close'`, which it emits itself (see [`FdSink::destroy`]) unless the
    /// user turned `emit_close` off: once the machine has passed its own `emitCloseNT`,
    /// or once its `'error'` was emitted, handled or not. Node's `net.Socket` emits
    /// `'close'` from its handle's close callback, which an uncaught `'error'` does not
    /// cancel (unlike a plain Writable's `emitErrorCloseNT`): a process that survives it
    /// (`'uncaughtException'`; here, a caller that runs the loop again) hears `'close'`.
    fn emit_close(&self) {
        if !self.emit_close {
            return;
        }
        let writable = self
            .writable
            .borrow()
            .as_ref()
            .and_then(crate::stream::writable::WeakWritable::upgrade);
        if let Some(w) = writable {
            if w.close_emitted() || w.error_emitted() {
                w.emit(crate::stream::lifecycle::CLOSE, &());
            }
        }
    }

    /// A socket's `_final`: shuts the write side down (once connected).
    pub(super) fn finalize(self: &Rc<Self>, cb: FinalCallback) {
        if let Some(parked) = self.connecting.borrow_mut().as_mut() {
            parked.final_cb = Some(Kept::new(&self.lp, cb));
            return;
        }
        match self.with_fd(|fd| socket::shutdown_write(fd)) {
            // Node's `afterShutdown`: libuv calls back on a later turn (its pending phase),
            // never inside `_final`, so `'prefinish'` comes after the tick that called
            // `end()`, and a panic in its listener is uncaught rather than the stream's
            // error. The immediate is the loop's nearest turn after this one's ticks.
            Some(Ok(())) => {
                self.lp.set_immediate(move || cb.ok());
            }
            Some(Err(e)) if e.raw_os_error() == Some(rustix::io::Errno::NOTCONN.raw_os_error()) => {
                cb.ok()
            }
            Some(Err(e)) => cb.error(Error::syscall_failed(e, "shutdown")),
            None => cb.error(Error::from_code(ErrorCode::Destroyed)),
        }
    }

    /// Lets go of the fd (once): deregistered and closed, unless the socket's reading share
    /// still holds it (the socket's destroy lets go of that one next). Returns the batch still in flight with what its callback must be
    /// told, for the caller to complete: `None` for a write the kernel was given (all of it
    /// or not: Node tells a destroyed stream's write callback `null`), the error of a write
    /// that failed, and `ERR_SOCKET_CLOSED_BEFORE_CONNECTION` for the write a connecting
    /// socket held for the connection.
    ///
    /// A batch still waiting for the end of the tick (the Writable relieves the sink before
    /// destroying it, so only a corked stream's) is tried once first: in Node, a `write()`
    /// followed by `destroy()` in the same tick has handed its bytes to the kernel already
    /// (libuv's try-write).
    fn close(&self) -> (Option<Inflight>, io::Result<()>) {
        let parked = self.connecting.borrow_mut().take();
        // Callbacks kept for later are weak (`Kept`): one whose stream is gone is no more.
        let inflight = if let Some((cb, outcome)) = self.settled.take() {
            cb.take().map(|cb| Inflight::Done(cb, outcome))
        } else if let Some((_, cb)) = parked.and_then(|p| p.write) {
            let err = Error::from_code(ErrorCode::SocketClosedBeforeConnection);
            cb.take().map(|cb| Inflight::Pending(cb, Some(err)))
        } else if self.flush_scheduled.replace(false) {
            match self.pump() {
                Pump::Done(cb) => cb.map(|cb| Inflight::Done(cb, None)),
                Pump::Blocked | Pump::Budget => {
                    let cb = self.queue.borrow_mut().cb.take().and_then(Kept::take);
                    cb.map(|cb| Inflight::Pending(cb, None))
                }
                Pump::Failed(err, cb) => {
                    cb.map(|cb| Inflight::Done(cb, Some(Error::syscall_failed(err, "write"))))
                }
            }
        } else {
            let cb = self.queue.borrow_mut().cb.take().and_then(Kept::take);
            cb.map(|cb| Inflight::Pending(cb, None))
        };
        self.clear_queue();
        self.prewritten.set(0);
        self.on_fail.borrow_mut().take();
        // Lets go of the fd: closed (after it is deregistered) unless the socket's reading
        // share still holds it, which the socket's destroy lets go of next (the source's
        // `destroy`).
        let fd = self.fd.borrow_mut().take();
        let result = fd.map_or(Ok(()), SharedFd::close);
        (inflight, result)
    }
}
