//! Liveness: streams must not keep the loop alive once they have nothing left to do.
//!
//! Node (v20): a socket whose peer ended, and whose readable side nobody consumes, lets
//! the process exit: libuv stops reading at end of file, and an inactive handle does not
//! keep the loop alive.
//! ```text
//! const srv = net.createServer(s => { s.end('x'); srv.close(); });
//! srv.listen(0, () => { const c = net.connect(srv.address().port, () => c.end()); });
//! // prints nothing more and exits
//! ```

mod support;

use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::time::Duration;

use nodestream::net::Socket;
use nodestream::stream::readable::{Readable, ReadableOptions};
use nodestream::EventLoop;
use support::FdCheck;

/// Runs `body` (which builds streams on the loop it is given) and then `run()`, on its own
/// thread; fails if `run()` has not returned within five seconds. Then destroys the
/// streams (the cleanup `body` returned) and checks that no descriptor is left.
fn run_returns(body: impl FnOnce(&EventLoop) -> Box<dyn FnOnce()> + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let t = std::thread::spawn(move || {
        let el = EventLoop::new().unwrap();
        let cleanup = body(&el);
        el.run().unwrap();
        // What a program does with a stream it is done with: destroy it.
        cleanup();
        el.run().unwrap();
        drop(el);
        let _ = tx.send(());
    });
    assert!(
        rx.recv_timeout(Duration::from_secs(5)).is_ok(),
        "run() did not return: a stream at end of file keeps the loop alive"
    );
    t.join().unwrap();
}

#[test]
fn an_unconsumed_fd_readable_at_eof_lets_the_loop_exit() {
    let _check = FdCheck::start();
    run_returns(|el| {
        let (rx, tx) = support::pipe();
        drop(tx);
        let r = Readable::from_fd(&el.handle(), rx, ReadableOptions::default()).unwrap();
        // Nobody reads: the stream stays paused with its end buffered.
        Box::new(move || {
            r.destroy(None);
        })
    });
}

#[test]
fn an_unconsumed_unix_socket_at_eof_lets_the_loop_exit() {
    let _check = FdCheck::start();
    run_returns(|el| {
        let (ours, peer) = UnixStream::pair().unwrap();
        drop(peer);
        let s = Socket::from_fd(&el.handle(), OwnedFd::from(ours)).unwrap();
        Box::new(move || s.destroy(None))
    });
}
