//! Duplex, Transform and PassThrough beyond what the conformance traces show: what a stream
//! whose handles are dropped with work pending leaves behind (its sink, source and
//! transformer are dropped once the loop has run, and the loop's state is freed), a panicking
//! transformer, re-entrant writes from a `'data'` listener, a transform callback answered
//! after the stream is gone, and bytes through a chain of PassThroughs under backpressure.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use nodestream::events::{CLOSE, DATA, END, ERROR, FINISH};
use nodestream::stream::readable::{self, Readable, ReadableOptions, Source};
use nodestream::stream::transform::{PassThrough, Transform, TransformCallback, Transformer};
use nodestream::stream::writable::{self, Sink, WriteCallback};
use nodestream::stream::{Duplex, DuplexOptions};
use nodestream::{Error, ErrorCode, EventLoop, LoopHandle, Writable, WritableOptions};

/// Counts the drops of whatever holds it.
#[derive(Clone, Default)]
struct Drops(Rc<Cell<usize>>);

impl Drops {
    fn get(&self) -> usize {
        self.0.get()
    }
}

/// A guard that counts one drop.
struct Counted(Drops);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0 .0.set(self.0 .0.get() + 1);
    }
}

/// A sink completing each write on an immediate, counted when dropped.
struct SlowSink {
    lp: LoopHandle,
    _counted: Counted,
}

impl Sink for SlowSink {
    fn write(&mut self, _: writable::Chunk, cb: WriteCallback) {
        self.lp.set_immediate(move || cb.ok());
    }
}

/// A passive source, counted when dropped.
struct CountedSource(#[allow(dead_code)] Counted);

impl Source for CountedSource {
    fn read(&self, _: &Readable, _: usize) {}
}

/// A transformer passing chunks on, counted when dropped.
struct CountedTransformer(#[allow(dead_code)] Counted);

impl Transformer<writable::Chunk, readable::Chunk> for CountedTransformer {
    fn transform(
        &mut self,
        chunk: writable::Chunk,
        _: &Readable,
        done: TransformCallback<readable::Chunk>,
    ) {
        done.done(chunk.into_bytes());
    }
}

fn counted_duplex(lp: &LoopHandle, sink_drops: &Drops, source_drops: &Drops) -> Duplex {
    Duplex::new(
        lp,
        DuplexOptions::new(),
        CountedSource(Counted(source_drops.clone())),
        SlowSink {
            lp: lp.clone(),
            _counted: Counted(sink_drops.clone()),
        },
    )
}

#[test]
fn a_duplex_dropped_with_writes_in_flight_and_data_unread_drops_its_sink_and_source() {
    let el = EventLoop::new().unwrap();
    let weak = el.handle().downgrade();
    let (sink, source) = (Drops::default(), Drops::default());
    let d = counted_duplex(&el.handle(), &sink, &source);
    for _ in 0..3 {
        d.write("abc");
    }
    d.push("unread");
    drop(d);
    el.run().unwrap();
    assert_eq!((sink.get(), source.get()), (1, 1));
    drop(el);
    assert!(weak.upgrade().is_none(), "the loop's state outlived it");
}

#[test]
fn a_duplex_dropped_with_writes_in_flight_lets_go_when_the_loop_goes_first() {
    let el = EventLoop::new().unwrap();
    let weak = el.handle().downgrade();
    let (sink, source) = (Drops::default(), Drops::default());
    let d = counted_duplex(&el.handle(), &sink, &source);
    d.write("abc");
    d.write("def");
    d.push("unread");
    drop(el);
    drop(d);
    assert_eq!((sink.get(), source.get()), (1, 1));
    assert!(weak.upgrade().is_none(), "the loop's state outlived it");
}

#[test]
fn a_duplex_dropped_after_end_and_push_null_still_finishes_and_closes() {
    let el = EventLoop::new().unwrap();
    let (sink, source) = (Drops::default(), Drops::default());
    let log = Rc::new(RefCell::new(Vec::new()));
    let d = counted_duplex(&el.handle(), &sink, &source);
    for (event, name) in [(FINISH, "finish"), (END, "end"), (CLOSE, "close")] {
        let l = log.clone();
        d.on(event, move |_| l.borrow_mut().push(name));
    }
    d.resume();
    d.write("abc");
    d.end();
    d.push(None);
    drop(d);
    el.run().unwrap();
    assert_eq!(*log.borrow(), ["end", "finish", "close"]);
    assert_eq!((sink.get(), source.get()), (1, 1));
}

#[test]
fn a_transform_dropped_while_its_callback_is_held_drops_its_transformer() {
    // Nobody reads: the first chunk fills the readable side, its callback is held until a
    // read, and the other writes wait behind it. Then every handle goes.
    let el = EventLoop::new().unwrap();
    let weak = el.handle().downgrade();
    let drops = Drops::default();
    let t = Transform::new(
        &el.handle(),
        DuplexOptions::new().high_water_mark(1),
        CountedTransformer(Counted(drops.clone())),
    );
    for _ in 0..4 {
        t.write("abc");
    }
    el.run().unwrap();
    // The held write still counts, as in Node: its callback has not run.
    assert_eq!(
        t.writable_length(),
        12,
        "three writes wait behind the held one"
    );
    drop(t);
    el.run().unwrap();
    assert_eq!(drops.get(), 1, "the transformer outlived every handle");
    drop(el);
    assert!(weak.upgrade().is_none(), "the loop's state outlived it");
}

#[test]
fn a_transform_dropped_mid_way_through_an_async_transform_drops_its_transformer() {
    struct Later(LoopHandle, #[allow(dead_code)] Counted);
    impl Transformer<writable::Chunk, readable::Chunk> for Later {
        fn transform(
            &mut self,
            chunk: writable::Chunk,
            _: &Readable,
            done: TransformCallback<readable::Chunk>,
        ) {
            self.0.set_immediate(move || done.done(chunk.into_bytes()));
        }
    }
    let el = EventLoop::new().unwrap();
    let weak = el.handle().downgrade();
    let drops = Drops::default();
    let t = Transform::new(
        &el.handle(),
        DuplexOptions::new(),
        Later(el.handle(), Counted(drops.clone())),
    );
    t.write("a");
    t.write("b");
    t.end();
    drop(t);
    el.run().unwrap();
    assert_eq!(drops.get(), 1);
    drop(el);
    assert!(weak.upgrade().is_none(), "the loop's state outlived it");
}

#[test]
fn a_transform_callback_answered_after_the_stream_is_gone_is_harmless() {
    let el = EventLoop::new().unwrap();
    let kept: Rc<RefCell<Option<TransformCallback<readable::Chunk>>>> = Rc::default();
    let k = kept.clone();
    let t = Transform::new(
        &el.handle(),
        DuplexOptions::new(),
        move |_: writable::Chunk, _: &Readable, done: TransformCallback<readable::Chunk>| {
            *k.borrow_mut() = Some(done);
        },
    );
    t.write("a");
    drop(t);
    el.run().unwrap();
    let done = kept.borrow_mut().take().expect("transform ran");
    done.done("late");
    el.run().unwrap();
    drop(el);
}

#[test]
fn a_panicking_transform_unwinds_out_of_write_as_a_throwing_transform_does() {
    // Node's Transform calls `_transform` from `_write` without a try: the throw leaves
    // `write()`. The write stays in flight; destroy() still closes the stream.
    let el = EventLoop::new().unwrap();
    let t = Transform::new(
        &el.handle(),
        DuplexOptions::new(),
        |_: writable::Chunk, _: &Readable, _: TransformCallback<readable::Chunk>| {
            panic!("boom");
        },
    );
    let closed = Rc::new(Cell::new(false));
    let c = closed.clone();
    t.on(CLOSE, move |_| c.set(true));
    let t2 = t.clone();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t2.write("a")));
    assert!(caught.is_err(), "the panic did not reach write()'s caller");
    assert_eq!(t.writable_length(), 1);
    t.destroy(None);
    el.run().unwrap();
    assert!(closed.get() && t.destroyed());
}

#[test]
fn a_panicking_flush_fails_the_stream_once() {
    // `_flush` runs inside `_final`, whose throw Node catches: the stream's error.
    struct FlushPanics;
    impl Transformer<writable::Chunk, readable::Chunk> for FlushPanics {
        fn transform(
            &mut self,
            chunk: writable::Chunk,
            _: &Readable,
            done: TransformCallback<readable::Chunk>,
        ) {
            done.done(chunk.into_bytes());
        }
        fn flush(&mut self, _: &Readable, _: TransformCallback<readable::Chunk>) {
            panic!("flush boom");
        }
    }
    let el = EventLoop::new().unwrap();
    let t = Transform::new(&el.handle(), DuplexOptions::new(), FlushPanics);
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    t.on(ERROR, move |e| {
        l.borrow_mut().push(format!("error {}", e.code()))
    });
    for (event, name) in [(FINISH, "finish"), (END, "end"), (CLOSE, "close")] {
        let l = log.clone();
        t.on(event, move |_| l.borrow_mut().push(name.to_owned()));
    }
    let l = log.clone();
    t.end_cb(move |e| {
        l.borrow_mut().push(format!(
            "end-cb {}",
            e.map_or("null".into(), |e| e.code().to_string())
        ))
    });
    t.resume();
    t.write("a");
    el.run().unwrap();
    let code = Error::from_code(ErrorCode::Panic).code().to_string();
    assert_eq!(
        *log.borrow(),
        [
            format!("error {code}"),
            "close".to_owned(),
            format!("end-cb {code}")
        ]
    );
}

#[test]
fn a_data_listener_writing_back_into_its_transform_runs_to_the_end() {
    // Each chunk that comes out is written back in, shorter by one byte, until empty:
    // writes from inside the stream's own 'data' event, while a transform is running.
    let el = EventLoop::new().unwrap();
    let t = PassThrough::new(&el.handle(), DuplexOptions::new());
    let me = Rc::new(RefCell::new(Some(t.clone())));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let (m, s) = (me.clone(), seen.clone());
    t.on(DATA, move |c: &readable::Chunk| {
        let bytes = c.as_bytes().unwrap().to_vec();
        s.borrow_mut()
            .push(String::from_utf8(bytes.clone()).unwrap());
        let Some(t) = m.borrow().clone() else { return };
        if bytes.len() > 1 {
            t.write(bytes[1..].to_vec());
        } else {
            t.end();
        }
    });
    t.write("abcd");
    el.run().unwrap();
    assert_eq!(*seen.borrow(), ["abcd", "bcd", "cd", "d"]);
    assert!(t.writable_finished() && t.readable_ended());
    me.borrow_mut().take();
}

#[test]
fn destroy_from_inside_a_duplex_write_closes_once() {
    struct DestroyingSink(Rc<RefCell<Option<Duplex>>>, Rc<Cell<usize>>);
    impl Sink for DestroyingSink {
        fn write(&mut self, _: writable::Chunk, _cb: WriteCallback) {
            if let Some(d) = self.0.borrow_mut().take() {
                d.destroy(Some(Error::custom("E", "from _write")));
            }
        }
        fn destroy(&mut self, err: Option<Error>, cb: writable::DestroyCallback) {
            self.1.set(self.1.get() + 1);
            cb.call(err);
        }
    }
    let el = EventLoop::new().unwrap();
    let me = Rc::new(RefCell::new(None));
    let destroys = Rc::new(Cell::new(0));
    let d: Duplex = Duplex::new(
        &el.handle(),
        DuplexOptions::new(),
        |_: &Readable, _: usize| {},
        DestroyingSink(me.clone(), destroys.clone()),
    );
    *me.borrow_mut() = Some(d.clone());
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    d.on(ERROR, move |e| {
        l.borrow_mut().push(format!("error {}", e.code()))
    });
    let l = log.clone();
    d.on(CLOSE, move |_| l.borrow_mut().push("close".to_owned()));
    d.write("a");
    d.write("b");
    el.run().unwrap();
    assert_eq!(*log.borrow(), ["error E", "close"]);
    assert_eq!(destroys.get(), 1);
    assert!(d.destroyed() && d.closed());
}

#[test]
fn a_megabyte_through_five_passthroughs_arrives_intact() {
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let data: Vec<u8> = (0..1 << 20).map(|i: u32| (i * 7 + i / 251) as u8).collect();
    let next = Rc::new(Cell::new(0usize));
    let (n, d) = (next.clone(), Rc::new(data.clone()));
    let src: Readable = Readable::new(
        &lp,
        ReadableOptions::new().high_water_mark(4096),
        move |r: &Readable, _: usize| {
            let at = n.get();
            if at >= d.len() {
                r.push(None);
            } else {
                let end = (at + 3000).min(d.len());
                n.set(end);
                r.push(d[at..end].to_vec());
            }
        },
    );
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    let (lp2, finished) = (lp.clone(), Rc::new(Cell::new(false)));
    struct Collect(Rc<RefCell<Vec<u8>>>, LoopHandle);
    impl Sink for Collect {
        fn write(&mut self, c: writable::Chunk, cb: WriteCallback) {
            self.0.borrow_mut().extend_from_slice(c.as_bytes());
            self.1.set_immediate(move || cb.ok());
        }
    }
    let dst = Writable::new(
        &lp,
        Collect(g, lp2),
        WritableOptions::new().high_water_mark(1024),
    );
    let f = finished.clone();
    dst.on(FINISH, move |_| f.set(true));
    let mut tail = src.pipe(&PassThrough::new(
        &lp,
        DuplexOptions::new().high_water_mark(512),
    ));
    for _ in 0..4 {
        tail = tail.pipe(&PassThrough::new(
            &lp,
            DuplexOptions::new().high_water_mark(512),
        ));
    }
    tail.pipe(&dst);
    el.run().unwrap();
    assert!(finished.get());
    assert_eq!(got.borrow().len(), data.len());
    assert!(*got.borrow() == data, "the bytes changed on the way");
}
