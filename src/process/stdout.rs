//! `process.stdout` and `process.stderr`.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::error::Error;
use crate::reactor::LoopHandle;
use crate::stream::writable::{
    Chunk, DestroyCallback, Sink, Writable, WritableOptions, WriteCallback,
};
use crate::sys::stdio::{write_blocking, writer, Writer};

use crate::stream::fd_writable::{FdWritable, Setup};

/// Writes synchronously: files, terminals, character devices.
struct SyncSink(Option<OwnedFd>);

impl SyncSink {
    fn put(&mut self, chunks: &[Chunk], cb: WriteCallback) {
        let Some(fd) = &self.0 else {
            cb.error(Error::from_code(crate::ErrorCode::Destroyed));
            return;
        };
        let bufs: Vec<_> = chunks.iter().map(Chunk::to_bytes).collect();
        match write_blocking(fd.as_fd(), &bufs) {
            Ok(()) => cb.ok(),
            Err(e) => cb.error(Error::from(e)),
        }
    }
}

impl Sink for SyncSink {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.put(&[chunk], cb);
    }

    fn writev(&mut self, chunks: Vec<Chunk>, cb: WriteCallback) {
        self.put(&chunks, cb);
    }

    fn has_writev(&self) -> bool {
        true
    }

    fn has_destroy(&self) -> bool {
        true
    }

    fn destroy(&mut self, err: Option<Error>, cb: DestroyCallback) {
        // Our duplicate; the process's fd 1/2 stays open.
        self.0.take();
        cb.call(err);
    }
}

fn std_writable(lp: &LoopHandle, fd: BorrowedFd<'_>) -> io::Result<Writable> {
    match writer(fd)? {
        Writer::Sync(own) => Ok(Writable::new(
            lp,
            SyncSink(Some(own)),
            WritableOptions::new(),
        )),
        Writer::Async { fd, .. } => {
            let w = FdWritable::with_setup(
                lp,
                fd,
                WritableOptions::new(),
                Setup {
                    connecting: false,
                    keep_mode: true,
                },
            )?;
            Ok(w.as_writable().clone())
        }
    }
}

/// A Writable on the process's standard output (Node's `process.stdout`).
///
/// Files, terminals and character devices are written synchronously (each write is in
/// the kernel when `write` returns; its callback still comes on the next tick). Pipes and
/// sockets are written asynchronously through the loop, on a description of our own: a
/// pipe is reopened through `/proc/self/fd` and made nonblocking there, a socket is sent
/// to with `MSG_DONTWAIT`, so nothing shared with other processes (above all a terminal)
/// is ever switched to nonblocking mode.
///
/// Each call makes a new stream over a duplicate of fd 1; destroying it closes only the
/// duplicate.
///
/// # Errors
///
/// What `fstat`, `dup` or registering with the loop report.
///
/// # Node compatibility
///
/// Node's `process.stdout` is one object that is never closed; here each call gives a
/// stream of its own. A reader of the pipe that goes away gives `'error'` `EPIPE`, never
/// `SIGPIPE`.
pub fn stdout(lp: &LoopHandle) -> io::Result<Writable> {
    std_writable(lp, std::io::stdout().as_fd())
}

/// A Writable on the process's standard error (Node's `process.stderr`); as [`stdout`].
///
/// # Errors
///
/// As [`stdout`].
pub fn stderr(lp: &LoopHandle) -> io::Result<Writable> {
    std_writable(lp, std::io::stderr().as_fd())
}
