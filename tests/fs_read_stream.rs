//! File read streams on real files: exact bytes of large random files at several read
//! sizes and ranges, the loop left free while the pool waits on a FIFO, a destroy that
//! waits for the read in flight, and no descriptor left behind: after the end, after each
//! error, and when streams (or their loop) are dropped without being destroyed.
//! The event orders are the conformance scenarios' (fr01-fr17).

mod support;

use std::cell::{Cell, RefCell};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use nodestream::compat::NodeCompat;
use nodestream::events::{CLOSE, DATA, END, ERROR, OPEN, READY};
use nodestream::fs::{
    create_read_stream, create_write_stream, FileReadStream, ReadStreamOptions, WriteStreamOptions,
};
use nodestream::stream::pipeline;
use nodestream::stream::readable::Chunk;
use nodestream::{Error, ErrorCode, EventLoop};
use support::{data, fd_count, FdCheck, Log, TempPath};

const MIB: usize = 1 << 20;

fn lp_as(compat: NodeCompat) -> EventLoop {
    EventLoop::builder().compat(compat).build().unwrap()
}

/// A file holding `content`.
fn file(tag: &str, content: &[u8]) -> TempPath {
    let p = TempPath::new(tag);
    std::fs::write(&p.0, content).unwrap();
    p
}

/// Every chunk the stream emits, in order.
fn chunks(rs: &FileReadStream) -> Rc<RefCell<Vec<Bytes>>> {
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    rs.on(DATA, move |c: &Chunk| {
        g.borrow_mut().push(match c {
            Chunk::Bytes(b) => b.clone(),
            other => Bytes::copy_from_slice(other.as_bytes().unwrap()),
        })
    });
    got
}

/// The stream's error, once it comes.
fn error_of(rs: &FileReadStream) -> Rc<RefCell<Option<Error>>> {
    let slot = Rc::new(RefCell::new(None));
    let s = slot.clone();
    rs.on(ERROR, move |e: &Error| *s.borrow_mut() = Some(e.clone()));
    slot
}

/// Waits (at most 10 s) for the process's descriptor count to come back to `want`: a
/// descriptor closed by a pool thread after its loop went closes on its own time.
fn wait_for_fd_count(want: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while fd_count() != want && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A FIFO at a fresh path.
fn fifo(tag: &str) -> TempPath {
    let p = TempPath::new(tag);
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &p.0,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    p
}

/// A 6 MiB file of random bytes, read whole at several high-water marks under both
/// settings: the bytes come back exactly, every chunk but the last is one read of the
/// high-water mark, and `bytes_read` counts them all.
#[test]
fn a_large_random_file_comes_back_byte_for_byte_at_several_read_sizes() {
    let _fds = FdCheck::start();
    let content = data(0x5eed, 6 * MIB + 12_345);
    let p = file("fr-large", &content);
    for compat in [NodeCompat::V26, NodeCompat::V20] {
        for hwm in [None, Some(4096), Some(7777), Some(MIB), Some(3 * MIB + 1)] {
            let lp = lp_as(compat);
            let mut opts = ReadStreamOptions::new();
            opts.high_water_mark = hwm;
            let rs = create_read_stream(&lp.handle(), &p.0, opts).unwrap();
            let size = hwm.unwrap_or(64 * 1024);
            assert_eq!(rs.readable_high_water_mark(), size, "{compat:?}");
            let got = chunks(&rs);
            lp.run().unwrap();
            let got = got.borrow();
            let (last, full) = got.split_last().unwrap();
            assert!(full.iter().all(|c| c.len() == size), "{compat:?} {hwm:?}");
            assert!(!last.is_empty() && last.len() <= size);
            assert_eq!(got.concat(), content, "{compat:?} {hwm:?}");
            assert_eq!(rs.bytes_read(), content.len() as u64);
            assert!(rs.closed() && rs.pending());
        }
    }
}

/// Ranges of the same file, end inclusive, at a read size that does not divide them; an
/// end past the file's end stops at it.
#[test]
fn ranges_of_a_large_file_are_exact() {
    let _fds = FdCheck::start();
    let content = data(7, 5 * MIB + 3);
    let p = file("fr-ranges", &content);
    let len = content.len() as u64;
    let lp = EventLoop::new().unwrap();
    let cases: [(Option<u64>, Option<u64>); 7] = [
        (Some(0), Some(0)),
        (Some(1), Some(4999)),
        (Some(123_456), Some(4 * MIB as u64 + 17)),
        (Some(len - 1), None),
        (None, Some(MIB as u64)),
        (Some(3 * MIB as u64), Some(len + 1000)),
        (Some(len), None),
    ];
    let mut results = Vec::new();
    for (start, end) in cases {
        let mut opts = ReadStreamOptions::new().high_water_mark(5000);
        opts.start = start;
        opts.end = end;
        let rs = create_read_stream(&lp.handle(), &p.0, opts).unwrap();
        results.push((start, end, chunks(&rs), rs));
    }
    lp.run().unwrap();
    for (start, end, got, rs) in results {
        let from = start.unwrap_or(0).min(len) as usize;
        let to = end.map_or(len, |e| (e + 1).min(len)) as usize;
        assert_eq!(
            got.borrow().concat(),
            &content[from..to],
            "{start:?}..={end:?}"
        );
        assert_eq!(rs.bytes_read(), (to - from) as u64);
    }
}

/// Paused mode (`'readable'` and `read()`) reads the same bytes under both settings
/// (v20's `read()` joins the buffer, v26's takes one chunk).
#[test]
fn paused_mode_reads_the_same_bytes() {
    let _fds = FdCheck::start();
    let content = data(99, 2 * MIB + 77);
    let p = file("fr-paused", &content);
    for compat in [NodeCompat::V26, NodeCompat::V20] {
        let lp = lp_as(compat);
        let opts = ReadStreamOptions::new().high_water_mark(10_000);
        let rs = create_read_stream(&lp.handle(), &p.0, opts).unwrap();
        let got = Rc::new(RefCell::new(Vec::new()));
        let (g, r) = (got.clone(), rs.clone());
        rs.on("readable", move |_: &()| {
            while let Some(c) = r.read() {
                g.borrow_mut().extend_from_slice(c.as_bytes().unwrap());
            }
        });
        let ended = Rc::new(Cell::new(false));
        let e = ended.clone();
        rs.on(END, move |_: &()| e.set(true));
        lp.run().unwrap();
        rs.emitter().remove_all_listeners(None);
        assert!(ended.get());
        assert_eq!(*got.borrow(), content, "{compat:?}");
    }
}

/// `pipeline(create_read_stream, create_write_stream)` copies a large file exactly.
#[test]
fn pipeline_copies_a_large_file() {
    let _fds = FdCheck::start();
    let content = data(3, 4 * MIB + 5);
    let from = file("fr-copy-from", &content);
    let to = TempPath::new("fr-copy-to");
    let lp = EventLoop::new().unwrap();
    let rs = create_read_stream(&lp.handle(), &from.0, ReadStreamOptions::new()).unwrap();
    let ws = create_write_stream(&lp.handle(), &to.0, WriteStreamOptions::new()).unwrap();
    let result = Rc::new(RefCell::new(None));
    let r = result.clone();
    pipeline(&rs)
        .to(&ws, move |err| *r.borrow_mut() = Some(err.map(Error::from)))
        .unwrap();
    lp.run().unwrap();
    let answer = result
        .borrow_mut()
        .take()
        .expect("the pipeline called back");
    assert!(answer.is_none(), "{answer:?}");
    assert_eq!(std::fs::read(&to.0).unwrap(), content);
    assert_eq!(rs.bytes_read(), content.len() as u64);
    assert_eq!(ws.bytes_written(), content.len() as u64);
}

/// The default read size is Node's 64 KiB under both settings (the other byte streams'
/// default is 16 KiB under v20).
#[test]
fn the_default_high_water_mark_is_64_kib_under_v20_too() {
    let _fds = FdCheck::start();
    let p = file("fr-hwm", b"x");
    for compat in [NodeCompat::V26, NodeCompat::V20] {
        let lp = lp_as(compat);
        let rs = create_read_stream(&lp.handle(), &p.0, ReadStreamOptions::new()).unwrap();
        assert_eq!(rs.readable_high_water_mark(), 65536);
        lp.run().unwrap();
    }
}

/// Node's message and fields for a missing file; no fd was ever made.
#[test]
fn a_missing_file_is_enoent_with_nodes_message() {
    let _fds = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let rs = create_read_stream(
        &lp.handle(),
        "/nonexistent/dir/file",
        ReadStreamOptions::new(),
    )
    .unwrap();
    let err = error_of(&rs);
    let log = Log::default();
    for ev in ["open", "ready", "end", "close"] {
        let l = log.clone();
        match ev {
            "open" => rs.on(OPEN, move |_| l.push(ev)),
            _ => rs.on(ev, move |_: &()| l.push(ev)),
        };
    }
    lp.run().unwrap();
    let err = err.borrow_mut().take().expect("an error");
    assert_eq!(err.code().as_str(), "ENOENT");
    assert_eq!(
        err.message(),
        "ENOENT: no such file or directory, open '/nonexistent/dir/file'"
    );
    assert_eq!(err.syscall(), Some("open"));
    assert_eq!(err.path(), Some(Path::new("/nonexistent/dir/file")));
    assert_eq!(err.errno(), Some(-libc::ENOENT));
    assert_eq!(log.get(), ["close"]);
    assert!(rs.destroyed() && rs.closed() && rs.pending());
}

/// What Node throws: an unknown flag string and a start past the end.
#[test]
fn bad_options_are_errors_at_once() {
    let _fds = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let err =
        create_read_stream(&lp.handle(), "x", ReadStreamOptions::new().flags("rw")).unwrap_err();
    assert_eq!(err.code(), &ErrorCode::InvalidArgValue);
    assert_eq!(
        err.message(),
        "The argument 'flags' is invalid. Received 'rw'"
    );
    let err = create_read_stream(&lp.handle(), "x", ReadStreamOptions::new().start(5).end(2))
        .unwrap_err();
    assert_eq!(err.code().as_str(), "ERR_OUT_OF_RANGE");
    assert_eq!(
        err.message(),
        "The value of \"start\" is out of range. It must be <= \"end\" (here: 2). Received 5"
    );
}

/// The open of a FIFO blocks until a writer comes: on the pool, while the loop runs its
/// timer, which brings the writer.
#[test]
fn a_blocked_open_leaves_the_loop_free() {
    let _fds = FdCheck::start();
    let p = fifo("fr-fifo-open");
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let rs = create_read_stream(&h, &p.0, ReadStreamOptions::new()).unwrap();
    let log = Log::default();
    let l = log.clone();
    rs.on(OPEN, move |_| l.push("open"));
    let got = chunks(&rs);
    let l = log.clone();
    rs.on(END, move |_: &()| l.push("end"));
    let (l, path) = (log.clone(), p.0.clone());
    h.set_timeout(Duration::from_millis(30), move || {
        l.push("timer");
        // The reader is waiting in its open: this open does not block.
        std::fs::write(&path, b"through the fifo").unwrap();
    });
    lp.run().unwrap();
    assert_eq!(log.get(), ["timer", "open", "end"]);
    assert_eq!(got.borrow().concat(), b"through the fifo");
}

/// A destroy while a read is in flight waits for it (Node's `kIoDone`): the read blocks on
/// an empty FIFO, and `'close'` comes only once the writer has gone and the read returned.
#[test]
fn destroy_waits_for_the_read_in_flight() {
    let _fds = FdCheck::start();
    let p = fifo("fr-fifo-read");
    // Read and write: this open does not wait for a reader, and the stream's open does not
    // wait for a writer.
    let writer: OwnedFd = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&p.0)
        .unwrap()
        .into();
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let rs = create_read_stream(&h, &p.0, ReadStreamOptions::new()).unwrap();
    let log = Log::default();
    let l = log.clone();
    rs.on(DATA, move |_: &Chunk| l.push("data"));
    let l = log.clone();
    rs.on(CLOSE, move |_: &()| l.push("close"));
    rs.on(ERROR, |e: &Error| panic!("no error expected: {e}"));
    let (l, r) = (log.clone(), rs.clone());
    let writer = Rc::new(Cell::new(Some(writer)));
    rs.on(READY, move |_: &()| {
        let (l, r, w, h2) = (l.clone(), r.clone(), writer.clone(), h.clone());
        // The read goes out on the ticks after 'ready'; destroy once it waits.
        h.set_timeout(Duration::from_millis(30), move || {
            l.push("destroy");
            r.destroy(None);
            let l = l.clone();
            h2.set_timeout(Duration::from_millis(30), move || {
                l.push("writer closes");
                drop(w.take());
            });
        });
    });
    lp.run().unwrap();
    rs.emitter().remove_all_listeners(None);
    assert_eq!(log.get(), ["destroy", "writer closes", "close"]);
    assert_eq!(rs.bytes_read(), 0);
}

/// Every way a stream ends leaves no descriptor behind: the end, `ENOENT`, `EISDIR`, a
/// destroy before the open and mid-way, `emit_close: false`, `auto_close: false` then
/// destroy, a given fd.
#[test]
fn no_fd_is_left_after_the_end_or_an_error() {
    let fds = FdCheck::start();
    let p = file("fr-fds", &data(1, 300_000));
    let dir = TempPath::new("fr-fds-dir");
    std::fs::create_dir(&dir.0).unwrap();
    {
        let lp = EventLoop::new().unwrap();
        let h = lp.handle();
        let with_loop = fd_count();
        let mut keep = Vec::new();
        let open =
            |path: &Path, opts: ReadStreamOptions| create_read_stream(&h, path, opts).unwrap();
        let whole = open(&p.0, ReadStreamOptions::new());
        whole.resume();
        keep.push(whole);
        let missing = open(Path::new("/nonexistent/dir/file"), ReadStreamOptions::new());
        missing.on(ERROR, |_: &Error| {});
        keep.push(missing);
        let isdir = open(&dir.0, ReadStreamOptions::new());
        isdir.on(ERROR, |_: &Error| {});
        isdir.resume();
        keep.push(isdir);
        let early = open(&p.0, ReadStreamOptions::new());
        early.destroy(None);
        keep.push(early);
        let mid = open(&p.0, ReadStreamOptions::new().high_water_mark(1000));
        let m = mid.downgrade();
        mid.on(DATA, move |_: &Chunk| {
            if let Some(m) = m.upgrade() {
                m.destroy(None);
            }
        });
        keep.push(mid);
        let quiet = open(&p.0, ReadStreamOptions::new().emit_close(false));
        quiet.resume();
        keep.push(quiet);
        let kept = open(&p.0, ReadStreamOptions::new().auto_close(false));
        kept.resume();
        keep.push(kept.clone());
        let given = open(
            Path::new(""),
            ReadStreamOptions::new().fd(std::fs::File::open(&p.0).unwrap()),
        );
        given.resume();
        keep.push(given);
        lp.run().unwrap();
        assert!(kept.readable_ended() && !kept.destroyed());
        assert!(!kept.pending(), "auto_close off keeps the fd");
        assert_eq!(fd_count(), with_loop + 1, "the kept one");
        kept.destroy(None);
        lp.run().unwrap();
        assert!(kept.closed() && kept.pending());
        for rs in &keep {
            assert!(rs.closed(), "{rs:?}");
        }
    }
    fds.assert_same();
}

/// Streams dropped without a destroy close their fd: before the loop ran (the open still
/// happens, as in Node), opened but never read, ended with `auto_close` off, paused half
/// way, and with the fd handed back by `take_fd`.
#[test]
fn streams_dropped_undestroyed_close_their_fd() {
    let fds = FdCheck::start();
    let p = file("fr-dropped", &data(2, 100_000));
    {
        let lp = EventLoop::new().unwrap();
        let h = lp.handle();
        let with_loop = fd_count();

        // Made and dropped at once: the loop keeps it through the open, then lets go.
        let opened = Rc::new(Cell::new(false));
        let rs = create_read_stream(&h, &p.0, ReadStreamOptions::new()).unwrap();
        let o = opened.clone();
        rs.on(OPEN, move |_| o.set(true));
        drop(rs);
        lp.run().unwrap();
        assert!(opened.get());
        assert_eq!(fd_count(), with_loop);

        // Opened, never read: the fd is the stream's until it goes.
        let rs = create_read_stream(&h, &p.0, ReadStreamOptions::new()).unwrap();
        lp.run().unwrap();
        assert!(!rs.pending());
        assert_eq!(fd_count(), with_loop + 1);
        drop(rs);
        assert_eq!(fd_count(), with_loop);

        // Ended with auto_close off.
        let rs = create_read_stream(&h, &p.0, ReadStreamOptions::new().auto_close(false)).unwrap();
        rs.resume();
        lp.run().unwrap();
        assert!(rs.readable_ended());
        assert_eq!(fd_count(), with_loop + 1);
        drop(rs);
        assert_eq!(fd_count(), with_loop);

        // Paused half way, with a chunk buffered.
        let rs =
            create_read_stream(&h, &p.0, ReadStreamOptions::new().high_water_mark(4096)).unwrap();
        let r = rs.downgrade();
        rs.on(DATA, move |_: &Chunk| {
            if let Some(r) = r.upgrade() {
                r.pause();
            }
        });
        lp.run().unwrap();
        assert!(rs.bytes_read() > 0 && rs.bytes_read() < 100_000);
        assert_eq!(fd_count(), with_loop + 1);
        drop(rs);
        assert_eq!(fd_count(), with_loop);

        // take_fd: the fd is the caller's, the stream has none.
        let rs = create_read_stream(&h, &p.0, ReadStreamOptions::new().end(9).auto_close(false))
            .unwrap();
        rs.resume();
        lp.run().unwrap();
        let fd = rs.take_fd().expect("the stream holds its fd after the end");
        assert!(rs.pending() && rs.fd().is_none() && rs.take_fd().is_none());
        drop(rs);
        assert_eq!(fd_count(), with_loop + 1);
        assert!(std::fs::File::from(fd).metadata().is_ok());
        assert_eq!(fd_count(), with_loop);
    }
    fds.assert_same();
}

/// A read after `take_fd` has nothing to read from: `EBADF`, as a read of a closed fd.
#[test]
fn a_read_after_take_fd_is_ebadf() {
    let _fds = FdCheck::start();
    let p = file("fr-taken", b"0123456789");
    let lp = EventLoop::new().unwrap();
    let rs = create_read_stream(&lp.handle(), &p.0, ReadStreamOptions::new()).unwrap();
    lp.run().unwrap();
    let fd = rs.take_fd().unwrap();
    let err = error_of(&rs);
    let closed = Rc::new(Cell::new(false));
    let c = closed.clone();
    rs.on(CLOSE, move |_: &()| c.set(true));
    rs.resume();
    lp.run().unwrap();
    let err = err.borrow_mut().take().expect("an error");
    assert_eq!(err.code().as_str(), "EBADF");
    assert_eq!(err.message(), "EBADF: bad file descriptor, read");
    assert!(closed.get());
    drop(fd);
}

/// The loop dropped while a read is in flight: the read's completion has no loop to go to,
/// and the fd it carries closes on the pool thread.
#[test]
fn a_loop_dropped_with_a_read_in_flight_leaks_no_fd() {
    let fds = FdCheck::start();
    let p = fifo("fr-fifo-drop");
    let writer: OwnedFd = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&p.0)
        .unwrap()
        .into();
    {
        let lp = EventLoop::new().unwrap();
        let h = lp.handle();
        let rs = create_read_stream(&h, &p.0, ReadStreamOptions::new()).unwrap();
        rs.resume();
        // Stop a while after 'ready': the read waits on the FIFO by then.
        let h2 = h.clone();
        rs.on(READY, move |_: &()| {
            let h3 = h2.clone();
            h2.set_timeout(Duration::from_millis(30), move || h3.stop());
        });
        lp.run().unwrap();
        assert!(!rs.pending());
        drop(rs);
        drop(lp);
    }
    // The loop is gone; the read still waits on the FIFO, its fd with it.
    assert_eq!(fd_count(), fds.before() + 2, "the writer and the read's fd");
    // The blocked read returns once the writer goes; its fd closes then.
    drop(writer);
    wait_for_fd_count(fds.before());
    fds.assert_same();
}

/// A destroy from the `'open'` listener: `'ready'` still comes (Node emits both in the
/// open's callback), then the construct step closes the fd. Node v20 and v26 print:
/// open false false / destroyed in open / ready true false / tick after open /
/// tick after ready / close true true / tick after close.
#[test]
fn destroy_in_the_open_listener_closes_after_ready() {
    let _fds = FdCheck::start();
    let p = file("fr-open-destroy", b"hello world");
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let rs = create_read_stream(&h, &p.0, ReadStreamOptions::new()).unwrap();
    let log = Log::default();
    for ev in ["open", "ready", "data", "end", "close"] {
        let (l, r, h) = (log.clone(), rs.clone(), h.clone());
        let f = move || {
            l.push(format!("{ev} {} {}", r.destroyed(), r.pending()));
            let l = l.clone();
            h.next_tick(move || l.push(format!("tick after {ev}")));
        };
        match ev {
            "open" => rs.on(OPEN, move |_| f()),
            "data" => rs.on(DATA, move |_: &Chunk| f()),
            _ => rs.on(ev, move |_: &()| f()),
        };
    }
    let (l, r) = (log.clone(), rs.clone());
    rs.on(OPEN, move |_| {
        r.destroy(None);
        l.push("destroyed in open");
    });
    lp.run().unwrap();
    rs.emitter().remove_all_listeners(None);
    assert_eq!(
        log.get(),
        [
            "open false false",
            "destroyed in open",
            "ready true false",
            "tick after open",
            "tick after ready",
            "close true true",
            "tick after close",
        ]
    );
}

/// The stream declares its events: a listener whose payload type cannot match (`'open'`
/// carries an `FdNumber`, `'data'` a `Chunk`) is refused when it is added.
#[test]
fn listeners_of_the_wrong_payload_type_are_refused() {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    let _fds = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let rs = create_read_stream(
        &lp.handle(),
        "/nonexistent/dir/file",
        ReadStreamOptions::new(),
    )
    .unwrap();
    for name in ["open", "ready", "data", "end"] {
        let refused = catch_unwind(AssertUnwindSafe(|| {
            rs.emitter().on(name, |_: &bool| {});
        }));
        assert!(refused.is_err(), "'{name}' took a &bool listener");
    }
    rs.on(ERROR, |_: &Error| {});
    lp.run().unwrap();
}
