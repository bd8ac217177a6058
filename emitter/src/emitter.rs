//! The emitter handle: the state its clones share, weak handles, keys, and the queries.
//!
//! The rest of the handle's methods live by job: adding listeners in `add`, removing them
//! in `remove`, emitting in `emit`, and the `'error'` event in `error`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::emit::refresh_cache;
use crate::event::__private::Resolved;
use crate::event::{EventKey, EventName, IntoEvent};
use crate::hot::Hot;
use crate::listeners::{ListenerId, Table};

/// Node's `EventEmitter.defaultMaxListeners` as a process starts: the limit of an emitter
/// with none of its own until the thread's default is changed
/// ([`EventEmitter::set_default_max_listeners`]).
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
/// type is skipped (and logged at `debug`), never a panic, unless the emitter declared its
/// events ([`declare_events`](EventEmitter::declare_events), as every stream does): then a
/// listener that could never run is refused when it is added, with a panic naming the event
/// and both types.
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
    pub(crate) inner: Rc<Inner>,
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

pub(crate) struct Inner {
    pub(crate) id: u64,
    pub(crate) table: RefCell<Table>,
    pub(crate) next_serial: Cell<u64>,
    /// The emitter's own limit; `None` follows the thread's default (see
    /// [`EventEmitter::set_default_max_listeners`]).
    pub(crate) max_listeners: Cell<Option<usize>>,
    /// The events the emitter declared it emits (see `declared.rs`).
    pub(crate) declared: Cell<&'static [&'static [crate::EventDecl]]>,
    /// The event last emitted by name, with its only listener (see `hot.rs`).
    pub(crate) hot: Hot,
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
                max_listeners: Cell::new(None),
                declared: Cell::new(&[]),
                hot: Hot::new(),
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

    /// The number of listeners of `event`.
    pub fn listener_count<E: EventName>(&self, event: E) -> usize {
        let table = self.inner.table.borrow();
        match self.slot_of(&table, event.resolved()) {
            Some(slot) => table.slots[slot].list.len(),
            None => 0,
        }
    }

    /// The id of `event`'s listener when it has exactly one, without allocating: lets a
    /// caller that knows that listener run its work directly (a stream handing a chunk to
    /// the pipe that is its only `'data'` listener).
    pub fn sole_listener<E: EventName>(&self, event: E) -> Option<ListenerId> {
        let table = self.inner.table.borrow();
        let slot = self.slot_of(&table, event.resolved())?;
        match table.slots[slot].list.as_slice() {
            [only] => Some(ListenerId::new(self.inner.id, slot, only.serial)),
            _ => None,
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

    /// The slot `event` names on this emitter, if it has one.
    #[inline(always)]
    pub(crate) fn slot_of(&self, table: &Table, event: Resolved<'_>) -> Option<usize> {
        match event {
            Resolved::Key { emitter, slot, .. } if emitter == self.inner.id => Some(slot),
            Resolved::Static(name) => table.find_static(name),
            other => table.find(other.name()),
        }
    }

    pub(crate) fn slot_or_insert(&self, table: &mut Table, event: Resolved<'_>) -> usize {
        match event {
            Resolved::Key { emitter, slot, .. } if emitter == self.inner.id => slot,
            other => table.find_or_insert(other.name()),
        }
    }
}

impl Resolved<'_> {
    #[inline]
    pub(crate) fn name(&self) -> &str {
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
        d.field("max_listeners", &self.max_listeners()).finish()
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
    use crate::event::Event;

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
}
