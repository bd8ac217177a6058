//! `end()`, `_final`, `'prefinish'` / `'finish'` / `'close'` order, write after end,
//! listeners added in listeners: w19-w27, w44, w45, x21-x30, x45-x47.

use std::time::Duration;

use nodestream::events::{CLOSE, FINISH, PREFINISH};
use nodestream::stream::writable::{
    Chunk, FinalCallback, Writable, WritableOptions, WriteCallback,
};
use nodestream::Encoding;

use super::writable_util::{
    cb_errc, cb_log, err, slow_sink, snap, sync_sink, text, watch, Env, FnSink,
};
use super::Scenario;
use crate::trace::{errc, tlog};

fn opts() -> WritableOptions {
    WritableOptions::new()
}

fn w19() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["prefinish", "finish", "close"]);
    w.end_with_cb("x", cb_errc(t, "end-cb"));
    tlog!(
        t,
        "sync-end",
        "writableEnded",
        w.writable_ended(),
        "writable",
        w.writable(),
        "finished",
        w.writable_finished()
    );
    env.tick("nextTick after end()");
    env.finish()
}

fn w20() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, opts());
    watch(t, &w, "w", &["prefinish", "finish", "close"]);
    let (w2, t2, h) = (w.clone(), t.clone(), env.h.clone());
    w.on(FINISH, move |_| {
        tlog!(
            t2,
            "  at finish: writableFinished",
            w2.writable_finished(),
            "destroyed",
            w2.destroyed(),
            "closed",
            w2.closed()
        );
        let t3 = t2.clone();
        h.next_tick(move || tlog!(t3, "nextTick queued in finish"));
    });
    let (w2, t2) = (w.clone(), t.clone());
    w.on(CLOSE, move |_| {
        tlog!(
            t2,
            "  at close: destroyed",
            w2.destroyed(),
            "closed",
            w2.closed()
        );
    });
    w.write_cb("a", cb_log(t, "cb-a"));
    w.end_with_cb("b", cb_log(t, "end-cb"));
    env.finish()
}

fn w21() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts().emit_close(false));
    watch(t, &w, "w", &["finish", "close"]);
    w.end_with("x");
    let t2 = t.clone();
    env.h.set_immediate(move || {
        tlog!(t2, "later: destroyed", w.destroyed(), "closed", w.closed());
    });
    env.finish()
}

fn w22() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let a = sync_sink(&env, opts().auto_destroy(false));
    watch(t, &a, "a", &["finish", "close"]);
    a.end_with("x");
    let b = Writable::new(
        &env.h,
        FnSink::new().write(|_: Chunk, cb: WriteCallback| cb.error(err("boom"))),
        opts().auto_destroy(false),
    );
    watch(t, &b, "b", &["error", "close"]);
    b.write_cb("y", cb_errc(t, "b write-cb"));
    let t2 = t.clone();
    env.h.set_immediate(move || {
        tlog!(
            t2,
            "later: a.destroyed",
            a.destroyed(),
            "b.destroyed",
            b.destroyed(),
            "b.writable",
            b.writable(),
            "b.errored",
            errc(b.errored().as_ref())
        );
    });
    env.finish()
}

fn w23() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, opts());
    watch(t, &w, "w", &["finish", "close", "error"]);
    w.write("a");
    w.end_cb(cb_errc(t, "end-cb1"));
    w.end_cb(cb_errc(t, "end-cb2"));
    let (w2, t2) = (w.clone(), t.clone());
    w.on(CLOSE, move |_| {
        w2.end_cb(cb_errc(&t2, "end-cb3 (after close)"))
    });
    let (w2, t2) = (w.clone(), t.clone());
    w.on(FINISH, move |_| {
        w2.end_cb(cb_errc(&t2, "end-cb4 (in finish)"))
    });
    env.finish()
}

fn w24() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["finish", "close", "error"]);
    w.end_with_cb("a", cb_errc(t, "end-cb1"));
    w.end_with_cb("b", cb_errc(t, "end-cb2"));
    tlog!(t, "sync-end");
    env.finish()
}

fn w25() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let (t1, h1, t2, h2) = (t.clone(), env.h.clone(), t.clone(), env.h.clone());
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(move |c: Chunk, cb: WriteCallback| {
                tlog!(t1, "_write", text(&c));
                h1.set_immediate(move || cb.ok());
            })
            .final_(move |cb: FinalCallback| {
                tlog!(t2, "_final called");
                let t3 = t2.clone();
                h2.set_immediate(move || {
                    tlog!(t3, "_final done");
                    cb.ok();
                });
            }),
        opts(),
    );
    watch(t, &w, "w", &["prefinish", "finish", "close"]);
    w.end_with_cb("x", cb_errc(t, "end-cb"));
    tlog!(t, "sync-end");
    env.finish()
}

fn w26() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let (t2, h) = (t.clone(), env.h.clone());
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(|_: Chunk, cb: WriteCallback| cb.ok())
            .final_(move |cb: FinalCallback| {
                tlog!(t2, "_final called");
                h.set_immediate(move || cb.error(err("final-fail")));
            }),
        opts(),
    );
    watch(t, &w, "w", &["prefinish", "finish", "close", "error"]);
    w.end_cb(cb_errc(t, "end-cb"));
    env.finish()
}

fn w27() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, opts());
    watch(t, &w, "w", &["finish", "close", "error"]);
    w.write_cb("a", cb_errc(t, "cb-a"));
    w.end_cb(cb_errc(t, "end-cb"));
    w.destroy(None);
    tlog!(t, "sync-end");
    env.finish()
}

fn w44() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["error", "close"]);
    let (w2, t2) = (w.clone(), t.clone());
    w.on(FINISH, move |_| {
        tlog!(t2, "w:finish");
        let r = w2.write_cb("late", cb_errc(&t2, "late-cb"));
        tlog!(t2, "write in finish ->", r);
    });
    w.end_with("x");
    env.finish()
}

fn w45() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let a = sync_sink(&env, opts());
    let t2 = t.clone();
    a.on(CLOSE, move |_| tlog!(t2, "a:close"));
    a.destroy(None);
    a.end_cb(cb_errc(t, "a end-cb"));
    let b = sync_sink(&env, opts());
    let t2 = t.clone();
    b.on(nodestream::events::ERROR, move |e| {
        tlog!(t2, "b:error", errc(e))
    });
    b.destroy(Some(err("E1")));
    b.end_cb(cb_errc(t, "b end-cb"));
    let t2 = t.clone();
    env.h.set_timeout(Duration::from_millis(20), move || {
        tlog!(t2, "after 20ms: a.writableEnded", a.writable_ended());
    });
    env.finish()
}

fn x21() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["prefinish", "finish", "close"]);
    w.end_str_cb("6869", Encoding::Hex, cb_errc(t, "end-cb"));
    tlog!(t, "sync-end");
    env.finish()
}

fn x22() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["prefinish", "finish", "close"]);
    env.tick("tick before end");
    w.end_cb(cb_errc(t, "end-cb"));
    env.tick("tick after end");
    tlog!(t, "sync-end finished", w.writable_finished());
    env.finish()
}

fn x23() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, opts());
    watch(t, &w, "w", &["prefinish", "finish", "close"]);
    w.end_with("last");
    snap(t, &w, "after end");
    env.finish()
}

fn x24() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, opts());
    watch(t, &w, "w", &["finish", "close", "error"]);
    w.write("a");
    w.end();
    w.end();
    w.end_cb(cb_errc(t, "end-cb3"));
    let (w2, t2, h) = (w.clone(), t.clone(), env.h.clone());
    w.on(CLOSE, move |_| {
        let (w3, t3) = (w2.clone(), t2.clone());
        h.set_immediate(move || w3.end_cb(cb_errc(&t3, "end-cb after close")));
    });
    env.finish()
}

fn x25() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = Writable::new(
        &env.h,
        FnSink::new().write(|_: Chunk, cb: WriteCallback| cb.error(err("boom"))),
        opts().auto_destroy(false),
    );
    watch(t, &w, "w", &["error", "finish", "close"]);
    w.write_cb("a", cb_errc(t, "write-cb"));
    let t2 = t.clone();
    env.h.set_immediate(move || {
        w.end_cb(cb_errc(&t2, "end-cb"));
        snap(&t2, &w, "after end");
    });
    env.finish()
}

fn x26() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    let (w2, t2) = (w.clone(), t.clone());
    w.on(PREFINISH, move |_| {
        tlog!(t2, "prefinish");
        let t3 = t2.clone();
        w2.on(FINISH, move |_| tlog!(t3, "finish (added in prefinish)"));
    });
    let (w2, t2) = (w.clone(), t.clone());
    w.on(FINISH, move |_| {
        tlog!(t2, "finish 1");
        let t3 = t2.clone();
        w2.on(FINISH, move |_| {
            tlog!(t3, "finish (added in finish) NOT expected")
        });
        let t3 = t2.clone();
        w2.on(CLOSE, move |_| tlog!(t3, "close (added in finish)"));
    });
    let t2 = t.clone();
    w.on(FINISH, move |_| tlog!(t2, "finish 2"));
    w.end_with("x");
    env.finish()
}

fn x27() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    let t2 = t.clone();
    w.once(FINISH, move |_| tlog!(t2, "once finish"));
    let (w2, t2) = (w.clone(), t.clone());
    w.on(CLOSE, move |_| {
        tlog!(t2, "close 1");
        let t3 = t2.clone();
        w2.on(CLOSE, move |_| tlog!(t3, "close (added in close)"));
    });
    let t2 = t.clone();
    w.once(CLOSE, move |_| tlog!(t2, "once close"));
    w.end();
    let t2 = t.clone();
    env.h.set_immediate(move || {
        tlog!(
            t2,
            "close listeners now",
            w.emitter().listener_count("close")
        );
    });
    env.finish()
}

fn x28() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, opts());
    watch(t, &w, "w", &["prefinish", "finish", "close", "error"]);
    w.write("a");
    w.end();
    let r = w.write("b");
    tlog!(t, "late write ->", r, "destroyed", w.destroyed());
    env.finish()
}

fn x29() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["finish", "close", "error"]);
    w.end();
    w.write_cb("b", cb_errc(t, "cb-b"));
    w.write_cb("c", cb_errc(t, "cb-c"));
    tlog!(t, "sync-end");
    env.finish()
}

fn x30() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts().auto_destroy(false));
    watch(t, &w, "w", &["prefinish", "finish", "close", "error"]);
    w.end();
    let r = w.write_cb("b", cb_errc(t, "cb-b"));
    tlog!(t, "late write ->", r);
    snap(t, &w, "sync");
    let t2 = t.clone();
    env.h.set_immediate(move || snap(&t2, &w, "later"));
    env.finish()
}

fn x45() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let t2 = t.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(|_: Chunk, cb: WriteCallback| cb.ok())
            .final_(move |cb: FinalCallback| {
                tlog!(t2, "_final");
                cb.error(err("ffail"));
            }),
        opts(),
    );
    watch(t, &w, "w", &["prefinish", "finish", "close", "error"]);
    w.end_cb(cb_errc(t, "end-cb"));
    snap(t, &w, "sync");
    env.finish()
}

fn x46() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let t2 = t.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(|_: Chunk, cb: WriteCallback| cb.ok())
            .final_(move |cb: FinalCallback| {
                tlog!(t2, "_final");
                cb.ok();
                tlog!(t2, "_final returned");
            }),
        opts(),
    );
    watch(t, &w, "w", &["prefinish", "finish", "close"]);
    w.end_with_cb("x", cb_log(t, "end-cb"));
    tlog!(t, "sync-end");
    env.finish()
}

fn x47() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(|_: Chunk, cb: WriteCallback| cb.ok())
            .final_(|cb: FinalCallback| {
                cb.clone().ok();
                cb.ok();
            }),
        opts(),
    );
    watch(t, &w, "w", &["prefinish", "finish", "close", "error"]);
    w.end();
    env.finish()
}

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "w19-end-with-chunk-order",
        run: w19,
    },
    Scenario {
        name: "w20-finish-then-close-async",
        run: w20,
    },
    Scenario {
        name: "w21-emitClose-false",
        run: w21,
    },
    Scenario {
        name: "w22-autoDestroy-false",
        run: w22,
    },
    Scenario {
        name: "w23-end-twice-and-after-finish",
        run: w23,
    },
    Scenario {
        name: "w24-end-chunk-twice",
        run: w24,
    },
    Scenario {
        name: "w25-final-async",
        run: w25,
    },
    Scenario {
        name: "w26-final-error",
        run: w26,
    },
    Scenario {
        name: "w27-destroy-before-finish-end-cb",
        run: w27,
    },
    Scenario {
        name: "w44-write-inside-finish",
        run: w44,
    },
    Scenario {
        name: "w45-end-cb-after-destroy",
        run: w45,
    },
    Scenario {
        name: "x21-end-chunk-encoding-cb",
        run: x21,
    },
    Scenario {
        name: "x22-end-cb-idle-sync",
        run: x22,
    },
    Scenario {
        name: "x23-end-chunk-async-no-cb",
        run: x23,
    },
    Scenario {
        name: "x24-double-end-variants",
        run: x24,
    },
    Scenario {
        name: "x25-end-after-error-no-autodestroy",
        run: x25,
    },
    Scenario {
        name: "x26-finish-listeners-added-in-listeners",
        run: x26,
    },
    Scenario {
        name: "x27-close-listener-added-in-close",
        run: x27,
    },
    Scenario {
        name: "x28-write-after-end-no-callback",
        run: x28,
    },
    Scenario {
        name: "x29-write-after-end-twice",
        run: x29,
    },
    Scenario {
        name: "x30-write-after-end-no-autodestroy",
        run: x30,
    },
    Scenario {
        name: "x45-final-error-sync",
        run: x45,
    },
    Scenario {
        name: "x46-final-sync-success",
        run: x46,
    },
    Scenario {
        name: "x47-final-cb-twice",
        run: x47,
    },
];
