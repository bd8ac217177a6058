//! Node's `child_process` module: [`spawn`] starts a program with its stdin as a Writable
//! ([`ChildProcess::stdin`], an [`FdWritable`](crate::stream::FdWritable)) and its stdout as
//! a [`Readable`](crate::stream::Readable) ([`ChildProcess::stdout`]), both driven by the
//! loop.
//!
//! # Examples
//!
//! ```
//! use std::cell::RefCell;
//! use std::process::Command;
//! use std::rc::Rc;
//!
//! use nodestream::child_process::spawn;
//! use nodestream::events::DATA;
//! use nodestream::stream::readable::Chunk;
//! use nodestream::EventLoop;
//!
//! let event_loop = EventLoop::new()?;
//! let child = spawn(&event_loop.handle(), &mut Command::new("cat"))?;
//! let out = Rc::new(RefCell::new(Vec::new()));
//! let o = out.clone();
//! child.stdout.on(DATA, move |c: &Chunk| {
//!     o.borrow_mut().extend_from_slice(c.as_bytes().unwrap_or_default())
//! });
//! child.stdin.end_with("through cat\n");
//! event_loop.run()?;
//! assert_eq!(out.borrow().as_slice(), b"through cat\n");
//! child.wait()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod child;
mod events;
mod options;
mod reap;
mod state;
mod subprocess;

pub use child::{spawn, ChildProcess};
pub use events::{ExitInfo, CLOSE, EXIT, SPAWN};
pub use options::{SpawnOptions, StdioOption};
pub use subprocess::{spawn_with, Subprocess};
