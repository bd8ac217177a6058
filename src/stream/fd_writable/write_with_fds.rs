//! [`FdWritable::write_with_fds`]: a chunk that carries file descriptors, queued as an
//! [`Attachment`] for [`Core::pump`](super::Core::pump) to send with the chunk's first byte.

use std::os::fd::OwnedFd;

use super::queue::Attachment;
use super::FdWritable;
use crate::error::{Error, ErrorCode};
use crate::fdpass::MAX_FDS;
use crate::stream::writable::{Chunk, WriteInput};
use crate::sys::FdKind;

impl FdWritable {
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
    /// the stream's error path (as a write after end is): when the fd is not a Unix socket
    /// (a pipe: `"file descriptors can only be sent over a Unix socket"`; a TCP socket,
    /// which would send the bytes and drop the descriptors: the same, naming it), or when
    /// the chunk is shorter than its batches (`"File descriptors can only be written with
    /// data"`, Node 0.4's message). A write after `end()` or `destroy()` fails as any write
    /// does, and the descriptors are closed.
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
    ///
    /// [`Writable::write`]: crate::stream::Writable::write
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
        } else if !self.core.unix {
            // The kernel takes `SCM_RIGHTS` on AF_UNIX only; another socket would send the
            // bytes and drop the descriptors without a word.
            Some(
                "file descriptors can only be sent over a Unix socket, not over a TCP or \
                 other non-Unix socket",
            )
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
