//! Node's `stream/promises`: [`finished`] and [`pipeline`](super::super::pipeline::Pipeline::promise).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::eos::Eos;
use crate::stream::finished::{Finishable, FinishedOptions};
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
