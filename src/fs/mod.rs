//! Blocking file operations run off the loop thread: the building blocks of file streams.
//!
//! - [`flags`]: Node's flag strings (`'w'`, `'a'`, `'wx'`, `'r+'`, ...) as open flags.
//! - [`pool`]: the worker threads (4 by default, as libuv).
//! - [`ops`]: open, write (at an offset or at the file position), fsync and close, each run
//!   on a pool thread and finished by a `Send` completion the caller gives; and the same
//!   writes done synchronously, for stdout and stderr on files.
//!
//! Errors are [`std::io::Error`]s carrying the OS error (`ENOENT`, `EEXIST`, `EISDIR`,
//! `ENOSPC` from `/dev/full`, ...), which the stream layer turns into Node-coded errors.
#![allow(dead_code)] // The file streams call this module; until they land, only tests do.

pub(crate) mod flags;
pub(crate) mod ops;
pub(crate) mod pool;

pub(crate) use flags::OpenFlags;
pub(crate) use pool::Pool;
