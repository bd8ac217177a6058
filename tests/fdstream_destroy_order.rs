//! Callbacks are called, once, in Node's order, when an fd stream is destroyed with writes
//! pending: a write in flight (the kernel buffer is full), writes buffered behind it, an
//! `end()` callback, and a socket still connecting.
//!
//! Node v20 closes the handle in `_destroy` and emits `'close'` from the handle's close
//! callback (the close phase, after immediates); libuv cancels the write in flight there,
//! and Node's `onWriteComplete` tells its callback `null` once the stream is destroyed;
//! `afterWrite` then fails the buffered writes and the end callback with the stream's
//! error (or `ERR_STREAM_DESTROYED`). `'error'` (for `destroy(err)`) comes first, on the
//! next tick. A socket destroyed while connecting fails its parked write with
//! `ERR_SOCKET_CLOSED_BEFORE_CONNECTION` (Node's `onClose` in `_writeGeneric`).
//!
//! Node's `new Error('boom')` has no code; here it is `ERR_BOOM`.

mod support;

use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;

use nodestream::events::{CLOSE, ERROR};
use nodestream::net::{connect_tcp, Socket};
use nodestream::stream::FdWritable;
use nodestream::{Error, EventLoop, WritableOptions};
use support::{assert_trace, FdCheck, Log};

fn boom() -> Error {
    Error::custom("ERR_BOOM", "boom")
}

fn watch(w: &FdWritable, log: &Log) {
    let l = log.clone();
    w.on(ERROR, move |e: &Error| {
        l.push(format!("error {}", e.code()))
    });
    w.on(CLOSE, log.event("close"));
}

/// A write of 1 MiB the kernel cannot take at once (in flight), two writes buffered behind
/// it, `end(cb)`, then `destroy(err)`; a tick and an immediate queued after it.
fn destroy_with_a_write_in_flight(lp: &EventLoop, w: &FdWritable, err: Option<Error>) -> Log {
    let h = lp.handle();
    let log = Log::default();
    watch(w, &log);
    let big = vec![b'a'; 1 << 20];
    log.push(format!(
        "write big -> {}",
        w.write_cb(big, log.cb("big cb"))
    ));
    log.push(format!("write a -> {}", w.write_cb("a", log.cb("a cb"))));
    log.push(format!("write b -> {}", w.write_cb("b", log.cb("b cb"))));
    w.end_cb(log.cb("end cb"));
    w.destroy(err);
    log.tick(&h, "tick");
    log.imm(&h, "immediate");
    lp.run().unwrap();
    log
}

// const big = Buffer.alloc(1 << 20, 97);  // 64 MiB over TCP: the same trace
// c.write(big, cb); c.write('a', cb); c.write('b', cb); c.end(cb); c.destroy();
// node (net socket, and child.stdin, a pipe):
const IN_FLIGHT_DESTROY: [&str; 10] = [
    "write big -> false",
    "write a -> false",
    "write b -> false",
    "tick",
    "immediate",
    "big cb null",
    "a cb ERR_STREAM_DESTROYED",
    "b cb ERR_STREAM_DESTROYED",
    "end cb ERR_STREAM_DESTROYED",
    "close",
];

// The same with c.destroy(new Error('boom')):
const IN_FLIGHT_DESTROY_ERR: [&str; 11] = [
    "write big -> false",
    "write a -> false",
    "write b -> false",
    "error ERR_BOOM",
    "tick",
    "immediate",
    "big cb null",
    "a cb ERR_BOOM",
    "b cb ERR_BOOM",
    "end cb ERR_BOOM",
    "close",
];

fn socket_writer(lp: &EventLoop) -> (FdWritable, UnixStream) {
    let (ours, peer) = UnixStream::pair().unwrap();
    let w = FdWritable::new(&lp.handle(), ours, WritableOptions::new()).unwrap();
    (w, peer)
}

#[test]
fn destroy_with_a_write_in_flight_on_a_socket_completes_it_then_fails_the_rest() {
    for (err, expected) in [
        (None, &IN_FLIGHT_DESTROY[..]),
        (Some(boom()), &IN_FLIGHT_DESTROY_ERR[..]),
    ] {
        let check = FdCheck::start();
        let lp = EventLoop::new().unwrap();
        let (w, peer) = socket_writer(&lp);
        let log = destroy_with_a_write_in_flight(&lp, &w, err);
        assert_trace(&log, expected);
        // Only a prefix of the big write reached the peer, nothing of the rest.
        let mut got = Vec::new();
        drop(w);
        (&peer).read_to_end(&mut got).unwrap();
        assert!(!got.is_empty() && got.len() < 1 << 20 && got.iter().all(|&b| b == b'a'));
        drop((peer, lp));
        check.assert_same();
    }
}

#[test]
fn destroy_with_a_write_in_flight_on_a_pipe_completes_it_then_fails_the_rest() {
    for (err, expected) in [
        (None, &IN_FLIGHT_DESTROY[..]),
        (Some(boom()), &IN_FLIGHT_DESTROY_ERR[..]),
    ] {
        let check = FdCheck::start();
        let (lp, r, w) = support::pipe_writer();
        let log = destroy_with_a_write_in_flight(&lp, &w, err);
        assert_trace(&log, expected);
        drop(w);
        let got = support::read_all(r);
        assert!(!got.is_empty() && got.len() < 1 << 20 && got.iter().all(|&b| b == b'a'));
        drop(lp);
        check.assert_same();
    }
}

/// Each callback exactly once, even when the stream is destroyed a second time from
/// inside one of them.
#[test]
fn destroy_again_from_a_callback_calls_nothing_twice() {
    let check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let (w, peer) = socket_writer(&lp);
    let log = Log::default();
    watch(&w, &log);
    let (l, weak) = (log.clone(), w.as_writable().downgrade());
    w.write_cb(vec![b'a'; 1 << 20], move |e| {
        l.push(format!(
            "big cb {}",
            e.map_or("null".into(), |e| e.code().to_string())
        ));
        weak.upgrade().unwrap().destroy(Some(boom()));
    });
    w.write_cb("a", log.cb("a cb"));
    w.end_cb(log.cb("end cb"));
    w.destroy(None);
    lp.run().unwrap();
    assert_trace(
        &log,
        &[
            "big cb null",
            "a cb ERR_STREAM_DESTROYED",
            "end cb ERR_STREAM_DESTROYED",
            "close",
        ],
    );
    drop((w, peer, lp));
    check.assert_same();
}

/// A client socket that will connect (the listener's backlog completes the handshake),
/// destroyed before it did.
fn connecting(lp: &EventLoop) -> (Socket, std::net::TcpListener) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let s = connect_tcp(&lp.handle(), listener.local_addr().unwrap()).unwrap();
    assert!(s.connecting());
    (s, listener)
}

// const c = net.connect(port);   // a port that accepts
// c.on('close', ..)              // (added after the writes: see the note below)
// c.write('x', cb); c.write('y', cb); c.end(cb); c.destroy();
// node:
const CONNECTING_DESTROY: [&str; 8] = [
    "write -> true",
    "write2 -> true",
    "tick",
    "immediate",
    "write cb ERR_SOCKET_CLOSED_BEFORE_CONNECTION",
    "write2 cb ERR_SOCKET_CLOSED_BEFORE_CONNECTION",
    "end cb ERR_SOCKET_CLOSED_BEFORE_CONNECTION",
    "close",
];

// The same with c.destroy(new Error('boom')):
const CONNECTING_DESTROY_ERR: [&str; 9] = [
    "write -> true",
    "write2 -> true",
    "error ERR_BOOM",
    "tick",
    "immediate",
    "write cb ERR_SOCKET_CLOSED_BEFORE_CONNECTION",
    "write2 cb ERR_BOOM",
    "end cb ERR_BOOM",
    "close",
];

/// Node fails the parked write from a `'close'` listener it adds in `_write`, so a
/// `'close'` listener of the user's added before the first write runs before the
/// callbacks there; here they always come just before `'close'` (see `FdWritable`).
#[test]
fn destroy_while_connecting_fails_the_parked_write_and_end_callbacks() {
    for (err, expected) in [
        (None, &CONNECTING_DESTROY[..]),
        (Some(boom()), &CONNECTING_DESTROY_ERR[..]),
    ] {
        let _lock = support::fd_lock();
        let lp = EventLoop::new().unwrap();
        let h = lp.handle();
        let (s, listener) = connecting(&lp);
        let log = Log::default();
        watch(&s.writable, &log);
        let w = &s.writable;
        log.push(format!("write -> {}", w.write_cb("x", log.cb("write cb"))));
        log.push(format!(
            "write2 -> {}",
            w.write_cb("y", log.cb("write2 cb"))
        ));
        w.end_cb(log.cb("end cb"));
        match err {
            None => s.destroy(None),
            Some(err) => w.destroy(Some(err)),
        }
        log.tick(&h, "tick");
        log.imm(&h, "immediate");
        lp.run().unwrap();
        assert_trace(&log, expected);
        assert!(s.readable.destroyed() && !s.connecting());
        drop((s, listener, h, lp));
    }
}

// c.end(cb); c.destroy();   (nothing written)
// node: ["end cb ERR_STREAM_DESTROYED", "tick", "immediate", "close"]
#[test]
fn destroy_while_connecting_with_only_end_fails_the_end_callback() {
    let check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let (s, listener) = connecting(&lp);
    let log = Log::default();
    watch(&s.writable, &log);
    s.writable.end_cb(log.cb("end cb"));
    s.destroy(None);
    log.tick(&h, "tick");
    log.imm(&h, "immediate");
    lp.run().unwrap();
    assert_trace(
        &log,
        &["end cb ERR_STREAM_DESTROYED", "tick", "immediate", "close"],
    );
    drop((s, listener, h, lp));
    check.assert_same();
}

// On a connected socket with room in the kernel:
// c.write('x', cb); c.write('y', cb); c.destroy();
// node: ["write -> true", "write -> true", "x cb null", "y cb null", "tick", "immediate",
//        "close"], and the peer reads "xy" (with destroy(err): 'error' after "y cb null").
#[test]
fn destroy_in_the_tick_of_writes_still_writes_them() {
    for err in [None, Some(boom())] {
        let check = FdCheck::start();
        let lp = EventLoop::new().unwrap();
        let h = lp.handle();
        let (ours, peer) = UnixStream::pair().unwrap();
        let w = FdWritable::new(&h, OwnedFd::from(ours), WritableOptions::new()).unwrap();
        let log = Log::default();
        watch(&w, &log);
        log.push(format!("write -> {}", w.write_cb("x", log.cb("x cb"))));
        log.push(format!("write -> {}", w.write_cb("y", log.cb("y cb"))));
        let with_err = err.is_some();
        w.destroy(err);
        log.tick(&h, "tick");
        log.imm(&h, "immediate");
        lp.run().unwrap();
        let mut expected = vec!["write -> true", "write -> true", "x cb null", "y cb null"];
        if with_err {
            expected.push("error ERR_BOOM");
        }
        expected.extend(["tick", "immediate", "close"]);
        assert_trace(&log, &expected);
        drop(w);
        let mut got = String::new();
        (&peer).read_to_string(&mut got).unwrap();
        assert_eq!(got, "xy");
        drop((peer, h, lp));
        check.assert_same();
    }
}

/// The in-flight write's callback runs in the close phase and is user code: if it panics,
/// the panic reaches `run()`, and running again still fails the buffered write and emits
/// `'close'`, each once.
#[test]
fn a_panic_in_the_in_flight_callback_still_closes() {
    let check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let (w, peer) = socket_writer(&lp);
    let log = Log::default();
    watch(&w, &log);
    let l = log.clone();
    w.write_cb(vec![b'a'; 1 << 20], move |_| {
        l.push("big cb");
        panic!("a write callback failed");
    });
    w.write_cb("a", log.cb("a cb"));
    w.destroy(None);
    let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lp.run()));
    assert!(first.is_err(), "the panic reaches run()");
    lp.run().unwrap();
    assert_trace(&log, &["big cb", "a cb ERR_STREAM_DESTROYED", "close"]);
    drop((w, peer, lp));
    check.assert_same();
}
