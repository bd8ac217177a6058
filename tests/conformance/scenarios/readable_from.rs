//! `Readable.from(iterable)` for synchronous iterables (Node's test-readable-from*.js):
//! rf01-rf10, as `Readable::from_iterable` over Rust iterators. A JS generator's `finally`
//! is an iterator's `Drop` here (Node's `iterator.return()` on destroy is the drop).

use std::cell::Cell;
use std::rc::Rc;

#[cfg(feature = "futures")]
use futures_util::StreamExt;
use nodestream::events::{CLOSE, DATA, END, ERROR, FINISH, PAUSE, READABLE, RESUME};
use nodestream::stream::readable::{Readable, ReadableOptions};
use nodestream::stream::writable::{Sink, Writable, WritableOptions, WriteCallback};
use nodestream::{Error, LoopHandle};

use super::writable_util::Env;
use super::Scenario;
use crate::trace::{errc, tlog, Trace};

/// lib.js `watch(r, name, events)` for a Readable of any item type (no `'data'`).
fn watch<T: 'static>(t: &Trace, r: &Readable<T>, name: &str, events: &[&'static str]) {
    for &ev in events {
        let t = t.clone();
        let label = format!("{name}:{ev}");
        match ev {
            "error" => {
                r.on(ERROR, move |e: &Error| tlog!(t, label.clone(), errc(e)));
            }
            "end" => {
                r.on(END, move |_| tlog!(t, label.clone()));
            }
            "close" => {
                r.on(CLOSE, move |_| tlog!(t, label.clone()));
            }
            "pause" => {
                r.on(PAUSE, move |_| tlog!(t, label.clone()));
            }
            "resume" => {
                r.on(RESUME, move |_| tlog!(t, label.clone()));
            }
            other => panic!("no watch for {other}"),
        }
    }
}

/// A generator: counts from 0 up to `limit` (none: forever), counting its pulls, and
/// logging `iterator finally` when dropped if `finally` is set.
struct Gen {
    next: i64,
    limit: Option<i64>,
    pulled: Rc<Cell<i64>>,
    finally: Option<Trace>,
}

impl Iterator for Gen {
    type Item = i64;
    fn next(&mut self) -> Option<i64> {
        if self.limit.is_some_and(|l| self.next >= l) {
            return None;
        }
        self.pulled.set(self.pulled.get() + 1);
        self.next += 1;
        Some(self.next - 1)
    }
}

impl Drop for Gen {
    fn drop(&mut self) {
        if let Some(t) = &self.finally {
            tlog!(t, "iterator finally");
        }
    }
}

fn gen(limit: Option<i64>, finally: Option<&Trace>) -> (Gen, Rc<Cell<i64>>) {
    let pulled = Rc::new(Cell::new(0));
    let g = Gen {
        next: 0,
        limit,
        pulled: pulled.clone(),
        finally: finally.cloned(),
    };
    (g, pulled)
}

fn tick_later(h: &LoopHandle, t: &Trace, label: String) {
    let t = t.clone();
    h.next_tick(move || tlog!(t, label));
}

fn rf01() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = Readable::from_iterable(&env.h, vec![1, 2, 3]);
    tlog!(
        t,
        "hwm",
        r.readable_high_water_mark(),
        "objectMode",
        r.readable_object_mode()
    );
    let (t2, h) = (t.clone(), env.h.clone());
    r.on(DATA, move |d: &i32| {
        tlog!(t2, "data", *d);
        tick_later(&h, &t2, format!("tick after {d}"));
    });
    watch(&t, &r, "r", &["end", "close"]);
    env.tick("tick0");
    env.imm("imm");
    env.finish()
}

fn rf02() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = Readable::from_iterable(&env.h, ["a", "b", "c"]);
    let (t2, w) = (t.clone(), r.downgrade());
    r.on(READABLE, move |_| {
        let Some(r) = w.upgrade() else { return };
        while let Some(v) = r.read() {
            tlog!(t2, "read", v);
        }
        tlog!(t2, "readable done, len", r.readable_length());
    });
    watch(&t, &r, "r", &["end", "close"]);
    env.finish()
}

fn rf03() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let (g, pulled) = gen(Some(5), None);
    let r = Readable::from_iterable(&env.h, g);
    tlog!(t, "pulled at start", pulled.get());
    env.imm("imm1");
    let (t2, h) = (t.clone(), env.h.clone());
    env.h.set_immediate(move || {
        tlog!(t2, "read", r.read(), "pulled", pulled.get());
        let t3 = t2.clone();
        h.set_immediate(move || {
            tlog!(
                t3,
                "read",
                r.read(),
                "pulled",
                pulled.get(),
                "len",
                r.readable_length()
            );
        });
    });
    env.finish()
}

fn rf04() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let (g, pulled) = gen(Some(10), None);
    let r = Readable::from_iterable_with(
        &env.h,
        g,
        ReadableOptions::new().object_mode(true).high_water_mark(3),
    );
    tlog!(
        t,
        "hwm",
        r.readable_high_water_mark(),
        "objectMode",
        r.readable_object_mode()
    );
    let _ = r.read_size(0);
    let t2 = t.clone();
    env.h.set_immediate(move || {
        tlog!(t2, "pulled", pulled.get(), "len", r.readable_length());
    });
    env.finish()
}

fn rf05() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let (g, _) = gen(None, Some(&t));
    let r = Readable::from_iterable(&env.h, g);
    let (t2, w) = (t.clone(), r.downgrade());
    r.on(DATA, move |d: &i64| {
        tlog!(t2, "data", *d);
        if *d == 1 {
            if let Some(r) = w.upgrade() {
                r.destroy(None);
                tlog!(t2, "destroyed", r.destroyed());
            }
        }
    });
    watch(&t, &r, "r", &["end", "close", "error"]);
    env.finish()
}

fn rf06() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = Readable::from_iterable(&env.h, Vec::<i32>::new());
    let t2 = t.clone();
    r.on(DATA, move |d: &i32| tlog!(t2, "r:data", *d));
    watch(&t, &r, "r", &["end", "close"]);
    r.resume();
    env.finish()
}

/// An object-mode sink completing on setImmediate, logging `_write <value>`.
struct SlowObjects {
    t: Trace,
    h: LoopHandle,
}

impl Sink<&'static str> for SlowObjects {
    fn write(&mut self, c: &'static str, cb: WriteCallback) {
        tlog!(self.t, "_write", c);
        self.h.set_immediate(move || cb.ok());
    }
}

fn rf07() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = Readable::from_iterable(&env.h, ["x", "y", "z"]);
    let w = Writable::new_object(
        &env.h,
        SlowObjects {
            t: t.clone(),
            h: env.h.clone(),
        },
        WritableOptions::new(),
    );
    for (ev, name) in [(FINISH, "w:finish"), (CLOSE, "w:close")] {
        let t = t.clone();
        w.on(ev, move |_| tlog!(t, name));
    }
    watch(&t, &r, "r", &["end", "close"]);
    r.pipe(&w);
    env.finish()
}

fn rf08() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = Readable::from_iterable(&env.h, [1, 2, 3, 4]);
    let (t2, w, h) = (t.clone(), r.downgrade(), env.h.clone());
    r.on(DATA, move |d: &i32| {
        let Some(r) = w.upgrade() else { return };
        tlog!(t2, "data", *d, "flowing", r.readable_flowing());
        if *d == 1 {
            r.pause();
            let (t3, w) = (t2.clone(), r.downgrade());
            h.set_immediate(move || {
                tlog!(t3, "resume");
                if let Some(r) = w.upgrade() {
                    r.resume();
                }
            });
        }
    });
    watch(&t, &r, "r", &["pause", "resume", "end", "close"]);
    env.finish()
}

/// `function* () { try { yield 'a'; yield 'b'; yield 'c' } finally { ... } }`.
struct Letters {
    left: std::vec::IntoIter<&'static str>,
    t: Trace,
}

impl Iterator for Letters {
    type Item = &'static str;
    fn next(&mut self) -> Option<&'static str> {
        self.left.next()
    }
}

impl Drop for Letters {
    fn drop(&mut self) {
        tlog!(self.t, "iterator finally");
    }
}

fn rf09() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let letters = Letters {
        left: vec!["a", "b", "c"].into_iter(),
        t: t.clone(),
    };
    let r = Readable::from_iterable(&env.h, letters);
    let (t2, w) = (t.clone(), r.downgrade());
    r.on(DATA, move |d: &&str| {
        tlog!(t2, "data", *d);
        if *d == "a" {
            if let Some(r) = w.upgrade() {
                r.destroy(Some(Error::custom("E_STOP", "stop")));
            }
        }
    });
    watch(&t, &r, "r", &["end", "error", "close"]);
    env.finish()
}

#[cfg(feature = "futures")]
fn rf10() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r = Readable::from_iterable(&env.h, [1, 2, 3, 4]);
    watch(&t, &r, "r", &["end", "close"]);
    let t2 = t.clone();
    let r2 = r.clone();
    env.h.spawn_local(async move {
        let mut it = r2.iter();
        while let Some(v) = it.next().await {
            let v = v.expect("no error");
            tlog!(t2, "got", v);
            if v == 2 {
                break;
            }
        }
        drop(it);
        tlog!(t2, "after loop, destroyed", r2.destroyed());
    });
    drop(r);
    env.finish()
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "rf01-from-array-flowing",
        run: rf01,
    },
    Scenario {
        name: "rf02-from-array-paused",
        run: rf02,
    },
    Scenario {
        name: "rf03-from-generator-lazy",
        run: rf03,
    },
    Scenario {
        name: "rf04-from-with-options",
        run: rf04,
    },
    Scenario {
        name: "rf05-from-destroy-returns-iterator",
        run: rf05,
    },
    Scenario {
        name: "rf06-from-empty",
        run: rf06,
    },
    Scenario {
        name: "rf07-from-pipe-into-object-writable",
        run: rf07,
    },
    Scenario {
        name: "rf08-from-pause-resume",
        run: rf08,
    },
    Scenario {
        name: "rf09-from-destroy-with-error",
        run: rf09,
    },
    #[cfg(feature = "futures")]
    Scenario {
        name: "rf10-from-async-iterator-break",
        run: rf10,
    },
];
