//! Node's `Readable.from(iterable)` for a Rust iterator: [`Readable::from_iterable`].

use std::cell::{Cell, RefCell};

use super::source::DestroyDone;
use super::{Readable, ReadableOptions, Source};
use crate::reactor::LoopHandle;
use crate::Error;

/// The source of [`Readable::from_iterable`]: Node's `from.js` for a synchronous iterator.
struct IterSource<I> {
    /// `None` once destroyed (Node's `iterator.return()`).
    iter: RefCell<Option<I>>,
    /// Node's `reading`: a pull is under way (never set back once the iterator is done).
    reading: Cell<bool>,
    /// Destroyed: the iterator, if a pull has it out, is not put back.
    destroyed: Cell<bool>,
}

impl<I: Iterator + 'static> Source<I::Item> for IterSource<I> {
    fn read(&self, stream: &Readable<I::Item>, _size: usize) {
        if self.reading.replace(true) {
            return;
        }
        loop {
            // The iterator is taken out while it runs (it is user code, and may destroy
            // the stream), and put back unless the stream was destroyed meanwhile; no
            // borrow is held across it or across the push.
            let Some(mut iter) = self.iter.borrow_mut().take() else {
                return;
            };
            let next = iter.next();
            if !self.destroyed.get() {
                *self.iter.borrow_mut() = Some(iter);
            }
            match next {
                None => {
                    stream.push(None);
                    return;
                }
                Some(value) => {
                    if !stream.push(value) {
                        self.reading.set(false);
                        return;
                    }
                }
            }
        }
    }

    fn destroy(&self, stream: &Readable<I::Item>, err: Option<Error>, done: DestroyDone<I::Item>) {
        // Node's `close()`: the iterator is let go (`return()`), and the destroy completes
        // once that promise settles, after the current tick queue.
        self.destroyed.set(true);
        drop(self.iter.borrow_mut().take());
        stream.loop_handle().next_tick(move || done.done(err));
    }
}

impl<T: 'static> Readable<T> {
    /// A Readable of the values of `iterable`, pulled as the stream is read: Node's
    /// `Readable.from(iterable)`, with Node's defaults (object mode, a high-water mark of
    /// one value, nothing pulled before the first read).
    ///
    /// Destroying the stream drops the iterator, as Node calls `iterator.return()`.
    ///
    /// # Node compatibility
    ///
    /// Node's `from` of a string or a `Buffer` makes one chunk of it; here, as any other
    /// value, a `String` is one chunk only when it is the item (`[s]`), since a `String` is
    /// not an iterator. Node refuses a `null` value (`ERR_STREAM_NULL_VALUES`); a Rust item
    /// cannot be null.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// use nodestream::events::DATA;
    /// use nodestream::stream::Readable;
    /// use nodestream::EventLoop;
    ///
    /// let event_loop = EventLoop::new()?;
    /// let r = Readable::from_iterable(&event_loop.handle(), (1..=3).map(|n| n * 10));
    /// let seen = Rc::new(RefCell::new(Vec::new()));
    /// let s = seen.clone();
    /// r.on(DATA, move |n: &i32| s.borrow_mut().push(*n));
    /// event_loop.run()?;
    /// assert_eq!(*seen.borrow(), [10, 20, 30]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_iterable<I>(lp: &LoopHandle, iterable: I) -> Readable<T>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: 'static,
    {
        Readable::from_iterable_with(
            lp,
            iterable,
            ReadableOptions::new().object_mode(true).high_water_mark(1),
        )
    }

    /// [`from_iterable`](Readable::from_iterable) with options (Node's `Readable.from(iterable,
    /// options)`): the given options replace the defaults.
    pub fn from_iterable_with<I>(
        lp: &LoopHandle,
        iterable: I,
        options: ReadableOptions,
    ) -> Readable<T>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: 'static,
    {
        Readable::new(
            lp,
            options,
            IterSource {
                iter: RefCell::new(Some(iterable.into_iter())),
                reading: Cell::new(false),
                destroyed: Cell::new(false),
            },
        )
    }
}
