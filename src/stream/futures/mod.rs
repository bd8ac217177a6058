//! The streams in `async` code (the `futures` feature, on by default): Node's async
//! iteration, promise APIs and their Rust counterparts.
//!
//! | Rust | Node |
//! |---|---|
//! | [`Readable::iter`](crate::Readable::iter): a `Stream` of chunks | `for await (const chunk of readable)` |
//! | [`Writable::sink`](crate::Writable::sink): a `Sink` with backpressure | `write()` / `await once(w, 'drain')` / `end()` |
//! | [`finished`](crate::stream::promises::finished) | `stream/promises.finished` |
//! | [`once`](crate::events::once) | `events.once` |
//! | [`Readable::from_stream`](crate::Readable::from_stream) | `Readable.from(asyncIterable)` |
//! | [`Readable::reader`](crate::Readable::reader), [`Writable::writer`](crate::Writable::writer) | (none: `futures-io`'s `AsyncRead`/`AsyncWrite`) |
//!
//! The futures run on the loop's executor
//! ([`LoopHandle::spawn_local`](crate::LoopHandle::spawn_local)) or any other
//! single-threaded executor on the loop's thread; the loop must run for them to make
//! progress.
//!
//! # Examples
//!
//! A child's output, chunk by chunk, as `for await` reads it:
//!
//! ```
//! use futures_util::StreamExt;
//! use nodestream::stream::readable::{Readable, ReadableOptions};
//! use nodestream::EventLoop;
//!
//! let lp = EventLoop::new()?;
//! let mut child = std::process::Command::new("printf")
//!     .arg("hello")
//!     .stdout(std::process::Stdio::piped())
//!     .spawn()?;
//! let out = std::os::fd::OwnedFd::from(child.stdout.take().unwrap());
//! let r = Readable::from_fd(&lp.handle(), out, ReadableOptions::new())?;
//! let got = lp.spawn_local(async move {
//!     let mut bytes = Vec::new();
//!     let mut chunks = r.iter();
//!     while let Some(chunk) = chunks.next().await {
//!         bytes.extend_from_slice(chunk?.as_bytes().unwrap_or_default());
//!     }
//!     Ok::<_, nodestream::Error>(bytes)
//! });
//! lp.run()?;
//! child.wait()?;
//! assert_eq!(futures_util::FutureExt::now_or_never(got).unwrap()??, b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod eos;
pub(crate) mod from;
pub(crate) mod io;
pub(crate) mod iter;
pub(crate) mod once;
pub(crate) mod promises;
pub(crate) mod sink;
#[cfg(feature = "tokio")]
mod tokio_io;
