//! Node's `child_process` module: [`spawn`] starts a program with its stdin as a Writable
//! ([`ChildProcess::stdin`], an [`FdWritable`](crate::stream::FdWritable)) and its stdout as
//! a [`Readable`](crate::stream::Readable) ([`ChildProcess::stdout`]), both driven by the
//! loop, and fails at once if the program cannot start.
//!
//! [`spawn_with`] is Node's `spawn` in full: it returns a [`Subprocess`] (Node's
//! `ChildProcess`) at once, with each of stdin, stdout and stderr piped, inherited or
//! ignored as [`SpawnOptions`] says, and reports through events: [`SPAWN`], [`EXIT`] and
//! [`CLOSE`] (with an [`ExitInfo`], Node's `(code, signal)`), and
//! [`ERROR`](crate::events::ERROR) for a program that cannot start, on the next tick, as
//! Node does. [`Subprocess::kill`] sends any signal. The loop reaps every child (through a
//! pidfd, readable when the child exits; never a blocking wait) and stays alive until it
//! has exited.
//!
//! ```
//! use std::process::Command;
//!
//! use nodestream::child_process::{spawn_with, Signal, SpawnOptions, StdioOption, CLOSE};
//! use nodestream::events::ERROR;
//! use nodestream::EventLoop;
//!
//! let lp = EventLoop::new()?;
//! let opts = SpawnOptions::new().stdio_all(StdioOption::Ignore);
//! let sleeper = spawn_with(&lp.handle(), Command::new("sleep").arg("10"), opts);
//! assert!(sleeper.kill(Signal::KILL));
//! sleeper.on(CLOSE, |e| assert_eq!(e.signal, Some(Signal::KILL)));
//!
//! let missing = spawn_with(&lp.handle(), &mut Command::new("no-such-program"), opts);
//! missing.on(ERROR, |e: &nodestream::Error| {
//!     assert_eq!(e.message(), "spawn no-such-program ENOENT")
//! });
//! lp.run()?;
//! assert_eq!(sleeper.signal_code(), Some(Signal::KILL));
//! assert_eq!(missing.exit_code(), Some(-2));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
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

/// A signal to send with [`Subprocess::kill`] or that ended a child
/// ([`ExitInfo::signal`]): rustix's, re-exported (`Signal::KILL`, `Signal::TERM`, ...).
pub use rustix::process::Signal;
