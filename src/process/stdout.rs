//! `process.stdout` and `process.stderr`.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::error::{Error, Result};
use crate::reactor::LoopHandle;
use crate::stream::writable::{
    Chunk, DestroyCallback, Sink, Writable, WritableOptions, WriteCallback,
};
use crate::sys::stdio::{write_blocking, writer, Writer};
use crate::sys::FdKind;

use crate::stream::fd_writable::{FdWritable, Setup};

/// Writes synchronously: terminals, character devices.
struct SyncSink {
    fd: Option<OwnedFd>,
    /// How the funnel writes the fd, found once when the stream was made.
    kind: FdKind,
}

impl SyncSink {
    fn put(&mut self, chunks: &[Chunk], cb: WriteCallback) {
        let Some(fd) = &self.fd else {
            cb.error(Error::from_code(crate::ErrorCode::Destroyed));
            return;
        };
        let bufs: Vec<_> = chunks.iter().map(Chunk::to_bytes).collect();
        match write_blocking(fd.as_fd(), self.kind, &bufs) {
            Ok(()) => cb.ok(),
            Err(e) => cb.error(Error::syscall_failed(e, "write")),
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

    fn destroy(&mut self, err: Option<Error>, cb: DestroyCallback) {
        // Our duplicate; the process's fd 1/2 stays open.
        self.fd.take();
        cb.call(err);
    }
}

fn std_writable(lp: &LoopHandle, fd: BorrowedFd<'_>) -> Result<Writable> {
    match writer(fd)? {
        Writer::Sync { fd, kind } => Ok(Writable::new(
            lp,
            SyncSink { fd: Some(fd), kind },
            WritableOptions::new(),
        )),
        Writer::Async { fd, .. } => fd_writable(lp, fd, false),
        Writer::File(fd) => fd_writable(lp, fd, true),
    }
}

/// An [`FdWritable`] on a standard stream's fd of our own, in the mode it is in.
fn fd_writable(lp: &LoopHandle, fd: OwnedFd, file: bool) -> Result<Writable> {
    let w = FdWritable::with_setup(
        lp,
        fd,
        WritableOptions::new(),
        Setup {
            connecting: false,
            keep_mode: true,
            unpolled: file,
        },
    )?;
    Ok(w.as_writable().clone())
}

/// A Writable on the process's standard output (Node's `process.stdout`).
///
/// Terminals and character devices are written synchronously (each write is in the kernel
/// when `write` returns; its callback still comes on the next tick). A regular file is
/// written from the loop thread as a pipe is: the writes of a tick reach the file together,
/// in one `writev`, at the end of the tick (or once a high-water mark has gathered). Pipes
/// and sockets are written asynchronously through the loop, on a description of our own: a
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
/// stream of its own. Node writes a file synchronously, each `write()` in the file when it
/// returns; here the last writes of a tick reach the file at the end of the tick, as on a
/// pipe (their callbacks come on the ticks Node runs them on). A reader of the pipe that goes away gives `'error'` `EPIPE`, never
/// `SIGPIPE`.
pub fn stdout(lp: &LoopHandle) -> Result<Writable> {
    let w = std_writable(lp, std::io::stdout().as_fd())?;
    w.hooks().set_origin(|| "process.stdout".to_owned());
    Ok(w)
}

/// A Writable on the process's standard error (Node's `process.stderr`); as [`stdout`].
///
/// # Errors
///
/// As [`stdout`].
pub fn stderr(lp: &LoopHandle) -> Result<Writable> {
    let w = std_writable(lp, std::io::stderr().as_fd())?;
    w.hooks().set_origin(|| "process.stderr".to_owned());
    Ok(w)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::os::fd::AsFd;
    use std::rc::Rc;

    use super::std_writable;
    use crate::events::{CLOSE, FINISH};
    use crate::sys::testing::isolated;
    use crate::EventLoop;

    /// Regression: a file on stdout was written with one `write(2)` and one `fstat` per
    /// `write()`. It is written as a pipe is now: the tick's writes reach the file together
    /// at the end of the tick, every byte in order, callbacks in order, the duplicate
    /// closed after `'finish'`.
    #[test]
    fn a_file_is_written_at_the_end_of_the_tick_in_order_and_closed() {
        isolated!(
            a_file_is_written_at_the_end_of_the_tick_in_order_and_closed,
            || {
                let path = std::env::temp_dir()
                    .join(format!("nodestream-stdout-file-{}", std::process::id()));
                let file = std::fs::File::create(&path).unwrap();
                let lp = EventLoop::new().unwrap();
                let out = std_writable(&lp.handle(), file.as_fd()).unwrap();
                let log = Rc::new(RefCell::new(Vec::new()));
                // About 100 KB: past the default high-water mark of 64 KiB (Node v26).
                const LINES: usize = 11_000;
                let mut expected = Vec::new();
                for i in 0..LINES {
                    let line = format!("line {i}\n");
                    expected.extend_from_slice(line.as_bytes());
                    let log = log.clone();
                    assert!(out.write_cb(line, move |r| {
                        assert!(r.is_none());
                        log.borrow_mut().push(i.to_string());
                    }));
                }
                // Inside the tick, only what the high-water mark let go has reached the
                // file (whole batches of 64 KiB or more); the tail waits for the tick's end.
                let inside = std::fs::metadata(&path).unwrap().len() as usize;
                assert!(inside >= 64 * 1024 && inside < expected.len(), "{inside}");
                for (key, name) in [(FINISH, "finish"), (CLOSE, "close")] {
                    let log = log.clone();
                    out.on(key, move |_| log.borrow_mut().push(name.into()));
                }
                out.end();
                lp.run().unwrap();
                let want: Vec<String> = (0..LINES)
                    .map(|i| i.to_string())
                    .chain(["finish".into(), "close".into()])
                    .collect();
                assert_eq!(*log.borrow(), want);
                drop(file);
                assert!(std::fs::read(&path).unwrap() == expected);
                std::fs::remove_file(&path).unwrap();
            }
        );
    }
}
