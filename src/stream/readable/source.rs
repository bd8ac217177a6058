//! The implementation side of a Readable: Node's `_read(size)` and `_destroy(err, cb)`.

use std::fmt;

use super::{Chunk, Readable};
use crate::Error;

/// Where a [`Readable`]'s data comes from: Node's `_read` and `_destroy`. A source of a
/// typed object stream is a `Source<T>` and pushes `T` values.
///
/// The stream calls [`read`](Source::read) when it wants more data; the source answers,
/// now or later, with [`Readable::push`] (a chunk, or `None` for the end of the data). It is
/// not called again until it has pushed something. A closure `Fn(&Readable<T>, usize)` is
/// a source with the default `destroy`.
///
/// Methods take `&self` and may call back into the stream (push, destroy, emit); keep any
/// `RefCell` borrow of your own short and never hold it across such a call.
///
/// # Panics
///
/// As Node catches a throwing `_read` or `_destroy`, a method that panics fails the stream
/// with an `ERR_PANIC` error (`'error'`, then `'close'`) instead of unwinding: what was
/// pushed before the panic is still delivered. A `destroy` that panics after calling
/// [`DestroyDone::done`] unwinds instead (Node ignores that throw; nothing else would
/// report the panic here).
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use nodestream::stream::readable::{Readable, Source};
///
/// /// Counts 1, 2, 3 then ends.
/// struct Counter(Cell<u32>);
///
/// impl Source for Counter {
///     fn read(&self, stream: &Readable, _size: usize) {
///         let n = self.0.get() + 1;
///         self.0.set(n);
///         if n <= 3 {
///             stream.push(n.to_string());
///         } else {
///             stream.push(None);
///         }
///     }
/// }
/// # let _ = Counter(Cell::new(0));
/// ```
pub trait Source<T: 'static = Chunk>: 'static {
    /// Node's `_read(size)`: produce up to about `size` units (bytes, or objects in object
    /// mode) and push them, synchronously or later.
    fn read(&self, stream: &Readable<T>, size: usize);

    /// Node's `_destroy(err, cb)`: release resources, then call [`DestroyDone::done`] with
    /// the error to report (usually `err` itself). The default reports `err` at once. Dropping
    /// `done` without calling it leaves the stream destroyed but never closed, as in Node.
    fn destroy(&self, stream: &Readable<T>, err: Option<Error>, done: DestroyDone<T>) {
        let _ = stream;
        done.done(err);
    }
}

impl<T: 'static, F: Fn(&Readable<T>, usize) + 'static> Source<T> for F {
    fn read(&self, stream: &Readable<T>, size: usize) {
        self(stream, size)
    }
}

/// The completion of [`Source::destroy`] (Node's `_destroy` callback). Calling
/// [`done`](DestroyDone::done) lets the stream emit `'error'` (if any) and `'close'`.
pub struct DestroyDone<T: 'static = Chunk> {
    pub(super) stream: Readable<T>,
    /// For the readable side of a Duplex: the rest of the Duplex's destroy, which closes
    /// the stream (see `duplex_side.rs`).
    pub(super) then: Option<Box<dyn FnOnce(Option<Error>)>>,
}

impl<T: 'static> DestroyDone<T> {
    /// Reports the end of the destruction, with the error to emit (if any).
    ///
    /// # Events
    ///
    /// On the next tick: `'error'` (when `err` or an earlier error is set), then `'close'`.
    pub fn done(self, err: Option<Error>) {
        match self.then {
            Some(then) => then(err),
            None => self.stream.on_destroyed(err),
        }
    }
}

impl<T: 'static> fmt::Debug for DestroyDone<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DestroyDone").finish_non_exhaustive()
    }
}
