//! A listener's entry: one allocation, an [`Entry`] header followed by the user's closure,
//! called type-erased ([`Listener`]) or through its payload type ([`TypedListener`]).

use std::any::{Any, TypeId};
use std::cell::Cell;
use std::marker::PhantomData;
use std::rc::Rc;

/// One registered listener: a header, then the closure (unsized when erased).
pub(crate) struct Entry<F: ?Sized> {
    /// The registration's serial (unique within its emitter).
    pub(crate) serial: u64,
    /// The payload type the listener takes.
    pub(crate) type_id: TypeId,
    /// Its name, for the mismatch log line.
    pub(crate) type_name: &'static str,
    /// Registered with `once`/`prepend_once_listener`.
    pub(crate) once: bool,
    /// A `once` entry that has fired; shared by every snapshot that holds the entry.
    pub(crate) fired: Cell<bool>,
    /// The closure: downcasts the payload and calls the user's listener; returns `false`
    /// (without calling it) if the payload is of another type.
    pub(crate) call: F,
}

/// Calls a listener with a payload of any type: checks the type first.
pub(crate) trait AnyCall {
    /// Calls the listener if `payload` is of its type; returns whether it did.
    fn call_any(&self, payload: &dyn Any) -> bool;
}

/// Calls a listener whose payload type is known.
pub(crate) trait TypedCall<T> {
    fn call(&self, payload: &T);
}

/// The user's closure, with the payload type it takes.
pub(crate) struct Wrap<T, F> {
    f: F,
    payload: PhantomData<fn(&T)>,
}

impl<T: 'static, F: Fn(&T)> AnyCall for Wrap<T, F> {
    fn call_any(&self, payload: &dyn Any) -> bool {
        match payload.downcast_ref::<T>() {
            Some(payload) => {
                (self.f)(payload);
                true
            }
            None => false,
        }
    }
}

impl<T: 'static, F: Fn(&T)> TypedCall<T> for Wrap<T, F> {
    #[inline]
    fn call(&self, payload: &T) {
        (self.f)(payload)
    }
}

/// A listener, type-erased.
pub(crate) type Listener = Entry<dyn AnyCall>;

/// A listener seen through its payload type (the same allocation as its [`Listener`]).
pub(crate) type TypedListener<T> = Entry<dyn TypedCall<T>>;

/// A shared handle to one listener.
pub(crate) type ListenerRc = Rc<Listener>;

/// One event's listeners, copy-on-write.
pub(crate) type List = Rc<Vec<ListenerRc>>;

/// A new listener, as one allocation seen both ways.
pub(crate) struct NewEntry<T: 'static> {
    pub(crate) erased: ListenerRc,
    pub(crate) typed: Rc<TypedListener<T>>,
}

/// Wraps a typed listener into one allocation.
pub(crate) fn entry<T: 'static, F: Fn(&T) + 'static>(serial: u64, once: bool, f: F) -> NewEntry<T> {
    let rc = Rc::new(Entry {
        serial,
        type_id: TypeId::of::<T>(),
        type_name: std::any::type_name::<T>(),
        once,
        fired: Cell::new(false),
        call: Wrap {
            f,
            payload: PhantomData,
        },
    });
    NewEntry {
        erased: rc.clone(),
        typed: rc,
    }
}
