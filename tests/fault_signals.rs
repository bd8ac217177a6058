//! A signal storm while writing large buffers: in a child process with no-op `SIGUSR1` and
//! `SIGALRM` handlers installed *without* `SA_RESTART`, another thread sends `SIGUSR1` to
//! the loop thread as fast as it can and an interval timer raises `SIGALRM` every 100 µs.
//! Every interrupted syscall (`epoll_wait`, `write`, `sendmsg`) returns `EINTR`; the loop
//! and the fd funnel must retry, and every byte must arrive, in order.

mod support;

use std::cell::RefCell;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use nodestream::events::{CLOSE, DRAIN, ERROR, FINISH};
use nodestream::stream::FdWritable;
use nodestream::{Error, EventLoop, WritableOptions};
use support::{fnv, in_child, FdCheck, FNV_START};

static SIGNALS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_signal(_: libc::c_int) {
    SIGNALS.fetch_add(1, Ordering::Relaxed);
}

/// Installs the no-op handler for `sig` with no `SA_RESTART`.
fn install(sig: libc::c_int) {
    // SAFETY: a zeroed sigaction is a valid value (empty mask, no flags); the handler is an
    // async-signal-safe `extern "C" fn` that only touches an atomic; `sigaction` reads the
    // struct and writes nothing back (null old action).
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
        sa.sa_flags = 0;
        libc::sigemptyset(&mut sa.sa_mask);
        assert_eq!(libc::sigaction(sig, &sa, std::ptr::null_mut()), 0);
    }
}

/// Raises `SIGALRM` every `usec` µs (0 stops it).
fn alarm_every(usec: i64) {
    let t = libc::timeval {
        tv_sec: 0,
        tv_usec: usec as libc::suseconds_t,
    };
    let it = libc::itimerval {
        it_interval: t,
        it_value: t,
    };
    // SAFETY: `it` is a valid itimerval; the old value pointer is null.
    let rc = unsafe { libc::setitimer(libc::ITIMER_REAL, &it, std::ptr::null_mut()) };
    assert_eq!(rc, 0);
}

/// Writes `total` bytes in `chunk`-sized buffers into `fd` with backpressure (write until
/// `false`, then wait for `'drain'`), under the storm; returns the checksum written and
/// the events seen.
fn write_under_storm(
    el: &EventLoop,
    fd: OwnedFd,
    total: usize,
    chunk: usize,
) -> (u64, Vec<String>) {
    let w = FdWritable::new(&el.handle(), fd, WritableOptions::new()).unwrap();
    let log = Rc::new(RefCell::new(Vec::new()));
    for (name, key) in [("finish", FINISH), ("close", CLOSE)] {
        let l = log.clone();
        w.on(key, move |_| l.borrow_mut().push(name.to_string()));
    }
    let l = log.clone();
    w.on(ERROR, move |e: &Error| {
        l.borrow_mut().push(format!("error {}", e.code()))
    });
    let sum = Rc::new(RefCell::new((0usize, FNV_START)));
    let pump = {
        let (w, sum) = (w.clone(), sum.clone());
        move || loop {
            let (sent, h) = *sum.borrow();
            if sent == total {
                w.end();
                return;
            }
            let n = chunk.min(total - sent);
            let buf = support::data(sent as u64 + 1, n);
            *sum.borrow_mut() = (sent + n, fnv(h, &buf));
            if !w.write(buf) {
                return;
            }
        }
    };
    let p = pump.clone();
    w.on(DRAIN, move |_| p());
    pump();
    el.run().unwrap();
    let h = sum.borrow().1;
    let events = log.borrow().clone();
    (h, events)
}

fn reader(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<(usize, u64)> {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        let (mut n, mut h) = (0usize, FNV_START);
        loop {
            match r.read(&mut buf) {
                Ok(0) => return (n, h),
                Ok(k) => {
                    n += k;
                    h = fnv(h, &buf[..k]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => panic!("read: {e}"),
            }
        }
    })
}

/// The data of [`write_under_storm`]: chunk `k` is `data(offset + 1, n)`.
fn expected(total: usize, chunk: usize) -> u64 {
    let mut h = FNV_START;
    let mut sent = 0;
    while sent < total {
        let n = chunk.min(total - sent);
        h = fnv(h, &support::data(sent as u64 + 1, n));
        sent += n;
    }
    h
}

#[test]
#[ignore = "child process entry; run by a_signal_storm_loses_no_byte"]
fn child_signal_storm() {
    if !in_child() {
        return;
    }
    install(libc::SIGUSR1);
    install(libc::SIGALRM);
    // SAFETY: pthread_self has no preconditions.
    let me = unsafe { libc::pthread_self() } as usize;
    let stop = Arc::new(AtomicBool::new(false));
    let storm = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut sent = 0usize;
            while !stop.load(Ordering::Relaxed) {
                // SAFETY: `me` is the live test thread, joined only after `stop`.
                unsafe { libc::pthread_kill(me as libc::pthread_t, libc::SIGUSR1) };
                sent += 1;
                std::thread::sleep(std::time::Duration::from_micros(20));
            }
            sent
        })
    };
    alarm_every(100);
    let el = EventLoop::new().unwrap();
    let (total, chunk) = (64 << 20, 1 << 20);

    // A pipe.
    let (rx, tx) = support::pipe();
    let rd = reader(std::fs::File::from(rx));
    let (h, events) = write_under_storm(&el, tx, total, chunk);
    let (n, got) = rd.join().unwrap();
    assert_eq!(events, ["finish", "close"]);
    assert_eq!((n, got), (total, h));
    assert_eq!(h, expected(total, chunk));

    // A Unix socket.
    let (a, b) = UnixStream::pair().unwrap();
    let rd = reader(b);
    let (h, events) = write_under_storm(&el, OwnedFd::from(a), total, chunk);
    let (n, got) = rd.join().unwrap();
    assert_eq!(events, ["finish", "close"]);
    assert_eq!((n, got), (total, h));

    alarm_every(0);
    stop.store(true, Ordering::Relaxed);
    let sent = storm.join().unwrap();
    let seen = SIGNALS.load(Ordering::Relaxed);
    eprintln!("signals sent {sent}, handled {seen}");
    assert!(seen > 100, "the storm did not reach the process ({seen})");
}

#[test]
fn a_signal_storm_loses_no_byte() {
    let _check = FdCheck::start();
    support::run_child("child_signal_storm");
}
