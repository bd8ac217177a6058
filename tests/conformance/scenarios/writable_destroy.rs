//! `destroy()` with and without errors, from inside callbacks and listeners,
//! `destroy_soon()`, `emit_close` / `auto_destroy`: w32-w38, x31-x43, x48, x61-x63.

use nodestream::events::{CLOSE, DRAIN, FINISH, PREFINISH};
use nodestream::stream::writable::{
    Chunk, DestroyCallback, FinalCallback, Writable, WritableOptions, WriteCallback,
};
use nodestream::Error;

use super::writable_util::{
    cb_errc, cb_log, destroy_soon, err, slow_sink, snap, sync_sink, text, watch, Env, FnSink, Late,
};
use super::Scenario;
use crate::trace::{errc, tlog};

fn opts() -> WritableOptions {
    WritableOptions::new()
}

fn w32() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["finish", "close", "error"]);
    w.destroy(None);
    tlog!(
        t,
        "sync: destroyed",
        w.destroyed(),
        "closed",
        w.closed(),
        "writable",
        w.writable()
    );
    env.tick("nextTick queued after destroy");
    env.finish()
}

fn w33() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["finish", "close", "error"]);
    w.destroy(Some(err("E1")));
    tlog!(
        t,
        "sync: errored",
        errc(w.errored().as_ref()),
        "destroyed",
        w.destroyed()
    );
    env.tick("nextTick queued after destroy");
    env.finish()
}

fn w34() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, opts());
    watch(t, &w, "w", &["close", "error", "finish"]);
    w.write_cb("a", cb_errc(t, "cb-a"));
    w.write_cb("b", cb_errc(t, "cb-b"));
    w.destroy(None);
    tlog!(t, "sync-end");
    env.finish()
}

fn w35() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["close", "error"]);
    w.destroy(Some(err("E1")));
    w.destroy_cb(Some(err("E2")), cb_errc(t, "second destroy cb"));
    env.finish()
}

fn w36() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let t2 = t.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(|_: Chunk, cb: WriteCallback| cb.ok())
            .destroy(move |e: Option<Error>, cb: DestroyCallback| {
                tlog!(t2, "_destroy got", errc(e.as_ref()));
                cb.ok();
            }),
        opts(),
    );
    watch(t, &w, "w", &["close", "error"]);
    w.destroy(Some(err("E1")));
    tlog!(t, "sync: errored", errc(w.errored().as_ref()));
    env.finish()
}

fn w37() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    let t2 = t.clone();
    w.on(CLOSE, move |_| tlog!(t2, "w:close"));
    w.destroy(Some(err("E1")));
    let t2 = t.clone();
    env.h
        .set_immediate(move || tlog!(t2, "later: closed", w.closed()));
    env.finish()
}

fn w38() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let (t2, h) = (t.clone(), env.h.clone());
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(|_: Chunk, cb: WriteCallback| cb.ok())
            .destroy(move |e: Option<Error>, cb: DestroyCallback| {
                tlog!(t2, "_destroy start");
                let t3 = t2.clone();
                h.set_immediate(move || {
                    tlog!(t3, "_destroy cb");
                    cb.call(e);
                });
            }),
        opts(),
    );
    watch(t, &w, "w", &["close"]);
    w.destroy(None);
    tlog!(t, "sync: destroyed", w.destroyed(), "closed", w.closed());
    env.finish()
}

fn x31() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, opts());
    watch(t, &w, "w", &["finish", "close", "error"]);
    let (w2, t2) = (w.clone(), t.clone());
    w.write_cb("a", move |e| {
        tlog!(t2, "cb-a", errc(e.as_ref()));
        w2.destroy(None);
        tlog!(t2, "destroyed in cb-a");
    });
    w.write_cb("b", cb_errc(t, "cb-b"));
    w.end_cb(cb_errc(t, "end-cb"));
    env.finish()
}

fn x32() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["finish", "close", "error"]);
    let (w2, t2) = (w.clone(), t.clone());
    w.write_cb("a", move |e| {
        tlog!(t2, "cb-a", errc(e.as_ref()));
        w2.destroy(Some(err("in-cb")));
    });
    w.write_cb("b", cb_errc(t, "cb-b"));
    tlog!(t, "sync-end");
    env.finish()
}

fn x33() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let me = Late::new();
    let (t2, me2) = (t.clone(), me.clone());
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |c: Chunk, _cb: WriteCallback| {
            tlog!(t2, "_write", text(&c));
            me2.get().destroy(None);
        }),
        opts(),
    );
    me.set(&w);
    watch(t, &w, "w", &["finish", "close", "error"]);
    let r = w.write_cb("a", cb_errc(t, "cb-a"));
    tlog!(t, "write ->", r);
    let r = w.write_cb("b", cb_errc(t, "cb-b"));
    tlog!(t, "write2 ->", r);
    env.imm("later");
    env.finish()
}

fn x34() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let me = Late::new();
    let (t2, me2) = (t.clone(), me.clone());
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(|_: Chunk, cb: WriteCallback| cb.ok())
            .final_(move |cb: FinalCallback| {
                tlog!(t2, "_final");
                me2.get().destroy(None);
                cb.ok();
            }),
        opts(),
    );
    me.set(&w);
    watch(t, &w, "w", &["prefinish", "finish", "close", "error"]);
    w.end_cb(cb_errc(t, "end-cb"));
    env.finish()
}

fn x35() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let me = Late::new();
    let (t2, me2, h) = (t.clone(), me.clone(), env.h.clone());
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(|_: Chunk, cb: WriteCallback| cb.ok())
            .final_(move |cb: FinalCallback| {
                tlog!(t2, "_final");
                let (t3, me3) = (t2.clone(), me2.clone());
                h.set_immediate(move || {
                    me3.get().destroy(Some(err("in-final")));
                    cb.ok();
                    tlog!(t3, "final cb returned");
                });
            }),
        opts(),
    );
    me.set(&w);
    watch(t, &w, "w", &["prefinish", "finish", "close", "error"]);
    w.end_cb(cb_errc(t, "end-cb"));
    env.finish()
}

fn x36() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["error", "close"]);
    let (w2, t2) = (w.clone(), t.clone());
    w.on(FINISH, move |_| {
        tlog!(t2, "w:finish");
        w2.destroy(Some(err("late")));
        snap(&t2, &w2, "in finish");
    });
    w.end_with("x");
    env.finish()
}

fn x37() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["finish", "close", "error"]);
    let (w2, t2) = (w.clone(), t.clone());
    w.on(PREFINISH, move |_| {
        tlog!(t2, "w:prefinish");
        w2.destroy(None);
    });
    w.end_with_cb("x", cb_errc(t, "end-cb"));
    env.finish()
}

fn x38() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, opts().high_water_mark(1));
    watch(t, &w, "w", &["close", "error", "finish"]);
    let (w2, t2) = (w.clone(), t.clone());
    w.on(DRAIN, move |_| {
        tlog!(t2, "w:drain");
        w2.destroy(None);
    });
    let r = w.write_cb("a", cb_errc(t, "cb-a"));
    tlog!(t, "write ->", r);
    env.finish()
}

fn x39() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let a = sync_sink(&env, opts());
    watch(t, &a, "a", &["close", "error"]);
    a.destroy_cb(None, cb_errc(t, "a destroy-cb"));
    let b = sync_sink(&env, opts());
    watch(t, &b, "b", &["close", "error"]);
    b.destroy_cb(Some(err("E")), cb_errc(t, "b destroy-cb"));
    tlog!(t, "sync-end");
    env.finish()
}

fn x40() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, opts().auto_destroy(false));
    watch(t, &w, "w", &["prefinish", "finish", "close"]);
    w.write_cb("a", cb_log(t, "cb-a"));
    w.write_cb("b", cb_log(t, "cb-b"));
    destroy_soon(&w);
    snap(t, &w, "after destroySoon");
    env.finish()
}

fn x41() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts().auto_destroy(false));
    watch(t, &w, "w", &["prefinish", "finish", "close"]);
    destroy_soon(&w);
    snap(t, &w, "after destroySoon");
    env.finish()
}

fn x42() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts().auto_destroy(false));
    watch(t, &w, "w", &["finish", "close"]);
    w.end();
    let (w2, t2, h) = (w.clone(), t.clone(), env.h.clone());
    w.on(FINISH, move |_| {
        let (w3, t3) = (w2.clone(), t2.clone());
        h.set_immediate(move || {
            destroy_soon(&w3);
            snap(&t3, &w3, "after destroySoon");
        });
    });
    env.finish()
}

fn x43() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = Writable::new(
        &env.h,
        FnSink::new().write(|_: Chunk, cb: WriteCallback| cb.error(err("boom"))),
        opts().auto_destroy(false),
    );
    watch(t, &w, "w", &["error", "finish", "close"]);
    w.write("a");
    let (t2, h) = (t.clone(), env.h.clone());
    env.h.set_immediate(move || {
        destroy_soon(&w);
        snap(&t2, &w, "after destroySoon");
        let t3 = t2.clone();
        h.set_immediate(move || snap(&t3, &w, "later"));
    });
    env.finish()
}

fn x48() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let t2 = t.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            tlog!(t2, "_write", text(&c));
            cb.error(err("boom"));
        }),
        opts().auto_destroy(false),
    );
    watch(t, &w, "w", &["error", "close"]);
    w.write_cb("a", cb_errc(t, "cb-a"));
    let (t2, h) = (t.clone(), env.h.clone());
    env.h.set_immediate(move || {
        let r = w.write_cb("b", cb_errc(&t2, "cb-b"));
        tlog!(t2, "write b ->", r, "len", w.writable_length());
        let t3 = t2.clone();
        h.set_immediate(move || {
            tlog!(t3, "destroy");
            w.destroy(None);
        });
    });
    env.finish()
}

fn x61() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts().emit_close(false));
    watch(t, &w, "w", &["error", "close"]);
    w.destroy(Some(err("E")));
    let t2 = t.clone();
    env.h.set_immediate(move || snap(&t2, &w, "later"));
    env.finish()
}

fn x62() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts().auto_destroy(false).emit_close(false));
    watch(t, &w, "w", &["finish", "close"]);
    w.end_with("x");
    let (t2, h) = (t.clone(), env.h.clone());
    env.h.set_immediate(move || {
        w.destroy(None);
        snap(&t2, &w, "after destroy");
        let t3 = t2.clone();
        h.set_immediate(move || snap(&t3, &w, "later"));
    });
    env.finish()
}

fn x63() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts().auto_destroy(false));
    watch(t, &w, "w", &["finish", "close"]);
    w.end_with("x");
    let t2 = t.clone();
    env.h.set_immediate(move || {
        snap(&t2, &w, "before destroy");
        w.destroy(None);
    });
    env.finish()
}

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "w32-destroy-no-error",
        run: w32,
    },
    Scenario {
        name: "w33-destroy-with-error",
        run: w33,
    },
    Scenario {
        name: "w34-destroy-during-async-write",
        run: w34,
    },
    Scenario {
        name: "w35-destroy-twice",
        run: w35,
    },
    Scenario {
        name: "w36-destroy-custom-destroy-swallows",
        run: w36,
    },
    Scenario {
        name: "w37-destroy-error-no-listener",
        run: w37,
    },
    Scenario {
        name: "w38-destroy-async-_destroy",
        run: w38,
    },
    Scenario {
        name: "x31-destroy-in-async-write-callback",
        run: x31,
    },
    Scenario {
        name: "x32-destroy-in-sync-write-callback",
        run: x32,
    },
    Scenario {
        name: "x33-destroy-inside-_write",
        run: x33,
    },
    Scenario {
        name: "x34-destroy-inside-_final",
        run: x34,
    },
    Scenario {
        name: "x35-destroy-error-inside-_final-async",
        run: x35,
    },
    Scenario {
        name: "x36-destroy-in-finish-listener",
        run: x36,
    },
    Scenario {
        name: "x37-destroy-in-prefinish-listener",
        run: x37,
    },
    Scenario {
        name: "x38-destroy-in-drain-listener",
        run: x38,
    },
    Scenario {
        name: "x39-destroy-callback-forms",
        run: x39,
    },
    Scenario {
        name: "x40-destroySoon-pending-writes",
        run: x40,
    },
    Scenario {
        name: "x41-destroySoon-idle",
        run: x41,
    },
    Scenario {
        name: "x42-destroySoon-after-finish",
        run: x42,
    },
    Scenario {
        name: "x43-destroySoon-after-error",
        run: x43,
    },
    Scenario {
        name: "x48-callbacks-after-error-no-autodestroy",
        run: x48,
    },
    Scenario {
        name: "x61-emitClose-false-destroy-error",
        run: x61,
    },
    Scenario {
        name: "x62-autoDestroy-false-emitClose-false",
        run: x62,
    },
    Scenario {
        name: "x63-autoDestroy-false-explicit-destroy",
        run: x63,
    },
];
