//! Posting closures from other threads: nothing lost, nothing run twice, per-thread order
//! kept, and posting to a dropped loop gives the closure back.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use nodestream::{EventLoop, RemoteHandle};

const THREADS: usize = 8;
const PER_THREAD: usize = 5_000;

thread_local! {
    static SEEN: RefCell<Vec<(usize, usize)>> = const { RefCell::new(Vec::new()) };
}

#[test]
fn eight_threads_post_with_no_lost_or_duplicated_closure() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<RemoteHandle>();

    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let remote = lp.remote();
    let keep = h.keep_alive();
    let start = Arc::new(Barrier::new(THREADS));
    let done = Arc::new(AtomicUsize::new(0));
    let loop_thread = thread::current().id();
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (remote, start, done) = (remote.clone(), start.clone(), done.clone());
            let keep = keep.clone();
            thread::spawn(move || {
                start.wait();
                for i in 0..PER_THREAD {
                    remote
                        .post(move || {
                            assert_eq!(thread::current().id(), loop_thread);
                            SEEN.with(|s| s.borrow_mut().push((t, i)));
                        })
                        .ok()
                        .expect("the loop is alive");
                    if i % 512 == 0 {
                        thread::yield_now();
                    }
                }
                done.fetch_add(1, Ordering::SeqCst);
                drop(keep);
            })
        })
        .collect();
    drop(keep);
    lp.run().unwrap();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(done.load(Ordering::SeqCst), THREADS);
    SEEN.with(|s| {
        let seen = s.borrow();
        assert_eq!(seen.len(), THREADS * PER_THREAD);
        // Each thread's closures ran once each, in the order it posted them.
        let mut next = [0usize; THREADS];
        for &(t, i) in seen.iter() {
            assert_eq!(i, next[t], "thread {t}");
            next[t] += 1;
        }
        assert!(next.iter().all(|&n| n == PER_THREAD));
    });
}

#[test]
fn posts_wake_a_loop_blocked_in_poll_and_run_with_ticks_after_each() {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let remote = lp.remote();
    let keep = h.keep_alive();
    let log = Rc::new(RefCell::new(Vec::new()));
    // The loop side records through a thread-local; the posted closure only says "go".
    type Target = Option<(nodestream::LoopHandle, Rc<RefCell<Vec<&'static str>>>)>;
    thread_local! {
        static TARGET: RefCell<Target> = const { RefCell::new(None) };
    }
    TARGET.with(|t| *t.borrow_mut() = Some((h.clone(), log.clone())));
    let worker = thread::spawn(move || {
        thread::sleep(std::time::Duration::from_millis(20));
        remote
            .post(|| {
                TARGET.with(|t| {
                    let (h, log) = t.borrow().clone().unwrap();
                    log.borrow_mut().push("posted");
                    let l = log.clone();
                    h.next_tick(move || l.borrow_mut().push("tick"));
                    let l = log.clone();
                    h.set_immediate(move || l.borrow_mut().push("immediate"));
                });
            })
            .ok()
            .unwrap();
        drop(keep);
    });
    lp.run().unwrap();
    worker.join().unwrap();
    assert_eq!(*log.borrow(), ["posted", "tick", "immediate"]);
    TARGET.with(|t| t.borrow_mut().take());
}

#[test]
fn posting_to_a_dropped_loop_gives_the_closure_back() {
    let lp = EventLoop::new().unwrap();
    let remote = lp.remote();
    let hits = Arc::new(AtomicUsize::new(0));
    let h2 = hits.clone();
    remote
        .post(move || {
            h2.fetch_add(1, Ordering::SeqCst);
        })
        .ok()
        .unwrap();
    assert!(!remote.is_closed());
    drop(lp); // the queued closure is dropped unrun
    assert!(remote.is_closed());
    let h3 = hits.clone();
    let back = remote.post(move || {
        h3.fetch_add(1, Ordering::SeqCst);
    });
    let f = back.expect_err("refused");
    f(); // it is the caller's again
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[test]
fn a_post_reaches_a_loop_busy_with_immediates_and_no_source() {
    // With no source registered the loop skips its non-blocking polls; posts are still
    // seen, through the queue's flag, within a turn or two.
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let remote = lp.remote();
    let arrived = Arc::new(AtomicUsize::new(0));
    let turns_after = Rc::new(RefCell::new(None::<usize>));
    let turns = Rc::new(RefCell::new(0usize));
    fn spin(
        h: nodestream::LoopHandle,
        arrived: Arc<AtomicUsize>,
        turns: Rc<RefCell<usize>>,
        after: Rc<RefCell<Option<usize>>>,
    ) {
        *turns.borrow_mut() += 1;
        if arrived.load(Ordering::SeqCst) == 1 {
            *after.borrow_mut() = Some(*turns.borrow());
            return;
        }
        assert!(*turns.borrow() < 50_000_000, "the post never arrived");
        let h2 = h.clone();
        h.set_immediate(move || spin(h2, arrived, turns, after));
    }
    let (h2, a2, t2, ta2) = (
        h.clone(),
        arrived.clone(),
        turns.clone(),
        turns_after.clone(),
    );
    h.set_immediate(move || spin(h2, a2, t2, ta2));
    let a3 = arrived.clone();
    let worker = thread::spawn(move || {
        thread::sleep(std::time::Duration::from_millis(10));
        remote
            .post(move || {
                a3.store(1, Ordering::SeqCst);
            })
            .ok()
            .unwrap();
    });
    lp.run().unwrap();
    worker.join().unwrap();
    assert!(turns_after.borrow().is_some());
}
