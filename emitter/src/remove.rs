//! Removing listeners: by id, per event or all at once, with the `removeListener` event
//! each removal fires.

use crate::emitter::EventEmitter;
use crate::entry::List;
use crate::event::ListenerEvent;
use crate::listeners::ListenerId;
use crate::names;

impl EventEmitter {
    /// Removes the registration `id`. Returns `false` (and does nothing) if it is not
    /// registered: removed already, fired (`once`), or from another emitter.
    ///
    /// # Events
    ///
    /// `removeListener` after the removal, if anyone listens to it.
    ///
    /// # Node compatibility
    ///
    /// Node's `removeListener(name, fn)` removes the most recently added entry that is
    /// `fn`; ids name one registration exactly, so there is nothing to search for.
    pub fn off(&self, id: ListenerId) -> bool {
        if id.emitter() != self.inner.id {
            return false;
        }
        self.remove_serial(id.slot(), id.serial())
    }

    /// Same as [`off`](EventEmitter::off); Node's `removeListener`.
    pub fn remove_listener(&self, id: ListenerId) -> bool {
        self.off(id)
    }

    /// Removes every listener of `event`, or of every event with `None`.
    ///
    /// # Events
    ///
    /// If anyone listens to `removeListener`: one `removeListener` per removed listener.
    /// For one event they go last-added first. For all events, event by event in
    /// [`event_names`](EventEmitter::event_names) order with `removeListener` itself last;
    /// listeners added by those handlers in the meantime are then dropped without events
    /// (Node's order, scenario e10). With no `removeListener` listener, nothing is emitted.
    ///
    /// # Examples
    ///
    /// ```
    /// use nodestream_emitter::EventEmitter;
    ///
    /// let em = EventEmitter::new();
    /// em.on("a", |_: &()| {});
    /// em.on("b", |_: &()| {});
    /// em.remove_all_listeners(Some("a"));
    /// assert_eq!(em.event_names().len(), 1);
    /// em.remove_all_listeners(None);
    /// assert!(em.event_names().is_empty());
    /// ```
    pub fn remove_all_listeners(&self, event: Option<&str>) {
        let (announce, remove_slot) = {
            let table = self.inner.table.borrow();
            let rl = table.well_known.remove_listener;
            (table.has_listeners(rl), rl)
        };
        if !announce {
            self.clear_silently(event);
            return;
        }
        match event {
            Some(name) => {
                let found = {
                    let table = self.inner.table.borrow();
                    table.find(name).map(|slot| {
                        let serials: Vec<u64> =
                            table.slots[slot].list.iter().map(|e| e.serial).collect();
                        (slot, serials)
                    })
                };
                if let Some((slot, serials)) = found {
                    for serial in serials.into_iter().rev() {
                        self.remove_serial(slot, serial);
                    }
                }
            }
            None => {
                for name in self.event_names() {
                    if Some(&*name) != Some(names::REMOVE_LISTENER) {
                        self.remove_all_listeners(Some(&name));
                    }
                }
                if remove_slot.is_some() {
                    self.remove_all_listeners(Some(names::REMOVE_LISTENER));
                }
                self.clear_silently(None);
            }
        }
    }

    /// Removes one registration; emits `removeListener` if it was there and anyone listens.
    pub(crate) fn remove_serial(&self, slot: usize, serial: u64) -> bool {
        let mut table = self.inner.table.borrow_mut();
        self.inner.hot.changing(slot);
        let Some(removed) = table.remove(slot, serial) else {
            return false;
        };
        let announce = match table.well_known.remove_listener {
            Some(rl) if table.has_listeners(Some(rl)) => Some((rl, table.slots[slot].name.clone())),
            _ => None,
        };
        drop(table);
        // Dropped outside the borrow: a closure's captures may run code when dropped.
        drop(removed);
        if let Some((rl, name)) = announce {
            let id = ListenerId::new(self.inner.id, slot, serial);
            self.emit_at(rl, &ListenerEvent { event: name, id });
        }
        true
    }

    /// Removes one event's listeners, or all, without meta events.
    fn clear_silently(&self, event: Option<&str>) {
        let mut dropped: Vec<List> = Vec::new();
        {
            let mut table = self.inner.table.borrow_mut();
            let slots: Vec<usize> = match event {
                Some(name) => table.find(name).into_iter().collect(),
                None => (0..table.slots.len()).collect(),
            };
            dropped.extend(slots.into_iter().filter_map(|i| table.clear(i)));
        }
        let uncached = self.inner.hot.invalidate();
        // Dropped outside the borrow: a closure's captures may run code when dropped.
        drop((dropped, uncached));
    }
}

#[cfg(test)]
mod tests {
    use crate::emitter::{EventEmitter, WeakEmitter};

    #[test]
    fn dropping_a_removed_listener_may_reenter_the_emitter() {
        // A closure's captures run code when the closure is dropped; that happens after the
        // emitter let go of its borrow.
        struct OnDrop(WeakEmitter);
        impl Drop for OnDrop {
            fn drop(&mut self) {
                if let Some(em) = self.0.upgrade() {
                    em.on("dropped", |_: &()| {});
                }
            }
        }
        let em = EventEmitter::new();
        let guard = OnDrop(em.downgrade());
        let id = em.on("x", move |_: &()| {
            let _ = &guard;
        });
        assert!(em.off(id));
        assert_eq!(em.listener_count("dropped"), 1);
        let guard = OnDrop(em.downgrade());
        em.on("x", move |_: &()| {
            let _ = &guard;
        });
        em.remove_all_listeners(None);
        assert_eq!(em.listener_count("dropped"), 1);
    }

    #[test]
    fn ids_are_per_emitter_and_stale_ids_do_nothing() {
        let a = EventEmitter::new();
        let b = EventEmitter::new();
        let ia = a.on("x", |_: &()| {});
        let ib = b.on("x", |_: &()| {});
        assert_ne!(ia, ib);
        assert!(!a.off(ib));
        assert!(a.off(ia));
        assert!(!a.off(ia));
        assert_eq!(b.listener_count("x"), 1);
    }
}
