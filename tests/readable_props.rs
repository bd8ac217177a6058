//! Property tests of the Readable against the classic stream contract: whatever the
//! interleaving of pushes, reads, pauses and resumes, every pushed byte comes out once and
//! in order, `'end'` comes at most once and after the last `'data'`, and `'close'` comes
//! after `'end'`. (A stream flowing with no `'data'` listener drops its data, as in Node,
//! so without one the test only reads.)

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use nodestream::stream::readable::{Chunk, ReadableOptions};
use proptest::prelude::*;
use support::{event_loop, passive};

#[derive(Clone, Debug)]
enum Op {
    Push(Vec<u8>),
    Read(Option<usize>),
    Pause,
    Resume,
    Turn,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Op::Push),
        2 => proptest::option::of(0usize..50).prop_map(Op::Read),
        1 => Just(Op::Pause),
        1 => Just(Op::Resume),
        2 => Just(Op::Turn),
    ]
}

proptest! {
    #[test]
    fn every_byte_once_in_order_then_end_then_close(
        ops in proptest::collection::vec(op(), 0..60),
        hwm in 0usize..64,
        listen_data in any::<bool>(),
    ) {
        let (el, lp) = event_loop();
        let r = passive(&lp, ReadableOptions::default().high_water_mark(hwm));
        let events = Rc::new(RefCell::new(Vec::<String>::new()));
        let out = Rc::new(RefCell::new(Vec::<u8>::new()));
        if listen_data {
            let (e, o) = (events.clone(), out.clone());
            r.on("data", move |c: &Chunk| {
                o.borrow_mut().extend_from_slice(c.as_bytes().unwrap());
                e.borrow_mut().push("data".into());
            });
        }
        for ev in ["end", "close"] {
            let e = events.clone();
            r.on(ev, move |_: &()| e.borrow_mut().push(ev.into()));
        }
        let mut pushed = Vec::new();
        let mut read_back = Vec::new();
        for op in ops {
            match op {
                Op::Push(b) => {
                    pushed.extend_from_slice(&b);
                    r.push(b);
                }
                Op::Read(n) => {
                    let got = match n {
                        None => r.read(),
                        Some(n) => r.read_size(n).unwrap(),
                    };
                    if let (Some(c), false) = (got, listen_data) {
                        read_back.extend_from_slice(c.as_bytes().unwrap());
                    }
                }
                Op::Pause => {
                    r.pause();
                }
                // Flowing with no 'data' listener drops the data, as in Node.
                Op::Resume if !listen_data => {}
                Op::Resume => {
                    r.resume();
                }
                Op::Turn => el.run().unwrap(),
            }
        }
        r.push(None);
        if listen_data {
            r.resume();
        }
        el.run().unwrap();
        // Drain what a paused stream still holds.
        while let Some(c) = r.read() {
            if !listen_data {
                read_back.extend_from_slice(c.as_bytes().unwrap());
            }
        }
        el.run().unwrap();
        let got = if listen_data { out.borrow().clone() } else { read_back };
        prop_assert_eq!(got, pushed);
        let ev = events.borrow();
        let ends = ev.iter().filter(|e| *e == "end").count();
        prop_assert_eq!(ends, 1, "events: {:?}", ev);
        let end_at = ev.iter().position(|e| e == "end").unwrap();
        prop_assert!(ev[end_at + 1..].iter().all(|e| e == "close"), "events: {:?}", ev);
        prop_assert_eq!(ev.last().map(String::as_str), Some("close"));
        prop_assert!(r.readable_ended() && r.closed());
    }
}
