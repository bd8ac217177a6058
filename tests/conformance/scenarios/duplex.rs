//! Duplex: dx01-dx55 (dx52-dx55: `_construct`) (one emitter, allowHalfOpen, readable/writable false, one 'error'
//! and one 'close', autoDestroy/emitClose, properties, pipes into and out of a Duplex),
//! and the helpers the Transform scenarios share.

use std::cell::OnceCell;
use std::rc::Rc;

use nodestream::stream::readable::{
    self, PipeOptions, Readable, ReadableOptions, WeakReadable, DATA,
};
use nodestream::stream::writable::{self, Sink, WriteCallback};
use nodestream::stream::{Duplex, DuplexOptions};
use nodestream::{Encoding, Error, Writable, WritableOptions};

use super::writable_util::{err, text, Env, FnSink};
use super::Scenario;
use crate::trace::{errc, tlog, Trace, Value};

/// A readable item as lib.js's `fmt` prints it.
pub trait Shown {
    fn shown(&self) -> Value;
}

impl Shown for readable::Chunk {
    fn shown(&self) -> Value {
        match self {
            readable::Chunk::Bytes(b) => Value::Buf(b.to_vec()),
            readable::Chunk::Text(s) => Value::Str(s.clone()),
            readable::Chunk::Object(_) => Value::Str("<object>".to_owned()),
        }
    }
}

impl Shown for i64 {
    fn shown(&self) -> Value {
        Value::from(*self)
    }
}

impl Shown for String {
    fn shown(&self) -> Value {
        Value::Str(self.clone())
    }
}

/// `read()`'s result: the item, or `null`.
pub fn shown_or_null<T: Shown>(item: Option<T>) -> Value {
    item.map_or(Value::Null, |c| c.shown())
}

/// scenarios.js `dxSnap(d, label)`: both sides' public flags in one line.
pub fn snap<R: 'static, W: 'static, S: Sink<W>>(t: &Trace, d: &Duplex<R, W, S>, label: &str) {
    tlog!(
        t,
        label,
        "destroyed",
        d.destroyed(),
        "closed",
        d.closed(),
        "errored",
        errc(d.errored().as_ref()),
        "readable",
        d.readable(),
        "writable",
        d.writable(),
        "rEnded",
        d.readable_ended(),
        "wEnded",
        d.writable_ended(),
        "wFinished",
        d.writable_finished()
    );
}

/// lib.js `watch(d, name, events)` on a Duplex: `'data'` prints the item, `'error'` the
/// code, anything else the bare label.
pub fn watch<R: Shown + 'static, W: 'static, S: Sink<W>>(
    t: &Trace,
    d: &Duplex<R, W, S>,
    name: &str,
    events: &[&str],
) {
    for &ev in events {
        let t = t.clone();
        let label = format!("{name}:{ev}");
        match ev {
            "data" => {
                d.on(DATA, move |c: &R| tlog!(t, label.as_str(), c.shown()));
            }
            "error" => {
                d.on(ev, move |e: &Error| tlog!(t, label.as_str(), errc(e)));
            }
            _ => {
                d.on(ev, move |_: &()| tlog!(t, label.as_str()));
            }
        }
    }
}

/// `watch` for a Writable (`'error'` by code, other events bare).
pub fn watch_writable<T: 'static>(t: &Trace, w: &Writable<T>, name: &str, events: &[&str]) {
    for &ev in events {
        let t = t.clone();
        let label = format!("{name}:{ev}");
        if ev == "error" {
            w.on(ev, move |e: &Error| tlog!(t, label.as_str(), errc(e)));
        } else {
            w.on(ev, move |_: &()| tlog!(t, label.as_str()));
        }
    }
}

/// `watch` for a Readable (bare events).
pub fn watch_readable<T: 'static>(t: &Trace, r: &Readable<T>, name: &str, events: &[&str]) {
    for &ev in events {
        let t = t.clone();
        let label = format!("{name}:{ev}");
        r.on(ev, move |_: &()| tlog!(t, label.as_str()));
    }
}

/// `this` inside a sink: the readable side of the stream made after the sink, held weakly.
pub struct This<R: 'static>(Rc<OnceCell<WeakReadable<R>>>);

impl<R: 'static> Clone for This<R> {
    fn clone(&self) -> Self {
        This(self.0.clone())
    }
}

impl<R: 'static> This<R> {
    pub fn new() -> Self {
        This(Rc::new(OnceCell::new()))
    }

    pub fn set<W: 'static, S: Sink<W>>(&self, d: &Duplex<R, W, S>) {
        let _ = self.0.set(d.readable_side().downgrade());
    }

    pub fn get(&self) -> Readable<R> {
        self.0
            .get()
            .and_then(WeakReadable::upgrade)
            .expect("stream alive")
    }
}

/// A passive `_read`.
pub fn passive<R: 'static>(_: &Readable<R>, _: usize) {}

/// scenarios.js `dxLogged(opts, slow)`: a Duplex whose `_write` logs `_write <chunk>`
/// and completes at once (slow: on an immediate).
fn logged(env: &Env, opts: DuplexOptions, slow: bool) -> Duplex {
    let t = env.t.clone();
    let h = env.h.clone();
    let sink = FnSink::new().write(move |c: writable::Chunk, cb: WriteCallback| {
        tlog!(t, "_write", text(&c));
        if slow {
            h.set_immediate(move || cb.ok());
        } else {
            cb.ok();
        }
    });
    Duplex::new(&env.h, opts, passive, sink)
}

/// A Duplex whose `_write` just completes.
fn quiet(env: &Env, opts: DuplexOptions) -> Duplex {
    let sink = FnSink::new().write(|_: writable::Chunk, cb: WriteCallback| cb.ok());
    Duplex::new(&env.h, opts, passive, sink)
}

pub fn cb_logger(t: &Trace, label: &'static str) -> impl FnOnce(Option<Error>) + 'static {
    let t = t.clone();
    move |e: Option<Error>| tlog!(t, label, errc(e.as_ref()))
}

fn dx01_halfopen_both_sides_end() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    watch(
        &env.t,
        &d,
        "d",
        &["data", "prefinish", "finish", "end", "close"],
    );
    d.write("a");
    d.push("x");
    d.end_with("b");
    d.push(None);
    tlog!(env.t, "sync-end", "allowHalfOpen", d.allow_half_open());
    env.finish()
}

fn dx02_halfopen_readable_end_only() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    watch(&env.t, &d, "d", &["end", "prefinish", "finish", "close"]);
    d.resume();
    d.push(None);
    let (t, d2) = (env.t.clone(), d.clone());
    env.h.set_immediate(move || {
        snap(&t, &d2, "after end");
        d2.end();
        snap(&t, &d2, "after end()");
    });
    env.finish()
}

fn dx03_no_halfopen_end_ends_writable() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new().allow_half_open(false), false);
    watch(&env.t, &d, "d", &["end", "prefinish", "finish", "close"]);
    let (t, d2, h) = (env.t.clone(), d.clone(), env.h.clone());
    d.on("end", move |_: &()| {
        snap(&t, &d2, "at end");
        let t = t.clone();
        h.next_tick(move || tlog!(t, "tick after end"));
    });
    d.write("a");
    d.resume();
    d.push(None);
    tlog!(env.t, "allowHalfOpen", d.allow_half_open());
    env.finish()
}

fn dx04_no_halfopen_pending_async_write() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new().allow_half_open(false), true);
    watch(&env.t, &d, "d", &["end", "finish", "close"]);
    d.write_cb("a", cb_logger(&env.t, "write-cb"));
    d.resume();
    d.push(None);
    env.finish()
}

fn dx05_no_halfopen_end_called_first() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new().allow_half_open(false), false);
    watch(
        &env.t,
        &d,
        "d",
        &["end", "prefinish", "finish", "close", "error"],
    );
    d.writable_side()
        .end_with_cb("a", cb_logger(&env.t, "end-cb"));
    let (t, d2) = (env.t.clone(), d.clone());
    env.h.set_immediate(move || {
        snap(&t, &d2, "after finish");
        d2.resume();
        d2.push(None);
    });
    env.finish()
}

fn dx06_halfopen_finish_first_close_waits() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    watch(&env.t, &d, "d", &["finish", "end", "close"]);
    d.end_with("a");
    let (t, d2) = (env.t.clone(), d.clone());
    env.h.set_immediate(move || {
        snap(&t, &d2, "after finish");
        d2.push("x");
        d2.push(None);
        let t = t.clone();
        d2.on(DATA, move |c: &readable::Chunk| tlog!(t, "data", c.shown()));
    });
    env.finish()
}

fn dx07_readable_false() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new().readable(false), false);
    watch(&env.t, &d, "d", &["end", "finish", "close"]);
    snap(&env.t, &d, "created");
    d.write("a");
    d.end();
    env.finish()
}

fn dx08_readable_false_push() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new().readable(false), false);
    watch(&env.t, &d, "d", &["error", "close"]);
    tlog!(env.t, "push ->", d.push("x"));
    snap(&env.t, &d, "after push");
    env.finish()
}

fn dx09_writable_false() -> Vec<String> {
    let env = Env::new();
    let d: Duplex = Duplex::new(
        &env.h,
        DuplexOptions::new().writable(false),
        passive,
        FnSink::<writable::Chunk>::new(),
    );
    watch(&env.t, &d, "d", &["data", "end", "finish", "close"]);
    snap(&env.t, &d, "created");
    d.push("x");
    d.push(None);
    env.finish()
}

fn dx10_writable_false_write() -> Vec<String> {
    let env = Env::new();
    let d: Duplex = Duplex::new(
        &env.h,
        DuplexOptions::new().writable(false),
        passive,
        FnSink::<writable::Chunk>::new(),
    );
    watch(&env.t, &d, "d", &["error", "close"]);
    tlog!(
        env.t,
        "write ->",
        d.write_cb("a", cb_logger(&env.t, "write-cb"))
    );
    snap(&env.t, &d, "after write");
    env.finish()
}

fn dx11_destroy_no_error() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    d.resume();
    watch(&env.t, &d, "d", &["end", "finish", "error", "close"]);
    d.write("a");
    d.destroy(None);
    snap(&env.t, &d, "after destroy");
    let (t, d2) = (env.t.clone(), d.clone());
    d.on("close", move |_: &()| snap(&t, &d2, "at close"));
    env.finish()
}

fn dx12_destroy_with_error() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    watch(&env.t, &d, "d", &["end", "finish", "error", "close"]);
    d.destroy(Some(err("E")));
    snap(&env.t, &d, "after destroy");
    let (t, d2) = (env.t.clone(), d.clone());
    d.on("error", move |_: &Error| snap(&t, &d2, "at error"));
    let (t, d2) = (env.t.clone(), d.clone());
    d.on("close", move |_: &()| snap(&t, &d2, "at close"));
    env.finish()
}

fn dx13_destroy_twice_one_error_one_close() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    watch(&env.t, &d, "d", &["error", "close"]);
    d.destroy(Some(err("e1")));
    d.destroy(Some(err("e2")));
    let d2 = d.clone();
    d.on("error", move |_: &Error| d2.destroy(Some(err("e3"))));
    tlog!(env.t, "errored", errc(d.errored().as_ref()));
    env.finish()
}

fn dx14_destroy_in_read() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let d: Duplex = Duplex::new(
        &env.h,
        DuplexOptions::new(),
        move |r: &Readable, _: usize| {
            tlog!(t, "_read");
            r.destroy(Some(err("R")));
        },
        FnSink::new().write(|_: writable::Chunk, cb: WriteCallback| cb.ok()),
    );
    watch(&env.t, &d, "d", &["end", "finish", "error", "close"]);
    d.resume();
    let (t, d2) = (env.t.clone(), d.clone());
    d.on("close", move |_: &()| snap(&t, &d2, "at close"));
    env.finish()
}

fn dx15_write_error_destroys_both() -> Vec<String> {
    let env = Env::new();
    let d: Duplex = Duplex::new(
        &env.h,
        DuplexOptions::new(),
        passive,
        FnSink::new().write(|_: writable::Chunk, cb: WriteCallback| cb.error(err("W"))),
    );
    watch(&env.t, &d, "d", &["data", "end", "error", "close"]);
    d.push("x");
    tlog!(
        env.t,
        "write ->",
        d.write_cb("a", cb_logger(&env.t, "write-cb"))
    );
    let (t, d2) = (env.t.clone(), d.clone());
    d.on("close", move |_: &()| snap(&t, &d2, "at close"));
    env.finish()
}

fn dx16_final_error() -> Vec<String> {
    let env = Env::new();
    let (t, h) = (env.t.clone(), env.h.clone());
    let sink = FnSink::new()
        .write(|_: writable::Chunk, cb: WriteCallback| cb.ok())
        .final_(move |cb| {
            tlog!(t, "_final");
            h.set_immediate(move || cb.error(err("F")));
        });
    let d: Duplex = Duplex::new(&env.h, DuplexOptions::new(), passive, sink);
    watch(
        &env.t,
        &d,
        "d",
        &["prefinish", "finish", "end", "error", "close"],
    );
    d.writable_side()
        .end_with_cb("a", cb_logger(&env.t, "end-cb"));
    env.finish()
}

fn dx17_custom_destroy_swallows() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let sink = FnSink::new()
        .write(|_: writable::Chunk, cb: WriteCallback| cb.ok())
        .destroy(move |e, cb| {
            tlog!(t, "_destroy", errc(e.as_ref()));
            cb.ok();
        });
    let d: Duplex = Duplex::new(&env.h, DuplexOptions::new(), passive, sink);
    watch(&env.t, &d, "d", &["end", "finish", "error", "close"]);
    d.resume();
    d.destroy(Some(err("E")));
    snap(&env.t, &d, "after destroy");
    env.finish()
}

fn dx18_destroy_async_destroy() -> Vec<String> {
    let env = Env::new();
    let (t, h) = (env.t.clone(), env.h.clone());
    let sink = FnSink::new()
        .write(|_: writable::Chunk, cb: WriteCallback| cb.ok())
        .destroy(move |e, cb| {
            tlog!(t, "_destroy", errc(e.as_ref()));
            let t = t.clone();
            h.set_immediate(move || {
                tlog!(t, "_destroy done");
                cb.call(e);
            });
        });
    let d: Duplex = Duplex::new(&env.h, DuplexOptions::new(), passive, sink);
    watch(&env.t, &d, "d", &["error", "close"]);
    d.destroy(Some(err("E")));
    snap(&env.t, &d, "after destroy");
    env.imm("imm");
    env.finish()
}

fn dx19_emit_close_false() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new().emit_close(false), false);
    watch(&env.t, &d, "d", &["finish", "end", "close"]);
    d.resume();
    d.end_with("a");
    d.push(None);
    let (t, d2) = (env.t.clone(), d.clone());
    env.h.set_immediate(move || snap(&t, &d2, "later"));
    env.finish()
}

fn dx20_auto_destroy_false() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new().auto_destroy(false), false);
    watch(&env.t, &d, "d", &["finish", "end", "close"]);
    d.resume();
    d.end_with("a");
    d.push(None);
    let (t, d2) = (env.t.clone(), d.clone());
    env.h.set_immediate(move || {
        snap(&t, &d2, "after both ends");
        d2.destroy(None);
        snap(&t, &d2, "after destroy");
    });
    env.finish()
}

fn dx21_auto_destroy_false_write_error() -> Vec<String> {
    let env = Env::new();
    let d: Duplex = Duplex::new(
        &env.h,
        DuplexOptions::new().auto_destroy(false),
        passive,
        FnSink::new().write(|_: writable::Chunk, cb: WriteCallback| cb.error(err("W"))),
    );
    watch(&env.t, &d, "d", &["error", "close"]);
    d.write_cb("a", cb_logger(&env.t, "write-cb"));
    let (t, d2) = (env.t.clone(), d.clone());
    env.h.set_immediate(move || snap(&t, &d2, "later"));
    env.finish()
}

fn dx22_end_then_push_null() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    watch(&env.t, &d, "d", &["prefinish", "finish", "end", "close"]);
    d.resume();
    d.end();
    d.push(None);
    env.tick("tick");
    env.finish()
}

fn dx23_push_null_then_end() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    watch(&env.t, &d, "d", &["prefinish", "finish", "end", "close"]);
    d.resume();
    d.push(None);
    d.end();
    env.tick("tick");
    env.finish()
}

fn dx24_no_halfopen_push_null_then_end() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new().allow_half_open(false), false);
    watch(
        &env.t,
        &d,
        "d",
        &["prefinish", "finish", "end", "close", "error"],
    );
    d.resume();
    d.push(None);
    d.end_cb(cb_logger(&env.t, "end-cb"));
    env.finish()
}

/// `'pipe'`/`'unpipe'` on a Duplex destination, printing `<src>` for `src`.
fn watch_pipe(t: &Trace, d: &Duplex, src: &Readable) {
    for ev in ["pipe", "unpipe"] {
        let (t, src) = (t.clone(), src.downgrade());
        let label = format!("d:{ev}");
        d.on(ev, move |r: &Readable| {
            let who = if src.upgrade().as_ref() == Some(r) {
                "<src>"
            } else {
                "<stream>"
            };
            tlog!(t, label.as_str(), who);
        });
    }
}

fn dx25_pipe_into_duplex() -> Vec<String> {
    let env = Env::new();
    let src: Readable = Readable::new(&env.h, ReadableOptions::new(), passive);
    let d = logged(&env, DuplexOptions::new(), false);
    watch_pipe(&env.t, &d, &src);
    watch(&env.t, &d, "d", &["finish", "end", "close"]);
    src.pipe(&d);
    src.push("a");
    src.push("b");
    src.push(None);
    let (t, d2) = (env.t.clone(), d.clone());
    env.h.set_immediate(move || {
        snap(&t, &d2, "after finish");
        d2.resume();
        d2.push(None);
    });
    env.finish()
}

fn dx26_pipe_out_of_duplex() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    let t = env.t.clone();
    let dst = Writable::new(
        &env.h,
        FnSink::new().write(move |c: writable::Chunk, cb: WriteCallback| {
            tlog!(t, "dst _write", text(&c));
            cb.ok();
        }),
        WritableOptions::new(),
    );
    for ev in ["pipe", "unpipe"] {
        let (t, me) = (env.t.clone(), d.readable_side().downgrade());
        let label = format!("dst:{ev}");
        dst.on(ev, move |r: &Readable| {
            let who = if me.upgrade().as_ref() == Some(r) {
                "<d>"
            } else {
                "<stream>"
            };
            tlog!(t, label.as_str(), who);
        });
    }
    watch_writable(&env.t, &dst, "dst", &["finish", "close"]);
    watch(&env.t, &d, "d", &["end", "finish", "close"]);
    d.pipe(&dst);
    d.push("x");
    d.push("y");
    d.push(None);
    let (t, d2) = (env.t.clone(), d.clone());
    env.h.set_immediate(move || {
        snap(&t, &d2, "after end");
        d2.end();
    });
    env.finish()
}

fn dx27_pipe_through_echo_duplex() -> Vec<String> {
    let env = Env::new();
    let src: Readable = Readable::new(&env.h, ReadableOptions::new(), passive);
    let this = This::<readable::Chunk>::new();
    let (t1, t2, w1, w2) = (env.t.clone(), env.t.clone(), this.clone(), this.clone());
    let sink = FnSink::new()
        .write(move |c: writable::Chunk, cb: WriteCallback| {
            tlog!(t1, "echo _write", text(&c));
            w1.get().push(text(&c).to_uppercase());
            cb.ok();
        })
        .final_(move |cb| {
            tlog!(t2, "echo _final");
            w2.get().push(None);
            cb.ok();
        });
    let d: Duplex = Duplex::new(&env.h, DuplexOptions::new(), passive, sink);
    this.set(&d);
    let (t, h) = (env.t.clone(), env.h.clone());
    let dst = Writable::new(
        &env.h,
        FnSink::new().write(move |c: writable::Chunk, cb: WriteCallback| {
            tlog!(t, "dst _write", text(&c));
            h.set_immediate(move || cb.ok());
        }),
        WritableOptions::new(),
    );
    watch(&env.t, &d, "echo", &["finish", "end", "close"]);
    watch_writable(&env.t, &dst, "dst", &["finish", "close"]);
    src.pipe(&d).pipe(&dst);
    src.push("ab");
    src.push("cd");
    src.push(None);
    env.finish()
}

fn dx28_props_walkthrough() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), true);
    snap(&env.t, &d, "created");
    d.write("a");
    snap(&env.t, &d, "after write");
    d.end();
    snap(&env.t, &d, "after end()");
    let (t, d2) = (env.t.clone(), d.clone());
    d.on("finish", move |_: &()| {
        snap(&t, &d2, "at finish");
        d2.push(None);
        snap(&t, &d2, "after push(null)");
        d2.resume();
    });
    let (t, d2) = (env.t.clone(), d.clone());
    d.on("end", move |_: &()| snap(&t, &d2, "at end"));
    let (t, d2) = (env.t.clone(), d.clone());
    d.on("close", move |_: &()| snap(&t, &d2, "at close"));
    env.finish()
}

fn dx29_object_mode_one_side() -> Vec<String> {
    let env = Env::new();
    let this = This::<i64>::new();
    let (t, w) = (env.t.clone(), this.clone());
    let sink = FnSink::new().write(move |c: writable::Chunk, cb: WriteCallback| {
        tlog!(t, "_write", text(&c), c.encoding().name(), c.len());
        w.get().push(c.len() as i64);
        cb.ok();
    });
    let d: Duplex<i64> = Duplex::new(
        &env.h,
        DuplexOptions::new().readable_object_mode(true),
        passive,
        sink,
    );
    this.set(&d);
    tlog!(
        env.t,
        "readableObjectMode",
        d.readable_side().readable_object_mode(),
        "writableObjectMode",
        d.writable_side().writable_object_mode()
    );
    watch(&env.t, &d, "d", &["data", "finish"]);
    d.write("abc");
    d.write("de");
    d.push(0);
    d.end();
    env.finish()
}

fn dx30_hwm_options() -> Vec<String> {
    let env = Env::new();
    let o = DuplexOptions::new;
    let cases = [
        (
            "r5 w7",
            o().readable_high_water_mark(5).writable_high_water_mark(7),
        ),
        (
            "hwm3 r5",
            o().high_water_mark(3).readable_high_water_mark(5),
        ),
        ("obj", o().object_mode(true)),
        (
            "wobj r100",
            o().writable_object_mode(true).readable_high_water_mark(100),
        ),
        (
            "robj w9",
            o().readable_object_mode(true).writable_high_water_mark(9),
        ),
    ];
    for (label, opts) in cases {
        let d = quiet(&env, opts);
        tlog!(
            env.t,
            label,
            "readableHighWaterMark",
            d.readable_side().readable_high_water_mark(),
            "writableHighWaterMark",
            d.writable_side().writable_high_water_mark()
        );
    }
    let d = logged(&env, o().writable_high_water_mark(2), true);
    tlog!(
        env.t,
        "write a ->",
        d.write("a"),
        "write b ->",
        d.write("b"),
        "len",
        d.writable_length(),
        "needDrain",
        d.writable_need_drain()
    );
    let t = env.t.clone();
    d.on("drain", move |_: &()| tlog!(t, "drain"));
    env.finish()
}

fn dx31_write_after_end() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    watch(&env.t, &d, "d", &["finish", "error", "close"]);
    d.end();
    tlog!(
        env.t,
        "write ->",
        d.write_cb("x", cb_logger(&env.t, "write-cb"))
    );
    let (t, d2) = (env.t.clone(), d.clone());
    d.on("close", move |_: &()| snap(&t, &d2, "at close"));
    env.finish()
}

fn dx32_push_after_destroy() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    watch(&env.t, &d, "d", &["data", "error", "close"]);
    d.destroy(None);
    tlog!(
        env.t,
        "push ->",
        d.push("x"),
        "readableLength",
        d.readable_length()
    );
    tlog!(
        env.t,
        "write ->",
        d.write_cb("y", cb_logger(&env.t, "write-cb"))
    );
    env.finish()
}

fn dx33_destroy_in_data_listener() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    watch(&env.t, &d, "d", &["end", "error", "close"]);
    d.push("a");
    d.push("b");
    let (t, d2) = (env.t.clone(), d.clone());
    d.on(DATA, move |c: &readable::Chunk| {
        tlog!(t, "data", c.shown());
        d2.destroy(None);
    });
    env.finish()
}

fn dx34_no_halfopen_unconsumed_end() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new().allow_half_open(false), false);
    watch(&env.t, &d, "d", &["end", "finish", "close"]);
    d.push(None);
    let (t, d2) = (env.t.clone(), d.clone());
    env.h.set_immediate(move || {
        snap(&t, &d2, "before read");
        tlog!(t, "read ->", shown_or_null(d2.read()));
    });
    env.finish()
}

fn dx35_cork_writev() -> Vec<String> {
    let env = Env::new();
    let (t1, t2) = (env.t.clone(), env.t.clone());
    let sink = FnSink::new()
        .write(move |c: writable::Chunk, cb: WriteCallback| {
            tlog!(t1, "_write", text(&c));
            cb.ok();
        })
        .writev(move |chunks: Vec<writable::Chunk>, cb: WriteCallback| {
            let all: Vec<String> = chunks.iter().map(text).collect();
            tlog!(t2, "_writev", all.join(","));
            cb.ok();
        });
    let d: Duplex = Duplex::new(&env.h, DuplexOptions::new(), passive, sink);
    d.cork();
    d.write("a");
    d.write("b");
    tlog!(
        env.t,
        "corked",
        d.writable_side().writable_corked(),
        "len",
        d.writable_length()
    );
    d.uncork();
    d.write("c");
    tlog!(env.t, "after uncork");
    env.finish()
}

fn dx36_readable_event_and_read() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    watch(&env.t, &d, "d", &["end", "close"]);
    let (t, d2) = (env.t.clone(), d.clone());
    d.on("readable", move |_: &()| {
        tlog!(t, "readable", "len", d2.readable_length());
        while let Some(c) = d2.read() {
            tlog!(t, "read", c.shown());
        }
    });
    d.push("ab");
    let (h, d2) = (env.h.clone(), d.clone());
    env.h.set_immediate(move || {
        d2.push("cd");
        h.set_immediate(move || {
            d2.push(None);
            d2.end();
        });
    });
    env.finish()
}

fn dx37_set_encoding() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    d.set_encoding(Encoding::Utf8);
    tlog!(
        env.t,
        "readableEncoding",
        d.readable_side()
            .readable_encoding()
            .map_or("null", |e| e.name())
    );
    watch(&env.t, &d, "d", &["data", "end"]);
    d.push(&[0xe2u8, 0x82][..]);
    d.push(&[0xacu8, 0x21][..]);
    d.push(None);
    env.finish()
}

fn dx38_writable_false_no_halfopen() -> Vec<String> {
    let env = Env::new();
    let d: Duplex = Duplex::new(
        &env.h,
        DuplexOptions::new().writable(false).allow_half_open(false),
        passive,
        FnSink::<writable::Chunk>::new(),
    );
    watch(
        &env.t,
        &d,
        "d",
        &["end", "prefinish", "finish", "error", "close"],
    );
    d.resume();
    d.push(None);
    env.finish()
}

fn dx39_destroy_error_no_listener() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    let t = env.t.clone();
    d.on("close", move |_: &()| tlog!(t, "d:close"));
    d.destroy(Some(err("E")));
    env.imm("imm");
    env.finish()
}

fn dx40_writable_false_end_cb() -> Vec<String> {
    let env = Env::new();
    let d: Duplex = Duplex::new(
        &env.h,
        DuplexOptions::new().writable(false),
        passive,
        FnSink::<writable::Chunk>::new(),
    );
    watch(&env.t, &d, "d", &["finish", "error", "close"]);
    d.end_cb(cb_logger(&env.t, "end-cb"));
    snap(&env.t, &d, "after end");
    env.finish()
}

fn dx41_destroy_in_end_no_halfopen() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new().allow_half_open(false), false);
    watch(
        &env.t,
        &d,
        "d",
        &["end", "prefinish", "finish", "error", "close"],
    );
    let d2 = d.clone();
    d.on("end", move |_: &()| d2.destroy(None));
    d.write_cb("a", cb_logger(&env.t, "write-cb"));
    d.resume();
    d.push(None);
    env.finish()
}

fn dx42_destroy_in_finish_buffered_readable() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    watch(&env.t, &d, "d", &["finish", "end", "close"]);
    d.push("x");
    d.push(None);
    let (t, d2) = (env.t.clone(), d.clone());
    d.on("finish", move |_: &()| {
        tlog!(t, "rlen", d2.readable_length());
        d2.destroy(None);
        tlog!(t, "read ->", shown_or_null(d2.read()));
    });
    d.end();
    env.finish()
}

fn dx43_error_after_readable_ended() -> Vec<String> {
    let env = Env::new();
    let h = env.h.clone();
    let d: Duplex = Duplex::new(
        &env.h,
        DuplexOptions::new(),
        passive,
        FnSink::new().write(move |_: writable::Chunk, cb: WriteCallback| {
            h.set_immediate(move || cb.error(err("W")));
        }),
    );
    watch(&env.t, &d, "d", &["end", "finish", "error", "close"]);
    d.resume();
    d.push(None);
    let (t, d2) = (env.t.clone(), d.clone());
    d.on("end", move |_: &()| {
        d2.write_cb("a", cb_logger(&t, "write-cb"));
    });
    env.finish()
}

fn dx44_push_after_eof_pending_writes() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), true);
    watch(&env.t, &d, "d", &["error", "close"]);
    d.write_cb("a", cb_logger(&env.t, "cb a"));
    d.write_cb("b", cb_logger(&env.t, "cb b"));
    d.push(None);
    d.push("late");
    snap(&env.t, &d, "after push");
    env.finish()
}

fn dx45_auto_destroy_false_readable_error() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new().auto_destroy(false), false);
    watch(&env.t, &d, "d", &["error", "close"]);
    d.push(None);
    d.push("late");
    snap(&env.t, &d, "after push");
    let (t, d2) = (env.t.clone(), d.clone());
    env.h.set_immediate(move || {
        snap(&t, &d2, "later");
        tlog!(t, "write ->", d2.write_cb("x", cb_logger(&t, "write-cb")));
    });
    env.finish()
}

fn dx46_pipe_into_duplex_end_false() -> Vec<String> {
    let env = Env::new();
    let src: Readable = Readable::new(&env.h, ReadableOptions::new(), passive);
    let d = logged(&env, DuplexOptions::new(), false);
    watch(&env.t, &d, "d", &["finish", "end", "close"]);
    src.pipe_with(&d, PipeOptions { end: false });
    src.push("a");
    src.push(None);
    let (t, h, d2) = (env.t.clone(), env.h.clone(), d.clone());
    src.on("end", move |_: &()| {
        let (t, d2) = (t.clone(), d2.clone());
        h.set_immediate(move || {
            snap(&t, &d2, "after src end");
            d2.end();
            d2.push(None);
            d2.resume();
        });
    });
    env.finish()
}

fn dx47_pause_resume_flowing() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    watch(&env.t, &d, "d", &["pause", "resume", "end"]);
    let (t, h, d2) = (env.t.clone(), env.h.clone(), d.clone());
    d.on(DATA, move |c: &readable::Chunk| {
        let flowing = d2.readable_side().readable_flowing();
        tlog!(
            t,
            "data",
            c.shown(),
            "flowing",
            flowing.map_or(Value::Null, Value::from)
        );
        if c.as_bytes() == Some(&b"a"[..]) {
            d2.pause();
            let (t, d3) = (t.clone(), d2.clone());
            h.set_immediate(move || {
                tlog!(t, "resume now", d3.readable_side().is_paused());
                d3.resume();
            });
        }
    });
    d.push("a");
    d.push("b");
    d.push(None);
    env.finish()
}

fn dx48_read_size_argument() -> Vec<String> {
    let env = Env::new();
    let (t, n) = (env.t.clone(), Rc::new(std::cell::Cell::new(0)));
    let d: Duplex = Duplex::new(
        &env.h,
        DuplexOptions::new().readable_high_water_mark(10),
        move |r: &Readable, size: usize| {
            tlog!(t, "_read", size);
            n.set(n.get() + 1);
            if n.get() <= 2 {
                r.push("x".repeat(4));
            } else {
                r.push(None);
            }
        },
        FnSink::new().write(|_: writable::Chunk, cb: WriteCallback| cb.ok()),
    );
    watch(&env.t, &d, "d", &["data", "end", "finish", "close"]);
    d.end();
    env.finish()
}

fn dx49_unshift() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    d.push("cd");
    tlog!(
        env.t,
        "unshift ->",
        d.unshift("ab"),
        "len",
        d.readable_length()
    );
    watch(&env.t, &d, "d", &["data", "end"]);
    d.push(None);
    env.finish()
}

fn dx50_destroy_with_callback() -> Vec<String> {
    let env = Env::new();
    let d = logged(&env, DuplexOptions::new(), false);
    watch(&env.t, &d, "d", &["error", "close"]);
    d.writable_side()
        .destroy_cb(Some(err("E")), cb_logger(&env.t, "destroy-cb"));
    tlog!(env.t, "sync-end");
    env.finish()
}

fn dx51_object_duplex_echo_pipe() -> Vec<String> {
    let env = Env::new();
    let this = This::<i64>::new();
    let (w1, w2) = (this.clone(), this.clone());
    let sink = FnSink::new()
        .write(move |v: i64, cb: WriteCallback| {
            w1.get().push(v * 2);
            cb.ok();
        })
        .final_(move |cb| {
            w2.get().push(None);
            cb.ok();
        });
    let d: Duplex<i64, i64> = Duplex::new(
        &env.h,
        DuplexOptions::new().object_mode(true),
        passive,
        sink,
    );
    this.set(&d);
    let t = env.t.clone();
    let dst: Writable<i64> = Writable::new_object(
        &env.h,
        FnSink::new().write(move |v: i64, cb: WriteCallback| {
            tlog!(t, "dst _write", v);
            cb.ok();
        }),
        WritableOptions::new().object_mode(true),
    );
    watch(&env.t, &d, "d", &["finish", "end", "close"]);
    watch_writable(&env.t, &dst, "dst", &["finish", "close"]);
    d.pipe(&dst);
    d.write(1);
    d.write(2);
    d.end_with(3);
    env.finish()
}

/// A logging Duplex with `construct`, built from closures.
fn constructed(
    env: &Env,
    read: impl Fn(&Readable, usize) + 'static,
    sink: FnSink<writable::Chunk>,
    construct: impl FnOnce(&mut FnSink<writable::Chunk>, nodestream::stream::writable::ConstructCallback)
        + 'static,
) -> Duplex {
    Duplex::new_with_construct(&env.h, DuplexOptions::new(), read, sink, construct)
}

fn dx52_construct_sync() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let (t1, t2, t3) = (t.clone(), t.clone(), t.clone());
    let d = constructed(
        &env,
        move |r: &Readable, _| {
            tlog!(t1, "_read");
            r.push("r");
            r.push(None);
        },
        FnSink::new().write(move |c: writable::Chunk, cb: WriteCallback| {
            tlog!(t2, "_write", text(&c));
            cb.ok();
        }),
        move |_, cb| {
            tlog!(t3, "construct");
            cb.ok();
        },
    );
    d.write("w");
    tlog!(t, "read() ->", shown_or_null(d.read()));
    env.tick("tick");
    watch(&t, &d, "d", &["data", "end", "finish", "close"]);
    d.end();
    env.finish()
}

fn dx53_construct_error() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let (t1, t2, t3, h) = (t.clone(), t.clone(), t.clone(), env.h.clone());
    let d = constructed(
        &env,
        move |_: &Readable, _| tlog!(t1, "_read"),
        FnSink::new().write(move |_c: writable::Chunk, cb: WriteCallback| {
            tlog!(t2, "_write");
            cb.ok();
        }),
        move |_, cb| {
            tlog!(t3, "construct");
            h.set_immediate(move || cb.error(Error::custom("E_CONSTRUCT", "c")));
        },
    );
    d.write_cb("w", cb_logger(&t, "write cb"));
    d.resume();
    watch(&t, &d, "d", &["error", "close", "end", "finish"]);
    env.finish()
}

fn dx54_destroy_before_construct_done() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let (t1, t2, t3, t4, h) = (t.clone(), t.clone(), t.clone(), t.clone(), env.h.clone());
    let d = constructed(
        &env,
        move |_: &Readable, _| tlog!(t1, "_read"),
        FnSink::new()
            .write(move |_c: writable::Chunk, cb: WriteCallback| {
                tlog!(t2, "_write");
                cb.ok();
            })
            .destroy(move |e, cb| {
                tlog!(t4, "_destroy", errc(e.as_ref()));
                cb.call(e);
            }),
        move |_, cb| {
            tlog!(t3, "construct");
            let t = t3.clone();
            h.set_immediate(move || {
                tlog!(t, "construct cb");
                cb.ok();
            });
        },
    );
    watch(&t, &d, "d", &["error", "close"]);
    d.resume();
    d.destroy(None);
    tlog!(t, "destroyed", d.destroyed());
    env.finish()
}

fn dx55_construct_async_then_flow() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let (t1, t3, h) = (t.clone(), t.clone(), env.h.clone());
    let n = std::cell::Cell::new(0);
    let d = constructed(
        &env,
        move |r: &Readable, _| {
            n.set(n.get() + 1);
            tlog!(t1, "_read", n.get());
            if n.get() < 3 {
                r.push(format!("c{}", n.get()));
            } else {
                r.push(None);
            }
        },
        FnSink::new().write(|_c: writable::Chunk, cb: WriteCallback| cb.ok()),
        move |_, cb| {
            tlog!(t3, "construct");
            let t = t3.clone();
            h.set_immediate(move || {
                tlog!(t, "construct cb");
                cb.ok();
            });
        },
    );
    watch(&t, &d, "d", &["data", "end"]);
    env.imm("imm");
    env.finish()
}

/// A Writable whose `_write` logs `w _write <chunk>` and completes at once, or on
/// setImmediate when `slow`.
fn pair_writable(env: &Env, opts: WritableOptions, slow: bool) -> Writable {
    let (t, h) = (env.t.clone(), env.h.clone());
    Writable::new(
        &env.h,
        FnSink::new().write(move |c: writable::Chunk, cb: WriteCallback| {
            tlog!(t, "w _write", text(&c));
            if slow {
                h.set_immediate(move || cb.ok());
            } else {
                cb.ok();
            }
        }),
        opts,
    )
}

fn dx56_from_pair_flow() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r: Readable = Readable::new(&env.h, ReadableOptions::new(), passive);
    let w = pair_writable(&env, WritableOptions::new(), false);
    let d = Duplex::from_pair(&r, &w);
    watch(&t, &d, "d", &["data", "end", "finish", "close"]);
    watch_writable(&t, &w, "w", &["finish", "close"]);
    watch_readable(&t, &r, "r", &["end", "close"]);
    d.write("to-w");
    r.push("from-r");
    r.push(None);
    d.end();
    env.finish()
}

fn dx57_from_pair_destroy() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r: Readable = Readable::new(&env.h, ReadableOptions::new(), passive);
    let w = Writable::new(
        &env.h,
        FnSink::new().write(|_c: writable::Chunk, cb: WriteCallback| cb.ok()),
        WritableOptions::new(),
    );
    let d = Duplex::from_pair(&r, &w);
    watch(&t, &d, "d", &["error", "close"]);
    watch_writable(&t, &w, "w", &["error", "close"]);
    let t2 = t.clone();
    r.on("error", move |e: &Error| tlog!(t2, "r:error", errc(e)));
    watch_readable(&t, &r, "r", &["close"]);
    d.destroy(None);
    tlog!(t, "destroyed", d.destroyed(), w.destroyed(), r.destroyed());
    env.finish()
}

fn dx58_from_pair_writable_error() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r: Readable = Readable::new(&env.h, ReadableOptions::new(), passive);
    let w = Writable::new(
        &env.h,
        FnSink::new()
            .write(|_c: writable::Chunk, cb: WriteCallback| cb.error(Error::custom("E_W", "w"))),
        WritableOptions::new(),
    );
    let d = Duplex::from_pair(&r, &w);
    watch(&t, &d, "d", &["error", "close"]);
    watch_writable(&t, &w, "w", &["error", "close"]);
    let t2 = t.clone();
    r.on("error", move |e: &Error| tlog!(t2, "r:error", errc(e)));
    watch_readable(&t, &r, "r", &["close"]);
    d.write("x");
    env.finish()
}

fn dx59_from_pair_backpressure() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let r: Readable = Readable::new(&env.h, ReadableOptions::new(), passive);
    let w = pair_writable(&env, WritableOptions::new().high_water_mark(1), true);
    let d = Duplex::from_pair(&r, &w);
    watch_writable(&t, &w, "w", &["drain", "finish"]);
    watch(&t, &d, "d", &["drain", "finish"]);
    tlog!(t, "write a", d.write("a"));
    tlog!(t, "write b", d.write("b"));
    tlog!(t, "write c", d.write("c"));
    d.end();
    r.push(None);
    d.resume();
    env.finish()
}

macro_rules! scenarios {
    ($($name:literal => $f:ident),* $(,)?) => {
        /// The ported scenarios of this group.
        pub const SCENARIOS: &[Scenario] = &[$(Scenario { name: $name, run: $f }),*];
    };
}

scenarios! {
    "dx01-halfopen-both-sides-end" => dx01_halfopen_both_sides_end,
    "dx02-halfopen-readable-end-only" => dx02_halfopen_readable_end_only,
    "dx03-no-halfopen-end-ends-writable" => dx03_no_halfopen_end_ends_writable,
    "dx04-no-halfopen-pending-async-write" => dx04_no_halfopen_pending_async_write,
    "dx05-no-halfopen-end-called-first" => dx05_no_halfopen_end_called_first,
    "dx06-halfopen-finish-first-close-waits" => dx06_halfopen_finish_first_close_waits,
    "dx07-readable-false" => dx07_readable_false,
    "dx08-readable-false-push" => dx08_readable_false_push,
    "dx09-writable-false" => dx09_writable_false,
    "dx10-writable-false-write" => dx10_writable_false_write,
    "dx11-destroy-no-error" => dx11_destroy_no_error,
    "dx12-destroy-with-error" => dx12_destroy_with_error,
    "dx13-destroy-twice-one-error-one-close" => dx13_destroy_twice_one_error_one_close,
    "dx14-destroy-in-_read" => dx14_destroy_in_read,
    "dx15-write-error-destroys-both" => dx15_write_error_destroys_both,
    "dx16-final-error" => dx16_final_error,
    "dx17-custom-destroy-swallows" => dx17_custom_destroy_swallows,
    "dx18-destroy-async-_destroy" => dx18_destroy_async_destroy,
    "dx19-emitClose-false" => dx19_emit_close_false,
    "dx20-autoDestroy-false" => dx20_auto_destroy_false,
    "dx21-autoDestroy-false-write-error" => dx21_auto_destroy_false_write_error,
    "dx22-end-then-push-null" => dx22_end_then_push_null,
    "dx23-push-null-then-end" => dx23_push_null_then_end,
    "dx24-no-halfopen-push-null-then-end" => dx24_no_halfopen_push_null_then_end,
    "dx25-pipe-into-duplex" => dx25_pipe_into_duplex,
    "dx26-pipe-out-of-duplex" => dx26_pipe_out_of_duplex,
    "dx27-pipe-through-echo-duplex" => dx27_pipe_through_echo_duplex,
    "dx28-props-walkthrough" => dx28_props_walkthrough,
    "dx29-object-mode-one-side" => dx29_object_mode_one_side,
    "dx30-hwm-options" => dx30_hwm_options,
    "dx31-write-after-end" => dx31_write_after_end,
    "dx32-push-after-destroy" => dx32_push_after_destroy,
    "dx33-destroy-in-data-listener" => dx33_destroy_in_data_listener,
    "dx34-no-halfopen-unconsumed-end" => dx34_no_halfopen_unconsumed_end,
    "dx35-cork-writev" => dx35_cork_writev,
    "dx36-readable-event-and-read" => dx36_readable_event_and_read,
    "dx37-setEncoding" => dx37_set_encoding,
    "dx38-writable-false-no-halfopen" => dx38_writable_false_no_halfopen,
    "dx39-destroy-error-no-listener" => dx39_destroy_error_no_listener,
    "dx40-writable-false-end-cb" => dx40_writable_false_end_cb,
    "dx41-destroy-in-end-no-halfopen" => dx41_destroy_in_end_no_halfopen,
    "dx42-destroy-in-finish-buffered-readable" => dx42_destroy_in_finish_buffered_readable,
    "dx43-error-after-readable-ended" => dx43_error_after_readable_ended,
    "dx44-push-after-eof-pending-writes" => dx44_push_after_eof_pending_writes,
    "dx45-autoDestroy-false-readable-error" => dx45_auto_destroy_false_readable_error,
    "dx46-pipe-into-duplex-end-false" => dx46_pipe_into_duplex_end_false,
    "dx47-pause-resume-flowing" => dx47_pause_resume_flowing,
    "dx48-read-size-argument" => dx48_read_size_argument,
    "dx49-unshift" => dx49_unshift,
    "dx50-destroy-with-callback" => dx50_destroy_with_callback,
    "dx51-object-duplex-echo-pipe" => dx51_object_duplex_echo_pipe,
    "dx52-construct-sync" => dx52_construct_sync,
    "dx56-from-pair-flow" => dx56_from_pair_flow,
    "dx57-from-pair-destroy" => dx57_from_pair_destroy,
    "dx58-from-pair-writable-error" => dx58_from_pair_writable_error,
    "dx59-from-pair-backpressure" => dx59_from_pair_backpressure,
    "dx53-construct-error" => dx53_construct_error,
    "dx54-destroy-before-construct-done" => dx54_destroy_before_construct_done,
    "dx55-construct-async-then-flow" => dx55_construct_async_then_flow,
}
