//! Benchmark: descriptors through the fd-passing stream, against raw syscalls.
//!
//! Run with `cargo bench --bench fd_stream` (`FDS=n` descriptors per run, default 100,000;
//! `ROUNDS=n`, default 3). Two shapes: one descriptor per 1-byte message, and ten per
//! message. Each passes `FDS` descriptors over a Unix socketpair, on one thread:
//!
//! - `rust`: a [`Socket`] pair on one loop. The sender keeps [`WINDOW`] messages in flight
//!   with `FdWritable::write_with_fds` (each descriptor a `dup` of `/dev/null`, which the
//!   stream closes once sent); the receiver's `'fd'` listener takes and closes each
//!   descriptor, its `'data'` listener counts the bytes and tops the window up.
//! - `raw`: the same work with blocking `send_with_fds`/`recv_with_fds` from
//!   `nodestream::fdpass`: `dup`, send, close the sent copy, `WINDOW` messages at a time,
//!   then receive them and close each received descriptor. No loop, no events. This is
//!   the ratio's baseline.
//! - `raw, ends in an epoll set`: `raw` with the ends registered in an epoll instance
//!   (never waited on) as the loop registers a `Socket` pair, shown for reference: the
//!   kernel's wakeup callbacks, which every registered stream pays, are the difference to
//!   `raw`.
//!
//! Both count every descriptor received; the process's descriptor count is checked to be
//! back where it began after each run. Rounds alternate (`ROUNDS`, default 5); each side's
//! median is reported with the min-max beside it, on this thread's CPU time (steadier on a
//! shared machine) and on the wall clock. Prints descriptors per second at the medians and
//! `ratio rust/raw` (a ratio of median rates: above 1 is faster).

mod support;

use std::cell::Cell;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::rc::Rc;
use std::time::{Duration, Instant};

use nodestream::fdpass::{control_space, recv_with_fds, send_with_fds, socketpair, SocketKind};
use nodestream::net::{unix_pair, PassedFd, FD};
use nodestream::stream::readable::{Chunk, DATA};
use nodestream::EventLoop;

use support::{thread_cpu, Stat};

/// Messages in flight at most, on both sides.
const WINDOW: usize = 64;

#[derive(Clone, Copy)]
struct Times {
    wall: Duration,
    cpu: Duration,
}

fn measure(f: impl FnOnce()) -> Times {
    let (wall, cpu) = (Instant::now(), thread_cpu());
    f();
    Times {
        wall: wall.elapsed(),
        cpu: thread_cpu() - cpu,
    }
}

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn dev_null() -> OwnedFd {
    std::fs::File::open("/dev/null").unwrap().into()
}

fn dup(fd: BorrowedFd<'_>) -> OwnedFd {
    rustix::io::fcntl_dupfd_cloexec(fd, 0).unwrap()
}

/// `fds` descriptors, `per` to a 1-byte message, through a `Socket` pair on one loop.
fn rust_run(fds: usize, per: usize) -> Times {
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let (tx, rx) = unix_pair(&lp).unwrap();
    let source = Rc::new(dev_null());
    let messages = fds / per;
    let sent = Rc::new(Cell::new(0usize));
    let received_fds = Rc::new(Cell::new(0usize));
    let received_bytes = Rc::new(Cell::new(0usize));

    // Writes until `WINDOW` messages are in flight (or all are sent).
    let top_up: Rc<dyn Fn()> = {
        let (sent, received_bytes, source, w) = (
            sent.clone(),
            received_bytes.clone(),
            source.clone(),
            tx.writable.clone(),
        );
        Rc::new(move || {
            while sent.get() < messages && sent.get() - received_bytes.get() < WINDOW {
                let batch: Vec<OwnedFd> = (0..per).map(|_| dup(source.as_fd())).collect();
                w.write_with_fds(&b"x"[..], batch, |e| assert!(e.is_none(), "{e:?}"));
                sent.set(sent.get() + 1);
            }
        })
    };
    let r = received_fds.clone();
    rx.readable.on(FD, move |p: &PassedFd| {
        drop(p.take().expect("a descriptor"));
        r.set(r.get() + 1);
    });
    let (r, t) = (received_bytes.clone(), top_up.clone());
    rx.readable.on(DATA, move |c: &Chunk| {
        r.set(r.get() + c.len());
        t();
    });
    let times = measure(|| {
        top_up();
        while received_bytes.get() < messages {
            el.run_once().unwrap();
        }
    });
    assert_eq!(
        received_fds.get(),
        messages * per,
        "every descriptor arrived"
    );
    tx.destroy();
    rx.destroy();
    el.run().unwrap();
    drop((tx, rx, top_up, lp, el));
    times
}

/// The same work with blocking `send_with_fds`/`recv_with_fds`, `WINDOW` messages at a time.
/// With `watched`, the ends are also registered with an epoll instance that is never waited
/// on, as the loop registers a `Socket` pair (mio's flags: edge-triggered; each end for
/// writable readiness, and a duplicate of it for readable readiness, as each `Socket`'s
/// two streams): the kernel then runs the epoll wakeup callbacks on every send and
/// receive, as it does for the streams, and the difference to the plain run is their cost.
fn raw_run(fds: usize, per: usize, watched: bool) -> Times {
    let (a, b) = socketpair(SocketKind::Stream, false).unwrap();
    let epoll = rustix::event::epoll::create(rustix::event::epoll::CreateFlags::CLOEXEC).unwrap();
    let dups = [dup(a.as_fd()), dup(b.as_fd())];
    if watched {
        use rustix::event::epoll::{add, EventData, EventFlags};
        let readable = EventFlags::IN | EventFlags::RDHUP | EventFlags::ET;
        let writable = EventFlags::OUT | EventFlags::ET;
        add(&epoll, &a, EventData::new_u64(1), writable).unwrap();
        add(&epoll, &b, EventData::new_u64(2), writable).unwrap();
        add(&epoll, &dups[0], EventData::new_u64(3), readable).unwrap();
        add(&epoll, &dups[1], EventData::new_u64(4), readable).unwrap();
    }
    let source = dev_null();
    let messages = fds / per;
    let mut buf = [0u8; 1];
    let mut control = vec![MaybeUninit::uninit(); control_space(per)];
    let mut got: Vec<OwnedFd> = Vec::with_capacity(per);
    let mut received_fds = 0;
    let times = measure(|| {
        let mut sent = 0;
        while sent < messages {
            let n = WINDOW.min(messages - sent);
            for _ in 0..n {
                let batch: Vec<OwnedFd> = (0..per).map(|_| dup(source.as_fd())).collect();
                let borrowed: Vec<BorrowedFd<'_>> = batch.iter().map(|f| f.as_fd()).collect();
                assert_eq!(send_with_fds(&a, b"x", &borrowed).unwrap(), 1);
                drop(batch);
            }
            for _ in 0..n {
                let r = recv_with_fds(&b, &mut buf, &mut control, &mut got).unwrap();
                assert_eq!(r.bytes, 1);
                received_fds += got.len();
                got.clear();
            }
            sent += n;
        }
    });
    assert_eq!(received_fds, messages * per, "every descriptor arrived");
    drop((epoll, dups));
    times
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let fds = env("FDS", 100_000);
    let rounds = env("ROUNDS", 5);
    let start_fds = fd_count();
    println!("fd_stream: {fds} descriptors per run over a socketpair, one thread, window {WINDOW} messages, {rounds} rounds: median (min-max)");
    for per in [1usize, 10] {
        let (mut rust, mut raw, mut watched) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            rust.push(rust_run(fds, per));
            assert_eq!(fd_count(), start_fds, "descriptors leaked (rust)");
            raw.push(raw_run(fds, per, false));
            assert_eq!(fd_count(), start_fds, "descriptors leaked (raw)");
            watched.push(raw_run(fds, per, true));
            assert_eq!(fd_count(), start_fds, "descriptors leaked (raw, epoll)");
        }
        let stats = |runs: &[Times]| {
            (
                Stat::of(runs.iter().map(|t| t.cpu.as_secs_f64()).collect()),
                Stat::of(runs.iter().map(|t| t.wall.as_secs_f64()).collect()),
            )
        };
        let (rust, raw, watched) = (stats(&rust), stats(&raw), stats(&watched));
        println!("{per} fd(s) per 1-byte message ({} messages):", fds / per);
        for (name, (cpu, wall)) in [
            ("rust (Socket pair, one loop)", rust),
            ("raw (fdpass, blocking)", raw),
            ("raw, ends in an epoll set", watched),
        ] {
            println!(
                "  {name:<30} {:>12.0} fds/s  cpu {cpu}  wall {wall} ({:.0} fds/s)",
                fds as f64 / cpu.median,
                fds as f64 / wall.median,
            );
        }
        println!(
            "  ratio rust/raw: {:.3} (cpu), {:.3} (wall)",
            raw.0.median / rust.0.median,
            raw.1.median / rust.1.median,
        );
        println!(
            "  ratio rust/raw-in-epoll-set: {:.3} (cpu)",
            watched.0.median / rust.0.median,
        );
    }
    assert_eq!(fd_count(), start_fds, "descriptors leaked");
    println!(
        "descriptors open at the end: {} (as at the start)",
        fd_count()
    );
}
