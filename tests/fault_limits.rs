//! `EMFILE`: the process at its descriptor limit (`RLIMIT_NOFILE` lowered in a child
//! process, every free number below it taken). Receiving descriptors then fails with a
//! clear error on that connection only (`ERR_FD_TRUNCATED`: the kernel dropped them,
//! `MSG_CTRUNC`), accepting a connection fails without taking the loop down, and in both
//! cases the loop keeps serving the other streams, loses no byte of them and leaks no fd.
//! A socket takes one fd: under a limit with `n` numbers free, `n` sockets fit (`n / 2`
//! when each side held an fd of its own).

mod support;

use std::cell::RefCell;
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::rc::Rc;

use nodestream::fdpass::send_with_fds;
use nodestream::net::{listen_unix, ReceiveOptions, Socket};
use nodestream::stream::readable::{Chunk, Readable, ReadableOptions};
use nodestream::{Error, EventLoop, LoopHandle};
use support::{at_the_limit, data, fd_count, in_child, lift, FdCheck};

/// Another stream on the same loop: a pipe fed by a thread with `n` bytes. The thread
/// keeps its end open (no fd number comes free at the limit) until `release` is sent.
struct Bystander {
    r: Readable,
    got: Rc<RefCell<Vec<u8>>>,
    log: Rc<RefCell<Vec<String>>>,
    release: std::sync::mpsc::Sender<()>,
    writer: std::thread::JoinHandle<()>,
}

fn bystander(lp: &LoopHandle, n: usize) -> Bystander {
    let (rx, tx) = support::pipe();
    let r = Readable::from_fd(lp, rx, ReadableOptions::default()).unwrap();
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    r.on("data", move |c: &Chunk| {
        g.borrow_mut().extend_from_slice(c.as_bytes().unwrap())
    });
    let log = Rc::new(RefCell::new(Vec::new()));
    for ev in ["end", "close"] {
        let l = log.clone();
        r.on(ev, move |_: &()| l.borrow_mut().push(ev.to_string()));
    }
    let (release, wait) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::File::from(tx);
        for chunk in data(5, n).chunks(7919) {
            f.write_all(chunk).unwrap();
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        let _ = wait.recv();
    });
    Bystander {
        r,
        got,
        log,
        release,
        writer,
    }
}

const N: usize = 1 << 20;

#[test]
#[ignore = "child process entry; run by emfile_while_receiving_fds_fails_that_connection_only"]
fn child_emfile_receiving_fds() {
    if !in_child() {
        return;
    }
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let (ours, peer) = UnixStream::pair().unwrap();
    let s = Socket::from_fd_with(&lp, OwnedFd::from(ours), ReceiveOptions::default()).unwrap();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    s.readable.on("data", move |c: &Chunk| {
        l.borrow_mut()
            .push(format!("data {}", c.as_bytes().unwrap().len()))
    });
    let l = log.clone();
    s.readable.on("error", move |e: &Error| {
        l.borrow_mut().push(format!("error {}", e.code()))
    });
    let l = log.clone();
    s.readable
        .on("close", move |_: &()| l.borrow_mut().push("close".into()));
    let other = bystander(&lp, N);
    let (r, w) = support::pipe();
    let before = fd_count();
    let (holders, saved) = at_the_limit();
    send_with_fds(&peer, b"xyz", &[r.as_fd(), w.as_fd()]).unwrap();
    // At the limit the whole time: the failing connection, and the bystander served.
    while other.got.borrow().len() < N || log.borrow().len() < 2 {
        el.run_once().unwrap();
    }
    lift(holders, saved);
    other.release.send(()).unwrap();
    el.run().unwrap();
    other.writer.join().unwrap();
    assert_eq!(*log.borrow(), ["error ERR_FD_TRUNCATED", "close"]);
    // The other stream lost nothing.
    assert!(*other.got.borrow() == data(5, N), "bystander bytes differ");
    assert_eq!(*other.log.borrow(), ["end", "close"]);
    drop((s, other.r, peer));
    // Nothing the kernel tried to hand us stayed open. Closed since `before`: the socket
    // (one fd for both sides), the peer, both ends of the bystander's pipe.
    assert_eq!(fd_count(), before - 4);
    drop((r, w, el));
}

#[test]
fn emfile_while_receiving_fds_fails_that_connection_only() {
    let _check = FdCheck::start();
    support::run_child("child_emfile_receiving_fds");
}

#[test]
#[ignore = "child process entry; run by emfile_while_accepting_keeps_the_loop_serving"]
fn child_emfile_accepting() {
    if !in_child() {
        return;
    }
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let dir = std::env::temp_dir().join(format!("nodestream-emfile-{}", std::process::id()));
    let _ = std::fs::remove_file(&dir);
    let accepted = Rc::new(RefCell::new(Vec::new()));
    let a = accepted.clone();
    let server = listen_unix(&lp, &dir, move |sock: Socket| a.borrow_mut().push(sock)).unwrap();
    // Client sockets made before the limit; they connect at it.
    let c1 = rustix::net::socket_with(
        rustix::net::AddressFamily::UNIX,
        rustix::net::SocketType::STREAM,
        rustix::net::SocketFlags::CLOEXEC,
        None,
    )
    .unwrap();
    let other = bystander(&lp, N);
    let (holders, saved) = at_the_limit();
    let addr = rustix::net::SocketAddrUnix::new(&dir).unwrap();
    rustix::net::connect(&c1, &addr).unwrap();
    // The bystander is served while the server cannot accept.
    while other.got.borrow().len() < N {
        el.run_once().unwrap();
    }
    assert!(accepted.borrow().is_empty(), "accepted at the limit?");
    lift(holders, saved);
    other.release.send(()).unwrap();
    other.writer.join().unwrap();
    assert!(*other.got.borrow() == data(5, N), "bystander bytes differ");
    // Room again: the pending connection was closed at the limit (libuv's reserve-fd
    // trick, as Node); the next one is accepted.
    let c2 = UnixStream::connect(&dir).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while accepted.borrow().is_empty() && std::time::Instant::now() < deadline {
        el.run_for(std::time::Duration::from_millis(10)).unwrap();
    }
    assert_eq!(
        accepted.borrow().len(),
        1,
        "the next connection was not accepted"
    );
    server.close();
    for s in accepted.borrow().iter() {
        s.destroy(None);
    }
    accepted.borrow_mut().clear();
    el.run().unwrap();
    assert_eq!(*other.log.borrow(), ["end", "close"]);
    drop((c1, c2, other.r, server, el));
}

#[test]
fn emfile_while_accepting_keeps_the_loop_serving() {
    let _check = FdCheck::start();
    support::run_child("child_emfile_accepting");
}

/// Free descriptor numbers under the limit in [`child_sockets_under_a_limit`].
const FREE: usize = 64;

/// Makes one or more sockets (a pair, a connection).
type MakeSockets<'a> = Box<dyn Fn() -> nodestream::Result<Vec<Socket>> + 'a>;

/// Makes sockets with `make` until the limit refuses one with `EMFILE`; returns them.
fn until_emfile(make: MakeSockets<'_>) -> Vec<Socket> {
    let mut made = Vec::new();
    loop {
        match make() {
            Ok(more) => made.extend(more),
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}");
                return made;
            }
        }
        assert!(made.len() <= 2 * FREE, "no limit?");
    }
}

#[test]
#[ignore = "child process entry; run by one_fd_per_socket_fits_twice_the_sockets_under_a_limit"]
fn child_sockets_under_a_limit() {
    if !in_child() {
        return;
    }
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    // Peers of the TCP sockets wait in the listener's queue, unaccepted: no fd of ours.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let before = fd_count();
    let (holders, saved) = support::room_for(FREE as u64);
    let rows: [(&str, MakeSockets<'_>); 2] = [
        (
            "unix_pair",
            Box::new(|| nodestream::net::unix_pair(&lp).map(|(a, b)| vec![a, b])),
        ),
        (
            "connect_tcp",
            Box::new(|| nodestream::net::connect_tcp(&lp, addr).map(|s| vec![s])),
        ),
    ];
    for (name, make) in rows {
        let sockets = until_emfile(make);
        // One fd per socket: as many sockets as free numbers. (Two fds per socket, a
        // duplicate for the readable side, fit FREE / 2.)
        assert_eq!(sockets.len(), FREE, "{name}");
        for s in &sockets {
            s.destroy(None);
        }
        drop(sockets);
        el.run().unwrap();
        assert_eq!(fd_count(), before + holders.len(), "{name}: fds left open");
    }
    lift(holders, saved);
    drop((listener, el));
}

#[test]
fn one_fd_per_socket_fits_twice_the_sockets_under_a_limit() {
    let _check = FdCheck::start();
    support::run_child("child_sockets_under_a_limit");
}
