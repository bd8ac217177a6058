//! The loop's basic API: scheduling, cancelling, registering sources, uncaught errors.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::rc::Rc;
use std::time::Duration;

use nodestream::{ErrorCode, EventLoop, PostAction};

type Log = Rc<RefCell<Vec<String>>>;

fn log() -> Log {
    Rc::new(RefCell::new(Vec::new()))
}

fn push(log: &Log, s: impl Into<String>) {
    log.borrow_mut().push(s.into());
}

#[test]
fn run_returns_at_once_with_nothing_to_do() {
    let lp = EventLoop::new().unwrap();
    assert!(!lp.is_alive());
    lp.run().unwrap();
}

#[test]
fn tick_immediate_and_timeout_all_run() {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let l = log();
    let (a, b, c) = (l.clone(), l.clone(), l.clone());
    h.set_timeout(Duration::from_millis(2), move || push(&a, "timeout"));
    h.set_immediate(move || push(&b, "immediate"));
    h.next_tick(move || push(&c, "tick"));
    assert!(lp.is_alive());
    lp.run().unwrap();
    // node: setTimeout(2ms); setImmediate; process.nextTick -> tick, immediate, timeout
    assert_eq!(*l.borrow(), ["tick", "immediate", "timeout"]);
    assert!(!lp.is_alive());
}

#[test]
fn cleared_timeout_and_immediate_never_run() {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let l = log();
    let (a, b, c) = (l.clone(), l.clone(), l.clone());
    let t = h.set_timeout(Duration::from_millis(1), move || {
        push(&a, "cleared timeout")
    });
    let i = h.set_immediate(move || push(&b, "cleared immediate"));
    h.set_timeout(Duration::from_millis(1), move || push(&c, "kept"));
    assert!(h.clear_timeout(t));
    assert!(!h.clear_timeout(t));
    assert!(h.clear_immediate(i));
    assert!(!h.clear_immediate(i));
    lp.run().unwrap();
    assert_eq!(*l.borrow(), ["kept"]);
}

#[test]
fn registered_pipe_reader_sees_the_bytes_and_deregisters() {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let (mut tx, rx) = mio::unix::pipe::new().unwrap();
    let rx = Rc::new(RefCell::new(rx));
    let got = Rc::new(RefCell::new(Vec::new()));
    let id = Rc::new(RefCell::new(None));
    let (rx2, got2, id2, h2) = (rx.clone(), got.clone(), id.clone(), h.clone());
    let sid = h
        .register(
            &mut *rx.borrow_mut(),
            mio::Interest::READABLE,
            move |ready| {
                assert!(ready.is_readable());
                let mut buf = [0u8; 64];
                loop {
                    match rx2.borrow_mut().read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => got2.borrow_mut().extend_from_slice(&buf[..n]),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                        Err(e) => panic!("{e}"),
                    }
                }
                if got2.borrow().len() == 5 {
                    let sid = id2.borrow().unwrap();
                    h2.deregister(sid, &mut *rx2.borrow_mut()).unwrap();
                }
                PostAction::Continue
            },
        )
        .unwrap();
    *id.borrow_mut() = Some(sid);
    tx.write_all(b"hello").unwrap();
    lp.run().unwrap();
    assert_eq!(&*got.borrow(), b"hello");
}

#[test]
fn report_error_ends_run_and_the_loop_runs_again() {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let l = log();
    let (a, b, h2) = (l.clone(), l.clone(), h.clone());
    h.set_immediate(move || {
        push(&a, "first");
        h2.report_error(nodestream::Error::from_code(ErrorCode::PrematureClose));
    });
    h.set_immediate(move || push(&b, "second"));
    let err = lp.run().unwrap_err();
    assert_eq!(err.code(), &ErrorCode::PrematureClose);
    assert_eq!(*l.borrow(), ["first"]);
    lp.run().unwrap();
    assert_eq!(*l.borrow(), ["first", "second"]);
}

#[test]
fn nested_run_is_refused() {
    let lp = Rc::new(EventLoop::new().unwrap());
    let h = lp.handle();
    let weak = Rc::downgrade(&lp);
    let seen = Rc::new(RefCell::new(None));
    let seen2 = seen.clone();
    h.set_immediate(move || {
        let lp = weak.upgrade().unwrap();
        *seen2.borrow_mut() = Some((
            lp.run().unwrap_err().code().clone(),
            lp.dispatch(Some(Duration::ZERO))
                .unwrap_err()
                .code()
                .clone(),
        ));
    });
    lp.run().unwrap();
    assert_eq!(
        *seen.borrow(),
        Some((ErrorCode::LoopReentered, ErrorCode::LoopReentered))
    );
}

#[test]
fn dropping_the_loop_frees_callbacks_that_hold_handles() {
    // Callbacks that capture a LoopHandle form an Rc cycle through the loop; dropping the
    // EventLoop drops every queued callback and so breaks it.
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let sentinel = Rc::new(());
    let weak_sentinel = Rc::downgrade(&sentinel);
    let (s1, s2, s3, s4) = (
        sentinel.clone(),
        sentinel.clone(),
        sentinel.clone(),
        sentinel.clone(),
    );
    let (h1, h2, h3, h4) = (h.clone(), h.clone(), h.clone(), h.clone());
    h.set_timeout(Duration::from_secs(60), move || drop((s1, h1)));
    h.set_interval(Duration::from_secs(60), move || {
        let _ = (&s2, &h2);
    });
    h.set_immediate(move || drop((s3, h3)));
    h.next_tick(move || drop((s4, h4)));
    drop(sentinel);
    let weak_loop = h.downgrade();
    assert!(weak_loop.upgrade().is_some());
    drop(h);
    drop(lp);
    assert!(weak_sentinel.upgrade().is_none(), "callbacks were dropped");
    assert!(weak_loop.upgrade().is_none(), "the loop's state was freed");
}

#[test]
fn a_weak_handle_does_not_keep_the_loop_state() {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let weak = h.downgrade();
    let l = log();
    let l2 = l.clone();
    h.set_immediate(move || {
        let h = weak.upgrade().expect("the loop is running");
        h.next_tick(move || push(&l2, "via weak"));
    });
    lp.run().unwrap();
    assert_eq!(*l.borrow(), ["via weak"]);
}

#[test]
fn errors_reported_outside_run_queue_and_come_back_one_per_call() {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let l = log();
    let a = l.clone();
    h.set_immediate(move || push(&a, "work"));
    h.report_error(nodestream::Error::custom("EONE", "one"));
    h.report_error(nodestream::Error::custom("ETWO", "two"));
    assert!(lp.has_pending());
    assert_eq!(lp.run().unwrap_err().code().as_str(), "EONE");
    assert_eq!(lp.run_once().unwrap_err().code().as_str(), "ETWO");
    assert!(
        l.borrow().is_empty(),
        "no work ran while errors were queued"
    );
    lp.run().unwrap();
    assert_eq!(*l.borrow(), ["work"]);
}

#[test]
fn an_error_in_a_tick_stops_the_drain_and_keeps_the_rest() {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let l = log();
    let (a, b, c, h2) = (l.clone(), l.clone(), l.clone(), h.clone());
    h.next_tick(move || {
        push(&a, "t1");
        h2.report_error(nodestream::Error::from_code(ErrorCode::MultipleCallback));
    });
    h.next_tick(move || push(&b, "t2"));
    h.set_immediate(move || push(&c, "immediate"));
    assert_eq!(lp.run().unwrap_err().code(), &ErrorCode::MultipleCallback);
    assert_eq!(*l.borrow(), ["t1"]);
    lp.run().unwrap();
    assert_eq!(*l.borrow(), ["t1", "t2", "immediate"]);
}
