//! [`WeakDuplex`]: a handle that does not keep its Duplex alive.

use std::fmt;

use super::Duplex;
use crate::stream::readable::{self, Chunk};
use crate::stream::writable::{self, Sink};

/// A handle that does not keep its [`Duplex`] alive (see [`Duplex::downgrade`]).
pub struct WeakDuplex<
    R: 'static = Chunk,
    W: 'static = writable::Chunk,
    S: Sink<W> = Box<dyn Sink<W>>,
> {
    pub(super) readable: readable::WeakReadable<R>,
    pub(super) writable: writable::WeakWritable<W, S>,
}

impl<R: 'static, W: 'static, S: Sink<W>> WeakDuplex<R, W, S> {
    /// The stream, if a strong handle to it is still alive.
    pub fn upgrade(&self) -> Option<Duplex<R, W, S>> {
        Some(Duplex {
            readable: self.readable.upgrade()?,
            writable: self.writable.upgrade()?,
        })
    }
}

impl<R: 'static, W: 'static, S: Sink<W>> Clone for WeakDuplex<R, W, S> {
    fn clone(&self) -> Self {
        WeakDuplex {
            readable: self.readable.clone(),
            writable: self.writable.clone(),
        }
    }
}

impl<R: 'static, W: 'static, S: Sink<W>> fmt::Debug for WeakDuplex<R, W, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakDuplex").finish_non_exhaustive()
    }
}
