//! Typed object mode: a `Readable<T>` whose source pushes `T` values, read back as `T`
//! from `read()`, `'data'`, the async iterator and a pipe into a `Writable<T, S>`. The
//! expected traces are Node v20's for the same object-mode scripts (quoted on each test).

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use nodestream::stream::readable::{Readable, ReadableOptions, DATA, END};
use nodestream::stream::writable::{Sink, Writable, WritableOptions, WriteCallback};
use nodestream::{EventLoop, LoopHandle};

#[derive(Clone, Debug, PartialEq)]
struct Point {
    x: i32,
    y: i32,
}

fn p(x: i32, y: i32) -> Point {
    Point { x, y }
}

type Log = Rc<RefCell<Vec<String>>>;

fn passive(lp: &LoopHandle) -> Readable<Point> {
    Readable::new(lp, ReadableOptions::new(), |_: &Readable<Point>, _| {})
}

/// ```js
/// const r = new Readable({ objectMode: true, read() {} });
/// // hwm 16; pushes of 17 objects: 16 true then false (the 16th fills the buffer)
/// for (let i = 0; i < 17; i++) oks.push(r.push({ x: i, y: -i }));
/// r.readableLength;   // 17
/// r.read();           // {x:0,y:0}, length 16
/// r.read(5);          // {x:1,y:-1}, length 15: one object whatever the size
/// ```
/// Node prints: hwm 16 | oks 11111111111111100 | len 17 | read {"x":0,"y":0} len 16 |
/// read5 {"x":1,"y":-1} len 15
#[test]
fn push_and_read_give_the_values_and_count_objects() {
    let el = EventLoop::new().unwrap();
    let r = passive(&el.handle());
    assert!(r.readable_object_mode());
    assert_eq!(r.readable_high_water_mark(), 16);
    let oks: String = (0..17)
        .map(|i| if r.push(p(i, -i)) { '1' } else { '0' })
        .collect();
    assert_eq!(oks, "11111111111111100");
    assert_eq!(r.readable_length(), 17);
    assert_eq!(r.read(), Some(p(0, 0)));
    assert_eq!(r.readable_length(), 16);
    assert_eq!(r.read_size(5).unwrap(), Some(p(1, -1)));
    assert_eq!(r.readable_length(), 15);
}

/// ```js
/// const r = new Readable({ objectMode: true, read() {} });
/// r.on('data', p => log('data ' + p.x + ',' + p.y)); r.on('end', ...); r.on('close', ...);
/// r.push({ x: 1, y: 2 }); r.push({ x: 3, y: 4 }); log('sync pushed'); r.push(null);
/// ```
/// Node prints: sync pushed | data 1,2 | data 3,4 | end | close
#[test]
fn data_listeners_take_the_values_in_nodes_order() {
    let el = EventLoop::new().unwrap();
    let r = passive(&el.handle());
    let log: Log = Rc::default();
    let l = log.clone();
    // Unannotated: the payload type is the stream's item type.
    r.on(DATA, move |p| {
        l.borrow_mut().push(format!("data {},{}", p.x, p.y))
    });
    let l = log.clone();
    r.on(END, move |_: &()| l.borrow_mut().push("end".into()));
    let l = log.clone();
    r.on("close", move |_: &()| l.borrow_mut().push("close".into()));
    r.push(p(1, 2));
    r.push(p(3, 4));
    log.borrow_mut().push("sync pushed".into());
    r.push(None);
    el.run().unwrap();
    assert_eq!(
        *log.borrow(),
        ["sync pushed", "data 1,2", "data 3,4", "end", "close"]
    );
}

/// A byte stream's `'data'` listener still infers `&Chunk` without an annotation.
#[test]
fn an_unannotated_data_listener_of_a_byte_stream_takes_chunks() {
    let el = EventLoop::new().unwrap();
    let r = Readable::new(&el.handle(), ReadableOptions::new(), |_: &Readable, _| {});
    let total = Rc::new(Cell::new(0));
    let t = total.clone();
    r.on(DATA, move |c| t.set(t.get() + c.len()));
    r.push("abc");
    r.push(&b"de"[..]);
    r.push(None);
    el.run().unwrap();
    assert_eq!(total.get(), 5);
}

/// A `'data'` listener by name of another type than the stream's items could never run:
/// it is refused when it is added, naming both types.
#[test]
fn a_data_listener_of_the_wrong_type_is_refused() {
    let el = EventLoop::new().unwrap();
    let r = passive(&el.handle());
    let payload = catch_unwind(AssertUnwindSafe(|| {
        r.on("data", |_: &String| {});
    }))
    .expect_err("refused");
    let text = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        text,
        "a listener for 'data' takes &alloc::string::String, but this emitter's 'data' \
         events carry &readable_typed::Point: it would never run"
    );
    assert_eq!(r.listener_count("data"), 0);
    // Nothing was started: the stream is still usable and not flowing.
    assert_eq!(r.readable_flowing(), None);
    r.on("data", |_: &Point| {});
    assert_eq!(r.listener_count("data"), 1);
}

/// The async iterator yields the values, then ends: Node's `for await` over an
/// object-mode Readable (`[{x:1,y:2},{x:3,y:4}]`, then the loop ends).
#[cfg(feature = "futures")]
#[test]
fn iter_yields_the_values() {
    use futures_util::StreamExt;
    let el = EventLoop::new().unwrap();
    let r = passive(&el.handle());
    r.push(p(1, 2));
    r.push(p(3, 4));
    r.push(None);
    let all = el.spawn_local(async move {
        let mut items = r.iter();
        let mut out = Vec::new();
        while let Some(item) = items.next().await {
            out.push(item?);
        }
        Ok::<_, nodestream::Error>(out)
    });
    el.run().unwrap();
    let all = futures_util::FutureExt::now_or_never(all)
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(all, [p(1, 2), p(3, 4)]);
}

/// `from_objects` makes a `Readable<T>` of an async stream of `T`; an `Err` item fails it.
///
/// ```js
/// async function* gen() { yield { x: 1 }; yield { x: 2 }; throw boom; } // boom.code 'EBOOM'
/// const r = Readable.from(gen()); // 'data', 'error', 'close' logged
/// ```
/// Node prints: hwm 1 | data 1 | data 2 | error EBOOM | close
#[cfg(feature = "futures")]
#[test]
fn from_objects_carries_the_values_and_the_error() {
    use futures_util::stream;
    let el = EventLoop::new().unwrap();
    let items = stream::iter([
        Ok(p(1, 1)),
        Ok(p(2, 2)),
        Err(nodestream::Error::custom("EBOOM", "boom")),
    ]);
    let r: Readable<Point> = Readable::from_objects(&el.handle(), items);
    assert_eq!(r.readable_high_water_mark(), 1);
    let log: Log = Rc::default();
    let l = log.clone();
    r.on(DATA, move |p: &Point| {
        l.borrow_mut().push(format!("data {}", p.x))
    });
    let l = log.clone();
    r.on("error", move |e: &nodestream::Error| {
        l.borrow_mut().push(format!("error {}", e.code().as_str()))
    });
    let l = log.clone();
    r.on("close", move |_: &()| l.borrow_mut().push("close".into()));
    el.run().unwrap();
    assert_eq!(*log.borrow(), ["data 1", "data 2", "error EBOOM", "close"]);
}

/// Writes each point and completes on the next immediate, as `setImmediate(cb)`.
struct Slow(Log, LoopHandle);

impl Sink<Point> for Slow {
    fn write(&mut self, pt: Point, cb: WriteCallback) {
        self.0
            .borrow_mut()
            .push(format!("_write {},{}", pt.x, pt.y));
        self.1.set_immediate(move || cb.ok());
    }
}

/// ```js
/// let n = 0;
/// const r = new Readable({ objectMode: true, read() {
///   n++; log('_read ' + n); this.push(n <= 5 ? { x: n, y: n * 10 } : null); } });
/// const w = new Writable({ objectMode: true, highWaterMark: 2,
///   write(p, enc, cb) { log('_write ' + p.x + ',' + p.y); setImmediate(cb); } });
/// // r: pause, resume, end; w: pipe, unpipe, drain, finish, close
/// r.pipe(w);
/// ```
/// Node prints: pipe | _read 1 | resume | _read 2 | _write 1,10 | _read 3 | pause |
/// _read 4 | _read 5 | _read 6 | _write 2,20 | drain | resume | _write 3,30 | pause |
/// _write 4,40 | drain | resume | _write 5,50 | end | finish | pause | unpipe | close
#[test]
fn pipe_into_a_typed_writable_follows_nodes_backpressure_and_end() {
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let log: Log = Rc::default();
    let n = Rc::new(Cell::new(0));
    let (l, count) = (log.clone(), n.clone());
    let r: Readable<Point> = Readable::new(
        &lp,
        ReadableOptions::new(),
        move |r: &Readable<Point>, _| {
            count.set(count.get() + 1);
            let n = count.get();
            l.borrow_mut().push(format!("_read {n}"));
            if n <= 5 {
                r.push(p(n, n * 10));
            } else {
                r.push(None);
            }
        },
    );
    let w = Writable::new_object(
        &lp,
        Slow(log.clone(), lp.clone()),
        WritableOptions::new().high_water_mark(2),
    );
    for ev in ["pause", "resume", "end"] {
        let l = log.clone();
        r.on(ev, move |_: &()| l.borrow_mut().push(ev.into()));
    }
    for ev in ["drain", "finish", "close"] {
        let l = log.clone();
        w.on(ev, move |_: &()| l.borrow_mut().push(ev.into()));
    }
    for ev in ["pipe", "unpipe"] {
        let l = log.clone();
        let src = r.clone();
        w.on(ev, move |from: &Readable<Point>| {
            assert!(*from == src);
            l.borrow_mut().push(ev.into())
        });
    }
    r.pipe(&w);
    el.run().unwrap();
    let expected = "pipe | _read 1 | resume | _read 2 | _write 1,10 | _read 3 | pause | \
                    _read 4 | _read 5 | _read 6 | _write 2,20 | drain | resume | _write 3,30 | \
                    pause | _write 4,40 | drain | resume | _write 5,50 | end | finish | pause | \
                    unpipe | close";
    assert_eq!(log.borrow().join(" | "), expected);
    assert_eq!(r.pipes_count(), 0);
}

/// A typed stream piped into two destinations writes each value to both (a clone each).
#[test]
fn pipe_into_two_writables_gives_each_every_value() {
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let r = passive(&lp);
    let (a, b): (Log, Log) = Default::default();
    let wa = Writable::new_object(&lp, Slow(a.clone(), lp.clone()), WritableOptions::new());
    let wb = Writable::new_object(&lp, Slow(b.clone(), lp.clone()), WritableOptions::new());
    r.pipe(&wa);
    r.pipe(&wb);
    for i in 0..3 {
        r.push(p(i, i));
    }
    r.push(None);
    el.run().unwrap();
    let want = ["_write 0,0", "_write 1,1", "_write 2,2"];
    assert_eq!(*a.borrow(), want);
    assert_eq!(*b.borrow(), want);
    assert!(wa.writable_finished() && wb.writable_finished());
}

/// `unpipe` stops the values: those pushed after it stay in the source's buffer.
#[test]
fn unpipe_stops_the_values() {
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let r = passive(&lp);
    let log: Log = Rc::default();
    let w = Writable::new_object(&lp, Slow(log.clone(), lp.clone()), WritableOptions::new());
    r.pipe(&w);
    r.push(p(1, 1));
    el.run().unwrap();
    r.unpipe(None);
    r.push(p(2, 2));
    el.run().unwrap();
    assert_eq!(*log.borrow(), ["_write 1,1"]);
    assert_eq!(r.readable_length(), 1);
    assert_eq!(r.read(), Some(p(2, 2)));
    assert!(!w.writable_ended());
}

/// Paused mode: a `'readable'` listener drains with `read()`, and `unshift` puts a value
/// back at the front.
///
/// ```js
/// let n = 0;
/// const r = new Readable({ objectMode: true, highWaterMark: 2, read() {
///   n++; log('_read ' + n); this.push(n <= 3 ? { x: n } : null); } });
/// r.on('readable', () => {
///   log('readable len ' + r.readableLength);
///   let p;
///   while ((p = r.read()) !== null) {
///     log('got ' + p.x);
///     if (p.x === 2) { r.unshift({ x: 20 }); log('unshift len ' + r.readableLength);
///                      p = r.read(); log('got again ' + p.x); }
///   }
/// });
/// r.on('end', ...); r.on('close', ...);
/// ```
/// Node prints: _read 1 | readable len 1 | _read 2 | got 1 | _read 3 | got 2 |
/// unshift len 2 | _read 4 | got again 20 | got 3 | readable len 0 | readable len 0 | end |
/// close
#[test]
fn readable_and_read_loop_with_unshift_follow_node() {
    let el = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let (l, count) = (log.clone(), Rc::new(Cell::new(0)));
    let r: Readable<Point> = Readable::new(
        &el.handle(),
        ReadableOptions::new().high_water_mark(2),
        move |r: &Readable<Point>, _| {
            count.set(count.get() + 1);
            let n = count.get();
            l.borrow_mut().push(format!("_read {n}"));
            if n <= 3 {
                r.push(p(n, 0));
            } else {
                r.push(None);
            }
        },
    );
    let (l, weak) = (log.clone(), r.downgrade());
    r.on("readable", move |_: &()| {
        let r = weak.upgrade().unwrap();
        l.borrow_mut()
            .push(format!("readable len {}", r.readable_length()));
        while let Some(pt) = r.read() {
            l.borrow_mut().push(format!("got {}", pt.x));
            if pt.x == 2 {
                r.unshift(p(20, 0));
                l.borrow_mut()
                    .push(format!("unshift len {}", r.readable_length()));
                let again = r.read().unwrap();
                l.borrow_mut().push(format!("got again {}", again.x));
            }
        }
    });
    let l = log.clone();
    r.on(END, move |_: &()| l.borrow_mut().push("end".into()));
    let l = log.clone();
    r.on("close", move |_: &()| l.borrow_mut().push("close".into()));
    el.run().unwrap();
    let expected = "_read 1 | readable len 1 | _read 2 | got 1 | _read 3 | got 2 | \
                    unshift len 2 | _read 4 | got again 20 | got 3 | readable len 0 | \
                    readable len 0 | end | close";
    assert_eq!(log.borrow().join(" | "), expected);
}
