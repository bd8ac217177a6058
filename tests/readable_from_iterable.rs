//! `Readable::from_iterable`: Node's `Readable.from(iterable)` for a Rust iterator.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use nodestream::events::{CLOSE, DATA, END, ERROR};
use nodestream::stream::readable::ReadableOptions;
use nodestream::stream::Readable;
use nodestream::{Error, EventLoop};

type Log = Rc<RefCell<Vec<String>>>;

fn push(log: &Log, line: impl Into<String>) {
    log.borrow_mut().push(line.into());
}

/// Node v20 and v26 print, for `Readable.from([1, 2, 3])` with a `'data'` listener that
/// queues a tick, then a tick and an immediate queued after the listeners were added:
/// `hwm 1 true`, `data 1`, `data 2`, `data 3`, `tick0`, `tick after 1`, `tick after 2`,
/// `end`, `tick after 3`, `close`, `imm`.
#[test]
fn values_flow_in_nodes_order() {
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let log: Log = Rc::default();
    let r = Readable::from_iterable(&lp, vec![1, 2, 3]);
    push(
        &log,
        format!(
            "hwm {} {}",
            r.readable_high_water_mark(),
            r.readable_object_mode()
        ),
    );
    let (l, h) = (log.clone(), lp.clone());
    r.on(DATA, move |d: &i32| {
        push(&l, format!("data {d}"));
        let (l, d) = (l.clone(), *d);
        h.next_tick(move || push(&l, format!("tick after {d}")));
    });
    let l = log.clone();
    r.on(END, move |_| push(&l, "end"));
    let l = log.clone();
    r.on(CLOSE, move |_| push(&l, "close"));
    let l = log.clone();
    lp.next_tick(move || push(&l, "tick0"));
    let l = log.clone();
    lp.set_immediate(move || push(&l, "imm"));
    el.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "hwm 1 true",
            "data 1",
            "data 2",
            "data 3",
            "tick0",
            "tick after 1",
            "tick after 2",
            "end",
            "tick after 3",
            "close",
            "imm"
        ]
    );
}

/// Nothing is pulled before the first read, and no more than the high-water mark ahead of
/// the reader. Node v20 and v26 print, for a generator of 100 counting its pulls, read in
/// three immediates: `pulled 0`, `read 0 pulled 1`, `read 1 pulled 3`, `pulled 3`.
#[test]
fn pulls_lazily() {
    let el = EventLoop::new().unwrap();
    let pulled = Rc::new(Cell::new(0));
    let p = pulled.clone();
    let r = Readable::from_iterable(&el.handle(), (0..100).inspect(move |_| p.set(p.get() + 1)));
    el.run().unwrap();
    assert_eq!(pulled.get(), 0);
    assert_eq!(r.read(), Some(0));
    assert_eq!(pulled.get(), 1);
    el.run().unwrap();
    assert_eq!(r.read(), Some(1));
    assert_eq!(pulled.get(), 3);
    el.run().unwrap();
    assert_eq!(pulled.get(), 3);
}

/// Destroying drops the iterator (Node's `iterator.return()`) and reports the error once.
/// As in Node (v20 and v26 print `data 7` five times, then `error E_STOP`, `close`), the
/// values already buffered still flow out of the loop that was running.
#[test]
fn destroy_drops_the_iterator() {
    struct Tracked(Rc<Cell<bool>>);
    impl Iterator for Tracked {
        type Item = u8;
        fn next(&mut self) -> Option<u8> {
            Some(7)
        }
    }
    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let el = EventLoop::new().unwrap();
    let dropped = Rc::new(Cell::new(false));
    let log: Log = Rc::default();
    let r = Readable::from_iterable_with(
        &el.handle(),
        Tracked(dropped.clone()),
        ReadableOptions::new().object_mode(true).high_water_mark(4),
    );
    let l = log.clone();
    let r2 = r.clone();
    r.on(DATA, move |v: &u8| {
        push(&l, format!("data {v}"));
        r2.destroy(Some(Error::custom("E_STOP", "stop")));
    });
    let l = log.clone();
    r.on(ERROR, move |e| push(&l, format!("error {}", e.code())));
    let l = log.clone();
    r.on(CLOSE, move |_| push(&l, "close"));
    el.run().unwrap();
    assert!(dropped.get());
    assert_eq!(
        *log.borrow(),
        [
            "data 7",
            "data 7",
            "data 7",
            "data 7",
            "data 7",
            "error E_STOP",
            "close"
        ]
    );
}

/// An iterator that destroys its own stream from inside `next()` (user code the stream
/// runs): the stream is destroyed, the value that `next()` returned is not pushed, the
/// iterator is dropped once it has returned, and nothing panics. (Node's generator fails
/// there instead: `return()` on a running generator throws "Generator is already
/// running", which becomes the stream's `'error'`; a Rust iterator can simply be dropped
/// after `next()`.)
#[test]
fn an_iterator_that_destroys_its_stream_from_next() {
    let el = EventLoop::new().unwrap();
    let slot: Rc<RefCell<Option<nodestream::stream::readable::WeakReadable<u32>>>> = Rc::default();
    let s = slot.clone();
    let mut n = 0;
    let iter = std::iter::from_fn(move || {
        n += 1;
        if n == 2 {
            if let Some(r) = s.borrow().as_ref().and_then(|w| w.upgrade()) {
                r.destroy(None);
            }
        }
        Some(n)
    });
    let r = Readable::from_iterable(&el.handle(), iter);
    *slot.borrow_mut() = Some(r.downgrade());
    let log: Log = Rc::default();
    let l = log.clone();
    r.on(DATA, move |v: &u32| push(&l, format!("data {v}")));
    let l = log.clone();
    r.on(CLOSE, move |_| push(&l, "close"));
    el.run().unwrap();
    assert!(r.destroyed());
    assert_eq!(*log.borrow(), ["data 1", "close"]);
}
