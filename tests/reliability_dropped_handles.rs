//! A stream whose every handle is dropped right after `end()` still finishes and closes,
//! as a Node stream does while its handle is open: `'finish'` then `'close'`, the bytes at
//! the reader, and no fd left open. The loop, not the user's handle, keeps a stream alive
//! until its `'close'`.

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use nodestream::events::{CLOSE, FINISH};
use nodestream::fs::{create_write_stream, WriteStreamOptions};
use nodestream::net::unix_pair;
use nodestream::stream::FdWritable;
use nodestream::{EventLoop, Writable, WritableOptions};
use support::{fd_count, fd_lock, pipe, read_all, TempPath};

type Log = Rc<RefCell<Vec<&'static str>>>;

/// Listens for `'finish'` and `'close'`, ends with `"bye"`, and drops the handle.
fn end_and_drop(w: &Writable, log: &Log) {
    let l = log.clone();
    w.on(FINISH, move |_| l.borrow_mut().push("finish"));
    let l = log.clone();
    w.on(CLOSE, move |_| l.borrow_mut().push("close"));
    w.end_with("bye");
}

#[test]
fn an_fd_writable_dropped_after_end_finishes_and_closes() {
    let _fds = fd_lock();
    let before = fd_count();
    let lp = EventLoop::new().unwrap();
    let log = Log::default();
    let (r, w) = pipe();
    end_and_drop(
        FdWritable::new(&lp.handle(), w, WritableOptions::new())
            .unwrap()
            .as_writable(),
        &log,
    );
    lp.run().unwrap();
    assert_eq!(*log.borrow(), ["finish", "close"]);
    assert_eq!(read_all(r), b"bye");
    drop(lp);
    assert_eq!(fd_count(), before);
}

#[test]
fn a_socket_dropped_after_end_finishes_and_closes() {
    let _fds = fd_lock();
    let before = fd_count();
    let lp = EventLoop::new().unwrap();
    let log = Log::default();
    let (a, b) = unix_pair(&lp.handle()).unwrap();
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    b.readable.on(
        nodestream::events::DATA,
        move |c: &nodestream::stream::readable::Chunk| {
            g.borrow_mut()
                .extend_from_slice(c.as_bytes().unwrap_or_default())
        },
    );
    // The peer ends too, so that the socket closes both ways.
    b.writable.end();
    end_and_drop(a.writable.as_writable(), &log);
    drop(a);
    lp.run().unwrap();
    assert_eq!(*log.borrow(), ["finish", "close"]);
    assert_eq!(*got.borrow(), b"bye");
    drop(b);
    drop(lp);
    assert_eq!(fd_count(), before);
}

#[test]
fn a_file_write_stream_dropped_after_end_finishes_and_closes() {
    let _fds = fd_lock();
    let before = fd_count();
    let path = TempPath::new("dropped-after-end");
    let lp = EventLoop::new().unwrap();
    let log = Log::default();
    end_and_drop(
        create_write_stream(&lp.handle(), &path.0, WriteStreamOptions::new())
            .unwrap()
            .as_writable(),
        &log,
    );
    lp.run().unwrap();
    assert_eq!(*log.borrow(), ["finish", "close"]);
    assert_eq!(std::fs::read(&path.0).unwrap(), b"bye");
    drop(lp);
    assert_eq!(fd_count(), before);
}
