//! The loop's executor: `!Send` futures run on the loop thread, as Node runs the
//! continuations of its promises.
//!
//! A task is a boxed future in a slab slot (index + serial, so a late wake never reaches a
//! reused slot). Waking a task queues its id on the executor's ready list, and the first
//! wake of a batch queues one next-tick task that polls the whole list: a woken future
//! runs right after the callback that woke it, before the loop moves on, as a promise's
//! reaction runs in the microtask queue after the callback that resolved it.
//!
//! A waker is `Send + Sync` (the `std::task::Waker` contract), so it holds no `Rc`: it
//! names its executor by a process-unique id. On the loop's thread, a thread-local table
//! maps the id to the executor, so a wake is a table look-up and a push (no syscall, no
//! lock). From any other thread the id is not in that thread's table, and the wake goes
//! through the loop's [`RemoteHandle`], which wakes the poll.
//!
//! A task keeps the loop alive until it completes (see [`LoopHandle::spawn_local`]).
//! Dropping the [`EventLoop`](crate::EventLoop) drops every task unfinished (the loop's
//! `close` calls [`ExecutorSlot::take_tasks`]).
//!
//! # Examples
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use std::time::Duration;
//! use nodestream::EventLoop;
//!
//! let lp = EventLoop::new()?;
//! let log = Rc::new(RefCell::new(Vec::new()));
//! let l = log.clone();
//! let answer = lp.spawn_local(async move {
//!     l.borrow_mut().push("task");
//!     42
//! });
//! let l = log.clone();
//! let h = lp.handle();
//! lp.spawn_local(async move {
//!     let got = answer.await.unwrap();
//!     l.borrow_mut().push(if got == 42 { "joined" } else { "wrong" });
//!     h.set_timeout(Duration::from_millis(1), || {});
//! });
//! lp.run()?;
//! assert_eq!(*log.borrow(), ["task", "joined"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use slab::Slab;

use super::handle::{LoopHandle, WeakLoopHandle};
use super::owed::on_unwind;
use super::remote::RemoteHandle;
use crate::{Error, ErrorCode};

/// The ids of executors: unique in the process, so that a waker can name its executor
/// without holding it.
static NEXT_EXECUTOR: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The executors whose loop lives on this thread, by id: how a wake on the loop
    /// thread reaches its ready list. Most threads have one loop, so a short list.
    static LOCAL: RefCell<Vec<(u64, Weak<Executor>)>> = const { RefCell::new(Vec::new()) };
}

/// The executor of one loop, made by its first spawn (see [`ExecutorSlot`]).
pub(crate) struct Executor {
    id: u64,
    lp: WeakLoopHandle,
    remote: RemoteHandle,
    tasks: RefCell<Slab<Slot>>,
    ready: RefCell<VecDeque<TaskId>>,
    /// A drain of `ready` is queued on the next-tick queue.
    drain_queued: Cell<bool>,
    next_serial: Cell<u64>,
}

type LocalFuture = Pin<Box<dyn Future<Output = ()>>>;

struct Slot {
    serial: u64,
    /// Out of the slot while it is being polled (so that no borrow is held then).
    future: Option<LocalFuture>,
    waker: Waker,
    wake: Arc<TaskWake>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct TaskId {
    key: usize,
    serial: u64,
}

/// What a task's [`Waker`] holds: `Send + Sync`, with no handle to the loop's state.
struct TaskWake {
    executor: u64,
    task: TaskId,
    /// Set when the task is on the ready list (or on its way there from another thread),
    /// cleared just before it is polled: repeated wakes queue it once.
    queued: AtomicBool,
    remote: RemoteHandle,
}

impl Wake for TaskWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        if schedule_local(self.executor, self.task) {
            return;
        }
        // Another thread (or the loop is gone, and the post gives the closure back to be
        // dropped here).
        let me = self.clone();
        let _ = self.remote.post(move || {
            schedule_local(me.executor, me.task);
        });
    }
}

/// Queues `task` on executor `id` if that executor lives on this thread.
fn schedule_local(id: u64, task: TaskId) -> bool {
    let executor = LOCAL
        .try_with(|local| {
            local
                .borrow()
                .iter()
                .find(|(eid, _)| *eid == id)
                .and_then(|(_, weak)| weak.upgrade())
        })
        .ok()
        .flatten();
    match executor {
        Some(executor) => {
            executor.schedule(task);
            true
        }
        None => false,
    }
}

impl Executor {
    fn new(lp: &LoopHandle) -> Rc<Executor> {
        let executor = Rc::new(Executor {
            id: NEXT_EXECUTOR.fetch_add(1, Ordering::Relaxed),
            lp: lp.downgrade(),
            remote: lp.remote(),
            tasks: RefCell::new(Slab::new()),
            ready: RefCell::new(VecDeque::new()),
            drain_queued: Cell::new(false),
            next_serial: Cell::new(0),
        });
        LOCAL.with(|local| {
            let mut local = local.borrow_mut();
            local.retain(|(_, weak)| weak.strong_count() > 0);
            local.push((executor.id, Rc::downgrade(&executor)));
        });
        executor
    }

    /// Adds a task; polls it now when `now` is set (else on the next tick).
    fn spawn(self: &Rc<Self>, future: LocalFuture, now: bool) {
        let serial = self.next_serial.get();
        self.next_serial.set(serial + 1);
        let mut tasks = self.tasks.borrow_mut();
        let entry = tasks.vacant_entry();
        let task = TaskId {
            key: entry.key(),
            serial,
        };
        let wake = Arc::new(TaskWake {
            executor: self.id,
            task,
            queued: AtomicBool::new(!now),
            remote: self.remote.clone(),
        });
        entry.insert(Slot {
            serial,
            future: Some(future),
            waker: Waker::from(wake.clone()),
            wake,
        });
        drop(tasks);
        if now {
            self.poll_task(task);
        } else {
            self.schedule(task);
        }
    }

    /// Puts a task on the ready list, and queues a drain if none is queued.
    fn schedule(self: &Rc<Self>, task: TaskId) {
        self.ready.borrow_mut().push_back(task);
        if !self.drain_queued.replace(true) {
            let Some(lp) = self.lp.upgrade() else { return };
            let me = self.clone();
            lp.next_tick(move || me.drain());
        }
    }

    /// Polls the tasks on the ready list now (those woken meanwhile wait for the next
    /// drain, queued behind the ticks queued meanwhile, so a future that keeps waking
    /// itself does not shut out the tick queue).
    fn drain(self: &Rc<Self>) {
        let Some(lp) = self.lp.upgrade() else { return };
        let batch = self.ready.borrow().len();
        for _ in 0..batch {
            let task = self.ready.borrow_mut().pop_front();
            let Some(task) = task else { break };
            // A panic goes on to `run()`; the rest of the list is polled by the drain
            // owed after it, before anything queued meanwhile.
            lp.owing(
                || self.poll_task(task),
                || {
                    let me = self.clone();
                    move || me.drain()
                },
            );
        }
        if self.ready.borrow().is_empty() {
            self.drain_queued.set(false);
        } else {
            let me = self.clone();
            lp.next_tick(move || me.drain());
        }
    }

    fn poll_task(&self, task: TaskId) {
        let taken = {
            let mut tasks = self.tasks.borrow_mut();
            match tasks.get_mut(task.key) {
                Some(slot) if slot.serial == task.serial => slot
                    .future
                    .take()
                    .map(|f| (f, slot.waker.clone(), slot.wake.clone())),
                _ => None,
            }
        };
        let Some((mut future, waker, wake)) = taken else {
            return;
        };
        wake.queued.store(false, Ordering::Release);
        let mut cx = Context::from_waker(&waker);
        // A panicking future is dropped (the unwind drops `future`) and its slot freed.
        let done = on_unwind(
            || future.as_mut().poll(&mut cx).is_ready(),
            || drop(self.remove(task)),
        );
        if done {
            drop(future);
            let slot = self.remove(task);
            drop(slot);
        } else if let Some(slot) = self.tasks.borrow_mut().get_mut(task.key) {
            // The slot is still this task's: only this function removes a polled task.
            slot.future = Some(future);
        }
    }

    fn remove(&self, task: TaskId) -> Option<Slot> {
        let mut tasks = self.tasks.borrow_mut();
        match tasks.get(task.key) {
            Some(slot) if slot.serial == task.serial => Some(tasks.remove(task.key)),
            _ => None,
        }
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        let id = self.id;
        let _ = LOCAL.try_with(|local| {
            if let Ok(mut local) = local.try_borrow_mut() {
                local.retain(|(eid, _)| *eid != id);
            }
        });
    }
}

/// The loop's executor, made on first use: the loop's state holds it, so that the loop
/// counts its tasks as work (`is_alive`) and drops them when it is dropped.
#[derive(Default)]
pub(crate) struct ExecutorSlot(RefCell<Option<Rc<Executor>>>);

impl ExecutorSlot {
    /// Whether a spawned task has not completed.
    #[inline]
    pub(crate) fn has_tasks(&self) -> bool {
        match &*self.0.borrow() {
            Some(executor) => !executor.tasks.borrow().is_empty(),
            None => false,
        }
    }

    /// Takes every task out (to be dropped by the caller, outside any borrow): the loop
    /// is being dropped.
    pub(crate) fn take_tasks(&self) -> Vec<LocalFuture> {
        let Some(executor) = self.0.borrow().clone() else {
            return Vec::new();
        };
        executor.ready.borrow_mut().clear();
        let slots: Vec<Slot> = executor.tasks.borrow_mut().drain().collect();
        slots.into_iter().filter_map(|slot| slot.future).collect()
    }

    fn get_or_make(&self, lp: &LoopHandle) -> Rc<Executor> {
        self.0
            .borrow_mut()
            .get_or_insert_with(|| Executor::new(lp))
            .clone()
    }
}

impl LoopHandle {
    /// Runs `future` on the loop's thread as a task; its output comes out of the returned
    /// [`JoinHandle`] (which may be dropped: the task runs on).
    ///
    /// The task is first polled on the next-tick queue; a wake (from any thread) polls it
    /// again right after the callback that woke it (or, from another thread, in the poll
    /// phase, as a posted closure). A task keeps [`run`](crate::EventLoop::run) from
    /// returning until it completes.
    ///
    /// # Panics
    ///
    /// A future that panics is dropped; the panic goes on to the caller of `run()` (or
    /// `dispatch()`), once, as a panicking callback's does, and the other tasks run on
    /// (those woken in the same batch at the next run). Its [`JoinHandle`] gives
    /// `ERR_PANIC`.
    ///
    /// # Node compatibility
    ///
    /// A task is what an `async` function's promise is in Node, with one difference: a
    /// pending promise does not keep a Node process alive, a pending task keeps the loop
    /// alive (a future waiting on another thread's channel is the common case in Rust,
    /// and one that the loop does not see). A task that waits on something that never
    /// wakes it keeps `run()` waiting; drop the [`EventLoop`](crate::EventLoop) to drop
    /// it. As Node's microtasks, a future that wakes itself at every poll runs again
    /// before the loop reaches its next phase.
    ///
    /// Once the [`EventLoop`](crate::EventLoop) is dropped, the future is dropped unrun
    /// and the handle gives `ABORT_ERR`.
    ///
    /// # Examples
    ///
    /// A task waiting on another thread keeps the loop alive until it is woken:
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use std::task::Poll;
    /// use nodestream::EventLoop;
    ///
    /// let lp = EventLoop::new()?;
    /// let (tx, rx) = mpsc::channel::<(u32, std::task::Waker)>();
    /// let (done_tx, done_rx) = mpsc::channel();
    /// let worker = std::thread::spawn(move || {
    ///     let (n, waker) = rx.recv().unwrap();
    ///     done_tx.send(n * 2).unwrap();
    ///     waker.wake();
    /// });
    /// let doubled = lp.handle().spawn_local(std::future::poll_fn(move |cx| {
    ///     if let Ok(n) = done_rx.try_recv() {
    ///         return Poll::Ready(n);
    ///     }
    ///     tx.send((21, cx.waker().clone())).ok();
    ///     Poll::Pending
    /// }));
    /// lp.run()?; // returns once the task has completed
    /// worker.join().unwrap();
    /// assert_eq!(futures_util::FutureExt::now_or_never(doubled).unwrap()?, 42);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.spawn_inner(future, false)
    }

    /// [`spawn_local`](Self::spawn_local), polling the future at once, in this call, as
    /// an `async` function runs in Node up to its first `await` (for the library's own
    /// tasks that stand for one: `Readable::from_stream`'s pull). A panic of the first
    /// poll unwinds out of this call.
    pub(crate) fn spawn_local_now<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.spawn_inner(future, true)
    }

    fn spawn_inner<F>(&self, future: F, now: bool) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let state = Rc::new(JoinState {
            output: RefCell::new(None),
            waker: RefCell::new(None),
        });
        let guard = JoinGuard(Some(state.clone()));
        // The async block pins the future in the task's one box; its guard tells the
        // handle if the block is dropped before the future completes.
        let task = async move {
            let out = future.await;
            guard.complete(out);
        };
        if self.is_closed() {
            drop(task);
        } else {
            self.inner
                .executor
                .get_or_make(self)
                .spawn(Box::pin(task), now);
        }
        JoinHandle { state }
    }
}

impl crate::EventLoop {
    /// [`LoopHandle::spawn_local`] on this loop.
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.handle().spawn_local(future)
    }

    /// Runs `future` as the program's main task: spawns it on this loop, [`run`]s the loop
    /// until it has nothing left to do, and returns the future's output.
    ///
    /// As a Node program whose main module awaits at top level: the loop goes on after the
    /// future completes while other work is left (writes to flush, streams to close), and
    /// returns when everything is done, as [`run`] does.
    ///
    /// # Errors
    ///
    /// What [`run`] returns (an `'error'` nobody listened to, a failure of the loop), or
    /// `ERR_UNSETTLED_MAIN` if the loop was stopped ([`LoopHandle::stop`]) before the
    /// future completed (Node exits with code 13 for a top-level await that never
    /// settles).
    ///
    /// # Panics
    ///
    /// A panic of the future (or of any callback) unwinds out of this call, as out of
    /// [`run`].
    ///
    /// # Examples
    ///
    /// ```
    /// use nodestream::events::{once, FINISH};
    /// use nodestream::stream::FdWritable;
    /// use nodestream::{EventLoop, WritableOptions};
    ///
    /// let lp = EventLoop::new()?;
    /// let (_read_end, write_end) = rustix::pipe::pipe()?;
    /// let out = FdWritable::new(&lp.handle(), write_end, WritableOptions::new())?;
    /// let n = lp.block_on(async move {
    ///     out.end_with("bye");
    ///     once(&out.emitter(), FINISH).await?;
    ///     Ok::<_, nodestream::Error>(3)
    /// })??;
    /// assert_eq!(n, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// [`run`]: crate::EventLoop::run
    pub fn block_on<F>(&self, future: F) -> Result<F::Output, Error>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let task = self.spawn_local(future);
        self.run()?;
        let output = task.state.output.borrow_mut().take();
        output.unwrap_or_else(|| {
            Err(Error::custom(
                "ERR_UNSETTLED_MAIN",
                "the loop was stopped before the main future completed",
            ))
        })
    }
}

struct JoinState<T> {
    output: RefCell<Option<Result<T, Error>>>,
    waker: RefCell<Option<Waker>>,
}

impl<T> JoinState<T> {
    fn complete(&self, result: Result<T, Error>) {
        *self.output.borrow_mut() = Some(result);
        let waker = self.waker.borrow_mut().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The spawned future's link to its [`JoinHandle`]: completed with the output, or,
/// dropped first (the task panicked, or the loop dropped it), with the reason.
struct JoinGuard<T>(Option<Rc<JoinState<T>>>);

impl<T> JoinGuard<T> {
    fn complete(mut self, out: T) {
        if let Some(state) = self.0.take() {
            state.complete(Ok(out));
        }
    }
}

impl<T> Drop for JoinGuard<T> {
    fn drop(&mut self) {
        if let Some(state) = self.0.take() {
            let err = if std::thread::panicking() {
                Error::new(ErrorCode::Panic, "the spawned future panicked")
            } else {
                Error::custom(
                    "ABORT_ERR",
                    "the spawned future was dropped unfinished: its event loop was dropped",
                )
            };
            state.complete(Err(err));
        }
    }
}

/// The output of a task spawned with [`LoopHandle::spawn_local`]: a future of
/// `Ok(output)`, or of the error that ended the task (`ERR_PANIC` when the future
/// panicked, `ABORT_ERR` when the loop was dropped first). Dropping it detaches the task,
/// which runs on.
///
/// ```compile_fail
/// fn assert_send<T: Send>() {}
/// assert_send::<nodestream::reactor::JoinHandle<()>>();
/// ```
pub struct JoinHandle<T> {
    state: Rc<JoinState<T>>,
}

impl<T> JoinHandle<T> {
    /// Whether the task has completed (or ended without completing).
    pub fn is_finished(&self) -> bool {
        self.state.output.borrow().is_some()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, Error>> {
        let output = self.state.output.borrow_mut().take();
        match output {
            Some(out) => Poll::Ready(out),
            None => {
                *self.state.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}
