//! The emitter handle: registration, removal, emission, meta events and errors.

use std::any::TypeId;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Unhandled;
use crate::event::__private::Resolved;
use crate::event::{EventKey, EventName, IntoEvent, ListenerEvent};
use crate::listeners::{
    self, List, Listener, ListenerId, ListenerRc, MirrorRef, Snapshot, Table, TypedListener,
};
use crate::names;

/// Node's `EventEmitter.defaultMaxListeners`.
pub const DEFAULT_MAX_LISTENERS: usize = 10;

/// Emitter identities: unique in the process, so ids and keys from one emitter are never
/// mistaken for another's.
static NEXT_EMITTER: AtomicU64 = AtomicU64::new(1);

/// Node's EventEmitter: string-named events, typed payloads, re-entrant listeners.
///
/// A cheap-to-clone handle (`Rc` inside); clones share one set of listeners.
/// [`downgrade`](EventEmitter::downgrade) gives a [`WeakEmitter`] for listeners that must
/// not keep their emitter alive. The emitter is single-threaded: it is neither `Send` nor
/// `Sync`.
///
/// ```compile_fail
/// fn is_send<T: Send>() {}
/// is_send::<nodestream_emitter::EventEmitter>();
/// ```
///
/// ```compile_fail
/// fn is_sync<T: Sync>() {}
/// is_sync::<nodestream_emitter::EventEmitter>();
/// ```
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use nodestream_emitter::{Event, EventEmitter};
///
/// const DATA: Event<String> = Event::new("data");
///
/// let em = EventEmitter::new();
/// let seen = Rc::new(RefCell::new(Vec::new()));
/// let s = seen.clone();
/// let id = em.on(DATA, move |chunk| s.borrow_mut().push(chunk.clone()));
/// em.emit(DATA, &"a".to_string());
/// assert!(em.off(id));
/// assert!(!em.emit(DATA, &"b".to_string()));
/// assert_eq!(*seen.borrow(), ["a"]);
/// ```
///
/// # Payload types
///
/// One emitter carries events of different payload types. Each listener takes a `&T`;
/// `emit` calls only the listeners whose `T` is the payload's type. A listener of another
/// type is skipped (and logged at `debug`), never a panic.
///
/// # Re-entrancy
///
/// No borrow of the emitter is held while a listener runs: a listener may add, remove and
/// emit, the same event too, recursively. `emit` walks a snapshot of the list taken when it
/// started (Node's rule): a listener added during an emit runs from the next emit on; one
/// removed during an emit still runs in that emit.
///
/// # Panics
///
/// The emitter itself never panics. A listener that panics aborts the rest of that emit and
/// the panic propagates out of `emit` (Node: a throwing listener aborts the emit and the
/// exception propagates). The emitter stays fully usable afterwards: no borrow is held, no
/// state is poisoned, the listener list is intact (a `once` listener that panicked was
/// already removed, as in Node).
#[derive(Clone)]
pub struct EventEmitter {
    inner: Rc<Inner>,
}

/// A weak handle to an [`EventEmitter`]: does not keep it alive.
///
/// # Examples
///
/// ```
/// use nodestream_emitter::EventEmitter;
///
/// let em = EventEmitter::new();
/// let weak = em.downgrade();
/// assert!(weak.upgrade().is_some());
/// drop(em);
/// assert!(weak.upgrade().is_none());
/// ```
#[derive(Clone)]
pub struct WeakEmitter {
    inner: Weak<Inner>,
}

struct Inner {
    id: u64,
    table: RefCell<Table>,
    next_serial: Cell<u64>,
    max_listeners: Cell<usize>,
}

impl EventEmitter {
    /// A new emitter with no listeners and the default limit of
    /// [`DEFAULT_MAX_LISTENERS`].
    pub fn new() -> Self {
        EventEmitter {
            inner: Rc::new(Inner {
                id: NEXT_EMITTER.fetch_add(1, Ordering::Relaxed),
                table: RefCell::new(Table::default()),
                next_serial: Cell::new(1),
                max_listeners: Cell::new(DEFAULT_MAX_LISTENERS),
            }),
        }
    }

    /// A weak handle that does not keep the emitter alive.
    pub fn downgrade(&self) -> WeakEmitter {
        WeakEmitter {
            inner: Rc::downgrade(&self.inner),
        }
    }

    /// Whether two handles name the same emitter.
    pub fn ptr_eq(&self, other: &EventEmitter) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }

    /// Resolves `event` on this emitter once, for emits that skip the name lookup.
    ///
    /// The event's slot is made if the emitter has not seen the name yet; it is never
    /// removed, so the key stays valid for the emitter's life.
    ///
    /// # Examples
    ///
    /// ```
    /// use nodestream_emitter::{Event, EventEmitter};
    ///
    /// const N: Event<u32> = Event::new("n");
    /// let em = EventEmitter::new();
    /// let n = em.key(N);
    /// em.on(&n, |v| assert_eq!(*v, 3));
    /// assert!(em.emit(&n, &3));
    /// ```
    pub fn key<T: 'static, E: IntoEvent<T>>(&self, event: E) -> EventKey<T> {
        let mut table = self.inner.table.borrow_mut();
        let slot = self.slot_or_insert(&mut table, event.resolved());
        let key = EventKey::new(self.inner.id, slot, table.slots[slot].name.clone());
        refresh_cache(&table, &key);
        key
    }

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

    /// The number of listeners of `event`.
    pub fn listener_count<E: EventName>(&self, event: E) -> usize {
        let table = self.inner.table.borrow();
        match self.slot_of(&table, event.resolved()) {
            Some(slot) => table.slots[slot].list.len(),
            None => 0,
        }
    }

    /// The ids of `event`'s listeners, in call order (a copy).
    pub fn listeners<E: EventName>(&self, event: E) -> Vec<ListenerId> {
        let table = self.inner.table.borrow();
        match self.slot_of(&table, event.resolved()) {
            Some(slot) => table.slots[slot]
                .list
                .iter()
                .map(|e| ListenerId::new(self.inner.id, slot, e.serial))
                .collect(),
            None => Vec::new(),
        }
    }

    /// The names of the events that have listeners, in Node's order: the order in which
    /// each name got its first listener. A name whose last listener goes disappears; added
    /// again, it comes back at the end.
    pub fn event_names(&self) -> Vec<Rc<str>> {
        self.inner.table.borrow().names()
    }

    /// Sets the listener count per event past which a warning is logged (`0`: no limit).
    pub fn set_max_listeners(&self, n: usize) {
        self.inner.max_listeners.set(n);
    }

    /// The current limit (default [`DEFAULT_MAX_LISTENERS`]; `0` means none).
    pub fn max_listeners(&self) -> usize {
        self.inner.max_listeners.get()
    }

    /// Calls `event`'s listeners with `payload`, in order; returns whether any ran.
    ///
    /// Only listeners whose payload type is `T` run; others are skipped (logged at
    /// `debug`). Emitting through an [`EventKey`] made on this emitter does no hashing and
    /// no allocation.
    ///
    /// # Events
    ///
    /// `event` itself; `removeListener` for each `once` listener that fires, just before
    /// it runs. For `"error"`, the [`ERROR_MONITOR`](names::ERROR_MONITOR) listeners run
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
        let (slot, snapshot) = {
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
                return self.emit_error_slot(slot, payload);
            }
            match snapshot::<T>(&table, slot) {
                Some(s) => (slot, s),
                None => return false,
            }
        };
        self.run(slot, snapshot, payload)
    }

    /// Emits `"error"` with `err`, or hands `err` back if no listener takes it.
    ///
    /// The [`ERROR_MONITOR`](names::ERROR_MONITOR) listeners run first, whether or not the
    /// error is handled.
    ///
    /// # Errors
    ///
    /// [`Unhandled`] with `err` inside when no `"error"` listener of payload type `E` ran.
    ///
    /// # Node compatibility
    ///
    /// Where Node throws from `emit('error')`, this returns the error to the caller; the
    /// stream layer reports it from the event loop as Node reports an uncaught exception.
    ///
    /// # Examples
    ///
    /// ```
    /// use nodestream_emitter::EventEmitter;
    ///
    /// let em = EventEmitter::new();
    /// assert_eq!(em.emit_error("boom").unwrap_err().into_inner(), "boom");
    /// em.on("error", |e: &&str| assert_eq!(*e, "boom"));
    /// assert!(em.emit_error("boom").is_ok());
    /// ```
    pub fn emit_error<E: 'static>(&self, err: E) -> Result<(), Unhandled<E>> {
        let (monitor, error) = {
            let table = self.inner.table.borrow();
            (table.well_known.error_monitor, table.well_known.error)
        };
        if let Some(m) = monitor {
            self.emit_at(m, &err);
        }
        let ran = match error {
            Some(slot) => self.emit_at(slot, &err),
            None => false,
        };
        if ran {
            Ok(())
        } else {
            Err(Unhandled(err))
        }
    }

    // ---- internals ----

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
        let entry = listeners::entry::<T, F>(serial, once, listener);
        let mut table = inner.table.borrow_mut();
        let slot = self.slot_or_insert(&mut table, event.resolved());
        let id = ListenerId::new(inner.id, slot, serial);
        let nl = table.well_known.new_listener;
        if let (Some(nl), true) = (nl, table.has_listeners(nl)) {
            let name = table.slots[slot].name.clone();
            drop(table);
            self.emit_at(nl, &ListenerEvent { event: name, id });
            table = inner.table.borrow_mut();
        }
        let count = table.insert(slot, entry, prepend);
        let max = inner.max_listeners.get();
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

    /// The slot `event` names on this emitter, if it has one.
    #[inline(always)]
    fn slot_of(&self, table: &Table, event: Resolved<'_>) -> Option<usize> {
        match event {
            Resolved::Key { emitter, slot, .. } if emitter == self.inner.id => Some(slot),
            Resolved::Static(name) => table.find_static(name),
            other => table.find(other.name()),
        }
    }

    fn slot_or_insert(&self, table: &mut Table, event: Resolved<'_>) -> usize {
        match event {
            Resolved::Key { emitter, slot, .. } if emitter == self.inner.id => slot,
            other => table.find_or_insert(other.name()),
        }
    }

    /// Emits to slot `slot` with no `'error'` handling.
    fn emit_at<T: 'static>(&self, slot: usize, payload: &T) -> bool {
        let snapshot = match snapshot::<T>(&self.inner.table.borrow(), slot) {
            Some(s) => s,
            None => return false,
        };
        self.run(slot, snapshot, payload)
    }

    #[inline(always)]
    fn run<T: 'static>(&self, slot: usize, snapshot: Snapshot<T>, payload: &T) -> bool {
        match snapshot {
            Snapshot::One(entry) => self.fire(slot, &entry, payload),
            Snapshot::Many(list) => {
                let mut ran = false;
                for entry in list.iter() {
                    ran |= self.fire(slot, entry, payload);
                }
                ran
            }
            Snapshot::Erased(list) => self.run_erased(slot, &list, payload),
        }
    }

    /// Calls a listener known to take a `T`.
    #[inline(always)]
    fn fire<T: 'static>(&self, slot: usize, entry: &TypedListener<T>, payload: &T) -> bool {
        if entry.once {
            if entry.fired.replace(true) {
                return false;
            }
            // Node's order: removed (and `removeListener` emitted) before it runs.
            self.remove_serial(slot, entry.serial);
        }
        entry.call.call(payload);
        true
    }

    /// The listeners of an event whose listeners take different payload types.
    #[inline(never)]
    fn run_erased<T: 'static>(&self, slot: usize, list: &[ListenerRc], payload: &T) -> bool {
        let mut ran = false;
        for entry in list {
            if entry.type_id != TypeId::of::<T>() {
                self.mismatch::<T>(slot, entry);
                continue;
            }
            if entry.once {
                if entry.fired.replace(true) {
                    continue;
                }
                self.remove_serial(slot, entry.serial);
            }
            ran |= entry.call.call_any(payload);
        }
        ran
    }

    #[cold]
    fn mismatch<T: 'static>(&self, slot: usize, entry: &Listener) {
        log::debug!(
            "emitter {}: skipped a listener of event slot {slot}: it takes &{}, the payload is {}",
            self.inner.id,
            entry.type_name,
            std::any::type_name::<T>()
        );
    }

    /// An emit of a name this emitter has never seen.
    #[cold]
    fn emit_unknown<T: 'static>(&self, name: &str, payload: &T) -> bool {
        if name == names::ERROR {
            let monitor = self.inner.table.borrow().well_known.error_monitor;
            if let Some(m) = monitor {
                self.emit_at(m, payload);
            }
            unhandled_warning::<T>();
        }
        false
    }

    /// A plain emit of `"error"`: monitors first, then the listeners; warn if none ran.
    #[cold]
    fn emit_error_slot<T: 'static>(&self, slot: usize, payload: &T) -> bool {
        let monitor = self.inner.table.borrow().well_known.error_monitor;
        if let Some(m) = monitor {
            self.emit_at(m, payload);
        }
        let ran = self.emit_at(slot, payload);
        if !ran {
            unhandled_warning::<T>();
        }
        ran
    }

    /// Removes one registration; emits `removeListener` if it was there and anyone listens.
    fn remove_serial(&self, slot: usize, serial: u64) -> bool {
        let (removed, announce) = {
            let mut table = self.inner.table.borrow_mut();
            let removed = table.remove(slot, serial);
            let rl = table.well_known.remove_listener;
            let announce = match (&removed, rl) {
                (Some(_), Some(rl)) if table.has_listeners(Some(rl)) => {
                    Some((rl, table.slots[slot].name.clone()))
                }
                _ => None,
            };
            (removed, announce)
        };
        if removed.is_none() {
            return false;
        }
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
        // Dropped outside the borrow: a closure's captures may run code when dropped.
        drop(dropped);
    }
}

/// Caches the key's typed list, if its slot has one for `T`.
#[cold]
fn refresh_cache<T: 'static>(table: &Table, key: &EventKey<T>) {
    let typed = table.slots.get(key.slot).and_then(|s| s.typed.as_ref());
    key.set_cache(typed.and_then(|t| t.any.clone().downcast().ok()));
}

/// Takes what an emit of `T` on `slot` walks, or `None` if there are no listeners.
#[inline(always)]
fn snapshot<T: 'static>(table: &Table, slot: usize) -> Option<Snapshot<T>> {
    let slot = table.slots.get(slot)?;
    // One type check per emit; the listeners are then called as `&T` directly.
    if let Some(typed) = slot.typed.as_ref().and_then(MirrorRef::get::<T>) {
        return typed.snapshot();
    }
    if slot.list.is_empty() {
        None
    } else {
        Some(Snapshot::Erased(slot.list.clone()))
    }
}

#[cold]
fn unhandled_warning<T: 'static>() {
    log::warn!(
        "'error' event with no listener (payload {}); use emit_error to get it back",
        std::any::type_name::<T>()
    );
}

impl Resolved<'_> {
    #[inline]
    fn name(&self) -> &str {
        match *self {
            Resolved::Name(name) => name,
            Resolved::Static(name) => name,
            Resolved::Key { name, .. } => name,
        }
    }
}

impl Default for EventEmitter {
    fn default() -> Self {
        EventEmitter::new()
    }
}

impl fmt::Debug for EventEmitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("EventEmitter");
        d.field("id", &self.inner.id);
        match self.inner.table.try_borrow() {
            Ok(table) => d.field("listeners", &*table),
            Err(_) => d.field("listeners", &"<busy>"),
        };
        d.field("max_listeners", &self.inner.max_listeners.get())
            .finish()
    }
}

impl WeakEmitter {
    /// The emitter, if it is still alive.
    pub fn upgrade(&self) -> Option<EventEmitter> {
        self.inner.upgrade().map(|inner| EventEmitter { inner })
    }
}

impl fmt::Debug for WeakEmitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakEmitter")
            .field("alive", &(self.inner.strong_count() > 0))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, NEW_LISTENER, REMOVE_LISTENER};
    use std::panic::{catch_unwind, AssertUnwindSafe};

    type Log = Rc<RefCell<Vec<String>>>;

    fn logger(log: &Log, what: &str) -> impl Fn(&()) + 'static {
        let (log, what) = (log.clone(), what.to_string());
        move |_: &()| log.borrow_mut().push(what.clone())
    }

    fn taken(log: &Log) -> Vec<String> {
        std::mem::take(&mut *log.borrow_mut())
    }

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
    fn no_borrow_is_held_while_a_listener_runs() {
        // Every method is callable from inside a listener.
        let em = EventEmitter::new();
        let weak = em.downgrade();
        em.on("x", move |_: &()| {
            let em = weak.upgrade().unwrap();
            let key = em.key(Event::<()>::new("y"));
            let id = em.on(&key, |_: &()| {});
            em.emit(&key, &());
            let _ = em.listeners("x");
            let _ = em.event_names();
            let _ = format!("{em:?}");
            em.set_max_listeners(em.max_listeners());
            assert!(em.off(id));
            assert!(em.emit_error(1u8).is_err());
            em.remove_all_listeners(Some("y"));
        });
        assert!(em.emit("x", &()));
    }

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

    #[test]
    fn handles_share_state_and_weak_handles_do_not_keep_it() {
        let em = EventEmitter::default();
        let clone = em.clone();
        clone.on("x", |_: &()| {});
        assert!(em.emit("x", &()));
        assert!(em.ptr_eq(&clone));
        assert!(!em.ptr_eq(&EventEmitter::new()));
        let weak = em.downgrade();
        assert!(format!("{weak:?}").contains("true"));
        drop((em, clone));
        assert!(weak.upgrade().is_none());
        assert!(format!("{weak:?}").contains("false"));
    }

    #[test]
    fn debug_lists_events_in_order() {
        let em = EventEmitter::new();
        em.on("b", |_: &()| {});
        em.on("a", |_: &()| {});
        em.on("a", |_: &()| {});
        let text = format!("{em:?}");
        assert!(text.contains(r#"listeners: {"b": 1, "a": 2}"#), "{text}");
        assert!(text.contains("max_listeners: 10"), "{text}");
    }

    #[test]
    fn keys_survive_emptying_and_work_across_emitters() {
        const X: Event<u32> = Event::new("x");
        let em = EventEmitter::new();
        let key = em.key(X);
        let id = em.on(&key, |_| {});
        em.off(id);
        assert!(em.event_names().is_empty());
        let hits = Rc::new(Cell::new(0));
        let h = hits.clone();
        em.on(X, move |v| h.set(h.get() + v));
        assert!(em.emit(&key, &2));
        let other = EventEmitter::new();
        other.on("x", |_: &u32| {});
        assert!(other.emit(&key, &1));
        assert_eq!(hits.get(), 2);
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

    #[test]
    fn an_error_key_keeps_error_semantics() {
        const ERR: Event<u8> = Event::new("error");
        let em = EventEmitter::new();
        let key = em.key(ERR);
        let seen: Log = Rc::default();
        let s = seen.clone();
        em.on(names::ERROR_MONITOR, move |e: &u8| {
            s.borrow_mut().push(format!("monitor {e}"))
        });
        assert!(!em.emit(&key, &1));
        let s = seen.clone();
        em.on(&key, move |e| s.borrow_mut().push(format!("error {e}")));
        assert!(em.emit(&key, &2));
        assert_eq!(taken(&seen), ["monitor 1", "monitor 2", "error 2"]);
    }
}
