//! An idle loop's turn allocates nothing, nor does a turn that only fires an interval.
//!
//! This file has its own global allocator that counts allocations made on the test's own
//! thread; it lives alone in this test binary so no other test's allocations interfere.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use nodestream::{Clock, EventLoop, PostAction};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn note_alloc() {
    // `try_with`: the allocator can be called while thread-locals are being torn down.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

// SAFETY: every method forwards to `System` with the caller's own arguments, so `System`'s
// guarantees are ours; counting touches only const-initialised thread-locals, which never
// allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout (every allocation here
        // goes through `System`).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_alloc();
        // SAFETY: as `dealloc`, and the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made on this thread while `f` runs.
fn allocations_in(f: impl FnOnce()) -> usize {
    ALLOCS.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    f();
    COUNTING.with(|on| on.set(false));
    ALLOCS.with(|n| n.get())
}

#[test]
fn the_counter_counts() {
    assert!(allocations_in(|| drop(std::hint::black_box(Box::new(1u64)))) >= 1);
}

#[test]
fn an_idle_turn_allocates_nothing() {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    // Alive and idle: a far timer, a registered quiet pipe, a keep-alive token.
    h.set_timeout(Duration::from_secs(3600), || {});
    let (_tx, mut rx) = mio::unix::pipe::new().unwrap();
    let id = h
        .register(&mut rx, mio::Interest::READABLE, |_| PostAction::Continue)
        .unwrap();
    let _keep = h.keep_alive();
    // Warm up (first turns may size the queues).
    for _ in 0..10 {
        lp.dispatch(Some(Duration::ZERO)).unwrap();
    }
    let n = allocations_in(|| {
        for _ in 0..1000 {
            lp.dispatch(Some(Duration::ZERO)).unwrap();
        }
        assert!(lp.is_alive());
        assert!(!lp.has_pending());
        let _ = lp.next_deadline();
    });
    assert_eq!(n, 0, "allocations in 1000 idle turns");
    h.deregister(id, &mut rx).unwrap();
}

#[test]
fn a_turn_that_fires_an_interval_allocates_nothing() {
    let (clock, manual) = Clock::manual();
    let lp = EventLoop::with_clock(clock).unwrap();
    let h = lp.handle();
    let fired = std::rc::Rc::new(Cell::new(0u32));
    let f = fired.clone();
    h.set_interval(Duration::from_millis(1), move || f.set(f.get() + 1));
    for _ in 0..10 {
        manual.advance(Duration::from_millis(1));
        lp.dispatch(Some(Duration::ZERO)).unwrap();
    }
    let before = fired.get();
    let n = allocations_in(|| {
        for _ in 0..1000 {
            manual.advance(Duration::from_millis(1));
            lp.dispatch(Some(Duration::ZERO)).unwrap();
        }
    });
    assert_eq!(fired.get() - before, 1000);
    assert_eq!(n, 0, "allocations in 1000 interval turns");
}
