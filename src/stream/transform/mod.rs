//! Node's `stream.Transform` and `stream.PassThrough`: a [`Duplex`] whose readable side
//! carries what its writable side's chunks become.
//!
//! A [`Transform<In, Out>`] takes `In` values (bytes by default) and gives `Out` values
//! (bytes by default), through a [`Transformer`]: Node's `_transform` for each chunk, and
//! `_flush` at the end. Its backpressure is Node's: a chunk's callback is held while the
//! readable side is past its high-water mark, so the writable side buffers until a
//! consumer reads, and a pipe through a Transform slows to its slowest end.
//!
//! # Examples
//!
//! Upper-casing bytes, piped between two streams:
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//!
//! use nodestream::events::DATA;
//! use nodestream::stream::readable::{self, Readable, ReadableOptions};
//! use nodestream::stream::transform::{Transform, TransformCallback};
//! use nodestream::stream::{writable, DuplexOptions};
//! use nodestream::EventLoop;
//!
//! let event_loop = EventLoop::new()?;
//! let lp = event_loop.handle();
//! let upper = Transform::new(
//!     &lp,
//!     DuplexOptions::new(),
//!     |chunk: writable::Chunk, _: &Readable, done: TransformCallback<readable::Chunk>| {
//!         done.done(chunk.as_bytes().to_ascii_uppercase())
//!     },
//! );
//! let src = Readable::new(&lp, ReadableOptions::new(), |_: &Readable, _| {});
//! let got = Rc::new(RefCell::new(Vec::new()));
//! let g = got.clone();
//! src.pipe(&upper).on(DATA, move |c| g.borrow_mut().extend_from_slice(c.as_bytes().unwrap()));
//! src.push("hello ");
//! src.push("transform");
//! src.push(None);
//! event_loop.run()?;
//! assert_eq!(got.borrow().as_slice(), b"HELLO TRANSFORM");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod passthrough;
mod transformer;

use std::cell::OnceCell;
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use crate::reactor::LoopHandle;
use crate::stream::duplex::{Duplex, DuplexOptions};
use crate::stream::readable::{self, PipeDestination, Readable, Source, WeakReadable};
use crate::stream::writable::PREFINISH;
use crate::stream::writable::{self, DestroyCallback, FinalCallback, Sink, WriteCallback};
use crate::Error;

pub use passthrough::PassThrough;
pub use transformer::{TransformCallback, Transformer};

use transformer::Waiting;

/// A Transform stream of `In` to `Out`: a [`Duplex`] (it dereferences to one) whose
/// readable side carries what a [`Transformer`] makes of the writable side's chunks.
///
/// `Transform` (the defaults) is a byte stream both ways: [`writable::Chunk`] in,
/// [`readable::Chunk`] out.
pub struct Transform<In: 'static = writable::Chunk, Out: 'static = readable::Chunk> {
    duplex: Duplex<Out, In>,
}

impl<In: 'static, Out: 'static> Clone for Transform<In, Out> {
    fn clone(&self) -> Self {
        Transform {
            duplex: self.duplex.clone(),
        }
    }
}

impl<In: 'static, Out: 'static> PartialEq for Transform<In, Out> {
    fn eq(&self, other: &Self) -> bool {
        self.duplex == other.duplex
    }
}

impl<In: 'static, Out: 'static> Eq for Transform<In, Out> {}

impl<In: 'static, Out: 'static> fmt::Debug for Transform<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Transform").field(&self.duplex).finish()
    }
}

/// A Transform is a Duplex, as in Node (`Transform extends Duplex`).
impl<In: 'static, Out: 'static> Deref for Transform<In, Out> {
    type Target = Duplex<Out, In>;

    fn deref(&self) -> &Duplex<Out, In> {
        &self.duplex
    }
}

impl<In: 'static, Out: 'static> Transform<In, Out> {
    /// A Transform running `transformer`: Node's `new Transform({ transform, flush })`.
    ///
    /// As in Node, a readable high-water mark of 0 also sets the writable one to 0 unless
    /// it is given, so that the stream buffers in one place.
    pub fn new(
        lp: &LoopHandle,
        options: DuplexOptions,
        transformer: impl Transformer<In, Out>,
    ) -> Transform<In, Out> {
        let waiting = Rc::new(Waiting::default());
        let readable = Rc::new(OnceCell::new());
        let sink = TransformSink {
            transformer: Box::new(transformer),
            readable: readable.clone(),
            waiting: waiting.clone(),
        };
        let duplex = Duplex::with_source(
            lp,
            options.for_transform(),
            Rc::new(TransformSource(waiting)),
            Box::new(sink) as Box<dyn Sink<In>>,
        );
        let _ = readable.set(duplex.readable_side().downgrade());
        // Node's Transform: `_read` is ready before the first read.
        duplex.readable_side().clear_sync();
        // Node's Transform listens for its own 'prefinish' (to run `_flush` for a
        // subclass that replaced `_final`); kept so that listener counts match Node's.
        duplex.writable_side().on(PREFINISH, |_| {});
        Transform { duplex }
    }

    /// The stream as the [`Duplex`] it is.
    pub fn as_duplex(&self) -> &Duplex<Out, In> {
        &self.duplex
    }
}

/// A Transform is a pipe destination as its writable side is.
impl<T: 'static, In: 'static, Out: 'static> PipeDestination<T> for Transform<In, Out>
where
    Duplex<Out, In>: PipeDestination<T>,
{
    fn emitter(&self) -> nodestream_emitter::EventEmitter {
        PipeDestination::emitter(&self.duplex)
    }

    fn write(&self, chunk: &T) -> bool {
        PipeDestination::write(&self.duplex, chunk)
    }

    fn write_owned(&self, chunk: T) -> bool {
        PipeDestination::write_owned(&self.duplex, chunk)
    }

    fn end(&self) {
        PipeDestination::end(&self.duplex);
    }

    fn need_drain(&self) -> bool {
        PipeDestination::need_drain(&self.duplex)
    }

    fn writable(&self) -> bool {
        PipeDestination::writable(&self.duplex)
    }

    fn error_emitted(&self) -> bool {
        PipeDestination::error_emitted(&self.duplex)
    }

    fn error_or_destroy(&self, err: Error) {
        PipeDestination::error_or_destroy(&self.duplex, err);
    }

    fn destroy(&self, err: Option<Error>) {
        PipeDestination::destroy(&self.duplex, err);
    }

    fn uncaught(&self, err: Error) {
        PipeDestination::uncaught(&self.duplex, err);
    }
}

/// The writable side's sink: Node's `Transform.prototype._write` and `_final`.
struct TransformSink<In: 'static, Out: 'static> {
    transformer: Box<dyn Transformer<In, Out>>,
    /// The readable side (weakly: it owns the writable side, see `duplex::link`); set
    /// right after the stream is made.
    readable: Rc<OnceCell<WeakReadable<Out>>>,
    waiting: Rc<Waiting>,
}

impl<In: 'static, Out: 'static> TransformSink<In, Out> {
    fn readable(&self) -> Option<Readable<Out>> {
        self.readable.get().and_then(WeakReadable::upgrade)
    }
}

impl<In: 'static, Out: 'static> Sink<In> for TransformSink<In, Out> {
    fn write(&mut self, chunk: In, cb: WriteCallback) {
        // The readable side is gone only once every handle to the stream is: nobody can
        // read what this chunk would become.
        let Some(r) = self.readable() else {
            return cb.ok();
        };
        let done = TransformCallback::transform(r.clone(), cb, self.waiting.clone());
        self.transformer.transform(chunk, &r, done);
    }

    fn finalize(&mut self, cb: FinalCallback) {
        let Some(r) = self.readable() else {
            return cb.ok();
        };
        if r.destroyed() {
            // Node's `final` on a destroyed stream: no `_flush`.
            r.push(None);
            return cb.ok();
        }
        let done = TransformCallback::flush(r.clone(), cb);
        self.transformer.flush(&r, done);
    }

    fn destroy(&mut self, err: Option<Error>, cb: DestroyCallback) {
        self.transformer.destroy(err, cb);
    }
}

/// The readable side's source: Node's `Transform.prototype._read`, which lets the held
/// chunk's callback go.
struct TransformSource(Rc<Waiting>);

impl<Out: 'static> Source<Out> for TransformSource {
    fn read(&self, _stream: &Readable<Out>, _size: usize) {
        if let Some(cb) = self.0.callback.take() {
            cb.ok();
        }
    }
}

/// The readable side is gone with its source: nobody can read what the held chunk became,
/// so its write can never complete. Its callback goes too; kept, it would hold the
/// writable side, whose sink holds it, in a cycle that outlives every handle.
impl Drop for TransformSource {
    fn drop(&mut self) {
        drop(self.0.callback.take());
    }
}
