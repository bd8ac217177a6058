//! nodestream: Node.js streams and EventEmitter for Rust, on a single-threaded mio reactor.
//!
//! The crate is built in layers (see `docs/architecture.md`):
//! - [`emitter`]: Node's EventEmitter (re-exported from `nodestream-emitter`);
//! - [`fdpass`]: SCM_RIGHTS send and receive (re-exported from `nodestream-fdpass`);
//! - the error type every stream reports through, [`Error`] with Node's [`ErrorCode`];
//! - [`readable`]: Node's Readable stream, `pipe()` and the fd-backed Readable;
//! - [`reactor`]: the event loop ([`EventLoop`], [`LoopHandle`], [`RemoteHandle`]).
//! - [`writable`]: Node's Writable stream ([`Writable`], [`Sink`]), its [`events`], and
//!   the string [`Encoding`]s.
//! - [`fdstream`]: streams over real file descriptors (pipes, sockets, files, stdio, child
//!   processes).
//!
//! # Example
//!
//! A pipe: an [`FdWritable`](fdstream::FdWritable) writes into one end, a
//! [`Readable`](readable::Readable) reads the other, and [`EventLoop::run`] returns when
//! both streams are done, as a Node program exits.
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//!
//! use nodestream::events::{CLOSE, FINISH};
//! use nodestream::fdstream::FdWritable;
//! use nodestream::readable::{Chunk, Readable, ReadableOptions, DATA, END};
//! use nodestream::{EventLoop, WritableOptions};
//!
//! let event_loop = EventLoop::new()?;
//! let lp = event_loop.handle();
//! let (read_end, write_end) = rustix::pipe::pipe()?;
//!
//! let events = Rc::new(RefCell::new(Vec::new()));
//! let log = |name: &'static str| {
//!     let events = events.clone();
//!     move |_: &()| events.borrow_mut().push(name)
//! };
//!
//! let out = FdWritable::new(&lp, write_end, WritableOptions::new())?;
//! out.on(FINISH, log("writer finish"));
//! out.on(CLOSE, log("writer close"));
//!
//! let input = Readable::from_fd(&lp, read_end, ReadableOptions::default())?;
//! let received = Rc::new(RefCell::new(Vec::new()));
//! let r = received.clone();
//! input.on(DATA, move |chunk: &Chunk| {
//!     r.borrow_mut().extend_from_slice(chunk.as_bytes().unwrap_or_default())
//! });
//! input.on(END, log("reader end"));
//! input.on(CLOSE, log("reader close"));
//!
//! assert!(out.write("hello, "));
//! out.end_with("pipe");
//! event_loop.run()?;
//!
//! assert_eq!(received.borrow().as_slice(), b"hello, pipe");
//! assert_eq!(
//!     *events.borrow(),
//!     ["writer finish", "writer close", "reader end", "reader close"]
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(unsafe_code)]

pub use nodestream_emitter as emitter;
pub use nodestream_fdpass as fdpass;

mod encoding;
mod error;
pub mod events;
pub mod fdstream;
pub mod reactor;
pub mod readable;
pub mod writable;

pub use encoding::Encoding;
pub use error::{Error, ErrorCode, FdError};
pub use reactor::{
    Clock, EventLoop, ImmediateId, KeepAlive, LoopHandle, ManualClock, PostAction, Readiness,
    RemoteHandle, SourceId, TimerId, WeakLoopHandle, IO_BUDGET,
};
pub use writable::{Chunk, Sink, Writable, WritableOptions};

mod fd;
mod fs;
mod net;
mod process;
mod stdio;
mod sys;
