//! Node's `process` streams: [`stdout`] and [`stderr`], as Writables, and [`stdin`], a
//! Readable.
//!
//! As in Node, a file or a terminal is written synchronously (the bytes are in the kernel when
//! `write` returns) and a pipe or socket asynchronously, through the loop; unlike Node, the
//! open file description the process shares with its parent is never switched to nonblocking
//! mode (a pipe is reopened as a description of its own).
//!
//! # Examples
//!
//! ```
//! use nodestream::process::stdout;
//! use nodestream::EventLoop;
//!
//! let event_loop = EventLoop::new()?;
//! let out = stdout(&event_loop.handle())?;
//! out.write("hello, ");
//! out.write("stdout\n");
//! event_loop.run()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod stdin;
mod stdout;

pub use stdin::stdin;
pub use stdout::{stderr, stdout};
