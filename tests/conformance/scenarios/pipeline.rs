//! `stream.pipeline` and `stream/promises.pipeline` from a Readable into a Writable
//! (pl01-pl21), and through Duplex, Transform and PassThrough stages (pl22-pl30).

use nodestream::events::{END, ERROR};
use nodestream::stream::pipeline;
#[cfg(feature = "futures")]
use nodestream::stream::promises;
use nodestream::stream::readable::{Readable, ReadableOptions, PIPE, UNPIPE};
use nodestream::stream::writable::{Chunk, WriteCallback};
use nodestream::{Error, Writable, WritableOptions};

use nodestream::stream::duplex::DuplexOptions;
use nodestream::stream::readable::Chunk as RChunk;
use nodestream::stream::transform::{PassThrough, Transform, TransformCallback, Transformer};

use super::finished::{fin, quiet, watch_d, watch_r};
use super::writable_util::{err, slow_sink, sync_sink, watch, Env, FnSink};
use super::Scenario;
use crate::trace::{errc, tlog, Trace, Value};

/// What `stream/promises.pipeline` settles with.
type Answer = Result<(), pipeline::PipelineError>;

fn opts() -> WritableOptions {
    WritableOptions::new()
}

fn ropts() -> ReadableOptions {
    ReadableOptions::new()
}

/// The pipeline callback of scenarios.js: `fin(label)` over the error Node reports.
fn done(t: &Trace, label: &str) -> impl FnOnce(Option<pipeline::PipelineError>) + 'static {
    let f = fin(t, label);
    move |e| f(e.map(Error::from))
}

/// lib.js `watch(w, name, ['pipe'|'unpipe'])`: the source prints as `<stream>`.
fn watch_pipe(t: &Trace, w: &Writable, name: &str, events: &[&str]) {
    for &ev in events {
        let (t, label) = (t.clone(), format!("{name}:{ev}"));
        let key = if ev == "pipe" { PIPE } else { UNPIPE };
        w.on(key, move |_: &Readable| tlog!(t, label.clone(), "<stream>"));
    }
}

/// `stream/promises.pipeline(src, ...stages, dest, opts).then(..)`: the pipeline's future on
/// the loop's executor, whose answer goes to `then`. Without the `futures` feature, the
/// callback form, which logs the same lines.
macro_rules! promise {
    ($h:expr, $src:expr, [$($step:tt)*], $dest:expr, $then:expr) => {{
        let then = $then;
        #[cfg(feature = "futures")]
        {
            let fut = promises::pipeline($src)$($step)*.to($dest);
            drop($h.spawn_local(async move { then(fut.await) }));
        }
        #[cfg(not(feature = "futures"))]
        {
            let _ = &$h;
            pipeline($src)$($step)*
                .to($dest, move |e| then(e.map_or(Ok(()), Err)))
                .unwrap();
        }
    }};
}

fn pl01() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    let w = sync_sink(&env, opts());
    watch_r(t, &r, "r", &["end", "close"]);
    watch_pipe(t, &w, "w", &["pipe"]);
    watch(t, &w, "w", &["finish", "close"]);
    r.push("a");
    r.push("b");
    r.push(None);
    pipeline(&r).to(&w, done(t, "pipeline")).unwrap();
    tlog!(t, "sync-end");
    env.finish()
}

fn pl02() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    let w = slow_sink(&env, opts());
    watch_r(t, &r, "r", &["error", "close"]);
    watch(t, &w, "w", &["error", "close", "finish"]);
    pipeline(&r).to(&w, done(t, "pipeline")).unwrap();
    r.push("data");
    env.h.set_immediate(move || {
        r.destroy(None);
    });
    env.finish()
}

fn pl03() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    let w = slow_sink(&env, opts());
    watch_r(t, &r, "r", &["error", "close"]);
    watch(t, &w, "w", &["error", "close"]);
    pipeline(&r).to(&w, done(t, "pipeline")).unwrap();
    r.push("data");
    env.h.set_immediate(move || {
        r.destroy(Some(err("kaboom")));
    });
    env.finish()
}

fn pl04() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    let t2 = t.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            tlog!(
                t2,
                "_write",
                String::from_utf8_lossy(c.as_bytes()).into_owned()
            );
            cb.error(err("wfail"));
        }),
        opts(),
    );
    watch_r(t, &r, "r", &["error", "close"]);
    watch(t, &w, "w", &["error", "close"]);
    pipeline(&r).to(&w, done(t, "pipeline")).unwrap();
    r.push("a");
    env.finish()
}

fn pl05() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    let w = slow_sink(&env, opts());
    watch_r(t, &r, "r", &["error", "close"]);
    watch(t, &w, "w", &["error", "close"]);
    watch_pipe(t, &w, "w", &["unpipe"]);
    pipeline(&r).to(&w, done(t, "pipeline")).unwrap();
    r.push("a");
    let w2 = w.clone();
    env.h.set_immediate(move || w2.destroy(None));
    env.finish()
}

fn pl06() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = quiet(&env.h, ropts());
    let w = sync_sink(&env, opts());
    watch(&t, &w, "w", &["finish", "close"]);
    watch_pipe(&t, &w, "w", &["unpipe"]);
    r.push("a");
    r.push(None);
    let (r2, w2) = (r.clone(), w.clone());
    promise!(env.h, &r, [.end(false)], &w, move |res: Answer| match res {
        Ok(()) => tlog!(
            t,
            "resolved",
            "w.writable",
            w2.writable(),
            "w.destroyed",
            w2.destroyed(),
            "r.destroyed",
            r2.destroyed()
        ),
        Err(e) => tlog!(t, "rejected", errc(e.error())),
    });
    env.finish()
}

fn pl07() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["finish", "close"]);
    pipeline(&r).to(&w, done(t, "pipeline")).unwrap();
    r.push("asd");
    r.push(None);
    r.emit("close", &());
    tlog!(t, "sync-end");
    env.finish()
}

/// Node also counts the `'finish'` listeners its watches add to `r` and the `'end'`
/// ones they add to `w` (two of each): the twin logs the other counts.
fn pl08() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    let w = sync_sink(&env, opts());
    pipeline(&r).to(&w, done(t, "pipeline")).unwrap();
    tlog!(
        t,
        "r end",
        r.listener_count("end"),
        "error",
        r.listener_count("error"),
        "close",
        r.listener_count("close"),
        "data",
        r.listener_count("data")
    );
    tlog!(
        t,
        "w finish",
        w.listener_count("finish"),
        "error",
        w.listener_count("error"),
        "close",
        w.listener_count("close"),
        "unpipe",
        w.listener_count("unpipe")
    );
    r.push(None);
    env.finish()
}

fn pl09() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = quiet(&env.h, ropts());
    let w = sync_sink(&env, opts());
    w.destroy(None);
    watch_r(&t, &r, "r", &["error", "close"]);
    match pipeline(&r).to(&w, done(&t, "pipeline")) {
        Ok(()) => tlog!(t, "no throw"),
        Err(e) => tlog!(t, "threw", errc(&e)),
    }
    env.h.set_immediate(move || {
        tlog!(
            t,
            "r.destroyed",
            r.destroyed(),
            "r listeners error",
            r.listener_count("error")
        )
    });
    env.finish()
}

fn pl10() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = quiet(&env.h, ropts().auto_destroy(false));
    let w = sync_sink(&env, opts().auto_destroy(false));
    watch(&t, &w, "w", &["finish", "close"]);
    let (r2, w2, t2) = (r.clone(), w.clone(), t.clone());
    pipeline(&r)
        .to(&w, move |e| {
            tlog!(
                t2,
                "pipeline",
                errc(e.as_deref()),
                "r.destroyed",
                r2.destroyed(),
                "w.destroyed",
                w2.destroyed()
            )
        })
        .unwrap();
    r.push("a");
    r.push(None);
    env.finish()
}

fn pl11() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = quiet(&env.h, ropts());
    let w = sync_sink(&env, opts().auto_destroy(false));
    let (w2, t2) = (w.clone(), t.clone());
    pipeline(&r)
        .to(&w, move |e| {
            tlog!(t2, "pipeline", errc(e.as_deref()));
            w2.emit(ERROR, &err("late"));
            tlog!(t2, "after late error");
        })
        .unwrap();
    r.push(None);
    env.finish()
}

fn pl12() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    r.destroy(None);
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["error", "close"]);
    pipeline(&r).to(&w, done(t, "pipeline")).unwrap();
    env.finish()
}

fn pl13() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts().high_water_mark(100));
    let w = slow_sink(&env, opts().high_water_mark(2));
    watch(t, &w, "w", &["drain", "finish", "close"]);
    pipeline(&r).to(&w, done(t, "pipeline")).unwrap();
    r.push("aa");
    r.push("bb");
    r.push("cc");
    r.push(None);
    env.finish()
}

fn pl14() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    let w = slow_sink(&env, opts());
    watch_r(t, &r, "r", &["error", "close"]);
    watch(t, &w, "w", &["close"]);
    pipeline(&r).to(&w, done(t, "pipeline")).unwrap();
    r.push("a");
    env.h.set_immediate(move || {
        w.destroy(None);
        r.destroy(Some(err("root")));
    });
    env.finish()
}

fn pl15() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = Readable::new(&env.h, ropts(), |r: &Readable, _: usize| {
        r.destroy(Some(err("stop")));
    });
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["error", "close", "finish"]);
    pipeline(&r).to(&w, done(t, "pipeline")).unwrap();
    env.finish()
}

fn pl16() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = quiet(&env.h, ropts().auto_destroy(false));
    r.push(None);
    r.resume();
    let (r2, h, env_t) = (r.downgrade(), env.h.clone(), t.clone());
    r.on(END, move |_: &()| {
        let w = sync_sink_on(&h, &env_t);
        watch(&t, &w, "w", &["finish", "close"]);
        pipeline(&r2.upgrade().unwrap())
            .to(&w, done(&t, "pipeline"))
            .unwrap();
        let t = t.clone();
        h.next_tick(move || tlog!(t, "tick"));
    });
    env.finish()
}

/// scenarios.js `syncSink()` made inside a listener (no `Env` at hand).
fn sync_sink_on(h: &nodestream::LoopHandle, t: &Trace) -> Writable {
    let t = t.clone();
    Writable::new(
        h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            tlog!(
                t,
                "_write",
                String::from_utf8_lossy(c.as_bytes()).into_owned(),
                c.encoding().name()
            );
            cb.ok();
        }),
        opts(),
    )
}

fn pl17() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = quiet(&env.h, ropts());
    let w = sync_sink(&env, opts());
    watch(&t, &w, "w", &["error", "close"]);
    let w2 = w.clone();
    promise!(env.h, &r, [.end(false)], &w, move |res: Answer| match res {
        Ok(()) => tlog!(t, "resolved"),
        Err(e) => tlog!(
            t,
            "rejected",
            errc(e.error()),
            "w.destroyed",
            w2.destroyed(),
            "w.writable",
            w2.writable()
        ),
    });
    r.destroy(Some(err("src")));
    env.finish()
}

fn pl18() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    let w = sync_sink(&env, opts().emit_close(false));
    watch(t, &w, "w", &["finish", "close"]);
    watch_r(t, &r, "r", &["end", "close"]);
    pipeline(&r).to(&w, done(t, "pipeline")).unwrap();
    r.push("a");
    r.push(None);
    env.finish()
}

fn pl19() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r: Readable<u32> = Readable::new(
        &env.h,
        ropts().object_mode(true),
        |_: &Readable<u32>, _: usize| {},
    );
    let t2 = t.clone();
    let w: Writable<u32> = Writable::new_object(
        &env.h,
        FnSink::new().write(move |n: u32, cb: WriteCallback| {
            t2.log([
                Value::from("_write"),
                Value::from(format!("{{\"n\":{n}}}")),
                Value::Undefined,
            ]);
            cb.ok();
        }),
        opts(),
    );
    pipeline(&r).to(&w, done(t, "pipeline")).unwrap();
    r.push(1);
    r.push(2);
    r.push(None);
    env.finish()
}

fn pl20() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = quiet(&env.h, ropts());
    let w = sync_sink(&env, opts());
    watch(&t, &w, "w", &["finish", "close"]);
    let h = env.h.clone();
    promise!(env.h, &r, [], &w, move |_: Answer| {
        tlog!(t, "resolved");
        let r2 = quiet(&h, ropts());
        let w2 = slow_sink_on(&h, &t);
        let t2 = t.clone();
        promise!(h, &r2, [], &w2, move |res: Answer| match res {
            Ok(()) => tlog!(t2, "resolved 2"),
            Err(e) => tlog!(t2, "rejected 2", errc(e.error())),
        });
        r2.destroy(Some(err("broken")));
    });
    r.push("a");
    r.push(None);
    env.finish()
}

/// scenarios.js `slowSink()` made inside a callback (no `Env` at hand).
fn slow_sink_on(h: &nodestream::LoopHandle, t: &Trace) -> Writable {
    let (t, h2) = (t.clone(), h.clone());
    Writable::new(
        h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            tlog!(
                t,
                "_write",
                String::from_utf8_lossy(c.as_bytes()).into_owned(),
                c.encoding().name()
            );
            h2.set_immediate(move || cb.ok());
        }),
        opts(),
    )
}

fn pl21() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = quiet(&env.h, ropts().auto_destroy(false));
    let w = sync_sink(&env, opts());
    let (r2, t2) = (r.clone(), t.clone());
    pipeline(&r)
        .to(&w, move |e| {
            tlog!(t2, "pipeline", errc(e.as_deref()));
            r2.emit(ERROR, &err("late"));
            tlog!(t2, "after late error");
        })
        .unwrap();
    r.push(None);
    env.finish()
}

fn pt(env: &Env) -> Transform {
    PassThrough::new(&env.h, DuplexOptions::new())
}

fn pl22() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    let p = pt(&env);
    let w = sync_sink(&env, opts());
    watch_r(t, &r, "r", &["end", "close"]);
    watch_d(t, &p, "pt", &["finish", "end", "close"]);
    watch(t, &w, "w", &["finish", "close"]);
    pipeline(&r)
        .through(&p)
        .to(&w, done(t, "pipeline"))
        .unwrap();
    r.push("a");
    r.push("b");
    r.push(None);
    env.finish()
}

fn pl23() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    let tr: Transform = Transform::new(
        &env.h,
        DuplexOptions::new(),
        |_: Chunk, _: &Readable, done: TransformCallback<RChunk>| done.error(err("kaboom")),
    );
    let w = sync_sink(&env, opts());
    watch_r(t, &r, "r", &["error", "close"]);
    watch_d(t, &tr, "tr", &["error", "close"]);
    watch(t, &w, "w", &["error", "close"]);
    pipeline(&r)
        .through(&tr)
        .to(&w, done(t, "pipeline"))
        .unwrap();
    r.push("hello");
    env.finish()
}

fn pl24() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = quiet(&env.h, ropts());
    let (a, d) = (pt(&env), pt(&env));
    r.push(None);
    let (a2, d2) = (a.clone(), d.clone());
    promise!(env.h, &r, [.through(&a).end(false)], &d, move |res: Answer| match res {
        Ok(()) => tlog!(
            t,
            "resolved",
            "t.destroyed",
            a2.destroyed(),
            "t.writableEnded",
            a2.writable_ended(),
            "d.destroyed",
            d2.destroyed(),
            "d.writableEnded",
            d2.writable_ended()
        ),
        Err(e) => tlog!(t, "rejected", errc(e.error())),
    });
    env.finish()
}

fn pl25() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let (src, dst) = (pt(&env), pt(&env));
    let d2 = dst.clone();
    pipeline(&src)
        .to(&dst, move |e| {
            tlog!(
                t,
                "pipeline",
                errc(e.as_deref()),
                "dst.destroyed",
                d2.destroyed(),
                "dst error listeners",
                d2.listener_count("error"),
                "close",
                d2.listener_count("close")
            )
        })
        .unwrap();
    src.end();
    env.finish()
}

fn pl26() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    let p = pt(&env);
    p.destroy(None);
    let w = sync_sink(&env, opts());
    watch(t, &w, "w", &["error", "close"]);
    match pipeline(&r).through(&p).to(&w, done(t, "pipeline")) {
        Ok(()) => tlog!(t, "no throw"),
        Err(e) => tlog!(t, "threw", errc(&e)),
    }
    env.finish()
}

fn pl27() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    let p = pt(&env);
    let w = slow_sink(&env, opts());
    watch_r(t, &r, "r", &["error", "close"]);
    watch_d(t, &p, "pt", &["error", "close"]);
    watch(t, &w, "w", &["error", "close"]);
    pipeline(&r)
        .through(&p)
        .to(&w, done(t, "pipeline"))
        .unwrap();
    r.push("a");
    env.h.set_immediate(move || w.destroy(None));
    env.finish()
}

/// pl28's Transform: hands chunks on, flushes on an immediate.
struct FlushLater {
    t: Trace,
    lp: nodestream::LoopHandle,
}

impl Transformer<Chunk, RChunk> for FlushLater {
    fn transform(&mut self, chunk: Chunk, _: &Readable, done: TransformCallback<RChunk>) {
        done.done(chunk.into_bytes());
    }

    fn flush(&mut self, _: &Readable, done: TransformCallback<RChunk>) {
        let t = self.t.clone();
        self.lp.set_immediate(move || {
            tlog!(t, "flushed");
            done.ok();
        });
    }
}

fn pl28() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let input = quiet(&env.h, ropts());
    input.push(None);
    let tr = Transform::new(
        &env.h,
        DuplexOptions::new(),
        FlushLater {
            t: t.clone(),
            lp: env.h.clone(),
        },
    );
    watch_d(&t, &tr, "tr", &["finish", "end", "close"]);
    let tr2 = tr.clone();
    pipeline(&input)
        .to(&tr, move |e| {
            tlog!(
                t,
                "pipeline",
                errc(e.as_deref()),
                "tr.destroyed",
                tr2.destroyed()
            )
        })
        .unwrap();
    env.finish()
}

fn pl29() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let src = pt(&env);
    let w = sync_sink(&env, opts());
    watch(&t, &w, "w", &["finish", "close"]);
    let s2 = src.clone();
    pipeline(&src)
        .to(&w, move |e| {
            tlog!(
                t,
                "pipeline",
                errc(e.as_deref()),
                "src.writable",
                s2.writable(),
                "src.destroyed",
                s2.destroyed()
            )
        })
        .unwrap();
    src.push("a");
    src.push(None);
    env.finish()
}

fn pl30() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = quiet(&env.h, ropts());
    let stages = [pt(&env), pt(&env), pt(&env)];
    for (i, s) in stages.iter().enumerate() {
        let t = t.clone();
        s.on("close", move |_: &()| tlog!(t, format!("pt{i}:close")));
    }
    let t2 = t.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            tlog!(
                t2,
                "_write",
                String::from_utf8_lossy(c.as_bytes()).into_owned()
            );
            cb.error(err("wfail"));
        }),
        opts(),
    );
    let t2 = t.clone();
    r.on("close", move |_: &()| tlog!(t2, "r:close"));
    let t2 = t.clone();
    w.on("close", move |_: &()| tlog!(t2, "w:close"));
    pipeline(&r)
        .through(&stages[0])
        .through(&stages[1])
        .through(&stages[2])
        .to(&w, done(t, "pipeline"))
        .unwrap();
    r.push("x");
    env.finish()
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "pl01-readable-to-writable",
        run: pl01,
    },
    Scenario {
        name: "pl02-source-destroyed-premature",
        run: pl02,
    },
    Scenario {
        name: "pl03-source-destroyed-with-error",
        run: pl03,
    },
    Scenario {
        name: "pl04-destination-write-error",
        run: pl04,
    },
    Scenario {
        name: "pl05-destination-destroyed",
        run: pl05,
    },
    Scenario {
        name: "pl06-end-false",
        run: pl06,
    },
    Scenario {
        name: "pl07-close-before-end-after-eof",
        run: pl07,
    },
    Scenario {
        name: "pl08-listener-counts",
        run: pl08,
    },
    Scenario {
        name: "pl09-destination-already-destroyed",
        run: pl09,
    },
    Scenario {
        name: "pl10-autoDestroy-false",
        run: pl10,
    },
    Scenario {
        name: "pl11-error-after-the-end",
        run: pl11,
    },
    Scenario {
        name: "pl12-source-already-destroyed",
        run: pl12,
    },
    Scenario {
        name: "pl13-backpressure",
        run: pl13,
    },
    Scenario {
        name: "pl14-destination-destroyed-then-source-error",
        run: pl14,
    },
    Scenario {
        name: "pl15-read-destroys",
        run: pl15,
    },
    Scenario {
        name: "pl16-source-already-ended",
        run: pl16,
    },
    Scenario {
        name: "pl17-end-false-source-error",
        run: pl17,
    },
    Scenario {
        name: "pl18-emitClose-false-destination",
        run: pl18,
    },
    Scenario {
        name: "pl19-object-mode",
        run: pl19,
    },
    Scenario {
        name: "pl20-promise-success-and-failure",
        run: pl20,
    },
    Scenario {
        name: "pl21-source-error-after-the-end",
        run: pl21,
    },
    Scenario {
        name: "pl22-through-passthrough",
        run: pl22,
    },
    Scenario {
        name: "pl23-through-failing-transform",
        run: pl23,
    },
    Scenario {
        name: "pl24-end-false-into-passthrough",
        run: pl24,
    },
    Scenario {
        name: "pl25-readable-last-stream",
        run: pl25,
    },
    Scenario {
        name: "pl26-middle-stage-already-destroyed",
        run: pl26,
    },
    Scenario {
        name: "pl27-destination-destroyed-with-middle-stage",
        run: pl27,
    },
    Scenario {
        name: "pl28-transform-flush-last",
        run: pl28,
    },
    Scenario {
        name: "pl29-duplex-source",
        run: pl29,
    },
    Scenario {
        name: "pl30-many-stages-write-error",
        run: pl30,
    },
];
