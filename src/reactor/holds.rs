//! Streams the loop keeps alive while they have a request in flight.
//!
//! A stream's shared state (its sink, its fd core) belongs to the stream, so a completion
//! token kept there for later (the callback of a write the kernel has not taken yet, of a
//! file operation on the pool, of a connect) must not own the stream: that would be a cycle
//! that nothing breaks when the loop goes away or the stream is never destroyed. The state
//! keeps the token weakly, and the loop holds the stream here until the token is taken
//! back, as libuv's active requests keep their handle alive: a write in flight finishes
//! even when its user has let go of every handle. Dropping the
//! [`EventLoop`](crate::EventLoop) drops every hold.
//!
//! Ids carry a serial number, so releasing a stale id never reaches a reused slot.

use std::any::Any;
use std::rc::Rc;

use slab::Slab;

/// Names a hold made by [`LoopHandle::hold`](crate::LoopHandle::hold).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HoldId {
    key: usize,
    serial: u64,
}

/// The loop's holds: each keeps one value alive.
pub(crate) struct Holds {
    slab: Slab<(u64, Rc<dyn Any>)>,
    next_serial: u64,
}

impl Holds {
    pub(crate) fn new() -> Holds {
        Holds {
            slab: Slab::new(),
            next_serial: 0,
        }
    }

    pub(crate) fn insert(&mut self, value: Rc<dyn Any>) -> HoldId {
        let serial = self.next_serial;
        self.next_serial += 1;
        let key = self.slab.insert((serial, value));
        HoldId { key, serial }
    }

    /// Ends a hold; gives its value back (to be dropped by the caller, outside any borrow).
    pub(crate) fn remove(&mut self, id: HoldId) -> Option<Rc<dyn Any>> {
        match self.slab.get(id.key) {
            Some((serial, _)) if *serial == id.serial => Some(self.slab.remove(id.key).1),
            _ => None,
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slab.len()
    }

    /// Ends every hold (the values to be dropped by the caller, outside any borrow).
    pub(crate) fn take_all(&mut self) -> Vec<Rc<dyn Any>> {
        self.slab.drain().map(|(_, v)| v).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_id_releases_nothing() {
        let mut holds = Holds::new();
        let a = holds.insert(Rc::new(1u8));
        assert!(holds.remove(a).is_some());
        let b = holds.insert(Rc::new(2u8));
        assert_eq!(a.key, b.key);
        assert!(
            holds.remove(a).is_none(),
            "a stale id reached the reused slot"
        );
        assert_eq!(holds.len(), 1);
        assert_eq!(holds.take_all().len(), 1);
        assert!(holds.remove(b).is_none());
    }

    #[test]
    fn a_dropped_loop_ends_its_holds_and_takes_no_new_one() {
        let el = crate::EventLoop::new().unwrap();
        let lp = el.handle();
        let value = Rc::new(());
        let id = lp.hold(value.clone()).unwrap();
        assert_eq!(lp.holds(), 1);
        lp.release(id);
        lp.release(id);
        assert_eq!((lp.holds(), Rc::strong_count(&value)), (0, 1));
        lp.hold(value.clone()).unwrap();
        assert_eq!(Rc::strong_count(&value), 2);
        drop(el);
        assert_eq!((lp.holds(), Rc::strong_count(&value)), (0, 1));
        assert!(lp.hold(value.clone()).is_none());
        assert_eq!(
            Rc::strong_count(&value),
            1,
            "a hold was taken after the loop went"
        );
    }
}
