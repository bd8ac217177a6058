//! Node's `stream.pipeline(source, ...transforms, destination, callback)`: pipe streams
//! into each other, destroy them all when one fails, and be told once when it is over.
//!
//! A pipeline is built stage by stage, each typed by what flows through it:
//! [`pipeline(&source)`](pipeline()) starts it from a [`Readable<T>`] (or any
//! [`PipelineSource`]), [`through(&stage)`](Pipeline::through) adds a middle stage (a
//! [`Through<T, U>`]: a Duplex or Transform that takes `T` and gives `U`), and
//! [`to(&destination, callback)`](Pipeline::to) ends it with a destination — a
//! [`Writable`], an [`FdWritable`](crate::stream::FdWritable), a
//! [`FileWriteStream`](crate::fs::FileWriteStream), a Duplex or Transform — and starts it.
//!
//! Node's rules, each stream watched with [`finished`](crate::stream::finished()):
//!
//! - each stage is piped into the next (`pipe()` with its backpressure); the last is
//!   ended when the one before it ends (unless [`end(false)`](Pipeline::end));
//! - the first error of any stream — an `'error'`, or a stage closed before its end
//!   (`ERR_STREAM_PREMATURE_CLOSE`) — destroys every stream not yet done (with
//!   `ERR_STREAM_DESTROYED` when there is no error to give them), and is the callback's;
//!   a real error that comes after a premature close replaces it;
//! - the callback runs once, on the tick after the last stream is done (finished, or
//!   closed after an error), with `None` or the error ([`PipelineError`], which also
//!   gives the [root cause](PipelineError::root_cause) behind a premature close);
//! - the pipeline handles the streams' errors (its `'error'` listeners), so none goes
//!   uncaught; when the last stream has a readable side, its listeners are removed after
//!   a pipeline that succeeded.
//!
//! # Examples
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//!
//! use nodestream::stream::pipeline;
//! use nodestream::stream::readable::{Readable, ReadableOptions};
//! use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
//! use nodestream::EventLoop;
//!
//! struct Collect(Rc<RefCell<Vec<u8>>>);
//! impl Sink for Collect {
//!     fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
//!         self.0.borrow_mut().extend_from_slice(chunk.as_bytes());
//!         cb.ok();
//!     }
//! }
//!
//! let lp = EventLoop::new()?;
//! let src = Readable::new(&lp.handle(), ReadableOptions::new(), |_: &Readable, _| {});
//! let got = Rc::new(RefCell::new(Vec::new()));
//! let dest = Writable::new(&lp.handle(), Collect(got.clone()), WritableOptions::new());
//! let answer = Rc::new(RefCell::new(None));
//! let a = answer.clone();
//! pipeline(&src).to(&dest, move |err| *a.borrow_mut() = Some(err))?;
//! src.push("hello, ");
//! src.push("pipeline");
//! src.push(None);
//! lp.run()?;
//! assert_eq!(got.borrow().as_slice(), b"hello, pipeline");
//! assert!(matches!(*answer.borrow(), Some(None))); // done, no error
//! assert!(src.destroyed() && dest.destroyed());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A failing source destroys the destination, and the callback gets the error:
//!
//! ```
//! # use std::cell::RefCell;
//! # use std::rc::Rc;
//! # use nodestream::stream::pipeline;
//! # use nodestream::stream::readable::{Readable, ReadableOptions};
//! # use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
//! # use nodestream::{Error, EventLoop};
//! # struct Discard;
//! # impl Sink for Discard {
//! #     fn write(&mut self, _chunk: Chunk, cb: WriteCallback) { cb.ok(); }
//! # }
//! let lp = EventLoop::new()?;
//! let src = Readable::new(&lp.handle(), ReadableOptions::new(), |_: &Readable, _| {});
//! let dest = Writable::new(&lp.handle(), Discard, WritableOptions::new());
//! let answer = Rc::new(RefCell::new(String::new()));
//! let a = answer.clone();
//! pipeline(&src).to(&dest, move |err| {
//!     *a.borrow_mut() = err.map(|e| e.code().to_string()).unwrap_or_default();
//! })?;
//! src.destroy(Some(Error::custom("EBROKEN", "the source broke")));
//! lp.run()?; // no uncaught error: the pipeline handled it
//! assert_eq!(*answer.borrow(), "EBROKEN");
//! assert!(dest.destroyed());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use crate::compat::NodeCompat;
use crate::reactor::LoopHandle;
use crate::stream::duplex::Duplex;
use crate::stream::eos::{self, EosCleanup, EosOptions, EosStream, Snapshot, WeakStream};
use crate::stream::finished::Finishable;
use crate::stream::lifecycle::{CLOSE, ERROR};
use crate::stream::readable::{Chunk, PipeDestination, PipeOptions, Readable, END};
use crate::stream::transform::Transform;
use crate::stream::writable::{Sink, Writable};
use crate::{Error, ErrorCode};

/// A stream a pipeline can start from: a stream with a readable side (a [`Readable`], a
/// Duplex or Transform), watched and destroyed as a whole.
pub trait PipelineSource<T: 'static>: Finishable + Clone {
    /// The readable side, which the pipeline pipes into the next stage.
    fn readable_side(&self) -> &Readable<T>;
}

impl<T: 'static> PipelineSource<T> for Readable<T> {
    fn readable_side(&self) -> &Readable<T> {
        self
    }
}

impl<R: 'static, W: 'static, S: Sink<W>> PipelineSource<R> for Duplex<R, W, S> {
    fn readable_side(&self) -> &Readable<R> {
        Duplex::readable_side(self)
    }
}

impl<In: 'static, Out: 'static> PipelineSource<Out> for Transform<In, Out> {
    fn readable_side(&self) -> &Readable<Out> {
        self.as_duplex().readable_side()
    }
}

/// A middle stage of a pipeline: a stream that takes `In` (the items of the
/// [`Readable<In>`] before it) and gives `Out` — a Duplex, a Transform, a PassThrough.
///
/// What the pipeline needs of a stage, beside [`PipelineSource::readable_side`] (what it
/// pipes into the next stage) and [`Finishable`] (which makes it watchable and
/// destroyable as one stream: its one emitter, the state of both sides, one `destroy`):
///
/// - [`destination`](Through::destination): the writable side as a pipe destination of
///   `In`, which the stage before is piped into.
pub trait Through<In: 'static, Out: 'static>: PipelineSource<Out> {
    /// The writable side as a destination of `pipe()`.
    type Destination: PipeDestination<In> + Clone;

    /// The writable side, which the stage before is piped into (its emitter is the
    /// stage's).
    fn destination(&self) -> &Self::Destination;
}

/// A Duplex of `R` out and `W` in is a stage from the items its writable side takes
/// (`T`: `W` itself, or a byte Readable's chunks for a byte Duplex) to `R`.
impl<T: 'static, R: 'static, W: 'static, S: Sink<W>> Through<T, R> for Duplex<R, W, S>
where
    Writable<W, S>: PipeDestination<T>,
{
    type Destination = Writable<W, S>;

    fn destination(&self) -> &Writable<W, S> {
        self.writable_side()
    }
}

/// A Transform of `In` to `Out` (a PassThrough among them) is a stage from what its
/// writable side takes to `Out`.
impl<T: 'static, In: 'static, Out: 'static> Through<T, Out> for Transform<In, Out>
where
    Writable<In>: PipeDestination<T>,
{
    type Destination = Writable<In>;

    fn destination(&self) -> &Writable<In> {
        self.as_duplex().writable_side()
    }
}

/// The error a pipeline reports: Node's error ([`error`](PipelineError::error), also
/// what the value derefs to), and the first real error behind it
/// ([`root_cause`](PipelineError::root_cause)).
///
/// Node reports the first error of the pipeline, except that a real error replaces an
/// `ERR_STREAM_PREMATURE_CLOSE` reported before it. When the callback runs with a
/// premature close anyway (the stream that failed closed first, or its error came after
/// the pipeline was over), the error that caused it is often what the user wants
/// (nodejs/node#36760): `root_cause()` is the first error the pipeline saw that is not a
/// premature close (nor an abort), or, failing that, the first error recorded on any of
/// its streams; else the reported error itself.
///
/// # Examples
///
/// ```
/// # use nodestream::stream::pipeline::PipelineError;
/// fn report(err: &PipelineError) -> String {
///     // Node's code, and what lies behind it.
///     format!("{} ({})", err.code(), err.root_cause().message())
/// }
/// ```
#[derive(Clone)]
pub struct PipelineError {
    error: Error,
    root: Option<Error>,
}

impl PipelineError {
    /// An error with no other cause.
    #[cfg(feature = "futures")]
    pub(crate) fn new(error: Error) -> PipelineError {
        PipelineError { error, root: None }
    }

    /// The error Node reports.
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The first real error behind [`error`](PipelineError::error) (see the type's
    /// docs); the error itself when there is none.
    pub fn root_cause(&self) -> &Error {
        self.root.as_ref().unwrap_or(&self.error)
    }

    /// The error Node reports, by value.
    pub fn into_error(self) -> Error {
        self.error
    }
}

impl Deref for PipelineError {
    type Target = Error;

    fn deref(&self) -> &Error {
        &self.error
    }
}

impl From<PipelineError> for Error {
    fn from(err: PipelineError) -> Error {
        err.error
    }
}

impl fmt::Debug for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipelineError")
            .field("error", &self.error)
            .field("root_cause", &self.root)
            .finish()
    }
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for PipelineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.root {
            Some(root) => Some(root),
            None => std::error::Error::source(&self.error),
        }
    }
}

/// A pipeline being built: its streams so far, the last one giving `T`. Made by
/// [`pipeline`]; nothing happens until [`to`](Pipeline::to).
#[must_use = "a pipeline does nothing until `to` starts it"]
pub struct Pipeline<T: 'static = Chunk> {
    stages: Vec<Stage>,
    /// The readable side of the last stage, for the next pipe.
    src: Readable<T>,
    end: bool,
}

/// One stream of the pipeline, and how the stream before it is piped into it.
struct Stage {
    stream: Rc<dyn EosStream>,
    link: Option<Link>,
}

/// Node's `pipe(src, dst, finish, finishOnlyHandleError, { end })`, typed when the stage
/// was added and run when the pipeline starts; gives the destination's watch.
type Link = Box<dyn FnOnce(&Rc<Shared>, bool) -> EosCleanup>;

/// Starts building a pipeline from `source`: Node's `stream.pipeline(source, ...)`.
///
/// Add middle stages with [`through`](Pipeline::through) and start it with
/// [`to`](Pipeline::to); see the [module](self) docs.
pub fn pipeline<T: 'static, S: PipelineSource<T>>(source: &S) -> Pipeline<T> {
    Pipeline {
        stages: vec![Stage {
            stream: Rc::new(source.clone()),
            link: None,
        }],
        src: source.readable_side().clone(),
        end: true,
    }
}

impl<T: 'static> Pipeline<T> {
    /// Adds a middle stage, which the pipeline's last stream is piped into.
    pub fn through<U: 'static, S: Through<T, U>>(mut self, stage: &S) -> Pipeline<U> {
        let stream = Rc::new(stage.clone());
        let link = link(
            self.src,
            self.stages[self.stages.len() - 1].stream.clone(),
            stage.destination().clone(),
            stream.clone(),
        );
        self.stages.push(Stage {
            stream,
            link: Some(link),
        });
        Pipeline {
            stages: self.stages,
            src: stage.readable_side().clone(),
            end: self.end,
        }
    }

    /// Node's `end` option: `false` leaves the destination open when the stream before it
    /// ends (it is then neither ended nor destroyed by the pipeline, and the pipeline is
    /// over when the streams before it are). Default `true`.
    pub fn end(mut self, end: bool) -> Pipeline<T> {
        self.end = end;
        self
    }

    /// Pipes the pipeline into `destination` and starts it: Node's
    /// `pipeline(...streams, destination, callback)`.
    ///
    /// `callback` runs once, on a later tick, when every stream is done: with `None`, or
    /// with the pipeline's error (see the [module](self) docs for the rules).
    ///
    /// # Errors
    ///
    /// Under [`NodeCompat::V26`] (the default), `ERR_STREAM_UNABLE_TO_PIPE` when a stream
    /// after the first is already closed or destroyed, as Node v26 throws; the streams
    /// before it already have the pipeline's listeners then (as in Node, whose streams
    /// before the throw are wired, and may still call `callback`). Under `V20` this never
    /// fails: such a pipeline reports `ERR_STREAM_PREMATURE_CLOSE` to the callback.
    ///
    /// # Events
    ///
    /// `'pipe'` on each stream after the first, synchronously, in order; then the data
    /// flows as with [`Readable::pipe`]. On an error, every stream not yet done is
    /// destroyed (`'error'` with the pipeline's error or `ERR_STREAM_DESTROYED`, then
    /// `'close'`), each in its own way.
    ///
    /// # Node compatibility
    ///
    /// Node's other sources and stages (iterables, async generator functions, web
    /// streams) and its `signal` option are not offered: a Rust source is a
    /// [`Readable`] (`Readable::from_stream` makes one of a `Stream`,
    /// [`Readable::from_iterable`] one of an iterator). Node changed two rules after
    /// v20, and the loop's [`NodeCompat`] picks the release: in v26, an `'error'` after
    /// the pipeline is under way, or a destination that closes before the end, records
    /// the error without counting as a stream done (v20 counts it, so the callback may
    /// come before the other streams are done), and there is the
    /// `ERR_STREAM_UNABLE_TO_PIPE` above.
    pub fn to<D>(
        mut self,
        destination: &D,
        callback: impl FnOnce(Option<PipelineError>) + 'static,
    ) -> Result<(), Error>
    where
        D: PipeDestination<T> + Finishable + Clone,
    {
        let dst: Rc<dyn EosStream> = Rc::new(destination.clone());
        let link = link(
            self.src,
            self.stages[self.stages.len() - 1].stream.clone(),
            destination.clone(),
            dst.clone(),
        );
        self.stages.push(Stage {
            stream: dst,
            link: Some(link),
        });
        run(self.stages, self.end, Box::new(callback))
    }
}

impl<T: 'static> fmt::Debug for Pipeline<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("streams", &self.stages.len())
            .field("end", &self.end)
            .finish()
    }
}

fn is_premature_close(err: &Error) -> bool {
    *err.code() == ErrorCode::PrematureClose
}

fn is_abort(err: &Error) -> bool {
    *err.code() == ErrorCode::Aborted
}

/// The pipeline's answer's receiver.
type Callback = Box<dyn FnOnce(Option<PipelineError>)>;

/// Node's closure variables of `pipelineImpl`.
struct Shared {
    lp: LoopHandle,
    v26: bool,
    error: RefCell<Option<Error>>,
    /// The first error that is not a premature close nor an abort.
    root: RefCell<Option<Error>>,
    destroys: RefCell<VecDeque<Rc<Destroyer>>>,
    finish_count: Cell<isize>,
    /// Taken at the end (Node's `once(callback)`).
    callback: RefCell<Option<Callback>>,
    /// Node's `lastStreamCleanup`.
    last_stream_cleanup: RefCell<Vec<Box<dyn FnOnce()>>>,
    /// Every stream, for the root cause of a premature close.
    streams: Vec<WeakStream>,
}

impl Shared {
    /// Node's `finish(err)`: one stream done.
    fn finish(self: &Rc<Self>, err: Option<Error>) {
        let count = self.finish_count.get() - 1;
        self.finish_count.set(count);
        self.finish_impl(err, count == 0);
    }

    /// Node's `finishOnlyHandleError(err)` (v26), or `finish(err)` (v20): an error seen
    /// while the pipeline runs.
    fn error_seen(self: &Rc<Self>, err: Error) {
        if self.v26 {
            self.finish_impl(Some(err), false);
        } else {
            self.finish(Some(err));
        }
    }

    /// Node's `finishImpl(err, final)`.
    fn finish_impl(self: &Rc<Self>, err: Option<Error>, last: bool) {
        if let Some(err) = err {
            if !is_premature_close(&err) && !is_abort(&err) {
                let mut root = self.root.borrow_mut();
                if root.is_none() {
                    *root = Some(err.clone());
                }
            }
            let mut error = self.error.borrow_mut();
            let replace = match &*error {
                None => true,
                Some(e) => is_premature_close(e) || (self.v26 && is_abort(e)),
            };
            if replace {
                *error = Some(err);
            }
        }
        let error = self.error.borrow().clone();
        if error.is_none() && !last {
            return;
        }
        loop {
            let destroy = self.destroys.borrow_mut().pop_front();
            let Some(destroy) = destroy else { break };
            destroy.destroy(error.clone());
        }
        if last {
            if error.is_none() {
                let cleanups = std::mem::take(&mut *self.last_stream_cleanup.borrow_mut());
                for cleanup in cleanups {
                    cleanup();
                }
            }
            let answer = error.map(|error| PipelineError {
                root: self.root_cause(&error),
                error,
            });
            let callback = self.callback.borrow_mut().take();
            if let Some(callback) = callback {
                self.lp.next_tick(move || callback(answer));
            }
        }
    }

    /// The root cause of `error`, if it is another error.
    fn root_cause(&self, error: &Error) -> Option<Error> {
        if !is_premature_close(error) && !is_abort(error) {
            return None;
        }
        if let Some(root) = self.root.borrow().clone() {
            return Some(root);
        }
        self.streams.iter().find_map(|stream| {
            let stream = stream()?;
            Snapshot::of(&*stream)
                .errored()
                .filter(|e| !is_premature_close(e) && !is_abort(e))
        })
    }
}

/// Node's `destroyer(stream, reading, writing)`: destroys a stream that is not done.
struct Destroyer {
    finished: Cell<bool>,
    stream: WeakStream,
}

impl Destroyer {
    fn destroy(&self, err: Option<Error>) {
        if self.finished.replace(true) {
            return;
        }
        let Some(stream) = (self.stream)() else {
            return;
        };
        // Node's `destroyImpl.destroyer(stream, err)`.
        if Snapshot::of(&*stream).is_destroyed() {
            return;
        }
        let err = err.unwrap_or_else(|| {
            Error::new(
                ErrorCode::Destroyed,
                "Cannot call pipe after a stream was destroyed",
            )
        });
        stream.eos_destroy(Some(err));
    }
}

/// Node's `destroyer(stream, reading, writing)`: the stream's destroy and its watch.
fn destroyer(stream: &dyn EosStream, reading: bool, writing: bool) -> (Rc<Destroyer>, EosCleanup) {
    let d = Rc::new(Destroyer {
        finished: Cell::new(false),
        stream: stream.eos_weak(),
    });
    let d2 = d.clone();
    stream
        .eos_emitter()
        .on(CLOSE, move |_: &()| d2.finished.set(true));
    let d3 = d.clone();
    let cleanup = eos::eos(
        stream,
        EosOptions {
            readable: Some(reading),
            writable: Some(writing),
            error: true,
        },
        Box::new(move |err| d3.finished.set(err.is_none())),
    );
    (d, cleanup)
}

/// Node's `pipe(src, dst, ...)` between two stages, typed now and run by [`run`].
fn link<T: 'static, D: PipeDestination<T> + Clone>(
    src: Readable<T>,
    src_stream: Rc<dyn EosStream>,
    dst: D,
    dst_stream: Rc<dyn EosStream>,
) -> Link {
    Box::new(move |shared: &Rc<Shared>, end: bool| {
        let ended = Rc::new(Cell::new(false));
        let dst_em = dst_stream.eos_emitter();
        let (s, e) = (shared.clone(), ended.clone());
        dst_em.on(CLOSE, move |_: &()| {
            // The destination closed before the source completed.
            if !e.get() {
                s.error_seen(Error::from_code(ErrorCode::PrematureClose));
            }
        });

        // The end of the destination is the pipeline's, below.
        src.pipe_with(&dst, PipeOptions { end: false });

        let src_em = src_stream.eos_emitter();
        if end {
            let end_fn = move || {
                ended.set(true);
                dst.end();
            };
            if Snapshot::of(&*src_stream).is_readable_finished(true) == Some(true) {
                shared.lp.next_tick(end_fn);
            } else {
                src_em.once(END, move |_: &()| end_fn());
            }
        } else {
            shared.finish(None);
        }

        let (s, src_weak, src_em) = (shared.clone(), src_stream.eos_weak(), src_em.downgrade());
        eos::eos(
            &*src_stream,
            EosOptions {
                readable: Some(true),
                writable: Some(false),
                error: true,
            },
            Box::new(move |err| {
                let r = src_weak().and_then(|s| s.eos_readable());
                let ended_well =
                    r.is_some_and(|r| r.ended && r.errored.is_none() && !r.error_emitted);
                match (err, src_em.upgrade()) {
                    // Some streams emit 'close' before 'end': a source that ended with no
                    // error still counts as done at its 'end'.
                    (Some(err), Some(em)) if is_premature_close(&err) && ended_well => {
                        let s2 = s.clone();
                        em.once(END, move |_: &()| s2.finish(None));
                        em.once(ERROR, move |err: &Error| s.finish(Some(err.clone())));
                    }
                    (err, _) => s.finish(err),
                }
            }),
        );

        let s = shared.clone();
        eos::eos(
            &*dst_stream,
            EosOptions {
                readable: Some(false),
                writable: Some(true),
                error: true,
            },
            Box::new(move |err| s.finish(err)),
        )
    })
}

/// Node's `pipelineImpl(streams, callback, { end })` over streams already typed and
/// linked.
fn run(stages: Vec<Stage>, end_option: bool, callback: Callback) -> Result<(), Error> {
    let lp = stages[0].stream.eos_loop();
    let streams: Vec<Rc<dyn EosStream>> = stages.iter().map(|s| s.stream.clone()).collect();
    let shared = Rc::new(Shared {
        v26: lp.compat() == NodeCompat::V26,
        lp,
        error: RefCell::new(None),
        root: RefCell::new(None),
        destroys: RefCell::new(VecDeque::new()),
        finish_count: Cell::new(0),
        callback: RefCell::new(Some(callback)),
        last_stream_cleanup: RefCell::new(Vec::new()),
        streams: streams.iter().map(|s| s.eos_weak()).collect(),
    });
    let n = stages.len();
    for (i, stage) in stages.into_iter().enumerate() {
        let stream = &*stage.stream;
        let reading = i < n - 1;
        let writing = i > 0;
        let end = reading || end_option;
        let is_last = i == n - 1;
        let last_and_readable = || is_last && Snapshot::of(stream).is_readable() == Some(true);

        if shared.v26 {
            if let Some(next) = streams.get(i + 1) {
                let next = Snapshot::of(&**next);
                if next.closed() || next.destroyed() {
                    return Err(Error::from_code(ErrorCode::UnableToPipe));
                }
            }
        }

        if end {
            let (destroy, cleanup) = destroyer(stream, reading, writing);
            shared.destroys.borrow_mut().push_back(destroy);
            if last_and_readable() {
                shared
                    .last_stream_cleanup
                    .borrow_mut()
                    .push(Box::new(move || cleanup.cleanup()));
            }
        }

        // Errors that come after the pipeline is under way.
        let s = shared.clone();
        let emitter = stream.eos_emitter();
        let on_error = emitter.on(ERROR, move |err: &Error| {
            if !is_abort(err) && !is_premature_close(err) {
                s.error_seen(err.clone());
            }
        });
        if last_and_readable() {
            let em = emitter.downgrade();
            shared
                .last_stream_cleanup
                .borrow_mut()
                .push(Box::new(move || {
                    if let Some(em) = em.upgrade() {
                        em.off(on_error);
                    }
                }));
        }

        if let Some(link) = stage.link {
            shared.finish_count.set(shared.finish_count.get() + 2);
            let cleanup = link(&shared, end);
            if last_and_readable() {
                shared
                    .last_stream_cleanup
                    .borrow_mut()
                    .push(Box::new(move || cleanup.cleanup()));
            }
        }
    }
    Ok(())
}
