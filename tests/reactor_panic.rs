//! A callback that panics: the panic unwinds out of `run`, no borrow is left held, the
//! running flag is cleared, and the work that was queued stays queued, in order, for the
//! next run. Only the panicking callback's own invocation is lost (an interval stays armed,
//! as Node's `finally` re-arms it; a source stays registered and keeps its readiness).

mod support;

use std::cell::RefCell;
use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::time::Duration;

use nodestream::{Clock, EventLoop, PostAction};
use support::{event_loop, Log};

fn run_expecting_panic(lp: &EventLoop) -> String {
    let payload = catch_unwind(AssertUnwindSafe(|| lp.run())).expect_err("run should panic");
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .unwrap_or_default()
}

#[test]
fn a_panicking_immediate_leaves_the_rest_of_its_batch_queued() {
    let (lp, h) = event_loop();
    let log = Log::default();
    let (l, h2) = (log.clone(), h.clone());
    h.set_immediate(log.rec("a"));
    h.set_immediate(move || {
        l.push("b panics");
        h2.next_tick(l.rec("b's tick"));
        panic!("boom");
    });
    h.set_immediate(log.rec("c"));
    assert_eq!(run_expecting_panic(&lp), "boom");
    assert_eq!(log.get(), ["a", "b panics"]);
    // No borrow is held and the loop is not marked running: everything works.
    assert!(lp.is_alive());
    assert!(lp.has_pending());
    h.set_immediate(log.rec("d"));
    lp.run().unwrap();
    assert_eq!(log.get(), ["a", "b panics", "b's tick", "c", "d"]);
}

#[test]
fn a_panicking_tick_keeps_the_ticks_after_it() {
    let (lp, h) = event_loop();
    let log = Log::default();
    h.next_tick(log.rec("t1"));
    h.next_tick(|| panic!("tick"));
    h.next_tick(log.rec("t3"));
    h.set_immediate(log.rec("immediate"));
    assert_eq!(run_expecting_panic(&lp), "tick");
    assert_eq!(log.get(), ["t1"]);
    lp.run().unwrap();
    assert_eq!(log.get(), ["t1", "t3", "immediate"]);
}

#[test]
fn a_panicking_interval_stays_armed() {
    let (clock, manual) = Clock::manual();
    let lp = EventLoop::with_clock(clock).unwrap();
    let h = lp.handle();
    let log = Log::default();
    let l = log.clone();
    let mut n = 0;
    let id = h.set_interval(Duration::from_millis(5), move || {
        n += 1;
        l.push("interval");
        if n == 1 {
            panic!("first run");
        }
    });
    assert_eq!(run_expecting_panic(&lp), "first run");
    assert!(h.timer_is_active(id));
    assert_eq!(manual.elapsed(), Duration::from_millis(5));
    assert_eq!(
        lp.next_deadline(),
        Some(lp.now() + Duration::from_millis(5))
    );
    lp.run_for(Duration::from_millis(5)).unwrap();
    assert_eq!(log.get(), ["interval", "interval"]);
    assert!(h.clear_interval(id));
    lp.run().unwrap();
}

#[test]
fn a_panicking_source_callback_stays_registered() {
    let (lp, h) = event_loop();
    let (mut tx, rx) = mio::unix::pipe::new().unwrap();
    let rx = Rc::new(RefCell::new(rx));
    let calls = Rc::new(RefCell::new(0));
    let (rx2, calls2) = (rx.clone(), calls.clone());
    let id = h
        .register(&mut *rx.borrow_mut(), mio::Interest::READABLE, move |_| {
            *calls2.borrow_mut() += 1;
            let mut buf = [0u8; 16];
            while rx2.borrow_mut().read(&mut buf).is_ok() {}
            if *calls2.borrow() == 1 {
                panic!("source");
            }
            PostAction::Continue
        })
        .unwrap();
    tx.write_all(b"1").unwrap();
    let payload = catch_unwind(AssertUnwindSafe(|| lp.run_once())).expect_err("panics");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"source"));
    // Still registered: a new edge reaches the same callback.
    tx.write_all(b"2").unwrap();
    lp.run_once().unwrap();
    assert_eq!(*calls.borrow(), 2);
    h.deregister(id, &mut *rx.borrow_mut()).unwrap();
    lp.run().unwrap();
}

#[test]
fn a_panicking_posted_closure_keeps_the_later_posts() {
    let lp = EventLoop::new().unwrap();
    let remote = lp.remote();
    let (tx, rx) = std::sync::mpsc::channel();
    let tx2 = tx.clone();
    remote.post(move || tx2.send(1).unwrap()).ok().unwrap();
    remote.post(|| panic!("posted")).ok().unwrap();
    remote.post(move || tx.send(3).unwrap()).ok().unwrap();
    let payload = catch_unwind(AssertUnwindSafe(|| lp.run())).expect_err("panics");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"posted"));
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1]);
    lp.run().unwrap();
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [3]);
}

/// A source whose callback panics keeps its readiness: it is called again on the next
/// turn without a new edge, so bytes left in the kernel are still read. (Was: the
/// readiness counted as delivered, and an edge-triggered source whose bytes were all in
/// the kernel already was never called again.)
#[test]
fn a_panicking_source_callback_is_called_again_without_a_new_edge() {
    let (lp, h) = event_loop();
    let (mut tx, rx) = mio::unix::pipe::new().unwrap();
    let rx = Rc::new(RefCell::new(rx));
    let got = Rc::new(RefCell::new(Vec::new()));
    let (rx2, got2) = (rx.clone(), got.clone());
    let id = h
        .register(&mut *rx.borrow_mut(), mio::Interest::READABLE, move |_| {
            // One byte per call; the first call panics after its byte.
            let mut buf = [0u8; 1];
            match rx2.borrow_mut().read(&mut buf) {
                Ok(1) => got2.borrow_mut().push(buf[0]),
                _ => return PostAction::Continue,
            }
            if got2.borrow().len() == 1 {
                panic!("source");
            }
            PostAction::Again
        })
        .unwrap();
    tx.write_all(b"abc").unwrap();
    let payload = catch_unwind(AssertUnwindSafe(|| lp.run_once())).expect_err("panics");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"source"));
    assert!(lp.has_pending(), "the source should be on the ready list");
    for _ in 0..3 {
        lp.run_once().unwrap();
    }
    assert_eq!(&*got.borrow(), b"abc");
    h.deregister(id, &mut *rx.borrow_mut()).unwrap();
    lp.run().unwrap();
}
