//! A socket's `_final` (`shutdown(SHUT_WR)`) completes on a later turn, as Node's
//! `afterShutdown` (libuv calls the shutdown back from its loop, never inside `_final`):
//! `'prefinish'` comes after the tick that called `end()`, and a panic in a `'prefinish'`
//! listener is uncaught, not the stream's error.
//!
//! Node v20 and v26, a connected socket ended from a timer:
//! ```text
//! c.on('prefinish', ..); c.on('finish', ..);
//! c.end(() => log('end cb')); log('after end');
//! process.nextTick(() => log('tick')); setImmediate(() => log('immediate'));
//! setTimeout(() => log('timeout0'), 0);
//! // node: after end, tick, prefinish, end cb, finish, immediate, timeout0
//! ```
//! and with `c.on('prefinish', () => { throw new Error('boom') })`: `prefinish`, then
//! `uncaught boom`; no `'error'`.

mod support;

use std::net::{TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use nodestream::events::{ERROR, FINISH, PREFINISH};
use nodestream::net::{unix_pair, Socket};
use nodestream::{Error, EventLoop};
use support::{assert_trace, Log};

/// Two connected sockets on `el`: a Unix pair, or the two ends of a TCP connection.
fn pair(el: &EventLoop, tcp: bool) -> (Socket, Socket) {
    if !tcp {
        return unix_pair(&el.handle()).unwrap();
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (theirs, _) = listener.accept().unwrap();
    (
        Socket::from_fd(&el.handle(), OwnedFd::from(ours)).unwrap(),
        Socket::from_fd(&el.handle(), OwnedFd::from(theirs)).unwrap(),
    )
}

#[test]
fn end_completes_on_a_later_turn_as_nodes_after_shutdown() {
    for tcp in [false, true] {
        let el = EventLoop::new().unwrap();
        let (a, b) = pair(&el, tcp);
        b.resume();
        let log = Log::default();
        let (l, h, a2) = (log.clone(), el.handle(), a.clone());
        el.handle().set_timeout(Duration::from_millis(5), move || {
            a2.on(PREFINISH, l.event("prefinish"));
            a2.on(FINISH, l.event("finish"));
            a2.end_cb(l.cb("end cb"));
            l.push("after end");
            l.tick(&h, "tick");
            l.imm(&h, "immediate");
            let t = l.clone();
            h.set_timeout(Duration::ZERO, move || t.push("timeout0"));
        });
        el.run_for(Duration::from_millis(50)).unwrap();
        assert_trace(
            &log,
            &[
                "after end",
                "tick",
                "prefinish",
                "end cb null",
                "finish",
                "immediate",
                "timeout0",
            ],
        );
        a.destroy(None);
        b.destroy(None);
        el.run().unwrap();
    }
}

#[test]
fn a_panicking_prefinish_listener_is_uncaught_as_in_node() {
    for tcp in [false, true] {
        let el = EventLoop::new().unwrap();
        let (a, b) = pair(&el, tcp);
        b.resume();
        let log = Log::default();
        let l = log.clone();
        a.on(PREFINISH, move |_| {
            l.push("prefinish");
            panic!("boom");
        });
        let l = log.clone();
        a.on(ERROR, move |e: &Error| {
            l.push(format!("error {}", e.code()))
        });
        a.end();
        let out = catch_unwind(AssertUnwindSafe(|| el.run_for(Duration::from_millis(50))));
        assert!(
            out.is_err(),
            "the panic did not come out of the loop: {out:?}"
        );
        // The loop goes on; nothing turned the panic into the stream's error.
        el.run_for(Duration::from_millis(20)).unwrap();
        assert_eq!(log.get(), ["prefinish"]);
        a.destroy(None);
        b.destroy(None);
        el.run().unwrap();
    }
}
