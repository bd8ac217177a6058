//! User code calling back into the stream from inside the sink, listeners and callbacks.
//!
//! Where the sink is re-entered (a write or `destroy()` from inside `_write`), the stream
//! queues its own call into the sink until the running method returns, instead of nesting
//! it as Node does; these tests pin the resulting order, with Node's order beside it.

use std::cell::RefCell;
use std::rc::Rc;

use nodestream::events::{CLOSE, FINISH};
use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
use nodestream::{Encoding, EventLoop};

type Log = Rc<RefCell<Vec<String>>>;
type Hook = Box<dyn FnMut(&str, &Writable)>;

fn push(log: &Log, s: impl Into<String>) {
    log.borrow_mut().push(s.into());
}

/// A sink whose `write` runs a hook (with the stream) before completing synchronously.
struct Hooked {
    log: Log,
    me: Rc<RefCell<Option<Writable>>>,
    hook: Hook,
}

impl Sink for Hooked {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        let s = Encoding::Utf8.decode(chunk.as_bytes());
        push(&self.log, format!("_write {s}"));
        let w = self.me.borrow().clone().expect("stream set");
        (self.hook)(&s, &w);
        cb.ok();
        push(&self.log, format!("after cb {s}"));
    }
}

fn hooked(lp: &EventLoop, log: &Log, hook: impl FnMut(&str, &Writable) + 'static) -> Writable {
    let me = Rc::new(RefCell::new(None));
    let w = Writable::new(
        &lp.handle(),
        Hooked {
            log: log.clone(),
            me: me.clone(),
            hook: Box::new(hook),
        },
        WritableOptions::new(),
    );
    *me.borrow_mut() = Some(w.clone());
    let l = log.clone();
    w.on(FINISH, move |_| push(&l, "finish"));
    let l = log.clone();
    w.on(CLOSE, move |_| push(&l, "close"));
    w
}

#[test]
fn write_from_inside_write_is_queued_until_the_outer_write_returns() {
    // Node v20 nests the second `_write` inside the first one's `cb()`:
    //   _write a, inner write -> true, _write b, after cb b, after cb a, write a -> true,
    //   cb-b, cb-a, tick, end-cb, finish, close
    // Here `_write b` starts once `_write a` has returned, so the two callbacks keep the
    // order of their writes.
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let l = log.clone();
    let w = hooked(&lp, &log, move |s, w| {
        if s == "a" {
            let l2 = l.clone();
            let r = w.write_cb("b", move |_| push(&l2, "cb-b"));
            push(&l, format!("inner write -> {r}"));
        }
    });
    let l = log.clone();
    let r = w.write_cb("a", move |_| push(&l, "cb-a"));
    push(&log, format!("write a -> {r}"));
    let l = log.clone();
    w.end_cb(move |_| push(&l, "end-cb"));
    let l = log.clone();
    lp.handle().next_tick(move || push(&l, "tick"));
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "_write a",
            "inner write -> true",
            "after cb a",
            "_write b",
            "after cb b",
            "write a -> true",
            "cb-a",
            "cb-b",
            "tick",
            "end-cb",
            "finish",
            "close"
        ]
    );
}

#[test]
fn end_from_inside_write_finishes_after_the_write() {
    // Node: _write x, after cb x, end-cb, finish, close (same here: nothing nests).
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let l = log.clone();
    let w = hooked(&lp, &log, move |_, w| {
        let l2 = l.clone();
        w.end_cb(move |e| push(&l2, format!("end-cb {}", e.is_none())));
    });
    w.write("x");
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        ["_write x", "after cb x", "end-cb true", "finish", "close"]
    );
    assert!(w.destroyed() && w.closed() && w.writable_finished());
}

#[test]
fn destroy_with_error_from_inside_write_reports_it_once() {
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let w = hooked(&lp, &log, move |_, w| {
        w.destroy(Some(nodestream::Error::custom("EHOOK", "from _write")));
        w.destroy(Some(nodestream::Error::custom("ESECOND", "dropped")));
    });
    let l = log.clone();
    w.on(nodestream::events::ERROR, move |e| {
        push(&l, format!("error {}", e.code()))
    });
    let l = log.clone();
    let r = w.write_cb("a", move |e| {
        push(
            &l,
            format!("cb-a {}", e.map_or("null".into(), |e| e.code().to_string())),
        )
    });
    push(&log, format!("write -> {r}"));
    lp.run().unwrap();
    // The in-flight write completed (after the destroy), so its callback gets no error;
    // the stream's error is the first one.
    assert_eq!(
        *log.borrow(),
        [
            "_write a",
            "after cb a",
            "write -> false",
            "error EHOOK",
            "close",
            "cb-a null"
        ]
    );
    assert_eq!(w.errored().unwrap().code().as_str(), "EHOOK");
}

#[test]
fn unhandled_error_reaches_run_and_the_loop_stays_usable() {
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let w = hooked(&lp, &log, |_, _| {});
    w.destroy(Some(nodestream::Error::custom("EBOOM", "nobody listens")));
    let err = lp.run().unwrap_err();
    assert_eq!(err.code().as_str(), "EBOOM");
    // As in Node, the 'close' of that tick is not emitted, but the stream is closed.
    assert!(w.closed());
    assert!(!log.borrow().contains(&"close".to_owned()));
    lp.run().unwrap();
}

/// A sink with its own `_destroy`, which `write` calls `destroy()` from.
struct DestroysItself {
    log: Log,
    me: Rc<RefCell<Option<Writable>>>,
}

impl Sink for DestroysItself {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        push(
            &self.log,
            format!("_write {}", Encoding::Utf8.decode(chunk.as_bytes())),
        );
        let w = self.me.borrow().clone().expect("stream set");
        w.destroy(None);
        push(&self.log, "destroy returned");
        cb.ok();
        push(&self.log, "after cb a");
    }

    fn destroy(
        &mut self,
        err: Option<nodestream::Error>,
        cb: nodestream::stream::writable::DestroyCallback,
    ) {
        push(&self.log, "_destroy");
        cb.call(err);
    }
}

#[test]
fn custom_destroy_from_inside_write_runs_after_write_returns() {
    // Node v20 runs `_destroy` nested inside `_write`:
    //   _write a, _destroy, destroy returned, after cb a, write -> false, close, cb-a null
    // Here the sink is busy, so `_destroy` starts once `_write` has returned; the tick
    // that emits 'close' keeps the place Node's has, before the write callback's.
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let me = Rc::new(RefCell::new(None));
    let w = Writable::new(
        &lp.handle(),
        DestroysItself {
            log: log.clone(),
            me: me.clone(),
        },
        WritableOptions::new(),
    );
    *me.borrow_mut() = Some(w.clone());
    let l = log.clone();
    w.on(CLOSE, move |_| push(&l, "close"));
    let l = log.clone();
    let r = w.write_cb("a", move |e| push(&l, format!("cb-a {}", e.is_none())));
    push(&log, format!("write -> {r}"));
    *me.borrow_mut() = None;
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "_write a",
            "destroy returned",
            "after cb a",
            "_destroy",
            "write -> false",
            "close",
            "cb-a true"
        ]
    );
}

#[test]
fn default_destroy_from_inside_write_keeps_nodes_tick_order() {
    // Node v20 (a sink without `_destroy`; its default calls back at once):
    //   _write a, destroy cb EHOOK, closed true, after cb a, write -> false, error EHOOK,
    //   close, cb-a null
    // Here the default `destroy` is the sink's method too, so it runs once `_write` has
    // returned: the destroy callback and `closed` come late, but 'error' and 'close' keep
    // Node's place in the tick queue.
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let l = log.clone();
    let w = hooked(&lp, &log, move |_, w| {
        let l2 = l.clone();
        w.destroy_cb(
            Some(nodestream::Error::custom("EHOOK", "from _write")),
            move |e| {
                push(
                    &l2,
                    format!(
                        "destroy cb {}",
                        e.map_or("null".into(), |e| e.code().to_string())
                    ),
                )
            },
        );
        push(&l, format!("closed {}", w.closed()));
    });
    let l = log.clone();
    w.on(nodestream::events::ERROR, move |e| {
        push(&l, format!("error {}", e.code()))
    });
    let l = log.clone();
    let r = w.write_cb("a", move |e| {
        push(
            &l,
            format!("cb-a {}", e.map_or("null".into(), |e| e.code().to_string())),
        )
    });
    push(&log, format!("write -> {r}"));
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "_write a",
            "closed false",
            "after cb a",
            "destroy cb EHOOK",
            "write -> false",
            "error EHOOK",
            "close",
            "cb-a null"
        ]
    );
}

#[test]
fn end_from_inside_write_asks_for_final_once_the_write_returns() {
    // Node v20 (no `_final`): 'prefinish' inside `end()`, inside `_write`:
    //   _write a, prefinish, after end, write -> true, cb a, tick, end cb, finish, close
    // Here the sink is running when `end()` asks it for `_final`, so the question waits
    // for `_write` to return, and 'prefinish' with it; the ticks after are Node's.
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let l = log.clone();
    let me = Rc::new(RefCell::new(None::<Writable>));
    struct EndsInside(Log, Rc<RefCell<Option<Writable>>>);
    impl Sink for EndsInside {
        fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
            push(
                &self.0,
                format!("_write {}", Encoding::Utf8.decode(chunk.as_bytes())),
            );
            cb.ok();
            let w = self.1.borrow().clone().expect("stream set");
            let l = self.0.clone();
            w.end_cb(move |_| push(&l, "end cb"));
            push(&self.0, "after end");
        }
    }
    let w = Writable::new(
        &lp.handle(),
        EndsInside(log.clone(), me.clone()),
        WritableOptions::new(),
    );
    *me.borrow_mut() = Some(w.clone());
    for (ev, name) in [
        (nodestream::events::PREFINISH, "prefinish"),
        (FINISH, "finish"),
        (CLOSE, "close"),
    ] {
        let l = log.clone();
        w.on(ev, move |_| push(&l, name));
    }
    let r = w.write_cb("a", move |_| push(&l, "cb a"));
    push(&log, format!("write -> {r}"));
    let l = log.clone();
    lp.handle().next_tick(move || push(&l, "tick"));
    *me.borrow_mut() = None;
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "_write a",
            "after end",
            "prefinish",
            "write -> true",
            "cb a",
            "tick",
            "end cb",
            "finish",
            "close"
        ]
    );
}

#[test]
fn writes_from_inside_write_without_writev_go_one_by_one() {
    // Node v20 (no `_writev`) nests `_write b` and `_write c` inside `_write a`'s cb():
    //   _write a, inner b true, inner c true, _write b, after cb b, _write c, after cb c,
    //   after cb a, write -> true, prefinish, cb b, cb c, cb a, tick, end cb, finish, close
    // Here the batch of b and c is handed to the sink once `_write a` returns; its default
    // `writev` hands it back and the two go one by one, each after the one before, with
    // the callbacks in write order (see the first test).
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let l = log.clone();
    let w = hooked(&lp, &log, move |s, w| {
        if s == "a" {
            for name in ["b", "c"] {
                let l2 = l.clone();
                let r = w.write_cb(name, move |_| push(&l2, format!("cb {name}")));
                push(&l, format!("inner {name} {r}"));
            }
        }
    });
    let l = log.clone();
    w.on(nodestream::events::PREFINISH, move |_| {
        push(&l, "prefinish")
    });
    let l = log.clone();
    let r = w.write_cb("a", move |_| push(&l, "cb a"));
    push(&log, format!("write -> {r}"));
    let l = log.clone();
    w.end_cb(move |_| push(&l, "end cb"));
    let l = log.clone();
    lp.handle().next_tick(move || push(&l, "tick"));
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "_write a",
            "inner b true",
            "inner c true",
            "after cb a",
            "_write b",
            "after cb b",
            "_write c",
            "after cb c",
            "write -> true",
            "prefinish",
            "cb a",
            "cb b",
            "cb c",
            "tick",
            "end cb",
            "finish",
            "close"
        ]
    );
}
