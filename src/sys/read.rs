//! The funnel's read half: [`read_until_blocked`] reads an fd until `WouldBlock`, end of
//! file, an error or a budget of reads ([`IO_BUDGET`](super::IO_BUDGET)) (mio is edge-triggered: stop earlier and the next
//! readiness edge never comes); [`with_read_buffer`] lends the thread's one shared read
//! buffer, so an idle stream holds no buffer of its own. `EINTR` is retried.

use std::cell::RefCell;
use std::io;
use std::os::fd::BorrowedFd;

use rustix::net::RecvFlags;

use super::fd::FdKind;

/// Bytes asked of the kernel per read (libuv's 64 KiB): the size of the shared read buffer.
pub(crate) const READ_SIZE: usize = 64 * 1024;

thread_local! {
    /// The read buffer every fd stream of this thread reads into (libuv's callers do the
    /// same with one `alloc_cb` buffer per loop): made at the first read, kept for the
    /// thread's life.
    static READ_BUFFER: RefCell<Option<Box<[u8]>>> = const { RefCell::new(None) };
}

/// Calls `f` with this thread's shared [`READ_SIZE`]-byte read buffer.
///
/// A stream reads into it and copies out exactly the bytes it got (a `Bytes` of that
/// length), so a stream costs no buffer while idle, and thousands of streams share one
/// cache-warm 64 KiB. `f` must not run user code (it is the stream's own bookkeeping); a
/// nested call (which would mean it did) gets a fresh buffer rather than a borrow panic.
pub(crate) fn with_read_buffer<R>(f: impl FnOnce(&mut [u8]) -> R) -> R {
    READ_BUFFER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut slot) => {
            let buf = slot.get_or_insert_with(|| vec![0u8; READ_SIZE].into_boxed_slice());
            f(buf)
        }
        Err(_) => f(&mut vec![0u8; READ_SIZE]),
    })
}

/// Why a [`read_until_blocked`] call returned.
#[derive(Debug)]
pub(crate) enum ReadStop {
    /// Nothing more to read now: wait for readable readiness.
    WouldBlock,
    /// End of file: the peer closed (or shut down) its writing side.
    Eof,
    /// `budget` reads were made and there may be more: the caller must schedule the
    /// next call itself, as no readiness edge will come.
    Budget,
    /// The read failed (`ECONNRESET`, `EIO`, ...).
    Error(io::Error),
}

/// The result of a [`read_until_blocked`] call.
#[derive(Debug)]
pub(crate) struct ReadOutcome {
    /// Bytes read in this call (all of them passed to the sink). The streams count what
    /// their sink was given instead; the funnel's tests check the two agree.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) bytes: usize,
    /// Why the call stopped.
    pub(crate) stop: ReadStop,
}

/// Reads from `fd` into `buf` until `WouldBlock`, end of file, an error or `budget` reads,
/// handing each read's bytes to `sink` as they come.
///
/// `sink` is the stream's own bookkeeping (append to a buffer, queue a `'data'`), not user
/// code: the stream emits events after this returns, with no borrow held.
pub(crate) fn read_until_blocked(
    fd: BorrowedFd<'_>,
    kind: FdKind,
    buf: &mut [u8],
    budget: usize,
    mut sink: impl FnMut(&[u8]),
) -> ReadOutcome {
    let mut bytes = 0;
    let mut reads = 0;
    loop {
        if reads == budget {
            return ReadOutcome {
                bytes,
                stop: ReadStop::Budget,
            };
        }
        let result = match kind {
            FdKind::Socket => rustix::net::recv(fd, &mut *buf, RecvFlags::DONTWAIT).map(|(n, _)| n),
            FdKind::Pipe | FdKind::Other => rustix::io::read(fd, &mut *buf),
        };
        match result {
            Ok(0) if !buf.is_empty() => {
                return ReadOutcome {
                    bytes,
                    stop: ReadStop::Eof,
                }
            }
            Ok(n) => {
                reads += 1;
                bytes += n;
                sink(&buf[..n]);
            }
            Err(rustix::io::Errno::INTR) => {}
            Err(rustix::io::Errno::AGAIN) => {
                return ReadOutcome {
                    bytes,
                    stop: ReadStop::WouldBlock,
                }
            }
            Err(errno) => {
                return ReadOutcome {
                    bytes,
                    stop: ReadStop::Error(errno.into()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsFd;

    use super::*;
    use crate::sys::testing::{isolated, nonblocking_pipe as pipe, pattern};
    use crate::sys::IO_BUDGET;

    #[test]
    fn the_read_buffer_is_shared_by_the_thread_and_a_nested_call_gets_its_own() {
        let first = with_read_buffer(|buf| {
            assert_eq!(buf.len(), READ_SIZE);
            buf[0] = 7;
            buf.as_ptr() as usize
        });
        let (again, nested, seen) = with_read_buffer(|buf| {
            let nested = with_read_buffer(|inner| {
                assert_eq!(inner.len(), READ_SIZE);
                inner.as_ptr() as usize
            });
            (buf.as_ptr() as usize, nested, buf[0])
        });
        assert_eq!(first, again, "one buffer per thread");
        assert_eq!(seen, 7);
        assert_ne!(
            nested, again,
            "a nested call must not alias the outer buffer"
        );
        let other = std::thread::spawn(|| with_read_buffer(|buf| buf.as_ptr() as usize))
            .join()
            .unwrap();
        assert_ne!(other, first, "each thread has its own");
    }

    #[test]
    fn read_stops_at_budget_then_would_block_then_eof() {
        isolated!(read_stops_at_budget_then_would_block_then_eof, || {
            let (r, w) = pipe();
            let data = pattern(5000, 3);
            assert_eq!(rustix::io::write(&w, &data).unwrap(), 5000);
            let mut buf = [0u8; 100];
            let mut got = Vec::new();
            let out = read_until_blocked(r.as_fd(), FdKind::Pipe, &mut buf, IO_BUDGET, |b| {
                got.extend_from_slice(b)
            });
            assert!(matches!(out.stop, ReadStop::Budget), "{out:?}");
            assert_eq!(out.bytes, 3200);
            let out = read_until_blocked(r.as_fd(), FdKind::Pipe, &mut buf, IO_BUDGET, |b| {
                got.extend_from_slice(b)
            });
            assert!(matches!(out.stop, ReadStop::WouldBlock), "{out:?}");
            assert_eq!(got, data);
            drop(w);
            let out = read_until_blocked(r.as_fd(), FdKind::Pipe, &mut buf, IO_BUDGET, |_| {
                panic!("no data after EOF")
            });
            assert!(matches!(out.stop, ReadStop::Eof), "{out:?}");
        });
    }

    #[test]
    fn socket_reads_need_no_nonblocking_mode() {
        isolated!(socket_reads_need_no_nonblocking_mode, || {
            // A blocking socket, as an inherited stdin may be: recv(MSG_DONTWAIT) never waits.
            let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
            let mut buf = [0u8; 64];
            let out = read_until_blocked(a.as_fd(), FdKind::Socket, &mut buf, IO_BUDGET, |_| {});
            assert!(matches!(out.stop, ReadStop::WouldBlock), "{out:?}");
            rustix::io::write(&b, b"ping").unwrap();
            let mut got = Vec::new();
            let out = read_until_blocked(a.as_fd(), FdKind::Socket, &mut buf, IO_BUDGET, |d| {
                got.extend_from_slice(d)
            });
            assert!(matches!(out.stop, ReadStop::WouldBlock));
            assert_eq!(got, b"ping");
            rustix::net::shutdown(&b, rustix::net::Shutdown::Write).unwrap();
            let out = read_until_blocked(a.as_fd(), FdKind::Socket, &mut buf, IO_BUDGET, |_| {});
            assert!(matches!(out.stop, ReadStop::Eof));
        });
    }
}
