//! Node's `stream/promises`: [`finished`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::eos::Eos;
use crate::stream::readable::Readable;
use crate::stream::writable::{Sink, Writable};
use crate::stream::FdWritable;
use crate::Error;

mod sealed {
    /// Only the crate's streams can be watched: the watch reads their state.
    pub trait Sealed {
        fn watch(&self) -> super::Eos;
    }
}

/// A stream [`finished`] can wait for: [`Readable`], [`Writable`], [`FdWritable`] (and
/// the sides of a [`Socket`](crate::net::Socket)).
pub trait Finishable: sealed::Sealed {}

impl<T: 'static> sealed::Sealed for Readable<T> {
    fn watch(&self) -> Eos {
        Eos::new(self)
    }
}
impl<T: 'static> Finishable for Readable<T> {}

impl<T: 'static, S: Sink<T>> sealed::Sealed for Writable<T, S> {
    fn watch(&self) -> Eos {
        Eos::new(self)
    }
}
impl<T: 'static, S: Sink<T>> Finishable for Writable<T, S> {}

impl sealed::Sealed for FdWritable {
    fn watch(&self) -> Eos {
        Eos::new(self.as_writable())
    }
}
impl Finishable for FdWritable {}

/// Waits until `stream` is done: Node's `stream/promises.finished(stream)`.
///
/// Resolves `Ok(())` at `'end'` (a Readable) or `'finish'` (a Writable), or at the
/// `'close'` after it when the stream will emit one (auto-destroy and emit-close on);
/// `Err` with the stream's error at `'error'`, or with `ERR_STREAM_PREMATURE_CLOSE` at a
/// `'close'` before the end. A stream already done answers on the next tick. The watch
/// starts at this call (its listeners are added now, as Node's are, and stay after the
/// answer, as Node's do); dropping the future unanswered removes them.
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
pub fn finished(stream: &impl Finishable) -> Finished {
    Finished {
        eos: Some(stream.watch()),
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
                // Answered: Node leaves the listeners in place.
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
