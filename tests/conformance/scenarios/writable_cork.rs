//! `cork()` / `uncork()` and `_writev` batching: w28-w31, x13-x20.

use nodestream::stream::writable::{Chunk, Writable, WritableOptions, WriteCallback};

use super::writable_util::{cb_errc, cb_log, err, slow_sink, sync_sink, text, watch, Env, FnSink};
use super::Scenario;
use crate::trace::tlog;

fn opts() -> WritableOptions {
    WritableOptions::new()
}

fn joined(chunks: &[Chunk]) -> String {
    chunks.iter().map(text).collect::<Vec<_>>().join(",")
}

/// `_write` logs `_write <c>`, `_writev` logs `_writev a,b,..`; both complete synchronously.
fn sync_writev_sink(env: &Env) -> Writable {
    let (t1, t2) = (env.t.clone(), env.t.clone());
    Writable::new(
        &env.h,
        FnSink::new()
            .write(move |c: Chunk, cb: WriteCallback| {
                tlog!(t1, "_write", text(&c));
                cb.ok();
            })
            .writev(move |chunks: Vec<Chunk>, cb: WriteCallback| {
                tlog!(t2, "_writev", joined(&chunks));
                cb.ok();
            }),
        opts(),
    )
}

/// The same, completing on an immediate.
fn slow_writev_sink(env: &Env) -> Writable {
    let (t1, t2) = (env.t.clone(), env.t.clone());
    let (h1, h2) = (env.h.clone(), env.h.clone());
    Writable::new(
        &env.h,
        FnSink::new()
            .write(move |c: Chunk, cb: WriteCallback| {
                tlog!(t1, "_write", text(&c));
                h1.set_immediate(move || cb.ok());
            })
            .writev(move |chunks: Vec<Chunk>, cb: WriteCallback| {
                tlog!(t2, "_writev", joined(&chunks));
                h2.set_immediate(move || cb.ok());
            }),
        opts(),
    )
}

fn w28() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_writev_sink(&env);
    w.cork();
    tlog!(t, "corked", w.writable_corked());
    w.write_cb("a", cb_log(t, "cb-a"));
    w.write_cb("b", cb_log(t, "cb-b"));
    w.write_cb("c", cb_log(t, "cb-c"));
    tlog!(
        t,
        "len before uncork",
        w.writable_length(),
        "buffered",
        w.writable_buffer().len()
    );
    w.uncork();
    tlog!(
        t,
        "after uncork: corked",
        w.writable_corked(),
        "len",
        w.writable_length()
    );
    env.finish()
}

fn w29() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    w.cork();
    w.write("a");
    w.write("b");
    tlog!(t, "uncorking");
    w.uncork();
    tlog!(t, "after uncork");
    env.finish()
}

fn w30() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["finish"]);
    w.cork();
    w.cork();
    w.write("a");
    w.uncork();
    tlog!(
        t,
        "after 1 uncork: corked",
        w.writable_corked(),
        "len",
        w.writable_length()
    );
    w.uncork();
    tlog!(
        t,
        "after 2 uncorks: corked",
        w.writable_corked(),
        "len",
        w.writable_length()
    );
    w.cork();
    w.cork();
    w.cork();
    w.write("b");
    w.end();
    tlog!(t, "after end(): corked", w.writable_corked());
    env.finish()
}

fn w31() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_writev_sink(&env);
    watch(t, &w, "w", &["finish"]);
    w.write_cb("a", cb_log(t, "cb-a"));
    w.write_cb("b", cb_log(t, "cb-b"));
    w.write_cb("c", cb_log(t, "cb-c"));
    w.end_cb(cb_log(t, "end-cb"));
    env.finish()
}

fn x13() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let (t1, t2) = (t.clone(), t.clone());
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(move |c: Chunk, cb: WriteCallback| {
                tlog!(t1, "_write", text(&c));
                cb.ok();
            })
            .writev(move |chunks: Vec<Chunk>, cb: WriteCallback| {
                let s: Vec<String> = chunks
                    .iter()
                    .map(|c| format!("{}/{}", text(c), c.encoding().name()))
                    .collect();
                tlog!(t2, "_writev", s.join(","));
                cb.ok();
            }),
        opts(),
    );
    w.cork();
    w.cork();
    w.cork();
    w.write_cb("a", cb_log(t, "cb-a"));
    w.write_cb("b", cb_log(t, "cb-b"));
    for i in 1..=3 {
        w.uncork();
        tlog!(
            t,
            "uncork",
            i,
            "corked",
            w.writable_corked(),
            "len",
            w.writable_length()
        );
    }
    w.uncork();
    tlog!(t, "extra uncork: corked", w.writable_corked());
    env.finish()
}

fn x14() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_writev_sink(&env);
    w.cork();
    w.write_cb("a", cb_log(t, "cb-a"));
    w.write_cb("b", cb_log(t, "cb-b"));
    let (w2, t2) = (w.clone(), t.clone());
    env.h.next_tick(move || {
        tlog!(t2, "uncork");
        w2.uncork();
        tlog!(t2, "after uncork len", w2.writable_length());
    });
    tlog!(t, "sync-end len", w.writable_length());
    env.finish()
}

fn x15() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let (t1, t2) = (t.clone(), t.clone());
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(move |c: Chunk, cb: WriteCallback| {
                tlog!(t1, "_write", text(&c));
                cb.ok();
            })
            .writev(move |chunks: Vec<Chunk>, cb: WriteCallback| {
                tlog!(t2, "_writev", chunks.len());
                cb.ok();
            }),
        opts(),
    );
    w.cork();
    w.write("solo");
    w.uncork();
    w.cork();
    w.write("x");
    w.write("y");
    w.uncork();
    env.finish()
}

fn x16() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_writev_sink(&env);
    watch(t, &w, "w", &["finish"]);
    w.write_cb("a", cb_log(t, "cb-a"));
    w.cork();
    w.write_cb("b", cb_log(t, "cb-b"));
    w.write_cb("c", cb_log(t, "cb-c"));
    w.uncork();
    tlog!(t, "after uncork len", w.writable_length());
    w.end_cb(cb_log(t, "end-cb"));
    env.finish()
}

fn x17() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_writev_sink(&env);
    watch(t, &w, "w", &["prefinish", "finish", "close"]);
    w.cork();
    w.cork();
    w.write_cb("a", cb_log(t, "cb-a"));
    w.end_with_cb("z", cb_log(t, "end-cb"));
    tlog!(
        t,
        "after end: corked",
        w.writable_corked(),
        "len",
        w.writable_length()
    );
    env.finish()
}

fn x18() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let t2 = t.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new().writev(move |chunks: Vec<Chunk>, cb: WriteCallback| {
            tlog!(t2, "_writev", chunks.len(), joined(&chunks));
            cb.ok();
        }),
        opts(),
    );
    watch(t, &w, "w", &["finish", "close"]);
    w.write_cb("a", cb_log(t, "cb-a"));
    w.cork();
    w.write("b");
    w.write_cb("c", cb_log(t, "cb-c"));
    w.uncork();
    w.end();
    env.finish()
}

fn x19() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let (t2, h) = (t.clone(), env.h.clone());
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(|_: Chunk, cb: WriteCallback| cb.ok())
            .writev(move |chunks: Vec<Chunk>, cb: WriteCallback| {
                tlog!(t2, "_writev", chunks.len());
                h.set_immediate(move || cb.error(err("vfail")));
            }),
        opts(),
    );
    watch(t, &w, "w", &["error", "close", "finish"]);
    w.cork();
    w.write_cb("a", cb_errc(t, "cb-a"));
    w.write_cb("b", cb_errc(t, "cb-b"));
    w.uncork();
    tlog!(t, "sync-end");
    env.finish()
}

fn x20() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, opts().high_water_mark(4));
    watch(t, &w, "w", &["drain"]);
    w.cork();
    let (w1, w2) = (w.write("ab"), w.write("cd"));
    tlog!(
        t,
        "w1",
        w1,
        "w2",
        w2,
        "len",
        w.writable_length(),
        "needDrain",
        w.writable_need_drain()
    );
    w.uncork();
    tlog!(t, "after uncork len", w.writable_length());
    env.finish()
}

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "w28-cork-writev",
        run: w28,
    },
    Scenario {
        name: "w29-cork-no-writev",
        run: w29,
    },
    Scenario {
        name: "w30-nested-cork",
        run: w30,
    },
    Scenario {
        name: "w31-writev-batching-while-busy",
        run: w31,
    },
    Scenario {
        name: "x13-cork-nesting-writev",
        run: x13,
    },
    Scenario {
        name: "x14-cork-nexttick-uncork",
        run: x14,
    },
    Scenario {
        name: "x15-cork-single-chunk-uses-write",
        run: x15,
    },
    Scenario {
        name: "x16-cork-while-writing",
        run: x16,
    },
    Scenario {
        name: "x17-cork-end-flushes",
        run: x17,
    },
    Scenario {
        name: "x18-writev-only-sink",
        run: x18,
    },
    Scenario {
        name: "x19-writev-error",
        run: x19,
    },
    Scenario {
        name: "x20-corked-write-returns-false",
        run: x20,
    },
];
