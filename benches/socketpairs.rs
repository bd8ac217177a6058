//! Many concurrent streams on one loop: 10,000 socketpairs, each moving 1 MiB with
//! backpressure, and the memory an idle stream costs.
//!
//! - Transfer: on each pair an [`FdWritable`] writes 1 MiB in 16 KiB chunks with the "write
//!   until `false`, wait for `'drain'`" pattern and ends; a [`Readable::from_fd`] on the other
//!   end checksums what arrives. Every stream's bytes differ from its neighbours', and each
//!   stream's length and checksum are checked at `'end'`: no byte lost, duplicated or
//!   crossed. All of it is driven by one [`EventLoop`]. Baseline in the same run: the same
//!   transfer with raw nonblocking `write`/`read` calls on a bare mio poll (no streams).
//! - Idle memory: 10,000 idle FdWritable + Readable pairs, measured as live heap bytes (a
//!   counting global allocator: our own state) and as resident-set growth, each minus the
//!   same measure for 10,000 bare socketpairs (the kernel's socket memory is not in either).
//!
//! RLIMIT_NOFILE's soft limit is raised to the hard limit first; the run needs two fds per
//! pair, and when the hard limit is too low the pair count is scaled down (and says so).
//!
//! Run with `cargo bench --bench socketpairs` (`PAIRS=n` and `BYTES=n` change the sizes;
//! `IDLE_ONLY=1` measures the idle memory only).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::os::fd::OwnedFd;
use std::rc::Rc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use bytes::Bytes;
use nodestream::events::DRAIN;
use nodestream::fdpass::{socketpair, SocketKind};
use nodestream::stream::readable::{Chunk, Readable, ReadableOptions, DATA, END};
use nodestream::stream::FdWritable;
use nodestream::{EventLoop, Writable, WritableOptions};

/// Counts live heap bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only a counter is
// updated beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const CHUNK: usize = 16 * 1024;
/// Distinct stream contents (stream i starts at offset (i % VARIANTS) * 4 KiB of one buffer).
const VARIANTS: usize = 61;
/// The kernel's send buffer asked for on each writing socket (the kernel doubles it):
/// bounds the kernel memory of 10,000 full sockets.
const SNDBUF: usize = 32 * 1024;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Raises the soft fd limit to the hard one; returns the soft limit now in force.
fn raise_nofile() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut lim = getrlimit(Resource::Nofile);
    if lim.current != lim.maximum {
        lim.current = lim.maximum;
        if let Err(e) = setrlimit(Resource::Nofile, lim) {
            println!("could not raise RLIMIT_NOFILE: {e}");
        }
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count().saturating_sub(1))
}

fn rss_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// A position-dependent checksum over a byte stream cut anywhere.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
struct Sum {
    h: u64,
    carry: [u8; 8],
    fill: usize,
    len: u64,
}

impl Sum {
    fn word(&mut self, w: u64) {
        self.h = (self.h.rotate_left(7) ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn add(&mut self, mut data: &[u8]) {
        self.len += data.len() as u64;
        if self.fill > 0 {
            let take = (8 - self.fill).min(data.len());
            self.carry[self.fill..self.fill + take].copy_from_slice(&data[..take]);
            self.fill += take;
            data = &data[take..];
            if self.fill < 8 {
                return;
            }
            self.word(u64::from_le_bytes(self.carry));
            self.fill = 0;
        }
        let mut words = data.chunks_exact(8);
        for w in &mut words {
            self.word(u64::from_le_bytes(w.try_into().expect("8 bytes")));
        }
        let rest = words.remainder();
        self.carry[..rest.len()].copy_from_slice(rest);
        self.fill = rest.len();
    }

    fn finish(mut self) -> (u64, u64) {
        for b in &mut self.carry[self.fill..] {
            *b = 0;
        }
        if self.fill > 0 {
            self.word(u64::from_le_bytes(self.carry));
        }
        self.word(self.len);
        (self.h, self.len)
    }
}

struct Data {
    big: Bytes,
    bytes: usize,
    expected: Vec<(u64, u64)>,
}

impl Data {
    fn new(bytes: usize) -> Data {
        let total = bytes + VARIANTS * 4096;
        let mut x: u32 = 0x1234_5678;
        let big: Vec<u8> = (0..total)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 24) as u8
            })
            .collect();
        let expected = (0..VARIANTS)
            .map(|v| {
                let mut s = Sum::default();
                s.add(&big[v * 4096..v * 4096 + bytes]);
                s.finish()
            })
            .collect();
        Data {
            big: Bytes::from(big),
            bytes,
            expected,
        }
    }

    fn stream(&self, i: usize) -> Bytes {
        let at = (i % VARIANTS) * 4096;
        self.big.slice(at..at + self.bytes)
    }
}

fn pairs(n: usize) -> Vec<(OwnedFd, OwnedFd)> {
    (0..n)
        .map(|_| {
            let (a, b) = socketpair(SocketKind::Stream, true).expect("socketpair");
            rustix::net::sockopt::set_socket_send_buffer_size(&a, SNDBUF).expect("SO_SNDBUF");
            (a, b)
        })
        .collect()
}

/// Writes `data` in CHUNK slices with the drain pattern, then ends.
fn write_stream(w: Writable, data: Bytes, at: Rc<Cell<usize>>) {
    loop {
        let start = at.get();
        let end = (start + CHUNK).min(data.len());
        at.set(end);
        let chunk = data.slice(start..end);
        if end == data.len() {
            w.end_with(chunk);
            return;
        }
        if !w.write(chunk) {
            let w2 = w.clone();
            w.once(DRAIN, move |_| {
                write_stream(w2.clone(), data.clone(), at.clone())
            });
            return;
        }
    }
}

struct Outcome {
    secs: f64,
    ok: usize,
    bad: usize,
    drains: u64,
}

fn transfer_streams(n: usize, data: &Data) -> Outcome {
    let lp = EventLoop::new().expect("loop");
    let h = lp.handle();
    let ok = Rc::new(Cell::new(0usize));
    let bad = Rc::new(Cell::new(0usize));
    let drains = Rc::new(Cell::new(0u64));
    let mut streams = Vec::with_capacity(n);
    for (i, (a, b)) in pairs(n).into_iter().enumerate() {
        let w = FdWritable::new(&h, a, WritableOptions::new()).expect("FdWritable");
        let r = Readable::from_fd(&h, b, ReadableOptions::default()).expect("Readable");
        let sum = Rc::new(RefCell::new(Sum::default()));
        let s = sum.clone();
        r.on(DATA, move |c: &Chunk| {
            s.borrow_mut().add(c.as_bytes().unwrap_or_default())
        });
        let expected = data.expected[i % VARIANTS];
        let (ok2, bad2) = (ok.clone(), bad.clone());
        r.on(END, move |_: &()| {
            if sum.borrow().finish() == expected {
                ok2.set(ok2.get() + 1);
            } else {
                bad2.set(bad2.get() + 1);
            }
        });
        let d = drains.clone();
        w.on(DRAIN, move |_| d.set(d.get() + 1));
        streams.push((w, r, data.stream(i)));
    }
    let start = Instant::now();
    for (w, _, bytes) in &streams {
        write_stream(
            w.as_writable().clone(),
            bytes.clone(),
            Rc::new(Cell::new(0)),
        );
    }
    lp.run().expect("loop");
    let secs = start.elapsed().as_secs_f64();
    drop(streams);
    Outcome {
        secs,
        ok: ok.get(),
        bad: bad.get(),
        drains: drains.get(),
    }
}

/// The same transfer with raw nonblocking calls on a bare mio poll.
fn transfer_raw(n: usize, data: &Data) -> Outcome {
    use mio::unix::SourceFd;
    use mio::{Events, Interest, Poll, Token};
    use std::os::fd::AsRawFd;

    struct Pair {
        w: Option<OwnedFd>,
        r: Option<OwnedFd>,
        sent: usize,
        sum: Sum,
    }
    let mut poll = Poll::new().expect("poll");
    let mut ps: Vec<Pair> = pairs(n)
        .into_iter()
        .map(|(a, b)| Pair {
            w: Some(a),
            r: Some(b),
            sent: 0,
            sum: Sum::default(),
        })
        .collect();
    for (i, p) in ps.iter().enumerate() {
        let (w, r) = (p.w.as_ref().expect("w"), p.r.as_ref().expect("r"));
        poll.registry()
            .register(
                &mut SourceFd(&w.as_raw_fd()),
                Token(2 * i),
                Interest::WRITABLE,
            )
            .expect("register");
        poll.registry()
            .register(
                &mut SourceFd(&r.as_raw_fd()),
                Token(2 * i + 1),
                Interest::READABLE,
            )
            .expect("register");
    }
    let mut buf = vec![0u8; 64 * 1024];
    let (mut ok, mut bad, mut open) = (0, 0, n);
    let mut events = Events::with_capacity(1024);
    let start = Instant::now();
    let streams: Vec<Bytes> = (0..n).map(|i| data.stream(i)).collect();
    // Every fd starts ready: run each side once, then follow the edges.
    let mut ready: Vec<usize> = (0..2 * n).collect();
    loop {
        for t in ready.drain(..) {
            let (i, writer) = (t / 2, t % 2 == 0);
            let p = &mut ps[i];
            if writer {
                let Some(w) = &p.w else { continue };
                let bytes = &streams[i];
                while p.sent < bytes.len() {
                    let end = (p.sent + CHUNK).min(bytes.len());
                    match rustix::net::send(
                        w,
                        &bytes[p.sent..end],
                        rustix::net::SendFlags::NOSIGNAL,
                    ) {
                        Ok(k) => p.sent += k,
                        Err(rustix::io::Errno::AGAIN) => break,
                        Err(e) => panic!("send: {e}"),
                    }
                }
                if p.sent == bytes.len() {
                    let w = p.w.take().expect("w");
                    let _ = poll.registry().deregister(&mut SourceFd(&w.as_raw_fd()));
                }
            } else {
                let Some(r) = &p.r else { continue };
                loop {
                    match rustix::io::read(r, &mut buf) {
                        Ok(0) => {
                            let r = p.r.take().expect("r");
                            let _ = poll.registry().deregister(&mut SourceFd(&r.as_raw_fd()));
                            if p.sum.finish() == data.expected[i % VARIANTS] {
                                ok += 1;
                            } else {
                                bad += 1;
                            }
                            open -= 1;
                            break;
                        }
                        Ok(k) => p.sum.add(&buf[..k]),
                        Err(rustix::io::Errno::AGAIN) => break,
                        Err(e) => panic!("read: {e}"),
                    }
                }
            }
        }
        if open == 0 {
            break;
        }
        poll.poll(&mut events, None).expect("poll");
        ready.extend(events.iter().map(|e| e.token().0));
    }
    Outcome {
        secs: start.elapsed().as_secs_f64(),
        ok,
        bad,
        drains: 0,
    }
}

/// Heap and RSS growth for `n` idle pairs: bare socketpairs, and stream pairs.
fn idle_memory(n: usize) {
    let settle = || std::thread::sleep(std::time::Duration::from_millis(20));
    // Bare socketpairs: the fd table and nothing of ours.
    settle();
    let (h0, r0) = (live(), rss_bytes());
    let bare = pairs(n);
    let (h1, r1) = (live(), rss_bytes());
    drop(bare);
    let (bare_heap, bare_rss) = (
        (h1 - h0) as f64 / n as f64,
        (r1 as f64 - r0 as f64) / n as f64,
    );

    let lp = EventLoop::new().expect("loop");
    let h = lp.handle();
    let fds0 = fd_count();
    settle();
    let (h0, r0) = (live(), rss_bytes());
    let streams: Vec<(FdWritable, Readable)> = pairs(n)
        .into_iter()
        .map(|(a, b)| {
            (
                FdWritable::new(&h, a, WritableOptions::new()).expect("FdWritable"),
                Readable::from_fd(&h, b, ReadableOptions::default()).expect("Readable"),
            )
        })
        .collect();
    // One turn: whatever the streams schedule on creation has run.
    lp.dispatch(Some(std::time::Duration::ZERO))
        .expect("dispatch");
    let (h1, r1) = (live(), rss_bytes());
    let heap = (h1 - h0) as f64 / n as f64;
    let rss = (r1 as f64 - r0 as f64) / n as f64;
    println!(
        "idle: {n} FdWritable + Readable pairs: heap {:.0} B per pair ({:.0} B minus bare socketpairs), RSS {:.0} B per pair ({:.0} B minus bare socketpairs)",
        heap,
        heap - bare_heap,
        rss,
        rss - bare_rss
    );
    println!(
        "  bare socketpairs alone: heap {bare_heap:.0} B, RSS {bare_rss:.0} B per pair (Vec of fds and the fd table)"
    );
    println!(
        "  under 1024 B of our own state for the whole pair: {}",
        if heap - bare_heap < 1024.0 {
            "yes"
        } else {
            "no"
        }
    );
    for (w, r) in &streams {
        w.destroy(None);
        r.destroy(None);
    }
    lp.run().expect("loop");
    drop(streams);
    // Each side alone, to show where the bytes are.
    let (h0, ps) = (live(), pairs(n));
    let ws: Vec<FdWritable> = ps
        .into_iter()
        .map(|(a, _b)| FdWritable::new(&h, a, WritableOptions::new()).expect("FdWritable"))
        .collect();
    lp.dispatch(Some(std::time::Duration::ZERO))
        .expect("dispatch");
    let w_heap = (live() - h0) as f64 / n as f64 - bare_heap;
    ws.iter().for_each(|w| w.destroy(None));
    lp.run().expect("loop");
    drop(ws);
    let (h0, ps) = (live(), pairs(n));
    let rs: Vec<Readable> = ps
        .into_iter()
        .map(|(_a, b)| Readable::from_fd(&h, b, ReadableOptions::default()).expect("Readable"))
        .collect();
    lp.dispatch(Some(std::time::Duration::ZERO))
        .expect("dispatch");
    let r_heap = (live() - h0) as f64 / n as f64 - bare_heap;
    rs.iter().for_each(|r| {
        r.destroy(None);
    });
    lp.run().expect("loop");
    drop(rs);
    println!("  of which: FdWritable alone {w_heap:.0} B, Readable::from_fd alone {r_heap:.0} B");
    println!(
        "  goal: under 1024 B of our own state per idle stream: {}",
        if w_heap < 1024.0 && r_heap < 1024.0 {
            "met (each side)"
        } else {
            "NOT met"
        }
    );
    // The Readable's layers, each alone (no fd): its emitter, and the stream over a no-op
    // source; the rest of `Readable::from_fd` is its fd state and loop registration.
    let h0 = live();
    let ems: Vec<nodestream::events::EventEmitter> = (0..n)
        .map(|_| nodestream::events::EventEmitter::new())
        .collect();
    let em_heap = (live() - h0) as f64 / n as f64;
    drop(ems);
    let h0 = live();
    let plain: Vec<Readable> = (0..n)
        .map(|_| Readable::new(&h, ReadableOptions::default(), |_: &Readable, _: usize| {}))
        .collect();
    let plain_heap = (live() - h0) as f64 / n as f64;
    drop(plain);
    println!(
        "  Readable layers: an EventEmitter {em_heap:.0} B, Readable::new (no-op source, emitter included) {plain_heap:.0} B, fd state and loop registration {:.0} B",
        r_heap - plain_heap
    );
    println!(
        "  fds after destroying them all: {} (before: {fds0})",
        fd_count()
    );
}

/// Idle `net::Socket`s (one Duplex over one fd each, made with `Socket::from_fd` on one end
/// of a Unix socketpair): live heap and fds per socket, minus bare socketpairs. The issue's
/// goal: at most 1 KiB of heap and one fd per idle socket (Node: about 4 KiB of RSS per
/// idle `net.Socket`).
fn idle_sockets(n: usize) {
    let settle = || std::thread::sleep(std::time::Duration::from_millis(20));
    settle();
    let h0 = live();
    let bare = pairs(n);
    let bare_heap = (live() - h0) as f64 / n as f64;
    drop(bare);
    let lp = EventLoop::new().expect("loop");
    let h = lp.handle();
    settle();
    let fds0 = fd_count();
    let h0 = live();
    let sockets: Vec<(nodestream::net::Socket, OwnedFd)> = pairs(n)
        .into_iter()
        .map(|(a, b)| (nodestream::net::Socket::from_fd(&h, a).expect("Socket"), b))
        .collect();
    lp.dispatch(Some(std::time::Duration::ZERO))
        .expect("dispatch");
    let heap = (live() - h0) as f64 / n as f64 - bare_heap;
    // Each pair is two fds: the socket's, and its peer's (held by the bench).
    let fds = (fd_count() - fds0) as f64 / n as f64 - 1.0;
    println!(
        "idle: {n} net::Socket (one Duplex each): heap {heap:.0} B per socket minus bare socketpairs, {fds:.2} fd per socket (goal: <= 1024 B and 1 fd)"
    );
    drop(sockets);
    lp.run().expect("loop");
}

fn main() {
    let limit = raise_nofile();
    let want = env_usize("PAIRS", 10_000);
    // Two fds per pair, plus the loop's, stdio and some slack.
    let room = (limit.min(1 << 30) as usize).saturating_sub(fd_count() + 64) / 2;
    let n = want.min(room);
    if n < want {
        println!(
            "RLIMIT_NOFILE hard limit {limit} allows {n} pairs, not {want}: scaled down to {n}"
        );
    }
    let bytes = env_usize("BYTES", 1 << 20);
    println!(
        "socketpairs: {n} concurrent streams x {bytes} bytes, {CHUNK}-byte writes, SO_SNDBUF {SNDBUF}, one loop; {} cores {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::env::consts::ARCH
    );
    idle_memory(n);
    idle_sockets(n);
    if std::env::var_os("IDLE_ONLY").is_some() {
        return;
    }
    let data = Data::new(bytes);
    let total = (n * bytes) as f64;
    let s = transfer_streams(n, &data);
    println!(
        "streams: {:.3} s, {:.0} MB/s, {} streams intact, {} corrupt, {} drains",
        s.secs,
        total / 1e6 / s.secs,
        s.ok,
        s.bad,
        s.drains
    );
    let r = transfer_raw(n, &data);
    println!(
        "raw syscalls (mio, no streams): {:.3} s, {:.0} MB/s, {} streams intact, {} corrupt",
        r.secs,
        total / 1e6 / r.secs,
        r.ok,
        r.bad
    );
    println!("ratio streams/raw: {:.2}", s.secs / r.secs);
    if s.ok != n || s.bad != 0 || r.ok != n {
        println!("BYTES LOST OR CORRUPTED");
        std::process::exit(1);
    }
}
