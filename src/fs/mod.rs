//! Node's `fs` module, as far as streams go: [`create_write_stream`] (Node's
//! `fs.createWriteStream`) makes a [`FileWriteStream`], a Writable over a file whose open,
//! writes, fsync and close run on a worker pool (4 threads, as libuv's), one at a time per
//! stream, with their completions delivered on the loop thread.
//!
//! # Events
//!
//! `'open'` ([`OPEN`](crate::events::OPEN), the descriptor's number) and `'ready'` once the
//! file is open; then the Writable's `'drain'`, `'finish'` and `'close'`. A file that cannot
//! be opened is an `'error'` (`ENOENT`, `EACCES`, `EEXIST` with `"wx"`, ...), then `'close'`;
//! `/dev/full` gives `ENOSPC` on the first write.
//!
//! # Examples
//!
//! ```
//! use nodestream::fs::{create_write_stream, WriteStreamOptions};
//! use nodestream::EventLoop;
//!
//! let event_loop = EventLoop::new()?;
//! let path = std::env::temp_dir().join(format!("nodestream-fs-{}", std::process::id()));
//! let ws = create_write_stream(&event_loop.handle(), &path, WriteStreamOptions::new())?;
//! ws.write("hello, ");
//! ws.end_with("file\n");
//! event_loop.run()?;
//! assert_eq!(std::fs::read(&path)?, b"hello, file\n");
//! # std::fs::remove_file(&path)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod inbox;
mod write_stream;

pub use write_stream::{create_write_stream, FileWriteStream, WriteStreamOptions};
