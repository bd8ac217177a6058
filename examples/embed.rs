//! A host program with its own `poll(2)` loop that drives nodestream streams.
//!
//! Run with `cargo run --example embed`.
//!
//! The host owns the main loop. nodestream's loop is one more fd in the host's `poll`
//! set (the loop's epoll fd, from `AsFd`); the host never sleeps past the loop's
//! `next_deadline()`, does not sleep at all while `has_pending()`, and gives the loop a
//! non-blocking turn with `dispatch(Some(Duration::ZERO))` whenever it wakes.
//!
//! The data path: a nodestream timer starts a writer that sends 256 KiB of lowercase text
//! through an [`FdWritable`] into pipe A, with the "write until `false`, wait for
//! `'drain'`" pattern (the pipe holds 64 KiB, so the writer must wait). The host reads
//! pipe A with its own nonblocking reads, upper-cases the bytes and writes them into pipe
//! B, stopping reading while pipe B is full (its own backpressure). A nodestream
//! [`Readable`] reads pipe B and checks every byte. The host closes pipe B when pipe A
//! ends; the Readable's `'end'` follows, and the program ends once both loops are idle.

use std::cell::{Cell, RefCell};
use std::os::fd::OwnedFd;
use std::rc::Rc;
use std::time::{Duration, Instant};

use nodestream::events::{DRAIN, FINISH};
use nodestream::stream::readable::{Chunk, Readable, ReadableOptions, DATA, END};
use nodestream::stream::FdWritable;
use nodestream::{EventLoop, Writable, WritableOptions};
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::io::Errno;
use rustix::pipe::{pipe_with, PipeFlags};

/// Bytes the writer sends.
pub const TOTAL: usize = 256 * 1024;
/// Bytes per write.
pub const CHUNK: usize = 4096;

/// Byte `i` of what the writer sends: lowercase letters.
pub fn byte_at(i: usize) -> u8 {
    b'a' + (i % 26) as u8
}

/// How long the host may sleep before the loop needs a turn.
fn loop_timeout(lp: &EventLoop) -> Option<Duration> {
    if lp.has_pending() {
        return Some(Duration::ZERO);
    }
    lp.next_deadline()
        .map(|t| t.saturating_duration_since(Instant::now()))
}

/// The writer: `TOTAL` bytes in `CHUNK`-byte writes, waiting for `'drain'` on `false`.
fn start_writer(w: Writable, drains: Rc<Cell<u32>>) {
    fn write_some(w: Writable, next: Rc<Cell<usize>>, drains: Rc<Cell<u32>>) {
        while next.get() < TOTAL {
            let start = next.get();
            let chunk: Vec<u8> = (start..start + CHUNK).map(byte_at).collect();
            next.set(start + CHUNK);
            if next.get() == TOTAL {
                w.end_with(chunk);
                return;
            }
            if !w.write(chunk) {
                let (w2, n, d) = (w.clone(), next.clone(), drains.clone());
                w.once(DRAIN, move |_| {
                    d.set(d.get() + 1);
                    write_some(w2.clone(), n.clone(), d.clone());
                });
                return;
            }
        }
    }
    write_some(w, Rc::new(Cell::new(0)), drains);
}

/// What the host does with its two pipe ends.
struct Host {
    /// Pipe A's read end (the writer's output); `None` once it ended.
    from_a: Option<OwnedFd>,
    /// Pipe B's write end (the reader's input); `None` once closed.
    to_b: Option<OwnedFd>,
    /// Read from A, not yet written to B.
    pending: Vec<u8>,
    /// Bytes copied from A to B.
    copied: usize,
}

impl Host {
    /// Reads what A has (unless B is backed up) and writes what it can to B.
    fn pump(&mut self) -> std::io::Result<()> {
        let mut buf = [0u8; 16 * 1024];
        loop {
            if let Some(b) = &self.to_b {
                while !self.pending.is_empty() {
                    match rustix::io::write(b, &self.pending) {
                        Ok(n) => {
                            self.copied += n;
                            self.pending.drain(..n);
                        }
                        Err(Errno::AGAIN) => return Ok(()),
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            let Some(a) = &self.from_a else {
                // A ended and everything is in B: close B, the reader's end of file.
                if self.pending.is_empty() && self.to_b.take().is_some() {
                    println!(
                        "host: pipe A ended; copied {} bytes; closing pipe B",
                        self.copied
                    );
                }
                return Ok(());
            };
            match rustix::io::read(a, &mut buf) {
                Ok(0) => self.from_a = None,
                Ok(n) => self
                    .pending
                    .extend(buf[..n].iter().map(u8::to_ascii_uppercase)),
                Err(Errno::AGAIN) => return Ok(()),
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn done(&self) -> bool {
        self.from_a.is_none() && self.to_b.is_none()
    }
}

/// Runs the example; returns the bytes the Readable received.
///
/// # Errors
///
/// Making the pipes or streams, `poll`, the host's I/O, or the loop's first uncaught error.
pub fn run() -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let lp = EventLoop::new()?;
    let h = lp.handle();
    let flags = PipeFlags::CLOEXEC | PipeFlags::NONBLOCK;
    let (a_read, a_write) = pipe_with(flags)?;
    let (b_read, b_write) = pipe_with(flags)?;

    // nodestream's side: a Writable on pipe A, a Readable on pipe B.
    let writer = FdWritable::new(&h, a_write, WritableOptions::new()).map_err(|e| e.error)?;
    let reader = Readable::from_fd(&h, b_read, ReadableOptions::default()).map_err(|e| e.error)?;
    let received = Rc::new(RefCell::new(Vec::with_capacity(TOTAL)));
    let r = received.clone();
    reader.on(DATA, move |c: &Chunk| {
        r.borrow_mut()
            .extend_from_slice(c.as_bytes().unwrap_or_default())
    });
    let r = received.clone();
    reader.on(END, move |_: &()| {
        let got = r.borrow();
        let ok = got.len() == TOTAL
            && got
                .iter()
                .enumerate()
                .all(|(i, &b)| b == byte_at(i).to_ascii_uppercase());
        println!(
            "loop: reader 'end' after {} bytes, all upper-cased: {ok}",
            got.len()
        );
    });
    let drains = Rc::new(Cell::new(0));
    let d = drains.clone();
    writer.on(FINISH, move |_| {
        println!(
            "loop: writer 'finish' ({TOTAL} bytes written, waited for 'drain': {})",
            d.get() > 0
        )
    });
    let w = writer.as_writable().clone();
    h.set_timeout(Duration::from_millis(5), move || {
        println!("loop: 5 ms timer: writing {TOTAL} bytes in {CHUNK}-byte chunks");
        start_writer(w, drains);
    });

    // The host's side and its loop.
    let mut host = Host {
        from_a: Some(a_read),
        to_b: Some(b_write),
        pending: Vec::new(),
        copied: 0,
    };
    while lp.is_alive() || !host.done() {
        let timeout = if lp.is_alive() {
            loop_timeout(&lp)
        } else {
            None
        };
        let ts = timeout.map(Timespec::try_from).transpose()?;
        {
            let mut fds = vec![PollFd::new(&lp, PollFlags::IN)];
            if let Some(a) = &host.from_a {
                // Read A only while B has room for what was read.
                if host.pending.is_empty() {
                    fds.push(PollFd::new(a, PollFlags::IN));
                }
            }
            if let (Some(b), false) = (&host.to_b, host.pending.is_empty()) {
                fds.push(PollFd::new(b, PollFlags::OUT));
            }
            match poll(&mut fds, ts.as_ref()) {
                Ok(_) | Err(Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        host.pump()?;
        lp.dispatch(Some(Duration::ZERO))?;
    }
    drop(writer);
    drop(reader);
    println!("host: both loops idle; done");
    let got = received.borrow().clone();
    Ok(got)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    run()?;
    Ok(())
}
