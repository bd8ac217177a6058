//! A Writable as a [`futures_sink::Sink`]: backpressure by the high-water mark, close by
//! `end()` and the stream's finish.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_sink::Sink as FuturesSink;
use nodestream_emitter::ListenerId;

use super::eos::Eos;
use crate::stream::lifecycle::ERROR;
use crate::stream::writable::{Sink, Writable, WriteInput};
use crate::{Error, ErrorCode};

/// A [`Writable`] as a [`futures_sink::Sink`] of `I`: its chunk type `T` (made by
/// [`Writable::sink`]), or anything it can write (`&str`, `Vec<u8>`, `Bytes`: made by
/// [`Writable::sink_for`]). The item type is one per sink so that `close()` and
/// `flush()` need no annotation.
///
/// - `poll_ready` is pending while the stream needs a `'drain'` (a write returned
///   `false`: its buffered length reached the high-water mark) and ready again at
///   `'drain'`;
/// - `start_send` is [`Writable::write`];
/// - `poll_flush` waits until every write sent through this sink has completed;
/// - `poll_close` calls [`end`](Writable::end) and waits as
///   [`finished`](crate::stream::promises::finished) does: `'finish'` (or the
///   `'close'` after it, on a stream that emits one), or the error.
///
/// An error of the stream comes out of the next call as `Err`. The sink listens to the
/// stream's `'error'` while it exists, so the error is not uncaught (it is the sink's
/// caller's to handle), as awaiting Node's `events.once(w, 'drain')` or
/// `finished(w)` handles it.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use futures_util::SinkExt;
/// use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
/// use nodestream::EventLoop;
///
/// struct Collect(Rc<RefCell<Vec<u8>>>);
/// impl Sink for Collect {
///     fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
///         self.0.borrow_mut().extend_from_slice(chunk.as_bytes());
///         cb.ok();
///     }
/// }
///
/// let lp = EventLoop::new()?;
/// let got = Rc::new(RefCell::new(Vec::new()));
/// let w = Writable::new(&lp.handle(), Collect(got.clone()), WritableOptions::new());
/// let done = lp.spawn_local(async move {
///     let mut sink = w.sink_for::<&str>();
///     sink.send("hello ").await?;
///     sink.send("sink").await?;
///     sink.close().await
/// });
/// lp.run()?;
/// futures_util::FutureExt::now_or_never(done).unwrap()??;
/// assert_eq!(got.borrow().as_slice(), b"hello sink");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct WritableSink<T: 'static, S: Sink<T>, I = T> {
    stream: Writable<T, S>,
    item: PhantomData<fn(I)>,
    shared: Rc<Shared>,
    error_listener: ListenerId,
    closing: Option<Eos>,
}

#[derive(Default)]
struct Shared {
    /// Writes sent through the sink whose callback has not run.
    outstanding: Cell<usize>,
    /// The first error a write callback or `'error'` gave.
    error: RefCell<Option<Error>>,
    waker: RefCell<Option<Waker>>,
}

impl Shared {
    fn wake(&self) {
        let waker = self.waker.borrow_mut().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn fail(&self, err: &Error) {
        let mut slot = self.error.borrow_mut();
        if slot.is_none() {
            *slot = Some(err.clone());
        }
        drop(slot);
        self.wake();
    }

    fn wait(&self, cx: &Context<'_>) {
        let mut slot = self.waker.borrow_mut();
        match &*slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
    }
}

impl<T: 'static, S: Sink<T>> Writable<T, S> {
    /// The stream as a [`futures_sink::Sink`] of its chunk type; see [`WritableSink`].
    pub fn sink(&self) -> WritableSink<T, S> {
        self.sink_for()
    }

    /// The stream as a [`futures_sink::Sink`] of `I` (`&str`, `Vec<u8>`, `Bytes`, ...,
    /// whatever [`write`](Writable::write) takes); see [`WritableSink`].
    pub fn sink_for<I: WriteInput<T>>(&self) -> WritableSink<T, S, I> {
        let shared = Rc::new(Shared::default());
        let s = shared.clone();
        let error_listener = self.on(ERROR, move |err: &Error| s.fail(err));
        // A destroy with no error completes no write callback: wake a waiting sink.
        self.hooks().on_closed_while(&shared, Shared::wake);
        WritableSink {
            stream: self.clone(),
            item: PhantomData,
            shared,
            error_listener,
            closing: None,
        }
    }
}

impl<T: 'static, S: Sink<T>, I> WritableSink<T, S, I> {
    /// The stream written to.
    pub fn writable(&self) -> &Writable<T, S> {
        &self.stream
    }

    /// The error that stops the sink, if any: the stream's, or
    /// `ERR_STREAM_DESTROYED` once it is destroyed.
    fn failure(&self) -> Option<Error> {
        if let Some(err) = self.shared.error.borrow().clone() {
            return Some(err);
        }
        if let Some(err) = self.stream.errored() {
            return Some(err);
        }
        if self.stream.destroyed() {
            return Some(Error::from_code(ErrorCode::Destroyed));
        }
        None
    }
}

impl<T: 'static, S: Sink<T>, I: WriteInput<T>> FuturesSink<I> for WritableSink<T, S, I> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if let Some(err) = self.failure() {
            return Poll::Ready(Err(err));
        }
        if self.stream.writable_need_drain() {
            self.shared.wait(cx);
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }

    fn start_send(self: Pin<&mut Self>, item: I) -> Result<(), Error> {
        if let Some(err) = self.failure() {
            return Err(err);
        }
        if self.stream.writable_ended() {
            return Err(Error::from_code(ErrorCode::WriteAfterEnd));
        }
        let shared = self.shared.clone();
        let weak = self.stream.downgrade();
        shared.outstanding.set(shared.outstanding.get() + 1);
        self.stream.write_cb(item, move |err| {
            shared.outstanding.set(shared.outstanding.get() - 1);
            match err {
                Some(err) => shared.fail(&err),
                // Wake a sink waiting to flush (nothing left) or to send ('drain' came
                // just before this callback, as Node's afterWrite runs them).
                None => {
                    let need_drain = weak.upgrade().is_some_and(|w| w.writable_need_drain());
                    if shared.outstanding.get() == 0 || !need_drain {
                        shared.wake();
                    }
                }
            }
        });
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if let Some(err) = self.failure() {
            return Poll::Ready(Err(err));
        }
        if self.shared.outstanding.get() == 0 {
            return Poll::Ready(Ok(()));
        }
        self.shared.wait(cx);
        Poll::Pending
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        if this.closing.is_none() {
            if let Some(err) = this.failure() {
                return Poll::Ready(Err(err));
            }
            if !this.stream.writable_ended() {
                this.stream.end();
            }
            this.closing = Some(Eos::new(&this.stream));
        }
        let Some(eos) = &this.closing else {
            return Poll::Pending;
        };
        match eos.watch.answer() {
            Some(answer) => Poll::Ready(answer),
            None => {
                eos.watch.set_waker(cx.waker());
                Poll::Pending
            }
        }
    }
}

impl<T: 'static, S: Sink<T>, I> Drop for WritableSink<T, S, I> {
    fn drop(&mut self) {
        // An error the sink gave (or will give) is handled: when its `'error'` is still
        // to come (a tick after the failed write's callback), the listener stays for it.
        let error_to_come = self.stream.errored().is_some() && !self.stream.error_emitted();
        if !error_to_come {
            self.stream.off(self.error_listener);
        }
        if let Some(eos) = self.closing.take() {
            eos.cleanup();
        }
    }
}

impl<T: 'static, S: Sink<T>, I> fmt::Debug for WritableSink<T, S, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WritableSink")
            .field("outstanding", &self.shared.outstanding.get())
            .field("closing", &self.closing.is_some())
            .finish_non_exhaustive()
    }
}
