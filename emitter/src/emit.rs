//! Emitting: the fast path through a key's cached typed list, the emitter's one-entry cache
//! of the event last emitted by name (`hot.rs`), the lookup by name, and the walk over a
//! snapshot of the listeners taken when the emit started (Node's rule).

use crate::emitter::EventEmitter;
use crate::entry::{Listed, Listener};
use crate::event::{EventKey, IntoEvent};
use crate::hot::pack;
use crate::listeners::Table;
use crate::mirror::{MirrorRef, Snapshot};

impl EventEmitter {
    /// Calls `event`'s listeners with `payload`, in order; returns whether any ran.
    ///
    /// Only listeners whose payload type is `T` run; others are skipped (logged at
    /// `debug`). No emit allocates. Emitting through an [`EventKey`] made on this emitter
    /// does no lookup; nor does emitting, by name, the event last emitted by name while it
    /// has one listener.
    ///
    /// # Events
    ///
    /// `event` itself; `removeListener` for each `once` listener that fires, just before
    /// it runs. For `"error"`, the [`ERROR_MONITOR`](crate::names::ERROR_MONITOR) listeners run
    /// first.
    ///
    /// # Panics
    ///
    /// A listener's panic propagates; see [`EventEmitter`] (the emitter stays usable).
    ///
    /// # Node compatibility
    ///
    /// `emit("error", ..)` with no listener throws in Node. Here it returns `false` and
    /// logs a `log::warn!`: use [`emit_error`](EventEmitter::emit_error), which hands the
    /// error back, wherever an unhandled error must not be lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use nodestream_emitter::EventEmitter;
    ///
    /// let em = EventEmitter::new();
    /// em.on("x", |n: &u8| assert_eq!(*n, 1));
    /// assert!(em.emit("x", &1u8));
    /// assert!(!em.emit("x", &"other type")); // no listener takes a &str
    /// assert!(!em.emit("y", &1u8));
    /// ```
    #[inline(always)]
    pub fn emit<T: 'static, E: IntoEvent<T>>(&self, event: E, payload: &T) -> bool {
        if let Some(key) = event.as_key() {
            // The fast path: a key of this emitter with its typed list cached.
            if key.emitter == self.inner.id && key.cacheable {
                match key.cached_snapshot() {
                    Some(Some(snapshot)) => return self.run(key.slot, snapshot, payload),
                    Some(None) => return false,
                    None => refresh_cache(&self.inner.table.borrow(), key),
                }
            }
        }
        let packed = match event.as_key() {
            Some(_) => None,
            None => pack(event.resolved().name()),
        };
        if let Some(name) = packed {
            // The hot cache: this name's only listener, with no lookup (see `hot.rs`).
            if let Some(taken) = self.inner.hot.take(name) {
                let ran = match taken.list.first() {
                    Some(listed) => self.fire_any(taken.slot, &*listed.entry, payload),
                    None => false,
                };
                self.inner.hot.put_back(taken);
                return ran;
            }
        }
        let (slot, snapshot, uncached) = {
            let table = self.inner.table.borrow();
            let slot = match self.slot_of(&table, event.resolved()) {
                Some(slot) => slot,
                None => {
                    drop(table);
                    return self.emit_unknown(event.resolved().name(), payload);
                }
            };
            if Some(slot) == table.well_known.error {
                drop(table);
                return self.emit_error_slot(payload);
            }
            let uncached = match packed {
                Some(name) if table.slots[slot].list.len() == 1 => {
                    self.inner.hot.missed(name, slot, &table.slots[slot].list)
                }
                _ => None,
            };
            match snapshot::<T>(&table, slot) {
                Some(s) => (slot, s, uncached),
                None => return false,
            }
        };
        // Another slot's list, which that slot still holds: this drops no closure.
        drop(uncached);
        self.run(slot, snapshot, payload)
    }

    /// Emits to slot `slot` with no `'error'` handling.
    pub(crate) fn emit_at<T: 'static>(&self, slot: usize, payload: &T) -> bool {
        let snapshot = match snapshot::<T>(&self.inner.table.borrow(), slot) {
            Some(s) => s,
            None => return false,
        };
        self.run(slot, snapshot, payload)
    }

    #[inline(always)]
    fn run<T: 'static>(&self, slot: usize, snapshot: Snapshot<T>, payload: &T) -> bool {
        match snapshot {
            Snapshot::One(entry) => entry.fire(self, slot, payload),
            Snapshot::Many(list) => {
                let mut ran = false;
                for entry in list.iter() {
                    ran |= entry.fire(self, slot, payload);
                }
                ran
            }
            Snapshot::AnyOne(entry) => self.fire_any(slot, &*entry, payload),
            Snapshot::Erased(list) => self.run_erased(slot, &list, payload),
        }
    }

    /// Calls a listener that checks the payload's type itself.
    #[inline(always)]
    fn fire_any<T: 'static>(&self, slot: usize, entry: &dyn Listener, payload: &T) -> bool {
        match entry.fire_any(self, slot, payload) {
            Some(ran) => ran,
            None => {
                self.mismatch::<T>(slot, entry);
                false
            }
        }
    }

    /// The listeners of an event whose listeners take different payload types.
    #[inline(never)]
    fn run_erased<T: 'static>(&self, slot: usize, list: &[Listed], payload: &T) -> bool {
        let mut ran = false;
        for listed in list {
            ran |= self.fire_any(slot, &*listed.entry, payload);
        }
        ran
    }

    #[cold]
    #[inline(never)]
    fn mismatch<T: 'static>(&self, slot: usize, entry: &dyn Listener) {
        log::debug!(
            "emitter {}: skipped a listener of event slot {slot}: it takes &{}, the payload is {}",
            self.inner.id,
            entry.type_name(),
            std::any::type_name::<T>()
        );
    }
}

/// Caches the key's typed list, if its slot has one for `T`.
#[cold]
pub(crate) fn refresh_cache<T: 'static>(table: &Table, key: &EventKey<T>) {
    let typed = table.slots.get(key.slot).and_then(|s| s.typed.as_ref());
    key.set_cache(typed.and_then(|t| t.any.clone().downcast().ok()));
}

/// Takes what an emit of `T` on `slot` walks, or `None` if there are no listeners.
#[inline(always)]
fn snapshot<T: 'static>(table: &Table, slot: usize) -> Option<Snapshot<T>> {
    let slot = table.slots.get(slot)?;
    match slot.list.len() {
        0 => None,
        // One listener: its own type check is cheaper than finding the typed mirror.
        1 => Some(Snapshot::AnyOne(slot.list[0].entry.clone())),
        // One type check per emit; the listeners are then called as `&T` directly.
        _ => match slot.typed.as_ref().and_then(MirrorRef::get::<T>) {
            Some(typed) => typed.snapshot(),
            None => Some(Snapshot::Erased(slot.list.clone())),
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::emitter::EventEmitter;
    use crate::event::Event;
    use crate::listeners::ListenerId;
    use crate::testing::{logger, taken, Log};
    use std::cell::{Cell, RefCell};
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::rc::Rc;

    #[test]
    fn recursive_emit_of_the_same_event_runs_once_listeners_once() {
        // const ee = new EventEmitter(); let depth = 0;
        // ee.on('x', () => { log('A', depth); if (depth++ < 2) ee.emit('x'); });
        // ee.once('x', () => log('O'));
        // ee.emit('x');
        // node: A 0, A 1, A 2, O   (the inner emits fire O once; outer snapshots skip it)
        let log: Log = Rc::default();
        let em = EventEmitter::new();
        let (l, weak, depth) = (log.clone(), em.downgrade(), Rc::new(Cell::new(0)));
        em.on("x", move |_: &()| {
            l.borrow_mut().push(format!("A {}", depth.get()));
            depth.set(depth.get() + 1);
            if depth.get() <= 2 {
                weak.upgrade().unwrap().emit("x", &());
            }
        });
        em.once("x", logger(&log, "O"));
        assert!(em.emit("x", &()));
        assert_eq!(taken(&log), ["A 0", "A 1", "A 2", "O"]);
        assert_eq!(em.listener_count("x"), 1);
    }

    #[test]
    fn a_listener_may_remove_itself_and_others_and_add_during_emit() {
        let log: Log = Rc::default();
        let em = EventEmitter::new();
        let ids: Rc<RefCell<Vec<ListenerId>>> = Rc::default();
        let (l, weak, i) = (log.clone(), em.downgrade(), ids.clone());
        let first = em.on("x", move |_: &()| {
            l.borrow_mut().push("first".into());
            let em = weak.upgrade().unwrap();
            let ids = i.borrow();
            assert!(em.off(ids[0])); // itself
            assert!(em.off(ids[2])); // a later one: still runs in this emit
            em.on("x", |_: &()| {});
        });
        let second = em.on("x", logger(&log, "second"));
        let third = em.on("x", logger(&log, "third"));
        ids.borrow_mut().extend([first, second, third]);
        assert!(em.emit("x", &()));
        assert_eq!(taken(&log), ["first", "second", "third"]);
        assert_eq!(em.listeners("x").len(), 2);
        assert_eq!(em.listeners("x")[0], second);
        em.emit("x", &());
        assert_eq!(taken(&log), ["second"]);
    }

    #[test]
    fn remove_all_during_emit_keeps_the_running_snapshot() {
        let log: Log = Rc::default();
        let em = EventEmitter::new();
        let weak = em.downgrade();
        em.on("x", move |_: &()| {
            weak.upgrade().unwrap().remove_all_listeners(None)
        });
        em.on("x", logger(&log, "second"));
        em.once("x", logger(&log, "once"));
        assert!(em.emit("x", &()));
        assert_eq!(taken(&log), ["second", "once"]);
        assert!(em.event_names().is_empty());
        assert!(!em.emit("x", &()));
    }

    #[test]
    fn mismatched_payload_types_are_skipped_and_once_is_kept() {
        let log: Log = Rc::default();
        let em = EventEmitter::new();
        let l = log.clone();
        em.once("x", move |s: &String| l.borrow_mut().push(s.clone()));
        em.on("x", logger(&log, "unit"));
        assert!(em.emit("x", &()));
        assert_eq!(taken(&log), ["unit"]);
        assert_eq!(em.listener_count("x"), 2, "the once listener did not fire");
        assert!(em.emit("x", &"s".to_string()));
        assert_eq!(taken(&log), ["s"]);
        assert!(!em.emit("x", &5u8));
        assert_eq!(em.listener_count("x"), 1);
    }

    #[test]
    fn a_panicking_listener_leaves_the_emitter_usable() {
        let log: Log = Rc::default();
        let em = EventEmitter::new();
        em.once("x", logger(&log, "once"));
        em.on("x", |_: &()| panic!("listener failed"));
        em.on("x", logger(&log, "after"));
        let r = catch_unwind(AssertUnwindSafe(|| em.emit("x", &())));
        assert!(r.is_err());
        assert_eq!(taken(&log), ["once"]);
        // No borrow is left behind: every operation works, including mutable ones.
        assert_eq!(em.listener_count("x"), 2);
        let id = em.on("y", logger(&log, "y"));
        assert!(em.emit("y", &()));
        assert!(em.off(id));
        em.remove_all_listeners(Some("x"));
        assert!(!em.emit("x", &()));
        assert_eq!(taken(&log), ["y"]);
    }

    #[test]
    fn a_key_follows_type_changes_and_mixed_types() {
        const X: Event<u32> = Event::new("x");
        let log: Log = Rc::default();
        let em = EventEmitter::new();
        let key = em.key(X); // made before any listener: nothing cached yet
        assert!(!em.emit(&key, &1));
        let l = log.clone();
        let a = em.on(&key, move |v| l.borrow_mut().push(format!("a {v}")));
        assert!(em.emit(&key, &1));
        // A listener of another type: the typed list retires, the key falls back.
        let b = em.on("x", |_: &String| {});
        let l = log.clone();
        em.on(&key, move |v| l.borrow_mut().push(format!("c {v}")));
        assert!(em.emit(&key, &2));
        em.off(b);
        em.off(a);
        assert!(em.emit(&key, &3));
        // Emptied and re-filled with another type: the u32 key sees no listener.
        em.remove_all_listeners(None);
        em.on("x", |_: &String| {});
        assert!(!em.emit(&key, &4));
        assert!(em.emit("x", &"s".to_string()));
        assert_eq!(taken(&log), ["a 1", "a 2", "c 2", "c 3"]);
        let copy = key.clone();
        assert!(!em.emit(&copy, &5));
    }

    #[test]
    fn a_key_outliving_its_emitter_does_not_keep_listeners_alive() {
        const X: Event<u32> = Event::new("x");
        let alive = Rc::new(());
        let em = EventEmitter::new();
        let held = alive.clone();
        em.on(X, move |_| {
            let _ = &held;
        });
        let key = em.key(X);
        assert!(em.emit(&key, &1));
        assert_eq!(Rc::strong_count(&alive), 2);
        drop(em);
        assert_eq!(
            Rc::strong_count(&alive),
            1,
            "the listener was dropped with the emitter"
        );
        drop(key);
    }
}
