//! The emitter handle: registration, removal, emission, meta events and errors.

use std::any::TypeId;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Unhandled;
use crate::event::__private::Resolved;
use crate::event::{EventKey, EventName, IntoEvent, ListenerEvent};
use crate::listeners::{self, List, Listener, ListenerId, ListenerRc, Table};
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

/// What an emit walks: one listener (no list shared, so a `once` removal does not copy the
/// list) or the whole list.
enum Snapshot {
    One(ListenerRc),
    Many(List),
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
        EventKey::new(self.inner.id, slot, table.slots[slot].name.clone())
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
    #[inline]
    pub fn emit<T: 'static, E: IntoEvent<T>>(&self, event: E, payload: &T) -> bool {
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
            match snapshot(&table, slot) {
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
        let (slot, announce) = {
            let mut table = inner.table.borrow_mut();
            let slot = self.slot_or_insert(&mut table, event.resolved());
            let nl = table.well_known.new_listener;
            let announce = if table.has_listeners(nl) {
                nl.map(|nl| (nl, table.slots[slot].name.clone()))
            } else {
                None
            };
            (slot, announce)
        };
        let id = ListenerId::new(inner.id, slot, serial);
        if let Some((nl, name)) = announce {
            self.emit_at(nl, &ListenerEvent { event: name, id });
        }
        let entry = listeners::entry::<T, F>(serial, once, listener);
        let warning = {
            let mut table = inner.table.borrow_mut();
            let count = table.insert(slot, entry, prepend);
            let max = inner.max_listeners.get();
            let s = &mut table.slots[slot];
            if max != 0 && count > max && !s.warned {
                s.warned = true;
                Some((s.name.clone(), count, max))
            } else {
                None
            }
        };
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
    #[inline]
    fn slot_of(&self, table: &Table, event: Resolved<'_>) -> Option<usize> {
        match event {
            Resolved::Key { emitter, slot, .. } if emitter == self.inner.id => Some(slot),
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
        let snapshot = match snapshot(&self.inner.table.borrow(), slot) {
            Some(s) => s,
            None => return false,
        };
        self.run(slot, snapshot, payload)
    }

    #[inline]
    fn run<T: 'static>(&self, slot: usize, snapshot: Snapshot, payload: &T) -> bool {
        match snapshot {
            Snapshot::One(entry) => self.fire(slot, &entry, payload),
            Snapshot::Many(list) => {
                let mut ran = false;
                for entry in list.iter() {
                    ran |= self.fire(slot, entry, payload);
                }
                ran
            }
        }
    }

    #[inline]
    fn fire<T: 'static>(&self, slot: usize, entry: &Listener, payload: &T) -> bool {
        if entry.type_id != TypeId::of::<T>() {
            self.mismatch::<T>(slot, entry);
            return false;
        }
        if entry.once {
            if entry.fired.replace(true) {
                return false;
            }
            self.remove_serial(slot, entry.serial);
        }
        (entry.call)(payload);
        true
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
            for i in slots {
                let slot = &mut table.slots[i];
                if !slot.list.is_empty() {
                    dropped.push(std::mem::replace(&mut slot.list, Rc::new(Vec::new())));
                    slot.warned = false;
                }
            }
        }
        drop(dropped);
    }
}

#[inline]
fn snapshot(table: &Table, slot: usize) -> Option<Snapshot> {
    let list = &table.slots.get(slot)?.list;
    match list.len() {
        0 => None,
        1 => Some(Snapshot::One(list[0].clone())),
        _ => Some(Snapshot::Many(list.clone())),
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
