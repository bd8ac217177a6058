//! `nodestream::embed::calloop`: the loop as a calloop event source, beside calloop's own
//! timers, in one thread.
#![cfg(feature = "calloop")]

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use calloop::timer::{TimeoutAction, Timer};
use nodestream::embed::calloop::{EventLoopSource, LoopEvent};
use nodestream::events::DATA;
use nodestream::stream::readable::Chunk;
use nodestream::{Error, ErrorCode, EventLoop};
use support::{assert_trace, fd_count, logged_pipe, ms, FdCheck, Log};

/// What the host's callbacks share.
struct Host {
    log: Log,
    signal: calloop::LoopSignal,
}

/// A calloop loop with the nodestream loop in it, whose source logs its events and stops
/// calloop when the loop goes idle.
fn host_with(lp: EventLoop) -> (calloop::EventLoop<'static, Host>, Host) {
    let host = calloop::EventLoop::try_new().unwrap();
    let data = Host {
        log: Log::default(),
        signal: host.get_signal(),
    };
    host.handle()
        .insert_source(EventLoopSource::new(lp), |event, _lp, host: &mut Host| {
            host.log.push(format!("host: nodestream {event:?}"));
            if event == LoopEvent::Idle {
                host.signal.stop();
            }
        })
        .unwrap();
    (host, data)
}

/// A host timer that runs `f` once, after `after`.
fn host_timer(
    host: &calloop::EventLoop<'static, Host>,
    after: Duration,
    f: impl FnOnce(&mut Host) + 'static,
) {
    let mut f = Some(f);
    host.handle()
        .insert_source(Timer::from_duration(after), move |_, _, data| {
            (f.take().unwrap())(data);
            TimeoutAction::Drop
        })
        .unwrap();
}

/// Runs calloop until the source stops it, failing instead of hanging.
fn run(host: &mut calloop::EventLoop<'static, Host>, data: &mut Host) {
    let t0 = Instant::now();
    host.run(Some(ms(500)), data, |_| {
        assert!(t0.elapsed() < Duration::from_secs(10), "the host hung");
    })
    .unwrap();
}

/// Each side starts the other's next step: a chunk the loop reads arms a calloop timer of
/// 20 ms, whose callback writes the next chunk while the loop waits on the pipe (the write
/// is held to the end of the tick, on the loop's queue: calloop's `before_sleep` sees it).
#[test]
fn a_calloop_timer_and_a_pipe_read_by_the_loop_interleave() {
    let fds = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let (mut host, mut data) = host_with(lp);
    let (input, out) = logged_pipe(&h, &data.log);
    let out = Rc::new(out);
    let with_loops = fd_count();
    let (calloop_handle, o) = (host.handle(), out.clone());
    input.on(DATA, move |chunk: &Chunk| {
        let o = o.clone();
        let step: Box<dyn FnOnce(&mut Host)> = match chunk.as_bytes().unwrap() {
            b"a" => Box::new(move |host| {
                host.log.push("host: 20 ms after a");
                assert!(o.write("b"));
            }),
            b"b" => Box::new(move |host| {
                host.log.push("host: 20 ms after b");
                o.end_with("c");
            }),
            _ => return,
        };
        let mut step = Some(step);
        calloop_handle
            .insert_source(Timer::from_duration(ms(20)), move |_, _, host| {
                (step.take().unwrap())(host);
                TimeoutAction::Drop
            })
            .unwrap();
    });
    assert!(out.write("a"));
    run(&mut host, &mut data);
    assert_trace(
        &data.log,
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
            "host: nodestream Idle",
        ],
    );
    // No fd of its own: calloop watches the loop's epoll fd itself.
    assert_eq!(fd_count(), with_loops - 2, "the pipe's two ends closed");
    drop((input, out, h, host, data));
    fds.assert_same();
}

#[test]
fn work_given_from_a_calloop_callback_after_the_loop_went_idle_runs() {
    let _fds = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let (mut host, mut data) = host_with(lp);
    // The loop has had nothing at all to do for 20 ms when the host gives it work.
    host_timer(&host, ms(20), move |host| {
        host.log.push("host: timer 20ms");
        let (l, h2) = (host.log.clone(), h.clone());
        h.set_immediate(move || {
            l.push("loop: immediate");
            h2.set_timeout(ms(10), l.rec("loop: timeout 10ms"));
        });
        host.log.tick(&h, "loop: tick");
    });
    run(&mut host, &mut data);
    assert_trace(
        &data.log,
        &[
            "host: timer 20ms",
            "loop: tick",
            "loop: immediate",
            "loop: timeout 10ms",
            "host: nodestream Idle",
        ],
    );
}

/// The calloop timer is set to the loop's next deadline (300 ms); a timer the host arms
/// for 10 ms from now, from its own callback, must not wait for it.
#[test]
fn a_timer_armed_from_the_host_that_comes_before_the_loops_next_runs_on_time() {
    let _fds = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let t0 = Instant::now();
    let log = Log::default();
    h.set_timeout(ms(300), log.rec("loop: timeout 300ms"));
    let (mut host, mut data) = host_with(lp);
    data.log = log;
    let ran_at = Rc::new(RefCell::new(None));
    let (l, r) = (data.log.clone(), ran_at.clone());
    host_timer(&host, ms(10), move |host| {
        host.log.push("host: timer 10ms");
        h.set_timeout(ms(10), move || {
            l.push("loop: timeout 10ms (from the host)");
            *r.borrow_mut() = Some(t0.elapsed());
        });
    });
    run(&mut host, &mut data);
    assert_trace(
        &data.log,
        &[
            "host: timer 10ms",
            "loop: timeout 10ms (from the host)",
            "loop: timeout 300ms",
            "host: nodestream Idle",
        ],
    );
    let ran_at = ran_at.borrow().unwrap();
    assert!(ran_at >= ms(19), "{ran_at:?}");
    assert!(
        ran_at < ms(250),
        "waited for the later deadline: {ran_at:?}"
    );
}

#[test]
fn the_loops_errors_and_panics_reach_calloop_as_nodestream_errors() {
    let _fds = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let (mut host, mut data) = host_with(lp);
    let h2 = h.clone();
    h.set_timeout(ms(1), move || {
        h2.report_error(Error::custom("ERR_HOST_TEST", "reported by a timer"))
    });
    let got = Rc::new(RefCell::new(Vec::new()));
    let t0 = Instant::now();
    while got.borrow().is_empty() {
        assert!(t0.elapsed() < Duration::from_secs(10), "the host hung");
        if let Err(err) = host.dispatch(Some(ms(50)), &mut data) {
            got.borrow_mut().push(err);
        }
    }
    let err = got.borrow_mut().pop().unwrap();
    let calloop::Error::OtherError(boxed) = err else {
        panic!("not a source's error: {err:?}")
    };
    let err = boxed.downcast_ref::<Error>().expect("a nodestream::Error");
    assert_eq!(err.code().as_str(), "ERR_HOST_TEST");
    assert_eq!(err.message(), "reported by a timer");

    h.set_immediate(|| panic!("boom"));
    data.log.imm(&h, "loop: the immediate after the panic");
    let err = host.dispatch(Some(ms(50)), &mut data).unwrap_err();
    let calloop::Error::OtherError(boxed) = err else {
        panic!("not a source's error: {err:?}")
    };
    let err = boxed.downcast_ref::<Error>().expect("a nodestream::Error");
    assert_eq!(*err.code(), ErrorCode::Panic);
    assert_eq!(err.message(), "a loop callback panicked: boom");
    assert!(data.log.get().is_empty());

    // The source stayed in calloop and the loop is usable: the rest runs next.
    run(&mut host, &mut data);
    assert_trace(
        &data.log,
        &[
            "loop: the immediate after the panic",
            "host: nodestream Idle",
        ],
    );
}

#[test]
fn a_stop_reaches_the_callback() {
    let _fds = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let (mut host, mut data) = host_with(lp);
    let h2 = h.clone();
    h.set_timeout(ms(10_000), || unreachable!());
    h.set_immediate(move || h2.stop());
    host.dispatch(Some(ms(50)), &mut data).unwrap();
    assert_trace(&data.log, &["host: nodestream Stopped"]);
}

#[allow(dead_code)]
#[path = "../examples/embed_calloop.rs"]
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
            "calloop: writing chunk 1",
            "loop: read \"chunk 1\"",
            "calloop: writing chunk 2",
            "loop: read \"chunk 2\"",
            "calloop: writing chunk 3",
            "loop: read \"chunk 3\"",
            "loop: the pipe ended",
            "loop: reader closed",
            "host: the loop has nothing left to do",
        ]
    );
}
