//! Every public API that takes a `Duration` accepts `Duration::MAX`: no overflow panic, no
//! wrap-around, no hang. One row per API (and per clock where the clock matters); each row
//! runs on its own thread and must finish within five seconds.
//!
//! Node, for the timers (v20):
//! ```text
//! setTimeout(() => console.log('fired after', Date.now() - t0, 'ms'), Number.MAX_VALUE);
//! // TimeoutOverflowWarning: 1.7976931348623157e+308 does not fit into a 32-bit signed
//! // integer. Timeout duration was set to 1.
//! // fired after 7 ms
//! ```

mod support;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nodestream::{Clock, EventLoop};
use support::{manual_loop, ms};

/// `run_for(MAX)` on the real clock is `run()`: it returns once the work is done.
fn run_for_real_clock() {
    let el = EventLoop::new().unwrap();
    let fired = Rc::new(Cell::new(false));
    let f = fired.clone();
    el.handle().set_timeout(ms(1), move || f.set(true));
    el.run_for(Duration::MAX).unwrap();
    assert!(fired.get());
    // Nothing left: returns at once.
    el.run_for(Duration::MAX).unwrap();
}

/// `run_for(MAX)` on a manual clock jumps the clock to each timer, then returns.
fn run_for_manual_clock() {
    let (el, lp, manual) = manual_loop();
    let log = Rc::new(RefCell::new(Vec::new()));
    for d in [30, 10] {
        let l = log.clone();
        lp.set_timeout(ms(d), move || l.borrow_mut().push(d));
    }
    el.run_for(Duration::MAX).unwrap();
    assert_eq!(*log.borrow(), [10, 30]);
    assert!(manual.elapsed() >= ms(30));
}

/// `dispatch(Some(MAX))` waits for the next timer at most, on either clock, and not at all
/// when work is pending.
fn dispatch_real_clock() {
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let ran = Rc::new(Cell::new(0));
    let r = ran.clone();
    lp.set_immediate(move || r.set(r.get() + 1));
    el.dispatch(Some(Duration::MAX)).unwrap();
    assert_eq!(ran.get(), 1);
    let r = ran.clone();
    lp.set_timeout(ms(1), move || r.set(r.get() + 1));
    while ran.get() < 2 {
        el.dispatch(Some(Duration::MAX)).unwrap();
    }
}

fn dispatch_manual_clock() {
    let (el, lp, manual) = manual_loop();
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    lp.set_timeout(ms(50), move || r.set(true));
    while !ran.get() {
        el.dispatch(Some(Duration::MAX)).unwrap();
    }
    assert!(manual.elapsed() >= ms(50));
}

/// As in Node, a delay past 2^31 - 1 ms is 1 ms: `Duration::MAX` fires before a 5 ms timer.
fn set_timeout_max() {
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    lp.set_timeout(ms(5), move || l.borrow_mut().push("5 ms"));
    let l = log.clone();
    lp.set_timeout(Duration::MAX, move || l.borrow_mut().push("MAX"));
    el.run().unwrap();
    assert_eq!(*log.borrow(), ["MAX", "5 ms"]);
}

/// An interval of `Duration::MAX` repeats every millisecond, as Node's.
fn set_interval_max() {
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let n = Rc::new(Cell::new(0));
    let (c, h) = (n.clone(), lp.clone());
    let id = Rc::new(Cell::new(None));
    let me = id.clone();
    let started = Instant::now();
    id.set(Some(lp.set_interval(Duration::MAX, move || {
        c.set(c.get() + 1);
        if c.get() == 3 {
            h.clear_interval(me.get().unwrap());
        }
    })));
    el.run().unwrap();
    assert_eq!(n.get(), 3);
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// A manual clock advanced by `Duration::MAX` (twice) saturates instead of wrapping back to
/// its start; timers armed before are due, and new ones can still be armed and fire.
fn manual_clock_advance_max() {
    let (clock, manual) = Clock::manual();
    let start = clock.now();
    let el = EventLoop::with_clock(clock.clone()).unwrap();
    let lp = el.handle();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    lp.set_timeout(ms(1000), move || l.borrow_mut().push("armed before"));
    manual.advance(Duration::MAX);
    manual.advance(Duration::MAX);
    assert!(clock.now() > start, "the clock wrapped");
    el.run_for(Duration::ZERO).unwrap();
    let l = log.clone();
    lp.set_timeout(ms(1), move || l.borrow_mut().push("armed after"));
    el.run().unwrap();
    assert_eq!(*log.borrow(), ["armed before", "armed after"]);
    // Time stands still there: an interval runs once per turn (never twice in one), and
    // `run_for` of any length ends.
    let n = Rc::new(Cell::new(0));
    let c = n.clone();
    let id = lp.set_interval(ms(1), move || c.set(c.get() + 1));
    for turn in 1..=3 {
        el.run_once().unwrap();
        assert_eq!(n.get(), turn);
    }
    el.run_for(ms(10)).unwrap();
    el.run_for(Duration::MAX).unwrap();
    assert_eq!(n.get(), 5);
    lp.clear_interval(id);
    el.run().unwrap();
}

type Row = (&'static str, fn());

/// Every public API with a `Duration` parameter. The next one is one row.
const ROWS: &[Row] = &[
    ("EventLoop::run_for(MAX), real clock", run_for_real_clock),
    (
        "EventLoop::run_for(MAX), manual clock",
        run_for_manual_clock,
    ),
    (
        "EventLoop::dispatch(Some(MAX)), real clock",
        dispatch_real_clock,
    ),
    (
        "EventLoop::dispatch(Some(MAX)), manual clock",
        dispatch_manual_clock,
    ),
    ("LoopHandle::set_timeout(MAX)", set_timeout_max),
    ("LoopHandle::set_interval(MAX)", set_interval_max),
    ("ManualClock::advance(MAX)", manual_clock_advance_max),
];

#[test]
fn every_duration_parameter_accepts_duration_max() {
    for &(name, row) in ROWS {
        let (tx, rx) = mpsc::channel();
        let t = std::thread::spawn(move || {
            row();
            let _ = tx.send(());
        });
        match rx.recv_timeout(Duration::from_secs(5)) {
            Ok(()) => t.join().unwrap(),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                if let Err(panic) = t.join() {
                    std::panic::resume_unwind(Box::new(format!(
                        "{name} panicked: {:?}",
                        panic
                            .downcast_ref::<String>()
                            .map(String::as_str)
                            .or_else(|| panic.downcast_ref::<&str>().copied())
                    )));
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("{name} hung"),
        }
    }
}
