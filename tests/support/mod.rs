//! Helpers shared by the root package's integration tests, one copy each: fd counting and
//! the lock around it, child-process re-runs (for rlimits, signals and exact fd counts),
//! pipes, socket pairs and flag checks, the example binaries and a real `cat`, one event
//! log, Readable trace helpers, and deterministic test data.
//!
//! A test file takes it with `mod support;` and imports what it uses.
#![allow(dead_code, unused_imports)]

mod child;
mod data;
mod embed;
mod fds;
mod log;
mod procs;
mod reactor;
mod readable;
mod streams;
mod warnings;

pub use child::{in_child, isolated, run_child, sigpipe_default, CHILD_ENV};
pub use data::{cases, data, fnv, heavy, pattern, rss_kib, TempPath, FNV_START};
pub use embed::logged_pipe;
pub use fds::{
    at_the_limit, dev_null, fd_count, fd_list, fd_lock, is_cloexec, is_nonblocking, lift, pipe,
    read_all, room_for, same_file, socketpair, FdCheck,
};
pub use log::{assert_trace, Log};
pub use procs::{assert_success, cat, example, example_with, run_example};
pub use reactor::{event_loop, manual_loop, ms, panic_message, run_through_panics, Ran};
pub use readable::{passive, show, watch};
pub use streams::{pipe_writer, watch_writer};
pub use warnings::{capture_warnings, warnings};
