//! Steady-state writes allocate nothing beyond the chunk's own buffer.
//!
//! A counting global allocator (per thread, so parallel tests do not disturb each other)
//! measures allocations made during a burst of writes, after a warm-up has grown the
//! stream's queues to their working size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use bytes::Bytes;
use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
use nodestream::EventLoop;

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> usize {
    ALLOCS.with(Cell::get)
}

/// Completes every write at once and counts bytes.
struct SyncSink(Rc<Cell<usize>>);

impl Sink for SyncSink {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.0.set(self.0.get() + chunk.len());
        cb.ok();
    }
}

/// Keeps the in-flight write's token for the test to complete by hand.
struct HeldSink(Rc<RefCell<Option<WriteCallback>>>, Rc<Cell<usize>>);

impl Sink for HeldSink {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.1.set(self.1.get() + chunk.len());
        *self.0.borrow_mut() = Some(cb);
    }
}

#[test]
fn shared_chunks_into_a_sync_sink_allocate_nothing() {
    let lp = EventLoop::new().unwrap();
    let bytes = Rc::new(Cell::new(0));
    let w = Writable::new(
        &lp.handle(),
        SyncSink(bytes.clone()),
        WritableOptions::new(),
    );
    let chunk = Bytes::from(vec![7u8; 100]);
    for _ in 0..100 {
        assert!(w.write(chunk.clone()));
    }
    let before = allocs();
    for _ in 0..100_000 {
        assert!(w.write(chunk.clone()));
    }
    assert_eq!(allocs() - before, 0, "allocations during 100k writes");
    assert_eq!(bytes.get(), 100_100 * 100);
    lp.run().unwrap();
}

#[test]
fn owned_vec_chunks_cost_only_their_own_buffer() {
    let lp = EventLoop::new().unwrap();
    let bytes = Rc::new(Cell::new(0));
    let w = Writable::new(
        &lp.handle(),
        SyncSink(bytes.clone()),
        WritableOptions::new(),
    );
    for _ in 0..100 {
        w.write(vec![1u8; 64]);
    }
    let before = allocs();
    for _ in 0..10_000 {
        // `vec!` allocates the chunk's buffer; handing it over must add nothing.
        w.write(vec![1u8; 64]);
    }
    assert_eq!(
        allocs() - before,
        10_000,
        "one allocation per write: the Vec itself"
    );
    lp.run().unwrap();
}

#[test]
fn buffered_writes_behind_a_slow_sink_allocate_nothing_once_warm() {
    let lp = EventLoop::new().unwrap();
    let held = Rc::new(RefCell::new(None));
    let bytes = Rc::new(Cell::new(0));
    let w = Writable::new(
        &lp.handle(),
        HeldSink(held.clone(), bytes.clone()),
        WritableOptions::new().high_water_mark(1 << 20),
    );
    let chunk = Bytes::from_static(&[b'x'; 100]);
    // One round: one write in flight, 63 queued behind it, then complete them all.
    let round = |w: &Writable| {
        for _ in 0..64 {
            w.write(chunk.clone());
        }
        loop {
            let cb = held.borrow_mut().take();
            match cb {
                Some(cb) => cb.ok(),
                None => break,
            }
        }
    };
    round(&w);
    round(&w);
    let before = allocs();
    for _ in 0..1000 {
        round(&w);
    }
    assert_eq!(allocs() - before, 0, "allocations during 64k queued writes");
    assert_eq!(bytes.get(), 1002 * 64 * 100);
    assert_eq!(w.writable_length(), 0);
    drop(w);
    lp.run().unwrap();
}

/// The seeds' drain pattern on a real pipe with a reader: write 1 KiB chunks until `write()`
/// returns false, go on at `'drain'`. Every high-water mark of chunks reaches the kernel in
/// one `writev`. Once warm, each 16 KiB costs two allocations (the batch's list of chunks,
/// and the end-of-tick flush task the next write queues), plus a handful whenever the pipe
/// is full and the stream waits for `'drain'` (measured: 764 for 380 × 16 KiB and no drain,
/// 773 with one): the funnel's slices, iovecs and staging buffer live on the stack or are
/// reused (before, eleven per 16 KiB).
#[test]
fn sixteen_kib_of_writes_into_a_pipe_allocate_two_blocks() {
    use nodestream::events::DRAIN;
    use nodestream::stream::FdWritable;
    use rustix::pipe::{pipe_with, PipeFlags};

    const CHUNKS: u64 = 16 * 400;
    const WARM: u64 = 16 * 20;
    let lp = EventLoop::new().unwrap();
    let (r, w) = pipe_with(PipeFlags::CLOEXEC).unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0usize;
        while let Ok(n) = rustix::io::read(&r, &mut buf) {
            if n == 0 {
                break;
            }
            total += n;
        }
        total
    });
    // The batches counted are 16 KiB: the mark is given (the default is 64 KiB).
    let opts = WritableOptions::new().high_water_mark(16 * 1024);
    let out = FdWritable::new(&lp.handle(), w, opts).unwrap();
    let chunk = Bytes::from(vec![b'x'; 1024]);
    // Chunks written so far, and the allocation count when the warm-up ended.
    let sent = Rc::new(Cell::new(0u64));
    let counted = Rc::new(Cell::new(None::<usize>));
    let pump = {
        let (w, sent, counted) = (out.as_writable().clone(), sent.clone(), counted.clone());
        move || {
            while sent.get() < CHUNKS {
                if sent.get() == WARM {
                    counted.set(Some(allocs()));
                }
                sent.set(sent.get() + 1);
                if !w.write(chunk.clone()) {
                    return;
                }
            }
            let start = counted.get().expect("warm");
            counted.set(Some(allocs() - start));
            w.end();
        }
    };
    let drains = Rc::new(Cell::new(0u64));
    let (again, d) = (pump.clone(), drains.clone());
    out.on(DRAIN, move |_| {
        d.set(d.get() + 1);
        again();
    });
    pump();
    lp.run().unwrap();
    out.emitter().remove_all_listeners(None);
    drop(out);
    assert_eq!(reader.join().unwrap() as u64, CHUNKS * 1024);
    let (made, units, drains) = (
        counted.get().unwrap() as u64,
        (CHUNKS - WARM) / 16,
        drains.get(),
    );
    assert!(
        made <= 2 * units + 8 + 12 * drains,
        "{made} allocations for {units} × 16 KiB and {drains} drains \
         (expected the batch and a flush task per 16 KiB, a few per drain)"
    );
}
