//! `accept` faults that cannot be provoked for real (`ENOBUFS`, `ENOMEM`, `EPROTO`, a
//! spurious `EAGAIN`, ...), made through the server's test seam: each listed errno fails
//! one `accept` before any real one is made. Each test runs alone in a child process
//! (`isolated!`), which also checks that the process ends with the descriptors it began
//! with; the tests check the count at their own points too.
//!
//! The classes, as libuv's `uv__server_io` and Node's `onconnection` sort them:
//! `EAGAIN` ends the pass, `EINTR` is retried, `ECONNABORTED` skipped, all silently;
//! `EMFILE`/`ENFILE` run the reserve trick, silently; anything else is `'error'`
//! (`accept ENOBUFS`) and the server goes on accepting.

use std::cell::RefCell;
use std::io::Read;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::{listen_tcp, listen_unix, Server, Socket, CONNECTION, LISTENING};
use crate::sys::testing::{fd_count, isolated};
use crate::{Error, EventLoop};

type Log = Rc<RefCell<Vec<String>>>;

fn sock_path(tag: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("nodestream-fault-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

/// Makes the server's next `accept` calls fail with `errnos`, in order.
fn inject(server: &Server, errnos: &[i32]) {
    server.state.faults.borrow_mut().extend(errnos);
}

fn faults_left(server: &Server) -> usize {
    server.state.faults.borrow().len()
}

/// Logs `'listening'`, `'connection'` and `'close'`; each accepted socket is answered
/// with `hi` and ended.
fn watch(server: &Server, log: &Log) {
    let l = log.clone();
    server.on(LISTENING, move |_: &()| {
        l.borrow_mut().push("listening".into())
    });
    let l = log.clone();
    server.on("close", move |_: &()| l.borrow_mut().push("close".into()));
    let l = log.clone();
    server.on(CONNECTION, move |s: &Socket| {
        l.borrow_mut().push("connection".into());
        s.writable.write("hi");
        s.writable.end();
        s.readable.resume();
    });
}

/// Logs `'error'` as `error <code> <message>`.
fn watch_errors(server: &Server, log: &Log) {
    let l = log.clone();
    server.on("error", move |e: &Error| {
        l.borrow_mut()
            .push(format!("error {} {}", e.code(), e.message()))
    });
}

fn run_until(el: &EventLoop, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        el.run_for(Duration::from_millis(2)).unwrap();
    }
}

/// A connected client (the listener's backlog takes it at once).
fn client(path: &Path) -> UnixStream {
    let c = UnixStream::connect(path).unwrap();
    c.set_nonblocking(true).unwrap();
    c
}

/// Runs the loop until the client reads end-of-file (or a reset); returns what it read.
fn read_to_eof(el: &EventLoop, c: &mut UnixStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut done = false;
    run_until(el, "the client to read end-of-file", || {
        let mut buf = [0u8; 64];
        match c.read(&mut buf) {
            Ok(0) => done = true,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => done = true,
            Err(e) => panic!("client read: {e}"),
        }
        done
    });
    got
}

/// A Unix server on a new loop with its events logged, past `'listening'`.
fn unix_server(tag: &str, errors: bool) -> (EventLoop, Server, Log, PathBuf) {
    let el = EventLoop::new().unwrap();
    let path = sock_path(tag);
    let server = listen_unix(&el.handle(), &path, |_| {}).unwrap();
    let log: Log = Rc::default();
    watch(&server, &log);
    if errors {
        watch_errors(&server, &log);
    }
    el.run_for(Duration::ZERO).unwrap();
    assert_eq!(*log.borrow(), ["listening"]);
    (el, server, log, path)
}

/// Closes the server once its connections are done; checks `'close'` came last.
fn finish(el: EventLoop, server: Server, log: &Log, path: &Path) {
    run_until(&el, "the connections to close", || {
        server.connections() == 0
    });
    server.close();
    el.run().unwrap();
    assert_eq!(log.borrow().last().unwrap(), "close");
    assert!(!path.exists());
    drop((server, el));
}

/// The silent classes: the pass goes on (`EINTR` retried, `ECONNABORTED` skipped) and the
/// pending connection is accepted in the same pass, with nothing but `'connection'`.
fn silent_retry(tag: &str, errnos: &[i32]) {
    let before = fd_count();
    let (el, server, log, path) = unix_server(tag, true);
    inject(&server, errnos);
    let mut c = client(&path);
    run_until(&el, "'connection'", || log.borrow().len() == 2);
    assert_eq!(*log.borrow(), ["listening", "connection"]);
    assert_eq!(faults_left(&server), 0);
    assert_eq!(read_to_eof(&el, &mut c), b"hi");
    drop(c);
    finish(el, server, &log, &path);
    assert_eq!(fd_count(), before);
}

#[test]
fn eintr_is_retried_silently() {
    isolated!(eintr_is_retried_silently, || {
        silent_retry("eintr", &[libc::EINTR, libc::EINTR]);
    });
}

#[test]
fn econnaborted_is_skipped_silently() {
    isolated!(econnaborted_is_skipped_silently, || {
        silent_retry("econnaborted", &[libc::ECONNABORTED]);
    });
}

/// `EAGAIN` means nothing is pending: the pass ends with no event. (A real one comes only
/// with an empty queue; the seam's comes with one connection queued, which then waits
/// for the next readiness edge, as it would in libuv with an edge-triggered poll.)
#[test]
fn eagain_ends_the_pass_silently() {
    isolated!(eagain_ends_the_pass_silently, || {
        let before = fd_count();
        let (el, server, log, path) = unix_server("eagain", true);
        inject(&server, &[libc::EAGAIN]);
        let mut c1 = client(&path);
        run_until(&el, "the fault to be met", || faults_left(&server) == 0);
        el.run_for(Duration::from_millis(20)).unwrap();
        assert_eq!(*log.borrow(), ["listening"]);
        assert!(server.listening());
        // The next connection is a new edge: both are accepted, in order.
        let mut c2 = client(&path);
        run_until(&el, "two 'connection's", || log.borrow().len() == 3);
        assert_eq!(*log.borrow(), ["listening", "connection", "connection"]);
        assert_eq!(read_to_eof(&el, &mut c1), b"hi");
        assert_eq!(read_to_eof(&el, &mut c2), b"hi");
        drop((c1, c2));
        finish(el, server, &log, &path);
        assert_eq!(fd_count(), before);
    });
}

/// The error class: `'error'` with Node's shape, then the pending connection is accepted
/// (on the next turn) and later clients are served: the server still listens.
fn reported(tag: &str, errno: i32, message: &str) {
    let before = fd_count();
    let (el, server, log, path) = unix_server(tag, true);
    let codes: Rc<RefCell<Vec<Option<i32>>>> = Rc::default();
    let c = codes.clone();
    server.on("error", move |e: &Error| {
        c.borrow_mut().push(e.raw_os_error())
    });
    inject(&server, &[errno]);
    let mut c1 = client(&path);
    run_until(&el, "'connection'", || log.borrow().len() == 3);
    let error = format!("error {} {message}", message.trim_start_matches("accept "));
    assert_eq!(*log.borrow(), ["listening", error.as_str(), "connection"]);
    assert_eq!(*codes.borrow(), [Some(errno)]);
    assert!(server.listening());
    assert_eq!(read_to_eof(&el, &mut c1), b"hi");
    let mut c2 = client(&path);
    assert_eq!(read_to_eof(&el, &mut c2), b"hi");
    assert_eq!(
        *log.borrow(),
        ["listening", error.as_str(), "connection", "connection"]
    );
    drop((c1, c2));
    finish(el, server, &log, &path);
    assert_eq!(fd_count(), before);
}

#[test]
fn enobufs_is_an_error_and_the_server_keeps_accepting() {
    isolated!(enobufs_is_an_error_and_the_server_keeps_accepting, || {
        reported("enobufs", libc::ENOBUFS, "accept ENOBUFS");
    });
}

#[test]
fn enomem_is_an_error_and_the_server_keeps_accepting() {
    isolated!(enomem_is_an_error_and_the_server_keeps_accepting, || {
        reported("enomem", libc::ENOMEM, "accept ENOMEM");
    });
}

#[test]
fn eperm_is_an_error_and_the_server_keeps_accepting() {
    isolated!(eperm_is_an_error_and_the_server_keeps_accepting, || {
        reported("eperm", libc::EPERM, "accept EPERM");
    });
}

/// libuv does not retry `EPROTO` (nor the network errnos `accept(2)` lists): Node emits
/// `'error'` with code `EPROTO`.
#[test]
fn eproto_is_an_error_as_in_node() {
    isolated!(eproto_is_an_error_as_in_node, || {
        reported("eproto", libc::EPROTO, "accept EPROTO");
    });
}

/// An error that persists is one `'error'` per loop turn (Node's libuv loops on it without
/// yielding); the pending connection is accepted once it clears.
#[test]
fn a_lasting_error_is_one_error_per_turn() {
    isolated!(a_lasting_error_is_one_error_per_turn, || {
        let before = fd_count();
        let (el, server, log, path) = unix_server("lasting", true);
        inject(&server, &[libc::ENOBUFS; 3]);
        let mut c1 = client(&path);
        // One turn at a time: each may add one event at most.
        let deadline = Instant::now() + Duration::from_secs(5);
        while log.borrow().len() < 5 {
            let n = log.borrow().len();
            el.run_once().unwrap();
            assert!(log.borrow().len() <= n + 1, "two events in one turn");
            assert!(Instant::now() < deadline);
        }
        let e = "error ENOBUFS accept ENOBUFS";
        assert_eq!(*log.borrow(), ["listening", e, e, e, "connection"]);
        assert_eq!(read_to_eof(&el, &mut c1), b"hi");
        drop(c1);
        finish(el, server, &log, &path);
        assert_eq!(fd_count(), before);
    });
}

/// With no `'error'` listener the error is uncaught: `run` returns it. The loop and the
/// server stay usable, and the pending connection is accepted when the loop runs again.
#[test]
fn an_unhandled_accept_error_goes_to_the_loop() {
    isolated!(an_unhandled_accept_error_goes_to_the_loop, || {
        let before = fd_count();
        let (el, server, log, path) = unix_server("unhandled", false);
        inject(&server, &[libc::ENOMEM]);
        let mut c1 = client(&path);
        let deadline = Instant::now() + Duration::from_secs(5);
        let err = loop {
            match el.run_for(Duration::from_millis(2)) {
                Err(e) => break e,
                Ok(()) => assert!(Instant::now() < deadline, "no uncaught error"),
            }
        };
        assert_eq!(err.code().as_str(), "ENOMEM");
        assert_eq!(err.message(), "accept ENOMEM");
        assert_eq!(err.raw_os_error(), Some(libc::ENOMEM));
        assert!(server.listening());
        assert_eq!(*log.borrow(), ["listening"]);
        assert_eq!(read_to_eof(&el, &mut c1), b"hi");
        assert_eq!(*log.borrow(), ["listening", "connection"]);
        drop(c1);
        finish(el, server, &log, &path);
        assert_eq!(fd_count(), before);
    });
}

/// An `'error'` listener that closes the server: `'close'` follows, the queued client is
/// refused (never left hanging), nothing is accepted after.
#[test]
fn an_error_listener_may_close_the_server() {
    isolated!(an_error_listener_may_close_the_server, || {
        let before = fd_count();
        let (el, server, log, path) = unix_server("closer", true);
        // The listener must not keep its server alive (a cycle): it takes it once.
        let s = RefCell::new(Some(server.clone()));
        server.on("error", move |_: &Error| {
            let server = s.borrow_mut().take();
            if let Some(server) = server {
                server.close();
            }
        });
        inject(&server, &[libc::ENOBUFS]);
        let mut c1 = client(&path);
        el.run().unwrap();
        assert_eq!(
            *log.borrow(),
            ["listening", "error ENOBUFS accept ENOBUFS", "close"]
        );
        assert!(!server.listening());
        assert!(!path.exists());
        assert_eq!(read_to_eof(&el, &mut c1), b"");
        drop((c1, server, el));
        assert_eq!(fd_count(), before);
    });
}

/// `EMFILE` through the seam (no rlimit games): the reserve trick accepts and closes every
/// queued connection, silently, and takes the loop's reserve again.
#[test]
fn emfile_sheds_the_queue_silently() {
    isolated!(emfile_sheds_the_queue_silently, || {
        let before = fd_count();
        let (el, server, log, path) = unix_server("emfile", true);
        let listening = fd_count();
        inject(&server, &[libc::EMFILE]);
        let mut c1 = client(&path);
        let mut c2 = client(&path);
        assert_eq!(read_to_eof(&el, &mut c1), b"");
        assert_eq!(read_to_eof(&el, &mut c2), b"");
        assert_eq!(*log.borrow(), ["listening"]);
        drop((c1, c2));
        // The reserve is back, the shed connections closed.
        assert_eq!(fd_count(), listening);
        let mut c3 = client(&path);
        assert_eq!(read_to_eof(&el, &mut c3), b"hi");
        assert_eq!(*log.borrow(), ["listening", "connection"]);
        drop(c3);
        finish(el, server, &log, &path);
        assert_eq!(fd_count(), before);
    });
}

#[test]
fn enfile_sheds_the_queue_silently() {
    isolated!(enfile_sheds_the_queue_silently, || {
        let before = fd_count();
        let (el, server, log, path) = unix_server("enfile", true);
        inject(&server, &[libc::ENFILE]);
        let mut c1 = client(&path);
        assert_eq!(read_to_eof(&el, &mut c1), b"");
        assert_eq!(*log.borrow(), ["listening"]);
        drop(c1);
        finish(el, server, &log, &path);
        assert_eq!(fd_count(), before);
    });
}

/// The trick's own `accept` failing at the limit again (the slot was taken meanwhile):
/// libuv reports `EMFILE`; the queued connection waits for the next edge.
#[test]
fn emfile_during_the_trick_is_an_error() {
    isolated!(emfile_during_the_trick_is_an_error, || {
        let before = fd_count();
        let (el, server, log, path) = unix_server("trick-emfile", true);
        inject(&server, &[libc::EMFILE, libc::EMFILE]);
        let mut c1 = client(&path);
        run_until(&el, "'error'", || log.borrow().len() == 2);
        el.run_for(Duration::from_millis(20)).unwrap();
        assert_eq!(*log.borrow(), ["listening", "error EMFILE accept EMFILE"]);
        let mut c2 = client(&path);
        assert_eq!(read_to_eof(&el, &mut c1), b"hi");
        assert_eq!(read_to_eof(&el, &mut c2), b"hi");
        assert_eq!(
            *log.borrow(),
            [
                "listening",
                "error EMFILE accept EMFILE",
                "connection",
                "connection"
            ]
        );
        drop((c1, c2));
        finish(el, server, &log, &path);
        assert_eq!(fd_count(), before);
    });
}

/// Another error inside the trick is reported as libuv's `connection_cb(err)` is, and
/// accepting goes on next turn.
#[test]
fn enobufs_during_the_trick_is_an_error() {
    isolated!(enobufs_during_the_trick_is_an_error, || {
        let before = fd_count();
        let (el, server, log, path) = unix_server("trick-enobufs", true);
        inject(&server, &[libc::EMFILE, libc::ENOBUFS]);
        let mut c1 = client(&path);
        assert_eq!(read_to_eof(&el, &mut c1), b"hi");
        assert_eq!(
            *log.borrow(),
            ["listening", "error ENOBUFS accept ENOBUFS", "connection"]
        );
        drop(c1);
        finish(el, server, &log, &path);
        assert_eq!(fd_count(), before);
    });
}

/// The same sorting over TCP.
#[test]
fn tcp_errors_and_retries() {
    isolated!(tcp_errors_and_retries, || {
        let before = fd_count();
        let el = EventLoop::new().unwrap();
        let server = listen_tcp(&el.handle(), "127.0.0.1:0".parse().unwrap(), |_| {}).unwrap();
        let log: Log = Rc::default();
        watch(&server, &log);
        watch_errors(&server, &log);
        inject(
            &server,
            &[libc::EINTR, libc::ECONNABORTED, libc::ENOBUFS, libc::EINTR],
        );
        let addr = server.local_addr().unwrap();
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        run_until(&el, "'connection'", || log.borrow().len() == 3);
        assert_eq!(
            *log.borrow(),
            ["listening", "error ENOBUFS accept ENOBUFS", "connection"]
        );
        let mut got = Vec::new();
        c.set_nonblocking(true).unwrap();
        run_until(&el, "the client to read", || {
            let mut buf = [0u8; 16];
            match c.read(&mut buf) {
                Ok(0) => true,
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    false
                }
                Err(_) => false,
            }
        });
        assert_eq!(got, b"hi");
        drop(c);
        run_until(&el, "the connection to close", || server.connections() == 0);
        server.close();
        el.run().unwrap();
        assert_eq!(log.borrow().last().unwrap(), "close");
        drop((server, el));
        assert_eq!(fd_count(), before);
    });
}

/// How many open descriptors are `/dev/null` (the reserve is one).
fn dev_null_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|t| t == Path::new("/dev/null"))
        .count()
}

/// libuv keeps one reserve descriptor per loop: the first server to listen opens it, a
/// second server on the same loop shares it, closing the servers keeps it, dropping the
/// loop closes it; another loop has its own.
#[test]
fn the_reserve_is_one_per_loop() {
    isolated!(the_reserve_is_one_per_loop, || {
        let before = fd_count();
        let base = dev_null_fds();
        let el = EventLoop::new().unwrap();
        let lp = el.handle();
        let with_loop = fd_count();
        let a = listen_tcp(&lp, "127.0.0.1:0".parse().unwrap(), |_| {}).unwrap();
        // The listening socket and the loop's reserve.
        assert_eq!(fd_count(), with_loop + 2);
        let path = sock_path("reserve-b");
        let b = listen_unix(&lp, &path, |_| {}).unwrap();
        // The listening socket only.
        assert_eq!(fd_count(), with_loop + 3);
        a.close();
        b.close();
        el.run().unwrap();
        assert_eq!(fd_count(), with_loop + 1, "the loop keeps its reserve");
        let other = EventLoop::new().unwrap();
        let other_fds = fd_count();
        let c = listen_tcp(&other.handle(), "127.0.0.1:0".parse().unwrap(), |_| {}).unwrap();
        assert_eq!(
            fd_count(),
            other_fds + 2,
            "a second loop has its own reserve"
        );
        c.close();
        drop((c, other));
        assert_eq!(fd_count(), with_loop + 1);
        // Servers and handles may outlive the loop; the reserve closes with it (the
        // poll's own descriptor stays until the last handle is gone).
        assert_eq!(dev_null_fds(), base + 1);
        drop(el);
        assert_eq!(dev_null_fds(), base);
        drop((a, b, lp));
        assert_eq!(fd_count(), before);
    });
}
