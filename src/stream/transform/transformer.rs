//! What a [`Transform`](super::Transform) runs: the [`Transformer`] (Node's `_transform`
//! and `_flush`) and its completion token, [`TransformCallback`].

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use crate::stream::readable::{Chunk, PushChunk, Readable};
use crate::stream::writable::Chunk as WChunk;
use crate::stream::writable::{DestroyCallback, FinalCallback, WriteCallback};
use crate::Error;

/// The work of a [`Transform`](super::Transform) of `In` to `Out`: Node's `_transform`,
/// `_flush` and `_destroy`.
///
/// [`transform`](Transformer::transform) gets each chunk written, and answers with its
/// [`TransformCallback`], now or later, with a value to push or none; it may also push any
/// number of values itself through the stream it is lent (Node's `this.push`). The next
/// chunk comes only after the answer. A closure `FnMut(In, &Readable<Out>,
/// TransformCallback<Out>)` is a transformer without `_flush`.
///
/// # Panics
///
/// A method that panics is a method that throws in Node, and is treated as Node treats
/// the throw (see [`Sink`](crate::stream::Sink#panics)):
///
/// - [`transform`](Transformer::transform) runs inside the writable side's `_write`,
///   which Node does not guard: the panic unwinds out of the `write()` (or the loop's
///   `run()`) that handed the chunk over, and that write stays in flight.
/// - [`flush`](Transformer::flush) runs inside `_final` and
///   [`destroy`](Transformer::destroy) is `_destroy`: Node catches their throws, so the
///   panic becomes the stream's error, code `ERR_PANIC` (`'error'`, then `'close'`).
///
/// # Examples
///
/// ```
/// use nodestream::stream::readable::Readable;
/// use nodestream::stream::transform::{TransformCallback, Transformer};
///
/// /// Counts the chunks; at the end, pushes the count.
/// struct Count(u64);
///
/// impl Transformer<String, u64> for Count {
///     fn transform(&mut self, _line: String, _: &Readable<u64>, done: TransformCallback<u64>) {
///         self.0 += 1;
///         done.ok();
///     }
///     fn flush(&mut self, _: &Readable<u64>, done: TransformCallback<u64>) {
///         done.done(self.0);
///     }
/// }
/// # let _ = Count(0);
/// ```
pub trait Transformer<In: 'static = WChunk, Out: 'static = Chunk>: 'static {
    /// Node's `_transform(chunk, encoding, callback)` (a byte chunk carries its encoding).
    fn transform(&mut self, chunk: In, stream: &Readable<Out>, done: TransformCallback<Out>);

    /// Node's `_flush(callback)`: after the last chunk, before the readable side ends. The
    /// default answers at once with nothing more, as a Transform without `_flush`.
    fn flush(&mut self, stream: &Readable<Out>, done: TransformCallback<Out>) {
        let _ = stream;
        done.ok();
    }

    /// Node's `_destroy(err, callback)`. The default reports `err`, as Node's.
    fn destroy(&mut self, err: Option<Error>, done: DestroyCallback) {
        done.call(err);
    }
}

impl<In, Out, F> Transformer<In, Out> for F
where
    In: 'static,
    Out: 'static,
    F: FnMut(In, &Readable<Out>, TransformCallback<Out>) + 'static,
{
    fn transform(&mut self, chunk: In, stream: &Readable<Out>, done: TransformCallback<Out>) {
        self(chunk, stream, done);
    }
}

/// What the writable side's next chunk waits for: the transform callback kept while the
/// readable side is full (Node's `kCallback`), shared by the sink and the source.
#[derive(Default)]
pub(super) struct Waiting {
    pub(super) callback: Cell<Option<WriteCallback>>,
}

/// Which call a [`TransformCallback`] answers.
enum Step {
    /// `_transform`: the write's callback, and the readable length before the call.
    Transform {
        cb: WriteCallback,
        length_before: usize,
        waiting: Rc<Waiting>,
    },
    /// `_flush`: `_final`'s callback.
    Flush(FinalCallback),
}

/// Completes a [`Transformer`] call: Node's `callback(err, value)` of `_transform` and
/// `_flush`. Dropping it unanswered leaves the stream waiting, as a callback never called
/// does in Node.
pub struct TransformCallback<Out: 'static = Chunk> {
    step: Step,
    readable: Readable<Out>,
}

impl<Out: 'static> TransformCallback<Out> {
    pub(super) fn transform(
        readable: Readable<Out>,
        cb: WriteCallback,
        waiting: Rc<Waiting>,
    ) -> Self {
        let length_before = readable.readable_length();
        TransformCallback {
            step: Step::Transform {
                cb,
                length_before,
                waiting,
            },
            readable,
        }
    }

    pub(super) fn flush(readable: Readable<Out>, cb: FinalCallback) -> Self {
        TransformCallback {
            step: Step::Flush(cb),
            readable,
        }
    }

    /// Done, nothing more to push: `callback()`.
    pub fn ok(self) {
        self.answer(Ok(None));
    }

    /// Done, pushing `value` first: `callback(null, value)`.
    pub fn done(self, value: impl PushChunk<Out>) {
        self.answer(Ok(value.into_push()));
    }

    /// Failed: `callback(err)`. The stream is destroyed with `err`.
    pub fn error(self, err: Error) {
        self.answer(Err(err));
    }

    /// [`done`](Self::done) with an optional value, or [`error`](Self::error).
    pub fn call(self, result: Result<Option<Out>, Error>) {
        self.answer(result);
    }

    fn answer(self, result: Result<Option<Out>, Error>) {
        let r = self.readable;
        match self.step {
            Step::Transform {
                cb,
                length_before,
                waiting,
            } => {
                let value = match result {
                    Ok(value) => value,
                    Err(err) => return cb.error(err),
                };
                if let Some(value) = value {
                    r.push(value);
                }
                if r.push_ended() {
                    // The source pushed the end: the write completes a tick later, once
                    // the end is known to the writable side too (Node's Transform).
                    r.loop_handle().next_tick(move || cb.ok());
                } else if r.duplex_writable_ended()
                    || length_before == r.readable_length()
                    || r.readable_length() < r.readable_high_water_mark()
                {
                    cb.ok();
                } else {
                    // The readable side is full: the next chunk waits for a read.
                    waiting.callback.set(Some(cb));
                }
            }
            Step::Flush(cb) => {
                let value = match result {
                    Ok(value) => value,
                    Err(err) => return cb.error(err),
                };
                if let Some(value) = value {
                    r.push(value);
                }
                r.push(None);
                cb.ok();
            }
        }
    }
}

impl<Out: 'static> fmt::Debug for TransformCallback<Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.step {
            Step::Transform { .. } => "TransformCallback(transform)",
            Step::Flush(_) => "TransformCallback(flush)",
        })
    }
}
