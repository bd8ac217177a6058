//! `stream/promises.finished`, `events.once` and `Readable.from(asyncIterable)` as
//! futures, against Node's resolutions, rejections and orders (Node's output in each
//! case's comment).
#![cfg(feature = "futures")]

mod support;

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use futures_util::{stream, FutureExt, StreamExt};
use nodestream::events::{once, Event, EventEmitter, CLOSE, END, FINISH};
use nodestream::stream::promises::finished;
use nodestream::stream::readable::{Chunk, Readable};
use nodestream::stream::writable::{
    Chunk as WChunk, Sink, Writable, WritableOptions, WriteCallback,
};
use nodestream::{Error, EventLoop};
use support::{event_loop, Log};

fn block_on<T: 'static>(el: &EventLoop, fut: impl Future<Output = T> + 'static) -> T {
    let join = el.spawn_local(fut);
    el.run().unwrap();
    join.now_or_never().expect("the task completed").unwrap()
}

fn answer(r: Result<(), Error>) -> String {
    match r {
        Ok(()) => "resolved".into(),
        Err(e) => format!("rejected {} {}", e.code(), e.message()),
    }
}

struct Ok_;
impl Sink for Ok_ {
    fn write(&mut self, _: WChunk, cb: WriteCallback) {
        cb.ok();
    }
}

struct Fails;
impl Sink for Fails {
    fn write(&mut self, _: WChunk, cb: WriteCallback) {
        cb.error(Error::custom("EBAD", "bad"));
    }
}

struct Never;
impl Sink for Never {
    fn write(&mut self, _: WChunk, cb: WriteCallback) {
        std::mem::forget(cb);
    }
}

#[test]
fn finished_resolves_and_rejects_as_node() {
    // Node: ["finish","close","w resolved","w2 rejected bad",
    //        "w3 rejected ERR_STREAM_PREMATURE_CLOSE","r end","r close","r resolved"]
    let (el, lp) = event_loop();
    let log = Log::default();
    let l = log.clone();
    let lp2 = lp.clone();
    block_on(&el, async move {
        let w = Writable::new(&lp2, Ok_, WritableOptions::new());
        let done = finished(&w);
        w.on(FINISH, l.event::<()>("finish"));
        w.on(CLOSE, l.event::<()>("close"));
        w.end_with("x");
        l.push(format!("w {}", answer(done.await)));

        let w2 = Writable::new(&lp2, Fails, WritableOptions::new());
        let done = finished(&w2);
        w2.write("x");
        l.push(format!("w2 {}", answer(done.await)));

        let w3 = Writable::new(&lp2, Never, WritableOptions::new());
        let done = finished(&w3);
        w3.write("x");
        w3.destroy(None);
        l.push(format!("w3 {}", answer(done.await)));

        let r = Readable::new(&lp2, Default::default(), |_: &Readable, _| {});
        let done = finished(&r);
        r.on(END, l.event::<()>("r end"));
        r.on(CLOSE, l.event::<()>("r close"));
        r.push(None);
        r.resume();
        l.push(format!("r {}", answer(done.await)));

        // A stream already done answers on the next tick.
        l.push(format!("again {}", answer(finished(&r).await)));
        l.push(format!("w3 again {}", answer(finished(&w3).await)));
    });
    assert_eq!(
        log.get(),
        [
            "finish",
            "close",
            "w resolved",
            "w2 rejected EBAD bad",
            "w3 rejected ERR_STREAM_PREMATURE_CLOSE Premature close",
            "r end",
            "r close",
            "r resolved",
            "again resolved",
            "w3 again rejected ERR_STREAM_PREMATURE_CLOSE Premature close"
        ]
    );
}

#[test]
fn dropping_an_unanswered_finished_removes_its_listeners() {
    let (_el, lp) = event_loop();
    let w = Writable::new(&lp, Never, WritableOptions::new());
    let done = finished(&w);
    assert_eq!(
        (
            w.listener_count("error"),
            w.listener_count("close"),
            w.listener_count("finish")
        ),
        (1, 1, 1)
    );
    drop(done);
    assert_eq!(
        (
            w.listener_count("error"),
            w.listener_count("close"),
            w.listener_count("finish")
        ),
        (0, 0, 0)
    );
}

#[test]
fn once_resolves_with_the_payload_or_rejects_with_the_error() {
    // Node: ["listeners ready=1 error=1","value 7","after ready=0 error=0",
    //        "rejected bad","after ready=0 error=0"]
    const READY: Event<u32> = Event::new("ready");
    let (el, _lp) = event_loop();
    let log = Log::default();
    let l = log.clone();
    block_on(&el, async move {
        let em = EventEmitter::new();
        let counts = |em: &EventEmitter| {
            format!(
                "ready={} error={}",
                em.listener_count("ready"),
                em.listener_count("error")
            )
        };
        let p = once(&em, READY);
        l.push(format!("listeners {}", counts(&em)));
        em.emit(READY, &7);
        l.push(format!("value {}", p.await.unwrap()));
        l.push(format!("after {}", counts(&em)));
        let p2 = once(&em, READY);
        em.emit(nodestream::events::ERROR, &Error::custom("EBAD", "bad"));
        match p2.await {
            Ok(v) => l.push(format!("resolved {v}")),
            Err(e) => l.push(format!("rejected {}", e.message())),
        }
        l.push(format!("after {}", counts(&em)));
    });
    assert_eq!(
        log.get(),
        [
            "listeners ready=1 error=1",
            "value 7",
            "after ready=0 error=0",
            "rejected bad",
            "after ready=0 error=0"
        ]
    );
}

#[test]
fn from_stream_pulls_one_item_ahead_as_node() {
    // Node: ["objectMode=true hwm=1","gen a","gen b","chunk a","gen c","chunk b","chunk c"]
    let (el, lp) = event_loop();
    let log = Log::default();
    let l = log.clone();
    let items = stream::iter(["a", "b", "c"]).map(move |x| {
        l.push(format!("gen {x}"));
        Ok(Chunk::object(x))
    });
    let r = Readable::from_stream(&lp, items);
    log.push(format!(
        "objectMode={} hwm={}",
        r.readable_object_mode(),
        r.readable_high_water_mark()
    ));
    let l = log.clone();
    block_on(&el, async move {
        let mut it = r.iter();
        while let Some(c) = it.next().await {
            l.push(format!(
                "chunk {}",
                c.unwrap().downcast_ref::<&str>().unwrap()
            ));
        }
    });
    assert_eq!(
        log.get(),
        [
            "objectMode=true hwm=1",
            "gen a",
            "gen b",
            "chunk a",
            "gen c",
            "chunk b",
            "chunk c"
        ]
    );
}

struct DropFlag(Rc<Cell<bool>>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[test]
fn from_stream_bytes_make_a_byte_stream_and_an_error_item_destroys_it() {
    // Node (an async generator of two Buffers that then throws):
    // ["chunk ab","chunk cd","close","err EGEN"]
    let (el, lp) = event_loop();
    let items = stream::iter(vec![
        Ok(b"ab".to_vec()),
        Ok(b"cd".to_vec()),
        Err(Error::custom("EGEN", "generator failed")),
    ]);
    let r = Readable::from_stream(&lp, items);
    assert!(!r.readable_object_mode());
    let log = Log::default();
    r.on(CLOSE, log.event::<()>("close"));
    let l = log.clone();
    block_on(&el, async move {
        let mut it = r.iter();
        while let Some(c) = it.next().await {
            match c {
                Ok(c) => l.push(format!(
                    "chunk {}",
                    String::from_utf8_lossy(c.as_bytes().unwrap())
                )),
                Err(e) => l.push(format!("err {}", e.code())),
            }
        }
    });
    assert_eq!(log.get(), ["chunk ab", "chunk cd", "close", "err EGEN"]);
}

#[test]
fn breaking_out_of_a_from_stream_drops_the_source_stream() {
    let (el, lp) = event_loop();
    let dropped = Rc::new(Cell::new(false));
    let flag = DropFlag(dropped.clone());
    let items = stream::iter(0..).map(move |i: u32| {
        let _ = &flag;
        Ok(format!("{i}"))
    });
    let r = Readable::from_stream(&lp, items);
    let r2 = r.clone();
    let got = block_on(&el, async move {
        let mut it = r2.iter();
        let first = it.next().await.unwrap().unwrap();
        String::from_utf8(first.as_bytes().unwrap().to_vec()).unwrap()
    });
    assert_eq!(got, "0");
    assert!(r.destroyed());
    assert!(
        dropped.get(),
        "the endless source was dropped with the stream"
    );
}

#[test]
fn a_panicking_source_stream_destroys_the_readable_with_err_panic() {
    let (el, lp) = event_loop();
    let items = stream::iter(0..3u32).map(|i| {
        assert!(i < 2, "no item {i}");
        Ok(format!("{i}"))
    });
    let r = Readable::from_stream(&lp, items);
    let log = Log::default();
    let l = log.clone();
    block_on(&el, async move {
        let mut it = r.iter();
        while let Some(c) = it.next().await {
            match c {
                Ok(c) => l.push(format!(
                    "chunk {}",
                    String::from_utf8_lossy(c.as_bytes().unwrap())
                )),
                Err(e) => l.push(format!("err {} {}", e.code(), e.message())),
            }
        }
    });
    assert_eq!(
        log.get(),
        [
            "chunk 0",
            "chunk 1",
            "err ERR_PANIC the stream's poll_next panicked: no item 2"
        ]
    );
}

/// A Readable over a stream that never yields, destroyed while its pull waits: the pull
/// ends and drops the stream, so the loop has nothing left and `run()` returns.
#[test]
fn destroying_a_from_stream_readable_ends_a_pull_that_waits_forever() {
    let (el, lp) = event_loop();
    let dropped = Rc::new(Cell::new(false));
    struct Flag(Rc<Cell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let flag = Flag(dropped.clone());
    let never = stream::pending::<Result<&'static str, Error>>().map(move |x| {
        let _ = &flag;
        x
    });
    let r = Readable::from_stream(&lp, never);
    let log = Log::default();
    r.on(CLOSE, log.event("close"));
    // Start the pull (flowing mode), then destroy on a later tick.
    r.on(nodestream::events::DATA, |_: &Chunk| {});
    let r2 = r.clone();
    lp.set_immediate(move || {
        r2.destroy(None);
    });
    el.run().unwrap();
    assert!(dropped.get(), "the stream was dropped");
    assert_eq!(log.get(), ["close"]);
}
