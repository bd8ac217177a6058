//! Per-event listener lists, the name index that finds them, and listener ids.
//!
//! An emitter keeps a [`Table`] of slots, one per event name it has ever seen. Slots are
//! never removed, only emptied, so a slot index stays valid for the emitter's life; that is
//! what lets an [`EventKey`](crate::EventKey) skip the name lookup.
//!
//! Each slot holds its listeners as a copy-on-write `Rc<Vec<..>>`. An emit clones the `Rc`
//! (a reference-count bump, no allocation), or the one listener's own handle when there is
//! one, drops the table borrow and walks its snapshot; a change made while a snapshot is
//! out goes through [`Rc::make_mut`], so the running emit keeps the list it started with
//! (Node's snapshot rule).
//!
//! Each listener is one allocation ([`Entry`](crate::entry::Entry)). The slot holds it twice
//! over: type-erased in `list` (the authoritative order, used for ids, removal, for events
//! whose listeners take different payload types and for one listener emitted by name), and,
//! while every listener of the
//! slot takes the same payload type `T`, typed in a mirror list ([`Typed<T>`]) kept in
//! lockstep with `list` (see [`mirror`](crate::mirror)).

use std::cell::{Cell, OnceCell};
use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasherDefault;
use std::rc::Rc;

use crate::entry::{List, Listed, NewEntry};
use crate::fxhash::FxHasher;
use crate::mirror::{take, MirrorRef, Typed};

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

/// One event name's slot. Never removed from the table, only emptied.
pub(crate) struct Slot {
    pub(crate) name: Rc<str>,
    pub(crate) list: List,
    /// A `Typed<T>` mirror of `list` while all its listeners take a `T`; `None` when they
    /// take different types.
    pub(crate) typed: Option<MirrorRef>,
    /// Insertion-order stamp, given each time the list goes from empty to non-empty
    /// (Node's object-key order: a name re-added after it emptied goes to the end).
    pub(crate) stamp: u64,
    /// The max-listeners warning was logged for this name.
    pub(crate) warned: bool,
}

impl Drop for Slot {
    fn drop(&mut self) {
        // Keys may hold the mirror beyond the emitter's life: let go of the listeners.
        if let Some(t) = &self.typed {
            t.ops.kill();
        }
    }
}

/// The well-known slots the emitter checks on its own paths.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct WellKnown {
    pub(crate) new_listener: Option<usize>,
    pub(crate) remove_listener: Option<usize>,
    pub(crate) error: Option<usize>,
    pub(crate) error_monitor: Option<usize>,
}

/// Up to this many slots, a name is found by scanning them; past it, through a hash map.
/// An emitter usually sees a handful of names, and an idle one none: the map, and the
/// address cache below, are only allocated when they pay.
const SCAN_SLOTS: usize = 8;

/// Event names to slots.
type NameMap = HashMap<Rc<str>, usize, BuildHasherDefault<FxHasher>>;

/// The address cache of static names: `(address, length, slot + 1)`, `0` = empty.
type StaticNames = [Cell<(usize, usize, usize)>; 8];

/// Every slot of one emitter, and the name index.
#[derive(Default)]
pub(crate) struct Table {
    pub(crate) slots: Vec<Slot>,
    /// The name index, once there are more than [`SCAN_SLOTS`] slots.
    by_name: Option<Box<NameMap>>,
    /// Slots of `&'static str` names (a typed `Event`'s) by address and length, so that an
    /// emit through an `Event` skips the name lookup. Static strings never move or change,
    /// so address and length name the content. Made on the first lookup of a known name.
    static_names: OnceCell<Box<StaticNames>>,
    next_stamp: u64,
    pub(crate) well_known: WellKnown,
}

impl Table {
    /// The slot of `name`, if the emitter has seen it.
    #[inline]
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        match &self.by_name {
            Some(map) => map.get(name).copied(),
            None => self.slots.iter().position(|s| &*s.name == name),
        }
    }

    /// The slot of a static `name`, through the address cache.
    #[inline]
    pub(crate) fn find_static(&self, name: &'static str) -> Option<usize> {
        let addr = name.as_ptr() as usize;
        let index = ((addr >> 3) ^ name.len()) & 7;
        if let Some(cache) = self.static_names.get() {
            let (a, len, slot) = cache[index].get();
            if a == addr && len == name.len() && slot != 0 {
                return Some(slot - 1);
            }
        }
        let slot = self.find(name)?;
        let cache = self.static_names.get_or_init(Default::default);
        cache[index].set((addr, name.len(), slot + 1));
        Some(slot)
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
        if let Some(map) = &mut self.by_name {
            map.insert(name.clone(), i);
        } else if i == SCAN_SLOTS {
            let mut map: NameMap = self
                .slots
                .iter()
                .enumerate()
                .map(|(j, s)| (s.name.clone(), j))
                .collect();
            map.insert(name.clone(), i);
            self.by_name = Some(Box::new(map));
        }
        self.slots.push(Slot {
            name,
            list: Rc::new(Vec::new()),
            typed: None,
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
    pub(crate) fn insert<T: 'static>(
        &mut self,
        i: usize,
        entry: NewEntry<T>,
        prepend: bool,
    ) -> usize {
        let slot = &mut self.slots[i];
        let was_empty = slot.list.is_empty();
        if was_empty {
            slot.stamp = self.next_stamp;
            self.next_stamp += 1;
        }
        match slot.typed.as_ref().and_then(MirrorRef::get::<T>) {
            Some(t) => {
                // An emptied mirror of the same type is reused, so that steady once/emit
                // cycles do not allocate for it.
                t.add(entry.typed, prepend);
            }
            // An empty slot takes the payload type of its first listener.
            None if was_empty => {
                if let Some(old) = slot.typed.take() {
                    old.ops.kill();
                }
                let mirror = Rc::new(Typed::<T>::new(vec![entry.typed]));
                slot.typed = Some(MirrorRef {
                    any: mirror.clone(),
                    ops: mirror,
                });
            }
            // A listener of another payload type: no single typed view any more.
            None => {
                if let Some(old) = slot.typed.take() {
                    old.ops.kill();
                }
            }
        }
        let list = Rc::make_mut(&mut slot.list);
        if prepend {
            list.insert(0, entry.erased);
        } else {
            list.push(entry.erased);
        }
        list.len()
    }

    /// Removes the registration `serial` from slot `i`, scanning from the end.
    ///
    /// The caller drops the returned entry after it lets go of the table, since dropping a
    /// closure runs user code (its captures' destructors).
    pub(crate) fn remove(&mut self, i: usize, serial: u64) -> Option<Listed> {
        let slot = self.slots.get_mut(i)?;
        let pos = slot.list.iter().rposition(|e| e.serial == serial)?;
        let removed = take(Rc::make_mut(&mut slot.list), pos);
        if let Some(t) = &slot.typed {
            // The mirror holds the same allocation; `removed` keeps it alive.
            t.ops.remove(pos);
        }
        if slot.list.len() <= 1 {
            // Node keeps the warned flag on the listener array, which goes away when one
            // listener or none is left: the warning can come again after that.
            slot.warned = false;
        }
        Some(removed)
    }

    /// Empties slot `i`, handing back its old list (to drop after the borrow ends).
    pub(crate) fn clear(&mut self, i: usize) -> Option<List> {
        let slot = &mut self.slots[i];
        if slot.list.is_empty() {
            return None;
        }
        slot.warned = false;
        if let Some(t) = &slot.typed {
            t.ops.clear();
        }
        Some(std::mem::replace(&mut slot.list, Rc::new(Vec::new())))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::entry;

    fn noop(serial: u64) -> NewEntry<u32> {
        entry::<u32, _>(serial, false, |_| {})
    }

    fn typed_len<T: 'static>(t: &Table, i: usize) -> Option<usize> {
        let typed = t.slots[i].typed.as_ref()?.get::<T>()?;
        typed.with_list(|l| l.len())
    }

    #[test]
    fn the_typed_mirror_follows_the_list_until_types_mix() {
        let mut t = Table::default();
        let x = t.find_or_insert("x");
        t.insert(x, noop(1), false);
        t.insert(x, noop(2), true);
        assert_eq!(typed_len::<u32>(&t, x), Some(2));
        // The mirror holds the same entries as the list, in the same order.
        let typed: Vec<usize> = t.slots[x]
            .typed
            .as_ref()
            .unwrap()
            .get::<u32>()
            .unwrap()
            .with_list(|l| {
                l.iter()
                    .map(|e| Rc::as_ptr(e) as *const () as usize)
                    .collect()
            })
            .unwrap();
        let listed: Vec<usize> = t.slots[x]
            .list
            .iter()
            .map(|e| Rc::as_ptr(&e.entry) as *const () as usize)
            .collect();
        assert_eq!(typed, listed);
        let serials: Vec<u64> = t.slots[x].list.iter().map(|e| e.serial).collect();
        assert_eq!(serials, vec![2, 1]);
        assert!(t.remove(x, 2).is_some());
        assert_eq!(typed_len::<u32>(&t, x), Some(1));
        // Another payload type: the mirror goes.
        t.insert(x, entry::<String, _>(3, false, |_| {}), false);
        assert_eq!(typed_len::<u32>(&t, x), None);
        assert!(t.slots[x].typed.is_none());
        // Emptied, the slot takes the type of its next first listener.
        assert!(t.remove(x, 1).is_some());
        assert!(t.remove(x, 3).is_some());
        t.insert(x, entry::<String, _>(4, false, |_| {}), false);
        assert_eq!(typed_len::<String>(&t, x), Some(1));
        assert!(t.clear(x).is_some());
        assert!(t.clear(x).is_none());
        assert_eq!(typed_len::<String>(&t, x), Some(0));
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
    fn static_names_resolve_through_the_address_cache() {
        let mut t = Table::default();
        assert_eq!(t.find_static("x"), None);
        let x = t.find_or_insert("x");
        let xy = t.find_or_insert("xy");
        // "x" may share its address with "xy": the length tells them apart.
        let both: &'static str = "xy";
        let prefix: &'static str = &both[..1];
        for _ in 0..2 {
            assert_eq!(t.find_static(prefix), Some(x));
            assert_eq!(t.find_static(both), Some(xy));
            assert_eq!(t.find_static("x"), Some(x));
        }
        assert_eq!(t.find_static("none"), None);
    }

    #[test]
    fn many_names_resolve_past_the_scan_limit() {
        let mut t = Table::default();
        const NAMES: [&str; 20] = [
            "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q",
            "r", "s", "t",
        ];
        let slots: Vec<usize> = NAMES.iter().map(|n| t.find_or_insert(n)).collect();
        assert_eq!(slots, (0..20).collect::<Vec<_>>());
        assert!(t.by_name.is_some());
        for (i, n) in NAMES.iter().enumerate() {
            assert_eq!(t.find(n), Some(i));
            assert_eq!(t.find_static(n), Some(i));
            assert_eq!(t.find_or_insert(n), i);
        }
        assert_eq!(t.find("u"), None);
        assert_eq!(t.find_or_insert("u"), 20);
        assert_eq!(t.find("u"), Some(20));
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
}
