//! Writable `write()`: return values at the high-water mark, `'drain'`, write callbacks,
//! write errors: w01-w14, w17, w18, w41-w43, x01-x12, x44.

use std::cell::Cell;
use std::rc::Rc;

use nodestream::events::DRAIN;
use nodestream::stream::writable::{Chunk, Writable, WritableOptions, WriteCallback};

use super::writable_util::{
    cb_errc, cb_log, drain_loop, err, slow_object_sink, slow_sink, snap, sync_sink, text, watch,
    Env, FnSink,
};
use super::Scenario;
use crate::trace::{errc, tlog};

fn hwm(n: usize) -> WritableOptions {
    WritableOptions::new().high_water_mark(n)
}

fn w01() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, hwm(10));
    watch(t, &w, "w", &["drain", "finish", "close"]);
    let r = w.write("aaaa");
    tlog!(
        t,
        "r1",
        r,
        "len",
        w.writable_length(),
        "needDrain",
        w.writable_need_drain()
    );
    let r = w.write("bbbb");
    tlog!(t, "r2", r, "len", w.writable_length());
    let r = w.write("cc");
    tlog!(
        t,
        "r3",
        r,
        "len",
        w.writable_length(),
        "needDrain",
        w.writable_need_drain()
    );
    let r = w.write("d");
    tlog!(t, "r4", r, "len", w.writable_length());
    tlog!(t, "sync-end");
    env.finish()
}

fn w02() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let a = slow_sink(&env, WritableOptions::new());
    let b = slow_sink(&env, WritableOptions::new());
    let h = env.h.clone();
    let o: Writable<u32> = Writable::new_object(
        &env.h,
        FnSink::new().write(move |_: u32, cb: WriteCallback| {
            h.set_immediate(move || cb.ok());
        }),
        WritableOptions::new(),
    );
    tlog!(
        t,
        "bytes hwm",
        a.writable_high_water_mark(),
        "object hwm",
        o.writable_high_water_mark()
    );
    let r = a.write(vec![b'a'; 16383]);
    tlog!(t, "16383 bytes ->", r.to_string());
    let r = b.write(vec![b'b'; 16384]);
    tlog!(t, "16384 bytes ->", r.to_string());
    let rs: String = (1..=17)
        .map(|i| if o.write(i) { 'T' } else { 'F' })
        .collect();
    tlog!(t, "object writes 1..17", rs, "len", o.writable_length());
    env.finish()
}

fn w03() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, hwm(0));
    watch(t, &w, "w", &["drain"]);
    let r = w.write("");
    tlog!(t, "empty ->", r);
    let r = w.write("a");
    tlog!(t, "a ->", r);
    tlog!(t, "sync-end");
    env.finish()
}

fn w04() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, WritableOptions::new());
    env.tick("nextTick queued before write");
    let r = w.write_cb("a", cb_errc(t, "write-cb"));
    env.tick("nextTick queued after write");
    tlog!(t, "write returned", r, "sync-end");
    env.finish()
}

fn w05() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, WritableOptions::new());
    env.imm("immediate queued before write");
    w.write_cb("a", cb_errc(t, "write-cb"));
    env.imm("immediate queued after write");
    tlog!(t, "sync-end");
    env.finish()
}

fn w06() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, hwm(1));
    watch(t, &w, "w", &["drain"]);
    let r = w.write_cb("ab", cb_log(t, "write-cb"));
    tlog!(
        t,
        "write returned",
        r,
        "needDrain",
        w.writable_need_drain(),
        "len",
        w.writable_length()
    );
    env.finish()
}

fn w06b() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, hwm(3));
    watch(t, &w, "w", &["drain"]);
    w.cork();
    let r = w.write_cb("ab", cb_log(t, "cb1"));
    tlog!(t, "r1", r);
    let r = w.write_cb("cd", cb_log(t, "cb2"));
    tlog!(t, "r2", r);
    w.uncork();
    tlog!(
        t,
        "after uncork: len",
        w.writable_length(),
        "needDrain",
        w.writable_need_drain()
    );
    env.tick("nextTick queued after uncork");
    env.finish()
}

fn w07() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, hwm(2));
    watch(t, &w, "w", &["drain"]);
    let r = w.write_cb("a", cb_log(t, "cb1"));
    tlog!(t, "r1", r);
    let r = w.write_cb("b", cb_log(t, "cb2"));
    tlog!(t, "r2", r);
    let r = w.write_cb("c", cb_log(t, "cb3"));
    tlog!(t, "r3", r);
    tlog!(t, "sync-end");
    env.finish()
}

fn w08() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, hwm(100));
    watch(t, &w, "w", &["drain"]);
    let r = w.write_cb("abc", cb_log(t, "cb1"));
    tlog!(t, "r1", r);
    env.imm("imm1");
    let (h, t2) = (env.h.clone(), t.clone());
    env.h.set_immediate(move || {
        h.set_immediate(move || tlog!(t2, "later: no drain seen"));
    });
    env.finish()
}

fn w09() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, hwm(2));
    watch(t, &w, "w", &["drain", "prefinish", "finish", "close"]);
    let r = w.write_cb("abc", cb_log(t, "cb1"));
    tlog!(t, "r1", r);
    w.end();
    tlog!(t, "sync-end");
    env.finish()
}

fn w10() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, hwm(2));
    watch(t, &w, "w", &["drain", "finish", "close", "error"]);
    let r = w.write_cb("abc", cb_errc(t, "cb1"));
    tlog!(t, "r1", r);
    w.destroy(None);
    tlog!(t, "sync-end");
    env.finish()
}

fn w11() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, hwm(3));
    let n = Rc::new(Cell::new(0));
    let (w2, t2) = (w.clone(), t.clone());
    w.on(DRAIN, move |_| {
        n.set(n.get() + 1);
        tlog!(t2, "drain", n.get());
        if n.get() < 3 {
            let r = w2.write("xyz");
            tlog!(t2, "after-drain write ->", r);
        }
    });
    let r = w.write("xyz");
    tlog!(t, "first ->", r);
    env.finish()
}

fn w12() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, WritableOptions::new());
    watch(t, &w, "w", &["prefinish", "finish", "close", "error"]);
    w.end();
    let r = w.write_cb("x", cb_errc(t, "write-cb"));
    tlog!(
        t,
        "write returned",
        r,
        "destroyed",
        w.destroyed(),
        "errored",
        errc(w.errored().as_ref())
    );
    tlog!(t, "sync-end");
    env.finish()
}

fn w13() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, WritableOptions::new());
    watch(t, &w, "w", &["finish", "close"]);
    w.end();
    let r = w.write_cb("x", cb_errc(t, "write-cb"));
    tlog!(t, "write returned", r, "sync-end");
    env.finish()
}

fn w14() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, WritableOptions::new());
    watch(t, &w, "w", &["close", "error"]);
    w.destroy(None);
    let r = w.write_cb("x", cb_errc(t, "write-cb"));
    tlog!(t, "write returned", r, "sync-end");
    env.finish()
}

fn w17() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let t2 = t.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            tlog!(t2, "_write", text(&c));
            cb.error(err("boom"));
        }),
        WritableOptions::new(),
    );
    watch(t, &w, "w", &["error", "close", "finish"]);
    let r = w.write_cb("a", cb_errc(t, "write-cb"));
    tlog!(
        t,
        "write returned",
        r,
        "errored",
        errc(w.errored().as_ref()),
        "destroyed",
        w.destroyed(),
        "writable",
        w.writable()
    );
    let r = w.write_cb("b", cb_errc(t, "write-cb2"));
    tlog!(t, "second write ->", r);
    env.finish()
}

fn w18() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let (t2, h) = (t.clone(), env.h.clone());
    let n = Rc::new(Cell::new(0));
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            tlog!(t2, "_write", text(&c));
            n.set(n.get() + 1);
            let n = n.clone();
            h.set_immediate(move || cb.call((n.get() == 1).then(|| err("boom"))));
        }),
        WritableOptions::new(),
    );
    watch(t, &w, "w", &["error", "close", "finish"]);
    w.write_cb("a", cb_errc(t, "cb-a"));
    w.write_cb("b", cb_errc(t, "cb-b"));
    w.end_cb(cb_errc(t, "end-cb"));
    env.finish()
}

/// A sink counting writes that completes on an immediate.
fn counting_slow(env: &Env, h: usize, writes: Rc<Cell<usize>>) -> Writable {
    let lp = env.h.clone();
    Writable::new(
        &env.h,
        FnSink::new().write(move |_: Chunk, cb: WriteCallback| {
            writes.set(writes.get() + 1);
            lp.set_immediate(move || cb.ok());
        }),
        hwm(h),
    )
}

fn w41() -> Vec<String> {
    let env = Env::new();
    let cases: Vec<(&str, usize, usize, usize)> = vec![
        ("A", 1_000_000, 1, 16384),
        ("B", 1000, 100, 1024),
        ("C", 100, 4096, 16384),
        ("D", 10, 20000, 16384),
        ("E", 96, 1024, 16384),
        ("F", 97, 1024, 16384),
    ];
    fn next(
        env: Rc<(nodestream::LoopHandle, crate::trace::Trace)>,
        mut cases: Vec<(&'static str, usize, usize, usize)>,
    ) {
        if cases.is_empty() {
            return;
        }
        let (label, n, c, h) = cases.remove(0);
        let (lp, t) = (&env.0, &env.1);
        let writes = Rc::new(Cell::new(0));
        let w = {
            let writes = writes.clone();
            let lp2 = lp.clone();
            Writable::new(
                lp,
                FnSink::new().write(move |_: Chunk, cb: WriteCallback| {
                    writes.set(writes.get() + 1);
                    lp2.set_immediate(move || cb.ok());
                }),
                hwm(h),
            )
        };
        let drains = Rc::new(Cell::new(0));
        let d = drains.clone();
        w.on(DRAIN, move |_| d.set(d.get() + 1));
        let chunk = bytes::Bytes::from(vec![b'x'; c]);
        let t = t.clone();
        let env2 = env.clone();
        let done: Rc<dyn Fn()> = Rc::new(move || {
            tlog!(
                t,
                label,
                format!("N={n} C={c} HWM={h}"),
                "writes",
                writes.get(),
                "drains",
                drains.get()
            );
            next(env2.clone(), cases.clone());
        });
        let i = Rc::new(Cell::new(n));
        fn pump(w: Writable, chunk: bytes::Bytes, i: Rc<Cell<usize>>, done: Rc<dyn Fn()>) {
            let mut ok = true;
            loop {
                i.set(i.get() - 1);
                if i.get() == 0 {
                    let done = done.clone();
                    w.write_cb(chunk.clone(), move |_| done());
                } else {
                    ok = w.write(chunk.clone());
                }
                if !(i.get() > 0 && ok) {
                    break;
                }
            }
            if i.get() > 0 {
                let w2 = w.clone();
                w.once(DRAIN, move |_| {
                    pump(w2.clone(), chunk.clone(), i.clone(), done.clone())
                });
            }
        }
        pump(w, chunk, i, done);
    }
    next(Rc::new((env.h.clone(), env.t.clone())), cases);
    env.finish()
}

fn w42() -> Vec<String> {
    let env = Env::new();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(|_: Chunk, cb: WriteCallback| cb.ok()),
        hwm(1024),
    );
    let drains = Rc::new(Cell::new(0));
    let d = drains.clone();
    w.on(DRAIN, move |_| d.set(d.get() + 1));
    let mut falses = 0;
    for _ in 0..10000 {
        if !w.write(vec![0u8; 100]) {
            falses += 1;
        }
    }
    let t = env.t.clone();
    env.h.set_immediate(move || {
        tlog!(
            t,
            "falses",
            falses,
            "drains",
            drains.get(),
            "len",
            w.writable_length()
        );
    });
    env.finish()
}

fn w43() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = Writable::new(
        &env.h,
        FnSink::new().write(|_: Chunk, cb: WriteCallback| {
            cb.clone().ok();
            cb.ok();
        }),
        WritableOptions::new(),
    );
    watch(t, &w, "w", &["error", "close"]);
    w.write_cb("a", cb_errc(t, "write-cb"));
    tlog!(t, "sync-end", "destroyed", w.destroyed());
    env.finish()
}

fn x01() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let a = slow_sink(&env, hwm(5));
    watch(t, &a, "a", &["drain"]);
    let r = a.write("12345");
    tlog!(
        t,
        "a 5 bytes ->",
        r,
        "len",
        a.writable_length(),
        "needDrain",
        a.writable_need_drain()
    );
    let b = slow_sink(&env, hwm(5));
    watch(t, &b, "b", &["drain"]);
    let r = b.write("1234");
    tlog!(
        t,
        "b 4 bytes ->",
        r,
        "len",
        b.writable_length(),
        "needDrain",
        b.writable_need_drain()
    );
    let r = b.write("5");
    tlog!(
        t,
        "b 1 byte ->",
        r,
        "len",
        b.writable_length(),
        "needDrain",
        b.writable_need_drain()
    );
    tlog!(t, "sync-end");
    env.finish()
}

fn x02() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, hwm(8));
    watch(t, &w, "w", &["drain"]);
    let r = w.write("abcdefg");
    tlog!(t, "7 bytes ->", r, "len", w.writable_length());
    let r = w.write("");
    tlog!(t, "empty ->", r, "len", w.writable_length());
    let r = w.write("h");
    tlog!(
        t,
        "1 byte ->",
        r,
        "len",
        w.writable_length(),
        "needDrain",
        w.writable_need_drain()
    );
    env.finish()
}

fn x03() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, hwm(1));
    let n = Rc::new(Cell::new(0));
    let (w2, t2) = (w.clone(), t.clone());
    w.on(DRAIN, move |_| {
        n.set(n.get() + 1);
        tlog!(
            t2,
            "drain",
            n.get(),
            "len",
            w2.writable_length(),
            "needDrain",
            w2.writable_need_drain()
        );
        if n.get() == 1 {
            let r = w2.write("c");
            tlog!(t2, "write in drain ->", r);
        }
    });
    let r = w.write("");
    tlog!(t, "empty ->", r);
    let r = w.write("a");
    tlog!(t, "a ->", r);
    let r = w.write("b");
    tlog!(t, "b ->", r, "len", w.writable_length());
    env.finish()
}

fn x04() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let o = slow_object_sink(&env, hwm(3));
    watch(t, &o, "o", &["drain"]);
    let (w1, w2, w3) = (
        o.write("one".to_owned()),
        o.write("two".to_owned()),
        o.write("three".to_owned()),
    );
    tlog!(t, "w1", w1, "w2", w2, "w3", w3, "len", o.writable_length());
    let r = o.write("four".to_owned());
    tlog!(t, "w4", r, "len", o.writable_length());
    let h = env.h.clone();
    let big: Writable<Vec<u8>> = Writable::new_object(
        &env.h,
        FnSink::new().write(move |_: Vec<u8>, cb: WriteCallback| {
            h.set_immediate(move || cb.ok());
        }),
        hwm(2),
    );
    let r = big.write(vec![0u8; 1 << 20]);
    tlog!(t, "big buffer ->", r, "len", big.writable_length());
    let h = env.h.clone();
    let z: Writable<String> = Writable::new_object(
        &env.h,
        FnSink::new().write(move |_: String, cb: WriteCallback| {
            h.set_immediate(move || cb.ok());
        }),
        hwm(0),
    );
    let r = z.write("x".to_owned());
    tlog!(
        t,
        "hwm0 object ->",
        r,
        "hwm",
        z.writable_high_water_mark(),
        "objectMode",
        z.writable_object_mode()
    );
    env.finish()
}

fn x05() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let a = slow_sink(&env, hwm(4));
    let r = a.write("éé");
    tlog!(t, "decoded éé ->", r, "len", a.writable_length());
    let h = env.h.clone();
    let b = Writable::new(
        &env.h,
        FnSink::new().write(move |_: Chunk, cb: WriteCallback| {
            h.set_immediate(move || cb.ok());
        }),
        hwm(4).decode_strings(false),
    );
    let r = b.write("éé");
    tlog!(t, "raw éé ->", r, "len", b.writable_length());
    let r = b.write_str("6869", nodestream::Encoding::Hex);
    tlog!(t, "raw 6869 hex ->", r, "len", b.writable_length());
    let c = slow_sink(&env, hwm(4));
    let r = c.write_str("6869", nodestream::Encoding::Hex);
    tlog!(t, "decoded 6869 hex ->", r, "len", c.writable_length());
    env.finish()
}

fn x06() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, hwm(4));
    watch(t, &w, "w", &["drain"]);
    let (w2, t2) = (w.clone(), t.clone());
    let r = w.write_cb(vec![b'q'; 100], move |_| {
        tlog!(t2, "cb", "len", w2.writable_length())
    });
    tlog!(t, "100 bytes ->", r);
    tlog!(t, "len", w.writable_length());
    env.finish()
}

fn x07() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = slow_sink(&env, hwm(4));
    watch(t, &w, "w", &["drain"]);
    let (w2, t2) = (w.clone(), t.clone());
    let r = w.write_cb("ab", move |_| {
        tlog!(
            t2,
            "cb-ab len",
            w2.writable_length(),
            "needDrain",
            w2.writable_need_drain()
        );
        let r = w2.write_cb("e", cb_log(&t2, "cb-e"));
        tlog!(t2, "e ->", r, "len", w2.writable_length());
    });
    tlog!(t, "ab ->", r);
    let r = w.write_cb("cd", cb_log(t, "cb-cd"));
    tlog!(t, "cd ->", r, "len", w.writable_length());
    env.finish()
}

/// One step of `series`: runs, then calls the continuation it is given.
type Step = Box<dyn FnOnce(Box<dyn FnOnce()>)>;

/// Runs `drain_loop` cases one after another (scenarios.js `series`).
fn series(steps: Vec<Step>) {
    let mut steps = steps;
    if steps.is_empty() {
        return;
    }
    let first = steps.remove(0);
    first(Box::new(move || series(steps)));
}

fn x08() -> Vec<String> {
    let env = Env::new();
    let cases: [(&str, usize, usize, usize); 8] = [
        ("A", 10, 1, 1),
        ("B", 10, 1, 2),
        ("C", 10, 3, 10),
        ("D", 33, 5, 16),
        ("E", 100, 7, 64),
        ("F", 1000, 1, 1000),
        ("G", 999, 1, 1000),
        ("H", 5000, 10, 16384),
    ];
    let steps: Vec<Step> = cases
        .into_iter()
        .map(|(l, n, c, h)| {
            let (t, lp) = (env.t.clone(), env.h.clone());
            Box::new(move |next: Box<dyn FnOnce()>| {
                let w = counting_slow_on(&lp, h);
                drain_loop(
                    &t,
                    format!("{l} N={n} C={c} HWM={h}"),
                    &w,
                    n,
                    Chunk::from_bytes(vec![b'x'; c]),
                    next,
                );
            }) as Step
        })
        .collect();
    series(steps);
    env.finish()
}

fn counting_slow_on(lp: &nodestream::LoopHandle, h: usize) -> Writable {
    let lp2 = lp.clone();
    Writable::new(
        lp,
        FnSink::new().write(move |_: Chunk, cb: WriteCallback| {
            lp2.set_immediate(move || cb.ok());
        }),
        hwm(h),
    )
}

fn x09() -> Vec<String> {
    let env = Env::new();
    let w = counting_slow(&env, 0, Rc::new(Cell::new(0)));
    drain_loop(
        &env.t,
        "N=10 C=4 HWM=0".into(),
        &w,
        10,
        Chunk::from_bytes(vec![0u8; 4]),
        || {},
    );
    env.finish()
}

fn x10() -> Vec<String> {
    let env = Env::new();
    let h = env.h.clone();
    let w: Writable<u32> = Writable::new_object(
        &env.h,
        FnSink::new().write(move |_: u32, cb: WriteCallback| {
            h.set_immediate(move || cb.ok());
        }),
        WritableOptions::new(),
    );
    drain_loop(&env.t, "objects N=100 HWM=16".into(), &w, 100, 1u32, || {});
    env.finish()
}

fn x11() -> Vec<String> {
    let env = Env::new();
    let writes = Rc::new(Cell::new(0));
    let writevs = Rc::new(Cell::new(0));
    let max_batch = Rc::new(Cell::new(0));
    let (h1, h2) = (env.h.clone(), env.h.clone());
    let (wr, wv, mb) = (writes.clone(), writevs.clone(), max_batch.clone());
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(move |_: Chunk, cb: WriteCallback| {
                wr.set(wr.get() + 1);
                h1.set_immediate(move || cb.ok());
            })
            .writev(move |chunks: Vec<Chunk>, cb: WriteCallback| {
                wv.set(wv.get() + 1);
                mb.set(mb.get().max(chunks.len()));
                h2.set_immediate(move || cb.ok());
            }),
        hwm(64),
    );
    let t = env.t.clone();
    drain_loop(
        &env.t,
        "N=100 C=8 HWM=64".into(),
        &w,
        100,
        Chunk::from_bytes(vec![0u8; 8]),
        move || {
            tlog!(
                t,
                "writes",
                writes.get(),
                "writevs",
                writevs.get(),
                "maxBatch",
                max_batch.get()
            );
        },
    );
    env.finish()
}

fn x12() -> Vec<String> {
    let env = Env::new();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(|_: Chunk, cb: WriteCallback| cb.ok()),
        hwm(16),
    );
    drain_loop(
        &env.t,
        "sync N=50 C=100 HWM=16".into(),
        &w,
        50,
        Chunk::from_bytes(vec![0u8; 100]),
        || {},
    );
    env.finish()
}

fn x44() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let (t2, h) = (t.clone(), env.h.clone());
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            tlog!(t2, "_write", text(&c));
            h.set_immediate(move || cb.error(err("late")));
        }),
        WritableOptions::new(),
    );
    watch(t, &w, "w", &["error", "close", "finish"]);
    let (w2, t2) = (w.clone(), t.clone());
    let r = w.write_cb("a", move |e| {
        tlog!(t2, "write-cb", errc(e.as_ref()));
        snap(&t2, &w2, "in write-cb");
    });
    tlog!(t, "write ->", r);
    env.finish()
}

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "w01-hwm-write-returns-false",
        run: w01,
    },
    Scenario {
        name: "w02-default-hwm",
        run: w02,
    },
    Scenario {
        name: "w03-hwm-zero",
        run: w03,
    },
    Scenario {
        name: "w04-write-cb-sync-completion",
        run: w04,
    },
    Scenario {
        name: "w05-write-cb-async-completion",
        run: w05,
    },
    Scenario {
        name: "w06-sync-completion-never-false",
        run: w06,
    },
    Scenario {
        name: "w06b-drain-after-sync-flush",
        run: w06b,
    },
    Scenario {
        name: "w07-drain-async-order",
        run: w07,
    },
    Scenario {
        name: "w08-no-drain-without-false",
        run: w08,
    },
    Scenario {
        name: "w09-drain-suppressed-by-end",
        run: w09,
    },
    Scenario {
        name: "w10-drain-suppressed-by-destroy",
        run: w10,
    },
    Scenario {
        name: "w11-drain-each-cycle",
        run: w11,
    },
    Scenario {
        name: "w12-write-after-end",
        run: w12,
    },
    Scenario {
        name: "w13-write-after-end-no-error-listener",
        run: w13,
    },
    Scenario {
        name: "w14-write-after-destroy",
        run: w14,
    },
    Scenario {
        name: "w17-write-error-sync",
        run: w17,
    },
    Scenario {
        name: "w18-write-error-async-with-buffered",
        run: w18,
    },
    Scenario {
        name: "w41-writeOneMillionTimes-drain-count",
        run: w41,
    },
    Scenario {
        name: "w42-sync-sink-never-drains",
        run: w42,
    },
    Scenario {
        name: "w43-write-cb-called-twice",
        run: w43,
    },
    Scenario {
        name: "x01-hwm-exact-boundary",
        run: x01,
    },
    Scenario {
        name: "x02-hwm-minus-one",
        run: x02,
    },
    Scenario {
        name: "x03-hwm-one",
        run: x03,
    },
    Scenario {
        name: "x04-objectmode-hwm",
        run: x04,
    },
    Scenario {
        name: "x05-hwm-counts-bytes-or-chars",
        run: x05,
    },
    Scenario {
        name: "x06-hwm-single-large-chunk",
        run: x06,
    },
    Scenario {
        name: "x07-hwm-below-again-before-drain",
        run: x07,
    },
    Scenario {
        name: "x08-drain-loop-counts",
        run: x08,
    },
    Scenario {
        name: "x09-drain-loop-hwm-zero",
        run: x09,
    },
    Scenario {
        name: "x10-drain-loop-objectmode",
        run: x10,
    },
    Scenario {
        name: "x11-drain-loop-writev-sink",
        run: x11,
    },
    Scenario {
        name: "x12-drain-loop-sync-sink-large-chunks",
        run: x12,
    },
    Scenario {
        name: "x44-write-error-async-alone",
        run: x44,
    },
];
