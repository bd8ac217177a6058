//! Node's `Readable.from(asyncIterable)`: a Readable that pulls from a [`Stream`].

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Poll, Waker};

use bytes::Bytes;
use futures_core::Stream;

use crate::reactor::{catch_as_error, LoopHandle};
use crate::stream::readable::{Chunk, DestroyDone, Readable, ReadableOptions, Source};
use crate::Error;

/// What [`Readable::from_stream`] can carry: bytes and text make a byte stream, a
/// [`Chunk`] an object-mode one (make objects with [`Chunk::object`]).
pub trait FromStreamItem: 'static {
    /// Whether the Readable is in object mode.
    const OBJECT_MODE: bool;
    /// The chunk to push.
    fn into_chunk(self) -> Chunk;
}

impl FromStreamItem for Bytes {
    const OBJECT_MODE: bool = false;
    fn into_chunk(self) -> Chunk {
        Chunk::Bytes(self)
    }
}

impl FromStreamItem for Vec<u8> {
    const OBJECT_MODE: bool = false;
    fn into_chunk(self) -> Chunk {
        Chunk::Bytes(Bytes::from(self))
    }
}

impl FromStreamItem for String {
    const OBJECT_MODE: bool = false;
    fn into_chunk(self) -> Chunk {
        Chunk::Bytes(Bytes::from(self))
    }
}

impl FromStreamItem for &'static str {
    const OBJECT_MODE: bool = false;
    fn into_chunk(self) -> Chunk {
        Chunk::Bytes(Bytes::from_static(self.as_bytes()))
    }
}

impl FromStreamItem for Chunk {
    const OBJECT_MODE: bool = true;
    fn into_chunk(self) -> Chunk {
        self
    }
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Error>>>>;

/// The source: the user's stream of `I`, parked here between pulls (a pull takes it out),
/// and how an item becomes what the Readable carries.
struct StreamSource<I, T> {
    stream: Rc<RefCell<Option<BoxStream<I>>>>,
    reading: Rc<Cell<bool>>,
    /// Set by `_destroy` to end a pull that is waiting on the stream.
    cancel: Rc<Cancel>,
    convert: fn(I) -> T,
}

/// How `_destroy` ends a pull in flight: the flag, and the pull's waker to wake so that it
/// sees it. (A pull left waiting on a stream that never wakes would keep the loop alive.)
#[derive(Default)]
struct Cancel {
    cancelled: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl<I: 'static, T: 'static> Source<T> for StreamSource<I, T> {
    /// Node's `_read`: start a pull unless one is running.
    fn read(&self, readable: &Readable<T>, _size: usize) {
        if self.reading.replace(true) {
            return;
        }
        let Some(mut stream) = self.stream.borrow_mut().take() else {
            return;
        };
        let (parked, reading, r) = (self.stream.clone(), self.reading.clone(), readable.clone());
        let cancel = self.cancel.clone();
        let convert = self.convert;
        // Node's `next()`: pull items until `push` says the buffer is full.
        let task = async move {
            loop {
                // A panicking stream is a throwing iterator: Node destroys the Readable
                // with the error.
                let item = poll_fn(|cx| {
                    if cancel.cancelled.get() {
                        return Poll::Ready(None);
                    }
                    let item =
                        catch_as_error("the stream's poll_next", || stream.as_mut().poll_next(cx))
                            .unwrap_or_else(|err| Poll::Ready(Some(Err(err))));
                    if item.is_pending() {
                        let old = cancel.waker.replace(Some(cx.waker().clone()));
                        drop(old);
                    }
                    item
                })
                .await;
                // Node awaits `iterator.next()`: the item is pushed a microtask later,
                // even when the iterable had it at once.
                microtask().await;
                if r.destroyed() {
                    // Destroyed while waiting: the stream is dropped (Node's
                    // `iterator.return()`).
                    return;
                }
                match item {
                    None => {
                        r.push(None);
                        break;
                    }
                    Some(Err(err)) => {
                        r.destroy(Some(err));
                        return;
                    }
                    Some(Ok(item)) => {
                        if !r.push(Some(convert(item))) {
                            break;
                        }
                    }
                }
            }
            *parked.borrow_mut() = Some(stream);
            reading.set(false);
        };
        // The pull runs now up to its first wait, as Node's async `next()` does.
        drop(readable.loop_handle().spawn_local_now(task));
    }

    /// Node's `_destroy`: a parked stream is dropped now; one being pulled when the pull
    /// returns.
    fn destroy(&self, _readable: &Readable<T>, err: Option<Error>, done: DestroyDone<T>) {
        let stream = self.stream.borrow_mut().take();
        drop(stream);
        // A pull waiting on the stream ends, and drops it, when next polled.
        self.cancel.cancelled.set(true);
        let waker = self.cancel.waker.take();
        if let Some(waker) = waker {
            waker.wake();
        }
        done.done(err);
    }
}

/// Lets the task be polled again on the next-tick queue: one `await` of an already
/// resolved promise.
async fn microtask() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

impl Readable {
    /// A Readable that pulls its chunks from `stream`: Node's `Readable.from(iterable)`
    /// with an async iterable. Byte and text items make a byte stream, [`Chunk`] items
    /// an object-mode one. An `Err` item destroys the Readable with that error, and so does
    /// a panic of the stream's `poll_next` (`ERR_PANIC`), as a throwing iterator destroys
    /// Node's.
    ///
    /// As Node's, the high-water mark is 1: an item is pulled when the Readable is read
    /// and its buffer is empty, not ahead.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_util::{stream, StreamExt};
    /// use nodestream::{EventLoop, Readable};
    ///
    /// let lp = EventLoop::new()?;
    /// let items = stream::iter(["a", "b", "c"]).map(Ok);
    /// let r = Readable::from_stream(&lp.handle(), items);
    /// let all = lp.spawn_local(async move {
    ///     let mut out = String::new();
    ///     let mut chunks = r.iter();
    ///     while let Some(c) = chunks.next().await {
    ///         out.push_str(std::str::from_utf8(c.unwrap().as_bytes().unwrap()).unwrap());
    ///     }
    ///     out
    /// });
    /// lp.run()?;
    /// assert_eq!(futures_util::FutureExt::now_or_never(all).unwrap()?, "abc");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Node compatibility
    ///
    /// Node's `Readable.from` is in object mode for any iterable of values, Buffers
    /// included; here a stream of bytes makes a byte stream (its chunks can be
    /// concatenated by [`read`](Readable::read), as a byte stream's are).
    pub fn from_stream<T, St>(lp: &LoopHandle, stream: St) -> Readable
    where
        T: FromStreamItem,
        St: Stream<Item = Result<T, Error>> + 'static,
    {
        let options = ReadableOptions::new()
            .object_mode(T::OBJECT_MODE)
            .high_water_mark(1);
        Readable::from_stream_with(lp, stream, options)
    }

    /// [`from_stream`](Readable::from_stream) with options (the object mode is the
    /// item type's).
    pub fn from_stream_with<T, St>(
        lp: &LoopHandle,
        stream: St,
        options: ReadableOptions,
    ) -> Readable
    where
        T: FromStreamItem,
        St: Stream<Item = Result<T, Error>> + 'static,
    {
        let boxed: BoxStream<T> = Box::pin(stream);
        let source = StreamSource {
            stream: Rc::new(RefCell::new(Some(boxed))),
            reading: Rc::new(Cell::new(false)),
            cancel: Rc::default(),
            convert: T::into_chunk,
        };
        Readable::new(lp, options.object_mode(T::OBJECT_MODE), source)
    }
}

impl<T: 'static> Readable<T> {
    /// A typed object-mode Readable that pulls its values from `stream`: Node's
    /// `Readable.from(iterable)` with an async iterable of objects, as a [`Readable<T>`].
    /// Everything else is as for [`from_stream`](Readable::from_stream): an `Err` item or a
    /// panic destroys the Readable with that error, and the high-water mark is 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_util::{stream, StreamExt};
    /// use nodestream::{EventLoop, Readable};
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct Point(i32, i32);
    ///
    /// let lp = EventLoop::new()?;
    /// let points = stream::iter([Point(1, 2), Point(3, 4)]).map(Ok);
    /// let r: Readable<Point> = Readable::from_objects(&lp.handle(), points);
    /// let all = lp.spawn_local(async move {
    ///     let mut out = Vec::new();
    ///     let mut items = r.iter();
    ///     while let Some(p) = items.next().await {
    ///         out.push(p.unwrap());
    ///     }
    ///     out
    /// });
    /// lp.run()?;
    /// let all = futures_util::FutureExt::now_or_never(all).unwrap()?;
    /// assert_eq!(all, [Point(1, 2), Point(3, 4)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Node compatibility
    ///
    /// Node has one `Readable.from`; here [`from_stream`](Readable::from_stream) makes a
    /// byte stream of bytes and text (an item type alone cannot say which a caller wants),
    /// and this makes a stream of the items as they are.
    pub fn from_objects<St>(lp: &LoopHandle, stream: St) -> Readable<T>
    where
        St: Stream<Item = Result<T, Error>> + 'static,
    {
        Readable::from_objects_with(lp, stream, ReadableOptions::new().high_water_mark(1))
    }

    /// [`from_objects`](Readable::from_objects) with options (always in object mode).
    pub fn from_objects_with<St>(
        lp: &LoopHandle,
        stream: St,
        options: ReadableOptions,
    ) -> Readable<T>
    where
        St: Stream<Item = Result<T, Error>> + 'static,
    {
        let boxed: BoxStream<T> = Box::pin(stream);
        let source = StreamSource {
            stream: Rc::new(RefCell::new(Some(boxed))),
            reading: Rc::new(Cell::new(false)),
            cancel: Rc::default(),
            convert: std::convert::identity,
        };
        Readable::new(lp, options.object_mode(true), source)
    }
}
