//! Bad input on the fd-receiving path of a Unix socket stream, from a raw peer: 253
//! descriptors in one message, descriptors with no data, a peer that closes halfway
//! through a message, a receiver destroyed with descriptors in flight, and the cap on
//! unclaimed received descriptors (`ERR_TOO_MANY_FDS`). Received descriptors are
//! close-on-exec. Every test checks /proc/self/fd before and after.

mod support;

use std::cell::RefCell;
use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::rc::Rc;

use nodestream::fdpass::{send_with_fds, MAX_FDS};
use nodestream::net::{PassedFd, ReceiveOptions, Socket, DEFAULT_MAX_UNCLAIMED_FDS, FD};
use nodestream::stream::readable::Chunk;
use nodestream::{Error, EventLoop};
use support::{dev_null, is_cloexec, same_file, FdCheck, Log};

/// The socket, its event log, the descriptors its `'fd'` listener took, its bytes.
type Receiver = (Socket, Log, Rc<RefCell<Vec<OwnedFd>>>, Rc<RefCell<Vec<u8>>>);

/// A receiving socket stream on `ours`, logging `'fd'` (and keeping the descriptors it
/// takes when `take`), `'data'` sizes, `'end'`, `'error'`, `'close'`.
fn receiver(el: &EventLoop, ours: UnixStream, opts: ReceiveOptions, take: bool) -> Receiver {
    let s = Socket::from_fd_with(&el.handle(), OwnedFd::from(ours), opts).unwrap();
    let log = Log::default();
    let kept = Rc::new(RefCell::new(Vec::new()));
    let bytes = Rc::new(RefCell::new(Vec::new()));
    if take {
        let (l, k) = (log.clone(), kept.clone());
        s.readable.on(FD, move |p: &PassedFd| {
            l.push(format!("fd@{}", p.offset()));
            k.borrow_mut()
                .push(p.take().expect("first listener takes it"));
        });
    }
    let (l, b) = (log.clone(), bytes.clone());
    s.readable.on("data", move |c: &Chunk| {
        let c = c.as_bytes().unwrap();
        l.push(format!("data {}", c.len()));
        b.borrow_mut().extend_from_slice(c);
    });
    for ev in ["end", "close"] {
        let l = log.clone();
        s.readable.on(ev, move |_: &()| l.push(ev.to_string()));
    }
    let l = log.clone();
    s.readable.on("error", move |e: &Error| {
        l.push(format!("error {}", e.code()))
    });
    (s, log, kept, bytes)
}

/// A loop, and a socket pair: a receiver (as [`receiver`] makes it) on one end and the raw
/// peer's end.
fn connected(opts: ReceiveOptions, take: bool) -> (EventLoop, Receiver, UnixStream) {
    let el = EventLoop::new().unwrap();
    let (ours, peer) = UnixStream::pair().unwrap();
    let receiver = receiver(&el, ours, opts, take);
    (el, receiver, peer)
}

/// `n` descriptors of /dev/null.
fn dev_nulls(n: usize) -> Vec<OwnedFd> {
    (0..n).map(|_| dev_null()).collect()
}

/// Borrows every descriptor of `fds`, in order.
fn borrow_all(fds: &[OwnedFd]) -> Vec<BorrowedFd<'_>> {
    fds.iter().map(|f| f.as_fd()).collect()
}

/// Asserts that the log ends with `last`, showing the whole log if not.
fn assert_ends_with(log: &Log, last: &[&str]) {
    assert_eq!(log.last(last.len()), last, "{:?}", log.get());
}

#[test]
fn received_fds_are_close_on_exec_and_come_before_their_data() {
    let check = FdCheck::start();
    let (el, (s, log, kept, bytes), mut peer) = connected(ReceiveOptions::default(), true);
    let (pr, pw) = support::pipe();
    peer.write_all(b"head").unwrap();
    send_with_fds(&peer, b"xyz", &[pr.as_fd(), pw.as_fd()]).unwrap();
    drop(peer);
    el.run().unwrap();
    assert_eq!(*bytes.borrow(), b"headxyz");
    let kept = std::mem::take(&mut *kept.borrow_mut());
    assert_eq!(kept.len(), 2);
    for fd in &kept {
        assert!(is_cloexec(fd), "a received fd is not close-on-exec");
    }
    assert!(same_file(&kept[0], &pr) && same_file(&kept[1], &pw));
    // The descriptors come before the data chunk that carries their byte (byte 4): the
    // 'fd' events name that chunk's offset, and the chunk follows them.
    let l = log.get();
    let fd_at = l
        .iter()
        .position(|s| s.starts_with("fd@"))
        .expect("an fd event");
    let offset: usize = l[fd_at][3..].parse().unwrap();
    assert!(offset <= 4, "{l:?}");
    assert_eq!(
        l[fd_at + 1],
        l[fd_at].clone(),
        "both fds before the data: {l:?}"
    );
    let before: usize = l[..fd_at]
        .iter()
        .filter_map(|s| s.strip_prefix("data "))
        .map(|n| n.parse::<usize>().unwrap())
        .sum();
    assert_eq!(before, offset, "data before the fds: {l:?}");
    assert!(l[fd_at + 2].starts_with("data "), "{l:?}");
    assert_eq!(&l[l.len() - 2..], ["end", "close"]);
    drop((kept, pr, pw, s, el));
    check.assert_same();
}

#[test]
fn a_peer_sending_253_fds_in_one_message_delivers_all_of_them() {
    let check = FdCheck::start();
    let (el, (s, log, kept, bytes), peer) = connected(ReceiveOptions::default(), true);
    let mine = dev_nulls(MAX_FDS);
    assert_eq!(MAX_FDS, 253);
    let borrowed = borrow_all(&mine);
    assert_eq!(send_with_fds(&peer, b"!", &borrowed).unwrap(), 1);
    drop(borrowed);
    drop(peer);
    el.run().unwrap();
    assert_eq!(*bytes.borrow(), b"!");
    let kept = std::mem::take(&mut *kept.borrow_mut());
    assert_eq!(kept.len(), 253);
    assert!(kept.iter().all(is_cloexec));
    assert!(kept.iter().all(|f| same_file(f, &mine[0])));
    let fds = log.get().iter().filter(|s| s.starts_with("fd@0")).count();
    assert_eq!(fds, 253);
    drop((kept, mine, s, el));
    check.assert_same();
}

#[test]
fn fds_nobody_takes_in_an_fd_listener_are_closed() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let (ours, peer) = UnixStream::pair().unwrap();
    let s = Socket::from_fd(&el.handle(), OwnedFd::from(ours)).unwrap();
    let seen = Rc::new(RefCell::new(0));
    let n = seen.clone();
    // A listener that looks but does not take.
    s.readable.on(FD, move |_: &PassedFd| *n.borrow_mut() += 1);
    s.readable.on("data", |_: &Chunk| {});
    let mine = dev_nulls(10);
    let borrowed = borrow_all(&mine);
    send_with_fds(&peer, b"abc", &borrowed).unwrap();
    drop((borrowed, peer));
    el.run().unwrap();
    assert_eq!(*seen.borrow(), 10);
    assert_eq!(s.unclaimed_fds(), 0);
    drop((mine, s, el));
    check.assert_same();
}

#[test]
fn unclaimed_fds_are_held_up_to_the_cap_and_taken_with_their_offsets() {
    let check = FdCheck::start();
    let (el, (s, log, _, bytes), mut peer) = connected(ReceiveOptions::default(), false);
    let a = dev_null();
    peer.write_all(b"12345").unwrap();
    send_with_fds(&peer, b"6", &[a.as_fd(), a.as_fd()]).unwrap();
    // The peer stays connected: at the end the stream closes and drops what is held.
    el.run_for(std::time::Duration::from_millis(30)).unwrap();
    assert_eq!(*bytes.borrow(), b"123456");
    assert_eq!(s.unclaimed_fds(), 2);
    let (off, fd) = s.take_fd().unwrap();
    assert!(off <= 5, "offset {off}");
    assert!(is_cloexec(&fd) && same_file(&fd, &a));
    assert!(s.take_fd().is_some() && s.take_fd().is_none());
    drop(peer);
    el.run().unwrap();
    assert_ends_with(&log, &["end", "close"]);
    drop((fd, a, s, el));
    check.assert_same();
}

/// Security: a peer can never make us hold more than `max_unclaimed_fds` descriptors
/// nobody asked for; past it the connection fails with `ERR_TOO_MANY_FDS`, every held
/// descriptor is closed, and the process's fd count is back where it was.
#[test]
fn unclaimed_fds_past_the_default_cap_fail_with_too_many_fds() {
    let check = FdCheck::start();
    let (el, (s, log, _, _), peer) = connected(ReceiveOptions::default(), false);
    let mine = dev_nulls(MAX_FDS);
    let borrowed = borrow_all(&mine);
    // 253 + 253 > 256: the second batch overflows the default cap.
    assert_eq!(DEFAULT_MAX_UNCLAIMED_FDS, 256);
    send_with_fds(&peer, b"a", &borrowed).unwrap();
    send_with_fds(&peer, b"b", &borrowed).unwrap();
    drop(borrowed);
    el.run().unwrap();
    assert_ends_with(&log, &["error ERR_TOO_MANY_FDS", "close"]);
    assert_eq!(s.unclaimed_fds(), 0);
    assert!(s.readable.destroyed());
    drop((mine, peer, s, el));
    check.assert_same();
}

#[test]
fn a_configured_cap_of_two_refuses_the_third_fd() {
    let check = FdCheck::start();
    let opts = ReceiveOptions {
        max_unclaimed_fds: 2,
        ..ReceiveOptions::default()
    };
    let (el, (s, log, _, _), peer) = connected(opts, false);
    let a = dev_null();
    send_with_fds(&peer, b"a", &[a.as_fd(), a.as_fd()]).unwrap();
    el.run_for(std::time::Duration::from_millis(20)).unwrap();
    assert_eq!(s.unclaimed_fds(), 2);
    assert!(!log.get().iter().any(|s| s.starts_with("error")));
    send_with_fds(&peer, b"b", &[a.as_fd()]).unwrap();
    el.run().unwrap();
    assert_ends_with(&log, &["error ERR_TOO_MANY_FDS", "close"]);
    drop((a, peer, s, el));
    check.assert_same();
}

/// Linux drops descriptors sent with no data on a stream socket: the peer's `sendmsg`
/// sends nothing, the receiver sees neither descriptors nor bytes, and nothing leaks.
#[test]
fn fds_with_no_data_are_never_delivered_and_never_leak() {
    let check = FdCheck::start();
    let (el, (s, log, kept, bytes), peer) = connected(ReceiveOptions::default(), true);
    let a = dev_null();
    // fdpass refuses this itself; a raw peer can still try.
    let fds = [a.as_fd()];
    let mut space = [std::mem::MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = rustix::net::SendAncillaryBuffer::new(&mut space);
    assert!(control.push(rustix::net::SendAncillaryMessage::ScmRights(&fds)));
    let sent = rustix::net::sendmsg(&peer, &[], &mut control, rustix::net::SendFlags::empty());
    assert_eq!(sent.ok(), Some(0));
    drop(peer);
    el.run().unwrap();
    assert!(bytes.borrow().is_empty());
    assert!(kept.borrow().is_empty());
    assert_eq!(log.get(), ["end", "close"]);
    drop((a, s, el));
    check.assert_same();
}

/// A peer that closes halfway through a message: what arrived (the descriptors and the
/// first half) is delivered, then `'end'` and `'close'`.
#[test]
fn a_peer_closing_halfway_through_a_message_delivers_what_arrived() {
    let check = FdCheck::start();
    let (el, (s, log, kept, bytes), mut peer) = connected(ReceiveOptions::default(), true);
    let a = dev_null();
    // A 4-byte length prefix announcing 1000 bytes, 3 descriptors, then 400 bytes only.
    send_with_fds(
        &peer,
        &1000u32.to_le_bytes(),
        &[a.as_fd(), a.as_fd(), a.as_fd()],
    )
    .unwrap();
    peer.write_all(&[7u8; 400]).unwrap();
    drop(peer);
    el.run().unwrap();
    assert_eq!(bytes.borrow().len(), 404);
    assert_eq!(&bytes.borrow()[..4], &1000u32.to_le_bytes());
    assert_eq!(kept.borrow().len(), 3);
    let l = log.get();
    assert_eq!(l.iter().filter(|s| *s == "fd@0").count(), 3);
    assert_eq!(&l[l.len() - 2..], ["end", "close"]);
    drop((kept, a, s, el));
    check.assert_same();
}

/// The receiver destroyed while descriptors are still queued in its socket: the kernel
/// closes them with the socket; nothing stays open in this process.
#[test]
fn a_receiver_destroyed_with_fds_in_flight_leaks_nothing() {
    let check = FdCheck::start();
    let (el, (s, log, _, _), peer) = connected(ReceiveOptions::default(), false);
    let a = dev_null();
    for _ in 0..5 {
        send_with_fds(&peer, b"x", &[a.as_fd(), a.as_fd()]).unwrap();
    }
    s.destroy(None);
    el.run().unwrap();
    assert_eq!(log.get(), ["close"]);
    assert_eq!(s.unclaimed_fds(), 0);
    drop((a, peer, s, el));
    check.assert_same();
}
