//! A Readable as a [`Stream`] of chunks: Node's async iterator of a Readable
//! (`for await (const chunk of readable)`), the port of Node v20's `createAsyncIterator`.

use std::fmt;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::{FusedStream, Stream};
use nodestream_emitter::ListenerId;

use super::eos::Eos;
use crate::stream::readable::{Chunk, Readable, READABLE};
use crate::Error;

/// How [`Readable::iterator`] ends early: Node's `readable.iterator(options)`.
#[derive(Clone, Copy, Debug)]
pub struct IteratorOptions {
    /// Destroy the stream when the iterator is dropped before the end (Node's `break`
    /// out of `for await`): `true` by default, as in Node.
    pub destroy_on_return: bool,
}

impl Default for IteratorOptions {
    fn default() -> Self {
        IteratorOptions {
            destroy_on_return: true,
        }
    }
}

/// The chunks of a [`Readable`], as a [`Stream`] of `Result<Chunk, Error>` (of
/// `Result<T, Error>` for a typed [`Readable<T>`]): what Node's
/// `for await (const chunk of readable)` iterates. Made by [`Readable::iter`].
///
/// It pulls as Node's iterator does: at the first poll it listens to `'readable'` (which
/// puts the stream in paused mode) and watches the stream's end as `stream.finished` does;
/// each poll takes what is buffered with [`Readable::read`] (one chunk of everything
/// buffered), and waits for the next `'readable'` when nothing is.
///
/// - The stream ends (`None`) after `'end'` (after `'close'` when the stream emits one).
/// - An `'error'` gives `Some(Err(error))`, then `None`; the stream is destroyed.
/// - A stream destroyed before its end gives `Some(Err(ERR_STREAM_PREMATURE_CLOSE))`.
/// - Dropping the iterator before its end destroys the stream (Node's `break`), unless
///   [`IteratorOptions::destroy_on_return`] is off; its `'close'` follows on a later tick.
///
/// # Examples
///
/// ```
/// use futures_util::StreamExt;
/// use nodestream::stream::readable::{Readable, ReadableOptions};
/// use nodestream::EventLoop;
///
/// let lp = EventLoop::new()?;
/// let r = Readable::new(&lp.handle(), ReadableOptions::new(), |_: &Readable, _| {});
/// r.push("hello ");
/// r.push("world");
/// r.push(None);
/// let got = lp.spawn_local(async move {
///     let mut chunks = r.iter();
///     let mut all = Vec::new();
///     while let Some(chunk) = chunks.next().await {
///         all.extend_from_slice(chunk?.as_bytes().unwrap());
///     }
///     Ok::<_, nodestream::Error>(all)
/// });
/// lp.run()?;
/// let got = futures_util::FutureExt::now_or_never(got).unwrap()??;
/// assert_eq!(got, b"hello world");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Node compatibility
///
/// Node's iterator starts when `for await` first calls `next()`; this one at its first
/// poll, which is the same moment. Node's `break` calls the generator's `return()`; here
/// that is dropping the iterator (a `while let` loop that breaks drops it at the end of
/// its scope, or drop it at once).
pub struct ReadableIter<T: 'static = Chunk> {
    stream: Readable<T>,
    options: IteratorOptions,
    started: Option<Started>,
    /// The iteration is over (ended, failed, or its error was given).
    done: bool,
}

struct Started {
    readable: ListenerId,
    eos: Eos,
}

impl<T: 'static> Readable<T> {
    /// The stream's chunks as a [`Stream`]: Node's `readable[Symbol.asyncIterator]()`.
    /// See [`ReadableIter`].
    pub fn iter(&self) -> ReadableIter<T> {
        self.iterator(IteratorOptions::default())
    }

    /// [`iter`](Readable::iter) with options: Node's `readable.iterator(options)`.
    pub fn iterator(&self, options: IteratorOptions) -> ReadableIter<T> {
        ReadableIter {
            stream: self.clone(),
            options,
            started: None,
            done: false,
        }
    }
}

impl<T: 'static> ReadableIter<T> {
    /// The stream being iterated.
    pub fn readable(&self) -> &Readable<T> {
        &self.stream
    }

    fn start(&mut self) -> &Started {
        let stream = &self.stream;
        self.started.get_or_insert_with(|| {
            let eos = Eos::new(stream);
            let watch = Rc::downgrade(&eos.watch);
            let readable = stream.on(READABLE, move |_: &()| {
                if let Some(w) = watch.upgrade() {
                    w.wake();
                }
            });
            Started { readable, eos }
        })
    }

    /// Node's `finally` of the generator: destroy the stream, or let it go.
    fn finish(&mut self, error: Option<&Error>, ended: bool) {
        self.done = true;
        let Some(started) = self.started.take() else {
            return;
        };
        let auto_destroy = self.stream.inner_auto_destroy();
        // Node: `(error || destroyOnReturn) && (error === undefined || autoDestroy)`, where
        // `error` is `undefined` while the stream has not ended, `null` once it ended well.
        let destroy = (error.is_some() || self.options.destroy_on_return)
            && ((error.is_none() && !ended) || auto_destroy);
        if destroy {
            self.stream.destroy(None);
        } else {
            self.stream.off(started.readable);
            started.eos.cleanup();
        }
    }
}

impl<T: 'static> Stream for ReadableIter<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        this.start();
        let chunk = if this.stream.destroyed() {
            None
        } else {
            this.stream.read()
        };
        if let Some(chunk) = chunk {
            return Poll::Ready(Some(Ok(chunk)));
        }
        let Some(started) = &this.started else {
            return Poll::Ready(None);
        };
        match started.eos.watch.answer() {
            Some(Err(err)) => {
                this.finish(Some(&err), false);
                Poll::Ready(Some(Err(err)))
            }
            Some(Ok(())) => {
                this.finish(None, true);
                Poll::Ready(None)
            }
            None => {
                started.eos.watch.set_waker(cx.waker());
                Poll::Pending
            }
        }
    }
}

impl<T: 'static> FusedStream for ReadableIter<T> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<T: 'static> Drop for ReadableIter<T> {
    fn drop(&mut self) {
        if !self.done {
            self.finish(None, false);
        }
    }
}

impl<T: 'static> fmt::Debug for ReadableIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadableIter")
            .field("started", &self.started.is_some())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}
