//! A sink's optional methods need no declaring: a sink that writes `writev`, `finalize`
//! and `destroy` (and is given a construct step) has each called, and one that writes only
//! `write` behaves as Node's stream without `_writev`, `_final`, `_destroy` and
//! `_construct`. Each expected order is the trace of the same program in Node v20
//! (`new Writable({ write, writev, final, destroy, construct })`, or `{ write }` alone),
//! quoted verbatim, `null` for a callback's missing error.

use std::cell::RefCell;
use std::rc::Rc;

use nodestream::events::{CLOSE, DRAIN, ERROR, FINISH, PREFINISH};
use nodestream::stream::writable::{
    Chunk, ConstructCallback, DestroyCallback, FinalCallback, Sink, Writable, WritableOptions,
    WriteCallback,
};
use nodestream::{Error, EventLoop, LoopHandle};

type Log = Rc<RefCell<Vec<String>>>;

fn push(log: &Log, line: impl Into<String>) {
    log.borrow_mut().push(line.into());
}

fn text(chunk: &Chunk) -> String {
    String::from_utf8_lossy(chunk.as_bytes()).into_owned()
}

fn shown(err: Option<Error>) -> String {
    err.map_or("null".into(), |e| e.message().to_string())
}

/// `{ write }` alone: completes at once, or on the next immediate with `async_write`.
struct Bare {
    lp: LoopHandle,
    log: Log,
    async_write: bool,
}

impl Sink for Bare {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        let c = text(&chunk);
        push(&self.log, format!("_write {c}"));
        if self.async_write {
            let log = self.log.clone();
            self.lp.set_immediate(move || {
                push(&log, format!("_write done {c}"));
                cb.ok();
            });
        } else {
            cb.ok();
        }
    }
}

/// `{ write, writev, final, destroy }`, no switch anywhere; `construct` is given to the
/// constructor ([`full`]).
struct Full(Bare);

impl Sink for Full {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.0.write(chunk, cb);
    }

    fn writev(&mut self, chunks: Vec<Chunk>, cb: WriteCallback) {
        let all: Vec<String> = chunks.iter().map(text).collect();
        push(&self.0.log, format!("_writev {}", all.join(",")));
        cb.ok();
    }

    fn finalize(&mut self, cb: FinalCallback) {
        push(&self.0.log, "_final");
        let log = self.0.log.clone();
        self.0.lp.set_immediate(move || {
            push(&log, "_final done");
            cb.ok();
        });
    }

    fn destroy(&mut self, err: Option<Error>, cb: DestroyCallback) {
        push(
            &self.0.log,
            format!(
                "_destroy {}",
                err.as_ref()
                    .map_or("null".into(), |e| e.message().to_string())
            ),
        );
        cb.call(err);
    }
}

fn watch(w: &Writable, log: &Log) {
    for (ev, name) in [
        (PREFINISH, "prefinish"),
        (FINISH, "finish"),
        (CLOSE, "close"),
        (DRAIN, "drain"),
    ] {
        let l = log.clone();
        w.on(ev, move |_| push(&l, name));
    }
    let l = log.clone();
    w.on(ERROR, move |e: &Error| {
        push(&l, format!("error {}", e.message()))
    });
}

fn stream(lp: &EventLoop, all: bool, async_write: bool, log: &Log) -> Writable {
    let bare = Bare {
        lp: lp.handle(),
        log: log.clone(),
        async_write,
    };
    let w = if all {
        Writable::new_with_construct(
            &lp.handle(),
            Full(bare),
            WritableOptions::new(),
            |sink: &mut Full, cb: ConstructCallback| {
                push(&sink.0.log, "_construct");
                let log = sink.0.log.clone();
                sink.0.lp.set_immediate(move || {
                    push(&log, "_construct done");
                    cb.ok();
                });
            },
        )
    } else {
        Writable::new(&lp.handle(), bare, WritableOptions::new())
    };
    watch(&w, log);
    w
}

fn write_logged(w: &Writable, log: &Log, name: &'static str) {
    let l = log.clone();
    let ok = w.write_cb(name, move |e| push(&l, format!("cb {name} {}", shown(e))));
    push(log, format!("write {name} {ok}"));
}

/// A write, three corked ones (the last without a callback), then on the first immediate
/// uncork and end.
fn flow(all: bool, async_write: bool) -> Vec<String> {
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let w = stream(&lp, all, async_write, &log);
    write_logged(&w, &log, "a");
    w.cork();
    write_logged(&w, &log, "b");
    write_logged(&w, &log, "c");
    let ok = w.write("d");
    push(&log, format!("write d {ok}"));
    let h = lp.handle();
    let l = log.clone();
    h.next_tick(move || push(&l, "tick 1"));
    let (l, w2, h2) = (log.clone(), w.clone(), h.clone());
    h.set_immediate(move || {
        push(&l, "imm 1");
        w2.uncork();
        push(&l, "uncorked");
        let l2 = l.clone();
        w2.end_cb(move |e| push(&l2, format!("end cb {}", shown(e))));
        push(&l, "ended");
        let l3 = l.clone();
        h2.next_tick(move || push(&l3, "tick 2"));
    });
    lp.run().unwrap();
    drop(w);
    let out = log.borrow().clone();
    out
}

/// On the first immediate: a write, then `destroy(err, cb)`.
fn destroy(all: bool) -> Vec<String> {
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let w = stream(&lp, all, false, &log);
    let h = lp.handle();
    let (l, w2, h2) = (log.clone(), w.clone(), h.clone());
    h.set_immediate(move || {
        let l1 = l.clone();
        let ok = w2.write_cb("x", move |e| push(&l1, format!("cb x {}", shown(e))));
        push(&l, format!("write x {ok}"));
        let l2 = l.clone();
        w2.destroy_cb(Some(Error::custom("", "boom")), move |e| {
            push(&l2, format!("destroy cb {}", shown(e)))
        });
        push(&l, "destroyed");
        let l3 = l.clone();
        h2.next_tick(move || push(&l3, "tick"));
    });
    lp.run().unwrap();
    drop(w);
    let out = log.borrow().clone();
    out
}

#[test]
fn every_method_written_is_called_in_nodes_order() {
    // node: `flow all`, sync or async `_write` alike (every write waits for `_construct`
    // and goes in the one `_writev`).
    let node = [
        "write a true",
        "write b true",
        "write c true",
        "write d true",
        "_construct",
        "tick 1",
        "imm 1",
        "uncorked",
        "ended",
        "tick 2",
        "_construct done",
        "_writev a,b,c,d",
        "_final",
        "cb a null",
        "cb b null",
        "cb c null",
        "_final done",
        "prefinish",
        "end cb null",
        "finish",
        "_destroy null",
        "close",
    ];
    assert_eq!(flow(true, false), node);
    assert_eq!(flow(true, true), node);
}

#[test]
fn without_them_the_stream_is_nodes_stream_without_them() {
    // node: `flow none`. No `_writev`: the corked writes go one by one through `_write`,
    // each callback on its own tick; no `_final`: 'prefinish' inside `end()`.
    assert_eq!(
        flow(false, false),
        [
            "_write a",
            "write a true",
            "write b true",
            "write c true",
            "write d true",
            "cb a null",
            "tick 1",
            "imm 1",
            "_write b",
            "_write c",
            "_write d",
            "uncorked",
            "prefinish",
            "ended",
            "cb b null",
            "cb c null",
            "tick 2",
            "end cb null",
            "finish",
            "close",
        ]
    );
}

#[test]
fn without_writev_asynchronous_writes_go_one_at_a_time() {
    // node: `flow none async`: each buffered write waits for the one before.
    assert_eq!(
        flow(false, true),
        [
            "_write a",
            "write a true",
            "write b true",
            "write c true",
            "write d true",
            "tick 1",
            "_write done a",
            "cb a null",
            "imm 1",
            "_write b",
            "uncorked",
            "ended",
            "tick 2",
            "_write done b",
            "_write c",
            "cb b null",
            "_write done c",
            "_write d",
            "cb c null",
            "_write done d",
            "prefinish",
            "end cb null",
            "finish",
            "close",
        ]
    );
}

#[test]
fn destroy_with_and_without_a_destroy_method() {
    // node: `destroy all`: the destroy waits for `_construct`, then runs `_destroy`.
    assert_eq!(
        destroy(true),
        [
            "_construct",
            "write x true",
            "destroyed",
            "cb x boom",
            "tick",
            "_construct done",
            "_destroy boom",
            "destroy cb boom",
            "error boom",
            "close",
        ]
    );
    // node: `destroy none`: Node's default `_destroy` calls back at once.
    assert_eq!(
        destroy(false),
        [
            "_write x",
            "write x true",
            "destroy cb boom",
            "destroyed",
            "cb x null",
            "error boom",
            "close",
            "tick",
        ]
    );
}

/// Prefixes what it is given with what the construct step told it.
struct Prefixed<T> {
    prefix: String,
    out: Rc<RefCell<Vec<String>>>,
    _chunk: std::marker::PhantomData<T>,
}

impl Sink<u32> for Prefixed<u32> {
    fn write(&mut self, n: u32, cb: WriteCallback) {
        self.out.borrow_mut().push(format!("{}{n}", self.prefix));
        cb.ok();
    }
}

impl Sink for Prefixed<Chunk> {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.out
            .borrow_mut()
            .push(format!("{}{}", self.prefix, text(&chunk)));
        cb.ok();
    }
}

fn prefixed<T>(out: &Rc<RefCell<Vec<String>>>) -> Prefixed<T> {
    Prefixed {
        prefix: String::new(),
        out: out.clone(),
        _chunk: std::marker::PhantomData,
    }
}

#[test]
fn every_constructor_with_construct_lends_the_sink_and_holds_writes() {
    fn step<T>(sink: &mut Prefixed<T>, cb: ConstructCallback) {
        sink.out.borrow_mut().push("_construct".into());
        sink.prefix = "ready:".into();
        cb.ok();
    }
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let opts = WritableOptions::new;
    let out: Rc<RefCell<Vec<String>>> = Rc::default();

    let typed: Writable<Chunk, Prefixed<Chunk>> =
        Writable::new_typed_with_construct(&h, prefixed(&out), opts(), step);
    typed.write("a");
    let objects: Writable<u32> =
        Writable::new_object_with_construct(&h, prefixed(&out), opts(), step);
    objects.write(1);
    let typed_objects: Writable<u32, Prefixed<u32>> =
        Writable::new_object_typed_with_construct(&h, prefixed(&out), opts(), step);
    typed_objects.write(2);
    assert!(objects.writable_object_mode() && typed_objects.writable_object_mode());
    // Each write waits for its stream's step, which runs on the next tick.
    assert!(out.borrow().is_empty());
    assert_eq!(typed.writable_length(), 1);
    lp.run().unwrap();
    assert_eq!(
        *out.borrow(),
        [
            "_construct",
            "_construct",
            "_construct",
            "ready:a",
            "ready:1",
            "ready:2"
        ]
    );
}
