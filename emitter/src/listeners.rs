//! Per-event listener lists, their entries, and listener ids.
//!
//! An emitter keeps a [`Table`] of slots, one per event name it has ever seen. Slots are
//! never removed, only emptied, so a slot index stays valid for the emitter's life; that is
//! what lets an [`EventKey`](crate::EventKey) skip the name lookup.
//!
//! Each slot holds its listeners as a copy-on-write `Rc<Vec<..>>`. An emit clones the `Rc`
//! (a reference-count bump, no allocation), drops the table borrow and walks its snapshot;
//! a change made while a snapshot is out goes through [`Rc::make_mut`], so the running emit
//! keeps the list it started with (Node's snapshot rule).
//!
//! Each listener is one allocation: an [`Entry`] header followed by the type-erased closure.

use std::any::{Any, TypeId};
use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

/// Names one registration of a listener on one emitter.
///
/// Returned by [`EventEmitter::on`](crate::EventEmitter::on) and its siblings, and passed to
/// [`EventEmitter::off`](crate::EventEmitter::off). Every registration gets a fresh id, so
/// registering the same closure twice gives two ids, and removing one removes only that
/// registration. An id that was removed already, or that belongs to another emitter, is
/// stale: `off` returns `false` and changes nothing.
///
/// # Node compatibility
///
/// Node removes by function identity (the most recently added match). Rust closures have no
/// identity, so removal is by id, which names exactly one registration.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId {
    emitter: u64,
    serial: u64,
    slot: u32,
}

impl ListenerId {
    pub(crate) fn new(emitter: u64, slot: usize, serial: u64) -> Self {
        ListenerId {
            emitter,
            serial,
            slot: slot as u32,
        }
    }

    pub(crate) fn emitter(self) -> u64 {
        self.emitter
    }

    pub(crate) fn slot(self) -> usize {
        self.slot as usize
    }

    pub(crate) fn serial(self) -> u64 {
        self.serial
    }
}

impl fmt::Debug for ListenerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ListenerId(emitter {}, slot {}, #{})",
            self.emitter, self.slot, self.serial
        )
    }
}

/// One registered listener: a header, then the closure (unsized when erased).
pub(crate) struct Entry<F: ?Sized> {
    /// The registration's serial (unique within its emitter).
    pub(crate) serial: u64,
    /// The payload type the listener takes.
    pub(crate) type_id: TypeId,
    /// Its name, for the mismatch log line.
    pub(crate) type_name: &'static str,
    /// Registered with `once`/`prepend_once_listener`.
    pub(crate) once: bool,
    /// A `once` entry that has fired; shared by every snapshot that holds the entry.
    pub(crate) fired: Cell<bool>,
    /// The closure: downcasts the payload and calls the user's listener.
    pub(crate) call: F,
}

/// A listener with its closure erased.
pub(crate) type Listener = Entry<dyn Fn(&dyn Any)>;

/// A shared handle to one listener.
pub(crate) type ListenerRc = Rc<Listener>;

/// One event's listeners, copy-on-write.
pub(crate) type List = Rc<Vec<ListenerRc>>;

/// Wraps a typed listener into one type-erased allocation.
pub(crate) fn entry<T: 'static, F: Fn(&T) + 'static>(serial: u64, once: bool, f: F) -> ListenerRc {
    Rc::new(Entry {
        serial,
        type_id: TypeId::of::<T>(),
        type_name: std::any::type_name::<T>(),
        once,
        fired: Cell::new(false),
        call: move |payload: &dyn Any| {
            // The emitter checks `type_id` before calling, so this always matches.
            if let Some(payload) = payload.downcast_ref::<T>() {
                f(payload)
            }
        },
    })
}

/// One event name's slot. Never removed from the table, only emptied.
pub(crate) struct Slot {
    pub(crate) name: Rc<str>,
    pub(crate) list: List,
    /// Insertion-order stamp, given each time the list goes from empty to non-empty
    /// (Node's object-key order: a name re-added after it emptied goes to the end).
    pub(crate) stamp: u64,
    /// The max-listeners warning was logged for this name.
    pub(crate) warned: bool,
}

/// The well-known slots the emitter checks on its own paths.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct WellKnown {
    pub(crate) new_listener: Option<usize>,
    pub(crate) remove_listener: Option<usize>,
    pub(crate) error: Option<usize>,
    pub(crate) error_monitor: Option<usize>,
}

/// Every slot of one emitter, and the name index.
#[derive(Default)]
pub(crate) struct Table {
    pub(crate) slots: Vec<Slot>,
    by_name: HashMap<Rc<str>, usize, BuildHasherDefault<FxHasher>>,
    next_stamp: u64,
    pub(crate) well_known: WellKnown,
}

impl Table {
    /// The slot of `name`, if the emitter has seen it.
    #[inline]
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The slot of `name`, made if it is new.
    pub(crate) fn find_or_insert(&mut self, name: &str) -> usize {
        if let Some(i) = self.find(name) {
            return i;
        }
        let i = self.slots.len();
        let name: Rc<str> = Rc::from(name);
        match &*name {
            crate::names::NEW_LISTENER => self.well_known.new_listener = Some(i),
            crate::names::REMOVE_LISTENER => self.well_known.remove_listener = Some(i),
            crate::names::ERROR => self.well_known.error = Some(i),
            crate::names::ERROR_MONITOR => self.well_known.error_monitor = Some(i),
            _ => {}
        }
        self.by_name.insert(name.clone(), i);
        self.slots.push(Slot {
            name,
            list: Rc::new(Vec::new()),
            stamp: 0,
            warned: false,
        });
        i
    }

    /// Whether the slot `i` (if any) has listeners.
    #[inline]
    pub(crate) fn has_listeners(&self, i: Option<usize>) -> bool {
        match i {
            Some(i) => !self.slots[i].list.is_empty(),
            None => false,
        }
    }

    /// Adds `entry` to slot `i` (at the front if `prepend`); returns the new count.
    pub(crate) fn insert(&mut self, i: usize, entry: ListenerRc, prepend: bool) -> usize {
        let slot = &mut self.slots[i];
        if slot.list.is_empty() {
            slot.stamp = self.next_stamp;
            self.next_stamp += 1;
        }
        let list = Rc::make_mut(&mut slot.list);
        if prepend {
            list.insert(0, entry);
        } else {
            list.push(entry);
        }
        list.len()
    }

    /// Removes the registration `serial` from slot `i`, scanning from the end.
    ///
    /// The caller drops the returned entry after it lets go of the table, since dropping a
    /// closure runs user code (its captures' destructors).
    pub(crate) fn remove(&mut self, i: usize, serial: u64) -> Option<ListenerRc> {
        let slot = self.slots.get_mut(i)?;
        let pos = slot.list.iter().rposition(|e| e.serial == serial)?;
        let removed = Rc::make_mut(&mut slot.list).remove(pos);
        if slot.list.len() <= 1 {
            // Node keeps the warned flag on the listener array, which goes away when one
            // listener or none is left: the warning can come again after that.
            slot.warned = false;
        }
        Some(removed)
    }

    /// Names of the events that have listeners, in Node's key order.
    pub(crate) fn names(&self) -> Vec<Rc<str>> {
        let mut live: Vec<&Slot> = self.slots.iter().filter(|s| !s.list.is_empty()).collect();
        live.sort_by_key(|s| s.stamp);
        live.into_iter().map(|s| s.name.clone()).collect()
    }
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut live: Vec<&Slot> = self.slots.iter().filter(|s| !s.list.is_empty()).collect();
        live.sort_by_key(|s| s.stamp);
        f.debug_map()
            .entries(live.iter().map(|s| (&*s.name, s.list.len())))
            .finish()
    }
}

/// The Fx hash (rustc's): fast for short keys such as event names. Names come from the
/// program, not from a peer, so flooding resistance is not needed here.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noop(serial: u64) -> ListenerRc {
        entry::<u32, _>(serial, false, |_| {})
    }

    #[test]
    fn slots_are_stable_and_names_follow_first_non_empty_order() {
        let mut t = Table::default();
        let b = t.find_or_insert("b");
        let a = t.find_or_insert("a");
        assert_eq!(t.find_or_insert("b"), b);
        assert_eq!(t.find("zzz"), None);
        // No listeners yet: no names.
        assert!(t.names().is_empty());
        t.insert(a, noop(1), false);
        t.insert(b, noop(2), false);
        assert_eq!(t.names(), vec![Rc::from("a"), Rc::from("b")]);
        // `a` empties then comes back: it moves to the end, and keeps its slot index.
        assert!(t.remove(a, 1).is_some());
        assert_eq!(t.names(), vec![Rc::from("b")]);
        t.insert(a, noop(3), false);
        assert_eq!(t.find("a"), Some(a));
        assert_eq!(t.names(), vec![Rc::from("b"), Rc::from("a")]);
    }

    #[test]
    fn remove_takes_the_given_serial_only_and_stale_serials_miss() {
        let mut t = Table::default();
        let x = t.find_or_insert("x");
        t.insert(x, noop(1), false);
        t.insert(x, noop(2), false);
        t.insert(x, noop(0), true);
        let order: Vec<u64> = t.slots[x].list.iter().map(|e| e.serial).collect();
        assert_eq!(order, vec![0, 1, 2]);
        assert_eq!(t.remove(x, 1).map(|e| e.serial), Some(1));
        assert!(t.remove(x, 1).is_none());
        assert!(t.remove(99, 1).is_none());
        let order: Vec<u64> = t.slots[x].list.iter().map(|e| e.serial).collect();
        assert_eq!(order, vec![0, 2]);
    }

    #[test]
    fn a_snapshot_keeps_its_list_while_the_table_changes() {
        let mut t = Table::default();
        let x = t.find_or_insert("x");
        t.insert(x, noop(1), false);
        let snapshot = t.slots[x].list.clone();
        t.insert(x, noop(2), false);
        assert!(t.remove(x, 1).is_some());
        assert_eq!(snapshot.len(), 1);
        assert_eq!(snapshot[0].serial, 1);
        assert_eq!(t.slots[x].list.len(), 1);
        assert_eq!(t.slots[x].list[0].serial, 2);
    }

    #[test]
    fn well_known_names_are_recorded() {
        let mut t = Table::default();
        let e = t.find_or_insert("error");
        let n = t.find_or_insert("newListener");
        assert_eq!(t.well_known.error, Some(e));
        assert_eq!(t.well_known.new_listener, Some(n));
        assert_eq!(t.well_known.remove_listener, None);
        assert!(!t.has_listeners(Some(e)));
        assert!(!t.has_listeners(None));
    }

    #[test]
    fn fx_hasher_separates_names() {
        use std::hash::{BuildHasher, BuildHasherDefault};
        let b = BuildHasherDefault::<FxHasher>::default();
        let names = [
            "drain", "finish", "close", "error", "data", "end", "a", "b", "",
        ];
        let hashes: std::collections::HashSet<u64> = names.iter().map(|n| b.hash_one(n)).collect();
        assert_eq!(hashes.len(), names.len());
    }
}
