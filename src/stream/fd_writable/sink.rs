//! The [`Sink`] an [`FdWritable`](super::FdWritable) gives its Writable: `_write`/`_writev`
//! start a batch (`batching.rs`), `_final` shuts a socket's write side down
//! ([`Core::finalize`]), `_destroy` closes the fd ([`Core::close`]).

use std::io;
use std::rc::Rc;

use super::pump::Pump;
use super::{Core, FdSink};
use crate::error::{Error, ErrorCode};
use crate::stream::writable::{Chunk, DestroyCallback, FinalCallback, Kept, Sink, WriteCallback};
use crate::sys::socket;

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

impl Core {
    pub(super) fn finalize(self: &Rc<Self>, cb: FinalCallback) {
        if let Some(parked) = self.connecting.borrow_mut().as_mut() {
            parked.final_cb = Some(Kept::new(&self.lp, cb));
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
        let inflight = if let Some((cb, err)) = self.settled.take() {
            cb.take().map(|cb| (cb, err))
        } else if self.flush_scheduled.replace(false) {
            match self.pump() {
                Pump::Done(cb) => cb.map(|cb| (cb, None)),
                Pump::Blocked | Pump::Budget => self
                    .queue
                    .borrow_mut()
                    .cb
                    .take()
                    .and_then(Kept::take)
                    .map(|cb| (cb, destroyed())),
                Pump::Failed(err, cb) => cb.map(|cb| (cb, Some(Error::from(err)))),
            }
        } else {
            self.queue
                .borrow_mut()
                .cb
                .take()
                .and_then(Kept::take)
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
