//! `nodestream::embed::tokio`: the loop driven inside a current-thread tokio runtime, beside
//! tokio's own timers and tasks, in one thread.
#![cfg(feature = "tokio")]

mod support;

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::rc::Rc;
use std::time::Duration;

use nodestream::embed::tokio::{drive, run_until_idle};
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

#[test]
fn a_tokio_timer_and_a_pipe_read_by_the_loop_interleave() {
    let fds = FdCheck::start();
    let rt = runtime();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let log = Log::default();
    let (input, out) = logged_pipe(&h, &log);
    assert!(out.write("a"));
    let with_loop = fd_count();
    let while_driving = Rc::new(Cell::new(0));

    let (l, seen) = (log.clone(), while_driving.clone());
    let local = LocalSet::new();
    local.block_on(&rt, async {
        // The writes come from a tokio task while the loop waits on the pipe: the loop is
        // woken by the write itself (held to the end of the tick, on the loop's queue).
        let host = spawn_local(async move {
            sleep(ms(40)).await;
            l.push("host: timer 40ms");
            seen.set(fd_count());
            assert!(out.write("b"));
            sleep(ms(40)).await;
            l.push("host: timer 80ms");
            out.end_with("c");
            out
        });
        within(run_until_idle(&lp)).await.unwrap();
        drop(host.await.unwrap());
    });
    assert_trace(
        &log,
        &[
            "loop: data a",
            "host: timer 40ms",
            "loop: data b",
            "host: timer 80ms",
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
    drop((input, h, lp, local, rt));
    fds.assert_same();
}

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
            // The loop has had nothing at all to do for 20 ms.
            sleep(ms(20)).await;
            l.push("host: 20ms");
            let l2 = l.clone();
            h.set_timeout(ms(10), move || l2.push("loop: timeout 10ms"));
            l.imm(&h, "loop: immediate");
            l.push("host: queued a timeout and an immediate");
            sleep(ms(30)).await;
            l.push("host: 50ms");
            l.tick(&h, "loop: tick");
            sleep(ms(20)).await;
            l.push("host: 70ms");
            let h2 = h.clone();
            h.set_immediate(move || h2.stop());
        });
        within(drive(&lp)).await
    });
    result.unwrap();
    assert_trace(
        &log,
        &[
            "host: 20ms",
            "host: queued a timeout and an immediate",
            "loop: immediate",
            "loop: timeout 10ms",
            "host: 50ms",
            "loop: tick",
            "host: 70ms",
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
        // The host gives up on the loop after 10 ms: nothing ran, nothing is lost.
        let gave_up = tokio::time::timeout(ms(10), drive(&lp)).await;
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
    assert_eq!(
        example::run().unwrap(),
        [
            "tokio: writing chunk 1",
            "loop: read \"chunk 1\"",
            "tokio: writing chunk 2",
            "loop: read \"chunk 2\"",
            "loop: 50 ms timer",
            "tokio: writing chunk 3",
            "loop: read \"chunk 3\"",
            "loop: the pipe ended",
            "loop: reader closed",
            "host: the loop has nothing left to do",
        ]
    );
}
