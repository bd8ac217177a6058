//! Phase-ordering rules, each checked against Node v20. Every test names the script it
//! mirrors and what `node` printed for it. Time-sensitive rules run on a manual clock.

mod support;

use std::cell::RefCell;
use std::io::{Read, Write};
use std::rc::Rc;
use std::time::Duration;

use nodestream::{EventLoop, LoopHandle, PostAction};
use support::{event_loop, manual_loop, ms, Log};

/// Runs `f` from inside an I/O callback: a pipe's readable callback.
fn from_io_callback(lp: &EventLoop, f: impl FnOnce() + 'static) {
    let h = lp.handle();
    let (mut tx, rx) = mio::unix::pipe::new().unwrap();
    let rx = Rc::new(RefCell::new(rx));
    let id = Rc::new(RefCell::new(None));
    let mut f = Some(f);
    let (rx2, id2, h2) = (rx.clone(), id.clone(), h.clone());
    let sid = h
        .register(&mut *rx.borrow_mut(), mio::Interest::READABLE, move |_| {
            let mut buf = [0u8; 8];
            let _ = rx2.borrow_mut().read(&mut buf);
            h2.deregister(id2.borrow().unwrap(), &mut *rx2.borrow_mut())
                .unwrap();
            if let Some(f) = f.take() {
                f();
            }
            PostAction::Continue
        })
        .unwrap();
    *id.borrow_mut() = Some(sid);
    tx.write_all(b"x").unwrap();
}

// io_imm.js:
//   fs.readFile(__filename, () => {
//     setTimeout(() => console.log('timeout'), 0);
//     setImmediate(() => console.log('immediate'));
//     process.nextTick(() => console.log('tick'));
//   });
// node printed: tick immediate timeout
#[test]
fn in_an_io_callback_immediate_runs_before_a_zero_timeout() {
    let (lp, h) = event_loop();
    let log = Log::default();
    let l = log.clone();
    from_io_callback(&lp, move || {
        h.set_timeout(Duration::ZERO, l.rec("timeout"));
        h.set_immediate(l.rec("immediate"));
        h.next_tick(l.rec("tick"));
    });
    lp.run().unwrap();
    assert_eq!(log.get(), ["tick", "immediate", "timeout"]);
}

// timer_ticks.js:
//   setTimeout(() => { console.log('A'); process.nextTick(() => console.log('tickA')); }, 0);
//   setTimeout(() => { console.log('B'); }, 0);
// node printed: A tickA B
#[test]
fn ticks_drain_between_two_due_timers() {
    let (lp, h, _clock) = manual_loop();
    let log = Log::default();
    let (l, h2) = (log.clone(), h.clone());
    h.set_timeout(Duration::ZERO, move || {
        l.push("A");
        h2.next_tick(l.rec("tickA"));
    });
    h.set_timeout(Duration::ZERO, log.rec("B"));
    lp.run().unwrap();
    assert_eq!(log.get(), ["A", "tickA", "B"]);
}

// imm_ticks.js:
//   setImmediate(() => { console.log('A');
//     process.nextTick(() => { console.log('tickA');
//       process.nextTick(() => console.log('tickA2')); });
//     setImmediate(() => console.log('C')); });
//   setImmediate(() => { console.log('B'); });
// node printed: A tickA tickA2 B C
#[test]
fn ticks_drain_fully_between_immediates_and_new_immediates_wait_a_turn() {
    let (lp, h) = event_loop();
    let log = Log::default();
    let (l, h2) = (log.clone(), h.clone());
    h.set_immediate(move || {
        l.push("A");
        let (l2, h3) = (l.clone(), h2.clone());
        h2.next_tick(move || {
            l2.push("tickA");
            h3.next_tick(l2.rec("tickA2"));
        });
        h2.set_immediate(l.rec("C"));
    });
    h.set_immediate(log.rec("B"));
    lp.run().unwrap();
    assert_eq!(log.get(), ["A", "tickA", "tickA2", "B", "C"]);
}

#[test]
fn an_immediate_queued_in_the_check_phase_waits_for_the_next_turn() {
    // Same rule as above, seen from the turn count: one run_once runs A and B only.
    let (lp, h) = event_loop();
    let log = Log::default();
    let (l, h2) = (log.clone(), h.clone());
    h.set_immediate(move || {
        l.push("A");
        h2.set_immediate(l.rec("C"));
    });
    h.set_immediate(log.rec("B"));
    assert!(lp.run_once().unwrap());
    assert_eq!(log.get(), ["A", "B"]);
    assert!(!lp.run_once().unwrap());
    assert_eq!(log.get(), ["A", "B", "C"]);
}

// ticks_before_imm.js:
//   setImmediate(() => console.log('immediate'));
//   let n = 0; function t() { if (++n <= 3) { console.log('tick', n); process.nextTick(t); } }
//   process.nextTick(t);
// node printed: tick 1 tick 2 tick 3 immediate
#[test]
fn ticks_queued_while_draining_run_before_the_loop_moves_on() {
    let (lp, h) = event_loop();
    let log = Log::default();
    h.set_immediate(log.rec("immediate"));
    fn t(h: LoopHandle, log: Log, n: usize) {
        const NAMES: [&str; 3] = ["tick 1", "tick 2", "tick 3"];
        if n < 3 {
            log.push(NAMES[n]);
            let h2 = h.clone();
            h.next_tick(move || t(h2, log, n + 1));
        }
    }
    let (h2, l) = (h.clone(), log.clone());
    h.next_tick(move || t(h2, l, 0));
    lp.run().unwrap();
    assert_eq!(log.get(), ["tick 1", "tick 2", "tick 3", "immediate"]);
}

// timer_in_timer.js:
//   setTimeout(() => { console.log('A'); setTimeout(() => console.log('C'), 0);
//     setImmediate(() => console.log('I')); }, 0);
//   setTimeout(() => console.log('B'), 0);
// node printed: A B I C
#[test]
fn a_timer_armed_in_the_timers_phase_waits_for_a_later_turn() {
    let (lp, h, _clock) = manual_loop();
    let log = Log::default();
    let (l, h2) = (log.clone(), h.clone());
    h.set_timeout(Duration::ZERO, move || {
        l.push("A");
        h2.set_timeout(Duration::ZERO, l.rec("C"));
        h2.set_immediate(l.rec("I"));
    });
    h.set_timeout(Duration::ZERO, log.rec("B"));
    lp.run().unwrap();
    assert_eq!(log.get(), ["A", "B", "I", "C"]);
}

// equal.js:
//   setTimeout(() => console.log('a10'), 10); setTimeout(() => console.log('b5'), 5);
//   setTimeout(() => console.log('c5'), 5);   setTimeout(() => console.log('d10'), 10);
// node printed: b5 c5 a10 d10
#[test]
fn equal_deadlines_fire_in_arming_order() {
    let (lp, h, clock) = manual_loop();
    let log = Log::default();
    h.set_timeout(ms(10), log.rec("a10"));
    h.set_timeout(ms(5), log.rec("b5"));
    h.set_timeout(ms(5), log.rec("c5"));
    h.set_timeout(ms(10), log.rec("d10"));
    lp.run().unwrap();
    assert_eq!(log.get(), ["b5", "c5", "a10", "d10"]);
    assert_eq!(clock.elapsed(), ms(10));
}

#[test]
fn manual_clock_steps_fire_exactly_the_due_timers() {
    let (lp, h, clock) = manual_loop();
    let log = Log::default();
    h.set_timeout(ms(3), log.rec("3"));
    h.set_timeout(ms(1), log.rec("1"));
    h.set_timeout(ms(2), log.rec("2"));
    lp.dispatch(Some(Duration::ZERO)).unwrap();
    assert!(log.get().is_empty());
    clock.advance(ms(1));
    lp.dispatch(Some(Duration::ZERO)).unwrap();
    assert_eq!(log.get(), ["1"]);
    clock.advance(Duration::from_micros(999));
    lp.dispatch(Some(Duration::ZERO)).unwrap();
    assert_eq!(log.get(), ["1"], "millisecond resolution: 1.999 ms is 1 ms");
    clock.advance(ms(5));
    lp.dispatch(Some(Duration::ZERO)).unwrap();
    assert_eq!(log.get(), ["1", "2", "3"]);
    assert_eq!(lp.next_deadline(), None);
}

// cancel_due.js:
//   let b; setTimeout(() => { console.log('a'); clearTimeout(b); }, 1);
//   b = setTimeout(() => console.log('b'), 1); setTimeout(() => console.log('c'), 1);
// node printed: a c
#[test]
fn a_timer_cancels_another_due_timer() {
    let (lp, h, _clock) = manual_loop();
    let log = Log::default();
    let b = Rc::new(RefCell::new(None));
    let (l, h2, b2) = (log.clone(), h.clone(), b.clone());
    h.set_timeout(ms(1), move || {
        l.push("a");
        assert!(h2.clear_timeout(b2.borrow().unwrap()));
    });
    *b.borrow_mut() = Some(h.set_timeout(ms(1), log.rec("b")));
    h.set_timeout(ms(1), log.rec("c"));
    lp.run().unwrap();
    assert_eq!(log.get(), ["a", "c"]);
}

// clear_self.js:
//   let t; t = setTimeout(() => { console.log('self', clearTimeout(t));
//     setTimeout(() => console.log('after'), 1); }, 1);
// node printed: self undefined after   (clearing a firing timeout is a no-op)
#[test]
fn a_timeout_that_clears_itself_and_arms_another() {
    let (lp, h, _clock) = manual_loop();
    let log = Log::default();
    let id = Rc::new(RefCell::new(None));
    let (l, h2, id2) = (log.clone(), h.clone(), id.clone());
    *id.borrow_mut() = Some(h.set_timeout(ms(1), move || {
        l.push("self");
        assert!(!h2.clear_timeout(id2.borrow().unwrap()));
        h2.set_timeout(ms(1), l.rec("after"));
    }));
    lp.run().unwrap();
    assert_eq!(log.get(), ["self", "after"]);
}

// interval.js:
//   let n = 0; const i = setInterval(() => { n++; console.log('tick', n);
//     if (n === 3) clearInterval(i); }, 1);
// node printed: tick 1 tick 2 tick 3
#[test]
fn an_interval_that_clears_itself_on_the_third_run() {
    let (lp, h, clock) = manual_loop();
    let count = Rc::new(RefCell::new(0));
    let id = Rc::new(RefCell::new(None));
    let (c, h2, id2) = (count.clone(), h.clone(), id.clone());
    *id.borrow_mut() = Some(h.set_interval(ms(1), move || {
        *c.borrow_mut() += 1;
        if *c.borrow() == 3 {
            assert!(h2.clear_interval(id2.borrow().unwrap()));
        }
    }));
    lp.run().unwrap();
    assert_eq!(*count.borrow(), 3);
    assert_eq!(clock.elapsed(), ms(3));
    assert!(!h.timer_is_active(id.borrow().unwrap()));
}

#[test]
fn timers_that_cancel_each_other_in_one_phase() {
    // Two due timers each try to cancel the other: the first to run wins.
    let (lp, h, _clock) = manual_loop();
    let log = Log::default();
    let ids = Rc::new(RefCell::new(Vec::new()));
    for (name, other) in [("x", 1), ("y", 0)] {
        let (l, h2, ids2) = (log.clone(), h.clone(), ids.clone());
        let id = h.set_timeout(ms(2), move || {
            l.push(name);
            let other_id = ids2.borrow()[other];
            assert!(h2.clear_timeout(other_id));
        });
        ids.borrow_mut().push(id);
    }
    // An interval cancelled by a due timer before its own (equal) deadline never runs.
    let iv = h.set_interval(ms(2), log.rec("interval"));
    let h2 = h.clone();
    h.set_timeout(ms(1), move || assert!(h2.clear_interval(iv)));
    lp.run().unwrap();
    assert_eq!(log.get(), ["x"]);
}

// clear_imm_in_phase.js:
//   let b; setImmediate(() => { console.log('a'); clearImmediate(b); });
//   b = setImmediate(() => console.log('b')); setImmediate(() => console.log('c'));
// node printed: a c
#[test]
fn clearing_an_immediate_later_in_the_same_check_phase() {
    let (lp, h) = event_loop();
    let log = Log::default();
    let b = Rc::new(RefCell::new(None));
    let (l, h2, b2) = (log.clone(), h.clone(), b.clone());
    h.set_immediate(move || {
        l.push("a");
        assert!(h2.clear_immediate(b2.borrow().unwrap()));
    });
    *b.borrow_mut() = Some(h.set_immediate(log.rec("b")));
    h.set_immediate(log.rec("c"));
    lp.run().unwrap();
    assert_eq!(log.get(), ["a", "c"]);
}

// close2.js (a connected socket, inside its connect callback):
//   sock.on('close', () => console.log('close')); sock.destroy();
//   setTimeout(() => console.log('timeout'), 0);
//   setImmediate(() => { console.log('immediate'); setImmediate(() => console.log('immediate2')); });
//   process.nextTick(() => console.log('tick'));
// node printed: tick immediate close timeout immediate2
// (close callbacks run after the check phase; timeout and immediate2 are the next turn, by
// which node's real clock had moved past the 1 ms deadline: the test moves the manual
// clock by 1 ms to match.)
#[test]
fn close_callbacks_run_after_the_check_phase() {
    let (lp, h, clock) = manual_loop();
    let log = Log::default();
    let l = log.clone();
    from_io_callback(&lp, move || {
        h.on_close(l.rec("close"));
        h.set_timeout(Duration::ZERO, l.rec("timeout"));
        let (l2, h2) = (l.clone(), h.clone());
        h.set_immediate(move || {
            l2.push("immediate");
            h2.set_immediate(l2.rec("immediate2"));
        });
        h.next_tick(l.rec("tick"));
    });
    assert!(lp.run_once().unwrap());
    assert_eq!(log.get(), ["tick", "immediate", "close"]);
    clock.advance(ms(1));
    lp.run().unwrap();
    assert_eq!(
        log.get(),
        ["tick", "immediate", "close", "timeout", "immediate2"]
    );
}

#[test]
fn posted_closures_run_in_the_poll_phase_before_the_check_phase() {
    let (lp, h) = event_loop();
    let log = Log::default();
    // Closures posted by other threads cannot capture the Rc log, so they record through
    // a channel and the loop side reads it back in order.
    let (tx, rx) = std::sync::mpsc::channel();
    let remote = lp.remote();
    for i in 0..3 {
        let tx = tx.clone();
        remote.post(move || tx.send(i).unwrap()).ok().unwrap();
    }
    let (l, h2) = (log.clone(), h.clone());
    h.set_immediate(move || {
        let got: Vec<i32> = rx.try_iter().collect();
        assert_eq!(got, [0, 1, 2]);
        l.push("immediate after the posts");
        h2.next_tick(l.rec("tick"));
    });
    lp.run().unwrap();
    assert_eq!(log.get(), ["immediate after the posts", "tick"]);
}
