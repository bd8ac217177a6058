//! Node's `fs` module, as far as streams go: [`create_read_stream`] (Node's
//! `fs.createReadStream`) makes a [`FileReadStream`], a Readable over a file, and
//! [`create_write_stream`] (Node's `fs.createWriteStream`) a [`FileWriteStream`], a Writable
//! over one. Their open, reads, writes, fsync and close run on a worker pool (4 threads, as
//! libuv's), one at a time per stream, with their completions delivered on the loop thread.
//!
//! # Events
//!
//! Both streams emit `'open'` ([`OPEN`](crate::events::OPEN), the descriptor's number) and
//! `'ready'` once the file is open. Then a read stream emits the Readable's `'data'`,
//! `'end'` and `'close'`, a write stream the Writable's `'drain'`, `'finish'` and `'close'`.
//! A file that cannot be opened is an `'error'` (`ENOENT`, `EACCES`, `EEXIST` with `"wx"`,
//! ...), then `'close'`; reading a directory gives `EISDIR` after `'open'`, and writing
//! `/dev/full` gives `ENOSPC` on the first write.
//!
//! # Examples
//!
//! Copying a file, as Node's `stream.pipeline(fs.createReadStream(a),
//! fs.createWriteStream(b), cb)`:
//!
//! ```
//! use std::cell::Cell;
//! use std::rc::Rc;
//! use nodestream::fs::{create_read_stream, create_write_stream};
//! use nodestream::fs::{ReadStreamOptions, WriteStreamOptions};
//! use nodestream::stream::pipeline;
//! use nodestream::EventLoop;
//!
//! let event_loop = EventLoop::new()?;
//! let lp = event_loop.handle();
//! let dir = std::env::temp_dir();
//! let (from, to) = (
//!     dir.join(format!("nodestream-fs-from-{}", std::process::id())),
//!     dir.join(format!("nodestream-fs-to-{}", std::process::id())),
//! );
//! std::fs::write(&from, "hello, file\n".repeat(10_000))?;
//!
//! let rs = create_read_stream(&lp, &from, ReadStreamOptions::new())?;
//! let ws = create_write_stream(&lp, &to, WriteStreamOptions::new())?;
//! let ok = Rc::new(Cell::new(false));
//! let done = ok.clone();
//! pipeline(&rs).to(&ws, move |err| done.set(err.is_none()))?;
//! event_loop.run()?;
//!
//! assert!(ok.get());
//! assert_eq!(std::fs::read(&to)?, std::fs::read(&from)?);
//! assert_eq!(rs.bytes_read(), 120_000);
//! # std::fs::remove_file(&from)?;
//! # std::fs::remove_file(&to)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod inbox;
mod read_stream;
mod write_stream;

pub use read_stream::{
    create_read_stream, FileReadStream, ReadStreamOptions, READ_STREAM_HIGH_WATER_MARK,
};
pub use write_stream::{create_write_stream, FileWriteStream, WriteStreamOptions};
