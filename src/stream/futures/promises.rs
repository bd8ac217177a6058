//! Node's `stream/promises`: [`finished`] and [`pipeline`].

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::eos::Eos;
use crate::stream::finished::{Finishable, FinishedOptions};
use crate::stream::pipeline::{self as pl, Pipeline, PipelineError, PipelineSource, Through};
use crate::stream::readable::{Chunk, PipeDestination};
use crate::Error;

/// Waits until `stream` is done: Node's `stream/promises.finished(stream)`.
///
/// Resolves `Ok(())` at `'end'` (a Readable) or `'finish'` (a Writable), or at the
/// `'close'` after it when the stream will emit one (auto-destroy and emit-close on);
/// `Err` with the stream's error at `'error'`, or with `ERR_STREAM_PREMATURE_CLOSE` at a
/// `'close'` before the end. A stream already done answers on the next tick. The watch
/// starts at this call (its listeners are added now, as Node's are, and stay after the
/// answer, as Node's do); dropping the future unanswered removes them. The rules are those
/// of [`stream::finished`](crate::stream::finished()), whose `# Node compatibility` says
/// how they follow the loop's `NodeCompat`.
///
/// # Examples
///
/// ```
/// use nodestream::stream::promises::finished;
/// use nodestream::stream::readable::{Readable, ReadableOptions};
/// use nodestream::EventLoop;
///
/// let lp = EventLoop::new()?;
/// let r = Readable::new(&lp.handle(), ReadableOptions::new(), |_: &Readable, _| {});
/// let done = lp.spawn_local(finished(&r));
/// r.destroy(None);
/// lp.run()?;
/// let err = futures_util::FutureExt::now_or_never(done).unwrap()?.unwrap_err();
/// assert_eq!(err.code().as_str(), "ERR_STREAM_PREMATURE_CLOSE");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn finished<S: Finishable>(stream: &S) -> Finished {
    finished_with(stream, FinishedOptions::new())
}

/// [`finished`] with options: Node's `stream/promises.finished(stream, options)`. With
/// [`FinishedOptions::cleanup`] on, the watch's listeners are removed once it answered.
pub fn finished_with<S: Finishable>(stream: &S, options: FinishedOptions) -> Finished {
    Finished {
        eos: Some(Eos::with_options(
            stream,
            options.eos(),
            options.auto_cleanup(),
        )),
    }
}

/// The future of [`finished`].
#[must_use = "futures do nothing unless awaited"]
pub struct Finished {
    eos: Option<Eos>,
}

impl Future for Finished {
    type Output = Result<(), Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let Some(eos) = &self.eos else {
            return Poll::Pending;
        };
        match eos.watch.answer() {
            Some(answer) => {
                // Answered: Node leaves the listeners in place (unless asked not to, and
                // then they went with the answer).
                self.eos = None;
                Poll::Ready(answer)
            }
            None => {
                eos.watch.set_waker(cx.waker());
                Poll::Pending
            }
        }
    }
}

impl Drop for Finished {
    fn drop(&mut self) {
        if let Some(eos) = self.eos.take() {
            if eos.watch.answer().is_none() {
                eos.cleanup();
            }
        }
    }
}

impl fmt::Debug for Finished {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finished")
            .field("pending", &self.eos.is_some())
            .finish()
    }
}

/// Starts building a pipeline whose end is a future: Node's
/// `stream/promises.pipeline(source, ...)`.
///
/// The same pipeline as [`stream::pipeline`](crate::stream::pipeline()) (same rules, same
/// [`through`](PromisePipeline::through) and [`end`](PromisePipeline::end)); its
/// [`to`](PromisePipeline::to) starts it and returns a [`PipelineFuture`] instead of
/// taking a callback.
///
/// # Examples
///
/// ```
/// use nodestream::stream::promises::pipeline;
/// use nodestream::stream::readable::{Readable, ReadableOptions};
/// use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
/// use nodestream::EventLoop;
///
/// struct Discard;
/// impl Sink for Discard {
///     fn write(&mut self, _chunk: Chunk, cb: WriteCallback) {
///         cb.ok();
///     }
/// }
///
/// let lp = EventLoop::new()?;
/// let src = Readable::new(&lp.handle(), ReadableOptions::new(), |_: &Readable, _| {});
/// let dest = Writable::new(&lp.handle(), Discard, WritableOptions::new());
/// let done = lp.spawn_local(pipeline(&src).to(&dest));
/// src.push("data");
/// src.push(None);
/// lp.run()?;
/// assert!(futures_util::FutureExt::now_or_never(done).unwrap()?.is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn pipeline<T: 'static, S: PipelineSource<T>>(source: &S) -> PromisePipeline<T> {
    PromisePipeline {
        inner: pl::pipeline(source),
    }
}

/// A pipeline being built by [`pipeline`]: nothing happens until
/// [`to`](PromisePipeline::to).
#[must_use = "a pipeline does nothing until `to` starts it"]
#[derive(Debug)]
pub struct PromisePipeline<T: 'static = Chunk> {
    inner: Pipeline<T>,
}

impl<T: 'static> PromisePipeline<T> {
    /// Adds a middle stage (see [`Pipeline::through`]).
    pub fn through<U: 'static, S: Through<T, U>>(self, stage: &S) -> PromisePipeline<U> {
        PromisePipeline {
            inner: self.inner.through(stage),
        }
    }

    /// Node's `end` option (see [`Pipeline::end`]).
    pub fn end(self, end: bool) -> PromisePipeline<T> {
        PromisePipeline {
            inner: self.inner.end(end),
        }
    }

    /// Pipes the pipeline into `destination` and starts it (now, not at the first poll,
    /// as Node's promise starts the pipeline when it is made). The future resolves once
    /// every stream is done, with the pipeline's error if any; the error of a pipeline
    /// that cannot start (`ERR_STREAM_UNABLE_TO_PIPE`, see [`Pipeline::to`]) is its answer
    /// at once, as Node's promise rejects with what its executor throws. Dropping the
    /// future lets the pipeline run on.
    pub fn to<D>(self, destination: &D) -> PipelineFuture
    where
        D: PipeDestination<T> + Finishable + Clone,
    {
        let state = Rc::new(PipelineState {
            answer: RefCell::new(None),
            waker: RefCell::new(None),
        });
        let s = Rc::downgrade(&state);
        let started = self.inner.to(destination, move |err| {
            if let Some(s) = s.upgrade() {
                s.answer(err.map_or(Ok(()), Err));
            }
        });
        if let Err(err) = started {
            state.answer(Err(PipelineError::new(err)));
        }
        PipelineFuture { state }
    }
}

struct PipelineState {
    answer: RefCell<Option<Result<(), PipelineError>>>,
    waker: RefCell<Option<Waker>>,
}

impl PipelineState {
    fn answer(&self, answer: Result<(), PipelineError>) {
        *self.answer.borrow_mut() = Some(answer);
        let waker = self.waker.borrow_mut().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The future of [`PromisePipeline::to`]: `Ok(())` once every stream of the pipeline is
/// done, or the pipeline's error.
#[must_use = "futures do nothing unless awaited (the pipeline runs either way)"]
pub struct PipelineFuture {
    state: Rc<PipelineState>,
}

impl Future for PipelineFuture {
    type Output = Result<(), PipelineError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), PipelineError>> {
        if let Some(answer) = self.state.answer.borrow_mut().take() {
            return Poll::Ready(answer);
        }
        let mut slot = self.state.waker.borrow_mut();
        match &*slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl fmt::Debug for PipelineFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipelineFuture")
            .field("answered", &self.state.answer.borrow().is_some())
            .finish()
    }
}
