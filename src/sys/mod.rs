//! The OS layer: every system call the streams make, and nothing that knows about events.
//!
//! Everything above (the reactor, the stream machinery, the resources) reaches the OS through
//! this module; nothing here imports from them. This module provides:
//!
//! - the nonblocking fd funnel, one file per half: [`writev`] hands a queue of chunks to the
//!   kernel with as few `writev`/`sendmsg` calls as it allows, and [`read`] reads until
//!   `WouldBlock` into the thread's shared read buffer; both retry `EINTR` and stop at a
//!   per-call budget ([`IO_BUDGET`]);
//! - [`fd`]: an owned fd as a mio source ([`FdSource`]), what kind of fd it is for the funnel
//!   ([`FdKind`]), and [`set_nonblocking`];
//! - [`raw`]: the raw calls rustix lacks, and all of the crate's `unsafe`: the SIGPIPE guard
//!   ([`SigpipeGuard`], with the disposition query, whose answer is reused only inside a
//!   loop run: [`SigpipeAnswerReuse`]) and a `close` that reports its error;
//! - [`socket`]: TCP and Unix stream sockets, nonblocking and close-on-exec from birth;
//! - [`spawn`]: child processes with each of stdin, stdout and stderr piped, inherited or
//!   connected to `/dev/null`; [`pidfd`]: a child's exit as a pollable fd;
//! - [`stdio`]: what stdout and stderr are connected to, and how to write to them without
//!   disturbing anyone else who holds them;
//! - blocking file operations run off the loop thread: [`open_flags`] (Node's flag strings as
//!   `open(2)` flags), [`pool`] (the worker threads, 4 as in libuv) and [`file_ops`] (open,
//!   read, write, fsync and close as pool jobs, and synchronous writes for stdout on a file).
//!
//! Errors are [`std::io::Error`]s carrying the OS error (`EPIPE`, `ENOENT`, `ENOSPC`, ...);
//! the stream layer turns them into Node-coded [`Error`](crate::Error)s. `WouldBlock` is
//! control flow, never an error.
//!
//! Raw fd numbers never leave this layer: fds are `OwnedFd`/`BorrowedFd`/`impl AsFd` at
//! every boundary, and every fd made here is close-on-exec (and nonblocking where the loop
//! drives it) from birth.

pub(crate) mod fd;
pub(crate) mod file_ops;
pub(crate) mod open_flags;
pub(crate) mod pidfd;
pub(crate) mod pool;
pub(crate) mod raw;
pub(crate) mod read;
pub(crate) mod socket;
pub(crate) mod spawn;
pub(crate) mod stdio;
pub(crate) mod writev;

#[cfg(test)]
pub(crate) mod testing;

pub(crate) use fd::{set_nonblocking, FdKind, FdSource, StreamFd};
pub(crate) use open_flags::OpenFlags;
pub(crate) use pool::Pool;
pub(crate) use raw::{
    close, forget_sigpipe_answer, reuse_sigpipe_answer, SigpipeAnswerReuse, SigpipeGuard,
};
pub(crate) use read::{read_until_blocked, with_read_buffer, ReadStop};
pub(crate) use writev::{write_chunks, WriteStop, IOV_MAX};

/// How many operations (reads, writes, accepts) one funnel call makes before it yields to the
/// loop; the reactor's public [`IO_BUDGET`](crate::reactor::IO_BUDGET) is this number.
pub(crate) const IO_BUDGET: usize = 32;
