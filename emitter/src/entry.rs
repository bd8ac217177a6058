//! A listener's entry: one allocation holding the user's closure and its registration,
//! called type-erased ([`Listener`]) or through its payload type ([`TypedListener`]).
//!
//! Both views are trait objects over the whole entry, so a call is one virtual call whose
//! body knows the entry's layout: the `once` bookkeeping and the user's closure are
//! compiled into it, with no field offsets worked out from the vtable at each emit.

use std::any::Any;
use std::cell::Cell;
use std::marker::PhantomData;
use std::rc::Rc;

use crate::emitter::EventEmitter;

/// One registered listener.
pub(crate) struct Entry<T, F> {
    /// The registration's serial (unique within its emitter).
    serial: u64,
    /// Registered with `once`/`prepend_once_listener`.
    once: bool,
    /// A `once` entry that has fired; shared by every snapshot that holds the entry.
    fired: Cell<bool>,
    /// The user's closure.
    f: F,
    payload: PhantomData<fn(&T)>,
}

/// A listener seen without its payload type.
pub(crate) trait Listener {
    /// The name of the payload type it takes, for the mismatch log line.
    fn type_name(&self) -> &'static str;

    /// Fires the listener (see [`TypedListener::fire`]) if `payload` is of its type;
    /// `None` if it is not.
    fn fire_any(&self, em: &EventEmitter, slot: usize, payload: &dyn Any) -> Option<bool>;
}

/// A listener seen through its payload type.
pub(crate) trait TypedListener<T> {
    /// Calls the listener; returns whether it ran. A `once` listener that fired already
    /// (in a recursive emit) does not run again; one that had not is first removed from
    /// slot `slot` of `em` (emitting `removeListener`), then called: Node's order.
    fn fire(&self, em: &EventEmitter, slot: usize, payload: &T) -> bool;
}

impl<T: 'static, F: Fn(&T)> Entry<T, F> {
    #[inline(always)]
    fn fire_typed(&self, em: &EventEmitter, slot: usize, payload: &T) -> bool {
        if self.once {
            // A tail call: the common call of an `on` listener saves no registers.
            return self.fire_once(em, slot, payload);
        }
        (self.f)(payload);
        true
    }

    #[inline(never)]
    fn fire_once_any(&self, em: &EventEmitter, slot: usize, payload: &dyn Any) -> Option<bool> {
        Some(self.fire_once(em, slot, payload.downcast_ref::<T>()?))
    }

    #[inline(never)]
    fn fire_once(&self, em: &EventEmitter, slot: usize, payload: &T) -> bool {
        if self.fired.replace(true) {
            return false;
        }
        em.remove_serial(slot, self.serial);
        (self.f)(payload);
        true
    }
}

impl<T: 'static, F: Fn(&T)> Listener for Entry<T, F> {
    fn type_name(&self) -> &'static str {
        std::any::type_name::<T>()
    }

    fn fire_any(&self, em: &EventEmitter, slot: usize, payload: &dyn Any) -> Option<bool> {
        if self.once {
            return self.fire_once_any(em, slot, payload);
        }
        // Only the entry and the payload live across the type check's call.
        (self.f)(payload.downcast_ref::<T>()?);
        Some(true)
    }
}

impl<T: 'static, F: Fn(&T)> TypedListener<T> for Entry<T, F> {
    fn fire(&self, em: &EventEmitter, slot: usize, payload: &T) -> bool {
        self.fire_typed(em, slot, payload)
    }
}

/// One listener in a slot's list: its serial beside it (so that a search by serial reads
/// no entry), and the entry, type-erased.
#[derive(Clone)]
pub(crate) struct Listed {
    pub(crate) serial: u64,
    pub(crate) entry: Rc<dyn Listener>,
}

/// A shared handle to one listener, typed.
pub(crate) type TypedRc<T> = Rc<dyn TypedListener<T>>;

/// One event's listeners, copy-on-write.
pub(crate) type List = Rc<Vec<Listed>>;

/// A new listener, as one allocation seen both ways.
pub(crate) struct NewEntry<T: 'static> {
    pub(crate) erased: Listed,
    pub(crate) typed: TypedRc<T>,
}

/// Wraps a typed listener into one allocation.
pub(crate) fn entry<T: 'static, F: Fn(&T) + 'static>(serial: u64, once: bool, f: F) -> NewEntry<T> {
    let rc = Rc::new(Entry {
        serial,
        once,
        fired: Cell::new(false),
        f,
        payload: PhantomData,
    });
    NewEntry {
        erased: Listed {
            serial,
            entry: rc.clone(),
        },
        typed: rc,
    }
}
