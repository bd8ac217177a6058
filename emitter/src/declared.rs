//! The events an emitter declares it emits, with their payload types, so that a listener
//! that could never run is refused when it is added instead of being skipped at every emit.
//!
//! A plain emitter declares nothing, and a listener of any type may be added under any name
//! (a mismatch is skipped at emit, as the crate docs say). A stream declares its events
//! ([`EventEmitter::declare_events`]): then a listener of another payload type for a
//! declared event panics with a message naming the event and both types, and a listener for
//! a name the emitter does not declare logs a warning (Node lets anyone emit any name, so it
//! is not refused).

use std::any::TypeId;
use std::fmt;

use crate::emitter::EventEmitter;
use crate::event::Event;
use crate::names;

/// One event an emitter emits: its name and its payload type.
///
/// Made from a typed key with [`Event::declared`] (or [`EventDecl::new`]), in `static`
/// tables a stream kind shares (a kind declares its base's table and its own).
#[derive(Clone, Copy)]
pub struct EventDecl {
    name: &'static str,
    type_id: fn() -> TypeId,
    type_name: fn() -> &'static str,
}

impl EventDecl {
    /// The event `name`, whose emits carry a `T`.
    pub const fn new<T: 'static>(name: &'static str) -> EventDecl {
        EventDecl {
            name,
            type_id: TypeId::of::<T>,
            type_name: std::any::type_name::<T>,
        }
    }

    /// The event's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The name of the payload type.
    pub fn type_name(&self) -> &'static str {
        (self.type_name)()
    }
}

impl fmt::Debug for EventDecl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}': {}", self.name, self.type_name())
    }
}

impl<T: 'static> Event<T> {
    /// This event as an entry of a declaration table ([`EventEmitter::declare_events`]).
    pub const fn declared(self) -> EventDecl {
        EventDecl::new::<T>(self.name())
    }
}

/// The emitter's own events, known on every emitter whatever it declares.
const META: [&str; 3] = [
    names::NEW_LISTENER,
    names::REMOVE_LISTENER,
    names::ERROR_MONITOR,
];

impl EventEmitter {
    /// Declares the events this emitter emits and their payload types, as one or more
    /// tables (a stream kind's own and its base's), replacing an earlier declaration. From then on, adding a listener whose payload type differs from the
    /// declared one panics, and adding one for an undeclared name logs a warning. Streams
    /// declare theirs when they are made.
    ///
    /// # Examples
    ///
    /// ```
    /// use nodestream_emitter::{Event, EventDecl, EventEmitter};
    ///
    /// const TICK: Event<u64> = Event::new("tick");
    /// const EVENTS: [EventDecl; 1] = [TICK.declared()];
    ///
    /// let em = EventEmitter::new();
    /// em.declare_events(&[&EVENTS]);
    /// em.on("tick", |n: &u64| assert_eq!(*n, 1));
    /// // A listener that could never run is refused at once.
    /// let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
    ///     em.on("tick", |_: &String| {});
    /// }));
    /// assert!(refused.is_err());
    /// assert_eq!(em.listener_count("tick"), 1);
    /// ```
    ///
    /// # Panics
    ///
    /// Not here: in the `on`/`once`/`prepend*` call that adds a listener of another payload
    /// type for a declared event.
    pub fn declare_events(&self, tables: &'static [&'static [EventDecl]]) {
        self.inner.declared.set(tables);
    }

    /// The events this emitter declared (none for a plain emitter).
    pub fn declared_events(&self) -> impl Iterator<Item = &'static EventDecl> {
        self.inner.declared.get().iter().copied().flatten()
    }

    /// Checks a listener for `name` taking a `T` against the declaration: panics on a
    /// payload type that cannot match, warns on a name nobody declared.
    pub(crate) fn check_declared<T: 'static>(&self, name: &str) {
        if self.inner.declared.get().is_empty() {
            return;
        }
        let declared = || self.declared_events();
        // An event may be declared more than once, with each payload type it is emitted
        // with (a Writable's `'pipe'` carries a `Readable`, or a legacy stream).
        // (and may be declared twice with one type, by two tables that both have it: each
        // side's `'close'` on a socket's one emitter), so the lists are said without repeats.
        let types = || declared().filter(|d| d.name == name);
        let known = types().next().is_some();
        match known {
            true if !types().any(|d| (d.type_id)() == TypeId::of::<T>()) => panic!(
                "a listener for '{name}' takes &{}, but this emitter's '{name}' events carry \
                 &{}: it would never run",
                std::any::type_name::<T>(),
                distinct(types().map(EventDecl::type_name)).join(" or &")
            ),
            true => {}
            false if META.contains(&name) => {}
            false => log::warn!(
                "a listener was added for '{name}', which this emitter does not emit (it \
                 emits {}); misspelled?",
                distinct(declared().map(|d| d.name))
                    .iter()
                    .map(|n| format!("'{n}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// The items in their first order, each once.
fn distinct<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use super::*;

    const DATA: Event<Vec<u8>> = Event::new("data");
    const END: Event<()> = Event::new("end");
    const EVENTS: [EventDecl; 2] = [DATA.declared(), END.declared()];

    fn message(f: impl FnOnce()) -> String {
        let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("should panic");
        payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn a_listener_of_the_declared_type_is_added_by_name_and_by_key() {
        let em = EventEmitter::new();
        em.declare_events(&[&EVENTS]);
        em.on("data", |_: &Vec<u8>| {});
        em.on(END, |_: &()| {});
        em.on("newListener", |_: &crate::ListenerEvent| {});
        assert_eq!(em.listener_count("data"), 1);
        assert_eq!(em.listener_count("end"), 1);
    }

    #[test]
    fn a_listener_of_another_type_is_refused_with_both_types_named() {
        let em = EventEmitter::new();
        em.declare_events(&[&EVENTS]);
        let text = message(|| {
            em.on("end", |_: &bool| {});
        });
        assert_eq!(
            text,
            "a listener for 'end' takes &bool, but this emitter's 'end' events carry &(): it \
             would never run"
        );
        let text = message(|| {
            em.once("data", |_: &String| {});
        });
        assert!(text.contains("takes &alloc::string::String"), "{text}");
        assert!(text.contains("carry &alloc::vec::Vec<u8>"), "{text}");
        // Nothing was added, and the emitter is still usable.
        assert_eq!(em.listener_count("end") + em.listener_count("data"), 0);
        em.on("data", |_: &Vec<u8>| {});
        assert!(em.emit("data", &vec![1u8]));
    }

    #[test]
    fn an_event_two_tables_declare_alike_is_named_once() {
        const MORE: [EventDecl; 1] = [END.declared()];
        let em = EventEmitter::new();
        em.declare_events(&[&EVENTS, &MORE]);
        let text = message(|| {
            em.on("end", |_: &bool| {});
        });
        assert_eq!(
            text,
            "a listener for 'end' takes &bool, but this emitter's 'end' events carry &(): it \
             would never run"
        );
        em.on(END, |_: &()| {});
        assert_eq!(em.listener_count("end"), 1);
    }

    #[test]
    fn a_plain_emitter_declares_nothing_and_refuses_nothing() {
        let em = EventEmitter::new();
        assert_eq!(em.declared_events().count(), 0);
        em.on("end", |_: &bool| {});
        em.on("end", |_: &()| {});
        assert_eq!(em.listener_count("end"), 2);
    }
}
