//! The hot cache: the event last emitted by name, while it has exactly one listener.
//!
//! An emit by name (a typed [`Event`](crate::Event) or a `&str`) otherwise borrows the
//! table, finds the slot and clones the listener out of it. Most emitters emit one event
//! over and over (`'data'`, `'drain'`), to one listener, so the emitter keeps that event's
//! list (one shared handle, the slot's own) beside its name, outside the table: an emit
//! that matches takes the list out of the cache, calls its listener and puts it back. No
//! borrow flag and no reference count moves on that path, and the cache is one thin
//! pointer wide, so that taking it out and putting it back are single-word stores.
//!
//! Names are compared packed: up to 16 bytes into a `u128`, with the length, so that a
//! name known at compile time (every typed `Event`, every literal) is compared as one
//! constant. Longer names are not cached.
//!
//! The cache is kept honest by an epoch: every fill moves it, and so does every change to
//! the cached slot's listeners, which also lets the cached list go *before* the change, so
//! that the slot's list is not shared when it is changed (a shared list would be copied).
//! An emit in flight whose epoch moved while its listener ran drops what it took instead of
//! putting it back. A recursive emit of the cached name finds the cache empty (the outer
//! emit holds the list) and takes the lookup path, whose snapshot rule is Node's.

use std::cell::Cell;

use crate::entry::List;

/// A name packed for the cache: its bytes and its length.
pub(crate) type Packed = (u128, usize);

/// The name, packed, if it is short enough to be cached.
#[inline(always)]
pub(crate) fn pack(name: &str) -> Option<Packed> {
    let bytes = name.as_bytes();
    if bytes.len() > 16 {
        return None;
    }
    let mut word = [0u8; 16];
    word[..bytes.len()].copy_from_slice(bytes);
    Some((u128::from_le_bytes(word), bytes.len()))
}

/// The `slot` of an empty cache.
const NO_SLOT: usize = usize::MAX;

/// The one-entry cache of an emitter (see the module docs).
pub(crate) struct Hot {
    /// Moves at every change of a listener list and at every fill.
    epoch: Cell<u64>,
    /// The epoch of the last fill: the cache answers only while `epoch` has not moved.
    filled: Cell<u64>,
    /// The name last missed or cached.
    name: Cell<Packed>,
    /// Its slot while cached (or while an emit through the cache runs), else [`NO_SLOT`].
    slot: Cell<usize>,
    /// Its list, of one listener; out while an emit through the cache runs it.
    list: Cell<Option<List>>,
}

/// What an emit took out of the cache: the list, its slot, and the epoch to put it back
/// at.
pub(crate) struct Taken {
    pub(crate) list: List,
    pub(crate) slot: usize,
    epoch: u64,
}

impl Hot {
    pub(crate) fn new() -> Self {
        Hot {
            epoch: Cell::new(1),
            filled: Cell::new(0),
            // No name is this long: nothing matches until a miss records one.
            name: Cell::new((0, usize::MAX)),
            slot: Cell::new(NO_SLOT),
            list: Cell::new(None),
        }
    }

    /// Takes the listener of `name`, if the cache holds it and is current.
    #[inline(always)]
    pub(crate) fn take(&self, name: Packed) -> Option<Taken> {
        let epoch = self.epoch.get();
        if self.name.get() != name || self.filled.get() != epoch {
            return None;
        }
        let list = self.list.take()?;
        Some(Taken {
            list,
            slot: self.slot.get(),
            epoch,
        })
    }

    /// Puts back what [`take`](Hot::take) gave, unless the cache changed meanwhile.
    #[inline(always)]
    pub(crate) fn put_back(&self, taken: Taken) {
        if self.epoch.get() == taken.epoch {
            // Nothing filled the cache since `take` (a fill moves the epoch), so it is
            // empty: there is nothing to drop.
            let empty = self.list.replace(Some(taken.list));
            debug_assert!(empty.is_none());
            std::mem::forget(empty);
        }
    }

    /// The listeners of slot `slot` are about to change: if the cache holds that slot, it
    /// no longer answers and lets its list go, so that the slot's list is not shared when
    /// it changes. The slot still holds that list, so letting it go drops no listener:
    /// this may run under the table borrow. A change to another slot leaves the cached
    /// listener the only one of its event.
    #[inline]
    pub(crate) fn changing(&self, slot: usize) {
        if self.slot.get() == slot {
            self.let_go();
        }
    }

    #[cold]
    #[inline(never)]
    fn let_go(&self) {
        drop(self.invalidate());
    }

    /// The cache no longer answers; hands back its list, for the caller to drop outside the
    /// table borrow (after `remove_all_listeners` it may hold the last handle on closures).
    #[inline]
    pub(crate) fn invalidate(&self) -> Option<List> {
        self.epoch.set(self.epoch.get().wrapping_add(1));
        self.slot.set(NO_SLOT);
        self.list.take()
    }

    /// An emit of `name` (slot `slot`, whose list `list` holds one listener) missed the
    /// cache. The second miss in a row of one name caches it; a first one only records the
    /// name, so that an emitter alternating between names does not refill at every emit.
    /// Hands back the list the cache held (another slot's, which that slot still holds).
    #[inline(never)]
    pub(crate) fn missed(&self, name: Packed, slot: usize, list: &List) -> Option<List> {
        let old = self.invalidate();
        if self.name.get() != name {
            self.name.set(name);
            return old;
        }
        self.filled.set(self.epoch.get());
        self.slot.set(slot);
        self.list.set(Some(list.clone()));
        old
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emitter::EventEmitter;
    use crate::event::Event;
    use crate::testing::{logger, taken, Log};
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::rc::Rc;

    const X: Event<()> = Event::new("x");

    /// Emits `x` by both names twice, so that the cache holds its listener.
    fn warm(em: &EventEmitter) {
        for _ in 0..2 {
            em.emit(X, &());
            em.emit("x", &());
        }
    }

    /// Whether the cache holds `name`'s listener.
    fn holds(em: &EventEmitter, name: &str) -> bool {
        let hot = &em.inner.hot;
        match hot.take(pack(name).unwrap()) {
            Some(taken) => {
                hot.put_back(taken);
                true
            }
            None => false,
        }
    }

    #[test]
    fn the_cache_follows_every_change_of_the_listeners() {
        let log: Log = Rc::default();
        let em = EventEmitter::new();
        let a = em.on(X, logger(&log, "a"));
        assert!(!holds(&em, "x"));
        warm(&em);
        assert!(holds(&em, "x"));
        assert!(!holds(&em, "y"));
        em.on("y", logger(&log, "y"));
        assert!(holds(&em, "x"), "a change to another event keeps the cache");
        assert_eq!(taken(&log), ["a"; 4]);
        let b = em.on("x", logger(&log, "b"));
        assert!(!holds(&em, "x"));
        assert!(em.emit(X, &()));
        assert_eq!(taken(&log), ["a", "b"]);
        assert!(em.off(a));
        warm(&em);
        assert_eq!(taken(&log), ["b"; 4]);
        em.prepend_listener(X, logger(&log, "c"));
        assert!(em.emit("x", &()));
        assert_eq!(taken(&log), ["c", "b"]);
        em.remove_all_listeners(Some("x"));
        assert!(!em.emit(X, &()));
        assert!(!em.off(b));
        em.on(X, logger(&log, "d"));
        warm(&em);
        em.remove_all_listeners(None);
        assert!(!em.emit("x", &()));
        assert_eq!(taken(&log), ["d"; 4]);
    }

    #[test]
    fn a_removed_listener_is_dropped_at_once_though_it_was_cached() {
        let alive = Rc::new(());
        let em = EventEmitter::new();
        let held = alive.clone();
        let id = em.on(X, move |_| {
            let _ = &held;
        });
        warm(&em);
        assert_eq!(Rc::strong_count(&alive), 2);
        assert!(em.off(id));
        assert_eq!(Rc::strong_count(&alive), 1);
        assert!(!em.emit(X, &()));
    }

    #[test]
    fn recursive_emits_through_the_cache_keep_nodes_snapshots() {
        // ee.on('x', () => { log('A' + depth); depth++;
        //   if (depth === 2) ee.on('x', () => log('B'));
        //   if (depth < 4) ee.emit('x'); });
        // ee.emit('x'); ee.emit('x');
        // node: A0 A1 A2 A3 B B A4 B
        let log: Log = Rc::default();
        let em = EventEmitter::new();
        let (l, weak, depth) = (log.clone(), em.downgrade(), Rc::new(Cell::new(0)));
        let armed = Rc::new(Cell::new(false));
        let arm = armed.clone();
        em.on(X, move |_| {
            if !arm.get() {
                return;
            }
            l.borrow_mut().push(format!("A{}", depth.get()));
            depth.set(depth.get() + 1);
            let em = weak.upgrade().unwrap();
            if depth.get() == 2 {
                em.on(X, logger(&l, "B"));
            }
            if depth.get() < 4 {
                em.emit(X, &());
            }
        });
        // The first emit goes through the cache.
        warm(&em);
        armed.set(true);
        em.emit(X, &());
        em.emit(X, &());
        assert_eq!(taken(&log), ["A0", "A1", "A2", "A3", "B", "B", "A4", "B"]);
    }

    #[test]
    fn a_listener_that_removes_itself_or_emits_another_name_leaves_the_cache_right() {
        let log: Log = Rc::default();
        let em = EventEmitter::new();
        let y = em.on("y", logger(&log, "y"));
        let (l, weak) = (log.clone(), em.downgrade());
        let armed = Rc::new(Cell::new(false));
        let arm = armed.clone();
        em.on(X, move |_| {
            l.borrow_mut().push("x".into());
            if arm.get() {
                // Two emits of another name in a row: the cache takes "y" meanwhile.
                let em = weak.upgrade().unwrap();
                em.emit("y", &());
                em.emit("y", &());
            }
        });
        warm(&em);
        armed.set(true);
        assert!(em.emit(X, &()));
        armed.set(false);
        assert!(em.emit("y", &()));
        assert!(em.emit("y", &()));
        assert!(em.emit(X, &()));
        assert!(em.emit(X, &()));
        assert_eq!(
            taken(&log),
            ["x", "x", "x", "x", "x", "y", "y", "y", "y", "x", "x"]
        );
        em.off(y);
        let (l, weak, me) = (log.clone(), em.downgrade(), Rc::new(Cell::new(None)));
        let m = me.clone();
        me.set(Some(em.on("z", move |_: &()| {
            l.borrow_mut().push("z".into());
            weak.upgrade().unwrap().off(m.get().unwrap());
        })));
        em.emit("z", &());
        assert!(!em.emit("z", &()));
        assert!(!em.emit("z", &()));
        assert_eq!(taken(&log), ["z"]);
    }

    #[test]
    fn names_that_pack_alike_or_do_not_pack_stay_apart() {
        let log: Log = Rc::default();
        let em = EventEmitter::new();
        let long = "a name longer than sixteen bytes";
        for name in ["ab", "ba", "x", "x\0", long] {
            em.on(name, logger(&log, name));
        }
        for _ in 0..2 {
            for name in ["ab", "ab", "ba", "ba", "x", "x", "x\0", "x\0", long, long] {
                assert!(em.emit(name, &()));
            }
        }
        let want: Vec<&str> =
            ["ab", "ab", "ba", "ba", "x", "x", "x\0", "x\0", long, long].repeat(2);
        assert_eq!(taken(&log), want);
    }

    #[test]
    fn a_cached_listener_of_another_type_is_skipped_and_a_panic_leaves_it_usable() {
        let log: Log = Rc::default();
        let em = EventEmitter::new();
        let l = log.clone();
        em.once("x", move |n: &u8| l.borrow_mut().push(format!("once {n}")));
        for _ in 0..3 {
            assert!(!em.emit("x", &()));
        }
        assert!(em.emit("x", &7u8));
        assert!(!em.emit("x", &7u8));
        assert_eq!(taken(&log), ["once 7"]);
        let fail = Rc::new(Cell::new(true));
        let (f, l) = (fail.clone(), log.clone());
        em.on(X, move |_| {
            assert!(!f.get(), "listener failed");
            l.borrow_mut().push("ok".into());
        });
        fail.set(false);
        warm(&em);
        fail.set(true);
        let r = catch_unwind(AssertUnwindSafe(|| em.emit(X, &())));
        assert!(r.is_err());
        fail.set(false);
        warm(&em);
        assert_eq!(taken(&log), ["ok"; 8]);
    }

    #[test]
    fn names_pack_with_their_length() {
        assert_eq!(pack("x"), Some((u128::from(b'x'), 1)));
        assert_ne!(pack("x"), pack("x\0"));
        assert_ne!(pack("ab"), pack("ba"));
        assert_eq!(pack(""), Some((0, 0)));
        assert!(pack("sixteen bytes ok").is_some());
        assert_eq!(pack("seventeen bytes!!"), None);
    }
}
