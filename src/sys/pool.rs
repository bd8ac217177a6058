//! A small pool of worker threads for blocking file operations, as libuv keeps one.
//!
//! Regular files are never "not ready" to epoll, so their reads and writes block the calling
//! thread for as long as the disk takes. The loop thread hands them to this pool instead; each
//! job ends by calling a completion the caller gave, which (in the stream layer) posts back to
//! the loop through its remote handle.
//!
//! Threads start lazily, one per job that finds no idle worker, up to the pool's size (4 by
//! default, libuv's `UV_THREADPOOL_SIZE`). Jobs run in submission order, but with more than
//! one thread two jobs may run at once: callers keep at most one operation in flight per fd
//! (Node's file streams do the same), which keeps an fd's writes in order.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, OnceLock};
use std::thread::{self, JoinHandle};

use parking_lot::{Condvar, Mutex};

/// libuv's default thread-pool size.
pub(crate) const DEFAULT_THREADS: usize = 4;

type Job = Box<dyn FnOnce() + Send + 'static>;

struct State {
    jobs: VecDeque<Job>,
    /// Workers waiting for a job.
    idle: usize,
    /// Workers started so far.
    started: usize,
    /// Set by `Drop`: workers finish the queue, then exit.
    shutdown: bool,
}

struct Shared {
    state: Mutex<State>,
    cond: Condvar,
}

/// A pool of worker threads running blocking jobs; see the module docs.
pub(crate) struct Pool {
    shared: Arc<Shared>,
    size: usize,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state.lock();
        f.debug_struct("Pool")
            .field("size", &self.size)
            .field("started", &state.started)
            .field("idle", &state.idle)
            .field("queued", &state.jobs.len())
            .finish()
    }
}

impl Pool {
    /// A pool of at most `size` threads (at least one), none started yet.
    pub(crate) fn new(size: usize) -> Pool {
        Pool {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    jobs: VecDeque::new(),
                    idle: 0,
                    started: 0,
                    shutdown: false,
                }),
                cond: Condvar::new(),
            }),
            size: size.max(1),
            workers: Mutex::new(Vec::new()),
        }
    }

    /// The process-wide pool of [`DEFAULT_THREADS`] threads the file streams share. It lives
    /// as long as the process; its idle threads sleep on a condition variable.
    pub(crate) fn shared() -> &'static Pool {
        static POOL: OnceLock<Pool> = OnceLock::new();
        POOL.get_or_init(|| Pool::new(DEFAULT_THREADS))
    }

    /// Runs `job` on a worker thread.
    ///
    /// A job that panics is caught (and logged) so its worker lives on; whatever the job owned
    /// is dropped, so a completion it carried is never called: jobs built by `crate::fs` do
    /// not panic.
    pub(crate) fn submit(&self, job: impl FnOnce() + Send + 'static) {
        let mut state = self.shared.state.lock();
        state.jobs.push_back(Box::new(job));
        if state.idle == 0 && state.started < self.size {
            state.started += 1;
            let shared = Arc::clone(&self.shared);
            let spawned = thread::Builder::new()
                .name("nodestream-fs".into())
                .spawn(move || worker(&shared));
            match spawned {
                Ok(handle) => self.workers.lock().push(handle),
                Err(err) => {
                    // The jobs still run on the workers that exist; with none at all, run this
                    // one here rather than never.
                    state.started -= 1;
                    log::warn!("nodestream: could not start a file worker thread: {err}");
                    if state.started == 0 {
                        let job = state.jobs.pop_back().expect("just pushed");
                        drop(state);
                        run(job);
                        return;
                    }
                }
            }
        }
        drop(state);
        self.shared.cond.notify_one();
    }

    /// How many worker threads have been started (the tests check that they start lazily).
    #[cfg(test)]
    pub(crate) fn threads(&self) -> usize {
        self.shared.state.lock().started
    }
}

impl Drop for Pool {
    /// Lets the workers finish every queued job, then joins them (all but the calling thread,
    /// when the last owner of the pool was one of its own jobs: that worker exits once its
    /// job returns).
    fn drop(&mut self) {
        self.shared.state.lock().shutdown = true;
        self.shared.cond.notify_all();
        let me = thread::current().id();
        for handle in self.workers.get_mut().drain(..) {
            if handle.thread().id() != me {
                let _ = handle.join();
            }
        }
    }
}

fn worker(shared: &Shared) {
    let mut state = shared.state.lock();
    loop {
        if let Some(job) = state.jobs.pop_front() {
            drop(state);
            run(job);
            state = shared.state.lock();
        } else if state.shutdown {
            return;
        } else {
            state.idle += 1;
            shared.cond.wait(&mut state);
            state.idle -= 1;
        }
    }
}

fn run(job: Job) {
    if panic::catch_unwind(AssertUnwindSafe(job)).is_err() {
        log::warn!("nodestream: a file worker job panicked");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn jobs_run_off_the_calling_thread_and_threads_start_lazily() {
        let pool = Pool::new(4);
        assert_eq!(pool.threads(), 0);
        let (tx, rx) = mpsc::channel();
        pool.submit(move || tx.send(thread::current().id()).unwrap());
        let id = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_ne!(id, thread::current().id());
        assert_eq!(pool.threads(), 1);
    }

    #[test]
    fn never_more_threads_than_its_size_and_every_job_runs() {
        let pool = Pool::new(2);
        let (tx, rx) = mpsc::channel();
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        for i in 0..50 {
            let tx = tx.clone();
            let gate = Arc::clone(&gate);
            pool.submit(move || {
                let mut open = gate.0.lock();
                while !*open {
                    gate.1.wait(&mut open);
                }
                drop(open);
                tx.send(i).unwrap();
            });
        }
        assert_eq!(pool.threads(), 2);
        *gate.0.lock() = true;
        gate.1.notify_all();
        let mut got: Vec<i32> = (0..50)
            .map(|_| rx.recv_timeout(Duration::from_secs(10)).unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, (0..50).collect::<Vec<_>>());
        assert_eq!(pool.threads(), 2);
    }

    #[test]
    fn a_panicking_job_leaves_the_worker_alive() {
        let pool = Pool::new(1);
        pool.submit(|| panic!("job panics on purpose"));
        let (tx, rx) = mpsc::channel();
        pool.submit(move || tx.send(7).unwrap());
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), 7);
        assert_eq!(pool.threads(), 1);
    }

    #[test]
    fn drop_finishes_queued_jobs_then_joins() {
        let pool = Pool::new(1);
        let (tx, rx) = mpsc::channel();
        for i in 0..20 {
            let tx = tx.clone();
            pool.submit(move || {
                thread::sleep(Duration::from_millis(1));
                tx.send(i).unwrap();
            });
        }
        drop(tx);
        drop(pool);
        // One worker runs jobs in submission order; all ran before drop returned.
        assert_eq!(
            rx.try_iter().collect::<Vec<_>>(),
            (0..20).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_pool_dropped_by_its_own_job_does_not_deadlock() {
        let owner = Arc::new(Pool::new(2));
        let keep = Arc::clone(&owner);
        let (gate_tx, gate_rx) = mpsc::channel::<()>();
        let (tx, rx) = mpsc::channel();
        owner.submit(move || {
            gate_rx.recv().unwrap();
            drop(keep); // the last owner: Pool::drop runs on this worker
            tx.send(()).unwrap();
        });
        drop(owner);
        gate_tx.send(()).unwrap();
        rx.recv_timeout(Duration::from_secs(10)).unwrap();
    }
}
