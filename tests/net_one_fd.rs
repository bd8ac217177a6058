//! One fd per socket: both sides of a `net::Socket` share one descriptor and one loop
//! registration. Every way of making a socket adds exactly one fd. The socket is one
//! Duplex, as Node's `net.Socket`: the fd stays open while the socket is not destroyed and
//! is closed at once when it is, in every way: a destroy of the writable side or of the
//! readable side, `end()` then the peer's close (the socket destroys itself once it has
//! both finished and ended), an error on either side, a destroy while connecting. Each
//! way gives one `'close'`, and an error one `'error'`. A destroyed socket takes nothing
//! more from the kernel; the loop stays alive while either side wants it; a panicking
//! listener of one side does not cost the other side its readiness.
//!
//! The counts are exact: each test runs alone in a child process (`isolated!`). Every
//! event checks, as it comes, that the fd is open exactly while the socket is not
//! destroyed (both sides alike).

mod support;

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::net::{TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::rc::Rc;
use std::time::{Duration, Instant};

use nodestream::events::{CLOSE, ERROR, FD, FINISH};
use nodestream::net::{self, Socket};
use nodestream::stream::readable::{Chunk, DATA, END};
use nodestream::{Error, EventLoop};
use rustix::net::{RecvFlags, SendFlags, Shutdown};
use support::{fd_count, fd_list, pipe, run_through_panics, same_file, Log, TempPath};

/// A socket made one of the ways a user makes them, with its peer (a plain socket of the
/// test's, off the loop) and what must live as long as it (a listener, a server).
struct Conn {
    s: Socket,
    peer: OwnedFd,
    /// The fd count with the socket's fd closed (everything else stays open meanwhile).
    base: usize,
    /// Dropped with the socket.
    _keep: Vec<Box<dyn Any>>,
}

/// One way of making a socket.
struct Kind {
    name: &'static str,
    /// Makes the socket, asserting that it added one fd (none for an fd it takes over).
    make: fn(&EventLoop) -> Conn,
    /// Made by a connect, which `connecting` reports until the loop has seen it decided.
    connects: bool,
}

const KINDS: &[Kind] = &[
    Kind {
        name: "Socket::from_fd on a Unix socket",
        make: unix_from_fd,
        connects: false,
    },
    Kind {
        name: "connect_tcp",
        make: tcp_client,
        connects: true,
    },
    Kind {
        name: "an accepted TCP connection",
        make: tcp_accepted,
        connects: false,
    },
    Kind {
        name: "connect_unix",
        make: unix_client,
        connects: true,
    },
];

fn nonblocking(fd: impl Into<OwnedFd>) -> OwnedFd {
    let fd = fd.into();
    rustix::fs::fcntl_setfl(&fd, rustix::fs::OFlags::NONBLOCK).unwrap();
    fd
}

/// Runs the loop in short slices until `done`, failing after 5 s.
fn run_until(el: &EventLoop, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        el.run_for(Duration::from_millis(1)).unwrap();
    }
}

fn unix_from_fd(el: &EventLoop) -> Conn {
    let (ours, peer) = UnixStream::pair().unwrap();
    let before = fd_count();
    let s = Socket::from_fd(&el.handle(), OwnedFd::from(ours)).unwrap();
    // The socket takes the fd over: not one more.
    assert_eq!(fd_count(), before, "{:?}", fd_list());
    Conn::new(s, peer, Vec::new())
}

fn tcp_client(el: &EventLoop) -> Conn {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let before = fd_count();
    let s = net::connect_tcp(&el.handle(), listener.local_addr().unwrap()).unwrap();
    assert_eq!(fd_count(), before + 1, "{:?}", fd_list());
    let (peer, _) = listener.accept().unwrap();
    Conn::new(s, peer, vec![Box::new(listener)])
}

fn tcp_accepted(el: &EventLoop) -> Conn {
    let accepted: Rc<RefCell<Vec<Socket>>> = Rc::default();
    let a = accepted.clone();
    let server = net::listen_tcp(&el.handle(), "127.0.0.1:0".parse().unwrap(), move |s| {
        a.borrow_mut().push(s)
    })
    .unwrap();
    let peer = TcpStream::connect(server.local_addr().unwrap()).unwrap();
    let before = fd_count();
    run_until(el, "the accept", || !accepted.borrow().is_empty());
    assert_eq!(fd_count(), before + 1, "{:?}", fd_list());
    let s = accepted.borrow_mut().pop().unwrap();
    // Listening no more (the connection lives on), so the loop can run out of work.
    server.close();
    Conn::new(s, peer, vec![Box::new(server)])
}

fn unix_client(el: &EventLoop) -> Conn {
    let path = TempPath::new("one-fd");
    let listener = UnixListener::bind(&path.0).unwrap();
    let before = fd_count();
    let s = net::connect_unix(&el.handle(), &path.0, Default::default()).unwrap();
    assert_eq!(fd_count(), before + 1, "{:?}", fd_list());
    let (peer, _) = listener.accept().unwrap();
    Conn::new(s, peer, vec![Box::new(listener), Box::new(path)])
}

impl Conn {
    /// The socket, its peer made nonblocking, and what lives as long as they do; the count
    /// from now on moves only with the socket's fd.
    fn new(s: Socket, peer: impl Into<OwnedFd>, keep: Vec<Box<dyn Any>>) -> Conn {
        let peer = nonblocking(peer);
        Conn {
            s,
            peer,
            base: fd_count() - 1,
            _keep: keep,
        }
    }

    /// Whether the socket's fd is open (the count is exact in the child process).
    fn fd_open(&self) -> bool {
        let n = fd_count();
        assert!(
            n == self.base || n == self.base + 1,
            "{n} fds, base {}: {:?}",
            self.base,
            fd_list()
        );
        n == self.base + 1
    }

    /// Logs the socket's events (one emitter for both sides: each listener is added
    /// once, on the socket); each checks, as it comes, that the fd is open exactly while
    /// the socket is not destroyed, and that both sides agree on it. (`'data'` makes the
    /// readable side flow.)
    fn watch(&self) -> Log {
        let log = Log::default();
        let (w, r, base) = (
            self.s.writable.as_writable().downgrade(),
            self.s.readable.downgrade(),
            self.base,
        );
        let check = Rc::new(move |at: &str| {
            let (Some(w), Some(r)) = (w.upgrade(), r.upgrade()) else {
                return;
            };
            assert_eq!(
                w.destroyed(),
                r.destroyed(),
                "at {at}: one side destroyed without the other"
            );
            let open = fd_count() - base;
            assert_eq!(
                open,
                usize::from(!w.destroyed()),
                "at {at}: destroyed {}, fds {:?}",
                w.destroyed(),
                fd_list()
            );
        });
        let s = &self.s;
        let (l, c) = (log.clone(), check.clone());
        s.on(FINISH, move |_| {
            c("finish");
            l.push("finish")
        });
        let (l, c) = (log.clone(), check.clone());
        s.on(DATA, move |d: &Chunk| {
            c("data");
            l.push(format!(
                "data {}",
                String::from_utf8_lossy(d.as_bytes().unwrap())
            ))
        });
        let (l, c) = (log.clone(), check.clone());
        s.on(END, move |_: &()| {
            c("end");
            l.push("end")
        });
        let (l, c) = (log.clone(), check.clone());
        s.on(ERROR, move |e: &Error| {
            c("error");
            l.push(format!("error {}", e.code()))
        });
        let (l, c) = (log.clone(), check);
        s.on(CLOSE, move |_: &()| {
            c("close");
            l.push("close")
        });
        log
    }

    fn send(&self, bytes: &[u8]) {
        assert_eq!(
            rustix::net::send(&self.peer, bytes, SendFlags::NOSIGNAL).unwrap(),
            bytes.len()
        );
    }

    /// What the peer can read now, and whether it read end of file.
    fn receive(&self) -> (Vec<u8>, bool) {
        let mut got = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match rustix::net::recv(&self.peer, &mut buf, RecvFlags::DONTWAIT) {
                Ok((0, _)) => return (got, true),
                Ok((n, _)) => got.extend_from_slice(&buf[..n]),
                Err(rustix::io::Errno::AGAIN) => return (got, false),
                Err(e) => panic!("the peer's read failed: {e}"),
            }
        }
    }

    /// Closes the peer. In its place: one end of a fresh pair (whose other end is closed at
    /// once), so that the count stays as it was.
    fn close_peer(&mut self) {
        let (stand_in, _) = UnixStream::pair().unwrap();
        drop(std::mem::replace(&mut self.peer, stand_in.into()));
    }

    /// Runs the loop until the socket is connected (a no-op for the other kinds).
    fn connected(&self, el: &EventLoop) {
        run_until(el, "the connect", || !self.s.connecting());
    }

    /// The one `'close'` came, last; nothing is left open.
    fn assert_closed(&self, log: &Log) {
        let lines = log.get();
        assert_eq!(
            lines.iter().filter(|l| *l == "close").count(),
            1,
            "{lines:?}"
        );
        assert_eq!(lines.last().map(String::as_str), Some("close"), "{lines:?}");
        assert!(!self.fd_open());
    }
}

fn has(log: &Log, line: &str) -> bool {
    log.get().iter().any(|l| l == line)
}

#[test]
fn every_way_of_making_a_socket_adds_one_fd() {
    isolated!(every_way_of_making_a_socket_adds_one_fd, || {
        let el = EventLoop::new().unwrap();
        // A pair: two sockets, two fds (four when each side held a duplicate).
        let before = fd_count();
        let (a, b) = net::unix_pair(&el.handle()).unwrap();
        assert_eq!(fd_count(), before + 2, "{:?}", fd_list());
        a.destroy(None);
        assert_eq!(fd_count(), before + 1);
        b.destroy(None);
        assert_eq!(fd_count(), before);
        // Each kind asserts its +1 (or +0 for an fd it takes over) as it makes the socket.
        for kind in KINDS {
            let c = (kind.make)(&el);
            assert!(c.fd_open(), "{}", kind.name);
            c.s.destroy(None);
            assert!(!c.fd_open(), "{}", kind.name);
            el.run().unwrap();
            drop(c);
        }
        drop((a, b, el));
    });
}

/// A destroy of the writable side is the socket's: the fd closes at once, the readable
/// side is destroyed with it, one `'close'` follows. A write after it fails as Node's
/// (`ERR_STREAM_DESTROYED`, to its callback, no `'error'`).
#[test]
fn destroying_the_writable_side_closes_the_fd_at_once() {
    isolated!(destroying_the_writable_side_closes_the_fd_at_once, || {
        for kind in KINDS {
            let el = EventLoop::new().unwrap();
            let c = (kind.make)(&el);
            let log = c.watch();
            c.connected(&el);
            c.send(b"one");
            run_until(&el, "the first data", || has(&log, "data one"));
            c.s.writable.destroy(None);
            assert!(!c.fd_open(), "{}: the destroy left the fd open", kind.name);
            assert!(c.s.readable.destroyed() && c.s.destroyed(), "{}", kind.name);
            c.s.writable.write_cb("late", log.cb("write"));
            el.run().unwrap();
            c.assert_closed(&log);
            assert_eq!(
                c.receive(),
                (Vec::new(), true),
                "{}: the peer sees end of file",
                kind.name
            );
            // Node: `data one`, `write ERR_STREAM_DESTROYED`, `close`.
            assert_eq!(
                log.get(),
                ["data one", "write ERR_STREAM_DESTROYED", "close"],
                "{}",
                kind.name
            );
        }
    });
}

/// A destroy of the readable side is the socket's too: the fd closes at once, and a write
/// or an `end()` made after it never reaches the peer.
#[test]
fn destroying_the_readable_side_closes_the_fd_at_once() {
    isolated!(destroying_the_readable_side_closes_the_fd_at_once, || {
        for kind in KINDS {
            let el = EventLoop::new().unwrap();
            let c = (kind.make)(&el);
            let log = c.watch();
            c.connected(&el);
            c.s.readable.destroy(None);
            assert!(!c.fd_open(), "{}: the destroy left the fd open", kind.name);
            assert!(c.s.writable.destroyed() && c.s.destroyed(), "{}", kind.name);
            c.s.writable.write_cb("late", log.cb("write"));
            c.s.writable.end_cb(log.cb("end"));
            el.run().unwrap();
            c.assert_closed(&log);
            assert_eq!(c.receive(), (Vec::new(), true), "{}", kind.name);
            // Node: `write ERR_STREAM_DESTROYED`, `close`; the `end()` callback never
            // runs (it waits for a 'finish' that cannot come).
            assert_eq!(
                log.get(),
                ["write ERR_STREAM_DESTROYED", "close"],
                "{}",
                kind.name
            );
        }
    });
}

/// A destroyed socket takes nothing more from the kernel: bytes the peer sent before the
/// destroy, not read yet, are never `'data'`; closing the fd with them unread resets the
/// connection (the peer's read fails with `ECONNRESET`), as Node's destroy does.
#[test]
fn a_destroyed_socket_takes_nothing_more_from_the_kernel() {
    isolated!(
        a_destroyed_socket_takes_nothing_more_from_the_kernel,
        || {
            let el = EventLoop::new().unwrap();
            let c = unix_from_fd(&el);
            let log = c.watch();
            c.send(b"for nobody");
            c.s.readable.destroy(None);
            el.run().unwrap();
            assert_eq!(log.get(), ["close"]);
            c.assert_closed(&log);
            let mut buf = [0u8; 32];
            assert_eq!(
                rustix::net::recv(&c.peer, &mut buf, RecvFlags::DONTWAIT).map(|(n, _)| n),
                Err(rustix::io::Errno::CONNRESET)
            );
        }
    );
}

/// After `end()` and `'finish'` the socket reads on over the same fd (Node's does, with
/// `allowHalfOpen: false`, until the peer ends); the peer's close then ends it, and with
/// both `'finish'` and `'end'` emitted it destroys itself: the fd closes then.
#[test]
fn end_then_the_peers_close_closes_the_fd_when_the_readable_side_ends() {
    isolated!(
        end_then_the_peers_close_closes_the_fd_when_the_readable_side_ends,
        || {
            for kind in KINDS {
                let el = EventLoop::new().unwrap();
                let mut c = (kind.make)(&el);
                let log = c.watch();
                c.s.writable.end_with("bye");
                run_until(&el, "the finish", || has(&log, "finish"));
                // Shut down (the peer reads end of file) and finished: the socket reads on.
                el.run_for(Duration::from_millis(5)).unwrap();
                assert!(c.fd_open(), "{}", kind.name);
                assert!(!c.s.destroyed(), "{}", kind.name);
                assert_eq!(c.receive(), (b"bye".to_vec(), true), "{}", kind.name);
                c.send(b"after");
                run_until(&el, "data after end()", || has(&log, "data after"));
                assert!(c.fd_open());
                // The peer closes: 'end', then the socket destroys itself.
                c.close_peer();
                run_until(&el, "the close", || has(&log, "close"));
                c.assert_closed(&log);
                // Node: `finish`, `data after`, `end`, `close`.
                assert_eq!(
                    log.get(),
                    ["finish", "data after", "end", "close"],
                    "{}",
                    kind.name
                );
            }
        }
    );
}

/// Closes the peer so that our next read fails with `ECONNRESET`: a TCP peer with
/// `SO_LINGER` 0 (a reset), a Unix one with bytes of ours unread in its buffer.
fn reset_peer(el: &EventLoop, c: &mut Conn) {
    let tcp = rustix::net::getsockname(&c.peer).unwrap().address_family()
        != rustix::net::AddressFamily::UNIX;
    if tcp {
        rustix::net::sockopt::set_socket_linger(&c.peer, Some(Duration::ZERO)).unwrap();
    } else {
        let sent = Rc::new(Cell::new(false));
        let s = sent.clone();
        c.s.writable
            .write_cb("unread by the peer", move |_| s.set(true));
        run_until(el, "the bytes the peer leaves unread", || sent.get());
    }
    c.close_peer();
}

/// A read error destroys the socket: the fd closes, one `'error'`, one `'close'`.
#[test]
fn a_read_error_closes_the_fd_with_one_error_and_one_close() {
    isolated!(
        a_read_error_closes_the_fd_with_one_error_and_one_close,
        || {
            for kind in KINDS {
                let el = EventLoop::new().unwrap();
                let mut c = (kind.make)(&el);
                let log = c.watch();
                c.connected(&el);
                reset_peer(&el, &mut c);
                el.run().unwrap();
                c.assert_closed(&log);
                assert_eq!(log.get(), ["error ECONNRESET", "close"], "{}", kind.name);
            }
        }
    );
}

/// The Unix kinds: the peer shuts its reading side down, so our writes fail with `EPIPE`
/// while the readable side has nothing to complain about. (A TCP write fails only after a
/// reset, which the readable side, reading first, reports: the test above.) The write
/// error destroys the socket as a read error does.
#[test]
fn a_write_error_closes_the_fd_with_one_error_and_one_close() {
    isolated!(
        a_write_error_closes_the_fd_with_one_error_and_one_close,
        || {
            for kind in KINDS.iter().filter(|k| k.name.contains("nix")) {
                let el = EventLoop::new().unwrap();
                let c = (kind.make)(&el);
                let log = c.watch();
                c.connected(&el);
                rustix::net::shutdown(&c.peer, Shutdown::Read).unwrap();
                c.s.writable.write_cb(vec![b'x'; 1 << 20], log.cb("write"));
                el.run().unwrap();
                c.assert_closed(&log);
                assert_eq!(
                    log.get(),
                    ["write EPIPE", "error EPIPE", "close"],
                    "{}",
                    kind.name
                );
            }
        }
    );
}

/// A destroy before the connect is decided closes the fd at once, whichever side it is
/// called on; no `'connect'` comes, and a write parked for the connect fails as Node's.
#[test]
fn a_destroy_while_connecting_closes_the_fd_at_once() {
    isolated!(a_destroy_while_connecting_closes_the_fd_at_once, || {
        for kind in KINDS.iter().filter(|k| k.connects) {
            for (how, destroy) in [
                ("the socket", (|s: &Socket| s.destroy(None)) as fn(&Socket)),
                ("the writable side", |s: &Socket| s.writable.destroy(None)),
                ("the readable side", |s: &Socket| {
                    s.readable.destroy(None);
                }),
            ] {
                let el = EventLoop::new().unwrap();
                let c = (kind.make)(&el);
                let log = c.watch();
                c.s.on("connect", log.event::<()>("connect"));
                assert!(c.s.connecting(), "{}", kind.name);
                c.s.writable.write_cb("parked", log.cb("write"));
                destroy(&c.s);
                assert!(!c.fd_open(), "{}, {how}", kind.name);
                el.run().unwrap();
                c.assert_closed(&log);
                assert!(
                    has(&log, "write ERR_SOCKET_CLOSED_BEFORE_CONNECTION"),
                    "{}, {how}: {:?}",
                    kind.name,
                    log.get()
                );
                assert!(!has(&log, "connect"), "{}, {how}", kind.name);
                assert_eq!(c.receive(), (Vec::new(), true), "{}, {how}", kind.name);
            }
        }
    });
}

/// The loop's keep-alive for the fd is the OR of both sides' wishes: a write in flight
/// keeps it alive while the readable side, its buffer full, reads nothing, and the other
/// way round.
#[test]
fn a_write_in_flight_keeps_the_loop_alive_whatever_the_readable_side_wants() {
    isolated!(
        a_write_in_flight_keeps_the_loop_alive_whatever_the_readable_side_wants,
        || {
            let el = EventLoop::new().unwrap();
            let c = unix_from_fd(&el);
            // Reading from the start (Node's `read(0)`): the loop is alive.
            assert!(el.is_alive());
            // The peer fills the readable side's buffer; nobody reads it: reading stops.
            let chunk = vec![b'r'; 64 * 1024];
            while rustix::net::send(&c.peer, &chunk, SendFlags::DONTWAIT).is_ok() {}
            el.run_for(Duration::from_millis(10)).unwrap();
            assert!(c.s.readable.readable_length() > 0);
            assert!(!el.is_alive(), "nothing wants the loop: {el:?}");
            // A write the kernel cannot take at once: in flight, the loop is alive.
            let done = Rc::new(Cell::new(false));
            let d = done.clone();
            c.s.writable
                .write_cb(vec![b'w'; 4 << 20], move |e| d.set(e.is_none()));
            el.run_for(Duration::from_millis(10)).unwrap();
            assert!(!done.get());
            assert!(
                el.is_alive(),
                "the write in flight does not keep the loop alive"
            );
            // The peer reads it all: the write completes and the loop may end again.
            let mut got = 0;
            run_until(&el, "the write", || {
                got += c.receive().0.len();
                done.get()
            });
            got += c.receive().0.len();
            assert_eq!(got, 4 << 20);
            el.run_for(Duration::from_millis(5)).unwrap();
            assert!(!el.is_alive());
            // The readable side wants to read again: alive, with the writable side idle.
            c.s.readable.resume();
            el.run_for(Duration::from_millis(5)).unwrap();
            assert!(el.is_alive());
            // Destroyed, both sides let go: nothing keeps `run()` from returning.
            c.s.destroy(None);
            el.run().unwrap();
            assert!(!el.is_alive());
        }
    );
}

/// One registration for both sides: when a `'data'` listener panics in the callback that
/// also carries writable readiness, the writable side gets that readiness next turn (the
/// loop keeps what a panicking callback was given). No new edge would come: the peer
/// drained the socket once and then stays idle.
#[test]
fn a_panicking_data_listener_does_not_cost_the_writable_side_its_readiness() {
    isolated!(
        a_panicking_data_listener_does_not_cost_the_writable_side_its_readiness,
        || {
            let el = EventLoop::new().unwrap();
            let c = unix_from_fd(&el);
            let panicked = Rc::new(Cell::new(false));
            let p = panicked.clone();
            c.s.readable.on(DATA, move |_: &Chunk| {
                if !p.replace(true) {
                    panic!("a listener panics");
                }
            });
            let done = Rc::new(Cell::new(false));
            let d = done.clone();
            let total = 300 * 1024;
            c.s.writable
                .write_cb(vec![b'w'; total], move |e| d.set(e.is_none()));
            el.run_for(Duration::from_millis(5)).unwrap();
            assert!(c.s.writable.writable_length() > 0, "the kernel took it all");
            // Room to write and bytes to read, both at once for the next poll.
            let mut got = c.receive().0.len();
            c.send(b"ping");
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| el.run_once()));
            assert!(out.is_err(), "the listener did not panic");
            assert!(panicked.get());
            // The peer stays idle: the writable side writes on the readiness it kept.
            el.run_for(Duration::from_millis(10)).unwrap();
            let (more, _) = c.receive();
            assert!(
                !more.is_empty(),
                "the writable side never got its readiness"
            );
            got += more.len();
            run_until(&el, "the write", || {
                got += c.receive().0.len();
                done.get()
            });
            got += c.receive().0.len();
            assert_eq!(got, total);
            c.s.destroy(None);
            let ran = run_through_panics(&el, Duration::from_secs(5));
            assert!(ran.panics.is_empty() && ran.errors.is_empty(), "{ran:?}");
            assert_eq!(fd_count(), c.base);
        }
    );
}

/// `write_with_fds` and `'fd'` over sockets of one fd each: the descriptor arrives, and
/// when both sockets are destroyed no fd is left.
#[test]
fn descriptors_pass_over_sockets_of_one_fd() {
    isolated!(descriptors_pass_over_sockets_of_one_fd, || {
        let el = EventLoop::new().unwrap();
        let before = fd_count();
        let (a, b) = net::unix_pair(&el.handle()).unwrap();
        assert_eq!(fd_count(), before + 2);
        let (r, w) = pipe();
        let received: Rc<RefCell<Vec<OwnedFd>>> = Rc::default();
        let got = received.clone();
        b.readable
            .on(FD, move |p| got.borrow_mut().push(p.take().unwrap()));
        let data = Log::default();
        let l = data.clone();
        b.readable.on(DATA, move |c: &Chunk| {
            l.push(String::from_utf8_lossy(c.as_bytes().unwrap()))
        });
        a.writable
            .write_with_fds("here", vec![w.try_clone().unwrap()], data.cb("sent"));
        run_until(&el, "the descriptor", || !received.borrow().is_empty());
        assert!(same_file(&received.borrow()[0], &w));
        assert!(has(&data, "sent null") && has(&data, "here"));
        received.borrow_mut().clear();
        a.destroy(None);
        b.destroy(None);
        el.run().unwrap();
        drop((r, w));
        assert_eq!(fd_count(), before);
        drop((a, b));
    });
}
