//! Streams over real file descriptors: pipes, sockets, files, stdio, child processes, and
//! Unix sockets that carry file descriptors.
//!
//! - [`FdWritable`]: a [`Writable`](crate::Writable) over any pollable fd, written through
//!   the crate's fd funnel (coalesced `writev`, partial writes resumed on readiness, `EPIPE`
//!   as an error and never a signal); [`FdWritable::write_with_fds`] attaches descriptors.
//! - [`create_write_stream`]: Node's `fs.createWriteStream`, its I/O on a worker pool.
//! - [`stdout`], [`stderr`]: synchronous for files and terminals, asynchronous for pipes
//!   and sockets, as in Node.
//! - [`spawn`]: a child process with its stdin as an [`FdWritable`] and its stdout as a
//!   [`Readable`](crate::readable::Readable).
//! - [`Socket`]: a connected TCP or Unix stream socket ([`connect_tcp`], [`connect_unix`],
//!   [`Server`]); on Unix sockets the readable side emits `'fd'` ([`FD`]) with each received
//!   descriptor before the `'data'` that carries its byte.
//!
//! See `docs/fdstreams.md` for the design.

mod child;
mod fdrecv;
mod file;
mod inbox;
mod net;
mod stdio;
mod writer;

pub use child::{spawn, ChildProcess};
pub use fdrecv::{PassedFd, ReceiveOptions, DEFAULT_MAX_UNCLAIMED_FDS, FD};
pub use file::{create_write_stream, FileWriteStream, WriteStreamOptions};
pub use net::{connect_tcp, connect_unix, listen_tcp, listen_unix, unix_pair, Server, Socket};
pub use net::{CONNECTION, LISTENING};
pub use stdio::{stderr, stdout};
pub use writer::FdWritable;

pub use crate::error::FdError;
