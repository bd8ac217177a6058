//! Proves that emits by name with one listener allocate nothing: through the emitter's
//! name cache (one event emitted over and over), and through the lookup (names that
//! alternate, a payload type the listener does not take).
//!
//! A counting global allocator wraps the system one; it counts per thread, since the test
//! harness runs tests on parallel threads.
#![deny(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::rc::Rc;

use nodestream_emitter::{Event, EventEmitter};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the allocator may run while this thread's locals are being torn down.
    let _ = ALLOCS.try_with(|a| a.set(a.get() + 1));
}

// The emitter forbids unsafe code; a global allocator needs `unsafe impl`, so this one
// test item is allowed it.
#[allow(unsafe_code)]
mod counting {
    use super::*;

    // SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
    // `System`'s guarantees hold; the counting touches only a const-initialised
    // thread-local `Cell` (no allocation, no drop).
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            count();
            // SAFETY: same contract as ours, passed through.
            unsafe { System.alloc(layout) }
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            count();
            // SAFETY: same contract as ours, passed through.
            unsafe { System.alloc_zeroed(layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            count();
            // SAFETY: same contract as ours, passed through.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: same contract as ours, passed through.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[global_allocator]
    static GLOBAL: Counting = Counting;
}

fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = ALLOCS.with(Cell::get);
    f();
    ALLOCS.with(Cell::get) - before
}

const X: Event<u64> = Event::new("x");
const Y: Event<u64> = Event::new("y");

#[test]
fn the_counter_sees_allocations() {
    // Guards the other tests against a counter that never counts.
    let n = allocations_during(|| drop(std::hint::black_box(vec![1u8; 16])));
    assert_eq!(n, 1);
}

#[test]
fn one_listener_emits_by_name_allocate_nothing() {
    let sum = Rc::new(Cell::new(0));
    let em = EventEmitter::new();
    let (s, t) = (sum.clone(), sum.clone());
    em.on(X, move |v: &u64| s.set(s.get() + v));
    em.on("y", move |v: &u64| t.set(t.get() + 2 * v));
    em.emit(X, &0);
    let n = allocations_during(|| {
        for i in 0..1_000 {
            // The same event over and over: through the name cache.
            assert!(em.emit(X, &i));
            assert!(em.emit("x", &i));
            assert!(em.emit(X.name(), &i));
        }
        for i in 0..1_000 {
            // Alternating names, and a payload type the listener does not take.
            assert!(em.emit(X, &i));
            assert!(em.emit(Y, &i));
            assert!(!em.emit("x", &"other type"));
            assert!(!em.emit("nobody", &i));
        }
    });
    assert_eq!(n, 0);
    let thousand: u64 = (0..1_000).sum();
    assert_eq!(sum.get(), 3 * thousand + thousand + 2 * thousand);
}
