//! The one cross-thread edge: a `parking_lot` queue of closures beside a `mio::Waker`,
//! and the keep-alive count that work in flight on other threads holds.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

/// A closure posted from another thread.
pub(crate) type SendTask = Box<dyn FnOnce() + Send>;

struct Queue {
    tasks: Vec<SendTask>,
    closed: bool,
}

pub(crate) struct Shared {
    queue: Mutex<Queue>,
    /// The loop's waker (an eventfd), until the loop is dropped: [`close`](Shared::close)
    /// takes it out, so the fd closes with the loop even while another thread still holds
    /// this `Arc` (a worker between dropping a [`KeepAlive`] and returning from `wake`).
    /// A wake holds the read lock, so `close` waits for one in progress, never races it.
    waker: RwLock<Option<mio::Waker>>,
    keep_alive: AtomicUsize,
    /// Whether `queue.tasks` is non-empty: set and cleared under the lock, read without it.
    posted: AtomicBool,
    /// Set after each wake-up, cleared by the loop before a poll: while set, the waker's
    /// event may still sit in the epoll instance, so the loop must poll to consume it.
    woken: AtomicBool,
    /// How many wake-ups are between their start and setting `woken`: while any is, the
    /// loop polls too (a poster preempted right after its write must not leave the epoll
    /// fd readable with `woken` still unset, or a host would spin until it resumes).
    waking: AtomicUsize,
}

impl Shared {
    pub(crate) fn new(waker: mio::Waker) -> Shared {
        Shared {
            queue: Mutex::new(Queue {
                tasks: Vec::new(),
                closed: false,
            }),
            waker: RwLock::new(Some(waker)),
            keep_alive: AtomicUsize::new(0),
            posted: AtomicBool::new(false),
            woken: AtomicBool::new(false),
            waking: AtomicUsize::new(0),
        }
    }

    fn wake(&self) {
        // SeqCst throughout: the loop reads `waking` then `woken`, and must see a wake-up
        // in one or the other from the moment its write can be in the epoll instance.
        self.waking.fetch_add(1, Ordering::SeqCst);
        if let Some(waker) = &*self.waker.read() {
            if let Err(err) = waker.wake() {
                log::warn!("nodestream: waking the event loop failed: {err}");
            }
        }
        self.woken.store(true, Ordering::SeqCst);
        self.waking.fetch_sub(1, Ordering::SeqCst);
    }

    /// Whether a wake-up may have left an event in the epoll instance (clears `woken`; the
    /// caller then polls, consuming it).
    #[inline]
    pub(crate) fn take_woken(&self) -> bool {
        self.waking.load(Ordering::SeqCst) > 0
            || (self.woken.load(Ordering::SeqCst) && self.woken.swap(false, Ordering::SeqCst))
    }

    /// Moves every posted closure, in posting order, to the back of `into`.
    #[inline]
    pub(crate) fn take_into(&self, into: &mut VecDeque<SendTask>) {
        if !self.has_posted() {
            return;
        }
        let mut queue = self.queue.lock();
        into.extend(queue.tasks.drain(..));
        self.posted.store(false, Ordering::Release);
    }

    /// Whether closures wait to be taken.
    #[inline]
    pub(crate) fn has_posted(&self) -> bool {
        self.posted.load(Ordering::Acquire)
    }

    /// How many keep-alive tokens are held.
    pub(crate) fn keep_alive_count(&self) -> usize {
        self.keep_alive.load(Ordering::Acquire)
    }

    /// Refuses further posts, closes the waker's fd, and gives back what was queued (to be
    /// dropped by the caller). Called when the loop is dropped.
    pub(crate) fn close(&self) -> Vec<SendTask> {
        let tasks = {
            let mut queue = self.queue.lock();
            queue.closed = true;
            std::mem::take(&mut queue.tasks)
        };
        self.waker.write().take();
        tasks
    }

    pub(crate) fn keep_alive(self: &Arc<Self>) -> KeepAlive {
        self.keep_alive.fetch_add(1, Ordering::AcqRel);
        KeepAlive {
            shared: self.clone(),
        }
    }
}

/// A `Send + Sync` handle that posts closures onto the loop's thread and wakes the loop.
///
/// Made by [`EventLoop::remote`](crate::EventLoop::remote) or
/// [`LoopHandle::remote`](crate::LoopHandle::remote). Posted closures run on the loop
/// thread in the poll phase, in the order they were posted (per the order in which the
/// posting threads took the queue's lock), each followed by a drain of the next-tick queue.
/// A closure waiting in the queue keeps `run()` from returning; a `RemoteHandle` itself does
/// not keep the loop alive (hold a [`KeepAlive`] for work in flight).
///
/// # Examples
///
/// ```
/// use nodestream::EventLoop;
/// use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// let lp = EventLoop::new().unwrap();
/// let remote = lp.remote();
/// let hits = Arc::new(AtomicUsize::new(0));
/// let busy = lp.handle().keep_alive();
/// let worker = {
///     let hits = hits.clone();
///     std::thread::spawn(move || {
///         remote.post(move || {
///             hits.fetch_add(1, Ordering::SeqCst);
///             drop(busy);
///         }).ok();
///     })
/// };
/// lp.run().unwrap();
/// worker.join().unwrap();
/// assert_eq!(hits.load(Ordering::SeqCst), 1);
/// ```
#[derive(Clone)]
pub struct RemoteHandle {
    shared: Arc<Shared>,
}

impl RemoteHandle {
    pub(crate) fn new(shared: Arc<Shared>) -> RemoteHandle {
        RemoteHandle { shared }
    }

    /// Posts a closure to run on the loop thread, and wakes the loop.
    ///
    /// # Errors
    ///
    /// Gives the closure back when the loop is gone ([`EventLoop`](crate::EventLoop)
    /// dropped).
    pub fn post<F>(&self, f: F) -> Result<(), F>
    where
        F: FnOnce() + Send + 'static,
    {
        let was_empty = {
            let mut queue = self.shared.queue.lock();
            if queue.closed {
                return Err(f);
            }
            let was_empty = queue.tasks.is_empty();
            queue.tasks.push(Box::new(f));
            self.shared.posted.store(true, Ordering::Release);
            was_empty
        };
        // A non-empty queue has a wake-up on its way already: the poster that found it
        // empty wakes the loop after unlocking, and the loop takes the whole queue at once.
        if was_empty {
            self.shared.wake();
        }
        Ok(())
    }

    /// A token that keeps the loop's `run()` from returning until it is dropped (on any
    /// thread). See [`KeepAlive`].
    pub fn keep_alive(&self) -> KeepAlive {
        self.shared.keep_alive()
    }

    /// Whether the loop is gone, so that [`post`](Self::post) would fail.
    pub fn is_closed(&self) -> bool {
        self.shared.queue.lock().closed
    }
}

impl fmt::Debug for RemoteHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteHandle")
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Keeps the loop alive while held: `run()` does not return while any `KeepAlive` of its
/// loop exists, as a request in flight keeps a Node process alive (a file operation on a
/// worker thread, say). `Send + Sync`; dropping the last one wakes the loop so that it can
/// notice it has nothing left to do.
///
/// Made by [`LoopHandle::keep_alive`](crate::LoopHandle::keep_alive) or
/// [`RemoteHandle::keep_alive`].
///
/// Neither a `KeepAlive` nor a [`RemoteHandle`] keeps the loop's fds open: dropping the
/// [`EventLoop`](crate::EventLoop) closes its waker at once (waiting for a wake-up in
/// progress on another thread), so a thread that drops its token just after the loop
/// finished holds no fd of the loop while it returns.
pub struct KeepAlive {
    shared: Arc<Shared>,
}

impl Clone for KeepAlive {
    fn clone(&self) -> KeepAlive {
        self.shared.keep_alive()
    }
}

impl Drop for KeepAlive {
    fn drop(&mut self) {
        if self.shared.keep_alive.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.wake();
        }
    }
}

impl fmt::Debug for KeepAlive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeepAlive")
            .field("held", &self.shared.keep_alive_count())
            .finish()
    }
}
