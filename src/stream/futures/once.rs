//! Node's `events.once(emitter, name)` as a future.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use nodestream_emitter::{Event, EventEmitter, ListenerId};

use crate::stream::lifecycle::ERROR;
use crate::Error;

/// Waits for the next `event` on `emitter`: Node's `events.once(emitter, name)`.
///
/// Resolves with a clone of the event's payload; rejects with the error if `'error'` is
/// emitted first (for `event` other than `'error'`). The listeners are added at this call
/// (a once-listener of `event`, and one of `'error'`, which handles the error as Node's
/// does) and removed when either fires, or when the future is dropped unanswered.
///
/// # Examples
///
/// ```
/// use nodestream::events::{once, Event, EventEmitter};
/// use nodestream::EventLoop;
///
/// const READY: Event<u32> = Event::new("ready");
/// let lp = EventLoop::new()?;
/// let em = EventEmitter::new();
/// let got = lp.spawn_local(once(&em, READY));
/// let e = em.clone();
/// lp.handle().set_immediate(move || { e.emit(READY, &7); });
/// lp.run()?;
/// assert_eq!(futures_util::FutureExt::now_or_never(got).unwrap()??, 7);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Node compatibility
///
/// Node resolves with the array of the event's arguments; an event here has one payload,
/// given as is. On a Readable, pass [`Readable::emitter`](crate::Readable::emitter): the
/// listener does not switch the stream to flowing mode as Node's `once(readable,
/// 'data')` does.
pub fn once<T>(emitter: &EventEmitter, event: Event<T>) -> Once<T>
where
    T: Clone + 'static,
{
    let shared = Rc::new(Shared {
        answer: RefCell::new(None),
        waker: RefCell::new(None),
    });
    let s = shared.clone();
    let event_id = emitter.once(event, move |payload: &T| s.answer(Ok(payload.clone())));
    // Waiting for `'error'` itself needs no second listener (Node's `name !== 'error'`).
    let error_id = (event.name() != ERROR.name()).then(|| {
        let s = shared.clone();
        emitter.once(ERROR, move |err: &Error| s.answer(Err(err.clone())))
    });
    Once {
        shared,
        emitter: emitter.clone(),
        ids: [Some(event_id), error_id],
    }
}

struct Shared<T> {
    answer: RefCell<Option<Result<T, Error>>>,
    waker: RefCell<Option<Waker>>,
}

impl<T> Shared<T> {
    fn answer(&self, answer: Result<T, Error>) {
        let mut slot = self.answer.borrow_mut();
        if slot.is_some() {
            return;
        }
        *slot = Some(answer);
        drop(slot);
        let waker = self.waker.borrow_mut().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The future of [`once`].
#[must_use = "futures do nothing unless awaited"]
pub struct Once<T> {
    shared: Rc<Shared<T>>,
    emitter: EventEmitter,
    ids: [Option<ListenerId>; 2],
}

impl<T> Once<T> {
    fn remove_listeners(&mut self) {
        for id in self.ids.iter_mut().filter_map(Option::take) {
            self.emitter.off(id);
        }
    }
}

impl<T> Future for Once<T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, Error>> {
        let answer = self.shared.answer.borrow_mut().take();
        match answer {
            Some(answer) => {
                self.remove_listeners();
                Poll::Ready(answer)
            }
            None => {
                *self.shared.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for Once<T> {
    fn drop(&mut self) {
        self.remove_listeners();
    }
}

impl<T> fmt::Debug for Once<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once")
            .field("answered", &self.shared.answer.borrow().is_some())
            .finish()
    }
}
