//! Writable, ported from node's `test/parallel/test-stream-writable-*.js`: the buffer seen
//! from inside `_write`/`_writev` and the callbacks, cork counts, state flags, and the
//! texts of the write errors: ww01-ww20.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use nodestream::events::{CLOSE, DRAIN, ERROR, FINISH};
use nodestream::stream::writable::{Chunk, Writable, WritableOptions, WriteCallback};
use nodestream::Error;

use super::writable_util::{err, text, Env, FnSink, Late};
use super::Scenario;
use crate::trace::{errc, tlog, Trace};

/// scenarios.js `etext(e)`: `CODE: message`, or `null`.
pub(super) fn etext(e: Option<&Error>) -> String {
    match e {
        None => "null".to_owned(),
        Some(e) => format!("{}: {}", errc(e), e.message()),
    }
}

/// `new Writable({ ...opts, write })` whose `write` sees the stream (`w` in the JS).
fn writable_with(
    env: &Env,
    opts: WritableOptions,
    mut write: impl FnMut(&Writable, Chunk, WriteCallback) + 'static,
) -> Writable {
    let late = Late::new();
    let l2 = late.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| write(&l2.get(), c, cb)),
        opts,
    );
    late.set(&w);
    w
}

/// A Writable whose `_write` completes at once.
fn sync_writable(env: &Env, opts: WritableOptions) -> Writable {
    Writable::new(
        &env.h,
        FnSink::new().write(|_: Chunk, cb: WriteCallback| cb.ok()),
        opts,
    )
}

/// A Writable whose `_write` never completes (`write() {}` in the JS).
fn stuck_writable(env: &Env, opts: WritableOptions) -> Writable {
    Writable::new(
        &env.h,
        FnSink::new().write(|_: Chunk, _: WriteCallback| {}),
        opts,
    )
}

/// Logs `label <etext>` from a callback.
fn cb_etext(t: &Trace, label: String) -> impl FnOnce(Option<Error>) + 'static {
    let t = t.clone();
    move |e: Option<Error>| tlog!(t, label, etext(e.as_ref()))
}

/// Logs `label <errc>` from a callback.
fn cb_errc(t: &Trace, label: &'static str) -> impl FnOnce(Option<Error>) + 'static {
    let t = t.clone();
    move |e: Option<Error>| tlog!(t, label, errc(e.as_ref()))
}

fn ww01() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let t2 = t.clone();
    let w = writable_with(
        &env,
        WritableOptions::new().high_water_mark(1),
        move |w, _, cb| {
            tlog!(
                t2,
                "_write needDrain",
                w.writable_need_drain(),
                "len",
                w.writable_length()
            );
            cb.ok();
        },
    );
    tlog!(t, "before needDrain", w.writable_need_drain());
    let (t2, w2) = (t.clone(), w.clone());
    let r = w.write_cb("asdasd", move |e| {
        tlog!(
            t2,
            "write-cb",
            errc(e.as_ref()),
            "needDrain",
            w2.writable_need_drain(),
            "len",
            w2.writable_length()
        );
    });
    tlog!(
        t,
        "write ->",
        r,
        "needDrain",
        w.writable_need_drain(),
        "len",
        w.writable_length()
    );
    env.finish()
}

fn ww02() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let (t2, h) = (t.clone(), env.h.clone());
    let w = writable_with(
        &env,
        WritableOptions::new().high_water_mark(4),
        move |w, c, cb| {
            tlog!(
                t2,
                "_write",
                text(&c),
                "len",
                w.writable_length(),
                "buffered",
                w.writable_buffer_len(),
                "needDrain",
                w.writable_need_drain()
            );
            h.set_immediate(move || cb.ok());
        },
    );
    for s in ["a", "bb", "ccc"] {
        let (t2, w2) = (t.clone(), w.clone());
        let r = w.write_cb(s, move |_| {
            tlog!(
                t2,
                "cb",
                s,
                "len",
                w2.writable_length(),
                "buffered",
                w2.writable_buffer_len()
            );
        });
        tlog!(
            t,
            "write",
            s,
            "->",
            r,
            "len",
            w.writable_length(),
            "buffered",
            w.writable_buffer_len()
        );
    }
    let (t2, w2) = (t.clone(), w.downgrade());
    w.on(DRAIN, move |_| {
        let w = w2.upgrade().expect("stream alive while it emits");
        tlog!(
            t2,
            "drain",
            "len",
            w.writable_length(),
            "buffered",
            w.writable_buffer_len()
        );
    });
    env.finish()
}

fn ww03() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let h = env.h.clone();
    let w: Writable<u32> = Writable::new_object(
        &env.h,
        FnSink::new().write(move |_: u32, cb: WriteCallback| {
            h.set_immediate(move || cb.ok());
        }),
        WritableOptions::new(),
    );
    w.cork();
    for i in 1..=5u32 {
        let (t2, w2) = (t.clone(), w.clone());
        w.write_cb(i, move |_| {
            tlog!(
                t2,
                "cb",
                i,
                "buffered",
                w2.writable_buffer_len(),
                "len",
                w2.writable_length()
            );
        });
    }
    tlog!(
        t,
        "corked: buffered",
        w.writable_buffer_len(),
        "len",
        w.writable_length()
    );
    w.end();
    tlog!(
        t,
        "after end: buffered",
        w.writable_buffer_len(),
        "len",
        w.writable_length(),
        "corked",
        w.writable_corked()
    );
    let t2 = t.clone();
    w.on(FINISH, move |_| tlog!(t2, "finish"));
    env.finish()
}

fn ww04() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let late = Late::new();
    let (t2, l2) = (t.clone(), late.clone());
    let (t3, l3) = (t.clone(), late.clone());
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(move |c: Chunk, cb: WriteCallback| {
                let w = l2.get();
                tlog!(
                    t2,
                    "_write",
                    text(&c),
                    "corked",
                    w.writable_corked(),
                    "len",
                    w.writable_length(),
                    "buffered",
                    w.writable_buffer_len()
                );
                cb.ok();
            })
            .writev(move |chunks: Vec<Chunk>, cb: WriteCallback| {
                let w = l3.get();
                tlog!(
                    t3,
                    "_writev",
                    chunks.len(),
                    "corked",
                    w.writable_corked(),
                    "len",
                    w.writable_length(),
                    "buffered",
                    w.writable_buffer_len()
                );
                cb.ok();
            }),
        WritableOptions::new(),
    );
    late.set(&w);
    w.cork();
    w.write("a");
    w.write("bc");
    tlog!(
        t,
        "corked",
        w.writable_corked(),
        "len",
        w.writable_length(),
        "buffered",
        w.writable_buffer_len()
    );
    w.uncork();
    tlog!(
        t,
        "after uncork",
        "corked",
        w.writable_corked(),
        "len",
        w.writable_length(),
        "buffered",
        w.writable_buffer_len()
    );
    w.cork();
    w.write("d");
    w.uncork();
    tlog!(t, "one chunk flushed", "len", w.writable_length());
    env.finish()
}

fn ww05() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let first = Cell::new(true);
    let (t2, h) = (t.clone(), env.h.clone());
    let w = writable_with(&env, WritableOptions::new(), move |w, c, cb| {
        tlog!(t2, "_write", text(&c), "corked", w.writable_corked());
        if first.replace(false) {
            w.cork();
        }
        h.set_immediate(move || cb.ok());
    });
    let (t2, w2) = (t.clone(), w.clone());
    w.write_cb("a", move |_| {
        tlog!(
            t2,
            "cb a",
            "corked",
            w2.writable_corked(),
            "buffered",
            w2.writable_buffer_len()
        );
    });
    w.write_cb("b", cb_log(&t, "cb b"));
    w.write_cb("c", cb_log(&t, "cb c"));
    let (t2, w2, h) = (t.clone(), w.clone(), env.h.clone());
    env.h.set_immediate(move || {
        h.set_immediate(move || {
            tlog!(
                t2,
                "later: buffered",
                w2.writable_buffer_len(),
                "len",
                w2.writable_length()
            );
            w2.uncork();
            tlog!(
                t2,
                "after uncork: buffered",
                w2.writable_buffer_len(),
                "corked",
                w2.writable_corked()
            );
        });
    });
    env.finish()
}

/// Logs `label` from a callback.
fn cb_log(t: &Trace, label: &'static str) -> impl FnOnce(Option<Error>) + 'static {
    let t = t.clone();
    move |_| tlog!(t, label)
}

fn ww06() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let w = sync_writable(&env, WritableOptions::new());
    let mut seen = vec![w.writable_corked()];
    w.uncork();
    seen.push(w.writable_corked());
    w.cork();
    seen.push(w.writable_corked());
    w.cork();
    seen.push(w.writable_corked());
    for _ in 0..3 {
        w.uncork();
        seen.push(w.writable_corked());
    }
    let seen: Vec<String> = seen.iter().map(ToString::to_string).collect();
    tlog!(t, "corked", seen.join(","));
    w.cork();
    w.cork();
    w.cork();
    w.end();
    tlog!(t, "after end", w.writable_corked());
    env.finish()
}

fn ww07() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let t2 = t.clone();
    let w = writable_with(&env, WritableOptions::new(), move |w, _, cb| {
        tlog!(
            t2,
            "_write",
            "writable",
            w.writable(),
            "ended",
            w.writable_ended()
        );
        cb.ok();
    });
    tlog!(
        t,
        "before",
        "writable",
        w.writable(),
        "ended",
        w.writable_ended()
    );
    let (t2, w2) = (t.clone(), w.clone());
    w.end_with_cb("testing ended state", move |e| {
        tlog!(
            t2,
            "end-cb",
            errc(e.as_ref()),
            "writable",
            w2.writable(),
            "ended",
            w2.writable_ended()
        );
    });
    tlog!(
        t,
        "after end",
        "writable",
        w.writable(),
        "ended",
        w.writable_ended()
    );
    env.finish()
}

fn ww08() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let t2 = t.clone();
    let w = writable_with(&env, WritableOptions::new(), move |w, _, cb| {
        tlog!(t2, "_write finished", w.writable_finished());
        cb.ok();
    });
    let (t2, w2) = (t.clone(), w.downgrade());
    w.on(FINISH, move |_| {
        let w = w2.upgrade().expect("stream alive while it emits");
        tlog!(t2, "finish", w.writable_finished());
    });
    let (t2, w2) = (t.clone(), w.clone());
    w.end_with_cb("testing finished state", move |e| {
        tlog!(t2, "end-cb", errc(e.as_ref()), w2.writable_finished());
    });
    tlog!(t, "after end finished", w.writable_finished());
    let w2 = sync_writable(&env, WritableOptions::new());
    w2.end();
    tlog!(t, "w2 after end finished", w2.writable_finished());
    let t2 = t.clone();
    w2.on(FINISH, move |_| {
        tlog!(t2, "w2 finish (listener added after end)")
    });
    env.finish()
}

fn ww09() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    for ad in [false, true] {
        let w = sync_writable(&env, WritableOptions::new().auto_destroy(ad));
        w.end();
        let ticked = Rc::new(Cell::new(false));
        let (t2, tk) = (t.clone(), ticked.clone());
        let r = w.write_cb("asd", move |e| {
            tlog!(
                t2,
                format!("ad={ad} cb"),
                etext(e.as_ref()),
                "ticked",
                tk.get()
            );
        });
        ticked.set(true);
        tlog!(
            t,
            format!("ad={ad} write ->"),
            r,
            "destroyed",
            w.destroyed(),
            "errored",
            errc(w.errored().as_ref())
        );
        let (t2, w2) = (t.clone(), w.downgrade());
        w.on(ERROR, move |e| {
            let w = w2.upgrade().expect("stream alive while it emits");
            tlog!(
                t2,
                format!("ad={ad} error"),
                etext(Some(e)),
                "destroyed",
                w.destroyed()
            );
        });
        let t2 = t.clone();
        w.on(CLOSE, move |_| tlog!(t2, format!("ad={ad} close")));
    }
    env.finish()
}

fn ww10() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    for ad in [false, true] {
        let w = sync_writable(&env, WritableOptions::new().auto_destroy(ad));
        w.destroy(None);
        let ticked = Rc::new(Cell::new(false));
        let (t2, tk) = (t.clone(), ticked.clone());
        let r = w.write_cb("asd", move |e| {
            tlog!(
                t2,
                format!("ad={ad} cb"),
                etext(e.as_ref()),
                "ticked",
                tk.get()
            );
        });
        ticked.set(true);
        tlog!(t, format!("ad={ad} write ->"), r);
        let t2 = t.clone();
        w.on(ERROR, move |e| {
            tlog!(t2, format!("ad={ad} error"), etext(Some(e)))
        });
        let t2 = t.clone();
        w.on(CLOSE, move |_| tlog!(t2, format!("ad={ad} close")));
    }
    env.finish()
}

fn ww11() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    // write(null) and write({}) do not type-check here: a byte stream takes bytes and
    // strings, an object stream of T takes T values. What remains is that the stream is
    // untouched and usable (`typeof` of a Buffer and of an object is 'object').
    let t2 = t.clone();
    let bytes = Writable::new(
        &env.h,
        FnSink::new().write(move |_: Chunk, cb: WriteCallback| {
            tlog!(t2, "om=false _write", "object");
            cb.ok();
        }),
        WritableOptions::new(),
    );
    tlog!(
        t,
        "om=false writable",
        bytes.writable(),
        "len",
        bytes.writable_length()
    );
    bytes.write("ok");
    let t2 = t.clone();
    let objects: Writable<Vec<u8>> = Writable::new_object(
        &env.h,
        FnSink::new().write(move |_: Vec<u8>, cb: WriteCallback| {
            tlog!(t2, "om=true _write", "object");
            cb.ok();
        }),
        WritableOptions::new(),
    );
    tlog!(
        t,
        "om=true writable",
        objects.writable(),
        "len",
        objects.writable_length()
    );
    objects.write(Vec::new());
    env.finish()
}

fn ww12() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    type Twice = fn(&nodestream::LoopHandle, WriteCallback);
    let kinds: [(&str, Twice); 3] = [
        ("sync+sync", |_, cb| {
            cb.clone().ok();
            cb.ok();
        }),
        ("sync+async", |h, cb| {
            cb.clone().ok();
            h.next_tick(move || cb.ok());
        }),
        ("async+async", |h, cb| {
            let first = cb.clone();
            h.next_tick(move || first.ok());
            h.next_tick(move || cb.ok());
        }),
    ];
    for (kind, f) in kinds {
        let h = env.h.clone();
        let w = Writable::new(
            &env.h,
            FnSink::new().write(move |_: Chunk, cb: WriteCallback| f(&h, cb)),
            WritableOptions::new(),
        );
        w.write_cb("hi", cb_etext(&t, format!("{kind} write-cb")));
        let t2 = t.clone();
        w.on(ERROR, move |e| tlog!(t2, kind, "error", etext(Some(e))));
        let t2 = t.clone();
        w.on(CLOSE, move |_| tlog!(t2, kind, "close"));
    }
    env.finish()
}

fn ww13() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let a = Writable::new(
        &env.h,
        FnSink::new().write(|_: Chunk, cb: WriteCallback| cb.error(err("sync"))),
        WritableOptions::new(),
    );
    let t2 = t.clone();
    a.on(ERROR, move |e| tlog!(t2, "a error", errc(e)));
    a.write_cb("hi", cb_errc(&t, "a cb"));
    let h = env.h.clone();
    let b = Writable::new(
        &env.h,
        FnSink::new().write(move |_: Chunk, cb: WriteCallback| {
            h.next_tick(move || cb.error(err("async")));
        }),
        WritableOptions::new(),
    );
    let t2 = t.clone();
    b.on(ERROR, move |e| tlog!(t2, "b error", errc(e)));
    b.write_cb("hi", cb_errc(&t, "b cb"));
    let c = Writable::new(
        &env.h,
        FnSink::new().write(|_: Chunk, cb: WriteCallback| cb.error(err("loop"))),
        WritableOptions::new(),
    );
    let t2 = t.clone();
    c.on(ERROR, move |e| tlog!(t2, "c error", errc(e)));
    let mut cnt = 0;
    while c.write("a") {
        cnt += 1;
    }
    tlog!(t, "c loop count", cnt);
    env.finish()
}

fn ww14() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let a = stuck_writable(&env, WritableOptions::new());
    tlog!(t, "a", a.writable());
    a.destroy(None);
    tlog!(t, "a after destroy", a.writable());
    let b = Writable::new(
        &env.h,
        FnSink::new().write(|_: Chunk, cb: WriteCallback| cb.error(err("b"))),
        WritableOptions::new(),
    );
    tlog!(t, "b", b.writable());
    b.write("asd");
    tlog!(t, "b after failing write", b.writable());
    let (t2, b2) = (t.clone(), b.downgrade());
    b.on(ERROR, move |_| {
        let b = b2.upgrade().expect("stream alive while it emits");
        tlog!(t2, "b error", b.writable());
    });
    let (t2, h) = (t.clone(), env.h.clone());
    let c = writable_with(&env, WritableOptions::new(), move |c, _, cb| {
        let (t2, c2) = (t2.clone(), c.clone());
        h.next_tick(move || {
            cb.error(err("c"));
            tlog!(t2, "c after async cb(err)", c2.writable());
        });
    });
    c.write("asd");
    let t2 = t.clone();
    c.on(ERROR, move |_| tlog!(t2, "c error"));
    let t2 = t.clone();
    let d = Writable::new(
        &env.h,
        FnSink::new().write(move |_: Chunk, _: WriteCallback| tlog!(t2, "d _write (never)")),
        WritableOptions::new(),
    );
    tlog!(t, "d", d.writable());
    d.end();
    tlog!(t, "d after end", d.writable());
    env.finish()
}

fn ww15() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let a = stuck_writable(&env, WritableOptions::new());
    tlog!(t, "a", a.writable_aborted());
    a.destroy(None);
    tlog!(t, "a after destroy", a.writable_aborted());
    let b = stuck_writable(&env, WritableOptions::new());
    b.end();
    b.destroy(None);
    tlog!(t, "b after end+destroy", b.writable_aborted());
    let c = sync_writable(&env, WritableOptions::new());
    c.end_with("x");
    let (t2, c2) = (t.clone(), c.downgrade());
    c.on(FINISH, move |_| {
        let c = c2.upgrade().expect("stream alive while it emits");
        tlog!(t2, "c at finish", c.writable_aborted());
    });
    let (t2, c2) = (t.clone(), c.downgrade());
    c.on(CLOSE, move |_| {
        let c = c2.upgrade().expect("stream alive while it emits");
        tlog!(t2, "c at close", c.writable_aborted());
    });
    env.finish()
}

fn ww16() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let h = env.h.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |_: Chunk, cb: WriteCallback| {
            h.next_tick(move || cb.error(err("kaboom")));
        }),
        WritableOptions::new(),
    );
    let t2 = t.clone();
    w.on(ERROR, move |e| tlog!(t2, "error", etext(Some(e))));
    let t2 = t.clone();
    w.on(CLOSE, move |_| tlog!(t2, "close"));
    w.write_cb("asd", cb_errc(&t, "write-cb"));
    w.end_cb(cb_etext(&t, "end-cb 1".into()));
    w.end_cb(cb_etext(&t, "end-cb 2".into()));
    env.finish()
}

fn ww17() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let h = env.h.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |_: Chunk, cb: WriteCallback| {
            h.set_immediate(move || cb.ok());
        }),
        WritableOptions::new(),
    );
    w.end_with_cb("testing ended state", cb_errc(&t, "end-cb 1"));
    tlog!(
        t,
        "after end 1",
        "destroyed",
        w.destroyed(),
        "ended",
        w.writable_ended()
    );
    w.end_cb(cb_errc(&t, "end-cb 2"));
    tlog!(
        t,
        "after end 2",
        "destroyed",
        w.destroyed(),
        "ended",
        w.writable_ended()
    );
    w.end_with_cb("end", cb_etext(&t, "end-cb 3".into()));
    tlog!(t, "after end 3", "destroyed", w.destroyed());
    let t2 = t.clone();
    w.on(ERROR, move |e| tlog!(t2, "error", errc(e)));
    let t2 = t.clone();
    w.on(FINISH, move |_| tlog!(t2, "finish (never)"));
    let t2 = t.clone();
    w.on(CLOSE, move |_| tlog!(t2, "close"));
    env.finish()
}

fn ww18() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let h = env.h.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |_: Chunk, cb: WriteCallback| h.next_tick(move || cb.ok())),
        WritableOptions::new(),
    );
    w.end_with_cb("asd", cb_errc(&t, "end-cb"));
    let (t2, w2) = (t.clone(), w.downgrade());
    w.on(ERROR, move |e| {
        let w = w2.upgrade().expect("stream alive while it emits");
        tlog!(t2, "error", etext(Some(e)), "destroyed", w.destroyed());
    });
    let (t2, w2) = (t.clone(), w.downgrade());
    w.on(FINISH, move |_| {
        tlog!(t2, "finish");
        let w = w2.upgrade().expect("stream alive while it emits");
        w.emit(ERROR, &err("kaboom"));
    });
    let t2 = t.clone();
    w.on(CLOSE, move |_| tlog!(t2, "close"));
    env.finish()
}

fn ww19() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let h = env.h.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |_: Chunk, cb: WriteCallback| {
            h.set_immediate(move || cb.ok());
        }),
        WritableOptions::new(),
    );
    w.end_with_cb("testing ended state", cb_errc(&t, "end-cb 1"));
    w.end_cb(cb_errc(&t, "end-cb 2"));
    let (t2, w2) = (t.clone(), w.downgrade());
    w.on(FINISH, move |_| {
        tlog!(t2, "finish");
        let w = w2.upgrade().expect("stream alive while it emits");
        w.end_cb(cb_etext(&t2, "end-cb 3".into()));
    });
    let t2 = t.clone();
    w.on(CLOSE, move |_| tlog!(t2, "close"));
    env.finish()
}

/// A `_write` that completes only when the stream emits `'close'` (and then, with
/// `end_after`, calls `end()`).
fn complete_on_close(env: &Env, name: &'static str, end_after: bool) -> Writable {
    let t = env.t.clone();
    writable_with(env, WritableOptions::new(), move |w, _, cb| {
        let cb = RefCell::new(Some(cb));
        let (t2, w2) = (t.clone(), w.downgrade());
        w.on(CLOSE, move |_| {
            if end_after {
                tlog!(t2, format!("{name} close: completing, then end()"));
            } else {
                tlog!(t2, format!("{name} close: completing"));
            }
            let cb = cb.borrow_mut().take();
            if let Some(cb) = cb {
                cb.ok();
            }
            if end_after {
                if let Some(w) = w2.upgrade() {
                    w.end();
                }
            }
        });
    })
}

fn ww20() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let a = complete_on_close(&env, "a", false);
    a.end_with("asd");
    a.destroy(None);
    let t2 = t.clone();
    a.on(FINISH, move |_| tlog!(t2, "a finish (never)"));
    let b = complete_on_close(&env, "b", true);
    b.write_cb("asd", cb_errc(&t, "b write-cb"));
    b.destroy(None);
    let t2 = t.clone();
    b.on(FINISH, move |_| tlog!(t2, "b finish (never)"));
    let (t2, a2, b2) = (t.clone(), a.clone(), b.clone());
    env.h.set_immediate(move || {
        tlog!(
            t2,
            "a.writableFinished",
            a2.writable_finished(),
            "b.writableFinished",
            b2.writable_finished()
        );
    });
    env.finish()
}

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "ww01-needDrain-inside-_write",
        run: ww01,
    },
    Scenario {
        name: "ww02-length-and-buffer-inside-_write",
        run: ww02,
    },
    Scenario {
        name: "ww03-buffer-count-in-callbacks-corked",
        run: ww03,
    },
    Scenario {
        name: "ww04-counts-inside-_writev",
        run: ww04,
    },
    Scenario {
        name: "ww05-cork-inside-_write",
        run: ww05,
    },
    Scenario {
        name: "ww06-writableCorked-counts",
        run: ww06,
    },
    Scenario {
        name: "ww07-ended-state-inside-_write",
        run: ww07,
    },
    Scenario {
        name: "ww08-finished-state",
        run: ww08,
    },
    Scenario {
        name: "ww09-write-after-end-texts",
        run: ww09,
    },
    Scenario {
        name: "ww10-write-after-destroy-texts",
        run: ww10,
    },
    Scenario {
        name: "ww11-null-and-invalid-chunk-texts",
        run: ww11,
    },
    Scenario {
        name: "ww12-multiple-callback-variants",
        run: ww12,
    },
    Scenario {
        name: "ww13-write-cb-before-error-event",
        run: ww13,
    },
    Scenario {
        name: "ww14-writable-flag-transitions",
        run: ww14,
    },
    Scenario {
        name: "ww15-writableAborted",
        run: ww15,
    },
    Scenario {
        name: "ww16-end-cb-after-async-error",
        run: ww16,
    },
    Scenario {
        name: "ww17-end-chunk-after-end",
        run: ww17,
    },
    Scenario {
        name: "ww18-error-emitted-in-finish",
        run: ww18,
    },
    Scenario {
        name: "ww19-end-multiple",
        run: ww19,
    },
    Scenario {
        name: "ww20-finish-destroyed",
        run: ww20,
    },
];
