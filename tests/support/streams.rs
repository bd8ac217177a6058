//! Fd streams on fresh pipes, and their events in a [`Log`].

use std::os::fd::OwnedFd;

use nodestream::events::{CLOSE, DRAIN, ERROR, FINISH};
use nodestream::stream::FdWritable;
use nodestream::{EventLoop, WritableOptions};

use super::{pipe, Log};

/// A loop, the read end of a new pipe, and an `FdWritable` over its write end with a
/// 16 KiB high-water mark: node v20's default, with which the node orders and counts the
/// tests compare with were recorded (v22 and later default to 64 KiB, more than a pipe
/// holds, so a batch of one mark could not reach the kernel whole).
pub fn pipe_writer() -> (EventLoop, OwnedFd, FdWritable) {
    let lp = EventLoop::new().unwrap();
    let (r, w) = pipe();
    let opts = WritableOptions::new().high_water_mark(16 * 1024);
    let w = FdWritable::new(&lp.handle(), w, opts).unwrap();
    (lp, r, w)
}

/// A log of `w`'s `events`, as they come: `"drain"`, `"finish"` and `"close"` by name,
/// `"error"` as `error <code>`.
///
/// # Panics
///
/// On any other name.
pub fn watch_writer(w: &FdWritable, events: &[&'static str]) -> Log {
    let log = Log::default();
    for &name in events {
        match name {
            "drain" => {
                w.on(DRAIN, log.event("drain"));
            }
            "finish" => {
                w.on(FINISH, log.event("finish"));
            }
            "close" => {
                w.on(CLOSE, log.event("close"));
            }
            "error" => {
                let l = log.clone();
                w.on(ERROR, move |e| l.push(format!("error {}", e.code())));
            }
            other => panic!("no such event to watch: {other}"),
        }
    }
    log
}
