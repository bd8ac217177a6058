//! `destroy()` from inside every event of the fd streams, and from inside a write
//! callback: the loop never panics or hangs, `'close'` comes exactly once and last, no
//! event follows it, and every descriptor is released.

mod support;

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::rc::Rc;

use nodestream::events::{CLOSE, DRAIN, ERROR, FINISH, PREFINISH};
use nodestream::fdpass::send_with_fds;
use nodestream::net::{PassedFd, Socket, FD};
use nodestream::stream::readable::{Chunk, Readable, ReadableOptions};
use nodestream::stream::FdWritable;
use nodestream::{Error, EventLoop, WritableOptions};
use support::{data, FdCheck};

type Log = Rc<RefCell<Vec<String>>>;

fn check_close_last(log: &[String], target: &str) {
    let closes = log.iter().filter(|s| *s == "close").count();
    assert_eq!(closes, 1, "destroy in {target}: {log:?}");
    assert_eq!(
        log.last().map(String::as_str),
        Some("close"),
        "destroy in {target}: {log:?}"
    );
    assert!(
        log.iter()
            .any(|s| s == target || s.starts_with(&format!("{target} "))),
        "{target} never fired: {log:?}"
    );
}

/// An FdWritable over a pipe, destroyed from inside `target`.
fn writable_case(target: &'static str) {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let (rx, tx) = support::pipe();
    // The reader starts only once the writes are made, so the 1 MiB write cannot
    // complete inside write() (which would owe no 'drain').
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let reader = if target == "error" {
        drop(rx);
        None
    } else {
        Some(std::thread::spawn(move || {
            let _ = wait.recv();
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut std::fs::File::from(rx), &mut v).unwrap();
            v.len()
        }))
    };
    let w = FdWritable::new(&el.handle(), tx, WritableOptions::new()).unwrap();
    let log: Log = Rc::default();
    let done = Rc::new(Cell::new(false));
    let hook = {
        let (w, done) = (w.downgrade_hack(), done.clone());
        move |name: &str| {
            if name == target && !done.replace(true) {
                if let Some(w) = w.upgrade() {
                    w.destroy(None);
                }
            }
        }
    };
    let hook = Rc::new(hook);
    for (name, key) in [
        ("drain", DRAIN),
        ("prefinish", PREFINISH),
        ("finish", FINISH),
        ("close", CLOSE),
    ] {
        let (l, h) = (log.clone(), hook.clone());
        w.on(key, move |_| {
            l.borrow_mut().push(name.to_string());
            h(name);
        });
    }
    let (l, h) = (log.clone(), hook.clone());
    w.on(ERROR, move |e: &Error| {
        l.borrow_mut().push(format!("error {}", e.code()));
        h("error");
    });
    let (l, h) = (log.clone(), hook.clone());
    // Refused at once (false), so a 'drain' is owed.
    assert!(!w.write_cb(data(1, 1 << 20), move |e| {
        l.borrow_mut().push(format!(
            "cb {}",
            e.map_or("ok".into(), |e| e.code().to_string())
        ));
        h("cb");
    }));
    w.write(data(2, 1000));
    if target != "drain" {
        // 'drain' is owed only while the stream is not ending.
        w.end();
    }
    let _ = go.send(());
    el.run().unwrap();
    check_close_last(&log.borrow(), target);
    drop(w);
    if let Some(r) = reader {
        r.join().unwrap();
    }
    drop(el);
    check.assert_same();
}

/// A weak handle to the FdWritable's Writable, so a listener does not keep it alive.
trait DowngradeHack {
    fn downgrade_hack(&self) -> WeakW;
}

struct WeakW(Rc<RefCell<Option<FdWritable>>>);

impl WeakW {
    fn upgrade(&self) -> Option<FdWritable> {
        self.0.borrow().clone()
    }
}

impl DowngradeHack for FdWritable {
    fn downgrade_hack(&self) -> WeakW {
        // The slot is cleared on 'close', which breaks the cycle.
        let slot = Rc::new(RefCell::new(Some(self.clone())));
        let s = slot.clone();
        self.on(CLOSE, move |_| {
            s.borrow_mut().take();
        });
        WeakW(slot)
    }
}

#[test]
fn destroy_inside_drain() {
    writable_case("drain");
}

#[test]
fn destroy_inside_write_callback() {
    writable_case("cb");
}

#[test]
fn destroy_inside_prefinish() {
    writable_case("prefinish");
}

#[test]
fn destroy_inside_finish() {
    writable_case("finish");
}

#[test]
fn destroy_inside_writable_error() {
    writable_case("error");
}

#[test]
fn destroy_inside_writable_close() {
    writable_case("close");
}

/// A Readable over a pipe, destroyed from inside `target`.
fn readable_case(target: &'static str) {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let (rx, tx) = support::pipe();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::File::from(tx);
        for c in data(4, 256 * 1024).chunks(8192) {
            if f.write_all(c).is_err() {
                return; // the reader was destroyed
            }
        }
    });
    let r = Readable::from_fd(&el.handle(), rx, ReadableOptions::default()).unwrap();
    let log: Log = Rc::default();
    let done = Rc::new(Cell::new(false));
    let weak = r.downgrade();
    let hook = Rc::new(move |name: &str| {
        if name == target && !done.replace(true) {
            if let Some(r) = weak.upgrade() {
                r.destroy(None);
            }
        }
    });
    if target == "readable" {
        let (l, h, weak) = (log.clone(), hook.clone(), r.downgrade());
        r.on("readable", move |_: &()| {
            l.borrow_mut().push("readable".into());
            h("readable");
            if let Some(r) = weak.upgrade() {
                while r.read().is_some() {}
            }
        });
    } else {
        let (l, h) = (log.clone(), hook.clone());
        r.on("data", move |_: &Chunk| {
            l.borrow_mut().push("data".into());
            h("data");
        });
    }
    for name in ["end", "close", "pause", "resume"] {
        let (l, h) = (log.clone(), hook.clone());
        r.on(name, move |_: &()| {
            l.borrow_mut().push(name.into());
            h(name);
        });
    }
    let (l, h) = (log.clone(), hook.clone());
    r.on("error", move |e: &Error| {
        l.borrow_mut().push(format!("error {}", e.code()));
        h("error");
    });
    match target {
        "pause" => {
            r.pause();
            r.resume();
        }
        "error" => {
            r.destroy(Some(Error::custom("EBOOM", "boom")));
        }
        _ => {}
    }
    el.run().unwrap();
    let l = log.borrow().clone();
    check_close_last(&l, target);
    assert!(!l.iter().skip_while(|s| *s != "close").skip(1).any(|_| true));
    drop(r);
    writer.join().unwrap();
    drop(el);
    check.assert_same();
}

#[test]
fn destroy_inside_data() {
    readable_case("data");
}

#[test]
fn destroy_inside_readable() {
    readable_case("readable");
}

#[test]
fn destroy_inside_end() {
    readable_case("end");
}

#[test]
fn destroy_inside_pause() {
    readable_case("pause");
}

#[test]
fn destroy_inside_resume() {
    readable_case("resume");
}

#[test]
fn destroy_inside_readable_error() {
    readable_case("error");
}

#[test]
fn destroy_inside_readable_close() {
    readable_case("close");
}

/// A Unix socket destroyed from inside its first `'fd'`: the descriptors of that message
/// not yet handed out and those of later messages are closed; nothing leaks.
#[test]
fn destroy_inside_fd() {
    let check = FdCheck::start();
    let el = EventLoop::new().unwrap();
    let (ours, peer) = UnixStream::pair().unwrap();
    let s = Socket::from_fd(&el.handle(), OwnedFd::from(ours)).unwrap();
    let slot = Rc::new(RefCell::new(Some(s.clone())));
    let log: Log = Rc::default();
    let (l, sl) = (log.clone(), slot.clone());
    s.readable.on(FD, move |p: &PassedFd| {
        l.borrow_mut().push("fd".into());
        let _kept = p.take();
        if let Some(s) = sl.borrow_mut().take() {
            s.destroy(None);
        }
    });
    let l = log.clone();
    s.readable
        .on("data", move |_: &Chunk| l.borrow_mut().push("data".into()));
    let l = log.clone();
    s.readable
        .on("close", move |_: &()| l.borrow_mut().push("close".into()));
    let a = std::fs::File::open("/dev/null").unwrap();
    for _ in 0..3 {
        send_with_fds(&peer, b"abc", &[a.as_fd(), a.as_fd(), a.as_fd()]).unwrap();
    }
    el.run().unwrap();
    let l = log.borrow().clone();
    assert_eq!(l.iter().filter(|s| *s == "close").count(), 1, "{l:?}");
    assert_eq!(l.last().map(String::as_str), Some("close"), "{l:?}");
    assert!(
        !l.contains(&"data".to_string()),
        "data after destroy: {l:?}"
    );
    drop((s, slot, peer, a, el));
    check.assert_same();
}
