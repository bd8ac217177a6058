//! Adding listeners: `on`, `once` and the `prepend*` forms, the `newListener` event each
//! add fires, and the max-listeners limit with its warning.

use crate::emitter::EventEmitter;
use crate::entry;
use crate::event::{IntoEvent, ListenerEvent};
use crate::listeners::ListenerId;
use std::cell::Cell;

thread_local! {
    /// The limit of the emitters of this thread that have none of their own.
    static DEFAULT_LIMIT: Cell<usize> = const { Cell::new(crate::DEFAULT_MAX_LISTENERS) };
}

impl EventEmitter {
    /// Adds `listener` at the end of `event`'s list; Node's `on`.
    ///
    /// Returns the registration's id, for [`off`](EventEmitter::off).
    ///
    /// # Events
    ///
    /// `newListener` (if anyone listens to it), before the listener is added: a listener
    /// that `newListener` adds for the same event lands before this one. Then, if the add
    /// takes the count over [`max_listeners`](EventEmitter::max_listeners), one
    /// `log::warn!` (Node's `MaxListenersExceededWarning`).
    ///
    /// # Examples
    ///
    /// ```
    /// use nodestream_emitter::EventEmitter;
    ///
    /// let em = EventEmitter::new();
    /// em.on("x", |v: &i32| assert_eq!(*v, 1));
    /// em.on("x", |v: &i32| assert_eq!(*v, 1));
    /// assert_eq!(em.listener_count("x"), 2);
    /// assert!(em.emit("x", &1));
    /// ```
    pub fn on<T, E, F>(&self, event: E, listener: F) -> ListenerId
    where
        T: 'static,
        E: IntoEvent<T>,
        F: Fn(&T) + 'static,
    {
        self.add(event, listener, false, false)
    }

    /// Same as [`on`](EventEmitter::on); Node's `addListener`.
    pub fn add_listener<T, E, F>(&self, event: E, listener: F) -> ListenerId
    where
        T: 'static,
        E: IntoEvent<T>,
        F: Fn(&T) + 'static,
    {
        self.add(event, listener, false, false)
    }

    /// Adds a listener that runs at most once.
    ///
    /// When it fires it is first removed (emitting `removeListener`), then called. In an
    /// emit that had already started when it was removed by someone else, it still runs
    /// (Node's snapshot rule); a recursive emit cannot run it twice.
    ///
    /// # Events
    ///
    /// As [`on`](EventEmitter::on).
    ///
    /// # Examples
    ///
    /// ```
    /// use nodestream_emitter::EventEmitter;
    ///
    /// let em = EventEmitter::new();
    /// em.once("done", |_: &()| {});
    /// assert!(em.emit("done", &()));
    /// assert!(!em.emit("done", &()));
    /// ```
    pub fn once<T, E, F>(&self, event: E, listener: F) -> ListenerId
    where
        T: 'static,
        E: IntoEvent<T>,
        F: Fn(&T) + 'static,
    {
        self.add(event, listener, true, false)
    }

    /// Adds `listener` at the front of `event`'s list; Node's `prependListener`.
    ///
    /// # Events
    ///
    /// As [`on`](EventEmitter::on).
    pub fn prepend_listener<T, E, F>(&self, event: E, listener: F) -> ListenerId
    where
        T: 'static,
        E: IntoEvent<T>,
        F: Fn(&T) + 'static,
    {
        self.add(event, listener, false, true)
    }

    /// Adds a run-once listener at the front of `event`'s list; Node's
    /// `prependOnceListener`.
    ///
    /// # Events
    ///
    /// As [`on`](EventEmitter::on).
    pub fn prepend_once_listener<T, E, F>(&self, event: E, listener: F) -> ListenerId
    where
        T: 'static,
        E: IntoEvent<T>,
        F: Fn(&T) + 'static,
    {
        self.add(event, listener, true, true)
    }

    /// Sets the listener count per event past which a warning is logged (`0`: no limit).
    /// An emitter without a limit of its own follows the thread's default
    /// ([`set_default_max_listeners`](EventEmitter::set_default_max_listeners)).
    ///
    /// # Node compatibility
    ///
    /// Node's `MaxListenersExceededWarning` is a `log::warn!` logged inside the add that passes the
    /// limit (Node emits it on the next tick), once per event until its listeners drop to
    /// one, as in Node. Its text names `emitter.set_max_listeners()` and calls every emitter
    /// `[EventEmitter]`, where Node names the owner's class (`[Writable]`).
    pub fn set_max_listeners(&self, n: usize) {
        self.inner.max_listeners.set(Some(n));
    }

    /// The current limit: the emitter's own, else the thread's default
    /// ([`DEFAULT_MAX_LISTENERS`](crate::DEFAULT_MAX_LISTENERS) unless changed); `0` means
    /// none.
    pub fn max_listeners(&self) -> usize {
        self.inner
            .max_listeners
            .get()
            .unwrap_or_else(EventEmitter::default_max_listeners)
    }

    /// Sets the limit of every emitter of this thread that has none of its own, those
    /// made before included: Node's `EventEmitter.defaultMaxListeners = n` (emitters are
    /// `!Send`, so a thread's default is the process's for the emitters it can reach).
    ///
    /// ```
    /// use nodestream_emitter::EventEmitter;
    ///
    /// let old = EventEmitter::new();
    /// let own = EventEmitter::new();
    /// own.set_max_listeners(5);
    /// EventEmitter::set_default_max_listeners(2);
    /// assert_eq!((old.max_listeners(), own.max_listeners()), (2, 5));
    /// EventEmitter::set_default_max_listeners(10);
    /// ```
    pub fn set_default_max_listeners(n: usize) {
        DEFAULT_LIMIT.with(|d| d.set(n));
    }

    /// The thread's default limit (Node's `EventEmitter.defaultMaxListeners`).
    pub fn default_max_listeners() -> usize {
        DEFAULT_LIMIT.with(Cell::get)
    }

    fn add<T, E, F>(&self, event: E, listener: F, once: bool, prepend: bool) -> ListenerId
    where
        T: 'static,
        E: IntoEvent<T>,
        F: Fn(&T) + 'static,
    {
        let inner = &*self.inner;
        let serial = inner.next_serial.get();
        inner.next_serial.set(serial + 1);
        // Made before the borrow: the allocation is the only cost, and nothing sees the
        // entry before it is inserted.
        let entry = entry::entry::<T, F>(serial, once, listener);
        let mut table = inner.table.borrow_mut();
        let slot = self.slot_or_insert(&mut table, event.resolved());
        if !inner.declared.get().is_empty() {
            // Cold: only emitters that declared their events (streams) check.
            let name = table.slots[slot].name.clone();
            drop(table);
            self.check_declared::<T>(&name);
            table = inner.table.borrow_mut();
        }
        let id = ListenerId::new(inner.id, slot, serial);
        let nl = table.well_known.new_listener;
        if let (Some(nl), true) = (nl, table.has_listeners(nl)) {
            let name = table.slots[slot].name.clone();
            drop(table);
            self.emit_at(nl, &ListenerEvent { event: name, id });
            table = inner.table.borrow_mut();
        }
        inner.hot.changing(slot);
        let count = table.insert(slot, entry, prepend);
        let max = self.max_listeners();
        let s = &mut table.slots[slot];
        let warning = if max != 0 && count > max && !s.warned {
            s.warned = true;
            Some((s.name.clone(), count, max))
        } else {
            None
        };
        drop(table);
        if let Some((name, count, max)) = warning {
            log::warn!(
                "MaxListenersExceededWarning: Possible EventEmitter memory leak detected. \
                 {count} {name} listeners added to [EventEmitter]. MaxListeners is {max}. \
                 Use emitter.set_max_listeners() to increase limit"
            );
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use crate::emitter::EventEmitter;
    use crate::event::{ListenerEvent, NEW_LISTENER, REMOVE_LISTENER};
    use crate::testing::{logger, taken, Log};
    use std::rc::Rc;

    #[test]
    fn meta_events_carry_name_and_id_in_node_order() {
        let log: Log = Rc::default();
        let em = EventEmitter::new();
        let (l, weak) = (log.clone(), em.downgrade());
        em.on(NEW_LISTENER, move |e: &ListenerEvent| {
            let count = weak.upgrade().unwrap().listener_count(&e.event);
            l.borrow_mut()
                .push(format!("new {} count {count}", e.event));
        });
        let l = log.clone();
        em.on(REMOVE_LISTENER, move |e: &ListenerEvent| {
            l.borrow_mut()
                .push(format!("removed {} {:?}", e.event, e.id))
        });
        let id = em.once("x", logger(&log, "x"));
        em.emit("x", &());
        assert_eq!(
            taken(&log),
            [
                "new removeListener count 0".to_string(),
                "new x count 0".to_string(),
                format!("removed x {id:?}"),
                "x".to_string(),
            ]
        );
    }
}
