//! The implementation side of a Writable: Node's `_write`, `_writev`, `_final` and
//! `_destroy`. (`_construct` is given where the stream is made: see
//! [`Writable::new_with_construct`](super::Writable::new_with_construct).)

use crate::error::Error;

use super::callbacks::{DestroyCallback, FinalCallback, WriteCallback};

/// What a Writable writes into: the methods a Node user overrides (`_write`, `_writev`,
/// `_final`, `_destroy`).
///
/// Each method completes through the token it is given, now or later (from the loop, for
/// example inside `set_immediate`). Completing synchronously, inside the call, is allowed
/// and is the fast path.
///
/// # Optional methods
///
/// Only [`write`](Sink::write) must be written. Node looks at whether a stream has
/// `_writev` and `_final` and behaves differently without them; here the default bodies
/// of [`writev`](Sink::writev) and [`finalize`](Sink::finalize) are what say "not
/// implemented": the stream calls the method, the default body answers at once, and the
/// stream goes on as Node's stream without that method (the batch written one chunk at a
/// time through `write`, `'prefinish'` at once). Overriding the method is all it takes to
/// have it called; there is no switch to forget. The default
/// [`destroy`](Sink::destroy) is Node's default `_destroy`.
///
/// Node's `_construct` must be known when the stream is made (a write made before it
/// completes waits for it), so it is not a method here: it is given to the constructor
/// ([`Writable::new_with_construct`](super::Writable::new_with_construct) and its
/// siblings).
///
/// # Re-entrancy
///
/// The methods take `&mut self`. User code run from inside one of them (a callback, a
/// listener) may call back into the stream, for example `write()` or `destroy()` from
/// inside `write`. The stream then defers its own call into the sink (the next `_write`,
/// `_destroy`, `_final`) until the running method returns, instead of nesting it as Node
/// does. That moves the start of the deferred method to the end of the running one, and
/// with it the ticks it queues: see `docs/writable.md` for the resulting orders.
///
/// # Panics
///
/// A method that panics is a method that throws in Node, and is treated as Node treats
/// the throw:
///
/// - [`finalize`](Sink::finalize), [`destroy`](Sink::destroy) and the construct step:
///   Node catches the throw and completes the call with it, so the panic becomes the
///   stream's error, code `ERR_PANIC` (`'error'`, then `'close'`), and does not unwind. A
///   `destroy` that panics after completing unwinds instead (Node would ignore the throw;
///   nothing else would report the panic here).
/// - [`write`](Sink::write) and [`writev`](Sink::writev): Node does not catch the throw;
///   the panic unwinds out of the `write()` (or out of the loop's `run()`) that called the
///   sink. The write stays in flight until the sink
///   completes it (a sink that panics before completing leaves the stream waiting, as in
///   Node; `destroy()` still closes it), and the sink calls that were queued while it ran
///   run on the next tick.
///
/// # Examples
///
/// ```
/// use nodestream::stream::writable::{Chunk, Sink, WriteCallback};
///
/// /// Collects every byte written.
/// #[derive(Default)]
/// struct Collect(Vec<u8>);
///
/// impl Sink for Collect {
///     fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
///         self.0.extend_from_slice(chunk.as_bytes());
///         cb.ok();
///     }
/// }
/// ```
pub trait Sink<T: 'static = super::Chunk>: 'static {
    /// Node's `_write(chunk, encoding, cb)`. The chunk's encoding travels with it (see
    /// [`Chunk::encoding`](super::Chunk::encoding)); in object mode there is none.
    fn write(&mut self, chunk: T, cb: WriteCallback);

    /// Node's `_writev(chunks, cb)`: several buffered chunks at once, in order (each chunk
    /// carries its encoding, as Node's `{ chunk, encoding }` entries do), always two or
    /// more. One completion of `cb` completes them all.
    ///
    /// The default body is a stream without `_writev`: it hands the batch back untouched,
    /// at once, and the stream writes the chunks one at a time through
    /// [`write`](Sink::write), each with its own callback, as Node does. The stream
    /// remembers the answer and does not ask again.
    fn writev(&mut self, chunks: Vec<T>, cb: WriteCallback) {
        cb.writev_not_implemented(chunks);
    }

    /// Node's `_final(cb)`: runs once every write has completed, before `'prefinish'`
    /// and `'finish'`.
    ///
    /// The default body is a stream without `_final`: it answers at once, and the stream
    /// emits `'prefinish'` right away, as Node does when there is no `_final`.
    fn finalize(&mut self, cb: FinalCallback) {
        cb.not_implemented();
    }

    /// Node's `_destroy(err, cb)`: release resources, then report, with the error given
    /// or another (`None` suppresses the `'error'` of `destroy(err)`, as in Node).
    ///
    /// The default body is Node's default `_destroy`: `cb(err)`.
    ///
    /// # Node compatibility
    ///
    /// Called through the sink like any method, so a `destroy()` made from inside another
    /// method of this sink (from `write`, say) runs `destroy` (the default one too) once
    /// that method returns, where Node runs `_destroy` inside `destroy()`; see
    /// [Re-entrancy](Sink#re-entrancy).
    fn destroy(&mut self, err: Option<Error>, cb: DestroyCallback) {
        cb.call(err);
    }
}

/// A boxed sink is a sink: the common `Writable<T>` holds its sink as a
/// `Box<dyn Sink<T>>`. Every method goes to the boxed sink's own (its default bodies
/// included), so the box answers as the sink does.
impl<T: 'static> Sink<T> for Box<dyn Sink<T>> {
    #[inline]
    fn write(&mut self, chunk: T, cb: WriteCallback) {
        (**self).write(chunk, cb);
    }

    fn writev(&mut self, chunks: Vec<T>, cb: WriteCallback) {
        (**self).writev(chunks, cb);
    }

    fn finalize(&mut self, cb: FinalCallback) {
        (**self).finalize(cb);
    }

    fn destroy(&mut self, err: Option<Error>, cb: DestroyCallback) {
        (**self).destroy(err, cb);
    }
}
