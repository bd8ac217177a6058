//! Readable, ported from node's `test/parallel/test-stream-readable-*.js`: `setEncoding`
//! with bytes buffered, `unshift`, push after EOF, `read(n)`, `'readable'` batching,
//! pause/resume and `readableFlowing`, destroy and `'end'`, `emitClose`/`autoDestroy`, and
//! the error texts: wr01-wr27; and v26's end-of-stream `'readable'` that nobody observes:
//! wr28, wr29.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use nodestream::events::{CLOSE, DATA, END, ERROR, READABLE, RESUME};
use nodestream::stream::readable::{Chunk, DestroyDone, Readable, ReadableOptions, Source};
use nodestream::{Encoding, Error, LoopHandle};

use super::widen_writable::etext;
use super::writable_util::{err, Env};
use super::Scenario;
use crate::trace::{errc, json_string, tlog, Trace, Value};

/// A chunk as lib.js prints it: a Buffer as `buf(..)`, a string as it is.
fn rchunk(c: &Chunk) -> Value {
    match c {
        Chunk::Bytes(b) => Value::from(&b[..]),
        Chunk::Text(s) => Value::from(s.as_str()),
        Chunk::Object(_) => Value::from("[object]"),
    }
}

/// What `read()` returned: the chunk, or `null`.
fn rread(c: Option<Chunk>) -> Value {
    c.as_ref().map_or(Value::Null, rchunk)
}

/// scenarios.js `rwatch(r, name, events)`.
fn rwatch(t: &Trace, r: &Readable, name: &str, events: &[&'static str]) {
    for &ev in events {
        let t = t.clone();
        let label = format!("{name}:{ev}");
        match ev {
            "error" => {
                r.on(ERROR, move |e| tlog!(t, label.clone(), etext(Some(e))));
            }
            "data" => {
                r.on(DATA, move |c: &Chunk| tlog!(t, label.clone(), rchunk(c)));
            }
            _ => {
                r.on(ev, move |_: &()| tlog!(t, label.clone()));
            }
        }
    }
}

/// A source that does nothing (`read() {}`).
fn idle(_: &Readable, _: usize) {}

/// A byte Readable with `read() {}` and these options.
fn idle_readable(env: &Env, opts: ReadableOptions) -> Readable {
    Readable::new(&env.h, opts, idle)
}

type ReadFn = Box<dyn Fn(&Readable, usize)>;
type DestroyFn = Box<dyn Fn(&Readable, Option<Error>, DestroyDone)>;

/// `new Readable({ read, destroy })` from closures.
struct FnSource {
    read: ReadFn,
    destroy: DestroyFn,
}

impl Source for FnSource {
    fn read(&self, stream: &Readable, size: usize) {
        (self.read)(stream, size);
    }

    fn destroy(&self, stream: &Readable, err: Option<Error>, done: DestroyDone) {
        (self.destroy)(stream, err, done);
    }
}

/// A byte Readable with `read() {}` and this `_destroy`.
fn with_destroy(
    env: &Env,
    destroy: impl Fn(&Readable, Option<Error>, DestroyDone) + 'static,
) -> Readable {
    Readable::new(
        &env.h,
        ReadableOptions::new(),
        FnSource {
            read: Box::new(idle),
            destroy: Box::new(destroy),
        },
    )
}

/// A stream seen from inside one of its listeners or its source.
fn alive(r: &nodestream::stream::readable::WeakReadable) -> Readable {
    r.upgrade().expect("stream alive while it runs")
}

fn wr01() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let a = idle_readable(&env, ReadableOptions::new());
    a.push(&b"a"[..]);
    a.push(&b"b"[..]);
    tlog!(t, "a len before", a.readable_length());
    a.set_encoding(Encoding::Utf8);
    tlog!(
        t,
        "a len after",
        a.readable_length(),
        "encoding",
        a.readable_encoding().map(Encoding::name)
    );
    rwatch(&t, &a, "a", &["data"]);
    let b = idle_readable(&env, ReadableOptions::new());
    for x in [0xf0u8, 0x9f, 0x8e, 0x89] {
        b.push(vec![x]);
    }
    b.set_encoding(Encoding::Utf8);
    rwatch(&t, &b, "b", &["data"]);
    env.finish()
}

fn wr02() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let a = idle_readable(&env, ReadableOptions::new());
    a.push(vec![0xf0u8]);
    a.push(vec![0x9fu8]);
    a.set_encoding(Encoding::Utf8);
    tlog!(t, "a len after setEncoding", a.readable_length());
    a.push(vec![0x8eu8]);
    a.push(vec![0x89u8]);
    rwatch(&t, &a, "a", &["data"]);
    let chunks = RefCell::new(VecDeque::from([
        Some(vec![0xf0u8, 0x9f]),
        Some(vec![0x8e, 0x89]),
        None,
    ]));
    let t2 = t.clone();
    let b = Readable::new(&env.h, ReadableOptions::new(), move |r: &Readable, _| {
        tlog!(t2, "b _read");
        let next = chunks.borrow_mut().pop_front().flatten();
        r.push(next.map(Chunk::from));
    });
    b.read_size(0).expect("read(0)");
    tlog!(
        t,
        "b after read(0): flowing",
        b.readable_flowing(),
        "len",
        b.readable_length()
    );
    b.set_encoding(Encoding::Utf8);
    rwatch(&t, &b, "b", &["data", "end"]);
    env.finish()
}

fn wr03() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = idle_readable(&env, ReadableOptions::new());
    r.push(vec![0xf0u8]);
    r.push(vec![0x9fu8]);
    r.push(None);
    r.set_encoding(Encoding::Utf8);
    let t2 = t.clone();
    r.on(DATA, move |c: &Chunk| {
        tlog!(t2, "data", json_string(c.as_str().unwrap_or_default()))
    });
    let t2 = t.clone();
    r.on(END, move |_| tlog!(t2, "end"));
    env.finish()
}

fn wr04() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let a = idle_readable(&env, ReadableOptions::new());
    let t2 = t.clone();
    a.on(DATA, move |c: &Chunk| {
        tlog!(
            t2,
            "a:data",
            rchunk(c),
            "isBuffer",
            matches!(c, Chunk::Bytes(_))
        )
    });
    let r = a.unshift("abc");
    tlog!(t, "a unshift ->", r, "len", a.readable_length());
    let b = idle_readable(&env, ReadableOptions::new());
    rwatch(&t, &b, "b", &["data"]);
    b.push("back");
    b.unshift("front");
    tlog!(t, "b len", b.readable_length());
    env.finish()
}

fn wr05() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r1 = idle_readable(&env, ReadableOptions::new());
    r1.set_encoding(Encoding::Base64);
    let r2 = idle_readable(&env, ReadableOptions::new().encoding(Encoding::Base64));
    for (name, r) in [("r1", r1), ("r2", r2)] {
        let t2 = t.clone();
        r.on(DATA, move |c: &Chunk| {
            let kind = if matches!(c, Chunk::Text(_)) {
                "string"
            } else {
                "object"
            };
            tlog!(t2, format!("{name}:data"), rchunk(c), kind);
        });
        r.push("abc");
        r.unshift("xyz");
        tlog!(t, name, "len", r.readable_length());
    }
    env.finish()
}

fn wr06() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r: Readable<String> =
        Readable::new(&env.h, ReadableOptions::new(), |_: &Readable<String>, _| {});
    for v in ["a", "b", "c", "d"] {
        let ok = r.unshift(v.to_owned());
        tlog!(t, "unshift", v, "->", ok, "len", r.readable_length());
    }
    let t2 = t.clone();
    r.on(DATA, move |v: &String| tlog!(t2, "data", v));
    env.finish()
}

fn wr07() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    for ad in [false, true] {
        let name = format!("ad={ad}");
        let r = idle_readable(&env, ReadableOptions::new().auto_destroy(ad));
        rwatch(&t, &r, &name, &["data", "end", "error", "close"]);
        r.push("a");
        r.push(None);
        // Held by its own listener, as the JS closure holds `r`: nothing else keeps the
        // stream alive once it has ended.
        let (t2, r2, h) = (t.clone(), r.clone(), env.h.clone());
        r.on(END, move |_| {
            let (t3, r, name) = (t2.clone(), r2.clone(), name.clone());
            h.next_tick(move || {
                let ok = r.unshift("b");
                tlog!(
                    t3,
                    name,
                    "unshift after end ->",
                    ok,
                    "destroyed",
                    r.destroyed(),
                    "errored",
                    errc(r.errored().as_ref())
                );
            });
        });
    }
    env.finish()
}

fn wr08() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    for ad in [true, false] {
        let r = idle_readable(&env, ReadableOptions::new().auto_destroy(ad));
        rwatch(&t, &r, &format!("ad={ad}"), &["error", "close", "end"]);
        r.push("a");
        r.push(None);
        let ok = r.push("b");
        tlog!(
            t,
            format!("ad={ad} push after eof ->"),
            ok,
            "destroyed",
            r.destroyed(),
            "errored",
            errc(r.errored().as_ref())
        );
    }
    env.finish()
}

fn wr09() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = idle_readable(&env, ReadableOptions::new());
    let (t2, weak) = (t.clone(), r.downgrade());
    r.on(READABLE, move |_| {
        let r = alive(&weak);
        while let Some(c) = r.read() {
            tlog!(t2, "read", rchunk(&c));
        }
    });
    rwatch(&t, &r, "r", &["error", "end", "close"]);
    r.push("a");
    tlog!(t, "push null 1 ->", r.push(None));
    tlog!(t, "push null 2 ->", r.push(None));
    env.finish()
}

fn wr10() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let t2 = t.clone();
    let r = Readable::new(&env.h, ReadableOptions::new(), move |r: &Readable, _| {
        tlog!(t2, "_read ended", r.readable_ended());
        r.push("asd");
        tlog!(t2, "after push ended", r.readable_ended());
        r.push(None);
        tlog!(t2, "after push(null) ended", r.readable_ended());
    });
    let (t2, weak) = (t.clone(), r.downgrade());
    r.on(DATA, move |c: &Chunk| {
        tlog!(
            t2,
            "data",
            rchunk(c),
            "ended",
            alive(&weak).readable_ended()
        )
    });
    let (t2, weak) = (t.clone(), r.downgrade());
    r.on(END, move |_| {
        tlog!(t2, "end ended", alive(&weak).readable_ended())
    });
    let (t2, weak) = (t.clone(), r.downgrade());
    r.on(CLOSE, move |_| {
        tlog!(t2, "close ended", alive(&weak).readable_ended())
    });
    env.finish()
}

fn wr11() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = idle_readable(&env, ReadableOptions::new());
    let t2 = t.clone();
    r.on(END, move |_| tlog!(t2, "end (never)"));
    r.resume();
    r.destroy(None);
    let (t2, weak) = (t.clone(), r.downgrade());
    r.on(CLOSE, move |_| {
        tlog!(t2, "close");
        tlog!(t2, "push(null) ->", alive(&weak).push(None));
    });
    let t2 = t.clone();
    r.on(RESUME, move |_| tlog!(t2, "resume"));
    let (t2, r2) = (t.clone(), r.clone());
    env.h.set_immediate(move || {
        tlog!(
            t2,
            "later: ended",
            r2.readable_ended(),
            "destroyed",
            r2.destroyed()
        );
    });
    env.finish()
}

fn wr12() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let a = idle_readable(&env, ReadableOptions::new());
    tlog!(t, "a", a.readable());
    a.destroy(None);
    tlog!(t, "a after destroy", a.readable());
    let b = idle_readable(&env, ReadableOptions::new());
    b.resume();
    b.push(None);
    tlog!(t, "b after push(null)", b.readable());
    let (t2, weak) = (t.clone(), b.downgrade());
    b.on(END, move |_| tlog!(t2, "b end", alive(&weak).readable()));
    let (t2, h) = (t.clone(), env.h.clone());
    let c = Readable::new(&env.h, ReadableOptions::new(), move |r: &Readable, _| {
        let (t3, weak) = (t2.clone(), r.downgrade());
        h.next_tick(move || {
            let c = alive(&weak);
            c.destroy(Some(err("c")));
            tlog!(t3, "c after destroy(err)", c.readable());
        });
    });
    c.resume();
    let (t2, weak) = (t.clone(), c.downgrade());
    c.on(ERROR, move |e| {
        tlog!(t2, "c error", errc(e), alive(&weak).readable())
    });
    env.finish()
}

fn wr13() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let a = idle_readable(&env, ReadableOptions::new());
    a.resume();
    rwatch(&t, &a, "a", &["end", "error", "close"]);
    a.destroy(None);
    tlog!(t, "a destroyed", a.destroyed());
    let b = idle_readable(&env, ReadableOptions::new());
    b.resume();
    rwatch(&t, &b, "b", &["end", "error", "close"]);
    b.destroy(Some(err("kaboom")));
    tlog!(
        t,
        "b destroyed",
        b.destroyed(),
        "errored",
        errc(b.errored().as_ref())
    );
    let t2 = t.clone();
    let c = with_destroy(&env, move |_, e, done| {
        tlog!(t2, "c _destroy", errc(e.as_ref()));
        done.done(None);
    });
    rwatch(&t, &c, "c", &["end", "error", "close"]);
    c.destroy(Some(err("kaboom")));
    let t2 = t.clone();
    let d = with_destroy(&env, move |_, e, done| {
        tlog!(t2, "d _destroy", errc(e.as_ref()));
        done.done(e);
    });
    rwatch(&t, &d, "d", &["end", "error", "close"]);
    d.destroy(None);
    env.finish()
}

fn wr14() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let t2 = t.clone();
    let r = with_destroy(&env, move |_, e, done| {
        tlog!(t2, "_destroy", errc(e.as_ref()));
        done.done(Some(err("kaboom")));
    });
    rwatch(&t, &r, "r", &["end", "error", "close"]);
    r.destroy(None);
    tlog!(
        t,
        "after destroy",
        "destroyed",
        r.destroyed(),
        "errored",
        errc(r.errored().as_ref())
    );
    env.tick("tick");
    env.finish()
}

fn wr15() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let a = idle_readable(&env, ReadableOptions::new());
    a.destroy(None);
    tlog!(t, "a push ->", a.push("hi"));
    let t2 = t.clone();
    a.on(DATA, move |c: &Chunk| {
        tlog!(t2, "a:data (never)", rchunk(c))
    });
    let t2 = t.clone();
    let b = Readable::new(&env.h, ReadableOptions::new(), move |_: &Readable, _| {
        tlog!(t2, "b _read (never)");
    });
    b.destroy(None);
    tlog!(t, "b read() ->", rread(b.read()));
    rwatch(&t, &b, "b", &["close"]);
    env.finish()
}

fn wr16() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = idle_readable(&env, ReadableOptions::new());
    tlog!(t, "new", r.readable_flowing());
    let f = r.on(DATA, |_: &Chunk| {});
    tlog!(t, "on('data')", r.readable_flowing());
    r.pause();
    tlog!(
        t,
        "pause()",
        r.readable_flowing(),
        "isPaused",
        r.is_paused()
    );
    r.resume();
    tlog!(
        t,
        "resume()",
        r.readable_flowing(),
        "isPaused",
        r.is_paused()
    );
    r.off(f);
    tlog!(t, "off('data')", r.readable_flowing());
    let g = r.on(READABLE, |_| {});
    tlog!(t, "on('readable')", r.readable_flowing());
    r.off(g);
    tlog!(t, "off('readable') sync", r.readable_flowing());
    let (t2, r2) = (t.clone(), r.clone());
    env.h
        .next_tick(move || tlog!(t2, "off('readable') next tick", r2.readable_flowing()));
    let s = idle_readable(&env, ReadableOptions::new());
    let g = s.on(READABLE, |_| {});
    rwatch(&t, &s, "s", &["data"]);
    tlog!(t, "s readable+data", s.readable_flowing());
    s.off(g);
    s.push("x");
    let (t2, s2) = (t.clone(), s.clone());
    env.h
        .next_tick(move || tlog!(t2, "s after readable removed", s2.readable_flowing()));
    env.finish()
}

fn wr17() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = idle_readable(&env, ReadableOptions::new());
    rwatch(&t, &r, "r", &["pause", "resume"]);
    r.push("a");
    r.resume();
    tlog!(t, "after resume", r.readable_flowing());
    r.pause();
    tlog!(t, "after pause", r.readable_flowing());
    let t2 = t.clone();
    r.on(DATA, move |c: &Chunk| tlog!(t2, "data", rchunk(c)));
    let (t2, r2) = (t.clone(), r.clone());
    env.h.set_immediate(move || {
        tlog!(
            t2,
            "later: len",
            r2.readable_length(),
            "flowing",
            r2.readable_flowing()
        );
    });
    env.finish()
}

/// scenarios.js wr18's `readAndPause()`.
fn read_and_pause(rs: &Readable<u32>, t: &Trace, h: &LoopHandle) {
    let id = Rc::new(Cell::new(None));
    let (t2, h2, weak, id2) = (t.clone(), h.clone(), rs.downgrade(), id.clone());
    let ondata = rs.on(DATA, move |d: &u32| {
        tlog!(t2, "data", *d);
        let rs = weak.upgrade().expect("stream alive while it emits");
        rs.pause();
        let (t3, h3, id3) = (t2.clone(), h2.clone(), id2.clone());
        h2.set_immediate(move || {
            if let Some(id) = id3.get() {
                rs.off(id);
            }
            read_and_pause(&rs, &t3, &h3);
            rs.resume();
        });
    });
    id.set(Some(ondata));
}

fn wr18() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let n = Cell::new(0u32);
    let (t2, h) = (t.clone(), env.h.clone());
    let rs: Readable<u32> = Readable::new(
        &env.h,
        ReadableOptions::new(),
        move |r: &Readable<u32>, _| {
            let n = {
                n.set(n.get() + 1);
                n.get()
            };
            tlog!(t2, "_read", n);
            if n < 4 {
                let r = r.clone();
                h.next_tick(move || {
                    r.push(n);
                });
            } else {
                r.push(n);
                r.push(None);
            }
        },
    );
    let t2 = t.clone();
    rs.on(END, move |_| tlog!(t2, "end"));
    read_and_pause(&rs, &t, &env.h);
    env.finish()
}

fn wr19() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = idle_readable(&env, ReadableOptions::new());
    let (t2, weak) = (t.clone(), r.downgrade());
    r.on(READABLE, move |_| {
        tlog!(t2, "readable", "read ->", rread(alive(&weak).read()))
    });
    let t2 = t.clone();
    r.on(END, move |_| tlog!(t2, "end"));
    let r2 = r.clone();
    env.h.next_tick(move || {
        r2.push("foo");
    });
    let r2 = r.clone();
    env.h.next_tick(move || {
        r2.push("bar");
    });
    let (r2, h) = (r.clone(), env.h.clone());
    env.h.set_immediate(move || {
        r2.push("quo");
        h.next_tick(move || {
            r2.push(None);
        });
    });
    env.finish()
}

fn wr20() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    for (name, hwm, chunk, end) in [
        ("first", 3, "blerg", false),
        ("second", 3, "bl", false),
        ("third", 30, "blerg", true),
    ] {
        let t2 = t.clone();
        let r = Readable::new(
            &env.h,
            ReadableOptions::new().high_water_mark(hwm),
            move |_: &Readable, _| tlog!(t2, format!("{name} _read")),
        );
        r.push(chunk.as_bytes());
        if end {
            r.push(None);
        }
        let t2 = t.clone();
        env.h.set_immediate(move || {
            let weak = r.downgrade();
            r.on(READABLE, move |_| {
                tlog!(
                    t2,
                    format!("{name} readable len"),
                    alive(&weak).readable_length()
                )
            });
        });
    }
    env.finish()
}

/// `r.read(n)` as lib.js prints what it returns.
fn read_n(r: &Readable, n: usize) -> Value {
    rread(r.read_size(n).expect("n is small"))
}

fn wr21() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let t2 = t.clone();
    let r = Readable::new(
        &env.h,
        ReadableOptions::new().high_water_mark(8),
        move |_: &Readable, _| tlog!(t2, "_read"),
    );
    r.push("ab");
    r.push("cde");
    tlog!(t, "read(6) ->", read_n(&r, 6), "len", r.readable_length());
    tlog!(t, "read(3) ->", read_n(&r, 3), "len", r.readable_length());
    tlog!(t, "read(1) ->", read_n(&r, 1), "len", r.readable_length());
    r.push("fgh");
    r.push(None);
    tlog!(
        t,
        "read(5) after end ->",
        read_n(&r, 5),
        "len",
        r.readable_length()
    );
    tlog!(
        t,
        "read(0) at end ->",
        read_n(&r, 0),
        "ended",
        r.readable_ended()
    );
    let t2 = t.clone();
    r.on(END, move |_| tlog!(t2, "end"));
    env.finish()
}

fn wr22() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = idle_readable(&env, ReadableOptions::new().high_water_mark(4));
    tlog!(t, "hwm", r.readable_high_water_mark());
    for n in [5, 100, 1024] {
        let got = read_n(&r, n);
        tlog!(
            t,
            format!("read({n}) ->"),
            got,
            "hwm",
            r.readable_high_water_mark()
        );
    }
    if let Err(e) = r.read_size((1 << 30) + 1) {
        tlog!(t, "read(2**30+1) threw", errc(&e));
    }
    tlog!(t, "hwm after", r.readable_high_water_mark());
    env.finish()
}

fn wr23() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let t2 = t.clone();
    let r = Readable::new(
        &env.h,
        ReadableOptions::new().high_water_mark(0),
        move |_: &Readable, _| tlog!(t2, "_read"),
    );
    let (t2, weak) = (t.clone(), r.downgrade());
    r.on(READABLE, move |_| {
        tlog!(t2, "readable read ->", rread(alive(&weak).read()))
    });
    let t2 = t.clone();
    r.on(END, move |_| tlog!(t2, "end"));
    let (t2, r2) = (t.clone(), r.clone());
    env.h.next_tick(move || {
        tlog!(t2, "tick read ->", rread(r2.read()));
        r2.push(None);
        tlog!(t2, "pushed null");
    });
    env.finish()
}

fn wr24() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let a = idle_readable(&env, ReadableOptions::new().emit_close(false));
    rwatch(&t, &a, "a", &["data", "end", "close"]);
    a.push("x");
    a.push(None);
    let (t2, a2) = (t.clone(), a.clone());
    env.h.set_immediate(move || {
        tlog!(
            t2,
            "a later",
            "destroyed",
            a2.destroyed(),
            "closed",
            a2.closed()
        )
    });
    let b = idle_readable(&env, ReadableOptions::new().emit_close(false));
    rwatch(&t, &b, "b", &["error", "close"]);
    b.destroy(Some(err("E")));
    let (t2, b2) = (t.clone(), b.clone());
    env.h.set_immediate(move || {
        tlog!(
            t2,
            "b later",
            "destroyed",
            b2.destroyed(),
            "closed",
            b2.closed()
        )
    });
    env.finish()
}

fn wr25() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = idle_readable(&env, ReadableOptions::new().auto_destroy(false));
    rwatch(&t, &r, "r", &["data", "end", "close"]);
    r.push("x");
    r.push(None);
    let (t2, r2) = (t.clone(), r.clone());
    env.h.set_immediate(move || {
        tlog!(
            t2,
            "after end",
            "destroyed",
            r2.destroyed(),
            "closed",
            r2.closed(),
            "readable",
            r2.readable()
        );
        r2.destroy(None);
        tlog!(t2, "after destroy", "destroyed", r2.destroyed());
    });
    env.finish()
}

fn wr26() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    type Case = fn(&Readable);
    let cases: [(&str, Case); 4] = [
        ("read()", |r| {
            r.read();
        }),
        ("resume()", |r| {
            r.resume();
        }),
        ("destroy()", |r| {
            r.destroy(None);
        }),
        ("destroy(err)", |r| {
            r.on(ERROR, |_| {});
            r.destroy(Some(Error::custom("", "")));
        }),
    ];
    let report = |name: &'static str, r: Readable| {
        let t2 = t.clone();
        env.h.set_immediate(move || {
            tlog!(
                t2,
                name,
                "didRead",
                r.readable_did_read(),
                "aborted",
                r.readable_aborted(),
                "ended",
                r.readable_ended()
            )
        });
    };
    for (name, f) in cases {
        let r = Readable::new(&env.h, ReadableOptions::new(), |r: &Readable, _| {
            r.push(None);
        });
        f(&r);
        report(name, r);
    }
    let d = Readable::new(&env.h, ReadableOptions::new(), |r: &Readable, _| {
        r.push("data");
        r.push(None);
    });
    d.on(DATA, |_: &Chunk| {});
    let t2 = t.clone();
    env.h.set_immediate(move || {
        tlog!(
            t2,
            "data",
            "didRead",
            d.readable_did_read(),
            "aborted",
            d.readable_aborted()
        )
    });
    env.finish()
}

fn wr27() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = idle_readable(&env, ReadableOptions::new());
    rwatch(&t, &r, "r", &["error", "close"]);
    // `{}`: a plain value where a byte stream wants bytes or text.
    let ok = r.push(Chunk::object(()));
    tlog!(t, "push({}) ->", ok, "errored", errc(r.errored().as_ref()));
    env.finish()
}

/// A byte Readable, high-water mark 2, whose `_read` does nothing until `go` is set, then
/// pushes `chunks` (logging `what`), and `'ab'` already buffered.
fn gated(
    env: &Env,
    go: &Rc<Cell<bool>>,
    what: &'static str,
    chunks: &'static [&'static str],
) -> Readable {
    let (t, go) = (env.t.clone(), go.clone());
    let r = Readable::new(
        &env.h,
        ReadableOptions::new().high_water_mark(2),
        move |r: &Readable, _| {
            if !go.get() {
                return;
            }
            tlog!(t, what);
            for c in chunks {
                r.push(*c);
            }
            r.push(None);
        },
    );
    r.push("ab");
    r
}

fn wr28() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let go = Rc::new(Cell::new(false));
    let r = gated(&env, &go, "_read pushes cd, ef, null", &["cd", "ef"]);
    let h = env.h.clone();
    env.h.set_immediate(move || {
        go.set(true);
        tlog!(t, "rlen", r.readable_length());
        let got = r.read_size(2).expect("read(2)");
        tlog!(
            t,
            "read(2)",
            got.as_ref()
                .and_then(Chunk::as_bytes)
                .map(|b| String::from_utf8_lossy(b).into_owned())
        );
        let t2 = t.clone();
        h.next_tick(move || tlog!(t2, "tick A"));
        let t2 = t.clone();
        r.on(DATA, move |c: &Chunk| {
            tlog!(
                t2,
                "data",
                String::from_utf8_lossy(c.as_bytes().unwrap()).into_owned()
            )
        });
        let t2 = t.clone();
        r.on(END, move |_| tlog!(t2, "end"));
        let t2 = t.clone();
        h.next_tick(move || tlog!(t2, "tick B"));
    });
    env.finish()
}

fn wr29() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let go = Rc::new(Cell::new(false));
    let r = gated(&env, &go, "_read pushes null", &[]);
    let h = env.h.clone();
    env.h.set_immediate(move || {
        go.set(true);
        let got = r.read_size(2).expect("read(2)");
        tlog!(
            t,
            "read(2)",
            got.as_ref()
                .and_then(Chunk::as_bytes)
                .map(|b| String::from_utf8_lossy(b).into_owned()),
            "len",
            r.readable_length()
        );
        let h2 = h.clone();
        h.set_immediate(move || {
            let (t2, w) = (t.clone(), r.downgrade());
            r.on(READABLE, move |_| {
                let r = alive(&w);
                let got = rread(r.read());
                tlog!(t2, "readable, read ->", got, "len", r.readable_length());
            });
            let t2 = t.clone();
            r.on(END, move |_| tlog!(t2, "end"));
            let t2 = t.clone();
            h2.next_tick(move || tlog!(t2, "tick after on(readable)"));
        });
    });
    env.finish()
}

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "wr01-setEncoding-existing-buffers",
        run: wr01,
    },
    Scenario {
        name: "wr02-setEncoding-split-char",
        run: wr02,
    },
    Scenario {
        name: "wr03-setEncoding-incomplete-at-eof",
        run: wr03,
    },
    Scenario {
        name: "wr04-unshift-order-and-strings",
        run: wr04,
    },
    Scenario {
        name: "wr05-unshift-with-encoding",
        run: wr05,
    },
    Scenario {
        name: "wr06-unshift-objectMode",
        run: wr06,
    },
    Scenario {
        name: "wr07-unshift-after-end-event",
        run: wr07,
    },
    Scenario {
        name: "wr08-push-after-eof",
        run: wr08,
    },
    Scenario {
        name: "wr09-multiple-push-null",
        run: wr09,
    },
    Scenario {
        name: "wr10-readableEnded-states",
        run: wr10,
    },
    Scenario {
        name: "wr11-no-end-after-destroy",
        run: wr11,
    },
    Scenario {
        name: "wr12-readable-flag",
        run: wr12,
    },
    Scenario {
        name: "wr13-destroy-variants",
        run: wr13,
    },
    Scenario {
        name: "wr14-destroy-error-from-_destroy",
        run: wr14,
    },
    Scenario {
        name: "wr15-destroy-then-push-and-read",
        run: wr15,
    },
    Scenario {
        name: "wr16-readableFlowing-transitions",
        run: wr16,
    },
    Scenario {
        name: "wr17-resume-then-pause-same-tick",
        run: wr17,
    },
    Scenario {
        name: "wr18-pause-in-data-resume-later",
        run: wr18,
    },
    Scenario {
        name: "wr19-readable-event-batching",
        run: wr19,
    },
    Scenario {
        name: "wr20-readable-listener-added-late",
        run: wr20,
    },
    Scenario {
        name: "wr21-read-n-edge-cases",
        run: wr21,
    },
    Scenario {
        name: "wr22-read-n-raises-hwm",
        run: wr22,
    },
    Scenario {
        name: "wr23-hwm-0-readable-after-push-null",
        run: wr23,
    },
    Scenario {
        name: "wr24-readable-emitClose-false",
        run: wr24,
    },
    Scenario {
        name: "wr25-readable-autoDestroy-false",
        run: wr25,
    },
    Scenario {
        name: "wr26-didRead-and-aborted",
        run: wr26,
    },
    Scenario {
        name: "wr27-push-invalid-chunk",
        run: wr27,
    },
    Scenario {
        name: "wr28-eof-in-sync-read-unobserved",
        run: wr28,
    },
    Scenario {
        name: "wr29-eof-readable-redeemed-by-listener",
        run: wr29,
    },
];
