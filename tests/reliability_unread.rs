//! Streams nobody reads: an fd Readable whose peer ends must end and close even when no
//! one consumes it, as Node's does. Node's `onStreamRead` pushes the end and calls
//! `read(0)`, so `'end'` fires on a stream nobody reads (when nothing is left buffered);
//! a socket's writable side then ends (`allowHalfOpen: false`) and the socket closes.
//!
//! Node v20 and v26, a server whose handler only ends the socket and closes the server, a
//! client that reads and closes (every `emit` on the server socket logged):
//! ```text
//! const server = net.createServer((s) => { s.end('hello\n', () => log('end cb')); server.close(); });
//! // client: c.on('data', ..); c.on('end', () => c.destroy()); c.on('close', ..)
//! // node: prefinish, end cb, finish, [client end "hello\n", client close],
//! //       readable, end, server close, close false; then getConnections() is 0
//! ```
//! The socket is one Duplex: after `'finish'` it reads on, and once `'end'` has come too it
//! destroys itself; the server's `'close'` (a tick after the connection's destroy) comes
//! before the socket's own `'close'` (from the handle's close callback). With bytes
//! buffered that nobody reads, Node emits no `'end'` (and the process exits all the same);
//! so does this.

mod support;

use std::cell::RefCell;
use std::io::{Read, Write};
use std::rc::Rc;

use nodestream::events::{CLOSE, FINISH, PREFINISH};
use nodestream::net::{connect_tcp, connect_unix, listen_tcp, listen_unix, Server, Socket};
use nodestream::stream::readable::{Chunk, Readable, ReadableOptions, DATA, END};
use nodestream::{EventLoop, LoopHandle};
use support::{assert_trace, FdCheck, Log};

/// The server side of every test: the handler only ends the socket, and logs the
/// socket's events (no `'data'` or `'readable'` listener: nobody reads).
fn write_only_handler(log: &Log) -> impl Fn(Socket) + 'static {
    let log = log.clone();
    move |s: Socket| {
        s.on(PREFINISH, log.event("prefinish"));
        s.on(FINISH, log.event("finish"));
        s.on(END, log.event::<()>("end"));
        s.on(CLOSE, log.event::<()>("close"));
        s.writable.end_with_cb("hello\n", log.cb("end-cb"));
    }
}

/// A client on the same loop that reads everything, then destroys itself at `'end'`.
fn reading_client(client: &Socket, log: &Log) {
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    client.readable.on(DATA, move |c: &Chunk| {
        g.borrow_mut().extend_from_slice(c.as_bytes().unwrap())
    });
    // A weak handle: a listener holding its own stream would keep it (and the loop) alive.
    let (l, r) = (log.clone(), client.readable.downgrade());
    client.readable.on(END, move |_: &()| {
        l.push(format!(
            "client end {:?}",
            String::from_utf8_lossy(&got.borrow())
        ));
        // The socket's destroy (either side's is the socket's).
        if let Some(r) = r.upgrade() {
            r.destroy(None);
        }
    });
}

/// What the server side logs, in Node's order: the server's `'close'` comes once its last
/// connection has been destroyed, on a next tick, before the socket's `'close'` from the
/// close phase, as Node's.
const SERVER_TRACE: [&str; 8] = [
    "prefinish",
    "end-cb null",
    "finish",
    "client end \"hello\\n\"",
    "end",
    "server close",
    "close",
    "connections 0",
];

/// A timer that fails the test if the loop is still alive after five seconds (unref'd:
/// it does not keep the loop alive itself).
fn watchdog(h: &LoopHandle) {
    let id = h.set_timeout(std::time::Duration::from_secs(5), || {
        panic!("run() did not return: a connection was left open")
    });
    h.unref_timer(id);
}

/// The handler closes the server once its one connection arrived: the server's
/// `'close'` then waits for that connection to close.
fn serve_one(
    h: &LoopHandle,
    log: &Log,
    listen: impl FnOnce(Box<dyn Fn(Socket)>) -> Server,
) -> Server {
    let slot: Rc<RefCell<Option<Server>>> = Rc::default();
    let (sl, handler) = (slot.clone(), write_only_handler(log));
    let server = listen(Box::new(move |s: Socket| {
        handler(s);
        if let Some(server) = sl.borrow_mut().take() {
            server.close();
        }
    }));
    server.on(CLOSE, log.event("server close"));
    *slot.borrow_mut() = Some(server.clone());
    watchdog(h);
    server
}

fn run_write_only_server(lp: &EventLoop, server: &Server, client: Socket, log: &Log) {
    reading_client(&client, log);
    lp.run().unwrap();
    log.push(format!("connections {}", server.connections()));
    assert!(!server.listening());
}

#[test]
fn a_write_only_tcp_handler_closes_each_connection_when_the_client_closes() {
    let _lock = support::fd_lock();
    isolated!(
        a_write_only_tcp_handler_closes_each_connection_when_the_client_closes,
        || {
            let lp = EventLoop::new().unwrap();
            let h = lp.handle();
            let log = Log::default();
            let server = serve_one(&h, &log, |handler| {
                listen_tcp(&h, "127.0.0.1:0".parse().unwrap(), handler).unwrap()
            });
            let client = connect_tcp(&h, server.local_addr().unwrap()).unwrap();
            run_write_only_server(&lp, &server, client, &log);
            assert_trace(&log, &SERVER_TRACE);
        }
    );
}

#[test]
fn a_write_only_unix_handler_closes_each_connection_when_the_client_closes() {
    let _lock = support::fd_lock();
    isolated!(
        a_write_only_unix_handler_closes_each_connection_when_the_client_closes,
        || {
            let path =
                std::env::temp_dir().join(format!("nodestream-unread-{}", std::process::id()));
            let _ = std::fs::remove_file(&path);
            let lp = EventLoop::new().unwrap();
            let h = lp.handle();
            let log = Log::default();
            let server = serve_one(&h, &log, |handler| listen_unix(&h, &path, handler).unwrap());
            let client = connect_unix(&h, &path, Default::default()).unwrap();
            run_write_only_server(&lp, &server, client, &log);
            assert_trace(&log, &SERVER_TRACE);
        }
    );
}

/// The leak a user meets: one connection per client until `EMFILE`. 200 clients, each
/// reading its greeting and closing; the server's count and the fds come back to zero.
#[test]
fn two_hundred_clients_of_a_write_only_handler_leak_nothing() {
    let _lock = support::fd_lock();
    isolated!(
        two_hundred_clients_of_a_write_only_handler_leak_nothing,
        || {
            let lp = EventLoop::new().unwrap();
            let h = lp.handle();
            let served = Rc::new(RefCell::new(0usize));
            let s = served.clone();
            let server = listen_tcp(&h, "127.0.0.1:0".parse().unwrap(), move |sock: Socket| {
                *s.borrow_mut() += 1;
                sock.writable.end_with("hello\n");
            })
            .unwrap();
            let addr = server.local_addr().unwrap();
            let before = support::fd_count();
            let mut clients = Vec::new();
            for _ in 0..200 {
                let c = std::net::TcpStream::connect(addr).unwrap();
                c.set_nonblocking(true).unwrap();
                // Accept and answer this one before the next connects.
                lp.run_for(std::time::Duration::from_millis(0)).unwrap();
                clients.push(c);
            }
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            let mut greeted = 0;
            while !clients.is_empty() {
                clients.retain_mut(|c| {
                    let mut buf = [0u8; 16];
                    match c.read(&mut buf) {
                        Ok(0) => {
                            greeted += 1;
                            false // read to the end: the client closes
                        }
                        Ok(n) => {
                            assert_eq!(&buf[..n], b"hello\n");
                            true
                        }
                        Err(_) => true,
                    }
                });
                assert!(std::time::Instant::now() < deadline, "clients left hanging");
                lp.run_for(std::time::Duration::from_millis(2)).unwrap();
            }
            server.close();
            watchdog(&h);
            lp.run().unwrap();
            assert_eq!((*served.borrow(), greeted), (200, 200));
            assert_eq!(server.connections(), 0);
            // The listening socket is closed too; the loop's reserve fd stays with the loop.
            assert_eq!(
                support::fd_count(),
                before - 1,
                "an fd per connection leaked"
            );
        }
    );
}

/// A client that writes and shuts down but is never read: Node emits no `'end'` while
/// the bytes wait in the buffer; the loop still exits (the fd no longer reads).
#[test]
fn a_socket_with_unread_bytes_does_not_end_as_in_node() {
    let check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let (ours, mut peer) = std::os::unix::net::UnixStream::pair().unwrap();
    peer.write_all(b"never read").unwrap();
    peer.shutdown(std::net::Shutdown::Write).unwrap();
    let s = Socket::from_fd(&lp.handle(), std::os::fd::OwnedFd::from(ours)).unwrap();
    let log = Log::default();
    s.readable.on(END, log.event("end"));
    lp.run().unwrap();
    assert_eq!(log.get(), Vec::<String>::new());
    assert_eq!(s.readable.readable_length(), 10);
    s.destroy(None);
    lp.run().unwrap();
    drop((s, peer, lp));
    check.assert_same();
}

/// Every fd Readable, not only sockets: a pipe whose writer closed ends and closes its fd
/// with nobody reading.
#[test]
fn an_fd_readable_nobody_reads_ends_and_closes_at_eof() {
    let check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let (rx, tx) = support::pipe();
    drop(tx);
    let r = Readable::from_fd(&lp.handle(), rx, ReadableOptions::default()).unwrap();
    let log = Log::default();
    r.on(END, log.event("end"));
    r.on(CLOSE, log.event("close"));
    lp.run().unwrap();
    assert_eq!(log.get(), ["end", "close"]);
    assert!(r.closed());
    drop((r, lp));
    check.assert_same();
}

/// The same with bytes that were read (and consumed) before the end: a pipe written then
/// closed by a child process, read with `read()` until the buffer is empty.
#[test]
fn an_fd_readable_read_in_paused_mode_ends_after_the_last_read() {
    let check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let h: LoopHandle = lp.handle();
    let (rx, tx) = support::pipe();
    rustix::io::write(&tx, b"abc").unwrap();
    drop(tx);
    let r = Readable::from_fd(&h, rx, ReadableOptions::default()).unwrap();
    let log = Log::default();
    r.on(END, log.event("end"));
    r.on(CLOSE, log.event("close"));
    let (l, weak) = (log.clone(), r.downgrade());
    h.set_immediate(move || {
        let r = weak.upgrade().unwrap();
        while let Some(c) = r.read() {
            l.push(format!("read {}", support::show(&c)));
        }
    });
    lp.run().unwrap();
    assert_eq!(log.get(), ["read buf(abc)", "end", "close"]);
    drop((r, h, lp));
    check.assert_same();
}
