//! The drain rule as a property: the "write until `false`, wait for `'drain'`" loop against
//! a sink that completes on an immediate gives `floor(N / k)` drains with
//! `k = max(1, ceil(HWM / C))` chunks per burst (node-semantics C; node's own runs of this
//! loop are the w41/x08 conformance scenarios), the sink sees every byte in order, and a
//! synchronous sink never returns `false` for chunks below the mark.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use nodestream::events::DRAIN;
use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
use nodestream::{EventLoop, LoopHandle};
use proptest::prelude::*;

struct Slow {
    lp: LoopHandle,
    seen: Rc<RefCell<Vec<u8>>>,
    sync: bool,
}

impl Sink for Slow {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.seen.borrow_mut().extend_from_slice(chunk.as_bytes());
        if self.sync {
            cb.ok();
        } else {
            self.lp.set_immediate(move || cb.ok());
        }
    }
}

struct Outcome {
    drains: usize,
    falses: usize,
    seen: Vec<u8>,
}

fn drain_loop(n: usize, c: usize, hwm: usize, sync: bool) -> Outcome {
    let lp = EventLoop::new().unwrap();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let w = Writable::new(
        &lp.handle(),
        Slow {
            lp: lp.handle(),
            seen: seen.clone(),
            sync,
        },
        WritableOptions::new().high_water_mark(hwm),
    );
    let drains = Rc::new(Cell::new(0));
    let d = drains.clone();
    w.on(DRAIN, move |_| d.set(d.get() + 1));
    let falses = Rc::new(Cell::new(0));
    let next = Rc::new(Cell::new(0usize));

    fn pump(w: Writable, n: usize, c: usize, next: Rc<Cell<usize>>, falses: Rc<Cell<usize>>) {
        loop {
            let i = next.get();
            if i == n {
                return;
            }
            next.set(i + 1);
            // Chunk i is c copies of the byte i % 251, so order is checkable.
            let ok = w.write(vec![(i % 251) as u8; c]);
            if !ok {
                falses.set(falses.get() + 1);
                if i + 1 < n {
                    let w2 = w.clone();
                    let (next, falses) = (next.clone(), falses.clone());
                    w.once(DRAIN, move |_| {
                        pump(w2.clone(), n, c, next.clone(), falses.clone())
                    });
                }
                return;
            }
        }
    }
    pump(w.clone(), n, c, next, falses.clone());
    lp.run().unwrap();
    assert_eq!(w.writable_length(), 0);
    let seen = seen.borrow().clone();
    Outcome {
        drains: drains.get(),
        falses: falses.get(),
        seen,
    }
}

fn expected_bytes(n: usize, c: usize) -> Vec<u8> {
    (0..n).flat_map(|i| vec![(i % 251) as u8; c]).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn async_sink_drains_floor_n_over_k(n in 1usize..300, c in 1usize..40, hwm in 0usize..200) {
        let out = drain_loop(n, c, hwm, false);
        let k = hwm.div_ceil(c).max(1);
        prop_assert_eq!(out.drains, n / k, "n={} c={} hwm={}", n, c, hwm);
        prop_assert_eq!(out.falses, n / k);
        prop_assert_eq!(out.seen, expected_bytes(n, c));
    }

    #[test]
    fn sync_sink_never_says_false(n in 1usize..300, c in 1usize..40, hwm in 0usize..200) {
        let out = drain_loop(n, c, hwm, true);
        prop_assert_eq!(out.drains, 0);
        prop_assert_eq!(out.falses, 0);
        prop_assert_eq!(out.seen, expected_bytes(n, c));
    }
}

#[test]
fn node_measured_cases() {
    // node-semantics C: N=1000,C=100,H=1024 -> 90; N=96,C=1024 -> 6; N=97,C=1024 -> 6.
    assert_eq!(drain_loop(1000, 100, 1024, false).drains, 90);
    assert_eq!(drain_loop(96, 1024, 16384, false).drains, 6);
    assert_eq!(drain_loop(97, 1024, 16384, false).drains, 6);
    assert_eq!(drain_loop(10, 20000, 16384, false).drains, 10);
}
