//! The loop's own fds: created close-on-exec, closed when the loop and its handles go.
//! One test in its own binary, so no other thread opens fds while it counts them.

use std::os::fd::AsFd;
use std::time::Duration;

use nodestream::{EventLoop, PostAction};
use rustix::io::{fcntl_getfd, FdFlags};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter(|e| {
            // libtest reads /proc/self/cgroup and /sys/fs/cgroup files on its main thread
            // (available_parallelism) while the first tests run: those fds come and go and
            // are never ours. An fd that closed before readlink was transient too.
            e.as_ref()
                .ok()
                .and_then(|e| std::fs::read_link(e.path()).ok())
                .is_some_and(|t| !t.starts_with("/proc/") && !t.starts_with("/sys/"))
        })
        .count()
}

#[test]
fn a_loop_holds_three_cloexec_fds_and_closes_them_when_dropped() {
    let before = open_fds();
    {
        let lp = EventLoop::new().unwrap();
        // epoll instance, its registry clone (the fd lent to hosts), the waker's eventfd.
        assert_eq!(open_fds(), before + 3);
        assert!(fcntl_getfd(lp.as_fd()).unwrap().contains(FdFlags::CLOEXEC));
        let h = lp.handle();
        let (tx, mut rx) = mio::unix::pipe::new().unwrap();
        let id = h
            .register(&mut rx, mio::Interest::READABLE, |_| PostAction::Continue)
            .unwrap();
        h.set_timeout(Duration::from_millis(1), || {});
        lp.run_for(Duration::from_millis(5)).unwrap();
        h.deregister(id, &mut rx).unwrap();
        drop((tx, rx));
        // A LoopHandle that outlives the loop keeps the poll (its two fds) until it goes.
        // A RemoteHandle or KeepAlive (held by a file worker for a moment after its last
        // completion) does not keep the waker's eventfd: it closes with the loop.
        let remote = lp.remote();
        let keep = remote.keep_alive();
        drop(lp);
        assert!(remote.is_closed());
        assert_eq!(open_fds(), before + 2);
        drop(keep);
        drop(h);
        assert_eq!(open_fds(), before);
        drop(remote);
    }
    assert_eq!(open_fds(), before);
}
