//! Drives a nodestream event loop from a host's own `poll(2)` loop.
//!
//! Run with `cargo run --example embed_poll`. The host watches its own fd (a pipe that a
//! thread writes to) and the loop's epoll fd in one `poll(2)` call. It never waits past the
//! loop's `next_deadline()` and does not wait at all while `has_pending()`; whenever it
//! wakes it calls `dispatch(Some(Duration::ZERO))`, one non-blocking turn of the loop.

use std::io::Read;
use std::time::{Duration, Instant};

use nodestream::EventLoop;
use rustix::event::{poll, PollFd, PollFlags, Timespec};

/// How long the host may sleep before the loop needs a turn.
fn host_timeout(lp: &EventLoop) -> Option<Duration> {
    if lp.has_pending() {
        return Some(Duration::ZERO);
    }
    lp.next_deadline()
        .map(|t| t.saturating_duration_since(Instant::now()))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lp = EventLoop::new()?;
    let h = lp.handle();

    // The loop's own work: a chain of immediates, two timers, and a post from a thread.
    let h2 = h.clone();
    h.set_immediate(move || {
        println!("loop: immediate");
        h2.next_tick(|| println!("loop: tick after the immediate"));
    });
    h.set_timeout(Duration::from_millis(20), || {
        println!("loop: 20 ms timeout")
    });
    h.set_timeout(Duration::from_millis(40), || {
        println!("loop: 40 ms timeout")
    });
    let remote = lp.remote();
    let keep = h.keep_alive();

    // The host's own fd.
    let (host_rx, host_tx) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
    let mut host_rx = std::fs::File::from(host_rx);
    let worker = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(10));
        rustix::io::write(&host_tx, b"host data").expect("write");
        remote
            .post(|| println!("loop: closure posted from a thread"))
            .ok();
        drop(keep);
    });

    let mut host_done = false;
    while lp.is_alive() || !host_done {
        let timeout = if lp.is_alive() {
            host_timeout(&lp)
        } else {
            None
        };
        let ts = timeout.map(|d| Timespec::try_from(d).expect("a sane timeout"));
        let mut fds = [
            PollFd::new(&lp, PollFlags::IN),
            PollFd::from_borrowed_fd(std::os::fd::AsFd::as_fd(&host_rx), PollFlags::IN),
        ];
        poll(&mut fds, ts.as_ref())?;
        if !fds[1].revents().is_empty() && !host_done {
            let mut buf = [0u8; 64];
            let n = host_rx.read(&mut buf)?;
            println!("host: read {:?}", String::from_utf8_lossy(&buf[..n]));
            host_done = true;
        }
        lp.dispatch(Some(Duration::ZERO))?;
    }
    worker.join().expect("worker");
    println!("host: the loop has nothing left to do");
    Ok(())
}
