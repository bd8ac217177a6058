//! File write streams: `'open'` / `'ready'`, early writes, open errors: f01-f03.
//!
//! The streams are `nodestream::fs::create_write_stream`; the files live under
//! `std::env::temp_dir()` with names unique to the process and the call, and are removed
//! by the scenario (as node's twins do) or, if it fails half-way, when its [`TempPath`]
//! drops.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use nodestream::events::{FdNumber, OPEN};
use nodestream::fs::{create_write_stream, FileWriteStream, WriteStreamOptions};
use nodestream::EventLoop;

use super::writable_util::cb_errc;
use super::Scenario;
use crate::trace::{errc, tlog, Trace};

/// A unique path under the temp dir (scenarios.js `tmpPath(tag)`), removed on drop.
struct TempPath(PathBuf);

impl TempPath {
    fn new(tag: &str) -> TempPath {
        static N: AtomicUsize = AtomicUsize::new(0);
        TempPath(std::env::temp_dir().join(format!(
            "nodestream-conf-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        )))
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// lib.js `watch(ws, name, events)` for a file stream: `'open'` carries the fd (logged as
/// its number), `'error'` an error, the rest nothing.
fn watch_file(t: &Trace, ws: &FileWriteStream, name: &str, events: &[&str]) {
    for &ev in events {
        let t = t.clone();
        let label = format!("{name}:{ev}");
        match ev {
            "open" => {
                ws.on(OPEN, move |fd: &FdNumber| {
                    tlog!(t, label.as_str(), fd.as_raw())
                });
            }
            "error" => {
                ws.on(ev, move |e: &nodestream::Error| {
                    tlog!(t, label.as_str(), errc(e));
                });
            }
            _ => {
                ws.on(ev, move |_: &()| tlog!(t, label.as_str()));
            }
        }
    }
}

fn run(lp: &EventLoop, t: &Trace) {
    if let Err(err) = lp.run() {
        t.uncaught(&err);
    }
}

/// Writes before open are queued; `'open'` (with the fd, equal to `ws.fd`) then
/// `'ready'` precede the first write's callback; then finish, close.
fn f01_fs_writestream_order() -> Vec<String> {
    let t = Trace::new();
    let lp = crate::scenarios::event_loop();
    let p = TempPath::new("f01");
    let ws = create_write_stream(&lp.handle(), &p.0, WriteStreamOptions::new()).unwrap();
    tlog!(
        t,
        "pending",
        ws.pending(),
        "fd",
        ws.fd(),
        "bytesWritten",
        ws.bytes_written()
    );
    let (tt, w) = (t.clone(), ws.clone());
    ws.on(OPEN, move |fd: &FdNumber| {
        // `typeof fd`: the payload is the fd's number.
        tlog!(
            tt,
            "ws:open",
            "number",
            "fd===ws.fd",
            Some(fd.as_raw()) == w.fd(),
            "pending",
            w.pending()
        );
    });
    watch_file(&t, &ws, "ws", &["ready", "finish", "close", "error"]);
    tlog!(t, "w1 ->", ws.write_cb("hello ", cb_errc(&t, "cb1")));
    tlog!(t, "w2 ->", ws.write_cb("world", cb_errc(&t, "cb2")));
    ws.end_cb(cb_errc(&t, "end-cb"));
    let (tt, w, path) = (t.clone(), ws.clone(), p.0.clone());
    ws.on("close", move |_: &()| {
        let content = std::fs::read_to_string(&path).unwrap_or_default();
        tlog!(
            tt,
            "content",
            content,
            "bytesWritten",
            w.bytes_written(),
            "fd",
            w.fd()
        );
        let _ = std::fs::remove_file(&path);
    });
    run(&lp, &t);
    // The listeners hold handles of the stream: drop them, so it goes with the loop.
    ws.emitter().remove_all_listeners(None);
    t.take()
}

/// Made from an fd: no `'open'`/`'ready'`; the fd is closed by the time of `'close'`.
fn f02_fs_writestream_with_fd() -> Vec<String> {
    let t = Trace::new();
    let lp = crate::scenarios::event_loop();
    let p = TempPath::new("f02");
    let file = std::fs::File::create(&p.0).unwrap();
    let number = std::os::fd::AsRawFd::as_raw_fd(&file);
    let ws = create_write_stream(
        &lp.handle(),
        "",
        WriteStreamOptions::new().fd(std::os::fd::OwnedFd::from(file)),
    )
    .unwrap();
    watch_file(&t, &ws, "ws", &["open", "ready", "finish", "close"]);
    tlog!(t, "pending", ws.pending());
    ws.end_with("data");
    let (tt, path) = (t.clone(), p.0.clone());
    ws.on("close", move |_: &()| {
        // Node: fstat(fd) fails with EBADF. Here: the number no longer names our file
        // (closed; or, in a process whose other threads open files, reused for another).
        let ours = std::fs::read_link(format!("/proc/self/fd/{number}"))
            .is_ok_and(|target| target == path);
        tlog!(tt, "fd closed after close event", !ours);
        let _ = std::fs::remove_file(&path);
    });
    run(&lp, &t);
    ws.emitter().remove_all_listeners(None);
    t.take()
}

/// Open failure: queued write callbacks get the open error, then `'error'`, then
/// `'close'`; no `'open'`.
fn f03_fs_writestream_open_error() -> Vec<String> {
    let t = Trace::new();
    let lp = crate::scenarios::event_loop();
    let ws = create_write_stream(
        &lp.handle(),
        "/nonexistent-dir-xyz/file",
        WriteStreamOptions::new(),
    )
    .unwrap();
    watch_file(
        &t,
        &ws,
        "ws",
        &["open", "ready", "finish", "close", "error"],
    );
    ws.write_cb("a", cb_errc(&t, "cb1"));
    ws.end_cb(cb_errc(&t, "end-cb"));
    run(&lp, &t);
    t.take()
}

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "f01-fs-writestream-order",
        run: f01_fs_writestream_order,
    },
    Scenario {
        name: "f02-fs-writestream-with-fd",
        run: f02_fs_writestream_with_fd,
    },
    Scenario {
        name: "f03-fs-writestream-open-error",
        run: f03_fs_writestream_open_error,
    },
];
