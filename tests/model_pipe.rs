//! Random chunk sizes through a real pipe: a writer on the loop writes the data in chunks
//! of random sizes (the `FdWritable` with backpressure, or a raw write funnel with partial
//! writes resumed on readiness), the fd-backed Readable on the other end is read in paused mode with `read(n)` of random sizes. Everything read equals
//! everything written (length, checksum and bytes), `'end'` comes once after the last byte,
//! then `'close'`, and no fd is left open.
//!
//! The pipe's capacity is shrunk at random (4 KiB to 64 KiB) so that the writer meets
//! `WouldBlock` often. `PROPTEST_CASES` raises the case count; see `docs/fuzzing.md`.

mod support;

use std::cell::{Cell, RefCell};
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::rc::Rc;

use mio::unix::pipe::Sender;
use nodestream::events::{CLOSE, DRAIN, ERROR};
use nodestream::stream::readable::{Chunk, Readable, ReadableOptions};
use nodestream::stream::FdWritable;
use nodestream::{Error, EventLoop, LoopHandle, PostAction, WritableOptions};
use proptest::prelude::*;
use support::{data, fnv, FdCheck, FNV_START};

/// Writes `data` into a nonblocking pipe end registered with the loop, in chunks of the
/// given sizes (cycled), and closes it at the end: the raw write funnel (write until
/// `WouldBlock`, resume on the next edge).
fn raw_writer(lp: &LoopHandle, tx: OwnedFd, data: Rc<Vec<u8>>, sizes: Vec<usize>) {
    let tx = Rc::new(RefCell::new(Some(Sender::from(tx))));
    tx.borrow()
        .as_ref()
        .unwrap()
        .set_nonblocking(true)
        .expect("nonblocking");
    let mut pos = 0usize;
    let mut k = 0usize;
    let mut cut = sizes[0];
    let slot = tx.clone();
    let mut guard = tx.borrow_mut();
    lp.register(
        guard.as_mut().unwrap(),
        mio::Interest::WRITABLE,
        move |_ready| {
            loop {
                if pos == data.len() {
                    // Closing the fd removes it from the poll.
                    slot.borrow_mut().take();
                    return PostAction::Remove;
                }
                let end = (pos + cut).min(data.len());
                let res = slot.borrow_mut().as_mut().unwrap().write(&data[pos..end]);
                match res {
                    Ok(n) => {
                        pos += n;
                        cut -= n.min(cut);
                        if cut == 0 {
                            k += 1;
                            cut = sizes[k % sizes.len()];
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return PostAction::Continue,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => panic!("pipe write failed: {e}"),
                }
            }
        },
    )
    .expect("register writer");
}

/// Writes `data` through an `FdWritable` in chunks of the given sizes (cycled), with
/// backpressure: write until `false`, resume on `'drain'`; `end()` after the last chunk.
fn fd_writer(lp: &LoopHandle, tx: OwnedFd, data: Rc<Vec<u8>>, sizes: Vec<usize>) {
    let w = FdWritable::new(lp, tx, WritableOptions::new()).expect("FdWritable");
    let pos = Rc::new(Cell::new(0usize));
    let k = Rc::new(Cell::new(0usize));
    let pump: Rc<dyn Fn()> = {
        let w = w.clone();
        Rc::new(move || loop {
            let p = pos.get();
            if p == data.len() {
                w.end();
                return;
            }
            let n = sizes[k.get() % sizes.len()].min(data.len() - p);
            k.set(k.get() + 1);
            pos.set(p + n);
            if !w.write(data[p..p + n].to_vec()) {
                return;
            }
        })
    };
    let weak = Rc::downgrade(&pump);
    w.on(DRAIN, move |_| {
        if let Some(p) = weak.upgrade() {
            p()
        }
    });
    // Held by the stream until it closes (no cycle through 'drain').
    let keep = RefCell::new(Some(pump.clone()));
    w.on(CLOSE, move |_| drop(keep.borrow_mut().take()));
    w.on(ERROR, move |err: &Error| panic!("writer error {err}"));
    pump();
}

#[derive(Clone, Copy, Debug)]
enum Writer {
    Raw,
    Fd,
}

struct Outcome {
    read: Vec<u8>,
    events: Vec<String>,
}

fn run_pipe(
    writer: Writer,
    total: usize,
    seed: u64,
    write_sizes: Vec<usize>,
    read_sizes: Vec<usize>,
    pipe_size: usize,
    hwm: usize,
) -> Outcome {
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let (rx, tx) = support::pipe();
    rustix::pipe::fcntl_setpipe_size(&tx, pipe_size).expect("F_SETPIPE_SZ");
    let bytes = Rc::new(data(seed, total));
    match writer {
        Writer::Raw => raw_writer(&lp, tx, bytes, write_sizes),
        Writer::Fd => fd_writer(&lp, tx, bytes, write_sizes),
    }

    let r = Readable::from_fd(&lp, rx, ReadableOptions::default().high_water_mark(hwm))
        .expect("from_fd");
    let read = Rc::new(RefCell::new(Vec::new()));
    let events = Rc::new(RefCell::new(Vec::new()));
    let k = Rc::new(Cell::new(0usize));
    {
        let (weak, read, k, events) = (r.downgrade(), read.clone(), k.clone(), events.clone());
        r.on("readable", move |_: &()| {
            let Some(r) = weak.upgrade() else { return };
            loop {
                let n = read_sizes[k.get() % read_sizes.len()];
                match r.read_size(n) {
                    Ok(Some(c)) => {
                        let b = c.as_bytes().expect("bytes");
                        assert!(b.len() <= n, "read({n}) gave {} bytes", b.len());
                        read.borrow_mut().extend_from_slice(b);
                        k.set(k.get() + 1);
                    }
                    Ok(None) => break,
                    Err(e) => {
                        events.borrow_mut().push(format!("read error {}", e.code()));
                        break;
                    }
                }
            }
        });
    }
    for ev in ["end", "close"] {
        let events = events.clone();
        r.on(ev, move |_: &()| events.borrow_mut().push(ev.to_string()));
    }
    let ev = events.clone();
    r.on("error", move |e: &Error| {
        ev.borrow_mut().push(format!("error {}", e.code()))
    });
    // Data events must not exist in paused mode with read(n): a 'data' per read is fine,
    // but never one after 'end'.
    let (ev, ended) = (events.clone(), Rc::new(Cell::new(false)));
    {
        let ended = ended.clone();
        r.on("end", move |_: &()| ended.set(true));
    }
    r.on("data", move |_: &Chunk| {
        if ended.get() {
            ev.borrow_mut().push("data after end".to_string());
        }
    });
    el.run().expect("run");
    assert!(r.closed(), "stream not closed");
    drop(r);
    let read = read.borrow().clone();
    let events = events.borrow().clone();
    Outcome { read, events }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: support::cases(64), ..ProptestConfig::default() })]

    #[test]
    fn every_byte_written_into_a_pipe_is_read_in_order(
        total in prop_oneof![0usize..64, 64usize..70_000, 70_000usize..600_000],
        seed in any::<u64>(),
        write_sizes in prop::collection::vec(prop_oneof![1usize..16, 16usize..5000, 5000usize..200_000], 1..8),
        read_sizes in prop::collection::vec(prop_oneof![1usize..16, 16usize..5000, 5000usize..200_000], 1..8),
        pipe_size in prop_oneof![Just(4096usize), Just(16384), Just(65536)],
        hwm in prop_oneof![Just(1usize), 1usize..1024, Just(16384), 16384usize..200_000],
        writer in prop_oneof![Just(Writer::Raw), Just(Writer::Fd)],
    ) {
        let check = FdCheck::start();
        let expected = data(seed, total);
        let out = run_pipe(writer, total, seed, write_sizes, read_sizes, pipe_size, hwm);
        prop_assert_eq!(out.read.len(), total);
        prop_assert_eq!(fnv(FNV_START, &out.read), fnv(FNV_START, &expected));
        prop_assert!(out.read == expected, "bytes differ");
        prop_assert_eq!(out.events, vec!["end".to_string(), "close".to_string()]);
        check.assert_same();
    }
}
