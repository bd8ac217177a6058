//! Node's `stream` module: [`Readable`], [`Writable`], `pipe()`, and the streams over file
//! descriptors.
//!
//! - [`Writable`] and its [`Sink`] (Node's `_write`, `_writev`, `_final`, `_destroy`,
//!   `_construct`), with the callback tokens and chunk types in [`writable`];
//! - [`Readable`] and its [`Source`] (Node's `_read` and `_destroy`), flowing and paused
//!   modes, [`Readable::pipe`] and [`Readable::unpipe`], with the chunk types and events in
//!   [`readable`];
//! - [`FdWritable`] and [`Readable::from_fd`]: a Writable and a Readable over any pollable
//!   fd (pipe, socket, tty, character device), driven by the loop through one nonblocking
//!   funnel;
//! - [`finished()`] and [`pipeline()`]: Node's `stream.finished` (be told once a stream is
//!   done) and `stream.pipeline` (pipe streams into each other, destroy them all on an
//!   error, be told once it is over), with their futures in `promises` (the
//!   `futures` feature);
//! - [`legacy`]: Node's old-style `Stream` and its `pipe`;
//! - [`Encoding`]: Node's string encodings, for both directions.
//!
//! The event keys of each stream live with it ([`writable::DRAIN`], [`readable::DATA`], ...)
//! and are gathered in [`events`](crate::events).
//!
//! # Examples
//!
//! A Readable piped into a Writable whose sink collects the bytes:
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//!
//! use nodestream::stream::writable::{Chunk, WriteCallback};
//! use nodestream::stream::{Readable, ReadableOptions, Sink, Writable, WritableOptions};
//! use nodestream::EventLoop;
//!
//! struct Collect(Rc<RefCell<Vec<u8>>>);
//!
//! impl Sink for Collect {
//!     fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
//!         self.0.borrow_mut().extend_from_slice(chunk.as_bytes());
//!         cb.ok();
//!     }
//! }
//!
//! let event_loop = EventLoop::new()?;
//! let lp = event_loop.handle();
//! let got = Rc::new(RefCell::new(Vec::new()));
//! let dest = Writable::new(&lp, Collect(got.clone()), WritableOptions::new());
//! let src = Readable::new(&lp, ReadableOptions::default(), |_: &Readable, _| {});
//! src.pipe(&dest);
//! src.push("hello, ");
//! src.push("stream");
//! src.push(None);
//! event_loop.run()?;
//! assert_eq!(got.borrow().as_slice(), b"hello, stream");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod duplex;
pub(crate) mod encoding;
pub(crate) mod eos;
pub(crate) mod fd_reader;
pub(crate) mod fd_writable;
pub mod finished;
#[cfg(feature = "futures")]
pub mod futures;
pub(crate) mod io_stats;
pub mod legacy;
pub(crate) mod lifecycle;
pub(crate) mod pipe_writable;
pub mod pipeline;
pub mod readable;
pub(crate) mod shared_fd;
pub mod transform;
pub mod writable;

pub use duplex::{Duplex, DuplexOptions, WeakDuplex};
pub use encoding::Encoding;
pub use fd_writable::{FdWritable, WeakFdWritable};
pub use finished::{finished, Cleanup, Finishable, FinishedOptions};
pub use pipeline::{pipeline, Pipeline, PipelineError, PipelineSource, Through};
pub use readable::{PipeDestination, PipeOptions, Readable, ReadableOptions, Source};
pub use transform::{PassThrough, Transform};
pub use writable::{Sink, Writable, WritableOptions};

#[cfg(feature = "futures")]
pub use self::futures::{
    from::FromStreamItem,
    io::{ReadableReader, WritableWriter},
    iter::{IteratorOptions, ReadableIter},
    sink::WritableSink,
};

/// Node's `stream/promises` (the `futures` feature).
#[cfg(feature = "futures")]
pub mod promises {
    pub use super::finished::Finishable;
    pub use super::futures::promises::{
        finished, finished_with, pipeline, Finished, PipelineFuture, PromisePipeline,
    };
}
