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
pub use error::{Error, ErrorCode};
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
