//! The loop's own fds: created close-on-exec, closed when the loop and its handles go.
//! One test in its own binary, so no other thread opens fds while it counts them.

mod support;

use std::os::fd::AsFd;
use std::time::Duration;

use nodestream::{EventLoop, PostAction};
use support::{fd_count, is_cloexec};

#[test]
fn a_loop_holds_three_cloexec_fds_and_closes_them_when_dropped() {
    let before = fd_count();
    {
        let lp = EventLoop::new().unwrap();
        // epoll instance, its registry clone (the fd lent to hosts), the waker's eventfd.
        assert_eq!(fd_count(), before + 3);
        assert!(is_cloexec(lp.as_fd()));
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
        assert_eq!(fd_count(), before + 2);
        drop(keep);
        drop(h);
        assert_eq!(fd_count(), before);
        drop(remote);
    }
    assert_eq!(fd_count(), before);
}
