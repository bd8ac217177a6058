//! A Readable as a `Stream`: Node's `for await (const chunk of readable)` rules, with
//! the exact chunks, events and listener counts Node gives (each case's Node output is in
//! its comment; v20's and v26's are the same unless both are given: from v26 `read()`
//! hands out one buffered chunk at a time, so the iterator does too).
#![cfg(feature = "futures")]

mod support;

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use futures_util::{FutureExt, StreamExt};
use nodestream::compat::NodeCompat;
use nodestream::events::{CLOSE, END};
use nodestream::stream::readable::{Chunk, Readable, ReadableOptions};
use nodestream::stream::IteratorOptions;
use nodestream::{Error, EventLoop, LoopHandle};
use support::{event_loop, ms, Log};

fn text(c: &Chunk) -> String {
    String::from_utf8(c.as_bytes().unwrap().to_vec()).unwrap()
}

fn idle(lp: &LoopHandle) -> Readable {
    Readable::new(lp, ReadableOptions::new(), |_: &Readable, _| {})
}

/// A loop following `compat`, and its handle.
fn event_loop_as(compat: NodeCompat) -> (EventLoop, LoopHandle) {
    let el = EventLoop::builder().compat(compat).build().unwrap();
    let lp = el.handle();
    (el, lp)
}

/// Runs `fut` as a task until the loop is done, and gives its output.
fn block_on<T: 'static>(el: &EventLoop, fut: impl Future<Output = T> + 'static) -> T {
    let join = el.spawn_local(fut);
    el.run().unwrap();
    join.now_or_never().expect("the task completed").unwrap()
}

/// Waits for the loop's next check phase (Node's `await new Promise(setImmediate)`).
async fn next_immediate(lp: &LoopHandle) {
    let done = Rc::new(Cell::new(false));
    let mut armed = false;
    std::future::poll_fn(|cx| {
        if done.get() {
            return std::task::Poll::Ready(());
        }
        if !armed {
            armed = true;
            let (d, waker) = (done.clone(), cx.waker().clone());
            lp.set_immediate(move || {
                d.set(true);
                waker.wake();
            });
        }
        std::task::Poll::Pending
    })
    .await
}

fn counts(r: &Readable) -> String {
    format!(
        "readable={} error={} end={} close={} finish={} flowing={:?}",
        r.listener_count("readable"),
        r.listener_count("error"),
        r.listener_count("end"),
        r.listener_count("close"),
        r.listener_count("finish"),
        r.readable_flowing()
    )
}

#[test]
fn iteration_listens_to_readable_and_eos_and_pulls_in_paused_mode() {
    // Node: ["chunk a readable=1 error=1 end=1 close=1 finish=1 flowing=false",
    //        "after readable=1 error=1 end=1 close=1"]
    // (Node's `eos` also listens to `'finish'`, which a Readable never emits; here the
    // watch listens to the events the stream declares, so no warning is logged.)
    support::capture_warnings();
    let (el, lp) = event_loop();
    let r = idle(&lp);
    r.push("a");
    assert_eq!(
        counts(&r),
        "readable=0 error=0 end=0 close=0 finish=0 flowing=None"
    );
    let log = Log::default();
    let (l, r2) = (log.clone(), r.clone());
    block_on(&el, async move {
        let mut it = r2.iter();
        assert_eq!(
            counts(&r2),
            "readable=0 error=0 end=0 close=0 finish=0 flowing=None",
            "nothing happens before the first poll"
        );
        if let Some(c) = it.next().await {
            l.push(format!("chunk {} {}", text(&c.unwrap()), counts(&r2)));
        }
    });
    log.push(format!("after {}", counts(&r)));
    assert_eq!(
        log.get(),
        [
            "chunk a readable=1 error=1 end=1 close=1 finish=0 flowing=Some(false)",
            "after readable=1 error=1 end=1 close=1 finish=0 flowing=Some(false)"
        ]
    );
    assert_eq!(support::warnings(), Vec::<String>::new());
    assert!(
        r.destroyed(),
        "dropping the iterator early destroyed the stream"
    );
}

#[test]
fn break_destroys_and_close_comes_after_the_code_after_the_loop() {
    break_destroys_and_close_comes_after_the_code_after_the_loop_as(
        NodeCompat::V26,
        &[
            "chunk a",
            "chunk b",
            "chunk c",
            "after loop destroyed=true",
            "close",
            "tick",
        ],
    );
    break_destroys_and_close_comes_after_the_code_after_the_loop_as(
        NodeCompat::V20,
        &[
            "chunk ab",
            "chunk c",
            "after loop destroyed=true",
            "close",
            "tick",
        ],
    );
}

fn break_destroys_and_close_comes_after_the_code_after_the_loop_as(
    compat: NodeCompat,
    want: &[&str],
) {
    // Node v26 hands out a chunk at a time; v20 joins what is buffered.
    let (el, lp) = event_loop_as(compat);
    let r = idle(&lp);
    r.push("a");
    r.push("b");
    let log = Log::default();
    r.on(CLOSE, log.event::<()>("close"));
    r.on(END, log.event::<()>("end"));
    let r2 = r.clone();
    lp.set_timeout(ms(5), move || {
        r2.push("c");
    });
    let (l, r2, lp2) = (log.clone(), r.clone(), lp.clone());
    block_on(&el, async move {
        let mut it = r2.iter();
        while let Some(c) = it.next().await {
            let c = text(&c.unwrap());
            l.push(format!("chunk {c}"));
            if c == "c" {
                break;
            }
        }
        drop(it);
        l.push(format!("after loop destroyed={}", r2.destroyed()));
        let l2 = l.clone();
        lp2.next_tick(move || l2.push("tick"));
    });
    assert_eq!(log.get(), want);
}

#[test]
fn a_pull_source_is_read_once_per_chunk() {
    // Node (highWaterMark 4, each _read pushes 'ab<n>', the fourth ends):
    // ["read1","chunk ab1","read2","chunk ab2","read3","chunk ab3","read4","done"]
    let (el, lp) = event_loop();
    let log = Log::default();
    let n = Rc::new(Cell::new(0));
    let (l, n2) = (log.clone(), n.clone());
    let r = Readable::new(
        &lp,
        ReadableOptions::new().high_water_mark(4),
        move |r: &Readable, _| {
            n2.set(n2.get() + 1);
            l.push(format!("read{}", n2.get()));
            if n2.get() <= 3 {
                r.push(format!("ab{}", n2.get()));
            } else {
                r.push(None);
            }
        },
    );
    let l = log.clone();
    block_on(&el, async move {
        let mut it = r.iter();
        while let Some(c) = it.next().await {
            l.push(format!("chunk {}", text(&c.unwrap())));
        }
        l.push("done");
    });
    assert_eq!(
        log.get(),
        [
            "read1",
            "chunk ab1",
            "read2",
            "chunk ab2",
            "read3",
            "chunk ab3",
            "read4",
            "done"
        ]
    );
}

#[test]
fn an_async_source_is_read_as_node_reads_it_and_the_end_waits_for_close() {
    an_async_source_is_read_as_node_reads_it_and_the_end_waits_for_close_as(
        NodeCompat::V26,
        &[
            "read1", "read2", "chunk x1", "chunk y1", "read3", "chunk x2", "chunk y2", "end",
            "close", "done",
        ],
    );
    an_async_source_is_read_as_node_reads_it_and_the_end_waits_for_close_as(
        NodeCompat::V20,
        &[
            "read1",
            "read2",
            "chunk x1y1",
            "read3",
            "chunk x2y2",
            "end",
            "close",
            "done",
        ],
    );
}

fn an_async_source_is_read_as_node_reads_it_and_the_end_waits_for_close_as(
    compat: NodeCompat,
    want: &[&str],
) {
    // Node v26 hands out a chunk at a time; v20 joins what is buffered.
    let (el, lp) = event_loop_as(compat);
    let log = Log::default();
    let n = Rc::new(Cell::new(0));
    let (l, n2) = (log.clone(), n.clone());
    let r = Readable::new(&lp, ReadableOptions::new(), move |r: &Readable, _| {
        n2.set(n2.get() + 1);
        let k = n2.get();
        l.push(format!("read{k}"));
        let r = r.clone();
        r.loop_handle().clone().set_timeout(ms(1), move || {
            if k <= 2 {
                r.push(format!("x{k}"));
                r.push(format!("y{k}"));
            } else {
                r.push(None);
            }
        });
    });
    r.on(END, log.event::<()>("end"));
    r.on(CLOSE, log.event::<()>("close"));
    let l = log.clone();
    block_on(&el, async move {
        let mut it = r.iter();
        while let Some(c) = it.next().await {
            l.push(format!("chunk {}", text(&c.unwrap())));
        }
        l.push("done");
    });
    assert_eq!(log.get(), want);
}

#[test]
fn an_error_ends_the_iteration_with_it() {
    // Node: ["chunk a","err boom"]
    let (el, lp) = event_loop();
    let r = idle(&lp);
    r.push("a");
    let r2 = r.clone();
    lp.set_timeout(ms(1), move || {
        r2.destroy(Some(Error::custom("EBOOM", "boom")));
    });
    let log = Log::default();
    let l = log.clone();
    block_on(&el, async move {
        let mut it = r.iter();
        while let Some(c) = it.next().await {
            match c {
                Ok(c) => l.push(format!("chunk {}", text(&c))),
                Err(e) => l.push(format!("err {}", e.message())),
            }
        }
        assert!(it.next().await.is_none(), "the stream stays ended");
    });
    assert_eq!(log.get(), ["chunk a", "err boom"]);
}

#[test]
fn an_error_without_auto_destroy_comes_after_close() {
    // Node: ["chunk a","close","err boom","destroyed=true"]
    let (el, lp) = event_loop();
    let r = Readable::new(
        &lp,
        ReadableOptions::new().auto_destroy(false),
        |_: &Readable, _| {},
    );
    r.push("a");
    let r2 = r.clone();
    lp.set_timeout(ms(1), move || {
        r2.destroy(Some(Error::custom("EBOOM", "boom")));
    });
    let log = Log::default();
    r.on(CLOSE, log.event::<()>("close"));
    let (l, r2) = (log.clone(), r.clone());
    block_on(&el, async move {
        let mut it = r2.iter();
        while let Some(c) = it.next().await {
            match c {
                Ok(c) => l.push(format!("chunk {}", text(&c))),
                Err(e) => l.push(format!("err {}", e.message())),
            }
        }
        l.push(format!("destroyed={}", r2.destroyed()));
    });
    assert_eq!(
        log.get(),
        ["chunk a", "close", "err boom", "destroyed=true"]
    );
}

#[test]
fn destroyed_without_end_is_a_premature_close() {
    // Node: ["chunk x","err ERR_STREAM_PREMATURE_CLOSE"], and for a stream destroyed
    // before the iteration: ["r4 err ERR_STREAM_PREMATURE_CLOSE"].
    let (el, lp) = event_loop();
    let r = idle(&lp);
    r.push("x");
    let r2 = r.clone();
    lp.set_timeout(ms(1), move || {
        r2.destroy(None);
    });
    let before = idle(&lp);
    before.destroy(None);
    let log = Log::default();
    let l = log.clone();
    block_on(&el, async move {
        for (name, r) in [("r", r), ("r4", before)] {
            let mut it = r.iter();
            while let Some(c) = it.next().await {
                match c {
                    Ok(c) => l.push(format!("{name} chunk {}", text(&c))),
                    Err(e) => l.push(format!("{name} err {}", e.code())),
                }
            }
        }
    });
    assert_eq!(
        log.get(),
        [
            "r chunk x",
            "r err ERR_STREAM_PREMATURE_CLOSE",
            "r4 err ERR_STREAM_PREMATURE_CLOSE"
        ]
    );
}

#[test]
fn a_stream_that_ended_iterates_to_nothing() {
    // Node: ["chunk x","r3 close","r3 done","r5 ended=true destroyed=true","r5 ok"]
    let (el, lp) = event_loop();
    let r3 = idle(&lp);
    r3.push("x");
    r3.push(None);
    let log = Log::default();
    r3.on(CLOSE, log.event::<()>("r3 close"));
    let r5 = idle(&lp);
    r5.push(None);
    r5.resume();
    let l = log.clone();
    let lp2 = lp.clone();
    block_on(&el, async move {
        let mut it = r3.iter();
        while let Some(c) = it.next().await {
            l.push(format!("chunk {}", text(&c.unwrap())));
        }
        l.push("r3 done");
        // Let r5 end and close (Node awaits a setImmediate here).
        next_immediate(&lp2).await;
        l.push(format!(
            "r5 ended={} destroyed={}",
            r5.readable_ended(),
            r5.destroyed()
        ));
        let mut it = r5.iter();
        match it.next().await {
            None => l.push("r5 ok"),
            Some(c) => l.push(format!("r5 got {:?}", c.map(|c| c.len()))),
        }
    });
    assert_eq!(
        log.get(),
        [
            "chunk x",
            "r3 close",
            "r3 done",
            "r5 ended=true destroyed=true",
            "r5 ok"
        ]
    );
}

#[test]
fn destroy_on_return_off_leaves_the_stream_and_removes_the_listeners() {
    destroy_on_return_off_leaves_the_stream_and_removes_the_listeners_as(
        NodeCompat::V26,
        &[
            "chunk a",
            "destroyed=false readable=0 error=0 flowing=Some(false)",
        ],
    );
    destroy_on_return_off_leaves_the_stream_and_removes_the_listeners_as(
        NodeCompat::V20,
        &[
            "chunk ab",
            "destroyed=false readable=0 error=0 flowing=Some(false)",
        ],
    );
}

fn destroy_on_return_off_leaves_the_stream_and_removes_the_listeners_as(
    compat: NodeCompat,
    want: &[&str],
) {
    // Node v26 hands out a chunk at a time; v20 joins what is buffered.
    let (el, lp) = event_loop_as(compat);
    let r = idle(&lp);
    r.push("a");
    r.push("b");
    let log = Log::default();
    let (l, r2) = (log.clone(), r.clone());
    block_on(&el, async move {
        let mut it = r2.iterator(IteratorOptions {
            destroy_on_return: false,
        });
        if let Some(c) = it.next().await {
            l.push(format!("chunk {}", text(&c.unwrap())));
        }
        drop(it);
        l.push(format!(
            "destroyed={} readable={} error={} flowing={:?}",
            r2.destroyed(),
            r2.listener_count("readable"),
            r2.listener_count("error"),
            r2.readable_flowing()
        ));
    });
    assert_eq!(log.get(), want);
    // Node's `updateReadableListening`, a tick later: no consumer is left.
    assert_eq!(r.readable_flowing(), None);
}
