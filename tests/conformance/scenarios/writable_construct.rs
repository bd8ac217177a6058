//! `_construct`: writes queued before it completes, its errors, destroy while
//! pending: x49-x53.

use nodestream::stream::writable::{
    Chunk, ConstructCallback, DestroyCallback, Writable, WritableOptions, WriteCallback,
};
use nodestream::Error;

use super::writable_util::{cb_errc, cb_log, err, snap, text, watch, Env, FnSink};
use super::Scenario;
use crate::trace::{errc, tlog};

fn x49() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let (t1, t2) = (t.clone(), t.clone());
    let w = Writable::new_with_construct(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            tlog!(t2, "_write", text(&c));
            cb.ok();
        }),
        WritableOptions::new(),
        move |_: &mut FnSink<Chunk>, cb: ConstructCallback| {
            tlog!(t1, "_construct");
            cb.ok();
        },
    );
    watch(t, &w, "w", &["finish", "close"]);
    let r = w.write_cb("a", cb_log(t, "cb-a"));
    tlog!(t, "write ->", r, "len", w.writable_length());
    w.end();
    env.finish()
}

fn x50() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let (t1, t2, t3, h) = (t.clone(), t.clone(), t.clone(), env.h.clone());
    let w = Writable::new_with_construct(
        &env.h,
        FnSink::new()
            .write(move |c: Chunk, cb: WriteCallback| {
                tlog!(t2, "_write", text(&c));
                cb.ok();
            })
            .writev(move |chunks: Vec<Chunk>, cb: WriteCallback| {
                let s: Vec<String> = chunks.iter().map(text).collect();
                tlog!(t3, "_writev", s.join(","));
                cb.ok();
            }),
        WritableOptions::new(),
        move |_: &mut FnSink<Chunk>, cb: ConstructCallback| {
            tlog!(t1, "_construct");
            let t = t1.clone();
            h.set_immediate(move || {
                tlog!(t, "_construct done");
                cb.ok();
            });
        },
    );
    watch(t, &w, "w", &["drain", "finish", "close"]);
    let w1 = w.write_cb("a", cb_log(t, "cb-a"));
    let w2 = w.write_cb("b", cb_log(t, "cb-b"));
    tlog!(t, "w1", w1, "w2", w2, "len", w.writable_length());
    w.end_with_cb("c", cb_log(t, "end-cb"));
    tlog!(t, "sync-end");
    env.finish()
}

fn x51() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let (t1, t2, h) = (t.clone(), t.clone(), env.h.clone());
    let w = Writable::new_with_construct(
        &env.h,
        FnSink::new().write(move |_: Chunk, cb: WriteCallback| {
            tlog!(t2, "_write NOT expected");
            cb.ok();
        }),
        WritableOptions::new(),
        move |_: &mut FnSink<Chunk>, cb: ConstructCallback| {
            tlog!(t1, "_construct");
            h.set_immediate(move || cb.error(err("cfail")));
        },
    );
    watch(t, &w, "w", &["error", "finish", "close"]);
    w.write_cb("a", cb_errc(t, "cb-a"));
    w.end_cb(cb_errc(t, "end-cb"));
    env.finish()
}

fn x52() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let (t1, t2, h) = (t.clone(), t.clone(), env.h.clone());
    let w = Writable::new_with_construct(
        &env.h,
        FnSink::new()
            .write(|_: Chunk, cb: WriteCallback| cb.ok())
            .destroy(move |e: Option<Error>, cb: DestroyCallback| {
                tlog!(t2, "_destroy", errc(e.as_ref()));
                cb.call(e);
            }),
        WritableOptions::new(),
        move |_: &mut FnSink<Chunk>, cb: ConstructCallback| {
            tlog!(t1, "_construct");
            let t = t1.clone();
            h.set_immediate(move || {
                tlog!(t, "_construct done");
                cb.ok();
            });
        },
    );
    watch(t, &w, "w", &["error", "close"]);
    w.write_cb("a", cb_errc(t, "cb-a"));
    w.destroy(None);
    snap(t, &w, "after destroy");
    env.finish()
}

fn x53() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let (t2, h) = (t.clone(), env.h.clone());
    let w = Writable::new_with_construct(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            tlog!(t2, "_write", text(&c));
            cb.ok();
        }),
        WritableOptions::new().high_water_mark(2),
        move |_: &mut FnSink<Chunk>, cb: ConstructCallback| {
            h.set_immediate(move || cb.ok());
        },
    );
    watch(t, &w, "w", &["drain"]);
    let (w1, w2) = (w.write("a"), w.write("b"));
    tlog!(t, "w1", w1, "w2", w2, "needDrain", w.writable_need_drain());
    env.finish()
}

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "x49-construct-sync",
        run: x49,
    },
    Scenario {
        name: "x50-construct-async-queued-writes",
        run: x50,
    },
    Scenario {
        name: "x51-construct-error",
        run: x51,
    },
    Scenario {
        name: "x52-construct-destroy-before-done",
        run: x52,
    },
    Scenario {
        name: "x53-construct-hwm-and-drain",
        run: x53,
    },
];
