//! `'pipe'` / `'unpipe'`, Readable#pipe and the legacy Stream#pipe: p01-p11.

use nodestream::stream::legacy::{self, LegacyStream};
use nodestream::stream::readable::{PipeOptions, Readable, ReadableOptions};
use nodestream::stream::writable::{Chunk, Sink, WriteCallback};
use nodestream::{Error, EventLoop, LoopHandle, Writable, WritableOptions};

use super::Scenario;
use crate::trace::{errc, tlog, Trace};

/// lib.js `slowSink` / `syncSink`: logs `_write <chunk> <encoding>` and completes on
/// `setImmediate` (slow) or at once (sync).
struct LogSink {
    trace: Trace,
    lp: LoopHandle,
    slow: bool,
}

impl Sink for LogSink {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        let text = String::from_utf8_lossy(chunk.as_bytes()).into_owned();
        tlog!(self.trace, "_write", text, chunk.encoding().name());
        if self.slow {
            self.lp.set_immediate(move || cb.ok());
        } else {
            cb.ok();
        }
    }
}

fn sink(t: &Trace, lp: &LoopHandle, slow: bool, opts: WritableOptions) -> Writable {
    Writable::new(
        lp,
        LogSink {
            trace: t.clone(),
            lp: lp.clone(),
            slow,
        },
        opts,
    )
}

/// lib.js `watch(dst, name, events)` for a Writable destination; `'pipe'`/`'unpipe'` print
/// `<src>` for the source.
fn watch_dest(t: &Trace, w: &Writable, name: &str, events: &[&str], src: &Readable) {
    for &ev in events {
        let t = t.clone();
        let label = format!("{name}:{ev}");
        match ev {
            "pipe" | "unpipe" => {
                let src = src.downgrade();
                w.on(ev, move |r: &Readable| {
                    let who = if src.upgrade().as_ref() == Some(r) {
                        "<src>"
                    } else {
                        "<stream>"
                    };
                    tlog!(t, label.as_str(), who);
                });
            }
            "error" => {
                w.on(ev, move |e: &Error| tlog!(t, label.as_str(), errc(e)));
            }
            _ => {
                w.on(ev, move |_: &()| tlog!(t, label.as_str()));
            }
        }
    }
}

fn passive(lp: &LoopHandle, options: ReadableOptions) -> Readable {
    Readable::new(lp, options, |_: &Readable, _: usize| {})
}

fn run(el: &EventLoop, t: &Trace) {
    if let Err(err) = el.run() {
        t.uncaught(&err);
    }
}

fn p01_readable_pipe_events() -> Vec<String> {
    let t = Trace::new();
    let el = crate::scenarios::event_loop();
    let lp = el.handle();
    let src = passive(&lp, ReadableOptions::default());
    let dst = sink(&t, &lp, true, WritableOptions::default());
    watch_dest(
        &t,
        &dst,
        "dst",
        &["pipe", "unpipe", "prefinish", "finish", "close"],
        &src,
    );
    let t2 = t.clone();
    src.on("end", move |_: &()| tlog!(t2, "src:end"));
    let t2 = t.clone();
    src.on("close", move |_: &()| tlog!(t2, "src:close"));
    src.pipe(&dst);
    tlog!(t, "after pipe()");
    src.push("a");
    src.push("b");
    src.push(None);
    tlog!(t, "sync-end");
    run(&el, &t);
    t.take()
}

fn p02_unpipe_explicit() -> Vec<String> {
    let t = Trace::new();
    let el = crate::scenarios::event_loop();
    let lp = el.handle();
    let src = passive(&lp, ReadableOptions::default());
    let dst = sink(&t, &lp, true, WritableOptions::default());
    watch_dest(&t, &dst, "dst", &["pipe", "unpipe", "finish"], &src);
    src.pipe(&dst);
    src.unpipe(Some(&dst));
    tlog!(
        t,
        "after unpipe: dst.writable",
        dst.writable(),
        "src.flowing",
        src.readable_flowing()
    );
    src.unpipe(Some(&dst));
    tlog!(t, "second unpipe: no event");
    run(&el, &t);
    t.take()
}

/// Node wraps `src.pause`/`src.resume` to log each call; Rust methods cannot be wrapped, so
/// the twin logs the `'pause'`/`'resume'` events (status `differs`; the expected trace is
/// node's run of the same scenario with event listeners instead of wrappers).
fn p03_pipe_backpressure() -> Vec<String> {
    let t = Trace::new();
    let el = crate::scenarios::event_loop();
    let lp = el.handle();
    let src = passive(&lp, ReadableOptions::default().high_water_mark(100));
    let dst = sink(&t, &lp, true, WritableOptions::new().high_water_mark(2));
    let t2 = t.clone();
    src.on("pause", move |_: &()| tlog!(t2, "src:pause"));
    let t2 = t.clone();
    src.on("resume", move |_: &()| tlog!(t2, "src:resume"));
    watch_dest(&t, &dst, "dst", &["drain", "finish"], &src);
    src.pipe(&dst);
    src.push("aa");
    src.push("bb");
    src.push("cc");
    src.push(None);
    run(&el, &t);
    t.take()
}

fn p04_legacy_pipe_basic() -> Vec<String> {
    let t = Trace::new();
    let el = crate::scenarios::event_loop();
    let lp = el.handle();
    let t2 = t.clone();
    let t3 = t.clone();
    let src = LegacyStream::new()
        .with_pause(move || tlog!(t2, "src.pause()"))
        .with_resume(move || tlog!(t3, "src.resume()"));
    let dst = sink(&t, &lp, true, WritableOptions::new().high_water_mark(2));
    watch_legacy_dest(
        &t,
        &dst,
        "dst",
        &["pipe", "unpipe", "drain", "finish", "close"],
    );
    legacy::pipe(&src, &dst, PipeOptions::default());
    tlog!(
        t,
        "listeners: src data",
        src.emitter().listener_count("data"),
        "src end",
        src.emitter().listener_count("end"),
        "dst drain",
        dst.emitter().listener_count("drain")
    );
    src.emit_data("abc");
    let (t2, lp2, src2, dst2) = (t.clone(), lp.clone(), src.clone(), dst.clone());
    lp.set_immediate(move || {
        lp2.set_immediate(move || {
            src2.emit_end();
            tlog!(
                t2,
                "after end: src data listeners",
                src2.emitter().listener_count("data"),
                "dst drain listeners",
                dst2.emitter().listener_count("drain")
            );
        });
    });
    run(&el, &t);
    t.take()
}

/// `watch` on a legacy pipe's destination: `'pipe'` prints `<legacy-src>`.
fn watch_legacy_dest(t: &Trace, w: &Writable, name: &str, events: &[&str]) {
    for &ev in events {
        let t = t.clone();
        let label = format!("{name}:{ev}");
        match ev {
            "pipe" => {
                w.on(ev, move |_: &LegacyStream| {
                    tlog!(t, label.as_str(), "<legacy-src>")
                });
            }
            // The legacy pipe emits no 'unpipe'; a Writable's 'unpipe' carries a Readable
            // (a listener of another type is refused: it could never run).
            "unpipe" => {
                w.on(ev, move |_: &Readable| {
                    tlog!(t, label.as_str(), "<legacy-src>")
                });
            }
            "error" => {
                w.on(ev, move |e: &Error| tlog!(t, label.as_str(), errc(e)));
            }
            _ => {
                w.on(ev, move |_: &()| tlog!(t, label.as_str()));
            }
        }
    }
}

fn p05_legacy_pipe_close_before_end() -> Vec<String> {
    let t = Trace::new();
    let el = crate::scenarios::event_loop();
    let lp = el.handle();
    let src = LegacyStream::new();
    let dst = sink(&t, &lp, true, WritableOptions::default());
    watch_legacy_dest(&t, &dst, "dst", &["finish", "close", "error"]);
    legacy::pipe(&src, &dst, PipeOptions::default());
    src.emit_data("x");
    src.emit_close();
    tlog!(t, "after close: dst.destroyed", dst.destroyed());
    src.emit_end();
    run(&el, &t);
    t.take()
}

fn p06_legacy_pipe_end_false() -> Vec<String> {
    let t = Trace::new();
    let el = crate::scenarios::event_loop();
    let lp = el.handle();
    let src = LegacyStream::new();
    let dst = sink(&t, &lp, true, WritableOptions::default());
    watch_legacy_dest(&t, &dst, "dst", &["finish", "close"]);
    legacy::pipe(&src, &dst, PipeOptions { end: false });
    src.emit_data("x");
    src.emit_end();
    tlog!(
        t,
        "dst.writable",
        dst.writable(),
        "src data listeners",
        src.emitter().listener_count("data")
    );
    run(&el, &t);
    t.take()
}

/// Node's `emit('error')` re-thrown by the pipe's handler throws out of `emit`; here the
/// legacy stream's `emit_error` hands the unhandled error back.
fn p07_legacy_pipe_error_rethrow() -> Vec<String> {
    let t = Trace::new();
    let el = crate::scenarios::event_loop();
    let lp = el.handle();
    let src = LegacyStream::new();
    let dst = sink(&t, &lp, true, WritableOptions::default());
    legacy::pipe(&src, &dst, PipeOptions::default());
    tlog!(
        t,
        "src error listeners (pipe added one)",
        src.emitter().listener_count("error")
    );
    if let Err(e) = src.emit_error(Error::custom("src-fail", "src-fail")) {
        tlog!(t, "emit threw", errc(&e));
    }
    tlog!(
        t,
        "after: src data listeners",
        src.emitter().listener_count("data"),
        "error listeners",
        src.emitter().listener_count("error")
    );
    let src2 = LegacyStream::new();
    let dst2 = sink(&t, &lp, true, WritableOptions::default());
    legacy::pipe(&src2, &dst2, PipeOptions::default());
    let t2 = t.clone();
    src2.emitter()
        .on("error", move |e: &Error| tlog!(t2, "user handler", errc(e)));
    tlog!(
        t,
        "emit with user handler ->",
        src2.emit_error(Error::custom("x", "x")).is_ok()
    );
    run(&el, &t);
    t.take()
}

fn p08_legacy_pipe_dest_not_writable() -> Vec<String> {
    let t = Trace::new();
    let el = crate::scenarios::event_loop();
    let lp = el.handle();
    let src = LegacyStream::new();
    let dst = sink(&t, &lp, false, WritableOptions::default());
    legacy::pipe(&src, &dst, PipeOptions::default());
    dst.end();
    tlog!(t, "dst.writable after end()", dst.writable());
    src.emit_data("dropped");
    tlog!(t, "no _write above means dropped");
    run(&el, &t);
    t.take()
}

/// Node's `Writable#pipe` (inherited from legacy Stream) destroys the stream with
/// ERR_STREAM_CANNOT_PIPE. nodestream's `Writable` has no `pipe()`: `w.pipe(&dest)` does
/// not compile, so the rest of the scenario runs with nothing destroyed.
fn p09_writable_pipe_error() -> Vec<String> {
    let t = Trace::new();
    let el = crate::scenarios::event_loop();
    let lp = el.handle();
    let w = sink(&t, &lp, false, WritableOptions::default());
    let t2 = t.clone();
    w.on("error", move |e: &Error| tlog!(t2, "w:error", errc(e)));
    let t2 = t.clone();
    w.on("close", move |_: &()| tlog!(t2, "w:close"));
    let _dest = sink(&t, &lp, false, WritableOptions::default());
    // w.pipe(&_dest): no such method.
    tlog!(t, "sync-end", "destroyed", w.destroyed());
    run(&el, &t);
    t.take()
}

fn p10_readable_pipe_end_false() -> Vec<String> {
    let t = Trace::new();
    let el = crate::scenarios::event_loop();
    let lp = el.handle();
    let src = passive(&lp, ReadableOptions::default());
    let dst = sink(&t, &lp, true, WritableOptions::default());
    watch_dest(
        &t,
        &dst,
        "dst",
        &["pipe", "unpipe", "finish", "close"],
        &src,
    );
    let t2 = t.clone();
    src.on("end", move |_: &()| tlog!(t2, "src:end"));
    src.pipe_with(&dst, PipeOptions { end: false });
    src.push("a");
    src.push(None);
    let (t2, lp2, dst2) = (t.clone(), lp.clone(), dst.clone());
    lp.set_immediate(move || {
        lp2.set_immediate(move || tlog!(t2, "later: dst.writable", dst2.writable()));
    });
    run(&el, &t);
    t.take()
}

fn p11_readable_pipe_dest_error() -> Vec<String> {
    let t = Trace::new();
    let el = crate::scenarios::event_loop();
    let lp = el.handle();
    let src = passive(&lp, ReadableOptions::default());
    let dst = sink(&t, &lp, true, WritableOptions::default());
    watch_dest(&t, &dst, "dst", &["unpipe", "error", "close"], &src);
    src.pipe(&dst);
    src.push("a");
    let dst2 = dst.clone();
    lp.set_immediate(move || dst2.destroy(Some(Error::custom("dst-fail", "dst-fail"))));
    let t2 = t.clone();
    src.on("pause", move |_: &()| tlog!(t2, "src:pause"));
    run(&el, &t);
    t.take()
}

/// A sink whose `_write` logs the chunk and throws (panics with the error, Node's `throw`)
/// on `b`.
struct ThrowingSink(Trace);

impl Sink for ThrowingSink {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        let text = String::from_utf8_lossy(chunk.as_bytes()).into_owned();
        tlog!(self.0, "_write", text.as_str());
        if text == "b" {
            std::panic::panic_any(Error::custom("", "boom"));
        }
        cb.ok();
    }
}

fn p12_dest_write_throws() -> Vec<String> {
    let t = Trace::new();
    let el = crate::scenarios::event_loop();
    let lp = el.handle();
    let src = passive(&lp, ReadableOptions::default());
    let w = Writable::new(&lp, ThrowingSink(t.clone()), WritableOptions::default());
    let t2 = t.clone();
    w.on("error", move |e: &Error| tlog!(t2, "w:error", errc(e)));
    let t2 = t.clone();
    w.on("close", move |_: &()| tlog!(t2, "w:close"));
    let t2 = t.clone();
    w.on("unpipe", move |_: &Readable| tlog!(t2, "w:unpipe"));
    for (ev, label) in [("close", "r:close"), ("pause", "r:pause")] {
        let t2 = t.clone();
        src.on(ev, move |_: &()| tlog!(t2, label));
    }
    src.pipe(&w);
    // The pushes flow from the next tick on: the throw comes out of the loop's run (v20).
    src.push("a");
    src.push("b");
    src.push("c");
    let (t2, s2, w2) = (t.clone(), src.clone(), w.clone());
    lp.set_immediate(move || {
        tlog!(
            t2,
            "destroyed",
            w2.destroyed(),
            "flowing",
            s2.readable_flowing()
        );
        s2.push(None);
    });
    // Node's uncaughtException handler of harness.js: log it, and go on. (Under V20 the
    // panic's message is printed to stderr on its way, as any panic's.)
    loop {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| el.run())) {
            Ok(Ok(())) => break,
            Ok(Err(err)) => t.uncaught(&err),
            Err(payload) => t.uncaught(&Error::from_panic("write", &*payload)),
        }
    }
    t.take()
}

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "p01-readable-pipe-events",
        run: p01_readable_pipe_events,
    },
    Scenario {
        name: "p02-unpipe-explicit",
        run: p02_unpipe_explicit,
    },
    Scenario {
        name: "p03-pipe-backpressure",
        run: p03_pipe_backpressure,
    },
    Scenario {
        name: "p04-legacy-pipe-basic",
        run: p04_legacy_pipe_basic,
    },
    Scenario {
        name: "p05-legacy-pipe-close-before-end",
        run: p05_legacy_pipe_close_before_end,
    },
    Scenario {
        name: "p06-legacy-pipe-end-false",
        run: p06_legacy_pipe_end_false,
    },
    Scenario {
        name: "p07-legacy-pipe-error-rethrow",
        run: p07_legacy_pipe_error_rethrow,
    },
    Scenario {
        name: "p08-legacy-pipe-dest-not-writable",
        run: p08_legacy_pipe_dest_not_writable,
    },
    Scenario {
        name: "p09-writable-pipe-error",
        run: p09_writable_pipe_error,
    },
    Scenario {
        name: "p10-readable-pipe-end-false",
        run: p10_readable_pipe_end_false,
    },
    Scenario {
        name: "p11-readable-pipe-dest-error",
        run: p11_readable_pipe_dest_error,
    },
    Scenario {
        name: "p12-dest-write-throws",
        run: p12_dest_write_throws,
    },
];
