//! `nodestream::embed::tokio`: the loop driven inside a current-thread tokio runtime, beside
//! tokio's own timers and tasks, in one thread.
#![cfg(feature = "tokio")]

mod support;

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::rc::Rc;
use std::time::Duration;

use nodestream::embed::tokio::{drive, run_until_idle};
use nodestream::events::DATA;
use nodestream::stream::readable::Chunk;
use nodestream::{Error, ErrorCode, EventLoop, PostAction};
use support::{assert_trace, fd_count, logged_pipe, ms, FdCheck, Log};
use tokio::task::{spawn_local, LocalSet};
use tokio::time::sleep;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Fails a test that would hang instead.
async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .expect("the driver hung")
}

/// Each side starts the other's next step: a chunk the loop reads starts a tokio task that
/// waits 20 ms on a tokio timer, then writes the next chunk while the loop waits on the
/// pipe (the write is held to the end of the tick, on the loop's queue: that wakes it).
#[test]
fn a_tokio_timer_and_a_pipe_read_by_the_loop_interleave() {
    let fds = FdCheck::start();
    let rt = runtime();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let log = Log::default();
    let (input, out) = logged_pipe(&h, &log);
    let out = Rc::new(out);
    let with_loop = fd_count();
    let while_driving = Rc::new(Cell::new(0));

    let (l, o, seen) = (log.clone(), out.clone(), while_driving.clone());
    input.on(DATA, move |chunk: &Chunk| {
        let (l, o, seen) = (l.clone(), o.clone(), seen.clone());
        match chunk.as_bytes().unwrap() {
            b"a" => spawn_local(async move {
                sleep(ms(20)).await;
                l.push("host: 20 ms after a");
                seen.set(fd_count());
                assert!(o.write("b"));
            }),
            b"b" => spawn_local(async move {
                sleep(ms(20)).await;
                l.push("host: 20 ms after b");
                o.end_with("c");
            }),
            _ => return,
        };
    });
    assert!(out.write("a"));
    let local = LocalSet::new();
    local.block_on(&rt, async {
        within(run_until_idle(&lp)).await.unwrap();
    });
    assert_trace(
        &log,
        &[
            "loop: data a",
            "host: 20 ms after a",
            "loop: data b",
            "host: 20 ms after b",
            "loop: writer finish",
            "loop: data c",
            "loop: reader end",
            "loop: reader close",
            "loop: writer close",
        ],
    );
    // One fd more while driving (the epoll fd's duplicate that tokio watches), none after.
    assert_eq!(while_driving.get(), with_loop + 1);
    assert_eq!(fd_count(), with_loop - 2, "the pipe's two ends closed");
    drop((input, out, h, lp, local, rt));
    fds.assert_same();
}

/// The host gives the loop work while the loop has nothing at all to do, three times (an
/// immediate, a timer, a tick): each time the parked driver must be woken by the work
/// itself. Each step of the host's is started by the loop's previous callback.
#[test]
fn work_given_from_a_tokio_task_after_the_loop_went_idle_runs() {
    let _fds = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let log = Log::default();
    let l = log.clone();
    let local = LocalSet::new();
    let result = local.block_on(&runtime(), async {
        spawn_local(async move {
            sleep(ms(20)).await;
            l.push("host: 20ms");
            let (l2, h2) = (l.clone(), h.clone());
            h.set_immediate(move || {
                l2.push("loop: immediate");
                spawn_local(async move {
                    sleep(ms(10)).await;
                    l2.push("host: 10ms after the immediate");
                    let (l3, h3) = (l2.clone(), h2.clone());
                    h2.set_timeout(ms(10), move || {
                        l3.push("loop: timeout 10ms");
                        spawn_local(async move {
                            sleep(ms(10)).await;
                            l3.push("host: 10ms after the timeout");
                            l3.tick(&h3, "loop: tick");
                            let h4 = h3.clone();
                            h3.set_immediate(move || h4.stop());
                        });
                    });
                });
            });
            l.push("host: queued an immediate");
        });
        within(drive(&lp)).await
    });
    result.unwrap();
    assert_trace(
        &log,
        &[
            "host: 20ms",
            "host: queued an immediate",
            "loop: immediate",
            "host: 10ms after the immediate",
            "loop: timeout 10ms",
            "host: 10ms after the timeout",
            "loop: tick",
        ],
    );
}

#[test]
fn a_driver_that_is_dropped_leaves_the_loop_to_the_next() {
    let _fds = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let log = Log::default();
    let l = log.clone();
    h.set_timeout(ms(30), move || l.push("loop: timeout 30ms"));
    let rt = runtime();
    let local = LocalSet::new();
    local.block_on(&rt, async {
        // The host gives up on the loop once it parked (a zero timeout polls the driver
        // once): nothing is lost, and the next driver picks up what is given meanwhile.
        let gave_up = tokio::time::timeout(Duration::ZERO, drive(&lp)).await;
        assert!(gave_up.is_err());
        log.push("host: gave up");
        log.imm(&h, "loop: immediate");
        within(run_until_idle(&lp)).await.unwrap();
    });
    assert_trace(
        &log,
        &["host: gave up", "loop: immediate", "loop: timeout 30ms"],
    );
}

#[test]
fn the_loops_errors_and_panics_reach_the_host_as_err() {
    let _fds = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let log = Log::default();
    let local = LocalSet::new();
    local.block_on(&runtime(), async {
        let h2 = h.clone();
        h.set_timeout(ms(1), move || {
            h2.report_error(Error::custom("ERR_HOST_TEST", "reported by a timer"))
        });
        let err = within(drive(&lp)).await.unwrap_err();
        assert_eq!(err.code().as_str(), "ERR_HOST_TEST");
        assert_eq!(err.message(), "reported by a timer");

        h.set_immediate(|| panic!("boom"));
        log.imm(&h, "loop: the immediate after the panic");
        let err = within(run_until_idle(&lp)).await.unwrap_err();
        assert_eq!(*err.code(), ErrorCode::Panic);
        assert_eq!(err.message(), "a loop callback panicked: boom");
        assert!(log.get().is_empty());

        // The loop is usable: the work the panic cut short runs on the next drive.
        within(run_until_idle(&lp)).await.unwrap();
    });
    assert_trace(&log, &["loop: the immediate after the panic"]);
    assert!(!lp.is_alive());
}

#[test]
fn a_stop_ends_both_and_an_idle_loop_ends_run_until_idle_at_once() {
    let _fds = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let local = LocalSet::new();
    local.block_on(&runtime(), async {
        within(run_until_idle(&lp)).await.unwrap();
        // A timer keeps the loop alive; a stop asked for before the drive ends it at once.
        let t = h.set_timeout(ms(10_000), || unreachable!());
        h.stop();
        within(run_until_idle(&lp)).await.unwrap();
        h.stop();
        within(drive(&lp)).await.unwrap();
        assert!(h.clear_timeout(t));
    });
}

#[test]
fn events_past_one_polls_worth_are_not_lost() {
    // One turn takes 1024 events at most; tokio watches the epoll fd edge-triggered, so the
    // driver must see for itself that events are left. 1100 pipes become readable at once,
    // after the driver parked; each source reads its byte and asks for nothing more.
    const PIPES: usize = 1100;
    let _fds = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let read = Rc::new(Cell::new(0));
    let mut senders = Vec::new();
    let mut receivers = Vec::new();
    for _ in 0..PIPES {
        let (tx, mut rx) = mio::unix::pipe::new().unwrap();
        let rx_cell = Rc::new(RefCell::new(None::<mio::unix::pipe::Receiver>));
        let (cell, count, h2) = (rx_cell.clone(), read.clone(), h.clone());
        h.register(&mut rx, mio::Interest::READABLE, move |_| {
            let mut buf = [0u8; 4];
            let n = cell.borrow_mut().as_mut().unwrap().read(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"x");
            count.set(count.get() + 1);
            if count.get() == PIPES {
                h2.stop();
            }
            PostAction::Continue
        })
        .unwrap();
        *rx_cell.borrow_mut() = Some(rx);
        receivers.push(rx_cell);
        senders.push(tx);
    }
    let local = LocalSet::new();
    local.block_on(&runtime(), async {
        spawn_local(async move {
            sleep(ms(10)).await;
            for tx in &mut senders {
                tx.write_all(b"x").unwrap();
            }
        });
        within(drive(&lp)).await.unwrap();
    });
    assert_eq!(read.get(), PIPES);
    drop(lp);
    drop(receivers);
}

#[allow(dead_code)]
#[path = "../examples/embed_tokio.rs"]
mod example;

#[test]
fn the_example_tells_its_story_in_order() {
    let _fds = FdCheck::start();
    // The loop's 50 ms timer runs between the chunks, where depends on the machine's load.
    let story = example::run().unwrap();
    assert_eq!(
        story.iter().filter(|l| *l == "loop: 50 ms timer").count(),
        1
    );
    assert_eq!(
        story
            .iter()
            .filter(|l| *l != "loop: 50 ms timer")
            .collect::<Vec<_>>(),
        [
            "tokio: writing chunk 1",
            "loop: read \"chunk 1\"",
            "tokio: writing chunk 2",
            "loop: read \"chunk 2\"",
            "tokio: writing chunk 3",
            "loop: read \"chunk 3\"",
            "loop: the pipe ended",
            "loop: reader closed",
            "host: the loop has nothing left to do",
        ]
    );
}

/// The loop's own futures run while tokio drives the loop: a nodestream task reads a pipe
/// chunk by chunk through `iter()` (woken by the loop's I/O), another waits on a waker that
/// a tokio task wakes from the same thread while the loop is parked, and tokio awaits both
/// tasks' handles.
#[cfg(feature = "futures")]
#[test]
fn the_loops_own_futures_run_when_tokio_drives_it() {
    use futures_util::StreamExt;
    use nodestream::{Readable, ReadableOptions};
    use std::task::{Poll, Waker};

    let fds = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let (r, w) = support::pipe();
    let input = Readable::from_fd(&lp.handle(), r, ReadableOptions::default()).unwrap();
    let reader = lp.spawn_local(async move {
        let mut got = Vec::new();
        let mut chunks = input.iter();
        while let Some(c) = chunks.next().await {
            got.extend_from_slice(c.unwrap().as_bytes().unwrap());
        }
        got
    });
    let slot: Rc<RefCell<(bool, Option<Waker>)>> = Rc::default();
    let s = slot.clone();
    let waiter = lp.spawn_local(std::future::poll_fn(move |cx| {
        let mut s = s.borrow_mut();
        if s.0 {
            Poll::Ready("woken")
        } else {
            s.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }));
    let (rt, local) = (runtime(), LocalSet::new());
    let (got, woken) = local.block_on(&rt, async {
        spawn_local(async move {
            let mut w = std::fs::File::from(w);
            for chunk in ["one ", "two"] {
                sleep(ms(10)).await;
                w.write_all(chunk.as_bytes()).unwrap();
            }
            drop(w);
            sleep(ms(10)).await;
            let waker = {
                let mut s = slot.borrow_mut();
                s.0 = true;
                s.1.take()
            };
            waker.expect("the task waits").wake();
        });
        within(async {
            run_until_idle(&lp).await.unwrap();
            (reader.await.unwrap(), waiter.await.unwrap())
        })
        .await
    });
    assert_eq!(got, b"one two");
    assert_eq!(woken, "woken");
    drop((local, rt, lp));
    fds.assert_same();
}
