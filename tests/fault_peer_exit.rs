//! A reader that goes away mid-stream, with real peers: a child process (`head -c N`) on a
//! pipe, a thread on a Unix socket and on a TCP connection. The writer gets `'error'`
//! (`EPIPE`, or `ECONNRESET` on TCP) then `'close'`, every pending write callback gets the
//! error, the process lives (no `SIGPIPE` death), and the peer received every byte it read
//! in order: nothing before the fault was lost.

mod support;

use std::cell::RefCell;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::rc::Rc;

use nodestream::events::{CLOSE, DRAIN, ERROR, FINISH};
use nodestream::stream::FdWritable;
use nodestream::{Error, EventLoop, WritableOptions};
use support::{data, FdCheck};

#[derive(Default)]
struct Seen {
    events: Vec<String>,
    /// Each write's callback result, by write index (code or "ok").
    cbs: Vec<Vec<String>>,
}

type Shared = Rc<RefCell<Seen>>;

/// Writes `chunks` of `data` (keeping up to `window` writes ahead of the callbacks, as a
/// pipe() with backpressure would) until the stream fails; returns what was seen.
fn write_until_fault(w: &FdWritable, el: &EventLoop, all: Rc<Vec<u8>>, chunk: usize) -> Shared {
    let seen: Shared = Rc::default();
    for (ev, key) in [("drain", DRAIN), ("finish", FINISH), ("close", CLOSE)] {
        let s = seen.clone();
        w.on(key, move |_| s.borrow_mut().events.push(ev.to_string()));
    }
    let s = seen.clone();
    w.on(ERROR, move |e: &Error| {
        s.borrow_mut().events.push(format!("error {}", e.code()))
    });
    // Write everything at once: the Writable buffers what the fd does not take, so when
    // the reader leaves, many writes are pending.
    let n = all.len().div_ceil(chunk);
    seen.borrow_mut().cbs = vec![Vec::new(); n];
    for i in 0..n {
        let part = all[i * chunk..((i + 1) * chunk).min(all.len())].to_vec();
        let s = seen.clone();
        w.write_cb(part, move |e| {
            let r = e.map_or("ok".to_string(), |e| e.code().to_string());
            s.borrow_mut().cbs[i].push(r);
        });
    }
    w.end();
    el.run().expect("the error has a listener: run returns Ok");
    seen
}

/// The callbacks: each exactly once, a prefix of "ok" then only the fault's code.
fn check_callbacks(seen: &Seen, codes: &[&str]) -> usize {
    let mut oks = 0;
    let mut failed = false;
    for (i, cb) in seen.cbs.iter().enumerate() {
        assert_eq!(cb.len(), 1, "write #{i} callback ran {} times", cb.len());
        if cb[0] == "ok" {
            assert!(!failed, "write #{i} ok after a failed one");
            oks += 1;
        } else {
            failed = true;
            assert!(codes.contains(&cb[0].as_str()), "write #{i}: {}", cb[0]);
        }
    }
    assert!(failed, "no write failed");
    oks
}

fn check_events(seen: &Seen, codes: &[&str]) {
    let ev: Vec<&str> = seen
        .events
        .iter()
        .map(|s| s.as_str())
        .filter(|s| *s != "drain")
        .collect();
    assert_eq!(ev.len(), 2, "events: {:?}", seen.events);
    assert!(
        codes.iter().any(|c| ev[0] == format!("error {c}")),
        "first event {:?}",
        ev[0]
    );
    assert_eq!(ev[1], "close");
}

#[test]
fn pipe_reader_process_exits_mid_stream_epipe_then_close() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let (rx, tx) = support::pipe();
    let keep = 100_000usize;
    let mut head = Command::new("head")
        .arg("-c")
        .arg(keep.to_string())
        .stdin(Stdio::from(rx))
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn head");
    let mut out = head.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        out.read_to_end(&mut got).unwrap();
        got
    });
    let w = FdWritable::new(&el.handle(), tx, WritableOptions::new()).unwrap();
    let all = Rc::new(data(7, 4 << 20));
    let seen = write_until_fault(&w, &el, all.clone(), 16 * 1024);
    let got = reader.join().unwrap();
    assert!(head.wait().unwrap().success());
    // The peer read exactly the first `keep` bytes: nothing before the fault was lost.
    assert_eq!(got.len(), keep);
    assert!(got[..] == all[..keep], "bytes before the fault differ");
    let seen = seen.borrow();
    check_events(&seen, &["EPIPE"]);
    // The writes go out batched (one `writev` per batch, one callback result for the
    // batch, as Node's `_writev`), so a batch the kernel took in part fails whole: the
    // `ok` prefix may be shorter than what the peer read, never longer than what was sent.
    let oks = check_callbacks(&seen, &["EPIPE"]);
    assert!(oks < seen.cbs.len());
    assert!(w.destroyed() && w.closed());
    assert_eq!(
        w.errored().map(|e| e.code().to_string()),
        Some("EPIPE".into())
    );
    drop((w, el));
    check.assert_same();
}

fn socket_reader_leaves(
    stream: impl Read + Send + 'static,
    keep: usize,
) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut got = vec![0u8; keep];
        let mut s = stream;
        s.read_exact(&mut got).unwrap();
        // Dropping the stream with unread data closes it (with an RST on TCP).
        drop(s);
        got
    })
}

#[test]
fn unix_socket_reader_closes_mid_stream_epipe_then_close() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let (a, b) = UnixStream::pair().unwrap();
    let keep = 300_000usize;
    let reader = socket_reader_leaves(b, keep);
    let w = FdWritable::new(&el.handle(), OwnedFd::from(a), WritableOptions::new()).unwrap();
    assert!(w.is_socket());
    let all = Rc::new(data(11, 8 << 20));
    let seen = write_until_fault(&w, &el, all.clone(), 64 * 1024);
    let got = reader.join().unwrap();
    assert!(got[..] == all[..keep], "bytes before the fault differ");
    let seen = seen.borrow();
    // A Unix stream socket whose peer is gone: EPIPE (ECONNRESET if the peer closed with
    // our data unread in its queue).
    check_events(&seen, &["EPIPE", "ECONNRESET"]);
    check_callbacks(&seen, &["EPIPE", "ECONNRESET"]);
    drop((w, el));
    check.assert_same();
}

#[test]
fn tcp_reader_closes_mid_stream_econnreset_or_epipe_then_close() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (b, _) = listener.accept().unwrap();
    drop(listener);
    let keep = 300_000usize;
    let reader = socket_reader_leaves(b, keep);
    let w = FdWritable::new(&el.handle(), OwnedFd::from(a), WritableOptions::new()).unwrap();
    let all = Rc::new(data(13, 16 << 20));
    let seen = write_until_fault(&w, &el, all.clone(), 64 * 1024);
    let got = reader.join().unwrap();
    assert!(got[..] == all[..keep], "bytes before the fault differ");
    let seen = seen.borrow();
    check_events(&seen, &["ECONNRESET", "EPIPE"]);
    check_callbacks(&seen, &["ECONNRESET", "EPIPE"]);
    drop((w, el));
    check.assert_same();
}

#[test]
fn writes_after_the_fault_fail_with_destroyed_and_emit_nothing() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let (rx, tx) = support::pipe();
    drop(rx);
    let w = FdWritable::new(&el.handle(), tx, WritableOptions::new()).unwrap();
    let seen: Shared = Rc::default();
    let s = seen.clone();
    w.on(ERROR, move |e: &Error| {
        s.borrow_mut().events.push(format!("error {}", e.code()))
    });
    let s = seen.clone();
    w.on(CLOSE, move |_| s.borrow_mut().events.push("close".into()));
    let s = seen.clone();
    w.write_cb(&b"lost"[..], move |e| {
        s.borrow_mut()
            .events
            .push(format!("cb1 {}", e.unwrap().code()))
    });
    el.run().unwrap();
    let s = seen.clone();
    assert!(!w.write_cb(&b"late"[..], move |e| {
        s.borrow_mut()
            .events
            .push(format!("cb2 {}", e.unwrap().code()))
    }));
    el.run().unwrap();
    assert_eq!(
        seen.borrow().events,
        [
            "cb1 EPIPE",
            "error EPIPE",
            "close",
            "cb2 ERR_STREAM_DESTROYED"
        ]
    );
    drop((w, el));
    check.assert_same();
}
