//! The loop's executor: where and when a task runs, wakes from the loop's thread and from
//! others, panics, and what a dropped loop does with pending tasks.
#![cfg(feature = "futures")]

mod support;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;

use futures_util::FutureExt;
use nodestream::stream::readable::{Readable, ReadableOptions};
use nodestream::EventLoop;
use support::{event_loop, ms, panic_message, FdCheck, Log};

/// A one-shot value set by another thread, which wakes the task waiting on it.
#[derive(Clone, Default)]
struct Slot(Arc<Mutex<(Option<u32>, Option<Waker>)>>);

impl Slot {
    fn set(&self, v: u32) {
        let waker = {
            let mut s = self.0.lock().unwrap();
            s.0 = Some(v);
            s.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// Waits for the slot, counting its polls.
struct WaitSlot(Slot, Rc<Cell<u32>>);

impl Future for WaitSlot {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        self.1.set(self.1.get() + 1);
        let mut s = (self.0).0.lock().unwrap();
        match s.0 {
            Some(v) => Poll::Ready(v),
            None => {
                s.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Pending until woken once by hand.
struct Once(Rc<Cell<Option<Waker>>>, bool);

impl Future for Once {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.1 {
            return Poll::Ready(());
        }
        self.1 = true;
        self.0.set(Some(cx.waker().clone()));
        Poll::Pending
    }
}

#[test]
fn a_wake_from_another_thread_runs_the_task_on_the_loop_thread_and_keeps_the_loop_alive() {
    // Other tests here count descriptors: none is opened while they do.
    let _fds = support::fd_lock();
    let (el, _lp) = event_loop();
    let slot = Slot::default();
    let polls = Rc::new(Cell::new(0));
    let loop_thread = thread::current().id();
    let ran_on = Rc::new(Cell::new(None));
    let (r, p) = (ran_on.clone(), polls.clone());
    let join = el.spawn_local({
        let slot = slot.clone();
        async move {
            let v = WaitSlot(slot, p).await;
            r.set(Some(thread::current().id()));
            v * 2
        }
    });
    let setter = {
        let slot = slot.clone();
        thread::spawn(move || {
            thread::sleep(ms(30));
            slot.set(21);
        })
    };
    // Nothing but the task keeps the loop alive: run() returns when it completes.
    el.run().unwrap();
    setter.join().unwrap();
    assert_eq!(join.now_or_never().unwrap().unwrap(), 42);
    assert_eq!(ran_on.get(), Some(loop_thread));
    assert_eq!(polls.get(), 2, "one poll to wait, one after the wake");
    assert!(!el.is_alive());
}

#[test]
fn a_wake_on_the_loop_thread_polls_right_after_the_waking_callback() {
    // Other tests here count descriptors: none is opened while they do.
    let _fds = support::fd_lock();
    let (el, lp) = event_loop();
    let log = Log::default();
    let waker = Rc::new(Cell::new(None::<Waker>));
    let l = log.clone();
    let w = waker.clone();
    el.spawn_local(async move {
        l.push("task start");
        Once(w, false).await;
        l.push("task woken");
    });
    let (l, w, lp2) = (log.clone(), waker.clone(), lp.clone());
    lp.set_timeout(ms(1), move || {
        l.push("timer 1");
        let l2 = l.clone();
        lp2.next_tick(move || l2.push("tick queued before the wake"));
        w.take().unwrap().wake();
        // Repeated wakes queue the task once.
        l.push("timer 1 end");
    });
    lp.set_timeout(ms(1), log.rec("timer 2"));
    lp.set_immediate(log.rec("immediate"));
    el.run().unwrap();
    assert_eq!(
        log.get(),
        [
            "task start",
            "immediate",
            "timer 1",
            "timer 1 end",
            "tick queued before the wake",
            "task woken",
            "timer 2"
        ]
    );
}

#[test]
fn a_waker_woken_twice_polls_once() {
    // Other tests here count descriptors: none is opened while they do.
    let _fds = support::fd_lock();
    let (el, lp) = event_loop();
    let polls = Rc::new(Cell::new(0));
    let waker = Rc::new(RefCell::new(None::<Waker>));
    let (p, w) = (polls.clone(), waker.clone());
    el.spawn_local(std::future::poll_fn(move |cx| {
        p.set(p.get() + 1);
        if p.get() == 1 {
            *w.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }));
    let w = waker.clone();
    lp.set_immediate(move || {
        let waker = w.borrow_mut().take().unwrap();
        waker.wake_by_ref();
        waker.wake_by_ref();
        waker.wake();
    });
    el.run().unwrap();
    assert_eq!(polls.get(), 2);
}

#[test]
fn a_panicking_task_reaches_run_once_and_the_others_go_on() {
    // Other tests here count descriptors: none is opened while they do.
    let _fds = support::fd_lock();
    let (el, lp) = event_loop();
    let log = Log::default();
    let l = log.clone();
    let first = el.spawn_local(async move {
        l.push("a");
    });
    let bad = el.spawn_local(async move {
        panic!("task failed");
    });
    let l = log.clone();
    let lp2 = lp.clone();
    let last = el.spawn_local(async move {
        l.push("c");
        lp2.set_timeout(ms(1), || {});
        7
    });
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| el.run()));
    assert_eq!(panic_message(&*caught.unwrap_err()), "task failed");
    assert_eq!(log.get(), ["a"], "the panic cut the batch short");
    el.run().unwrap();
    assert_eq!(log.get(), ["a", "c"]);
    assert!(first.now_or_never().unwrap().is_ok());
    let err = bad.now_or_never().unwrap().unwrap_err();
    assert_eq!(err.code().as_str(), "ERR_PANIC");
    assert_eq!(last.now_or_never().unwrap().unwrap(), 7);
    assert!(!el.is_alive());
}

struct DropFlag(Rc<Cell<bool>>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[test]
fn dropping_the_loop_drops_pending_tasks_and_their_fds() {
    let fds = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let dropped = Rc::new(Cell::new(false));
    let (rd, wr) = support::pipe();
    let r = Readable::from_fd(&lp, rd, ReadableOptions::new()).unwrap();
    let flag = DropFlag(dropped.clone());
    let join = el.spawn_local(async move {
        let _flag = flag;
        let mut it = r.iter();
        futures_util::StreamExt::next(&mut it).await
    });
    el.run_for(ms(5)).unwrap();
    assert!(el.is_alive());
    assert!(!dropped.get());
    drop(el);
    assert!(dropped.get(), "the pending task was dropped with the loop");
    let err = join.now_or_never().unwrap().unwrap_err();
    assert_eq!(err.code().as_str(), "ABORT_ERR");
    // Spawning on a dropped loop drops the future at once.
    let dropped2 = Rc::new(Cell::new(false));
    let flag = DropFlag(dropped2.clone());
    let join = lp.spawn_local(async move { drop(flag) });
    assert!(dropped2.get());
    assert_eq!(
        join.now_or_never().unwrap().unwrap_err().code().as_str(),
        "ABORT_ERR"
    );
    drop((lp, wr));
    fds.assert_same();
}

#[test]
fn a_task_woken_by_a_thread_after_the_loop_is_dropped_is_not_run() {
    // Other tests here count descriptors: none is opened while they do.
    let _fds = support::fd_lock();
    let (el, _lp) = event_loop();
    let slot = Slot::default();
    let polls = Rc::new(Cell::new(0));
    let join = el.spawn_local(WaitSlot(slot.clone(), polls.clone()));
    el.run_for(ms(1)).unwrap();
    assert_eq!(polls.get(), 1);
    drop(el);
    thread::spawn(move || slot.set(1)).join().unwrap();
    assert_eq!(polls.get(), 1);
    assert!(join.now_or_never().unwrap().is_err());
}

fn fd_is_readable(el: &EventLoop) -> bool {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let mut fds = [PollFd::new(el, PollFlags::IN)];
    poll(&mut fds, Some(&Timespec::default())).unwrap() == 1
}

#[test]
fn a_wake_on_the_loop_thread_queues_without_waking_the_poll_and_one_from_another_does() {
    let _fds = support::fd_lock();
    let (el, _lp) = event_loop();
    let waker = Rc::new(RefCell::new(None::<Waker>));
    let polls = Rc::new(Cell::new(0));
    let (w, p) = (waker.clone(), polls.clone());
    el.spawn_local(std::future::poll_fn(move |cx| {
        p.set(p.get() + 1);
        *w.borrow_mut() = Some(cx.waker().clone());
        if p.get() == 3 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }));
    el.dispatch(Some(ms(0))).unwrap();
    assert_eq!(polls.get(), 1);
    assert!(!el.has_pending() && !fd_is_readable(&el));

    // On the loop's thread: queued for the next dispatch; the eventfd is not written.
    waker.borrow().as_ref().unwrap().wake_by_ref();
    assert!(el.has_pending(), "a host must dispatch without waiting");
    assert!(
        !fd_is_readable(&el),
        "a local wake made a syscall on the waker"
    );
    el.dispatch(Some(ms(0))).unwrap();
    assert_eq!(polls.get(), 2);

    // From another thread: through the remote, which wakes the poll.
    let remote_waker = waker.borrow().clone().unwrap();
    thread::spawn(move || remote_waker.wake()).join().unwrap();
    assert!(
        fd_is_readable(&el),
        "a wake from another thread must wake the poll"
    );
    el.dispatch(Some(ms(0))).unwrap();
    assert_eq!(polls.get(), 3);
    assert!(!el.is_alive());
}

#[test]
fn block_on_returns_the_output_after_the_loop_has_done_everything_else() {
    let _fds = support::fd_lock();
    let lp = EventLoop::new().unwrap();
    let log = Log::default();
    let (l, h) = (log.clone(), lp.handle());
    let out = lp
        .block_on(async move {
            let l2 = l.clone();
            // Work the future leaves behind runs before block_on returns, as Node's loop
            // goes on after the main module's top-level await.
            h.set_timeout(ms(5), move || l2.push("timer after the future"));
            l.push("future done");
            7
        })
        .unwrap();
    assert_eq!(out, 7);
    assert_eq!(log.get(), ["future done", "timer after the future"]);
}

#[test]
fn block_on_of_a_future_the_stopped_loop_never_completed_is_err_unsettled_main() {
    let _fds = support::fd_lock();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let err = lp
        .block_on(async move {
            h.stop();
            std::future::pending::<()>().await
        })
        .unwrap_err();
    assert_eq!(err.code().as_str(), "ERR_UNSETTLED_MAIN");
}
