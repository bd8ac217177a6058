//! The `'error'` event: the `errorMonitor` listeners run first, then the `'error'`
//! listeners; an error that no listener took comes back as [`Unhandled`] from `emit_error`,
//! and is logged from a plain `emit`.

use std::error::Error as StdError;
use std::fmt;

use crate::emitter::EventEmitter;
use crate::names;

/// An `'error'` event that no listener handled, with its payload given back.
///
/// Returned by [`EventEmitter::emit_error`](crate::EventEmitter::emit_error) when the
/// emitter has no `'error'` listener (or none that takes this payload type). The stream
/// layer hands it to the event loop, which reports it as an uncaught error.
///
/// # Node compatibility
///
/// Node throws from `emit('error', x)`: `x` itself if it is an `Error`, else an
/// `ERR_UNHANDLED_ERROR` wrapping it. Here the payload comes back inside this value;
/// [`code`](Unhandled::code) is Node's code for the wrapped case.
#[derive(Clone, PartialEq, Eq)]
pub struct Unhandled<E>(pub E);

impl<E> Unhandled<E> {
    /// The error payload nobody handled.
    pub fn into_inner(self) -> E {
        self.0
    }

    /// A reference to the payload.
    pub fn get_ref(&self) -> &E {
        &self.0
    }

    /// Node's code for an unhandled `'error'`: `"ERR_UNHANDLED_ERROR"`.
    pub fn code(&self) -> &'static str {
        "ERR_UNHANDLED_ERROR"
    }
}

impl<E: fmt::Debug> fmt::Debug for Unhandled<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Unhandled").field(&self.0).finish()
    }
}

impl<E: fmt::Debug> fmt::Display for Unhandled<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Unhandled error. ({:?})", self.0)
    }
}

impl<E: fmt::Debug> StdError for Unhandled<E> {}

impl EventEmitter {
    /// Emits `"error"` with `err`, or hands `err` back if no listener takes it.
    ///
    /// The [`ERROR_MONITOR`](names::ERROR_MONITOR) listeners run first, whether or not the
    /// error is handled. Whether it is handled is decided after they ran, as in Node: a
    /// monitor that adds an `"error"` listener handles this very error, and one that
    /// removes the only listener leaves it unhandled.
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
        if self.emit_error_listeners(&err) {
            Ok(())
        } else {
            Err(Unhandled(err))
        }
    }

    /// An emit of a name this emitter has never seen.
    #[cold]
    pub(crate) fn emit_unknown<T: 'static>(&self, name: &str, payload: &T) -> bool {
        if name == names::ERROR {
            // A monitor may add the first "error" listener, which then handles this emit.
            return self.emit_error_slot(payload);
        }
        false
    }

    /// A plain emit of `"error"`: monitors first, then the listeners; warn if none ran.
    #[cold]
    pub(crate) fn emit_error_slot<T: 'static>(&self, payload: &T) -> bool {
        let ran = self.emit_error_listeners(payload);
        if !ran {
            unhandled_warning::<T>();
        }
        ran
    }

    /// Node's `emit('error', ..)`: the monitors, then the `"error"` listeners as they are
    /// once the monitors have run (Node reads `events.error` after emitting to
    /// `kErrorMonitor`). Returns whether an `"error"` listener ran.
    fn emit_error_listeners<T: 'static>(&self, payload: &T) -> bool {
        let monitor = self.inner.table.borrow().well_known.error_monitor;
        if let Some(m) = monitor {
            self.emit_at(m, payload);
        }
        // Read only now: slots are never removed, so the slot, once made, stays "error".
        let error = self.inner.table.borrow().well_known.error;
        match error {
            Some(slot) => self.emit_at(slot, payload),
            None => false,
        }
    }
}

#[cold]
fn unhandled_warning<T: 'static>() {
    log::warn!(
        "'error' event with no listener (payload {}); use emit_error to get it back",
        std::any::type_name::<T>()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::testing::{taken, Log};
    use std::rc::Rc;

    #[test]
    fn display_and_code_follow_node() {
        let u = Unhandled("a string");
        assert_eq!(u.to_string(), "Unhandled error. (\"a string\")");
        assert_eq!(u.code(), "ERR_UNHANDLED_ERROR");
        assert_eq!(*u.get_ref(), "a string");
        assert_eq!(u.into_inner(), "a string");
        let boxed: Box<dyn StdError> = Box::new(Unhandled(5));
        assert_eq!(boxed.to_string(), "Unhandled error. (5)");
    }

    /// Node reads `events.error` after emitting to the monitors: a monitor that adds the
    /// first `'error'` listener handles that very emit, through every way of emitting.
    #[test]
    fn a_monitor_adding_the_handler_handles_that_emit() {
        const ERR: Event<u8> = Event::new("error");
        let seen: Log = Rc::default();
        let adds_handler = |em: &EventEmitter| {
            let (s, weak) = (seen.clone(), em.downgrade());
            em.on(names::ERROR_MONITOR, move |e: &u8| {
                s.borrow_mut().push(format!("monitor {e}"));
                let em = weak.upgrade().unwrap();
                if em.listener_count(names::ERROR) == 0 {
                    let s = s.clone();
                    em.on(names::ERROR, move |e: &u8| {
                        s.borrow_mut().push(format!("error {e}"))
                    });
                }
            });
        };
        // emit_error, with "error" never seen before.
        let em = EventEmitter::new();
        adds_handler(&em);
        assert_eq!(em.emit_error(1u8), Ok(()));
        // A plain emit by name, "error" never seen before.
        let em = EventEmitter::new();
        adds_handler(&em);
        assert!(em.emit("error", &2u8));
        // A plain emit through a key made before any listener (the slot exists, empty).
        let em = EventEmitter::new();
        let key = em.key(ERR);
        adds_handler(&em);
        assert!(em.emit(&key, &3));
        assert_eq!(
            taken(&seen),
            [
                "monitor 1",
                "error 1",
                "monitor 2",
                "error 2",
                "monitor 3",
                "error 3"
            ]
        );
    }

    /// The other way round: a monitor that removes the only `'error'` listener leaves the
    /// error unhandled (Node throws).
    #[test]
    fn a_monitor_removing_the_handler_leaves_the_error_unhandled() {
        let em = EventEmitter::new();
        let id = em.on(names::ERROR, |_: &u8| {
            panic!("removed before the emit reached it")
        });
        let weak = em.downgrade();
        em.on(names::ERROR_MONITOR, move |_: &u8| {
            weak.upgrade().unwrap().off(id);
        });
        assert_eq!(em.emit_error(7u8), Err(Unhandled(7)));
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
