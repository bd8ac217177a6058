//! The Readable's events in Node v20's order. Each test is a Node script run under v20.20.2;
//! its trace is in the comment above the expected lines.

mod support;

use std::cell::Cell;
use std::rc::Rc;

use nodestream::compat::NodeCompat;
use nodestream::stream::readable::{Chunk, Encoding, Readable, ReadableOptions};
use nodestream::{Error, EventLoop};
use support::{assert_trace, event_loop, passive, watch, Log};

fn flowing(f: Option<bool>) -> &'static str {
    match f {
        None => "null",
        Some(true) => "true",
        Some(false) => "false",
    }
}

/// ```js
/// const r = new Readable({ read(size) { log('_read', size); } });
/// r.push('a'); r.push('b');
/// log('before on data', r.readableFlowing);
/// watch(r, 'r', ['data', 'end', 'close', 'pause', 'resume']);
/// log('after on data', r.readableFlowing, r.isPaused());
/// tick('tick1');
/// r.push(null);
/// imm('imm');
/// log('sync-end', r.readableLength, r.readableEnded);
/// ```
#[test]
fn data_flows_on_the_next_tick_then_end_then_close() {
    let (el, lp) = event_loop();
    let t = Log::default();
    let t2 = t.clone();
    let r = Readable::new(
        &lp,
        ReadableOptions::default(),
        move |_: &Readable, size| t2.push(format!("_read {size}")),
    );
    r.push("a");
    r.push("b");
    t.push(format!("before on data {}", flowing(r.readable_flowing())));
    watch(&r, "r", &["data", "end", "close", "pause", "resume"], &t);
    t.push(format!(
        "after on data {} {}",
        flowing(r.readable_flowing()),
        r.is_paused()
    ));
    t.tick(&lp, "tick1");
    r.push(None);
    t.imm(&lp, "imm");
    t.push(format!(
        "sync-end {} {}",
        r.readable_length(),
        r.readable_ended()
    ));
    el.run().unwrap();
    assert_trace(
        &t,
        &[
            "before on data null",
            "after on data true false",
            "sync-end 2 false",
            "r:resume",
            "r:data buf(a)",
            "r:data buf(b)",
            "tick1",
            "r:end",
            "r:close",
            "imm",
        ],
    );
    assert!(r.readable_ended() && r.destroyed() && r.closed() && !r.readable());
}

/// ```js
/// let i = 0;
/// const r = new Readable({ highWaterMark: 4, read(size) { log('_read', size);
///   setImmediate(() => { i++; if (i <= 3) log('push', 'c' + i, '->', r.push('c' + i));
///                        else r.push(null); }); } });
/// watch(r, 'r', ['data', 'end', 'close', 'pause', 'resume']);
/// log('sync-end', r.readableFlowing);
/// ```
#[test]
fn async_source_is_asked_again_after_each_push() {
    let (el, lp) = event_loop();
    let t = Log::default();
    let t2 = t.clone();
    let lp2 = lp.clone();
    let i = Rc::new(Cell::new(0));
    let r = Readable::new(
        &lp,
        ReadableOptions::default().high_water_mark(4),
        move |r: &Readable, size| {
            t2.push(format!("_read {size}"));
            let (r, t, i) = (r.clone(), t2.clone(), i.clone());
            lp2.set_immediate(move || {
                i.set(i.get() + 1);
                if i.get() <= 3 {
                    let c = format!("c{}", i.get());
                    let ok = r.push(c.as_str());
                    t.push(format!("push {c} -> {ok}"));
                } else {
                    r.push(None);
                }
            });
        },
    );
    watch(&r, "r", &["data", "end", "close", "pause", "resume"], &t);
    t.push(format!("sync-end {}", flowing(r.readable_flowing())));
    el.run().unwrap();
    assert_trace(
        &t,
        &[
            "sync-end true",
            "_read 4",
            "r:resume",
            "r:data buf(c1)",
            "push c1 -> true",
            "_read 4",
            "r:data buf(c2)",
            "push c2 -> true",
            "_read 4",
            "r:data buf(c3)",
            "push c3 -> true",
            "_read 4",
            "r:end",
            "r:close",
        ],
    );
}

/// ```js
/// const r = new Readable({ read() {} });
/// watch(r, 'r', ['data', 'end', 'close', 'pause', 'resume']);
/// r.push('a');
/// tick('t1');
/// setImmediate(() => {
///   r.pause(); log('paused', r.isPaused(), r.readableFlowing);
///   log('push b ->', r.push('b'));
///   r.pause(); log('second pause: no event');
///   imm('imm2');
///   setImmediate(() => { log('resume'); r.resume(); r.resume();
///     log('after resume', r.isPaused(), r.readableFlowing); r.push(null); });
/// });
/// ```
#[test]
fn pause_buffers_and_resume_flows_again() {
    let (el, lp) = event_loop();
    let t = Log::default();
    let r = passive(&lp, ReadableOptions::default());
    watch(&r, "r", &["data", "end", "close", "pause", "resume"], &t);
    r.push("a");
    t.tick(&lp, "t1");
    let (r2, t2, lp2) = (r.clone(), t.clone(), lp.clone());
    lp.set_immediate(move || {
        r2.pause();
        t2.push(format!(
            "paused {} {}",
            r2.is_paused(),
            flowing(r2.readable_flowing())
        ));
        t2.push(format!("push b -> {}", r2.push("b")));
        r2.pause();
        t2.push("second pause: no event");
        t2.imm(&lp2, "imm2");
        let (r3, t3) = (r2.clone(), t2.clone());
        lp2.set_immediate(move || {
            t3.push("resume");
            r3.resume();
            r3.resume();
            t3.push(format!(
                "after resume {} {}",
                r3.is_paused(),
                flowing(r3.readable_flowing())
            ));
            r3.push(None);
        });
    });
    el.run().unwrap();
    assert_trace(
        &t,
        &[
            "r:resume",
            "r:data buf(a)",
            "t1",
            "r:pause",
            "paused true false",
            "push b -> true",
            "second pause: no event",
            "imm2",
            "resume",
            "after resume false true",
            "r:data buf(b)",
            "r:resume",
            "r:end",
            "r:close",
        ],
    );
}

/// ```js
/// const r = new Readable({ highWaterMark: 4, read(size) { log('_read', size); } });
/// watch(r, 'r', ['end', 'close', 'data']);
/// r.on('readable', () => { log('r:readable', r.readableLength); let c;
///   while ((c = r.read()) !== null) log('read', c.toString()); log('read null'); });
/// log('push abc', r.push('abc'));
/// log('push de', r.push('de'));
/// tick('t1');
/// setImmediate(() => { r.push('f'); r.push(null); log('pushed eof'); });
/// ```
/// Node v26 (the default) hands `read()` one buffered chunk at a time (`abc`, then `de`);
/// v20 joins the buffer (`abcde`). Both traces are node's for the script above.
#[test]
fn readable_event_and_read_loop() {
    let v26 = [
        "push abc true",
        "push de false",
        "r:readable 5",
        "_read 4",
        "r:data buf(abc)",
        "read abc",
        "r:data buf(de)",
        "read de",
        "read null",
        "t1",
        "r:readable 1",
        "r:data buf(f)",
        "read f",
        "read null",
        "pushed eof",
        "r:readable 0",
        "read null",
        "r:end",
        "r:close",
    ];
    readable_event_and_read_loop_as(NodeCompat::V26, &v26);
    let v20 = [
        "push abc true",
        "push de false",
        "r:readable 5",
        "_read 4",
        "r:data buf(abcde)",
        "read abcde",
        "read null",
        "t1",
        "r:readable 1",
        "r:data buf(f)",
        "read f",
        "read null",
        "pushed eof",
        "r:readable 0",
        "read null",
        "r:end",
        "r:close",
    ];
    readable_event_and_read_loop_as(NodeCompat::V20, &v20);
}

fn readable_event_and_read_loop_as(compat: NodeCompat, want: &[&str]) {
    let el = EventLoop::builder().compat(compat).build().unwrap();
    let lp = el.handle();
    let t = Log::default();
    let t2 = t.clone();
    let r = Readable::new(
        &lp,
        ReadableOptions::default().high_water_mark(4),
        move |_: &Readable, size| t2.push(format!("_read {size}")),
    );
    watch(&r, "r", &["end", "close", "data"], &t);
    let (r2, t2) = (r.clone(), t.clone());
    r.on("readable", move |_: &()| {
        t2.push(format!("r:readable {}", r2.readable_length()));
        while let Some(c) = r2.read() {
            t2.push(format!(
                "read {}",
                String::from_utf8_lossy(c.as_bytes().unwrap())
            ));
        }
        t2.push("read null");
    });
    t.push(format!("push abc {}", r.push("abc")));
    t.push(format!("push de {}", r.push("de")));
    t.tick(&lp, "t1");
    let (r2, t2) = (r.clone(), t.clone());
    lp.set_immediate(move || {
        r2.push("f");
        r2.push(None);
        t2.push("pushed eof");
    });
    el.run().unwrap();
    assert_trace(&t, want);
}

/// ```js
/// const r = new Readable({ read() {},
///   destroy(err, cb) { log('_destroy', err && err.message); cb(err); } });
/// watch(r, 'r', ['data', 'end', 'close', 'error', 'pause', 'resume']);
/// r.push('a'); r.push('b');
/// r.destroy(new Error('boom'));
/// log('destroyed', r.destroyed, 'errored', r.errored && r.errored.message,
///     'readable', r.readable, 'aborted', r.readableAborted);
/// log('push after destroy ->', r.push('c'));
/// r.destroy(new Error('second'));
/// tick('t1');
/// ```
/// Node logs the error's message (`boom`); here its code (`EBOOM`).
#[test]
fn destroy_with_error_emits_error_then_close_and_no_end() {
    struct Src(Log);
    impl nodestream::stream::readable::Source for Src {
        fn read(&self, _: &Readable, _: usize) {}
        fn destroy(
            &self,
            _: &Readable,
            err: Option<Error>,
            done: nodestream::stream::readable::DestroyDone,
        ) {
            self.0.push(format!(
                "_destroy {}",
                err.as_ref().map_or("null", |e| e.message())
            ));
            done.done(err);
        }
    }
    let (el, lp) = event_loop();
    let t = Log::default();
    let r = Readable::new(&lp, ReadableOptions::default(), Src(t.clone()));
    watch(
        &r,
        "r",
        &["data", "end", "close", "error", "pause", "resume"],
        &t,
    );
    r.push("a");
    r.push("b");
    r.destroy(Some(Error::custom("EBOOM", "boom")));
    t.push(format!(
        "destroyed {} errored {} readable {} aborted {}",
        r.destroyed(),
        r.errored().unwrap().message(),
        r.readable(),
        r.readable_aborted()
    ));
    t.push(format!("push after destroy -> {}", r.push("c")));
    r.destroy(Some(Error::custom("ESECOND", "second")));
    t.tick(&lp, "t1");
    el.run().unwrap();
    assert_trace(
        &t,
        &[
            "_destroy boom",
            "destroyed true errored boom readable false aborted true",
            "push after destroy -> false",
            "r:resume",
            "r:data buf(a)",
            "r:data buf(b)",
            "r:error EBOOM",
            "r:close",
            "t1",
        ],
    );
}

/// ```js
/// const r = new Readable({ read() {} });
/// watch(r, 'r', ['data', 'end', 'close', 'error']);
/// r.push('a'); r.push(null);
/// log('push after eof ->', r.push('b'));
/// log('sync-end');
/// ```
#[test]
fn push_after_eof_is_an_error_and_no_end() {
    let (el, lp) = event_loop();
    let t = Log::default();
    let r = passive(&lp, ReadableOptions::default());
    watch(&r, "r", &["data", "end", "close", "error"], &t);
    r.push("a");
    r.push(None);
    t.push(format!("push after eof -> {}", r.push("b")));
    t.push("sync-end");
    el.run().unwrap();
    assert_trace(
        &t,
        &[
            "push after eof -> false",
            "sync-end",
            "r:data buf(a)",
            "r:error ERR_STREAM_PUSH_AFTER_EOF",
            "r:close",
        ],
    );
}

/// ```js
/// const r = new Readable({ read() {}, encoding: 'utf8' });
/// watch(r, 'r', ['data', 'end', 'close', 'error']);
/// const e = Buffer.from('h\u00e9\u20ac!', 'utf8');
/// r.push(e.subarray(0, 2)); r.push(e.subarray(2, 4)); r.push(e.subarray(4, 6));
/// r.push(Buffer.from([0xe2])); r.push(null);
/// log('readableLength', r.readableLength, 'encoding', r.readableEncoding);
/// ```
/// Node: `readableLength 4` (UTF-16 units); here 9 (UTF-8 bytes of "h", "é", "€", "\u{fffd}").
#[test]
fn encoding_decodes_characters_split_across_chunks() {
    let (el, lp) = event_loop();
    let t = Log::default();
    let r = passive(&lp, ReadableOptions::default().encoding(Encoding::Utf8));
    watch(&r, "r", &["data", "end", "close", "error"], &t);
    let e = "h\u{e9}\u{20ac}!".as_bytes();
    r.push(&e[0..2]);
    r.push(&e[2..4]);
    r.push(&e[4..6]);
    r.push(&[0xe2u8][..]);
    r.push(None);
    t.push(format!(
        "readableLength {} encoding {}",
        r.readable_length(),
        r.readable_encoding().unwrap().name()
    ));
    el.run().unwrap();
    assert_trace(
        &t,
        &[
            "readableLength 9 encoding utf8",
            "r:data \"h\"",
            "r:data \"é\"",
            "r:data \"€\"",
            "r:data \"\u{fffd}\"",
            "r:end",
            "r:close",
        ],
    );
}

/// An `'error'` nobody listens to is not lost: `run()` returns it, as an uncaught exception
/// ends a Node process.
#[test]
fn unhandled_error_is_returned_by_run() {
    let (el, lp) = event_loop();
    let r = passive(&lp, ReadableOptions::default());
    r.destroy(Some(Error::custom("EBOOM", "boom")));
    let err = el.run().unwrap_err();
    assert_eq!(err.code().as_str(), "EBOOM");
    assert!(r.closed());
}

/// `'end'` at most once, no `'data'` after it, `'close'` after it; a `read()` after the end
/// returns `None`.
#[test]
fn end_is_emitted_once_and_nothing_follows_it() {
    let (el, lp) = event_loop();
    let t = Log::default();
    let r = passive(&lp, ReadableOptions::default());
    watch(&r, "r", &["data", "end", "close"], &t);
    r.push("x");
    r.push(None);
    r.push(None);
    el.run().unwrap();
    assert!(r.read().is_none());
    r.resume();
    el.run().unwrap();
    assert_trace(&t, &["r:data buf(x)", "r:end", "r:close"]);
}

/// Object mode: the default high-water mark is 16 objects and `push` says so.
#[test]
fn object_mode_counts_objects() {
    let (el, lp) = event_loop();
    let r = passive(&lp, ReadableOptions::default().object_mode(true));
    let oks: Vec<bool> = (0..17).map(|i| r.push(Chunk::object(i))).collect();
    assert_eq!(oks.iter().filter(|ok| **ok).count(), 15);
    assert_eq!(r.readable_length(), 17);
    let first = r.read().unwrap();
    assert_eq!(first.downcast_ref::<i32>(), Some(&0));
    assert_eq!(r.readable_length(), 16);
    drop(el);
}

/// `read(n)`: exactly `n` bytes, or `None` while fewer are buffered; all of the rest at the
/// end. `unshift` puts bytes back in front.
#[test]
fn read_size_and_unshift() {
    let (el, lp) = event_loop();
    let r = passive(&lp, ReadableOptions::default());
    r.push("abc");
    r.push("def");
    assert_eq!(r.read_size(4).unwrap(), Some(Chunk::from("abcd")));
    assert_eq!(r.read_size(4).unwrap(), None);
    r.unshift("XY");
    assert_eq!(r.read_size(3).unwrap(), Some(Chunk::from("XYe")));
    r.push(None);
    assert_eq!(r.read_size(10).unwrap(), Some(Chunk::from("f")));
    assert_eq!(
        r.read_size(2 << 30).unwrap_err().code().as_str(),
        "ERR_OUT_OF_RANGE"
    );
    el.run().unwrap();
    assert!(r.readable_ended());
}
