//! Load: many concurrent fd streams on one loop.
//!
//! Run with `cargo bench --bench load` (`LOAD_BYTES` overrides the 1 GiB, `LOAD_PAIRS` the
//! 5,000 socket pairs).
//!
//! 1. 5,000 socketpairs = 10,000 concurrent streams (an `FdWritable` on one end, an fd
//!    `Readable` on the other), 1 GiB in total written with backpressure (write until
//!    `false`, resume on `'drain'`); every byte is checked at its offset (no loss, no
//!    reordering); peak RSS is reported. The baseline is the same bytes through one
//!    socketpair with blocking `write`/`read` in two threads (raw syscalls, no loop).
//!    (10,000 socketpairs would need 20,000 descriptors, this machine's hard limit.)
//! 2. Time per `'data'` event of one busy stream (a ping-pong inside the loop: each event
//!    writes the next 64 bytes, so each turn carries one event) with 100 and with 10,000
//!    idle streams registered beside it (the idle streams read dups of one quiet socket);
//!    the ratio shows whether the cost of an event depends on the number of idle streams.
//!    Each is the median of 5 runs, with the min-max beside it.

mod support;

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::time::{Duration, Instant};

use nodestream::events::DRAIN;
use nodestream::stream::readable::{Chunk, Readable, ReadableOptions};
use nodestream::stream::FdWritable;
use nodestream::{EventLoop, LoopHandle, WritableOptions};
use support::Stat;

const CHUNK: usize = 16 * 1024;

/// The bytes: stream `pair` at offset `i` carries `PATTERN[(i + pair) % 251]`, so a
/// chunk is a slice of one shared buffer (no per-byte work on either side).
fn pattern() -> bytes::Bytes {
    thread_local! {
        static P: bytes::Bytes = (0..CHUNK + 64 * 1024 + 251).map(|i| ((i % 251) * 7 + 3) as u8).collect::<Vec<u8>>().into();
    }
    P.with(|p| p.clone())
}

fn slice_at(pair: usize, offset: usize, n: usize) -> bytes::Bytes {
    let s = (offset + pair) % 251;
    pattern().slice(s..s + n)
}

fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn raise_nofile() {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let lim = getrlimit(Resource::Nofile);
    let _ = setrlimit(
        Resource::Nofile,
        Rlimit {
            current: lim.maximum,
            maximum: lim.maximum,
        },
    );
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One writer: `total` bytes of pair `pair`'s pattern, in CHUNK writes, with backpressure.
fn start_writer(lp: &LoopHandle, fd: OwnedFd, pair: usize, total: usize) {
    let w = FdWritable::new(lp, fd, WritableOptions::new()).expect("writable");
    let sent = Rc::new(Cell::new(0usize));
    let pump = {
        let (w, sent) = (w.clone(), sent.clone());
        Rc::new(move || loop {
            let off = sent.get();
            if off == total {
                w.end();
                return;
            }
            let n = CHUNK.min(total - off);
            let buf = slice_at(pair, off, n);
            sent.set(off + n);
            if !w.write(buf) {
                return;
            }
        })
    };
    let p = Rc::downgrade(&pump);
    w.on(DRAIN, move |_| {
        if let Some(p) = p.upgrade() {
            p()
        }
    });
    // The pump (and through it the stream) lives as long as the stream's 'finish'
    // listener holds it; no cycle through the 'drain' listener.
    let keep = RefCell::new(Some(pump.clone()));
    w.on(nodestream::events::CLOSE, move |_| {
        keep.borrow_mut().take();
    });
    pump();
}

struct Totals {
    bytes: Cell<usize>,
    bad: Cell<usize>,
    ended: Cell<usize>,
    events: Cell<usize>,
}

fn start_reader(lp: &LoopHandle, fd: OwnedFd, pair: usize, totals: Rc<Totals>) {
    let r = Readable::from_fd(lp, fd, ReadableOptions::default()).expect("readable");
    let off = Cell::new(0usize);
    let t = totals.clone();
    r.on("data", move |c: &Chunk| {
        let b = c.as_bytes().expect("bytes");
        let start = off.get();
        if b[..] != slice_at(pair, start, b.len())[..] {
            t.bad.set(t.bad.get() + 1);
        }
        off.set(start + b.len());
        t.bytes.set(t.bytes.get() + b.len());
        t.events.set(t.events.get() + 1);
    });
    r.on("end", move |_: &()| {
        totals.ended.set(totals.ended.get() + 1)
    });
}

fn many_streams(pairs: usize, total: usize) -> (Duration, usize, usize) {
    let el = EventLoop::new().expect("loop");
    let lp = el.handle();
    let totals = Rc::new(Totals {
        bytes: Cell::new(0),
        bad: Cell::new(0),
        ended: Cell::new(0),
        events: Cell::new(0),
    });
    let per = total / pairs;
    let start = Instant::now();
    for pair in 0..pairs {
        let (a, b) = UnixStream::pair().expect("socketpair");
        start_writer(&lp, OwnedFd::from(a), pair, per);
        start_reader(&lp, OwnedFd::from(b), pair, totals.clone());
    }
    el.run().expect("run");
    let took = start.elapsed();
    assert_eq!(totals.bad.get(), 0, "corrupted bytes");
    assert_eq!(totals.bytes.get(), per * pairs, "bytes lost");
    assert_eq!(totals.ended.get(), pairs);
    (took, per * pairs, totals.events.get())
}

fn raw_baseline(total: usize) -> Duration {
    let (a, mut b) = UnixStream::pair().expect("socketpair");
    let start = Instant::now();
    let writer = std::thread::spawn(move || {
        let mut a = a;
        let mut sent = 0;
        while sent < total {
            let n = CHUNK.min(total - sent);
            a.write_all(&slice_at(0, sent, n)).unwrap();
            sent += n;
        }
    });
    let mut buf = vec![0u8; 64 * 1024];
    let mut got = 0;
    while got < total {
        let n = b.read(&mut buf).unwrap();
        assert!(n > 0);
        assert!(buf[..n] == slice_at(0, got, n)[..]);
        got += n;
    }
    writer.join().unwrap();
    start.elapsed()
}

/// One busy stream beside `idle` idle ones: nanoseconds per `'data'` event.
fn busy_beside_idle(idle: usize, chunks: usize) -> f64 {
    let el = EventLoop::new().expect("loop");
    let lp = el.handle();
    let (quiet, _quiet_peer) = UnixStream::pair().expect("socketpair");
    let mut idles = Vec::with_capacity(idle);
    for _ in 0..idle {
        let fd = quiet.try_clone().expect("dup");
        idles.push(
            Readable::from_fd(&lp, OwnedFd::from(fd), ReadableOptions::default()).expect("idle"),
        );
        idles.last().unwrap().on("data", |_: &Chunk| {});
    }
    // The busy stream: a ping-pong inside the loop. Each 'data' event on the reading end
    // writes the next 64 bytes on the writing end, so every turn carries one event.
    let (a, b) = UnixStream::pair().expect("socketpair");
    let w = FdWritable::new(&lp, OwnedFd::from(a), WritableOptions::new()).expect("writable");
    let r = Readable::from_fd(&lp, OwnedFd::from(b), ReadableOptions::default()).expect("busy");
    let events = Rc::new(Cell::new(0usize));
    let (e, w2) = (events.clone(), w.clone());
    r.on("data", move |c: &Chunk| {
        assert_eq!(c.as_bytes().expect("bytes").len(), 64);
        e.set(e.get() + 1);
        if e.get() < chunks {
            w2.write(slice_at(0, 0, 64));
        } else {
            w2.end();
        }
    });
    let idles = Rc::new(RefCell::new(idles));
    let start = Instant::now();
    w.write(slice_at(0, 0, 64));
    while events.get() < chunks {
        el.run_once().expect("turn");
    }
    let took = start.elapsed();
    let events = events.get();
    r.destroy(None);
    w.destroy(None);
    r.remove_all_listeners(Some("data"));
    for r in idles.borrow().iter() {
        r.destroy(None);
    }
    el.run().expect("run");
    took.as_nanos() as f64 / events as f64
}

fn main() {
    raise_nofile();
    let pairs = env_usize("LOAD_PAIRS", 5_000);
    let total = env_usize("LOAD_BYTES", 1 << 30);
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::env::consts::ARCH
    );
    let (rss0, _) = rss_kib();
    let (took, moved, events) = many_streams(pairs, total);
    let (rss1, peak) = rss_kib();
    let gbps = moved as f64 / took.as_secs_f64() / 1e9;
    println!(
        "{} streams ({pairs} socketpairs), {} MiB with backpressure: {:.2} s, {:.2} GB/s, {events} data events, no loss",
        pairs * 2,
        moved >> 20,
        took.as_secs_f64(),
        gbps
    );
    println!("RSS: start {rss0} KiB, end {rss1} KiB, peak {peak} KiB");
    let raw = raw_baseline(moved);
    let raw_gbps = moved as f64 / raw.as_secs_f64() / 1e9;
    println!(
        "raw baseline (one socketpair, blocking write/read threads): {:.2} s, {raw_gbps:.2} GB/s",
        raw.as_secs_f64()
    );
    println!(
        "ratio rust/raw (time): {:.2}",
        took.as_secs_f64() / raw.as_secs_f64()
    );

    let chunks = env_usize("LOAD_EVENTS", 50_000);
    let mut runs = [Vec::new(), Vec::new()];
    for _ in 0..5 {
        for (k, idle) in [100, 10_000].into_iter().enumerate() {
            runs[k].push(busy_beside_idle(idle, chunks));
        }
    }
    let [few, many] = runs.map(Stat::of);
    let ns = |s: Stat| format!("{:.0} ns ({:.0}-{:.0})", s.median, s.min, s.max);
    println!(
        "time per event, 1 busy stream + 100 idle, 5 runs: median {}",
        ns(few)
    );
    println!(
        "time per event, 1 busy stream + 10,000 idle, 5 runs: median {}",
        ns(many)
    );
    println!(
        "ratio of medians 10000/100 idle: {:.2}",
        many.median / few.median
    );
}
