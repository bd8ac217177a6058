//! nodestream: Node.js streams and EventEmitter for Rust, on a single-threaded mio reactor.
//!
//! The modules carry the names of Node's, so each thing is where a Node user looks for it:
//!
//! | module | Node | what it holds |
//! |---|---|---|
//! | [`events`] | `events` | `EventEmitter` and the typed keys of every stream event |
//! | [`stream`] | `stream` | `Readable`, `Writable`, `pipe()`, and streams over any file descriptor |
//! | [`net`] | `net` | TCP and Unix sockets, servers, descriptors passed over Unix sockets |
//! | [`fs`] | `fs` | file read and write streams, their I/O on a worker pool |
//! | [`child_process`] | `child_process` | child processes with their stdio as streams |
//! | [`process`] | `process` | `stdout` and `stderr` |
//! | `zlib` | `zlib` | gzip and deflate, compressing and decompressing (feature `zlib`) |
//! | [`reactor`] | (Node's event loop, libuv) | [`EventLoop`], its handles, timers, immediates, ticks |
//! | [`compat`] | (Node's release) | [`NodeCompat`]: Node v26's behaviour (default) or v20's, per loop |
//! | [`embed`] | (none) | the loop driven from tokio, calloop or a `poll(2)` loop of the host's |
//! | [`fdpass`] | (none) | SCM_RIGHTS send and receive, without a loop |
//!
//! The root re-exports the types nearly every program names. How the crate is built, in
//! layers, is in `docs/architecture.md`.
//!
//! # Errors
//!
//! One type, [`Error`], with Node's [`ErrorCode`]s (`EPIPE`, `ERR_STREAM_WRITE_AFTER_END`,
//! ...) and Node's fields ([`syscall`](Error::syscall), [`errno`](Error::errno),
//! [`path`](Error::path), [`address`](Error::address), [`port`](Error::port)): every
//! fallible call returns [`Result<T>`](Result) (constructors, `listen`, `connect`, `spawn`,
//! [`EventLoop::run`], ...) and every `'error'` event carries one. A failed system call
//! reads as Node's (`connect ECONNREFUSED 127.0.0.1:39503`,
//! `ENOENT: no such file or directory, open '/x'`), and an error that ends
//! [`EventLoop::run`] names the stream that emitted it ([`Error::origin`]). A constructor
//! that takes an fd hands it back inside [`FdError`] when it refuses it.
//!
//! `?` works from any of these in a function returning `nodestream::Result`, `io::Result`
//! (`From<Error> for io::Error` keeps the kind and the message; [`Error::from_io`] gives
//! the whole error back) or `Box<dyn std::error::Error>`, and from an `io::Result` in a
//! function returning `nodestream::Result`. Converting an [`FdError`] closes its fd.
//! `docs/errors.md` has the table of messages.
//!
//! ```
//! use nodestream::net::listen_tcp;
//! use nodestream::EventLoop;
//!
//! fn serve() -> std::io::Result<()> {
//!     let lp = EventLoop::new()?;
//!     let taken = std::net::TcpListener::bind("127.0.0.1:0")?;
//!     let addr = taken.local_addr()?;
//!     let err = listen_tcp(&lp.handle(), addr, |_| {}).unwrap_err();
//!     assert_eq!(
//!         err.message(),
//!         format!("listen EADDRINUSE: address already in use {addr}")
//!     );
//!     assert_eq!((err.syscall(), err.port()), (Some("listen"), Some(addr.port())));
//!     Ok(())
//! }
//! serve().unwrap();
//! ```
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `futures` | on | the loop's executor (`EventLoop::spawn_local`, `EventLoop::block_on`), `Readable::iter` as a `Stream`, `Writable::sink` as a `Sink`, `AsyncRead`/`AsyncWrite` adapters, `finished` and `once` as futures (`docs/async.md`) |
//! | `tokio` | off | `embed::tokio`: the loop driven from a current-thread tokio runtime; tokio's `AsyncRead`/`AsyncWrite` on the adapters |
//! | `calloop` | off | `embed::calloop`: the loop as a calloop event source |
//! | `zlib` | off | `zlib`: Node's zlib engine (gzip, deflate, raw deflate) on flate2 |
//!
//! # Example
//!
//! A pipe: an [`FdWritable`](stream::FdWritable) writes into one end, a
//! [`Readable`] reads the other, and [`EventLoop::run`] returns when
//! both streams are done, as a Node program exits.
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//!
//! use nodestream::events::{CLOSE, DATA, END, FINISH};
//! use nodestream::stream::readable::Chunk;
//! use nodestream::stream::FdWritable;
//! use nodestream::{EventLoop, Readable, ReadableOptions, WritableOptions};
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
//! // Node's order (the writer's 'close' comes in the loop's close phase, after the reader
//! // has read the end of file in the poll phase):
//! assert_eq!(
//!     *events.borrow(),
//!     ["writer finish", "reader end", "reader close", "writer close"]
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(unsafe_code)]

pub use nodestream_fdpass as fdpass;

// The layers, bottom up: the OS, the loop, the stream machinery, then the resources and
// Node's module map over them. Imports point down only.
mod error;
mod sys;

pub mod compat;
pub mod reactor;
pub use reactor::embed;

pub mod stream;

pub mod child_process;
pub mod events;
pub mod fs;
pub mod net;
pub mod process;
#[cfg(feature = "zlib")]
pub mod zlib;

pub use compat::NodeCompat;
pub use error::{Error, ErrorCode, FdError, Result};
pub use events::EventEmitter;
pub use reactor::{
    Clock, EventLoop, EventLoopBuilder, ImmediateId, KeepAlive, LoopHandle, ManualClock,
    PostAction, Readiness, RemoteHandle, SourceId, TimerId, WeakLoopHandle, IO_BUDGET,
};
pub use stream::{Encoding, Readable, ReadableOptions, Sink, Writable, WritableOptions};
