//! Proves that a steady-state emit allocates nothing: through a resolved `EventKey`, through
//! a typed `Event` and through a `&str` name, with one listener and with ten.
//!
//! A counting global allocator wraps the system one; it counts per thread, since the test
//! harness runs tests on parallel threads.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::rc::Rc;

use nodestream::events::{Event, EventEmitter};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the allocator may run while this thread's locals are being torn down.
    let _ = ALLOCS.try_with(|a| a.set(a.get() + 1));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees hold; the counting touches only a const-initialised thread-local
// `Cell` (no allocation, no drop).
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

fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = ALLOCS.with(Cell::get);
    f();
    ALLOCS.with(Cell::get) - before
}

const X: Event<u64> = Event::new("x");

fn emitter_with(listeners: usize, sum: &Rc<Cell<u64>>) -> EventEmitter {
    let em = EventEmitter::new();
    for _ in 0..listeners {
        let s = sum.clone();
        em.on(X, move |v: &u64| s.set(s.get() + v));
    }
    em
}

#[test]
fn the_counter_sees_allocations() {
    // Guards the other tests against a counter that never counts.
    let n = allocations_during(|| drop(std::hint::black_box(vec![1u8; 16])));
    assert_eq!(n, 1);
    let em = EventEmitter::new();
    assert!(
        allocations_during(|| {
            em.on("y", |_: &u8| {});
        }) > 0
    );
}

#[test]
fn keyed_emit_allocates_nothing() {
    for listeners in [1, 2, 10] {
        let sum = Rc::new(Cell::new(0));
        let em = emitter_with(listeners, &sum);
        let key = em.key(X);
        em.emit(&key, &1);
        let n = allocations_during(|| {
            for i in 0..10_000 {
                assert!(em.emit(&key, &i));
            }
        });
        assert_eq!(n, 0, "{listeners} listener(s)");
        assert_eq!(sum.get(), (1 + (0..10_000).sum::<u64>()) * listeners as u64);
    }
}

#[test]
fn typed_event_and_str_emits_allocate_nothing() {
    let sum = Rc::new(Cell::new(0));
    let em = emitter_with(3, &sum);
    em.emit(X, &1);
    let n = allocations_during(|| {
        for i in 0..1_000 {
            assert!(em.emit(X, &i));
            assert!(em.emit("x", &i));
            // A name nobody listens to, and a payload type nobody takes.
            assert!(!em.emit("nobody", &i));
            assert!(!em.emit(X.name(), &"other type"));
        }
    });
    assert_eq!(n, 0);
    assert!(sum.get() > 0);
}

#[test]
fn emits_with_meta_listeners_present_allocate_nothing() {
    let sum = Rc::new(Cell::new(0));
    let em = emitter_with(1, &sum);
    em.on("newListener", |_: &nodestream::events::ListenerEvent| {});
    em.on("removeListener", |_: &nodestream::events::ListenerEvent| {});
    em.on("error", |_: &u64| {});
    let key = em.key(X);
    em.emit(&key, &1);
    let n = allocations_during(|| {
        for i in 0..1_000 {
            em.emit(&key, &i);
            em.emit("error", &i);
        }
    });
    assert_eq!(n, 0);
}
