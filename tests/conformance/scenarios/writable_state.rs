//! Property snapshots through the lifecycle: w39, w40, x64-x67.

use nodestream::events::{CLOSE, ERROR, FINISH, PREFINISH};
use nodestream::stream::writable::{
    Chunk, FinalCallback, Writable, WritableOptions, WriteCallback,
};

use super::writable_util::{err, slow_sink, snap, text, Env, FnSink, Late};
use super::Scenario;
use crate::trace::{errc, tlog, Trace};

/// w39's own snapshot (its field order differs from scenarios.js `snap`).
fn snap39(t: &Trace, w: &Writable, label: &str) {
    tlog!(
        t,
        label,
        format!("writable={}", w.writable()),
        format!("ended={}", w.writable_ended()),
        format!("finished={}", w.writable_finished()),
        format!("len={}", w.writable_length()),
        format!("needDrain={}", w.writable_need_drain()),
        format!("corked={}", w.writable_corked()),
        format!("destroyed={}", w.destroyed()),
        format!("closed={}", w.closed()),
        format!("errored={}", errc(w.errored().as_ref()))
    );
}

fn w39() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, WritableOptions::new().high_water_mark(2));
    snap39(t, &w, "created");
    w.write("abc");
    snap39(t, &w, "after write(abc)");
    w.end();
    snap39(t, &w, "after end()");
    let (w2, t2) = (w.clone(), t.clone());
    w.on(FINISH, move |_| snap39(&t2, &w2, "at finish"));
    let (w2, t2) = (w.clone(), t.clone());
    w.on(CLOSE, move |_| snap39(&t2, &w2, "at close"));
    env.finish()
}

fn w40() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let h = env.h.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |_: Chunk, cb: WriteCallback| {
            h.set_immediate(move || cb.error(err("boom")));
        }),
        WritableOptions::new(),
    );
    let (w2, t2) = (w.clone(), t.clone());
    w.on(ERROR, move |e| {
        tlog!(
            t2,
            "error",
            errc(e),
            format!("writable={}", w2.writable()),
            format!("destroyed={}", w2.destroyed()),
            format!("closed={}", w2.closed()),
            format!("errored={}", errc(w2.errored().as_ref())),
            format!("finished={}", w2.writable_finished()),
            format!("aborted={}", w2.writable_aborted())
        );
    });
    let (w2, t2) = (w.clone(), t.clone());
    w.on(CLOSE, move |_| {
        tlog!(t2, "close", format!("closed={}", w2.closed()))
    });
    w.write("a");
    env.finish()
}

fn x64() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let me = Late::new();
    let (t2, me2, h) = (t.clone(), me.clone(), env.h.clone());
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            let w = me2.get();
            snap(&t2, &w, &format!("in _write {}", text(&c)));
            let t3 = t2.clone();
            h.set_immediate(move || {
                snap(&t3, &w, &format!("before cb {}", text(&c)));
                cb.ok();
            });
        }),
        WritableOptions::new().high_water_mark(4),
    );
    me.set(&w);
    let (w2, t2) = (w.clone(), t.clone());
    w.write_cb("abcd", move |_| snap(&t2, &w2, "in write-cb"));
    env.finish()
}

fn x65() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let me = Late::new();
    let (t2, me2) = (t.clone(), me.clone());
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(|_: Chunk, cb: WriteCallback| cb.ok())
            .final_(move |cb: FinalCallback| {
                snap(&t2, &me2.get(), "in _final");
                cb.ok();
            }),
        WritableOptions::new(),
    );
    me.set(&w);
    let (w2, t2) = (w.clone(), t.clone());
    w.on(PREFINISH, move |_| snap(&t2, &w2, "at prefinish"));
    w.cork();
    w.cork();
    w.write("ab");
    snap(t, &w, "corked twice");
    w.end();
    snap(t, &w, "after end");
    let (w2, t2) = (w.clone(), t.clone());
    w.on(FINISH, move |_| snap(&t2, &w2, "at finish"));
    env.finish()
}

fn x66() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, WritableOptions::new().high_water_mark(1));
    w.write("abc");
    w.destroy(Some(err("E")));
    snap(t, &w, "after destroy");
    let (w2, t2) = (w.clone(), t.clone());
    w.on(ERROR, move |e| {
        snap(&t2, &w2, &format!("at error {}", errc(e)))
    });
    let (w2, t2) = (w.clone(), t.clone());
    w.on(CLOSE, move |_| snap(&t2, &w2, "at close"));
    env.finish()
}

fn x67() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = Writable::new(
        &env.h,
        FnSink::new().write(|_: Chunk, cb: WriteCallback| cb.error(err("sync-fail"))),
        WritableOptions::new(),
    );
    let (w2, t2) = (w.clone(), t.clone());
    w.on(ERROR, move |e| {
        snap(&t2, &w2, &format!("at error {}", errc(e)))
    });
    w.write("a");
    snap(t, &w, "after write");
    let (w2, t2) = (w.clone(), t.clone());
    w.on(CLOSE, move |_| snap(&t2, &w2, "at close"));
    env.finish()
}

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "w39-state-walkthrough",
        run: w39,
    },
    Scenario {
        name: "w40-state-after-error",
        run: w40,
    },
    Scenario {
        name: "x64-snapshot-inside-_write",
        run: x64,
    },
    Scenario {
        name: "x65-snapshot-corked-and-ending",
        run: x65,
    },
    Scenario {
        name: "x66-snapshot-after-destroy-error",
        run: x66,
    },
    Scenario {
        name: "x67-snapshot-write-error-sync",
        run: x67,
    },
];
