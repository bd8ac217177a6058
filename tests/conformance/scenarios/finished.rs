//! `stream.finished` (Node's end-of-stream) on Readables and Writables (fi01-fi24) and on
//! streams with both sides, Duplex and Transform (fi25-fi29).

use nodestream::events::{CLOSE, END, ERROR, FINISH};
use nodestream::stream::duplex::{Duplex, DuplexOptions};
use nodestream::stream::finished::{finished, FinishedOptions};
use nodestream::stream::readable::{DestroyDone, Readable, ReadableOptions, Source};
use nodestream::stream::transform::{PassThrough, Transform, TransformCallback};
use nodestream::stream::writable::Sink;
use nodestream::stream::writable::{Chunk, WriteCallback};
use nodestream::{Error, LoopHandle, Writable, WritableOptions};

use super::writable_util::{err, slow_sink, sync_sink, watch, Env, FnSink};
use super::Scenario;
use crate::trace::{errc, tlog, Trace};

/// scenarios.js `fin(label)`: a callback that logs its answer.
pub fn fin(t: &Trace, label: &str) -> impl FnOnce(Option<Error>) + 'static {
    let (t, label) = (t.clone(), label.to_owned());
    move |e| tlog!(t, label, errc(e.as_ref()))
}

/// scenarios.js `quiet(opts)`: a Readable whose `_read` does nothing.
pub fn quiet(lp: &LoopHandle, opts: ReadableOptions) -> Readable {
    Readable::new(lp, opts, |_: &Readable, _: usize| {})
}

/// lib.js `watch(r, name, events)` for a Readable.
pub fn watch_r(t: &Trace, r: &Readable, name: &str, events: &[&str]) {
    for &ev in events {
        let t = t.clone();
        let label = format!("{name}:{ev}");
        if ev == "error" {
            r.on(ERROR, move |e: &Error| tlog!(t, label.clone(), errc(e)));
        } else {
            r.on(ev, move |_: &()| tlog!(t, label.clone()));
        }
    }
}

fn opts() -> WritableOptions {
    WritableOptions::new()
}

fn ropts() -> ReadableOptions {
    ReadableOptions::new()
}

fn fo() -> FinishedOptions {
    FinishedOptions::new()
}

fn fi01() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    watch_r(t, &r, "r", &["end", "close"]);
    finished(&r, fo(), fin(t, "finished"));
    r.push("a");
    r.push(None);
    r.resume();
    tlog!(t, "sync-end");
    env.finish()
}

fn fi02() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["finish", "close"]);
    finished(&w, fo(), fin(t, "finished"));
    w.end_with("x");
    tlog!(t, "sync-end");
    env.finish()
}

fn failing(env: &Env, opts: WritableOptions, msg: &'static str) -> Writable {
    Writable::new(
        &env.h,
        FnSink::new().write(move |_: Chunk, cb: WriteCallback| cb.error(err(msg))),
        opts,
    )
}

fn fi03() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = failing(&env, opts(), "wfail");
    finished(&w, fo(), fin(t, "finished"));
    watch(t, &w, "w", &["error", "close"]);
    w.write("x");
    env.finish()
}

fn fi04() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    watch_r(t, &r, "r", &["close"]);
    finished(&r, fo(), fin(t, "finished"));
    r.push("a");
    r.destroy(None);
    tlog!(t, "sync-end");
    env.finish()
}

fn fi05() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    finished(&r, fo(), fin(t, "finished"));
    watch_r(t, &r, "r", &["error", "close"]);
    r.destroy(Some(err("rfail")));
    env.finish()
}

fn fi06() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    let counts = |label: &str| {
        tlog!(
            t,
            label,
            "finish",
            w.listener_count("finish"),
            "error",
            w.listener_count("error"),
            "close",
            w.listener_count("close")
        )
    };
    counts("before");
    let cleanup = finished(&w, fo(), fin(t, "finished (never)"));
    counts("watching");
    cleanup.cleanup();
    counts("cleaned up");
    watch(t, &w, "w", &["finish", "close"]);
    w.end();
    env.finish()
}

fn fi07() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let w = sync_sink(&env, opts());
    w.end();
    let (w2, h) = (w.downgrade(), env.h.clone());
    w.on(CLOSE, move |_| {
        let w = w2.upgrade().unwrap();
        finished(&w, fo(), fin(&t, "finished"));
        tlog!(
            t,
            "listeners finish",
            w.listener_count("finish"),
            "error",
            w.listener_count("error"),
            "close",
            w.listener_count("close")
        );
        let t = t.clone();
        h.next_tick(move || tlog!(t, "next tick"));
    });
    env.finish()
}

fn fi08() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = quiet(&env.h, ropts());
    let t2 = t.clone();
    r.on(ERROR, move |e: &Error| tlog!(t2, "r:error", errc(e)));
    r.destroy(Some(err("gone")));
    let r2 = r.downgrade();
    r.on(CLOSE, move |_: &()| {
        let r = r2.upgrade().unwrap();
        tlog!(
            t,
            "closed",
            r.closed(),
            "errored",
            errc(r.errored().as_ref())
        );
        finished(&r, fo(), fin(&t, "finished"));
    });
    env.finish()
}

fn fi09() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let w = sync_sink(&env, opts().auto_destroy(false));
    watch(&t, &w, "w", &["finish", "close"]);
    w.end_with("asd");
    let (w2, h) = (w.clone(), env.h.clone());
    env.h.next_tick(move || {
        tlog!(t, "finished?", w2.writable_finished());
        finished(&w2, fo(), fin(&t, "finished"));
        let t = t.clone();
        h.next_tick(move || tlog!(t, "tick after finished()"));
    });
    env.finish()
}

fn fi10() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let w = failing(&env, opts().auto_destroy(false), "wfail");
    let w2 = w.downgrade();
    w.on(ERROR, move |e| {
        tlog!(t, "w:error", errc(e));
        finished(&w2.upgrade().unwrap(), fo(), fin(&t, "finished"));
    });
    w.write("x");
    env.finish()
}

fn fi11() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = quiet(&env.h, ropts().auto_destroy(false));
    r.push(None);
    r.resume();
    let (r2, h) = (r.downgrade(), env.h.clone());
    r.on(END, move |_: &()| {
        tlog!(t, "r:end");
        finished(&r2.upgrade().unwrap(), fo(), fin(&t, "finished"));
        let t = t.clone();
        h.next_tick(move || tlog!(t, "tick"));
    });
    env.finish()
}

fn fi12() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, opts());
    watch(t, &w, "w", &["error", "close"]);
    finished(&w, fo().error(false), fin(t, "finished"));
    w.destroy(Some(err("late")));
    env.finish()
}

fn fi13() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    watch_r(t, &r, "r", &["end", "close"]);
    finished(&r, fo().readable(false), fin(t, "finished"));
    r.push("a");
    r.push(None);
    r.resume();
    env.finish()
}

fn fi14() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    watch_r(t, &r, "r", &["end", "close"]);
    finished(&r, fo().writable(true), fin(t, "finished"));
    r.push("a");
    r.push(None);
    r.resume();
    env.finish()
}

fn fi15() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["finish", "close"]);
    finished(&w, fo().readable(true), fin(t, "ended"));
    w.end_with("x");
    let w2 = slow_sink(&env, opts());
    finished(&w2, fo().readable(true), fin(t, "destroyed"));
    w2.write("y");
    w2.destroy(None);
    env.finish()
}

fn fi16() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, opts());
    watch(t, &w, "w", &["finish", "close"]);
    finished(&w, fo(), fin(t, "finished"));
    w.end_with("asd");
    w.destroy(None);
    env.finish()
}

fn fi17() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    finished(&r, fo(), fin(t, "finished"));
    r.push("asd");
    r.push(None);
    r.destroy(None);
    env.finish()
}

fn fi18() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let (t2, h) = (t.clone(), env.h.clone());
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(|_: Chunk, cb: WriteCallback| cb.ok())
            .destroy(move |e, cb| {
                let t = t2.clone();
                h.set_immediate(move || {
                    tlog!(t, "_destroy done");
                    cb.call(e);
                });
            }),
        opts(),
    );
    w.destroy(None);
    finished(&w, fo(), fin(&t, "finished"));
    let cancelled = sync_sink(&env, opts());
    cancelled.destroy(None);
    let dispose = finished(&cancelled, fo(), fin(&t, "cancelled (never)"));
    dispose.cleanup();
    env.finish()
}

/// fi19's source: `_destroy` calls back, then watches its own stream.
struct WatchInDestroy(Trace);

impl Source for WatchInDestroy {
    fn read(&self, _: &Readable, _: usize) {}

    fn destroy(&self, stream: &Readable, err: Option<Error>, done: DestroyDone) {
        done.done(err);
        tlog!(self.0, "closed", stream.closed());
        finished(stream, fo(), fin(&self.0, "finished"));
    }
}

fn fi19() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = Readable::new(&env.h, ropts().emit_close(false), WatchInDestroy(t.clone()));
    r.destroy(None);
    tlog!(t, "sync-end");
    env.finish()
}

fn fi20() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let a = quiet(&env.h, ropts());
    finished(&a, fo(), fin(t, "a"));
    a.emit(CLOSE, &());
    let b = quiet(&env.h, ropts());
    finished(&b, fo(), fin(t, "b"));
    b.push(None);
    b.emit(CLOSE, &());
    tlog!(t, "sync-end");
    env.finish()
}

fn fi21() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let w = sync_sink(&env, opts());
    w.destroy(None);
    let w2 = w.downgrade();
    w.on(CLOSE, move |_| {
        let w = w2.upgrade().unwrap();
        finished(&w, fo(), fin(&t, "finished"));
        w.emit(ERROR, &err("by hand"));
        tlog!(t, "after emit");
    });
    env.finish()
}

fn fi22() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let w = slow_sink(&env, opts());
    finished(&w, fo(), fin(&t, "first"));
    let t2 = t.clone();
    w.on(FINISH, move |_| tlog!(t2, "w:finish"));
    finished(&w, fo(), fin(&t, "second"));
    w.end_with("x");
    env.finish()
}

fn fi23() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let w = slow_sink(&env, opts());
    watch(&t, &w, "w", &["finish", "close"]);
    let t2 = t.clone();
    w.write_cb("a", move |_| tlog!(t2, "cb a"));
    w.end();
    finished(&w, fo(), fin(&t, "finished"));
    env.finish()
}

fn fi24() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let w = failing(&env, opts().auto_destroy(false), "x");
    let t2 = t.clone();
    w.on(ERROR, move |e| tlog!(t2, "w:error", errc(e)));
    w.write("a");
    let w2 = w.clone();
    env.h.set_immediate(move || {
        tlog!(
            t,
            "errored",
            errc(w2.errored().as_ref()),
            "destroyed",
            w2.destroyed()
        );
        finished(&w2, fo(), fin(&t, "finished"));
    });
    env.finish()
}

/// lib.js `watch(d, name, events)` for a Duplex (or the Duplex a Transform is).
pub fn watch_d<R: 'static, W: 'static, S: Sink<W>>(
    t: &Trace,
    d: &Duplex<R, W, S>,
    name: &str,
    events: &[&str],
) {
    for &ev in events {
        let t = t.clone();
        let label = format!("{name}:{ev}");
        if ev == "error" {
            d.on(ERROR, move |e: &Error| tlog!(t, label.clone(), errc(e)));
        } else {
            d.on(ev, move |_: &()| tlog!(t, label.clone()));
        }
    }
}

fn fi25() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let tr: Transform = Transform::new(
        &env.h,
        DuplexOptions::new(),
        |_: Chunk, _: &Readable, done: TransformCallback<nodestream::stream::readable::Chunk>| {
            done.ok()
        },
    );
    watch_d(t, &tr, "tr", &["finish", "end", "close"]);
    finished(&tr, fo(), fin(t, "finished"));
    tr.end();
    tr.resume();
    env.finish()
}

fn fi26() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let d: Duplex = Duplex::new(
        &env.h,
        DuplexOptions::new(),
        |r: &Readable, _: usize| {
            r.push(None);
        },
        // `_final` never calls back: the writable side never finishes.
        FnSink::new()
            .write(|_: Chunk, cb: WriteCallback| cb.ok())
            .final_(drop),
    );
    watch_d(&t, &d, "d", &["end", "finish", "close"]);
    finished(&d, fo().readable(true).writable(false), fin(&t, "finished"));
    d.end();
    d.resume();
    let d2 = d.clone();
    env.h.set_immediate(move || {
        tlog!(
            t,
            "later: d.writableFinished",
            d2.writable_finished(),
            "d.destroyed",
            d2.destroyed()
        )
    });
    env.finish()
}

fn fi27() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let p = PassThrough::new(&env.h, DuplexOptions::new());
    watch_d(&t, &p, "p", &["finish", "end", "close"]);
    finished(&p, fo(), fin(&t, "finished (never)"));
    p.end();
    let p2 = p.clone();
    env.h.set_immediate(move || {
        tlog!(
            t,
            "later: finished",
            p2.writable_finished(),
            "ended",
            p2.readable_ended()
        )
    });
    env.finish()
}

fn open_duplex(env: &Env) -> Duplex {
    Duplex::new(
        &env.h,
        DuplexOptions::new(),
        |_: &Readable, _: usize| {},
        FnSink::new().write(|_: Chunk, cb: WriteCallback| cb.ok()),
    )
}

fn fi28() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let d = open_duplex(&env);
    watch_d(t, &d, "d", &["close"]);
    finished(&d, fo(), fin(t, "finished"));
    d.destroy(None);
    env.finish()
}

fn fi29() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let d = open_duplex(&env);
    watch_d(&t, &d, "d", &["finish", "close"]);
    finished(&d, fo(), fin(&t, "finished"));
    d.end_with("x");
    let d2 = d.clone();
    env.h.set_immediate(move || {
        tlog!(
            t,
            "finished",
            d2.writable_finished(),
            "destroyed",
            d2.destroyed()
        );
        d2.destroy(None);
    });
    env.finish()
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "fi01-readable-end",
        run: fi01,
    },
    Scenario {
        name: "fi02-writable-finish",
        run: fi02,
    },
    Scenario {
        name: "fi03-writable-write-error",
        run: fi03,
    },
    Scenario {
        name: "fi04-readable-destroyed-premature",
        run: fi04,
    },
    Scenario {
        name: "fi05-readable-destroyed-with-error",
        run: fi05,
    },
    Scenario {
        name: "fi06-cleanup-removes-listeners",
        run: fi06,
    },
    Scenario {
        name: "fi07-already-closed-writable",
        run: fi07,
    },
    Scenario {
        name: "fi08-already-errored-readable",
        run: fi08,
    },
    Scenario {
        name: "fi09-autoDestroy-false-ended",
        run: fi09,
    },
    Scenario {
        name: "fi10-autoDestroy-false-error-inside-error",
        run: fi10,
    },
    Scenario {
        name: "fi11-readable-autoDestroy-false-at-end",
        run: fi11,
    },
    Scenario {
        name: "fi12-error-option-false",
        run: fi12,
    },
    Scenario {
        name: "fi13-readable-false-on-readable",
        run: fi13,
    },
    Scenario {
        name: "fi14-writable-true-on-readable",
        run: fi14,
    },
    Scenario {
        name: "fi15-readable-true-on-writable",
        run: fi15,
    },
    Scenario {
        name: "fi16-end-then-destroy",
        run: fi16,
    },
    Scenario {
        name: "fi17-readable-ended-unread-destroyed",
        run: fi17,
    },
    Scenario {
        name: "fi18-destroy-async-and-cancel",
        run: fi18,
    },
    Scenario {
        name: "fi19-emitClose-false-inside-destroy",
        run: fi19,
    },
    Scenario {
        name: "fi20-close-emitted-before-end",
        run: fi20,
    },
    Scenario {
        name: "fi21-closed-stream-error-before-tick",
        run: fi21,
    },
    Scenario {
        name: "fi22-two-watches",
        run: fi22,
    },
    Scenario {
        name: "fi23-writable-pending-callbacks",
        run: fi23,
    },
    Scenario {
        name: "fi24-writable-destroyed-error-no-autodestroy",
        run: fi24,
    },
    Scenario {
        name: "fi25-transform-both-sides",
        run: fi25,
    },
    Scenario {
        name: "fi26-duplex-readable-side-only",
        run: fi26,
    },
    Scenario {
        name: "fi27-passthrough-ended-never-read",
        run: fi27,
    },
    Scenario {
        name: "fi28-duplex-destroyed",
        run: fi28,
    },
    Scenario {
        name: "fi29-duplex-writable-done-readable-open",
        run: fi29,
    },
];
