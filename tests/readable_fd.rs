//! The fd-backed Readable on real pipes: bytes from a child process and from a writer
//! thread arrive exactly, backpressure stops the reads, and the fd is closed at the end.

mod support;

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};
use std::rc::Rc;

use nodestream::stream::readable::{Chunk, Readable, ReadableOptions};
use nodestream::stream::writable::{Chunk as WChunk, Sink, WriteCallback};
use nodestream::{Error, LoopHandle, Writable, WritableOptions};
use support::{event_loop, fd_count, fd_lock, pipe, Log};

/// `yes 0123456789abcdef | head -c n`: what the child writes.
fn pattern(n: usize) -> Vec<u8> {
    b"0123456789abcdef\n"
        .iter()
        .copied()
        .cycle()
        .take(n)
        .collect()
}

fn collect(r: &Readable, t: &Log) -> Rc<RefCell<Vec<u8>>> {
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    r.on("data", move |c: &Chunk| {
        g.borrow_mut().extend_from_slice(c.as_bytes().unwrap())
    });
    for ev in ["end", "close"] {
        let t = t.clone();
        r.on(ev, move |_: &()| t.push(ev));
    }
    let t = t.clone();
    r.on("error", move |e: &Error| {
        t.push(format!("error {}", e.code()))
    });
    got
}

#[test]
fn bytes_from_a_child_process_arrive_exactly_then_end_then_close() {
    let _guard = fd_lock();
    let before = fd_count();
    let n = 1 << 20;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("yes 0123456789abcdef | head -c {n}"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = OwnedFd::from(child.stdout.take().unwrap());
    let (el, lp) = event_loop();
    let t = Log::default();
    let r = Readable::from_fd(&lp, out, ReadableOptions::default()).unwrap();
    let got = collect(&r, &t);
    el.run().unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(got.borrow().len(), n);
    assert!(*got.borrow() == pattern(n), "bytes differ");
    assert_eq!(t.get(), ["end", "close"]);
    assert!(r.readable_ended() && r.closed());
    drop((r, el, lp));
    assert_eq!(fd_count(), before, "an fd leaked");
}

/// A Writable whose writes complete on the next loop turn, counting bytes.
struct SlowSink {
    lp: LoopHandle,
    got: Rc<RefCell<Vec<u8>>>,
}

impl Sink for SlowSink {
    fn write(&mut self, chunk: WChunk, cb: WriteCallback) {
        self.got.borrow_mut().extend_from_slice(chunk.as_bytes());
        self.lp.set_immediate(move || cb.ok());
    }
}

#[test]
fn pipe_from_an_fd_into_a_slow_writable_keeps_every_byte_in_order() {
    let _guard = fd_lock();
    let before = fd_count();
    let n = 3 << 20;
    let (rd, wr) = pipe();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::File::from(wr);
        f.write_all(&pattern(n)).unwrap();
    });
    let (el, lp) = event_loop();
    let r = Readable::from_fd(&lp, rd, ReadableOptions::default()).unwrap();
    let got = Rc::new(RefCell::new(Vec::new()));
    let w = Writable::new(
        &lp,
        SlowSink {
            lp: lp.clone(),
            got: got.clone(),
        },
        WritableOptions::new().high_water_mark(64 * 1024),
    );
    let pauses = Rc::new(Cell::new(0));
    let p = pauses.clone();
    r.on("pause", move |_: &()| p.set(p.get() + 1));
    let drains = Rc::new(Cell::new(0));
    let d = drains.clone();
    w.on("drain", move |_: &()| d.set(d.get() + 1));
    let finished = Rc::new(Cell::new(false));
    let f = finished.clone();
    w.on("finish", move |_: &()| f.set(true));
    r.pipe(&w);
    el.run().unwrap();
    writer.join().unwrap();
    assert!(finished.get());
    assert_eq!(got.borrow().len(), n);
    assert!(*got.borrow() == pattern(n), "bytes differ");
    assert!(pauses.get() > 0, "backpressure never paused the source");
    assert!(drains.get() > 0);
    drop((r, w, el, lp));
    assert_eq!(fd_count(), before, "an fd leaked");
}

#[test]
fn destroy_mid_stream_closes_the_fd_with_close_and_no_end() {
    let _guard = fd_lock();
    let before = fd_count();
    let (rd, wr) = pipe();
    rustix::io::write(&wr, b"first").unwrap();
    let (el, lp) = event_loop();
    let t = Log::default();
    let r = Readable::from_fd(&lp, rd, ReadableOptions::default()).unwrap();
    let _got = collect(&r, &t);
    // A weak handle: a listener holding its own stream would keep it alive forever.
    let r2 = r.downgrade();
    let t2 = t.clone();
    r.on("data", move |c: &Chunk| {
        t2.push(format!(
            "data {}",
            String::from_utf8_lossy(c.as_bytes().unwrap())
        ));
        r2.upgrade().unwrap().destroy(None);
    });
    el.run().unwrap();
    assert_eq!(t.get(), ["data first", "close"]);
    // The writer sees the reader gone.
    assert_eq!(
        rustix::io::write(&wr, b"x").unwrap_err(),
        rustix::io::Errno::PIPE
    );
    drop((r, el, lp));
    // Only the write end is left.
    assert_eq!(fd_count(), before + 1, "the read end is still open");
    drop(wr);
    assert_eq!(fd_count(), before);
}

#[test]
fn a_regular_file_is_refused_and_given_back() {
    let _guard = fd_lock();
    let (el, lp) = event_loop();
    let file = std::fs::File::open("/proc/self/exe").unwrap();
    let err = Readable::from_fd(&lp, file, ReadableOptions::default()).unwrap_err();
    assert_eq!(err.error.raw_os_error(), Some(1)); // EPERM: epoll refuses regular files
    let back = std::fs::File::from(err.fd);
    assert!(back.metadata().unwrap().len() > 0);
    drop(el);
}

#[test]
fn an_unread_fd_does_not_keep_the_loop_alive_once_full() {
    let _guard = fd_lock();
    let (rd, wr) = pipe();
    // More than the high-water mark: reading stops on backpressure.
    let data = pattern(40 * 1024);
    rustix::io::write(&wr, &data).unwrap();
    let (el, lp) = event_loop();
    // A mark below what the pipe holds (the default, 64 KiB, is a whole pipe).
    let opts = ReadableOptions::default().high_water_mark(16 * 1024);
    let r = Readable::from_fd(&lp, rd, opts).unwrap();
    el.run().unwrap(); // returns: nobody consumes, the fd stopped reading
    assert!(r.readable_length() >= 16 * 1024);
    // Now consume: the rest comes without a new edge.
    let t = Log::default();
    let got = collect(&r, &t);
    drop(wr);
    el.run().unwrap();
    assert!(*got.borrow() == data);
    assert_eq!(t.get(), ["end", "close"]);
}

/// A read error destroys the stream with the error's code, then `'close'`; no `'end'`.
/// (A Unix socket whose peer closes with unread data gets `ECONNRESET`.)
#[test]
fn a_read_error_is_an_error_event_then_close() {
    let _guard = fd_lock();
    let before = fd_count();
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    (&a).write_all(b"never read").unwrap();
    drop(b);
    let (el, lp) = event_loop();
    let t = Log::default();
    let r = Readable::from_fd(&lp, a, ReadableOptions::default()).unwrap();
    let got = collect(&r, &t);
    el.run().unwrap();
    assert!(got.borrow().is_empty());
    assert_eq!(t.get(), ["error ECONNRESET", "close"]);
    assert_eq!(r.errored().unwrap().code().as_str(), "ECONNRESET");
    drop((r, el, lp));
    assert_eq!(fd_count(), before, "an fd leaked");
}
