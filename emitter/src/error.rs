//! The error an unhandled `'error'` event turns into.

use std::error::Error as StdError;
use std::fmt;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
