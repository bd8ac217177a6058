//! Faults inside the process: a disk that is full, a listener or callback that panics, a
//! sink that calls its callback twice. Each asserts the exact events, that no byte is lost
//! and that no descriptor leaks.

mod support;

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::os::fd::OwnedFd;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use nodestream::events::{CLOSE, DRAIN, ERROR, FINISH, PREFINISH};
use nodestream::fs::{create_write_stream, WriteStreamOptions};
use nodestream::stream::readable::{Chunk as RChunk, Readable, ReadableOptions};
use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
use nodestream::stream::FdWritable;
use nodestream::{Error, EventLoop};
use support::{data, fd_count, FdCheck};

type Log = Rc<RefCell<Vec<String>>>;

fn push(log: &Log, s: impl Into<String>) {
    log.borrow_mut().push(s.into());
}

fn cb(log: &Log, name: &'static str) -> impl FnOnce(Option<Error>) + 'static {
    let l = log.clone();
    move |e| {
        push(
            &l,
            format!(
                "{name} {}",
                e.map_or("ok".to_string(), |e| e.code().to_string())
            ),
        )
    }
}

fn watch(w: &Writable, log: &Log) {
    for (name, key) in [
        ("drain", DRAIN),
        ("prefinish", PREFINISH),
        ("finish", FINISH),
        ("close", CLOSE),
    ] {
        let l = log.clone();
        w.on(key, move |_| push(&l, name));
    }
    let l = log.clone();
    w.on(ERROR, move |e: &Error| {
        push(&l, format!("error {}", e.code()))
    });
}

/// Waits (briefly) for a worker thread to let go of the loop's handle, then compares.
fn settle(check: &FdCheck) {
    for _ in 0..200 {
        if fd_count() == check.before() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    check.assert_same();
}

/// `/dev/full`: `ENOSPC` fails the write in flight and every buffered one, then `'error'`
/// and `'close'`; no `'finish'`, and nothing is reported written.
#[test]
fn dev_full_fails_every_pending_write_with_enospc_and_reports_nothing_written() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let ws = create_write_stream(&el.handle(), "/dev/full", WriteStreamOptions::new()).unwrap();
    let log: Log = Rc::default();
    watch(&ws, &log);
    for i in 0..5 {
        ws.write_cb(
            data(i, 10_000),
            cb(&log, ["w0", "w1", "w2", "w3", "w4"][i as usize]),
        );
    }
    ws.end_cb(cb(&log, "end"));
    el.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "w0 ENOSPC",
            "w1 ENOSPC",
            "w2 ENOSPC",
            "w3 ENOSPC",
            "w4 ENOSPC",
            "end ENOSPC",
            "error ENOSPC",
            "close"
        ]
    );
    assert_eq!(ws.bytes_written(), 0);
    assert!(!ws.writable_finished());
    drop((ws, el));
    settle(&check);
}

/// `/dev/full` cannot be polled: an `FdWritable` refuses it and gives the fd back.
#[test]
fn an_unpollable_device_is_refused_and_the_fd_given_back() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let err = FdWritable::new(&el.handle(), full, WritableOptions::new()).unwrap_err();
    assert_eq!(err.error.raw_os_error(), Some(libc::EPERM));
    let mut back = std::fs::File::from(err.fd);
    assert_eq!(
        back.write(b"x").unwrap_err().raw_os_error(),
        Some(libc::ENOSPC)
    );
    drop((back, el));
    check.assert_same();
}

/// Sockets that keep message boundaries (`SOCK_SEQPACKET`, `SOCK_DGRAM`, Unix or UDP) are
/// refused by every stream constructor with Node's `ERR_INVALID_FD_TYPE` (`new net.Socket({
/// fd })` on such an fd: `Unsupported fd type: UNKNOWN`): over a byte stream a message
/// longer than a read would be cut and an empty one would read as end of file. The fd comes
/// back unharmed (its type and its pending message intact), or is closed by `Socket`.
#[test]
fn sockets_that_keep_message_boundaries_are_refused_with_err_invalid_fd_type() {
    use rustix::net::{socketpair, AddressFamily, SocketFlags, SocketType};
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let unix = |ty| socketpair(AddressFamily::UNIX, ty, SocketFlags::CLOEXEC, None).unwrap();
    let udp = || {
        let a = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        a.connect(b.local_addr().unwrap()).unwrap();
        b.connect(a.local_addr().unwrap()).unwrap();
        (OwnedFd::from(a), OwnedFd::from(b))
    };
    type Make = Box<dyn Fn() -> (OwnedFd, OwnedFd)>;
    let rows: [(&str, &str, Make); 3] = [
        (
            "SOCK_SEQPACKET",
            "SOCK_SEQPACKET",
            Box::new(move || unix(SocketType::SEQPACKET)),
        ),
        (
            "Unix SOCK_DGRAM",
            "SOCK_DGRAM",
            Box::new(move || unix(SocketType::DGRAM)),
        ),
        ("UDP", "SOCK_DGRAM", Box::new(udp)),
    ];
    for (name, ty, make) in &rows {
        let expect = |copy: &Error| {
            assert_eq!(
                copy.code().as_str(),
                "ERR_INVALID_FD_TYPE",
                "{name}: {copy}"
            );
            assert!(
                copy.message()
                    .starts_with(&format!("Unsupported fd type: {ty} ")),
                "{name}: {copy}"
            );
            assert_eq!(copy.kind(), std::io::ErrorKind::InvalidInput, "{name}");
        };
        // The peer sends a message first: it must still be there once the fd is back.
        let (fd, peer) = make();
        rustix::net::send(&peer, b"msg", rustix::net::SendFlags::empty()).unwrap();
        let e = FdWritable::new(&lp, fd, WritableOptions::new()).unwrap_err();
        expect(&e.error);
        let e = Readable::from_fd(&lp, e.fd, ReadableOptions::default()).unwrap_err();
        expect(&e.error);
        assert_eq!(
            rustix::net::sockopt::socket_type(&e.fd).unwrap(),
            if *ty == "SOCK_SEQPACKET" {
                SocketType::SEQPACKET
            } else {
                SocketType::DGRAM
            },
            "{name}"
        );
        let mut buf = [0u8; 8];
        let n = rustix::net::recv(&e.fd, &mut buf, rustix::net::RecvFlags::DONTWAIT)
            .unwrap()
            .0;
        assert_eq!(&buf[..n], b"msg", "{name}: the fd came back harmed");
        let err = nodestream::net::Socket::from_fd(&lp, e.fd).unwrap_err();
        expect(&err.error);
        // Given back here too, and closed with the error.
        assert_eq!(
            rustix::net::sockopt::socket_type(&err.fd).unwrap(),
            rustix::net::sockopt::socket_type(&peer).unwrap(),
            "{name}"
        );
        drop(peer);
    }
    drop((lp, el));
    check.assert_same();
}

/// A `'data'` listener that panics: the panic unwinds out of `run()`, the loop and the
/// stream stay usable, and running again delivers every later byte, then `'end'`,
/// `'close'`.
#[test]
fn a_panicking_data_listener_loses_no_later_byte() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let (rx, tx) = support::pipe();
    let total = 1 << 20;
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::File::from(tx);
        for c in data(3, total).chunks(10_000) {
            f.write_all(c).unwrap();
        }
    });
    let r = Readable::from_fd(&el.handle(), rx, ReadableOptions::default()).unwrap();
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    r.on("data", move |c: &RChunk| {
        g.borrow_mut().extend_from_slice(c.as_bytes().unwrap())
    });
    let n = Rc::new(Cell::new(0));
    let k = n.clone();
    r.on("data", move |_: &RChunk| {
        k.set(k.get() + 1);
        if k.get() == 3 || k.get() == 5 {
            panic!("listener panics on chunk {}", k.get());
        }
    });
    let log: Log = Rc::default();
    for ev in ["end", "close"] {
        let l = log.clone();
        r.on(ev, move |_: &()| push(&l, ev));
    }
    let mut panics = 0;
    loop {
        match catch_unwind(AssertUnwindSafe(|| el.run())) {
            Ok(res) => {
                res.unwrap();
                break;
            }
            Err(_) => panics += 1,
        }
        assert!(panics <= 2);
    }
    writer.join().unwrap();
    assert_eq!(panics, 2);
    assert!(
        *got.borrow() == data(3, total),
        "bytes lost around the panics"
    );
    assert_eq!(*log.borrow(), ["end", "close"]);
    drop((r, el));
    check.assert_same();
}

/// A write callback that panics on an fd stream: the panic unwinds out of `run()`, and
/// running again finishes the stream: every byte written, the later callbacks, then
/// `'prefinish'`, `'finish'`, `'close'`. (In Node a throwing write callback is an uncaught
/// exception that ends the process; here the loop stays usable, so the stream must too.)
/// Before the fix the stream stayed ending but never finished.
#[test]
fn a_panicking_write_callback_loses_no_later_write() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let (rx, tx) = support::pipe();
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut std::fs::File::from(rx), &mut v).unwrap();
        v
    });
    let w = FdWritable::new(&el.handle(), tx, WritableOptions::new()).unwrap();
    let log: Log = Rc::default();
    watch(&w, &log);
    let chunks: Vec<Vec<u8>> = (0..50).map(|i| data(i, 50_000)).collect();
    for (i, c) in chunks.iter().enumerate() {
        let l = log.clone();
        w.write_cb(c.clone(), move |e| {
            assert!(e.is_none());
            if i == 10 {
                panic!("callback panics");
            }
            push(&l, "cb");
        });
    }
    w.end();
    let first = catch_unwind(AssertUnwindSafe(|| el.run()));
    assert!(first.is_err(), "the panic should unwind out of run()");
    el.run().unwrap();
    // Checked before the stream is dropped (dropping it closes the fd and ends the
    // reader either way), so that a stall fails here instead of hanging.
    let closed = w.closed();
    let state = format!("{w:?}");
    drop(w);
    let got = reader.join().unwrap();
    assert!(closed, "the stream stalled after the panic: {state}");
    assert!(got == chunks.concat(), "bytes lost around the panic");
    let l = log.borrow().clone();
    assert_eq!(l.iter().filter(|s| *s == "cb").count(), 49);
    // Node's order: 'prefinish' may come before the deferred write callbacks, 'finish'
    // only after all of them.
    assert_eq!(&l[l.len() - 2..], ["finish", "close"], "{l:?}");
    assert_eq!(l.iter().filter(|s| *s == "prefinish").count(), 1, "{l:?}");
    drop(el);
    check.assert_same();
}

/// A sink that calls its write callback twice: `ERR_MULTIPLE_CALLBACK`, as Node:
/// ```text
/// cb1 null / error ERR_MULTIPLE_CALLBACK / close / cb2 ERR_STREAM_DESTROYED /
/// endcb ERR_STREAM_DESTROYED
/// ```
/// (node v20: `write(c,e,cb){cb();cb();}`, then `write('a',cb1)`, `write('b',cb2)`,
/// `end(endcb)`; the second `cb()` destroys the stream at once, so `'b'` is refused.)
#[test]
fn a_sink_calling_back_twice_is_err_multiple_callback() {
    struct Twice(Rc<RefCell<Vec<u8>>>);
    impl Sink for Twice {
        fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
            self.0.borrow_mut().extend_from_slice(chunk.as_bytes());
            cb.clone().ok();
            cb.ok();
        }
    }
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let sunk = Rc::new(RefCell::new(Vec::new()));
    let w = Writable::new(&el.handle(), Twice(sunk.clone()), WritableOptions::new());
    let log: Log = Rc::default();
    watch(&w, &log);
    w.write_cb("a", cb(&log, "cb1"));
    w.write_cb("b", cb(&log, "cb2"));
    w.end_cb(cb(&log, "endcb"));
    el.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "cb1 ok",
            "error ERR_MULTIPLE_CALLBACK",
            "close",
            "cb2 ERR_STREAM_DESTROYED",
            "endcb ERR_STREAM_DESTROYED"
        ]
    );
    assert_eq!(*sunk.borrow(), b"a");
    drop((w, el));
    check.assert_same();
}

/// A sink that calls back twice, the second time later (from an immediate), after the
/// next write started: the stale token completes the write in flight, as Node's does,
/// and a token completed with no write in flight is `ERR_MULTIPLE_CALLBACK`. No panic,
/// one `'error'`, `'close'` last.
#[test]
fn a_late_second_callback_never_panics_and_closes_once() {
    struct Late(nodestream::LoopHandle);
    impl Sink for Late {
        fn write(&mut self, _chunk: Chunk, cb: WriteCallback) {
            let again = cb.clone();
            cb.ok();
            self.0.set_immediate(move || again.ok());
        }
    }
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let w = Writable::new(&el.handle(), Late(el.handle()), WritableOptions::new());
    let log: Log = Rc::default();
    watch(&w, &log);
    for name in ["c1", "c2", "c3"] {
        w.write_cb("x", cb(&log, name));
    }
    el.run().unwrap();
    let l = log.borrow().clone();
    assert_eq!(
        l.iter().filter(|s| s.starts_with("error")).count(),
        1,
        "{l:?}"
    );
    assert_eq!(l.iter().filter(|s| *s == "close").count(), 1, "{l:?}");
    assert!(
        l.contains(&"error ERR_MULTIPLE_CALLBACK".to_string()),
        "{l:?}"
    );
    for name in ["c1", "c2", "c3"] {
        assert_eq!(
            l.iter().filter(|s| s.starts_with(name)).count(),
            1,
            "{name}: {l:?}"
        );
    }
    drop((w, el));
    check.assert_same();
}
