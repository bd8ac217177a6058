//! Errors nobody hears: an `'error'` with no listener of the user's is Node's uncaught
//! exception, so it must come back from `run()`, for every kind of stream the library
//! makes. The library's own wiring (a socket's two sides, joined as one Duplex; a server's
//! connection count) goes through crate-internal links and hooks, never through listeners
//! that would count as the user's handler.
//!
//! Node v20: a socket whose read fails with `ECONNRESET` and has no `'error'` listener
//! makes an uncaught exception.
//! ```text
//! process.on('uncaughtException', (e) => log('uncaught', e.code, e.message));
//! const server = net.createServer((s) => { s.resume(); });   // no 'error' listener
//! // client: net.connect(port, () => c.resetAndDestroy());
//! // node: uncaught ECONNRESET read ECONNRESET, then the socket's 'close' (from its
//! //       handle's close callback, which the uncaught error does not cancel)
//! ```
//! Here `run()` returns it, once; running again finishes the teardown (fds released,
//! `'close'` emitted).
//!
//! Two checks for the whole class:
//! - every stream kind, made fresh, has no `'error'`, `errorMonitor` or `'close'`
//!   listener (listener counts as Node's: a socket has one `'end'` listener, Node's
//!   `onReadableStreamEnd`, and nothing else);
//! - for every stream kind, a real fault with no listener comes back from `run()`, exactly
//!   once, and the stream still closes and releases its fds.

mod support;

use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use nodestream::events::names;
use nodestream::events::{CLOSE, ERROR};
use nodestream::fs::{create_write_stream, WriteStreamOptions};
use nodestream::net::{connect_tcp, connect_unix, listen_tcp, listen_unix, unix_pair, Socket};
use nodestream::stream::readable::{Readable, ReadableOptions};
use nodestream::stream::{FdWritable, Sink, Writable};
use nodestream::{Error, EventLoop, LoopHandle, WritableOptions};
use support::{FdCheck, Log};

/// `run()` must fail with an uncaught error of `code`, once: a second `run()` finishes the
/// teardown without another.
fn uncaught_once(lp: &EventLoop, code: &str) {
    let err = lp
        .run()
        .expect_err("an error nobody listens to must come back from run()");
    assert_eq!(err.code().as_str(), code, "{err}");
    lp.run().expect("one fault, one uncaught error");
}

/// The listener counts of a fresh stream that the library's wiring may touch.
fn counts(em: &nodestream::events::EventEmitter) -> [usize; 4] {
    [
        em.listener_count(names::ERROR),
        em.listener_count(names::ERROR_MONITOR),
        em.listener_count(names::CLOSE),
        em.listener_count(names::END),
    ]
}

/// Node's counts on a `net.Socket` (client or accepted): `end=1` (Node's
/// `onReadableStreamEnd`) and nothing else, on the one emitter of both sides.
fn assert_socket_counts(s: &Socket) {
    assert!(
        s.writable.emitter().ptr_eq(s.readable.emitter()),
        "one emitter"
    );
    assert_eq!(counts(s.emitter()), [0, 0, 0, 1], "socket");
}

/// A TCP pair: our end as a `Socket` on `lp`, the peer as a blocking std stream.
fn tcp_pair(lp: &LoopHandle) -> (Socket, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (ours, _) = listener.accept().unwrap();
    (Socket::from_fd(lp, OwnedFd::from(ours)).unwrap(), peer)
}

/// Closes a TCP stream with a reset (`SO_LINGER` 0): the other end reads `ECONNRESET`.
fn reset(peer: std::net::TcpStream) {
    rustix::net::sockopt::set_socket_linger(&peer, Some(Duration::ZERO)).unwrap();
    drop(peer);
}

#[test]
fn no_stream_the_library_makes_carries_a_listener_of_its_own_on_error_or_close() {
    let _check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    // Sockets: from an fd (Unix, with the fd-receiving reader), TCP, connecting (TCP and
    // Unix), accepted (TCP and Unix).
    let (a, b) = unix_pair(&h).unwrap();
    assert_socket_counts(&a);
    let (t, _peer) = tcp_pair(&h);
    assert_socket_counts(&t);
    let accepted = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let acc = accepted.clone();
    let server = listen_tcp(&h, "127.0.0.1:0".parse().unwrap(), move |s| {
        acc.borrow_mut().push(s)
    })
    .unwrap();
    assert_eq!(counts(&server.emitter()), [0, 0, 0, 0], "server");
    let client = connect_tcp(&h, server.local_addr().unwrap()).unwrap();
    assert_socket_counts(&client);
    let path = std::env::temp_dir().join(format!("nodestream-unheard-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let acc = accepted.clone();
    let userver = listen_unix(&h, &path, move |s| acc.borrow_mut().push(s)).unwrap();
    let uclient = connect_unix(&h, &path, Default::default()).unwrap();
    assert_socket_counts(&uclient);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while accepted.borrow().len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "no connection accepted"
        );
        lp.run_for(Duration::from_millis(5)).unwrap();
    }
    for s in accepted.borrow().iter() {
        assert_socket_counts(s);
    }
    // Fd streams: a Writable and a Readable over pipes, a file write stream.
    let (r, w) = support::pipe();
    let fw = FdWritable::new(&h, w, WritableOptions::new()).unwrap();
    assert_eq!(counts(&fw.emitter()), [0, 0, 0, 0], "FdWritable");
    let fr = Readable::from_fd(&h, r, ReadableOptions::default()).unwrap();
    assert_eq!(counts(fr.emitter()), [0, 0, 0, 0], "Readable::from_fd");
    let file = std::env::temp_dir().join(format!("nodestream-unheard-f-{}", std::process::id()));
    let ws = create_write_stream(&h, &file, WriteStreamOptions::new()).unwrap();
    assert_eq!(counts(&ws.emitter()), [0, 0, 0, 0], "file write stream");
    // A child's stdio, and stdout.
    let child =
        nodestream::child_process::spawn(&h, &mut std::process::Command::new("true")).unwrap();
    assert_eq!(counts(&child.stdin.emitter()), [0, 0, 0, 0], "child stdin");
    // One 'close' listener, the child's own (its 'close' waits for stdout's), as Node's:
    // `spawn('true').stdout.listenerCount('close')` is 1.
    assert_eq!(counts(child.stdout.emitter()), [0, 0, 1, 0], "child stdout");
    let out = nodestream::process::stdout(&h).unwrap();
    assert_eq!(counts(&out.emitter()), [0, 0, 0, 0], "stdout");
    // Tear down.
    for s in accepted
        .borrow()
        .iter()
        .chain([&a, &b, &t, &client, &uclient])
    {
        s.destroy(None);
    }
    accepted.borrow_mut().clear();
    fw.destroy(None);
    fr.destroy(None);
    ws.destroy(None);
    child.stdin.destroy(None);
    child.stdout.destroy(None);
    out.destroy(None);
    server.close();
    userver.close();
    lp.run().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_file(&file);
}

/// The bug that named this class: a `Socket` read failing with `ECONNRESET`, no
/// `'error'` listener. The socket is destroyed all the same (both sides), and its one
/// `'close'` comes once the loop runs again, as Node's does after an uncaught exception.
#[test]
fn a_tcp_socket_read_reset_with_no_listener_comes_back_from_run() {
    let check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let (s, peer) = tcp_pair(&lp.handle());
    let log = Log::default();
    s.on(CLOSE, log.event("close"));
    s.readable.resume();
    reset(peer);
    uncaught_once(&lp, "ECONNRESET");
    assert_eq!(log.get(), ["close"]);
    assert!(s.writable.destroyed() && s.readable.destroyed());
    drop((s, lp));
    check.assert_same();
}

/// With a listener, the same fault is handled: `run()` is `Ok`; one `'error'`, one
/// `'close'`.
#[test]
fn a_tcp_socket_read_reset_with_a_listener_is_handled() {
    let check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let (s, peer) = tcp_pair(&lp.handle());
    let log = Log::default();
    let l = log.clone();
    s.on(ERROR, move |e: &Error| {
        l.push(format!("error {}", e.code()))
    });
    s.on(CLOSE, log.event("close"));
    reset(peer);
    lp.run().unwrap();
    assert_eq!(log.get(), ["error ECONNRESET", "close"]);
    drop((s, lp));
    check.assert_same();
}

/// A Unix socket (the fd-receiving reader): the peer closes with our bytes unread in its
/// buffer, so our read fails with `ECONNRESET`.
#[test]
fn a_unix_socket_read_reset_with_no_listener_comes_back_from_run() {
    let check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let (ours, mut peer) = UnixStream::pair().unwrap();
    let s = Socket::from_fd(&lp.handle(), OwnedFd::from(ours)).unwrap();
    s.writable.write("unread by the peer");
    lp.run_for(Duration::ZERO).unwrap();
    peer.flush().unwrap();
    drop(peer);
    uncaught_once(&lp, "ECONNRESET");
    assert!(s.readable.destroyed() && s.writable.destroyed());
    drop((s, lp));
    check.assert_same();
}

/// `Readable::from_fd` over a socket, the same fault.
#[test]
fn an_fd_readable_read_error_with_no_listener_comes_back_from_run() {
    let check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let (ours, mut peer) = UnixStream::pair().unwrap();
    let mut ours_w = ours.try_clone().unwrap();
    let r = Readable::from_fd(
        &lp.handle(),
        OwnedFd::from(ours),
        ReadableOptions::default(),
    )
    .unwrap();
    ours_w.write_all(b"unread by the peer").unwrap();
    drop(ours_w);
    peer.flush().unwrap();
    drop(peer);
    uncaught_once(&lp, "ECONNRESET");
    assert!(r.closed());
    drop((r, lp));
    check.assert_same();
}

/// A `Socket`'s writable side: `EPIPE`, no listener; `'close'` follows on the next run.
#[test]
fn a_socket_write_epipe_with_no_listener_comes_back_from_run() {
    let check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let (ours, peer) = UnixStream::pair().unwrap();
    let s = Socket::from_fd(&lp.handle(), OwnedFd::from(ours)).unwrap();
    drop(peer);
    let log = Log::default();
    s.on(CLOSE, log.event("close"));
    s.writable.write_cb("into the void", log.cb("cb"));
    uncaught_once(&lp, "EPIPE");
    assert_eq!(log.get(), ["cb EPIPE", "close"]);
    assert!(s.readable.destroyed() && s.writable.destroyed());
    drop((s, lp));
    check.assert_same();
}

/// An `FdWritable` over a pipe whose reader is gone (Node's pipe stream is a `net.Socket`
/// too: its `'close'` comes from the handle, after the uncaught error).
#[test]
fn an_fd_writable_epipe_with_no_listener_comes_back_from_run() {
    let check = FdCheck::start();
    let (lp, r, w) = support::pipe_writer();
    drop(r);
    let log = Log::default();
    w.on(CLOSE, log.event("close"));
    w.write("x");
    uncaught_once(&lp, "EPIPE");
    assert!(w.closed());
    assert_eq!(log.get(), ["close"]);
    drop((w, lp));
    check.assert_same();
}

/// A file write stream on a full disk (`/dev/full`).
#[test]
fn a_file_write_stream_enospc_with_no_listener_comes_back_from_run() {
    let check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let ws = create_write_stream(&lp.handle(), "/dev/full", WriteStreamOptions::new()).unwrap();
    ws.write("x");
    uncaught_once(&lp, "ENOSPC");
    assert!(ws.closed());
    drop((ws, lp));
    check.assert_same();
}

/// A connect that fails, no listener at all: one uncaught `ECONNREFUSED` (the reading
/// side reads nothing while connecting, so it cannot take the error and report it a
/// second time).
#[test]
fn a_refused_connect_with_no_listener_comes_back_from_run_once() {
    let check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let s = connect_tcp(&lp.handle(), port).unwrap();
    uncaught_once(&lp, "ECONNREFUSED");
    assert!(s.readable.destroyed() && s.writable.destroyed());
    drop((s, lp));
    check.assert_same();
}

/// A refused connect is one `'error'` (the reading side, which reads nothing while
/// connecting, adds none), then one `'close'`: Node's `error ECONNREFUSED`, `close`.
#[test]
fn a_refused_connect_is_one_error_and_one_close() {
    for _ in 0..20 {
        let check = FdCheck::start();
        let lp = EventLoop::new().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let s = connect_tcp(&lp.handle(), port).unwrap();
        let log = Log::default();
        let l = log.clone();
        s.on(ERROR, move |e: &Error| {
            l.push(format!("error {}", e.code()))
        });
        s.on(CLOSE, log.event("close"));
        s.resume();
        lp.run().unwrap();
        assert_eq!(log.get(), ["error ECONNREFUSED", "close"]);
        drop((s, lp));
        check.assert_same();
    }
}

/// The stream machinery itself: a Writable whose sink fails and a Readable destroyed
/// with an error.
#[test]
fn the_machinery_reports_errors_nobody_hears() {
    // Its loop's epoll fd and waker would otherwise show in the other tests' fd counts.
    let _check = FdCheck::start();
    struct Fails;
    impl Sink for Fails {
        fn write(
            &mut self,
            _chunk: nodestream::stream::writable::Chunk,
            cb: nodestream::stream::writable::WriteCallback,
        ) {
            cb.error(Error::from(std::io::Error::from_raw_os_error(libc::EIO)));
        }
    }
    let lp = EventLoop::new().unwrap();
    let w = Writable::new(&lp.handle(), Fails, WritableOptions::new());
    w.write("x");
    uncaught_once(&lp, "EIO");
    let r = support::passive(&lp.handle(), ReadableOptions::default());
    r.destroy(Some(Error::from(std::io::Error::from_raw_os_error(
        libc::EIO,
    ))));
    uncaught_once(&lp, "EIO");
}
