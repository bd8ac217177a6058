//! How an event is named: typed keys, resolved keys, and plain strings.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use crate::listeners::ListenerId;
use crate::mirror::{Snapshot, Typed};
use crate::names;

/// A typed event key: a Node event name and the payload type its listeners receive.
///
/// `Event` is `Copy` and `const`-constructible, so an event's name and payload type are
/// written down once, beside each other:
///
/// ```
/// use nodestream_emitter::{Event, EventEmitter};
///
/// const DRAIN: Event<()> = Event::new("drain");
/// const DATA: Event<Vec<u8>> = Event::new("data");
///
/// let em = EventEmitter::new();
/// em.on(DATA, |bytes| println!("{} bytes", bytes.len()));
/// assert!(em.emit(DATA, &b"hello".to_vec()));
/// assert!(!em.emit(DRAIN, &()));
/// ```
///
/// Emitting through an `Event` looks its name up in the emitter (no allocation); an
/// emitter that emits one event over and over to one listener finds it in a one-entry
/// cache, with no lookup. For the hottest paths with several listeners, resolve it once
/// with [`EventEmitter::key`](crate::EventEmitter::key).
pub struct Event<T: 'static> {
    name: &'static str,
    payload: PhantomData<fn(&T)>,
}

impl<T: 'static> Event<T> {
    /// A key for the event `name` whose payload is a `T`.
    pub const fn new(name: &'static str) -> Self {
        Event {
            name,
            payload: PhantomData,
        }
    }

    /// The event's name, as Node spells it.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<T: 'static> Clone for Event<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for Event<T> {}

impl<T: 'static> fmt::Debug for Event<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("name", &self.name)
            .field("payload", &std::any::type_name::<T>())
            .finish()
    }
}

/// An event key resolved on one emitter: the fast path.
///
/// Made by [`EventEmitter::key`](crate::EventEmitter::key). It holds the index of the
/// event's slot in that emitter (slots are never removed, so the index stays valid) and the
/// emitter's identity. Emitting through a key does no hashing and no allocation. Used on
/// another emitter, a key still works: it falls back to a lookup by name.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use nodestream_emitter::{Event, EventEmitter};
///
/// const TICK: Event<u64> = Event::new("tick");
/// let em = EventEmitter::new();
/// let sum = Rc::new(Cell::new(0));
/// let s = sum.clone();
/// em.on(TICK, move |n| s.set(s.get() + n));
/// let tick = em.key(TICK);
/// for n in 1..=4 {
///     em.emit(&tick, &n);
/// }
/// assert_eq!(sum.get(), 10);
/// ```
pub struct EventKey<T: 'static> {
    pub(crate) emitter: u64,
    pub(crate) slot: usize,
    name: Rc<str>,
    /// The slot's typed listener list, while its listeners all take a `T` (checked by
    /// `live`); `None` until known. Not used for `"error"`, whose emit has its own rules.
    cache: Cell<Option<Rc<Typed<T>>>>,
    pub(crate) cacheable: bool,
    payload: PhantomData<fn(&T)>,
}

impl<T: 'static> EventKey<T> {
    pub(crate) fn new(emitter: u64, slot: usize, name: Rc<str>) -> Self {
        EventKey {
            emitter,
            slot,
            cacheable: &*name != names::ERROR,
            name,
            cache: Cell::new(None),
            payload: PhantomData,
        }
    }

    /// What an emit through this key walks, from the cached typed list: `Some(None)` when
    /// there are no listeners, `None` when the cache cannot answer (empty, or retired).
    #[inline(always)]
    pub(crate) fn cached_snapshot(&self) -> Option<Option<Snapshot<T>>> {
        let typed = self.cache.take()?;
        if !typed.live.get() {
            return None;
        }
        let snapshot = typed.snapshot();
        self.cache.set(Some(typed));
        Some(snapshot)
    }

    /// Caches the slot's typed list.
    pub(crate) fn set_cache(&self, typed: Option<Rc<Typed<T>>>) {
        self.cache.set(typed);
    }

    /// The event's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl<T: 'static> Clone for EventKey<T> {
    fn clone(&self) -> Self {
        let cache = self.cache.take();
        self.cache.set(cache.clone());
        EventKey {
            emitter: self.emitter,
            slot: self.slot,
            name: self.name.clone(),
            cache: Cell::new(cache),
            cacheable: self.cacheable,
            payload: PhantomData,
        }
    }
}

impl<T: 'static> fmt::Debug for EventKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventKey")
            .field("name", &&*self.name)
            .field("slot", &self.slot)
            .field("payload", &std::any::type_name::<T>())
            .finish()
    }
}

/// The payload of the `newListener` and `removeListener` meta events.
///
/// # Node compatibility
///
/// Node passes `(eventName, listenerFunction)`; here the function is named by its
/// [`ListenerId`]. For `newListener` the id is not yet registered when the event fires
/// (Node also fires it before adding). For a `once` listener that fires, Node reports its
/// internal wrapper when the event had several listeners and the original function when it
/// had one (scenario e09); here it is always the same id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListenerEvent {
    /// The name of the event the listener is (or was) registered for.
    pub event: Rc<str>,
    /// The registration.
    pub id: ListenerId,
}

/// Typed key for Node's `'newListener'` meta event.
pub const NEW_LISTENER: Event<ListenerEvent> = Event::new(names::NEW_LISTENER);

/// Typed key for Node's `'removeListener'` meta event.
pub const REMOVE_LISTENER: Event<ListenerEvent> = Event::new(names::REMOVE_LISTENER);

#[doc(hidden)]
pub mod __private {
    /// How an event argument names its slot.
    #[derive(Clone, Copy, Debug)]
    pub enum Resolved<'a> {
        /// Look the name up.
        Name(&'a str),
        /// Look a static name up (through the emitter's address cache).
        Static(&'static str),
        /// A slot resolved on the emitter `emitter`; `name` for any other emitter.
        Key {
            /// The emitter the key was made on.
            emitter: u64,
            /// Its slot there.
            slot: usize,
            /// The name, for other emitters.
            name: &'a str,
        },
    }
}

use __private::Resolved;

/// Anything that names an event: `&str`, `String`, [`Event<T>`], `&`[`EventKey<T>`].
///
/// Used by the methods that do not care about the payload type
/// ([`listener_count`](crate::EventEmitter::listener_count),
/// [`listeners`](crate::EventEmitter::listeners)).
pub trait EventName {
    #[doc(hidden)]
    fn resolved(&self) -> Resolved<'_>;
}

/// An event argument whose listeners take a `&T`.
///
/// Implemented by [`Event<T>`] and `&`[`EventKey<T>`] for their own `T`, and by `&str`,
/// `String` and `&String` for every `T`, so that with a plain name the payload type is
/// inferred from the listener or the payload:
///
/// ```
/// use nodestream_emitter::EventEmitter;
///
/// let em = EventEmitter::new();
/// em.on("custom", |x: &u32| assert_eq!(*x, 7));
/// assert!(em.emit("custom", &7u32));
/// ```
pub trait IntoEvent<T: 'static>: EventName {
    #[doc(hidden)]
    #[inline(always)]
    fn as_key(&self) -> Option<&EventKey<T>> {
        None
    }
}

impl<T: 'static> EventName for Event<T> {
    #[inline]
    fn resolved(&self) -> Resolved<'_> {
        Resolved::Static(self.name)
    }
}
impl<T: 'static> IntoEvent<T> for Event<T> {}

impl<T: 'static> EventName for &EventKey<T> {
    #[inline]
    fn resolved(&self) -> Resolved<'_> {
        Resolved::Key {
            emitter: self.emitter,
            slot: self.slot,
            name: &self.name,
        }
    }
}
impl<T: 'static> IntoEvent<T> for &EventKey<T> {
    #[inline(always)]
    fn as_key(&self) -> Option<&EventKey<T>> {
        Some(self)
    }
}

impl EventName for &str {
    #[inline]
    fn resolved(&self) -> Resolved<'_> {
        Resolved::Name(self)
    }
}
impl<T: 'static> IntoEvent<T> for &str {}

impl EventName for String {
    #[inline]
    fn resolved(&self) -> Resolved<'_> {
        Resolved::Name(self)
    }
}
impl<T: 'static> IntoEvent<T> for String {}

impl EventName for &String {
    #[inline]
    fn resolved(&self) -> Resolved<'_> {
        Resolved::Name(self)
    }
}
impl<T: 'static> IntoEvent<T> for &String {}

impl EventName for Rc<str> {
    #[inline]
    fn resolved(&self) -> Resolved<'_> {
        Resolved::Name(self)
    }
}
impl<T: 'static> IntoEvent<T> for Rc<str> {}

impl EventName for &Rc<str> {
    #[inline]
    fn resolved(&self) -> Resolved<'_> {
        Resolved::Name(self)
    }
}
impl<T: 'static> IntoEvent<T> for &Rc<str> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_is_const_copy_and_named() {
        const X: Event<u8> = Event::new("x");
        let y = X;
        assert_eq!(X.name(), "x");
        assert_eq!(y.name(), "x");
        assert!(format!("{X:?}").contains("u8"));
    }

    #[test]
    fn names_resolve_by_name_and_keys_by_slot() {
        assert!(matches!("a".resolved(), Resolved::Name("a")));
        assert!(matches!(String::from("b").resolved(), Resolved::Name("b")));
        let k = EventKey::<()>::new(7, 3, Rc::from("c"));
        assert!(matches!(
            (&k).resolved(),
            Resolved::Key {
                emitter: 7,
                slot: 3,
                name: "c"
            }
        ));
        assert_eq!(k.clone().name(), "c");
    }
}
