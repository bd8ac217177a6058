//! Transform and PassThrough: tf01-tf38 (sync and async callbacks, several pushes per
//! chunk, `_flush`, errors, object mode on either side, high-water marks, backpressure,
//! destroy mid-way, push(null) inside `_transform`, PassThrough, pipe chains).

use std::cell::{Cell, OnceCell};
use std::rc::Rc;

use nodestream::stream::readable::{self, Readable, ReadableOptions, DATA};
use nodestream::stream::transform::{PassThrough, Transform, TransformCallback, Transformer};
use nodestream::stream::writable::{self, DestroyCallback, WriteCallback};
use nodestream::stream::DuplexOptions;
use nodestream::{Encoding, Error, Writable, WritableOptions};

use super::duplex::{
    cb_logger, passive, shown_or_null, snap, watch, watch_readable, watch_writable, Shown,
};
use super::writable_util::{err, text, Env, FnSink};
use super::Scenario;
use crate::trace::{errc, tlog, Json, Value};

type TransformFn<In, Out> = Box<dyn FnMut(In, &Readable<Out>, TransformCallback<Out>)>;
type FlushFn<Out> = Box<dyn FnMut(&Readable<Out>, TransformCallback<Out>)>;
type DestroyFn = Box<dyn FnMut(Option<Error>, DestroyCallback)>;

/// `new Transform({ transform, flush, destroy })` from closures; a method not given is
/// Node's default.
struct FnTransformer<In: 'static, Out: 'static> {
    transform: TransformFn<In, Out>,
    flush: Option<FlushFn<Out>>,
    destroy: Option<DestroyFn>,
}

impl<In: 'static, Out: 'static> FnTransformer<In, Out> {
    fn new(f: impl FnMut(In, &Readable<Out>, TransformCallback<Out>) + 'static) -> Self {
        FnTransformer {
            transform: Box::new(f),
            flush: None,
            destroy: None,
        }
    }

    fn flush(mut self, f: impl FnMut(&Readable<Out>, TransformCallback<Out>) + 'static) -> Self {
        self.flush = Some(Box::new(f));
        self
    }

    fn destroy(mut self, f: impl FnMut(Option<Error>, DestroyCallback) + 'static) -> Self {
        self.destroy = Some(Box::new(f));
        self
    }
}

impl<In: 'static, Out: 'static> Transformer<In, Out> for FnTransformer<In, Out> {
    fn transform(&mut self, chunk: In, stream: &Readable<Out>, done: TransformCallback<Out>) {
        (self.transform)(chunk, stream, done);
    }

    fn flush(&mut self, stream: &Readable<Out>, done: TransformCallback<Out>) {
        match &mut self.flush {
            Some(f) => f(stream, done),
            None => done.ok(),
        }
    }

    fn destroy(&mut self, err: Option<Error>, done: DestroyCallback) {
        match &mut self.destroy {
            Some(f) => f(err, done),
            None => done.call(err),
        }
    }
}

type Bytes2 = TransformCallback<readable::Chunk>;

/// scenarios.js `tfUpper(opts, slow)`: logs `_transform <chunk> <enc>`, passes the chunk
/// upper-cased, at once or on an immediate.
fn upper(env: &Env, opts: DuplexOptions, slow: bool) -> Transform {
    let (t, h) = (env.t.clone(), env.h.clone());
    Transform::new(
        &env.h,
        opts,
        move |c: writable::Chunk, _: &Readable, done: Bytes2| {
            tlog!(t, "_transform", text(&c), c.encoding().name());
            let out = text(&c).to_uppercase();
            if slow {
                h.set_immediate(move || done.done(out));
            } else {
                done.done(out);
            }
        },
    )
}

fn tf01_sync_transform() -> Vec<String> {
    let env = Env::new();
    let tf = upper(&env, DuplexOptions::new(), false);
    watch(
        &env.t,
        &tf,
        "t",
        &["data", "prefinish", "finish", "end", "close"],
    );
    tlog!(env.t, "write ->", tf.write("ab"));
    tf.end_with("cd");
    tlog!(env.t, "sync-end");
    env.finish()
}

fn tf02_async_transform() -> Vec<String> {
    let env = Env::new();
    let tf = upper(&env, DuplexOptions::new(), true);
    watch(&env.t, &tf, "t", &["data", "finish", "end", "close"]);
    tf.write_cb("a", cb_logger(&env.t, "cb a"));
    tf.write_cb("b", cb_logger(&env.t, "cb b"));
    tlog!(env.t, "len", tf.writable_length());
    tf.writable_side()
        .end_with_cb("c", cb_logger(&env.t, "end-cb"));
    env.finish()
}

fn tf03_several_pushes_per_chunk() -> Vec<String> {
    let env = Env::new();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        |c: writable::Chunk, r: &Readable, done: Bytes2| {
            for ch in text(&c).chars() {
                r.push(ch.to_string());
            }
            done.ok();
        },
    );
    watch(&env.t, &tf, "t", &["data", "end"]);
    tf.write("abc");
    tf.end_with("de");
    env.finish()
}

fn tf04_push_and_callback_value() -> Vec<String> {
    let env = Env::new();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        |c: writable::Chunk, r: &Readable, done: Bytes2| {
            let c = text(&c);
            r.push(format!("p{c}"));
            if c == "n" {
                done.done(None::<readable::Chunk>);
            } else {
                done.done(format!("v{c}"));
            }
        },
    );
    watch(&env.t, &tf, "t", &["data", "end"]);
    tf.write("1");
    tf.write("n");
    tf.end_with("2");
    env.finish()
}

/// A transformer passing bytes as they are.
fn same(c: writable::Chunk, _: &Readable, done: Bytes2) {
    done.done(c.into_bytes());
}

fn tf05_flush_pushes_data() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        FnTransformer::new(same).flush(move |r: &Readable, done: Bytes2| {
            tlog!(t, "_flush");
            r.push("F1");
            done.done("F2");
        }),
    );
    watch(
        &env.t,
        &tf,
        "t",
        &["data", "prefinish", "finish", "end", "close"],
    );
    tf.writable_side()
        .end_with_cb("a", cb_logger(&env.t, "end-cb"));
    env.finish()
}

fn tf06_flush_async() -> Vec<String> {
    let env = Env::new();
    let (t, h) = (env.t.clone(), env.h.clone());
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        FnTransformer::new(same).flush(move |_: &Readable, done: Bytes2| {
            tlog!(t, "_flush");
            let t = t.clone();
            h.set_immediate(move || {
                tlog!(t, "flush done");
                done.done("late");
            });
        }),
    );
    watch(
        &env.t,
        &tf,
        "t",
        &["data", "prefinish", "finish", "end", "close"],
    );
    tf.end_with("a");
    env.imm("imm");
    env.finish()
}

fn tf07_flush_error() -> Vec<String> {
    let env = Env::new();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        FnTransformer::new(same).flush(|_: &Readable, done: Bytes2| done.error(err("FL"))),
    );
    watch(
        &env.t,
        &tf,
        "t",
        &["data", "prefinish", "finish", "end", "error", "close"],
    );
    tf.writable_side()
        .end_with_cb("a", cb_logger(&env.t, "end-cb"));
    env.finish()
}

fn tf08_transform_error_sync() -> Vec<String> {
    let env = Env::new();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        |_: writable::Chunk, _: &Readable, done: Bytes2| done.error(err("T")),
    );
    watch(
        &env.t,
        &tf,
        "t",
        &["data", "finish", "end", "error", "close"],
    );
    tlog!(
        env.t,
        "write ->",
        tf.write_cb("a", cb_logger(&env.t, "write-cb"))
    );
    let (t, d) = (env.t.clone(), tf.clone());
    tf.on("close", move |_: &()| snap(&t, &d, "at close"));
    env.finish()
}

fn tf09_transform_error_async_buffered() -> Vec<String> {
    let env = Env::new();
    let (t, h) = (env.t.clone(), env.h.clone());
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        move |c: writable::Chunk, _: &Readable, done: Bytes2| {
            tlog!(t, "_transform", text(&c));
            h.set_immediate(move || done.error(err("T")));
        },
    );
    watch(&env.t, &tf, "t", &["error", "close"]);
    tf.write_cb("a", cb_logger(&env.t, "cb a"));
    tf.write_cb("b", cb_logger(&env.t, "cb b"));
    tf.end_cb(cb_logger(&env.t, "end-cb"));
    env.finish()
}

fn tf10_object_mode() -> Vec<String> {
    let env = Env::new();
    let tf: Transform<i64, i64> = Transform::new(
        &env.h,
        DuplexOptions::new().object_mode(true),
        |n: i64, _: &Readable<i64>, done: TransformCallback<i64>| done.done(n * 2),
    );
    watch(&env.t, &tf, "t", &["data", "end"]);
    for n in [0, 1, 21] {
        tf.write(n);
    }
    tf.end();
    tlog!(
        env.t,
        "objectMode",
        tf.readable_side().readable_object_mode(),
        tf.writable_side().writable_object_mode(),
        "hwm",
        tf.readable_side().readable_high_water_mark(),
        tf.writable_side().writable_high_water_mark()
    );
    env.finish()
}

fn tf11_readable_object_mode() -> Vec<String> {
    let env = Env::new();
    let total = Rc::new(Cell::new(0i64));
    let t2 = total.clone();
    let tf: Transform<writable::Chunk, i64> = Transform::new(
        &env.h,
        DuplexOptions::new().readable_object_mode(true),
        FnTransformer::new(
            move |c: writable::Chunk, _: &Readable<i64>, done: TransformCallback<i64>| {
                let n = c.len() as i64;
                total.set(total.get() + n);
                done.done(n);
            },
        )
        .flush(move |_: &Readable<i64>, done: TransformCallback<i64>| done.done(t2.get())),
    );
    watch(&env.t, &tf, "t", &["data", "end"]);
    tf.write("abc");
    tf.write(b"de".to_vec());
    tf.end();
    env.finish()
}

fn tf12_writable_object_mode() -> Vec<String> {
    let env = Env::new();
    let h = env.h.clone();
    let tf: Transform<i64, readable::Chunk> = Transform::new(
        &env.h,
        DuplexOptions::new()
            .writable_object_mode(true)
            .writable_high_water_mark(2),
        move |n: i64, _: &Readable, done: Bytes2| {
            h.set_immediate(move || done.done(format!("<{n}>")));
        },
    );
    watch(&env.t, &tf, "t", &["data", "drain", "end"]);
    tlog!(
        env.t,
        "write 1 ->",
        tf.write(1),
        "write 2 ->",
        tf.write(2),
        "len",
        tf.writable_length()
    );
    tf.end_with(3);
    env.finish()
}

/// `read(n)`'s result as lib.js prints it.
fn read_n<T: Shown + 'static>(r: &Readable<T>, n: usize) -> Value {
    shown_or_null(r.read_size(n).expect("read(n)"))
}

fn tf13_backpressure_read_resumes() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new()
            .readable_high_water_mark(4)
            .writable_high_water_mark(4),
        move |c: writable::Chunk, _: &Readable, done: Bytes2| {
            tlog!(t, "_transform", text(&c));
            done.done(c.into_bytes());
        },
    );
    let t = env.t.clone();
    tf.on("drain", move |_: &()| tlog!(t, "drain"));
    for c in ["ab", "cd", "ef", "gh", "ij"] {
        let ok = tf.write(c);
        tlog!(
            env.t,
            "write",
            c,
            "->",
            ok,
            "wlen",
            tf.writable_length(),
            "rlen",
            tf.readable_length()
        );
    }
    let (t, h, d) = (env.t.clone(), env.h.clone(), tf.clone());
    env.h.set_immediate(move || {
        tlog!(
            t,
            "later",
            "wlen",
            d.writable_length(),
            "rlen",
            d.readable_length()
        );
        let r = read_n(d.readable_side(), 4);
        tlog!(
            t,
            "read(4)",
            r,
            "wlen",
            d.writable_length(),
            "rlen",
            d.readable_length()
        );
        let t = t.clone();
        h.set_immediate(move || {
            tlog!(
                t,
                "after read",
                "wlen",
                d.writable_length(),
                "rlen",
                d.readable_length()
            );
            let r = read_n(d.readable_side(), 4);
            tlog!(
                t,
                "read(4)",
                r,
                "wlen",
                d.writable_length(),
                "rlen",
                d.readable_length()
            );
        });
    });
    env.finish()
}

fn tf14_readable_hwm_zero_object() -> Vec<String> {
    let env = Env::new();
    let h = env.h.clone();
    let tf: Transform<i64, i64> = Transform::new(
        &env.h,
        DuplexOptions::new().object_mode(true).high_water_mark(0),
        move |c: i64, _: &Readable<i64>, done: TransformCallback<i64>| {
            h.next_tick(move || done.done(c));
        },
    );
    tlog!(env.t, "write 1 ->", tf.write(1));
    let (t, d) = (env.t.clone(), tf.clone());
    tf.on("drain", move |_: &()| {
        tlog!(t, "drain");
        tlog!(t, "write 2 ->", d.write(2));
        d.end();
    });
    let (t, d) = (env.t.clone(), tf.clone());
    tf.once("readable", move |_: &()| {
        tlog!(t, "readable");
        tlog!(t, "read", shown_or_null(d.read()));
        tlog!(t, "read", shown_or_null(d.read()));
        let (t, d2) = (t.clone(), d.clone());
        d.once("readable", move |_: &()| {
            tlog!(t, "readable again");
            tlog!(t, "read", shown_or_null(d2.read()));
        });
    });
    let t = env.t.clone();
    tf.on("end", move |_: &()| tlog!(t, "end"));
    env.finish()
}

fn tf15_readable_hwm_zero_sets_writable() -> Vec<String> {
    let env = Env::new();
    let o = DuplexOptions::new;
    let cases = [
        ("r0", o().readable_high_water_mark(0)),
        (
            "r0 w5",
            o().readable_high_water_mark(0).writable_high_water_mark(5),
        ),
        ("hwm0", o().high_water_mark(0)),
        (
            "r666 w777",
            o().readable_high_water_mark(666)
                .writable_high_water_mark(777),
        ),
        ("obj r0", o().object_mode(true).readable_high_water_mark(0)),
    ];
    for (label, opts) in cases {
        let tf = Transform::new(&env.h, opts, same);
        tlog!(
            env.t,
            label,
            "readableHighWaterMark",
            tf.readable_side().readable_high_water_mark(),
            "writableHighWaterMark",
            tf.writable_side().writable_high_water_mark()
        );
    }
    env.finish()
}

fn tf16_passthrough_hwm_zero_drain() -> Vec<String> {
    let env = Env::new();
    let pt = PassThrough::new(&env.h, DuplexOptions::new().high_water_mark(0));
    let t = env.t.clone();
    pt.on("drain", move |_: &()| tlog!(t, "drain"));
    tlog!(env.t, "write ->", pt.write("hello1"));
    tlog!(env.t, "read", shown_or_null(pt.read()));
    tlog!(env.t, "read", shown_or_null(pt.read()));
    env.finish()
}

fn tf17_destroy_mid_async_transform() -> Vec<String> {
    let env = Env::new();
    let (t, h) = (env.t.clone(), env.h.clone());
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        move |c: writable::Chunk, _: &Readable, done: Bytes2| {
            tlog!(t, "_transform", text(&c));
            let t = t.clone();
            h.set_immediate(move || {
                tlog!(t, "late callback");
                done.done(c.into_bytes());
            });
        },
    );
    watch(
        &env.t,
        &tf,
        "t",
        &["data", "end", "finish", "error", "close"],
    );
    tf.write_cb("a", cb_logger(&env.t, "cb a"));
    tf.write_cb("b", cb_logger(&env.t, "cb b"));
    env.tick("tick");
    let (t, d) = (env.t.clone(), tf.clone());
    env.h.next_tick(move || {
        d.destroy(None);
        snap(&t, &d, "after destroy");
    });
    env.finish()
}

fn tf18_push_null_inside_transform() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        move |c: writable::Chunk, r: &Readable, done: Bytes2| {
            tlog!(t, "_transform", text(&c));
            r.push(c.into_bytes());
            r.push(None);
            done.ok();
        },
    );
    watch(
        &env.t,
        &tf,
        "t",
        &["data", "end", "finish", "error", "close"],
    );
    tf.write_cb("a", cb_logger(&env.t, "cb a"));
    env.tick("tick");
    let (t, d) = (env.t.clone(), tf.clone());
    env.h.set_immediate(move || {
        snap(&t, &d, "after end");
        d.write_cb("b", cb_logger(&t, "cb b"));
        d.end();
    });
    env.finish()
}

fn tf19_nexttick_callbacks_order() -> Vec<String> {
    let env = Env::new();
    let (t1, t2, h1, h2) = (env.t.clone(), env.t.clone(), env.h.clone(), env.h.clone());
    let tf: Transform<i64, i64> = Transform::new(
        &env.h,
        DuplexOptions::new().object_mode(true),
        FnTransformer::new(
            move |n: i64, r: &Readable<i64>, next: TransformCallback<i64>| {
                tlog!(t1, "_transform", n);
                r.push(n);
                h1.next_tick(move || next.ok());
            },
        )
        .flush(move |_: &Readable<i64>, done: TransformCallback<i64>| {
            tlog!(t2, "_flush");
            let t = t2.clone();
            h2.next_tick(move || {
                tlog!(t, "flush done");
                done.ok();
            });
        }),
    );
    watch(
        &env.t,
        &tf,
        "t",
        &["data", "prefinish", "finish", "end", "close"],
    );
    tf.write(1);
    tf.write(4);
    let t = env.t.clone();
    tf.writable_side()
        .end_with_cb(7, move |_| tlog!(t, "end-cb"));
    env.finish()
}

fn tf20_transform_callback_only_flush_sum() -> Vec<String> {
    let env = Env::new();
    let sum = Rc::new(Cell::new(0usize));
    let s2 = sum.clone();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        FnTransformer::new(move |c: writable::Chunk, _: &Readable, done: Bytes2| {
            sum.set(sum.get() + c.len());
            done.ok();
        })
        .flush(move |_: &Readable, done: Bytes2| done.done(format!("sum={}", s2.get()))),
    );
    watch(&env.t, &tf, "t", &["data", "finish", "end"]);
    tf.write("abc");
    tf.write("de");
    tf.end();
    env.finish()
}

fn tf21_destroy_with_error() -> Vec<String> {
    let env = Env::new();
    let tf = upper(&env, DuplexOptions::new(), false);
    tf.resume();
    watch(&env.t, &tf, "t", &["end", "finish", "error", "close"]);
    tf.write("a");
    tf.destroy(Some(err("E")));
    let (t, d) = (env.t.clone(), tf.clone());
    tf.on("close", move |_: &()| snap(&t, &d, "at close"));
    env.finish()
}

fn tf22_custom_destroy() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        FnTransformer::new(same).destroy(move |e, cb| {
            tlog!(t, "_destroy", errc(e.as_ref()));
            cb.ok();
        }),
    );
    watch(&env.t, &tf, "t", &["error", "close"]);
    tf.destroy(Some(err("E")));
    env.finish()
}

fn tf23_write_after_end() -> Vec<String> {
    let env = Env::new();
    let tf = upper(&env, DuplexOptions::new(), false);
    watch(
        &env.t,
        &tf,
        "t",
        &["data", "finish", "end", "error", "close"],
    );
    tf.end_with("a");
    tlog!(
        env.t,
        "write ->",
        tf.write_cb("b", cb_logger(&env.t, "write-cb"))
    );
    env.finish()
}

fn tf24_passthrough_bytes() -> Vec<String> {
    let env = Env::new();
    let pt = PassThrough::new(&env.h, DuplexOptions::new());
    pt.write("foog");
    pt.write(b"bark".to_vec());
    pt.write("bazy");
    pt.write("kuel");
    pt.end();
    for _ in 0..4 {
        tlog!(env.t, "read(5)", read_n(pt.readable_side(), 5));
    }
    let t = env.t.clone();
    pt.on("end", move |_: &()| tlog!(t, "end"));
    pt.resume();
    env.finish()
}

fn tf25_passthrough_objects() -> Vec<String> {
    let env = Env::new();
    let pt = PassThrough::new_object::<String>(&env.h, DuplexOptions::new().object_mode(true));
    watch(&env.t, &pt, "pt", &["data", "end", "close"]);
    pt.write("one".to_owned());
    pt.write(String::new());
    pt.write("three".to_owned());
    pt.end_with("four".to_owned());
    env.finish()
}

fn tf26_passthrough_decode_strings_false() -> Vec<String> {
    let env = Env::new();
    let pt = PassThrough::new(&env.h, DuplexOptions::new().decode_strings(false));
    watch(&env.t, &pt, "pt", &["data", "end"]);
    pt.write("abc");
    pt.writable_side().write_str("6869", Encoding::Hex);
    pt.end();
    env.finish()
}

fn tf27_passthrough_set_encoding() -> Vec<String> {
    let env = Env::new();
    let a = PassThrough::new(&env.h, DuplexOptions::new());
    a.set_encoding(Encoding::Utf8);
    watch(&env.t, &a, "utf8", &["data"]);
    a.write(vec![0xe2u8, 0x82]);
    a.write(vec![0xacu8]);
    a.end();
    let b = PassThrough::new(&env.h, DuplexOptions::new());
    b.set_encoding(Encoding::Hex);
    watch(&env.t, &b, "hex", &["data"]);
    b.end_with("hi");
    env.finish()
}

fn tf28_passthrough_pipe_chain() -> Vec<String> {
    let env = Env::new();
    let src: Readable = Readable::new(&env.h, ReadableOptions::new(), passive);
    let pt1 = PassThrough::new(&env.h, DuplexOptions::new());
    let pt2 = PassThrough::new(&env.h, DuplexOptions::new());
    let t = env.t.clone();
    let dst = Writable::new(
        &env.h,
        FnSink::new().write(move |c: writable::Chunk, cb: WriteCallback| {
            tlog!(t, "dst _write", text(&c));
            cb.ok();
        }),
        WritableOptions::new(),
    );
    watch_readable(&env.t, &src, "src", &["end", "close"]);
    watch(&env.t, &pt1, "pt1", &["finish", "end", "close"]);
    watch(&env.t, &pt2, "pt2", &["finish", "end", "close"]);
    watch_writable(&env.t, &dst, "dst", &["finish", "close"]);
    src.pipe(&pt1).pipe(&pt2).pipe(&dst);
    src.push("a");
    src.push("b");
    src.push(None);
    env.finish()
}

fn tf29_pipe_through_slow_transform() -> Vec<String> {
    let env = Env::new();
    let src: Readable = Readable::new(&env.h, ReadableOptions::new(), passive);
    let tf = upper(&env, DuplexOptions::new().high_water_mark(2), true);
    let (t, h) = (env.t.clone(), env.h.clone());
    let dst = Writable::new(
        &env.h,
        FnSink::new().write(move |c: writable::Chunk, cb: WriteCallback| {
            tlog!(t, "dst _write", text(&c));
            h.set_immediate(move || cb.ok());
        }),
        WritableOptions::new().high_water_mark(2),
    );
    watch(&env.t, &tf, "t", &["finish", "end", "close"]);
    watch_writable(&env.t, &dst, "dst", &["finish", "close"]);
    src.pipe(&tf).pipe(&dst);
    for c in ["ab", "cd", "ef"] {
        src.push(c);
    }
    src.push(None);
    env.finish()
}

fn tf30_objectmode_falsey_values() -> Vec<String> {
    let env = Env::new();
    let tf: Transform<i64, i64> = Transform::new(
        &env.h,
        DuplexOptions::new().object_mode(true),
        |n: i64, _: &Readable<i64>, done: TransformCallback<i64>| {
            if n < 0 {
                done.done(None::<i64>);
            } else {
                done.done(n);
            }
        },
    );
    watch(&env.t, &tf, "t", &["data", "end"]);
    for n in [0, -1, 0, 5] {
        tf.write(n);
    }
    tf.end();
    env.finish()
}

fn tf31_destroy_inside_transform() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        move |c: writable::Chunk, r: &Readable, done: Bytes2| {
            tlog!(t, "_transform", text(&c));
            r.destroy(None);
            // Never called back.
            drop(done);
        },
    );
    watch(&env.t, &tf, "t", &["data", "error", "close"]);
    tf.write_cb("a", cb_logger(&env.t, "cb a"));
    tf.write_cb("b", cb_logger(&env.t, "cb b"));
    snap(&env.t, &tf, "after writes");
    env.finish()
}

fn tf32_end_chunk_flush_order() -> Vec<String> {
    let env = Env::new();
    let (t1, t2) = (env.t.clone(), env.t.clone());
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        FnTransformer::new(move |c: writable::Chunk, _: &Readable, done: Bytes2| {
            tlog!(t1, "_transform", text(&c));
            done.done(c.into_bytes());
        })
        .flush(move |r: &Readable, done: Bytes2| {
            tlog!(t2, "_flush");
            r.push("tail");
            done.ok();
        }),
    );
    watch(
        &env.t,
        &tf,
        "t",
        &["data", "prefinish", "finish", "end", "close"],
    );
    tf.writable_side()
        .end_with_cb("z", cb_logger(&env.t, "end-cb"));
    tlog!(env.t, "sync-end");
    env.finish()
}

fn tf33_flush_skipped_after_destroy() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        FnTransformer::new(same).flush(move |_: &Readable, done: Bytes2| {
            tlog!(t, "_flush NOT expected");
            done.ok();
        }),
    );
    watch(&env.t, &tf, "t", &["finish", "end", "error", "close"]);
    tf.destroy(None);
    tf.end_cb(cb_logger(&env.t, "end-cb"));
    env.finish()
}

fn tf34_write_false_and_drain() -> Vec<String> {
    let env = Env::new();
    let tf = upper(&env, DuplexOptions::new().writable_high_water_mark(3), true);
    tf.resume();
    watch(&env.t, &tf, "t", &["drain", "finish", "end"]);
    tlog!(
        env.t,
        "write ab ->",
        tf.write("ab"),
        "write cd ->",
        tf.write("cd"),
        "len",
        tf.writable_length(),
        "needDrain",
        tf.writable_need_drain()
    );
    let d = tf.clone();
    tf.on("drain", move |_: &()| d.end());
    env.finish()
}

fn tf35_backpressure_data_listener_later() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new().high_water_mark(2),
        move |c: writable::Chunk, _: &Readable, done: Bytes2| {
            tlog!(t, "_transform", text(&c));
            done.done(c.into_bytes());
        },
    );
    let rets: Vec<Json> = ["a", "b", "c", "d"]
        .iter()
        .map(|c| Json::Bool(tf.write(*c)))
        .collect();
    tlog!(
        env.t,
        "writes",
        Json::Array(rets),
        "wlen",
        tf.writable_length(),
        "rlen",
        tf.readable_length()
    );
    tf.end();
    let (t, d) = (env.t.clone(), tf.clone());
    env.h.set_immediate(move || {
        tlog!(
            t,
            "later",
            "wlen",
            d.writable_length(),
            "rlen",
            d.readable_length()
        );
        watch(&t, &d, "t", &["data", "finish", "end", "close"]);
    });
    env.finish()
}

fn tf36_errored_flags() -> Vec<String> {
    let env = Env::new();
    let h = env.h.clone();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        move |_: writable::Chunk, _: &Readable, done: Bytes2| {
            h.set_immediate(move || done.error(err("T")));
        },
    );
    tf.write("a");
    let (t, d) = (env.t.clone(), tf.clone());
    tf.on("error", move |_: &Error| snap(&t, &d, "at error"));
    let (t, d) = (env.t.clone(), tf.clone());
    tf.on("close", move |_: &()| snap(&t, &d, "at close"));
    env.finish()
}

fn tf37_passthrough_objects_into_writable() -> Vec<String> {
    let env = Env::new();
    let pt = PassThrough::new_object::<i64>(&env.h, DuplexOptions::new().object_mode(true));
    let (t, h) = (env.t.clone(), env.h.clone());
    let dst: Writable<i64> = Writable::new_object(
        &env.h,
        FnSink::new().write(move |v: i64, cb: WriteCallback| {
            tlog!(t, "dst _write", v);
            h.set_immediate(move || cb.ok());
        }),
        WritableOptions::new().object_mode(true),
    );
    watch(&env.t, &pt, "pt", &["end", "finish", "close"]);
    watch_writable(&env.t, &dst, "dst", &["finish", "close"]);
    pt.pipe(&dst);
    pt.write(1);
    pt.write(2);
    pt.end_with(3);
    env.finish()
}

fn tf38_readable_hwm_zero_bytes() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new().readable_high_water_mark(0),
        move |c: writable::Chunk, _: &Readable, done: Bytes2| {
            tlog!(t, "_transform", text(&c));
            done.done(c.into_bytes());
        },
    );
    tlog!(
        env.t,
        "write a ->",
        tf.write("a"),
        "write b ->",
        tf.write("b"),
        "wlen",
        tf.writable_length(),
        "rlen",
        tf.readable_length()
    );
    let (t, d) = (env.t.clone(), tf.clone());
    tf.on("drain", move |_: &()| {
        tlog!(t, "drain");
        d.end();
    });
    let (t, d) = (env.t.clone(), tf.clone());
    env.h
        .set_immediate(move || watch(&t, &d, "t", &["data", "end"]));
    env.finish()
}

fn tf39_pipe_into_transform_that_ends() -> Vec<String> {
    let env = Env::new();
    let loops = Rc::new(Cell::new(5i64));
    let (t, l) = (env.t.clone(), loops.clone());
    let src: Readable = Readable::new(
        &env.h,
        ReadableOptions::new().high_water_mark(16 * 1024),
        move |r: &Readable, _: usize| {
            let cur = l.get();
            l.set(cur - 1);
            if cur != 0 {
                tlog!(t, "src _read", cur - 1);
                r.push(vec![0u8; 20000]);
            }
        },
    );
    let t = env.t.clone();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new().high_water_mark(16 * 1024),
        move |c: writable::Chunk, r: &Readable, done: Bytes2| {
            tlog!(t, "_transform", c.len());
            r.push(None);
            done.ok();
        },
    );
    src.pipe(&tf);
    let t = env.t.clone();
    tf.on(DATA, move |_: &readable::Chunk| {
        tlog!(t, "NOT expected data")
    });
    let (t, s2) = (env.t.clone(), src.clone());
    tf.on("end", move |_: &()| {
        tlog!(
            t,
            "t:end",
            "loops",
            loops.get(),
            "src paused",
            s2.is_paused()
        );
    });
    env.finish()
}

fn tf40_destroy_during_async_flush() -> Vec<String> {
    let env = Env::new();
    let me: Rc<OnceCell<Transform>> = Rc::new(OnceCell::new());
    let (t, h, me2) = (env.t.clone(), env.h.clone(), me.clone());
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        FnTransformer::new(same).flush(move |_: &Readable, done: Bytes2| {
            tlog!(t, "_flush");
            let (t2, me3) = (t.clone(), me2.clone());
            h.next_tick(move || {
                let d = me3.get().expect("set");
                d.destroy(None);
                snap(&t2, d, "after destroy");
            });
            let t = t.clone();
            h.set_immediate(move || {
                tlog!(t, "flush done");
                done.done("late");
            });
        }),
    );
    let _ = me.set(tf.clone());
    watch(
        &env.t,
        &tf,
        "t",
        &["data", "prefinish", "finish", "end", "error", "close"],
    );
    tf.writable_side()
        .end_with_cb("a", cb_logger(&env.t, "end-cb"));
    let out = env.finish();
    // The stream holds itself through its flush; let it go.
    drop(me.get().cloned());
    out
}

fn tf41_destroy_with_held_callback() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new().high_water_mark(1),
        move |c: writable::Chunk, _: &Readable, done: Bytes2| {
            tlog!(t, "_transform", text(&c));
            done.done(c.into_bytes());
        },
    );
    watch(&env.t, &tf, "t", &["error", "close"]);
    tf.write_cb("a", cb_logger(&env.t, "cb a"));
    tf.write_cb("b", cb_logger(&env.t, "cb b"));
    tf.write_cb("c", cb_logger(&env.t, "cb c"));
    let (t, d) = (env.t.clone(), tf.clone());
    env.h.set_immediate(move || {
        tlog!(t, "wlen", d.writable_length(), "rlen", d.readable_length());
        d.destroy(None);
        snap(&t, &d, "after destroy");
    });
    env.finish()
}

fn tf42_end_releases_held_callbacks() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new().high_water_mark(2),
        move |c: writable::Chunk, _: &Readable, done: Bytes2| {
            tlog!(t, "_transform", text(&c));
            done.done(c.into_bytes());
        },
    );
    for c in ["ab", "cd", "ef", "gh"] {
        let t = env.t.clone();
        tf.write_cb(c, move |_| tlog!(t, "cb", c));
    }
    let t = env.t.clone();
    tf.end_cb(move |_| tlog!(t, "end-cb"));
    let (t, d) = (env.t.clone(), tf.clone());
    env.h.set_immediate(move || {
        tlog!(
            t,
            "before read",
            "wlen",
            d.writable_length(),
            "rlen",
            d.readable_length()
        );
        tlog!(t, "read(2)", read_n(d.readable_side(), 2));
        tlog!(
            t,
            "after read",
            "wlen",
            d.writable_length(),
            "rlen",
            d.readable_length()
        );
        let (h, t) = (d.loop_handle().clone(), t.clone());
        h.set_immediate(move || {
            let t2 = t.clone();
            d.on(DATA, move |c: &readable::Chunk| {
                tlog!(t2, "data", c.shown())
            });
            d.on("end", move |_: &()| tlog!(t, "end"));
        });
    });
    env.finish()
}

fn tf43_passthrough_end_before_pipe() -> Vec<String> {
    let env = Env::new();
    let pt = PassThrough::new(&env.h, DuplexOptions::new());
    watch(&env.t, &pt, "pt", &["finish", "end", "close"]);
    pt.write("a");
    pt.end_with("b");
    let (t, h, p) = (env.t.clone(), env.h.clone(), pt.clone());
    env.h.set_immediate(move || {
        snap(&t, &p, "before pipe");
        let t2 = t.clone();
        let dst = Writable::new(
            &h,
            FnSink::new().write(move |c: writable::Chunk, cb: WriteCallback| {
                tlog!(t2, "dst _write", text(&c));
                cb.ok();
            }),
            WritableOptions::new(),
        );
        watch_writable(&t, &dst, "dst", &["finish", "close"]);
        p.pipe(&dst);
    });
    env.finish()
}

fn tf44_flush_pushes_many_object_hwm1() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let tf: Transform<i64, i64> = Transform::new(
        &env.h,
        DuplexOptions::new().object_mode(true).high_water_mark(1),
        FnTransformer::new(|_: i64, _: &Readable<i64>, done: TransformCallback<i64>| done.ok())
            .flush(move |r: &Readable<i64>, done: TransformCallback<i64>| {
                let (a, b, c) = (r.push(1), r.push(2), r.push(3));
                tlog!(t, "push ->", a, b, c);
                done.ok();
            }),
    );
    watch(&env.t, &tf, "t", &["finish", "end", "close"]);
    tf.end_with(0);
    let (t, d) = (env.t.clone(), tf.clone());
    env.h.set_immediate(move || {
        tlog!(t, "rlen", d.readable_length(), "ended", d.readable_ended());
        let t = t.clone();
        d.on(DATA, move |v: &i64| tlog!(t, "data", *v));
    });
    env.finish()
}

fn tf45_transform_error_after_push_null() -> Vec<String> {
    let env = Env::new();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new(),
        |c: writable::Chunk, r: &Readable, done: Bytes2| {
            r.push(c.into_bytes());
            r.push(None);
            done.error(err("T"));
        },
    );
    watch(
        &env.t,
        &tf,
        "t",
        &["data", "end", "finish", "error", "close"],
    );
    tf.write_cb("a", cb_logger(&env.t, "cb a"));
    env.finish()
}

fn tf46_no_halfopen_push_null_buffered_writes() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new().allow_half_open(false),
        move |c: writable::Chunk, r: &Readable, done: Bytes2| {
            tlog!(t, "_transform", text(&c));
            if text(&c) == "b" {
                r.push(None);
            } else {
                r.push(c.into_bytes());
            }
            done.ok();
        },
    );
    watch(
        &env.t,
        &tf,
        "t",
        &["data", "end", "prefinish", "finish", "error", "close"],
    );
    tf.write_cb("a", cb_logger(&env.t, "cb a"));
    tf.write_cb("b", cb_logger(&env.t, "cb b"));
    tf.write_cb("c", cb_logger(&env.t, "cb c"));
    env.finish()
}

fn tf47_passthrough_base64_encoding() -> Vec<String> {
    let env = Env::new();
    let pt = PassThrough::new(&env.h, DuplexOptions::new());
    pt.set_encoding(Encoding::Base64);
    watch(&env.t, &pt, "pt", &["data", "end"]);
    pt.write("a");
    pt.write("bc");
    pt.write("defg");
    pt.end();
    env.finish()
}

fn tf48_cork_transform() -> Vec<String> {
    let env = Env::new();
    let tf = upper(&env, DuplexOptions::new(), false);
    watch(&env.t, &tf, "t", &["data"]);
    tf.cork();
    let t = env.t.clone();
    tf.write_cb("a", move |_| tlog!(t, "cb a"));
    let t = env.t.clone();
    tf.write_cb("b", move |_| tlog!(t, "cb b"));
    tlog!(
        env.t,
        "corked",
        tf.writable_side().writable_corked(),
        "len",
        tf.writable_length()
    );
    tf.uncork();
    tlog!(env.t, "after uncork");
    env.finish()
}

fn tf49_destroy_error_with_held_callback_and_end() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let tf = Transform::new(
        &env.h,
        DuplexOptions::new().high_water_mark(1),
        move |c: writable::Chunk, _: &Readable, done: Bytes2| {
            tlog!(t, "_transform", text(&c));
            done.done(c.into_bytes());
        },
    );
    watch(&env.t, &tf, "t", &["error", "close"]);
    tf.write_cb("a", cb_logger(&env.t, "cb a"));
    tf.write_cb("b", cb_logger(&env.t, "cb b"));
    tf.end_cb(cb_logger(&env.t, "end-cb"));
    let d = tf.clone();
    env.h.set_immediate(move || d.destroy(Some(err("E"))));
    env.finish()
}

fn tf50_readable_event_object_split() -> Vec<String> {
    let env = Env::new();
    let tf: Transform<String, String> = Transform::new(
        &env.h,
        DuplexOptions::new().object_mode(true),
        |s: String, r: &Readable<String>, done: TransformCallback<String>| {
            for ch in s.chars() {
                r.push(ch.to_string());
            }
            done.ok();
        },
    );
    let (t, d) = (env.t.clone(), tf.clone());
    tf.on("readable", move |_: &()| {
        while let Some(v) = d.read() {
            tlog!(t, "read", v);
        }
    });
    let t = env.t.clone();
    tf.on("end", move |_: &()| tlog!(t, "end"));
    tf.write("ab".to_owned());
    tf.write("cde".to_owned());
    tf.end();
    env.finish()
}

macro_rules! scenarios {
    ($($name:literal => $f:ident),* $(,)?) => {
        /// The ported scenarios of this group.
        pub const SCENARIOS: &[Scenario] = &[$(Scenario { name: $name, run: $f }),*];
    };
}

scenarios! {
    "tf01-sync-transform" => tf01_sync_transform,
    "tf02-async-transform" => tf02_async_transform,
    "tf03-several-pushes-per-chunk" => tf03_several_pushes_per_chunk,
    "tf04-push-and-callback-value" => tf04_push_and_callback_value,
    "tf05-flush-pushes-data" => tf05_flush_pushes_data,
    "tf06-flush-async" => tf06_flush_async,
    "tf07-flush-error" => tf07_flush_error,
    "tf08-transform-error-sync" => tf08_transform_error_sync,
    "tf09-transform-error-async-buffered" => tf09_transform_error_async_buffered,
    "tf10-object-mode" => tf10_object_mode,
    "tf11-readable-object-mode" => tf11_readable_object_mode,
    "tf12-writable-object-mode" => tf12_writable_object_mode,
    "tf13-backpressure-read-resumes" => tf13_backpressure_read_resumes,
    "tf14-readable-hwm-zero-object" => tf14_readable_hwm_zero_object,
    "tf15-readable-hwm-zero-sets-writable" => tf15_readable_hwm_zero_sets_writable,
    "tf16-passthrough-hwm-zero-drain" => tf16_passthrough_hwm_zero_drain,
    "tf17-destroy-mid-async-transform" => tf17_destroy_mid_async_transform,
    "tf18-push-null-inside-transform" => tf18_push_null_inside_transform,
    "tf19-nexttick-callbacks-order" => tf19_nexttick_callbacks_order,
    "tf20-transform-callback-only-flush-sum" => tf20_transform_callback_only_flush_sum,
    "tf21-destroy-with-error" => tf21_destroy_with_error,
    "tf22-custom-destroy" => tf22_custom_destroy,
    "tf23-write-after-end" => tf23_write_after_end,
    "tf24-passthrough-bytes" => tf24_passthrough_bytes,
    "tf25-passthrough-objects" => tf25_passthrough_objects,
    "tf26-passthrough-decodeStrings-false" => tf26_passthrough_decode_strings_false,
    "tf27-passthrough-setEncoding" => tf27_passthrough_set_encoding,
    "tf28-passthrough-pipe-chain" => tf28_passthrough_pipe_chain,
    "tf29-pipe-through-slow-transform" => tf29_pipe_through_slow_transform,
    "tf30-objectmode-falsey-values" => tf30_objectmode_falsey_values,
    "tf31-destroy-inside-transform" => tf31_destroy_inside_transform,
    "tf32-end-chunk-flush-order" => tf32_end_chunk_flush_order,
    "tf33-flush-skipped-after-destroy" => tf33_flush_skipped_after_destroy,
    "tf34-write-false-and-drain" => tf34_write_false_and_drain,
    "tf35-backpressure-data-listener-later" => tf35_backpressure_data_listener_later,
    "tf36-errored-flags" => tf36_errored_flags,
    "tf37-passthrough-objects-into-writable" => tf37_passthrough_objects_into_writable,
    "tf38-readable-hwm-zero-bytes" => tf38_readable_hwm_zero_bytes,
    "tf39-pipe-into-transform-that-ends" => tf39_pipe_into_transform_that_ends,
    "tf40-destroy-during-async-flush" => tf40_destroy_during_async_flush,
    "tf41-destroy-with-held-callback" => tf41_destroy_with_held_callback,
    "tf42-end-releases-held-callbacks" => tf42_end_releases_held_callbacks,
    "tf43-passthrough-end-before-pipe" => tf43_passthrough_end_before_pipe,
    "tf44-flush-pushes-many-object-hwm1" => tf44_flush_pushes_many_object_hwm1,
    "tf45-transform-error-after-push-null" => tf45_transform_error_after_push_null,
    "tf46-no-halfopen-push-null-buffered-writes" => tf46_no_halfopen_push_null_buffered_writes,
    "tf47-passthrough-base64-encoding" => tf47_passthrough_base64_encoding,
    "tf48-cork-transform" => tf48_cork_transform,
    "tf49-destroy-error-with-held-callback-and-end" => tf49_destroy_error_with_held_callback_and_end,
    "tf50-readable-event-object-split" => tf50_readable_event_object_split,
}
