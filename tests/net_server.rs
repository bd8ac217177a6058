//! `Server` events and its accept path at the descriptor limit: Node's `'listening'`,
//! `'connection'`, `'close'` order, and libuv's reserve-descriptor trick on `EMFILE` (the
//! pending connection is accepted and closed, nothing is emitted, the server keeps
//! listening); with no reserve, `'error'` `EMFILE` (`accept EMFILE`). The limit is set in a
//! child process (`RLIMIT_NOFILE` lowered, every free number below it taken).

mod support;

use std::cell::RefCell;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::time::{Duration, Instant};

use nodestream::net::{listen_tcp, listen_unix, Server, Socket, CONNECTION, LISTENING};
use nodestream::{Error, EventLoop};
use support::{at_the_limit, fd_count, in_child, lift, FdCheck};

type Log = Rc<RefCell<Vec<String>>>;

fn sock_path(tag: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("nodestream-srv-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

/// Logs the server's events; each accepted socket is answered with `hi` and ended.
fn watch(server: &Server, log: &Log) {
    let l = log.clone();
    server.on(LISTENING, move |_: &()| {
        l.borrow_mut().push("listening".into())
    });
    let l = log.clone();
    server.on("error", move |e: &Error| {
        l.borrow_mut()
            .push(format!("error {} {}", e.code(), e.message()))
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

/// A client socket made now (before the limit), connected later.
fn client_socket() -> OwnedFd {
    rustix::net::socket_with(
        rustix::net::AddressFamily::UNIX,
        rustix::net::SocketType::STREAM,
        rustix::net::SocketFlags::CLOEXEC | rustix::net::SocketFlags::NONBLOCK,
        None,
    )
    .unwrap()
}

/// Runs the loop until `fd` reads end-of-file (or a reset); returns the bytes read.
fn run_until_eof(el: &EventLoop, fd: &OwnedFd) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    loop {
        match rustix::io::read(fd, &mut buf) {
            Ok(0) | Err(rustix::io::Errno::CONNRESET) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(rustix::io::Errno::AGAIN) => {}
            Err(e) => panic!("client read: {e}"),
        }
        assert!(Instant::now() < deadline, "the connection was left hanging");
        el.run_for(Duration::from_millis(5)).unwrap();
    }
}

fn run_until(el: &EventLoop, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        el.run_for(Duration::from_millis(5)).unwrap();
    }
}

/// A new client after the limit: connects, reads `hi` and end-of-file.
fn served(el: &EventLoop, path: &std::path::Path) {
    let c = UnixStream::connect(path).unwrap();
    c.set_nonblocking(true).unwrap();
    let fd = OwnedFd::from(c);
    assert_eq!(run_until_eof(el, &fd), b"hi");
}

#[test]
#[ignore = "child process entry; run by emfile_accept_closes_the_pending_connection"]
fn child_emfile_reserve() {
    if !in_child() {
        return;
    }
    let no_loop = fd_count();
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let path = sock_path("reserve");
    let before = fd_count();
    let log: Log = Rc::default();
    let cb = Rc::new(RefCell::new(0));
    let c = cb.clone();
    let server = listen_unix(&lp, &path, move |_| *c.borrow_mut() += 1).unwrap();
    // The listening socket and the reserve descriptor.
    assert_eq!(fd_count(), before + 2);
    watch(&server, &log);
    el.run_for(Duration::ZERO).unwrap();
    assert_eq!(*log.borrow(), ["listening"]);
    let c1 = client_socket();
    let (holders, saved) = at_the_limit();
    rustix::net::connect(&c1, &rustix::net::SocketAddrUnix::new(&path).unwrap()).unwrap();
    // At the limit: the pending connection is accepted and closed, not left hanging.
    assert_eq!(run_until_eof(&el, &c1), b"");
    // As in Node: no event, and the server still listens (the reserve is back).
    assert_eq!(*log.borrow(), ["listening"]);
    assert!(server.listening());
    assert_eq!(server.connections(), 0);
    lift(holders, saved);
    // Room again: a new client is accepted and served.
    served(&el, &path);
    run_until(&el, "the socket to close", || server.connections() == 0);
    assert_eq!(*log.borrow(), ["listening", "connection"]);
    assert_eq!(*cb.borrow(), 1, "the callback is a 'connection' listener");
    server.close();
    el.run().unwrap();
    assert_eq!(*log.borrow(), ["listening", "connection", "close"]);
    assert!(!path.exists());
    drop(c1);
    // Listening socket, accepted and refused connections: all closed. The reserve is the
    // loop's (as libuv's): it stays open until the loop is dropped.
    assert_eq!(fd_count(), before + 1);
    drop((server, lp, el));
    assert_eq!(fd_count(), no_loop);
}

#[test]
fn emfile_accept_closes_the_pending_connection() {
    let _check = FdCheck::start();
    support::run_child("child_emfile_reserve");
}

#[test]
#[ignore = "child process entry; run by emfile_without_reserve_is_an_error"]
fn child_emfile_no_reserve() {
    if !in_child() {
        return;
    }
    let no_loop = fd_count();
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let path = sock_path("noreserve");
    let before = fd_count();
    let log: Log = Rc::default();
    let c1 = client_socket();
    // One number free at the limit: the listening socket takes it, no reserve is left.
    let (mut holders, saved) = at_the_limit();
    drop(holders.pop());
    let server = listen_unix(&lp, &path, |_| {}).unwrap();
    watch(&server, &log);
    rustix::net::connect(&c1, &rustix::net::SocketAddrUnix::new(&path).unwrap()).unwrap();
    run_until(&el, "'error'", || log.borrow().len() == 2);
    assert_eq!(*log.borrow(), ["listening", "error EMFILE accept EMFILE"]);
    assert!(server.listening());
    lift(holders, saved);
    // Room again: the next edge takes the reserve, then accepts both connections.
    served(&el, &path);
    assert_eq!(run_until_eof(&el, &c1), b"hi");
    drop(c1);
    run_until(&el, "the sockets to close", || server.connections() == 0);
    assert_eq!(
        *log.borrow(),
        [
            "listening",
            "error EMFILE accept EMFILE",
            "connection",
            "connection"
        ]
    );
    server.close();
    el.run().unwrap();
    assert_eq!(log.borrow().last().unwrap(), "close");
    // The loop's reserve, opened again at the edge after the limit was lifted, stays
    // until the loop is dropped.
    assert_eq!(fd_count(), before + 1);
    drop((server, lp, el));
    assert_eq!(fd_count(), no_loop);
}

#[test]
fn emfile_without_reserve_is_an_error() {
    let _check = FdCheck::start();
    support::run_child("child_emfile_no_reserve");
}

#[test]
#[ignore = "child process entry; run by unhandled_server_error_goes_to_the_loop"]
fn child_unhandled_error() {
    if !in_child() {
        return;
    }
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let path = sock_path("unhandled");
    let c1 = client_socket();
    let (mut holders, saved) = at_the_limit();
    drop(holders.pop());
    let server = listen_unix(&lp, &path, |_| {}).unwrap();
    rustix::net::connect(&c1, &rustix::net::SocketAddrUnix::new(&path).unwrap()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let err = loop {
        match el.run_for(Duration::from_millis(5)) {
            Err(e) => break e,
            Ok(()) => assert!(Instant::now() < deadline, "no uncaught error"),
        }
    };
    assert_eq!(err.code().as_str(), "EMFILE");
    assert_eq!(err.message(), "accept EMFILE");
    lift(holders, saved);
    server.close();
    drop((c1, server));
}

#[test]
fn unhandled_server_error_goes_to_the_loop() {
    let _check = FdCheck::start();
    support::run_child("child_unhandled_error");
}

/// Node's order: `'listening'` on the next tick, `'connection'`, and `'close'` only once
/// the accepted connection has closed after `close()`.
#[test]
fn events_in_node_order_over_tcp() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let log: Log = Rc::default();
    let l = log.clone();
    let held: Rc<RefCell<Option<Socket>>> = Rc::default();
    let h = held.clone();
    let server = listen_tcp(&lp, "127.0.0.1:0".parse().unwrap(), move |s| {
        l.borrow_mut().push("callback".into());
        *h.borrow_mut() = Some(s);
    })
    .unwrap();
    let l = log.clone();
    server.on(CONNECTION, move |_: &Socket| {
        l.borrow_mut().push("connection".into())
    });
    let l = log.clone();
    server.on(LISTENING, move |_: &()| {
        l.borrow_mut().push("listening".into())
    });
    let l = log.clone();
    server.on("close", move |_: &()| l.borrow_mut().push("close".into()));
    assert!(
        log.borrow().is_empty(),
        "'listening' waits for the next tick"
    );
    el.run_for(Duration::ZERO).unwrap();
    assert_eq!(*log.borrow(), ["listening"]);
    let mut client = std::net::TcpStream::connect(server.local_addr().unwrap()).unwrap();
    run_until(&el, "'connection'", || held.borrow().is_some());
    assert_eq!(server.connections(), 1);
    server.close();
    server.close();
    assert!(!server.listening());
    el.run_for(Duration::from_millis(20)).unwrap();
    // The connection is still open: no 'close' yet.
    assert_eq!(*log.borrow(), ["listening", "callback", "connection"]);
    let sock = held.borrow_mut().take().unwrap();
    sock.writable.end_with("bye");
    sock.readable.resume();
    client.write_all(b"x").unwrap();
    client.shutdown(std::net::Shutdown::Write).unwrap();
    let mut got = Vec::new();
    client.set_nonblocking(true).unwrap();
    run_until(&el, "the client to read", || {
        let mut buf = [0u8; 16];
        match client.read(&mut buf) {
            Ok(0) => true,
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                false
            }
            Err(_) => false,
        }
    });
    drop(sock);
    el.run().unwrap();
    assert_eq!(got, b"bye");
    assert_eq!(server.connections(), 0);
    assert_eq!(
        *log.borrow(),
        ["listening", "callback", "connection", "close"]
    );
    drop((client, server, lp, el));
    check.assert_same();
}
