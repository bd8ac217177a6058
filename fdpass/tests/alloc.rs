//! Sending and receiving allocate nothing per message in steady state: a counting global
//! allocator watches this thread through 1,000 round trips of 1 byte and 1 fd.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};

use nodestream_fdpass::{control_space, recv_with_fds, send_with_fds, socketpair, SocketKind};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the count lives in a
// const-initialised thread-local without a destructor, so counting never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(|n| n.get())
}

#[test]
fn round_trips_allocate_nothing_per_message() {
    let fds_at_start = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter(|e| {
            // libtest reads /proc/self/cgroup and /sys/fs/cgroup files on its main thread
            // (available_parallelism) while the first tests run: those fds come and go and
            // are never ours. An fd that closed before readlink was transient too.
            e.as_ref()
                .ok()
                .and_then(|e| std::fs::read_link(e.path()).ok())
                .is_some_and(|t| !t.starts_with("/proc/") && !t.starts_with("/sys/"))
        })
        .count();
    let (a, b) = socketpair(SocketKind::Stream, false).unwrap();
    let (r, _w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).unwrap();
    let mut buf = [0u8; 1];
    let mut control = [MaybeUninit::uninit(); control_space(1)];
    let mut fds: Vec<OwnedFd> = Vec::with_capacity(1);
    let mut round_trip = |fds: &mut Vec<OwnedFd>| {
        assert_eq!(send_with_fds(&a, b"x", &[r.as_fd()]).unwrap(), 1);
        let got = recv_with_fds(&b, &mut buf, &mut control, fds).unwrap();
        assert_eq!((got.bytes, got.fds), (1, 1));
        fds.clear(); // closes the received fd, keeps the capacity
    };
    for _ in 0..10 {
        round_trip(&mut fds);
    }
    let before = allocations();
    for _ in 0..1000 {
        round_trip(&mut fds);
    }
    assert_eq!(
        allocations() - before,
        0,
        "allocations in 1,000 round trips"
    );

    // The counter does see allocations, so the zero above means something.
    let before = allocations();
    let v = std::hint::black_box(vec![0u8; 64]);
    drop(v);
    assert_eq!(allocations() - before, 1);

    drop((a, b, r, _w, fds));
    let fds_at_end = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter(|e| {
            // libtest reads /proc/self/cgroup and /sys/fs/cgroup files on its main thread
            // (available_parallelism) while the first tests run: those fds come and go and
            // are never ours. An fd that closed before readlink was transient too.
            e.as_ref()
                .ok()
                .and_then(|e| std::fs::read_link(e.path()).ok())
                .is_some_and(|t| !t.starts_with("/proc/") && !t.starts_with("/sys/"))
        })
        .count();
    assert_eq!(fds_at_end, fds_at_start, "descriptors leaked");
}
