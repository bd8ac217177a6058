//! Readable#pipe beyond the conformance scenarios (p01-p11 live in tests/conformance):
//! several destinations, an unhandled destination error, and a source destroyed mid-pipe
//! under the modern and the legacy pipe. Node v20.20.2's traces are in the comments.

mod support;

use nodestream::stream::legacy;
use nodestream::stream::readable::{PipeOptions, Readable, ReadableOptions};
use nodestream::stream::writable::{Chunk, Sink, WriteCallback};
use nodestream::{Error, LoopHandle, Writable, WritableOptions};
use support::{assert_trace, event_loop, passive, Log};

/// lib.js `slowSink`: logs `_write <chunk> buffer`, completes on `setImmediate`.
struct SlowSink {
    t: Log,
    lp: LoopHandle,
}

impl Sink for SlowSink {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.t.push(format!(
            "_write {} buffer",
            String::from_utf8_lossy(chunk.as_bytes())
        ));
        self.lp.set_immediate(move || cb.ok());
    }
}

fn slow_sink(t: &Log, lp: &LoopHandle, hwm: Option<usize>) -> Writable {
    let mut opts = WritableOptions::new();
    if let Some(hwm) = hwm {
        opts = opts.high_water_mark(hwm);
    }
    Writable::new(
        lp,
        SlowSink {
            t: t.clone(),
            lp: lp.clone(),
        },
        opts,
    )
}

fn watch_w(t: &Log, w: &Writable, name: &str, events: &[&str], src: &Readable) {
    for &ev in events {
        let t = t.clone();
        let label = format!("{name}:{ev}");
        match ev {
            "pipe" | "unpipe" => {
                let src = src.downgrade();
                w.on(ev, move |r: &Readable| {
                    let who = if src.upgrade().as_ref() == Some(r) {
                        " <src>"
                    } else {
                        " <other>"
                    };
                    t.push(format!("{label}{who}"));
                });
            }
            "error" => {
                w.on(ev, move |e: &Error| t.push(format!("{label} {}", e.code())));
            }
            _ => {
                w.on(ev, move |_: &()| t.push(label.clone()));
            }
        }
    }
}

fn watch_r(t: &Log, r: &Readable, name: &str, events: &[&str]) {
    for &ev in events {
        let t = t.clone();
        let label = format!("{name}:{ev}");
        r.on(ev, move |_: &()| t.push(label.clone()));
    }
}

/// ```js
/// const src = new Readable({ read() {} });
/// const a = slowSink({ highWaterMark: 1 });
/// const b = slowSink({ highWaterMark: 100 });
/// watch(src, 'src', ['pause', 'resume', 'end']);
/// // a:/b: pipe, unpipe, drain, finish
/// src.pipe(a); src.pipe(b);
/// src.push('x'); src.push('y');
/// setImmediate(() => { log('pipes', src._readableState.pipes.length);
///   setImmediate(() => { src.unpipe();
///     log('after unpipe all', src.readableFlowing, src._readableState.pipes.length);
///     src.push('z');
///     setImmediate(() => log('after z: readableLength', src.readableLength)); }); });
/// ```
/// The slow destination pauses the source for both; unpiping all calls the pending drain
/// handler, which resumes the source while the other pipe's `'data'` listener is still there
/// (so `z` flows to nobody, as in Node).
#[test]
fn two_destinations_wait_for_the_slow_one_and_unpipe_all() {
    let (el, lp) = event_loop();
    let t = Log::default();
    let src = passive(&lp, ReadableOptions::default());
    let a = slow_sink(&t, &lp, Some(1));
    let b = slow_sink(&t, &lp, Some(100));
    watch_r(&t, &src, "src", &["pause", "resume", "end"]);
    watch_w(&t, &a, "a", &["pipe", "unpipe", "drain", "finish"], &src);
    watch_w(&t, &b, "b", &["pipe", "unpipe", "drain", "finish"], &src);
    src.pipe(&a);
    src.pipe(&b);
    src.push("x");
    src.push("y");
    let (s, t2, lp2) = (src.clone(), t.clone(), lp.clone());
    lp.set_immediate(move || {
        t2.push(format!("pipes {}", s.pipes_count()));
        let (s, t2, lp3) = (s.clone(), t2.clone(), lp2.clone());
        lp2.set_immediate(move || {
            s.unpipe(None);
            t2.push(format!(
                "after unpipe all {} {}",
                s.readable_flowing().unwrap(),
                s.pipes_count()
            ));
            s.push("z");
            let (s, t2) = (s.clone(), t2.clone());
            lp3.set_immediate(move || {
                t2.push(format!("after z: readableLength {}", s.readable_length()))
            });
        });
    });
    el.run().unwrap();
    assert_trace(
        &t,
        &[
            "a:pipe <src>",
            "b:pipe <src>",
            "src:resume",
            "_write x buffer",
            "src:pause",
            "_write x buffer",
            "pipes 2",
            "a:drain",
            "src:resume",
            "_write y buffer",
            "src:pause",
            "_write y buffer",
            "a:unpipe <src>",
            "b:unpipe <src>",
            "after unpipe all true 0",
            "src:resume",
            "a:drain",
            "after z: readableLength 0",
        ],
    );
}

/// ```js
/// process.on('uncaughtException', (e) => log('UNCAUGHT', e.code || e.message));
/// const src = new Readable({ read() {} });
/// const dst = slowSink();
/// watch(dst, 'dst', ['unpipe', 'close']); watch(src, 'src', ['pause']);
/// src.pipe(dst); src.push('a');
/// setImmediate(() => { dst.destroy(new Error('EFAIL')); });
/// // _write a buffer / src:pause / dst:unpipe <src> / UNCAUGHT EFAIL
/// ```
/// The pipe's handler unpipes and re-raises the error nobody else handles; `run()` returns
/// it. Node's throw also skips the destination's `'close'` (emitted in the same tick as the
/// error); here nothing unwinds through that tick, so `'close'` follows and `run()` returns
/// the error once the tick is done.
#[test]
fn unhandled_destination_error_unpipes_then_is_uncaught() {
    let (el, lp) = event_loop();
    let t = Log::default();
    let src = passive(&lp, ReadableOptions::default());
    let dst = slow_sink(&t, &lp, None);
    watch_w(&t, &dst, "dst", &["unpipe", "close"], &src);
    watch_r(&t, &src, "src", &["pause"]);
    src.pipe(&dst);
    src.push("a");
    let d = dst.clone();
    lp.set_immediate(move || d.destroy(Some(Error::custom("EFAIL", "EFAIL"))));
    let err = el.run().unwrap_err();
    t.push(format!("UNCAUGHT {}", err.code()));
    el.run().unwrap();
    assert_trace(
        &t,
        &[
            "_write a buffer",
            "src:pause",
            "dst:unpipe <src>",
            "dst:close",
            "UNCAUGHT EFAIL",
        ],
    );
    assert_eq!(src.pipes_count(), 0);
}

/// ```js
/// for (const legacy of [false, true]) {
///   const src = new Readable({ read() {} }); const dst = slowSink();
///   watch(dst, n + 'dst', ['unpipe', 'finish', 'close', 'error']);
///   watch(src, n + 'src', ['end', 'close']);
///   if (legacy) Stream.prototype.pipe.call(src, dst); else src.pipe(dst);
///   src.push('a');
///   setImmediate(() => { src.destroy(); setImmediate(() =>
///     log(n, 'dst.destroyed', dst.destroyed, 'dst.writable', dst.writable)); });
/// }
/// ```
/// Modern pipe: a source closed before its end leaves the destination open. Legacy pipe:
/// the same close destroys it.
#[test]
fn source_closed_before_end_destroys_dest_only_under_the_legacy_pipe() {
    let (el, lp) = event_loop();
    let t = Log::default();
    for legacy_pipe in [false, true] {
        let n = if legacy_pipe { "L" } else { "M" };
        let src = passive(&lp, ReadableOptions::default());
        let dst = slow_sink(&t, &lp, None);
        watch_w(
            &t,
            &dst,
            &format!("{n}dst"),
            &["unpipe", "finish", "close", "error"],
            &src,
        );
        watch_r(&t, &src, &format!("{n}src"), &["end", "close"]);
        if legacy_pipe {
            legacy::pipe(&src, &dst, PipeOptions::default());
        } else {
            src.pipe(&dst);
        }
        src.push("a");
        let (s, d, t2, lp2) = (src.clone(), dst.clone(), t.clone(), lp.clone());
        lp.set_immediate(move || {
            s.destroy(None);
            lp2.set_immediate(move || {
                t2.push(format!(
                    "{n} dst.destroyed {} dst.writable {}",
                    d.destroyed(),
                    d.writable()
                ))
            });
        });
    }
    el.run().unwrap();
    assert_trace(
        &t,
        &[
            "_write a buffer",
            "_write a buffer",
            "Msrc:close",
            "Lsrc:close",
            "Ldst:close",
            "M dst.destroyed false dst.writable true",
            "L dst.destroyed true dst.writable false",
        ],
    );
}

/// An object-mode Readable piped into an object-mode Writable of chunks: values arrive
/// as they were pushed, the high-water mark counts objects (16 by default on both sides),
/// and the end ends the destination.
///
/// ```js
/// const src = new Readable({ read() {}, objectMode: true });
/// const dst = new Writable({ objectMode: true, write(c, e, cb) { got.push(c); setImmediate(cb); } });
/// watch(src, 'src', ['pause', 'end']); dst.on('finish', () => log('dst:finish'));
/// src.pipe(dst); for (let i = 0; i < 40; i++) src.push(i); src.push(null);
/// // src:pause / src:pause / src:end / dst:finish / src:pause; got 0..39
/// ```
#[test]
fn object_mode_pipe_carries_values() {
    use nodestream::stream::readable::Chunk as RChunk;
    use std::cell::RefCell;
    use std::rc::Rc;

    struct Collect(Rc<RefCell<Vec<u32>>>, LoopHandle);
    impl Sink<RChunk> for Collect {
        fn write(&mut self, chunk: RChunk, cb: WriteCallback) {
            self.0
                .borrow_mut()
                .push(*chunk.downcast_ref::<u32>().unwrap());
            self.1.set_immediate(move || cb.ok());
        }
    }
    let (el, lp) = event_loop();
    let t = Log::default();
    let got = Rc::new(RefCell::new(Vec::new()));
    let src = passive(&lp, ReadableOptions::default().object_mode(true));
    let dst: Writable<RChunk> = Writable::new_object(
        &lp,
        Collect(got.clone(), lp.clone()),
        WritableOptions::new().object_mode(true),
    );
    watch_r(&t, &src, "src", &["pause", "end"]);
    let t2 = t.clone();
    dst.on("finish", move |_: &()| t2.push("dst:finish"));
    src.pipe(&dst);
    for i in 0..40u32 {
        src.push(RChunk::object(i));
    }
    src.push(None);
    el.run().unwrap();
    assert_eq!(*got.borrow(), (0..40).collect::<Vec<u32>>());
    assert_trace(
        &t,
        &[
            "src:pause",
            "src:pause",
            "src:end",
            "dst:finish",
            "src:pause",
        ],
    );
}
