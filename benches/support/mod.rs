//! What several benchmarks share (each includes this module with `mod support;`).

use std::time::Duration;

/// The CPU time this thread has used: a benchmark's measure that a busy neighbour on a
/// shared machine does not inflate as it does the wall clock.
pub fn thread_cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}
