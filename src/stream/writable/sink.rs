//! The implementation side of a Writable: Node's `_write`, `_writev`, `_final`,
//! `_destroy` and `_construct`.

use crate::error::Error;

use super::callbacks::{ConstructCallback, DestroyCallback, FinalCallback, WriteCallback};

/// What a Writable writes into: the methods a Node user overrides (`_write`, `_writev`,
/// `_final`, `_destroy`, `_construct`).
///
/// Each method completes through the token it is given, now or later (from the loop, for
/// example inside `set_immediate`). Completing synchronously, inside the call, is allowed
/// and is the fast path.
///
/// The `has_*` methods say which optional methods the sink defines (Node looks at whether
/// `_writev`, `_final` and `_construct` are functions); they are read once, when the
/// stream is made.
///
/// # Re-entrancy
///
/// The methods take `&mut self`. User code run from inside one of them (a callback, a
/// listener) may call back into the stream, for example `write()` or `destroy()` from
/// inside `write`. The stream then defers its own call into the sink (the next `_write`,
/// a custom `_destroy`) until the running method returns, instead of nesting it as Node
/// does. That moves the start of the deferred method to the end of the running one, and
/// with it the ticks it queues: see `docs/writable.md` for the resulting orders.
///
/// # Panics
///
/// A method that panics is a method that throws in Node, and is treated as Node treats
/// the throw:
///
/// - [`finalize`](Sink::finalize), [`construct`](Sink::construct) and
///   [`destroy`](Sink::destroy): Node catches the throw and completes the call with it, so
///   the panic becomes the stream's error, code `ERR_PANIC` (`'error'`, then `'close'`),
///   and does not unwind. A `destroy` that panics after completing unwinds instead (Node
///   would ignore the throw; nothing else would report the panic here).
/// - [`write`](Sink::write), [`writev`](Sink::writev) and [`relieve`](Sink::relieve):
///   Node does not catch the throw; the panic unwinds out of the `write()` (or out of the
///   loop's `run()`) that called the sink. The write stays in flight until the sink
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
pub trait Sink<T = super::Chunk>: 'static {
    /// Node's `_write(chunk, encoding, cb)`. The chunk's encoding travels with it (see
    /// [`Chunk::encoding`](super::Chunk::encoding)); in object mode there is none.
    fn write(&mut self, chunk: T, cb: WriteCallback);

    /// Node's `_writev(chunks, cb)`: several buffered chunks at once, in order (each chunk
    /// carries its encoding, as Node's `{ chunk, encoding }` entries do). Called only when
    /// [`has_writev`](Sink::has_writev) says so, and with two chunks or more.
    ///
    /// The default writes nothing and fails the batch; a sink that overrides
    /// `has_writev` must override this.
    fn writev(&mut self, chunks: Vec<T>, cb: WriteCallback) {
        drop(chunks);
        cb.error(Error::custom(
            "ERR_METHOD_NOT_IMPLEMENTED",
            "The _writev() method is not implemented",
        ));
    }

    /// Whether [`writev`](Sink::writev) is implemented.
    fn has_writev(&self) -> bool {
        false
    }

    /// Node's `_final(cb)`: runs once every write has completed, before `'prefinish'`
    /// and `'finish'`. Called only when [`has_final`](Sink::has_final) says so.
    fn finalize(&mut self, cb: FinalCallback) {
        cb.ok();
    }

    /// Whether [`finalize`](Sink::finalize) is implemented.
    fn has_final(&self) -> bool {
        false
    }

    /// Node's `_destroy(err, cb)`: release resources. Called only when
    /// [`has_destroy`](Sink::has_destroy) says so; otherwise the stream completes the
    /// destroy itself at once with the error it was given, as Node's default `_destroy`
    /// does (and without entering the sink, so it is never deferred).
    fn destroy(&mut self, err: Option<Error>, cb: DestroyCallback) {
        cb.call(err);
    }

    /// Whether [`destroy`](Sink::destroy) is implemented.
    fn has_destroy(&self) -> bool {
        false
    }

    /// Node's `_construct(cb)`: called on the tick after the stream is made; writes are
    /// buffered until it completes. Called only when
    /// [`has_construct`](Sink::has_construct) says so.
    fn construct(&mut self, cb: ConstructCallback) {
        cb.ok();
    }

    /// Whether [`construct`](Sink::construct) is implemented.
    fn has_construct(&self) -> bool {
        false
    }

    /// The stream is about to report backpressure (`write()` is about to return `false`),
    /// or is about to be destroyed, while this sink holds a write in flight. A sink that
    /// holds writes back on purpose, to batch them, may push what it holds now and
    /// complete the write in flight inside this call; the stream counts that completion as
    /// a synchronous one (its callback on the next tick, as for a `write` that completes at
    /// once), hands the sink what it buffered behind it, and `write()` returns what the
    /// buffered length is afterwards (or `destroy()` goes on). Called only when
    /// [`has_relieve`](Sink::has_relieve) says so, never for a corked, destroyed or errored
    /// stream, and never from inside another sink method.
    ///
    /// Not one of Node's methods: Node's fd streams hand each write to the kernel inside
    /// `_write`, so they never hold one back. The fd streams of this crate hold a write
    /// into an idle stream until the end of the tick, so that the tick's writes reach the
    /// kernel together; this hook lets them write once a high-water mark of bytes has
    /// gathered instead of making `write()` return `false` for it, and before `destroy()`,
    /// so that the writes made before it reach the kernel and succeed, as in Node.
    fn relieve(&mut self) {}

    /// Whether [`relieve`](Sink::relieve) is implemented.
    fn has_relieve(&self) -> bool {
        false
    }
}

/// A boxed sink is a sink: the common `Writable<T>` holds its sink as a
/// `Box<dyn Sink<T>>`.
impl<T: 'static> Sink<T> for Box<dyn Sink<T>> {
    #[inline]
    fn write(&mut self, chunk: T, cb: WriteCallback) {
        (**self).write(chunk, cb);
    }

    fn writev(&mut self, chunks: Vec<T>, cb: WriteCallback) {
        (**self).writev(chunks, cb);
    }

    fn has_writev(&self) -> bool {
        (**self).has_writev()
    }

    fn finalize(&mut self, cb: FinalCallback) {
        (**self).finalize(cb);
    }

    fn has_final(&self) -> bool {
        (**self).has_final()
    }

    fn destroy(&mut self, err: Option<Error>, cb: DestroyCallback) {
        (**self).destroy(err, cb);
    }

    fn has_destroy(&self) -> bool {
        (**self).has_destroy()
    }

    fn construct(&mut self, cb: ConstructCallback) {
        (**self).construct(cb);
    }

    fn has_construct(&self) -> bool {
        (**self).has_construct()
    }

    fn relieve(&mut self) {
        (**self).relieve();
    }

    fn has_relieve(&self) -> bool {
        (**self).has_relieve()
    }
}
