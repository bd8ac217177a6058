//! Soak: open and close 100,000 streams and pass 100,000 descriptors on one loop, then
//! compare the descriptor count and the resident memory with where they started.
//!
//! Run with `cargo run --release --example soak` (a minute or two; not part of CI).
//! `SOAK_STREAMS` and `SOAK_FDS` change the counts. It fails (exit status 1) if a
//! descriptor leaked, or if resident memory after the run exceeds the level reached after
//! the first batch (the warm-up: allocator arenas, the loop's tables) by more than 16 MiB.

use std::cell::{Cell, RefCell};
use std::os::fd::OwnedFd;
use std::rc::Rc;
use std::time::Instant;

use nodestream::events::{CLOSE, DRAIN};
use nodestream::net::{unix_pair, PassedFd, FD};
use nodestream::stream::readable::Chunk;
use nodestream::EventLoop;

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Opens `n` socket streams in pairs (`n / 2` connections), writes 100 bytes each way,
/// ends both sides and runs the loop until every stream has closed.
fn streams_batch(el: &EventLoop, n: usize) -> usize {
    let lp = el.handle();
    let closed = Rc::new(Cell::new(0usize));
    let bytes = Rc::new(Cell::new(0usize));
    for _ in 0..n / 2 {
        let (a, b) = unix_pair(&lp).expect("unix_pair");
        for s in [&a, &b] {
            let by = bytes.clone();
            s.readable.on("data", move |c: &Chunk| {
                by.set(by.get() + c.as_bytes().map_or(0, <[u8]>::len))
            });
            let cl = closed.clone();
            s.readable.on("close", move |_: &()| cl.set(cl.get() + 1));
            s.writable.end_with(vec![7u8; 100]);
        }
    }
    el.run().expect("run");
    assert_eq!(bytes.get(), n * 100, "bytes lost");
    assert_eq!(closed.get(), n, "streams left open");
    n
}

/// Passes `n` descriptors (dups of /dev/null) over one connection, one per 1-byte write,
/// with backpressure; the receiver takes each one in `'fd'` and closes it.
fn fds_batch(el: &EventLoop, n: usize) -> usize {
    let lp = el.handle();
    let (tx, rx) = unix_pair(&lp).expect("unix_pair");
    let null = std::fs::File::open("/dev/null").expect("/dev/null");
    let got = Rc::new(Cell::new(0usize));
    let g = got.clone();
    rx.readable.on(FD, move |p: &PassedFd| {
        drop(p.take().expect("fd"));
        g.set(g.get() + 1);
    });
    rx.readable.on("data", |_: &Chunk| {});
    let sent = Rc::new(Cell::new(0usize));
    let pump: Rc<dyn Fn()> = {
        let (w, sent) = (tx.writable.clone(), sent.clone());
        Rc::new(move || loop {
            if sent.get() == n {
                w.end();
                return;
            }
            sent.set(sent.get() + 1);
            let fd: OwnedFd = null.try_clone().expect("dup").into();
            if !w.write_with_fds(vec![1u8], vec![fd], |e| assert!(e.is_none(), "{e:?}")) {
                return;
            }
        })
    };
    let weak = Rc::downgrade(&pump);
    tx.writable.on(DRAIN, move |_| {
        if let Some(p) = weak.upgrade() {
            p()
        }
    });
    let keep = RefCell::new(Some(pump.clone()));
    tx.writable
        .on(CLOSE, move |_| drop(keep.borrow_mut().take()));
    pump();
    drop(pump);
    el.run().expect("run");
    // The sender's readable side was never consumed: destroy what is left.
    tx.destroy(None);
    rx.destroy(None);
    el.run().expect("run");
    assert_eq!(got.get(), n, "descriptors lost");
    n
}

fn main() {
    let streams = env("SOAK_STREAMS", 100_000);
    let fds = env("SOAK_FDS", 100_000);
    let batch = 1_000;
    let el = EventLoop::new().expect("loop");
    let (fd0, rss0) = (fd_count(), rss_kib());
    println!("start: {fd0} fds, RSS {rss0} KiB");
    let t = Instant::now();
    let mut done = streams_batch(&el, batch.min(streams));
    done += fds_batch(&el, batch.min(fds));
    let (fd_warm, rss_warm) = (fd_count(), rss_kib());
    println!("after warm-up: {fd_warm} fds, RSS {rss_warm} KiB");
    let mut opened = batch.min(streams);
    while opened < streams {
        let n = batch.min(streams - opened);
        opened += streams_batch(&el, n);
    }
    let mut passed = batch.min(fds);
    while passed < fds {
        let n = (10 * batch).min(fds - passed);
        passed += fds_batch(&el, n);
    }
    done += opened + passed;
    drop(el);
    let (fd1, rss1) = (fd_count(), rss_kib());
    println!(
        "end: {fd1} fds, RSS {rss1} KiB ({opened} streams opened and closed, {passed} fds passed, {:.1} s)",
        t.elapsed().as_secs_f64()
    );
    let _ = done;
    let mut ok = true;
    // The loop itself was dropped: its three descriptors are gone too.
    if fd1 + 3 != fd0 {
        println!(
            "FAIL: descriptor count {fd0} -> {fd1} (expected {})",
            fd0 - 3
        );
        ok = false;
    }
    if rss1 > rss_warm + 16 * 1024 {
        println!("FAIL: RSS grew from {rss_warm} KiB after warm-up to {rss1} KiB");
        ok = false;
    }
    if !ok {
        std::process::exit(1);
    }
    println!("ok: no descriptor leaked, RSS flat after warm-up");
}
