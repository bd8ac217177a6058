//! A panic in user code, one regression test per step it used to cut off: after the panic
//! unwinds out of `run()` once, running again completes what the library owed (the
//! destroy, `'close'`, the next read, the rest of a read's descriptors and bytes). Where
//! Node turns a throw into the stream's error (`_final`, `_construct`, `_destroy`,
//! `_read`), the panic is that error instead, and nothing unwinds.
//!
//! Every case runs through `run_through_panics`, which fails a hang instead of hanging.
//! Every test holds the fd lock (a loop has descriptors too), so the fd counts are exact.
//! The table of every stream kind against every injection point is
//! `reliability_panics.rs`.

mod support;

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::os::fd::OwnedFd;
use std::rc::Rc;
use std::time::Duration;

use nodestream::events::{CLOSE, DATA, END, ERROR, FINISH, PREFINISH};
use nodestream::net::{unix_pair, PassedFd, FD};
use nodestream::stream::readable::{Chunk as RChunk, Readable, ReadableOptions};
use nodestream::stream::writable::{
    Chunk, ConstructCallback, DestroyCallback, FinalCallback, Sink, Writable, WritableOptions,
    WriteCallback,
};
use nodestream::stream::FdWritable;
use nodestream::{Error, EventLoop};
use support::{data, run_through_panics, FdCheck, Log};

const LIMIT: Duration = Duration::from_secs(10);

/// A Readable over `rx` on `el` that collects its bytes and logs `end`, `close` and
/// `error <code>`.
fn collect(el: &EventLoop, rx: OwnedFd, log: &Log) -> (Readable, Rc<RefCell<Vec<u8>>>) {
    let r = Readable::from_fd(&el.handle(), rx, ReadableOptions::default()).unwrap();
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    r.on(DATA, move |c: &RChunk| {
        g.borrow_mut().extend_from_slice(c.as_bytes().unwrap())
    });
    r.on(END, log.event("reader end"));
    r.on(CLOSE, log.event("reader close"));
    let l = log.clone();
    r.on(ERROR, move |e: &Error| {
        l.push(format!("reader error {}", e.code()))
    });
    (r, got)
}

fn count(log: &Log, line: &str) -> usize {
    log.get().iter().filter(|l| *l == line).count()
}

/// Was: the auto-destroy after `'finish'` never ran, so the pipe's write end stayed open,
/// the reader never saw end of file, and `run()` never returned.
#[test]
fn a_panicking_finish_listener_still_destroys_and_closes_the_fd() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let (rx, tx) = support::pipe();
    let log = Log::default();
    let (r, got) = collect(&el, rx, &log);
    let w = FdWritable::new(&el.handle(), tx, WritableOptions::new()).unwrap();
    w.on(FINISH, |_| panic!("finish listener"));
    w.on(CLOSE, log.event("writer close"));
    let bytes = data(1, 200_000);
    w.write(bytes.clone());
    w.end();
    let ran = run_through_panics(&el, LIMIT);
    assert_eq!(ran.panics, ["finish listener"]);
    assert_eq!(count(&log, "writer close"), 1, "{:?}", log.get());
    assert_eq!(count(&log, "reader end"), 1, "{:?}", log.get());
    assert_eq!(count(&log, "reader close"), 1, "{:?}", log.get());
    assert!(*got.borrow() == bytes, "bytes lost");
    drop((w, r, el));
    check.assert_same();
}

/// Was: `'close'` never followed an `'error'` whose listener panicked (in-memory sink).
#[test]
fn a_panicking_error_listener_still_emits_close() {
    let _check = FdCheck::start();
    struct Fails;
    impl Sink for Fails {
        fn write(&mut self, _: Chunk, cb: WriteCallback) {
            cb.error(Error::custom("EBOOM", "boom"));
        }
    }
    let el = EventLoop::new().unwrap();
    let log = Log::default();
    let w = Writable::new(&el.handle(), Fails, WritableOptions::new());
    w.on(ERROR, |_: &Error| panic!("error listener"));
    w.on(CLOSE, log.event("close"));
    w.write_cb("x", log.cb("cb"));
    let ran = run_through_panics(&el, LIMIT);
    assert_eq!(ran.panics, ["error listener"]);
    assert_eq!(log.get(), ["cb EBOOM", "close"]);
}

/// Was: the same on an fd stream (`EPIPE`): no `'close'`, and the fd stayed open.
#[test]
fn a_panicking_error_listener_on_an_fd_stream_still_closes_the_fd() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let (rx, tx) = support::pipe();
    drop(rx);
    let log = Log::default();
    let w = FdWritable::new(&el.handle(), tx, WritableOptions::new()).unwrap();
    w.on(ERROR, |_: &Error| panic!("error listener"));
    w.on(CLOSE, log.event("close"));
    w.write_cb("x", log.cb("cb"));
    let ran = run_through_panics(&el, LIMIT);
    assert_eq!(ran.panics, ["error listener"]);
    assert_eq!(log.get(), ["cb EPIPE", "close"]);
    assert!(w.with_fd(|_| ()).is_none(), "the fd is still open");
    drop((w, el));
    check.assert_same();
}

/// Was: an fd Readable whose `'end'` listener panicked was never destroyed: no `'close'`,
/// and its fd stayed open.
#[test]
fn a_panicking_end_listener_still_destroys_an_fd_readable() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let (rx, tx) = support::pipe();
    std::fs::File::from(tx).write_all(b"hello").unwrap();
    let log = Log::default();
    let (r, got) = collect(&el, rx, &log);
    r.on(END, |_: &()| panic!("end listener"));
    let ran = run_through_panics(&el, LIMIT);
    assert_eq!(ran.panics, ["end listener"]);
    assert_eq!(log.get(), ["reader end", "reader close"]);
    assert_eq!(&*got.borrow(), b"hello");
    drop((r, el));
    check.assert_same();
}

/// Was: on an edge-triggered fd whose bytes were all in the kernel already (no new edge
/// will come), the readiness of a read whose `'data'` listener panicked counted as
/// consumed: the stream never read again and `run()` never returned.
#[test]
fn a_panicking_data_listener_leaves_no_byte_stranded_in_the_kernel() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let (rx, tx) = support::pipe();
    rustix::pipe::fcntl_setpipe_size(&tx, 1 << 20).unwrap();
    let bytes = data(2, 300_000);
    let mut f = std::fs::File::from(tx);
    f.write_all(&bytes).unwrap();
    drop(f);
    let log = Log::default();
    let (r, got) = collect(&el, rx, &log);
    let n = Rc::new(Cell::new(0));
    r.on(DATA, move |_: &RChunk| {
        n.set(n.get() + 1);
        if n.get() == 2 {
            panic!("data listener");
        }
    });
    let ran = run_through_panics(&el, LIMIT);
    assert_eq!(ran.panics, ["data listener"]);
    assert_eq!(log.get(), ["reader end", "reader close"]);
    assert!(*got.borrow() == bytes, "bytes lost");
    drop((r, el));
    check.assert_same();
}

/// Was: an `'fd'` listener that panicked lost the bytes of that read (and the other
/// descriptors it carried).
#[test]
fn a_panicking_fd_listener_loses_no_byte_and_no_descriptor() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let (a, b) = unix_pair(&el.handle()).unwrap();
    let log = Log::default();
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    b.readable.on(DATA, move |c: &RChunk| {
        g.borrow_mut().extend_from_slice(c.as_bytes().unwrap())
    });
    let taken = Rc::new(Cell::new(0));
    let (t, n) = (taken.clone(), Rc::new(Cell::new(0)));
    b.readable.on(FD, move |p: &PassedFd| {
        n.set(n.get() + 1);
        if n.get() == 1 {
            panic!("fd listener");
        }
        drop(p.take());
        t.set(t.get() + 1);
    });
    b.readable.on(END, log.event("end"));
    b.readable.on(CLOSE, log.event("close"));
    let fds: Vec<OwnedFd> = (0..3).map(|_| support::dev_null()).collect();
    a.writable
        .write_with_fds(&b"with fds"[..], fds, |e| assert!(e.is_none()));
    a.writable.end_with(&b" and more"[..]);
    let ran = run_through_panics(&el, LIMIT);
    assert_eq!(ran.panics, ["fd listener"]);
    assert_eq!(&*got.borrow(), b"with fds and more");
    // The first descriptor went to the listener that panicked (and was closed with its
    // payload); the two after it still reach the listener.
    assert_eq!(taken.get(), 2);
    assert_eq!(log.get(), ["end", "close"]);
    drop((a, b, el));
    check.assert_same();
}

/// A sink whose `_final`, `_construct` or `_destroy` panics; its writes succeed.
struct Panicky {
    in_final: bool,
    in_construct: bool,
    in_destroy: bool,
}

impl Sink for Panicky {
    fn write(&mut self, _: Chunk, cb: WriteCallback) {
        cb.ok();
    }
    fn finalize(&mut self, cb: FinalCallback) {
        if self.in_final {
            panic!("_final panics");
        }
        cb.not_implemented();
    }
    fn destroy(&mut self, err: Option<Error>, cb: DestroyCallback) {
        if self.in_destroy {
            panic!("_destroy panics");
        }
        cb.call(err);
    }
}

fn panicky(el: &EventLoop, sink: Panicky, log: &Log) -> Writable {
    let w = if sink.in_construct {
        Writable::new_with_construct(
            &el.handle(),
            sink,
            WritableOptions::new(),
            |_: &mut Panicky, _cb: ConstructCallback| panic!("_construct panics"),
        )
    } else {
        Writable::new(&el.handle(), sink, WritableOptions::new())
    };
    for (name, ev) in [
        ("prefinish", PREFINISH),
        ("finish", FINISH),
        ("close", CLOSE),
    ] {
        w.on(ev, log.event(name));
    }
    let l = log.clone();
    w.on(ERROR, move |e: &Error| {
        l.push(format!("error {}: {}", e.code(), e.message()))
    });
    w
}

/// Was: a panicking `_final` unwound out of `end()` and the stream never errored or
/// closed. Node's `callFinal` catches the throw and makes it the stream's error; its
/// trace: `write cb null`, `error`, `close`, `end cb <error>`.
#[test]
fn a_panicking_final_is_the_streams_error() {
    let _check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let log = Log::default();
    let sink = Panicky {
        in_final: true,
        in_construct: false,
        in_destroy: false,
    };
    let w = panicky(&el, sink, &log);
    w.write_cb("x", log.cb("write cb"));
    w.end_cb(log.cb("end cb"));
    log.push("after end");
    let ran = run_through_panics(&el, LIMIT);
    assert!(ran.panics.is_empty(), "{ran:?}");
    assert_eq!(
        log.get(),
        [
            "after end",
            "write cb null",
            "error ERR_PANIC: _final panicked: _final panics",
            "close",
            "end cb ERR_PANIC",
        ]
    );
}

/// Node's `construct` catches a throwing `_construct` the same way: `'error'`, `'close'`.
#[test]
fn a_panicking_construct_is_the_streams_error() {
    let _check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let log = Log::default();
    let sink = Panicky {
        in_final: false,
        in_construct: true,
        in_destroy: false,
    };
    let _w = panicky(&el, sink, &log);
    let ran = run_through_panics(&el, LIMIT);
    assert!(ran.panics.is_empty(), "{ran:?}");
    assert_eq!(
        log.get(),
        [
            "error ERR_PANIC: _construct panicked: _construct panics",
            "close"
        ]
    );
}

/// Node's `_destroy` wrapper catches a throwing `_destroy` and completes the destroy with
/// that error: `'error'`, `'close'`.
#[test]
fn a_panicking_destroy_is_the_streams_error() {
    let _check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let log = Log::default();
    let sink = Panicky {
        in_final: false,
        in_construct: false,
        in_destroy: true,
    };
    let w = panicky(&el, sink, &log);
    w.destroy(None);
    let ran = run_through_panics(&el, LIMIT);
    assert!(ran.panics.is_empty(), "{ran:?}");
    assert_eq!(
        log.get(),
        [
            "error ERR_PANIC: _destroy panicked: _destroy panics",
            "close"
        ]
    );
}

/// Node's `Readable.prototype.read` catches a throwing `_read` and fails the stream with
/// it (`errorOrDestroy`): the chunk pushed before the throw, `'error'`, `'close'`, no
/// `'end'`.
#[test]
fn a_panicking_read_is_the_streams_error() {
    let _check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let log = Log::default();
    let r = Readable::new(
        &el.handle(),
        ReadableOptions::default(),
        |r: &Readable, _: usize| {
            r.push("x");
            r.push(None);
            panic!("_read panics");
        },
    );
    let l = log.clone();
    r.on(DATA, move |c: &RChunk| {
        l.push(format!(
            "data {}",
            String::from_utf8_lossy(c.as_bytes().unwrap())
        ))
    });
    r.on(END, log.event("end"));
    r.on(CLOSE, log.event("close"));
    let l = log.clone();
    r.on(ERROR, move |e: &Error| {
        l.push(format!("error {}: {}", e.code(), e.message()))
    });
    let ran = run_through_panics(&el, LIMIT);
    assert!(ran.panics.is_empty(), "{ran:?}");
    assert_eq!(
        log.get(),
        [
            "data x",
            "error ERR_PANIC: _read panicked: _read panics",
            "close"
        ]
    );
}

/// Node does not catch a throwing `_write`: the throw leaves `write()` and the write stays
/// in flight. Node v20's trace for this test: `threw _write panics`, `length 2`, `close`
/// (no callback: the buffered write is not failed while one is in flight). The same here:
/// the panic unwinds out of `write()` to its caller, once, the stream waits for the sink,
/// and `destroy()` still closes it.
#[test]
fn a_sink_write_that_panics_before_calling_back_leaves_the_write_in_flight() {
    let _check = FdCheck::start();
    struct Throws;
    impl Sink for Throws {
        fn write(&mut self, _: Chunk, _cb: WriteCallback) {
            panic!("_write panics");
        }
    }
    let el = EventLoop::new().unwrap();
    let log = Log::default();
    let w = Writable::new(&el.handle(), Throws, WritableOptions::new());
    w.on(CLOSE, log.event("close"));
    w.on(FINISH, log.event("finish"));
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        w.write_cb("a", log.cb("cb a"));
    }));
    assert_eq!(
        caught.map_err(|p| support::panic_message(&*p)),
        Err("_write panics".to_string())
    );
    w.write_cb("b", log.cb("cb b"));
    w.end();
    let ran = run_through_panics(&el, LIMIT);
    assert!(ran.panics.is_empty(), "{ran:?}");
    assert_eq!(w.writable_length(), 2);
    assert!(log.get().is_empty(), "{:?}", log.get());
    w.destroy(None);
    run_through_panics(&el, LIMIT);
    assert_eq!(log.get(), ["close"]);
}
