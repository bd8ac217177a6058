//! The registry of Rust scenarios: each is the Rust twin of the node scenario of the same
//! name in `node/scenarios.js`, returning its trace.
//!
//! To port a scenario: write `fn name() -> Vec<String>` in its group's module (build a
//! [`Trace`](crate::trace::Trace), run the scenario on a loop, return `trace.take()`), add
//! it to that module's `SCENARIOS`, and change its line in `status.txt` to `ported`.
//!
//! ```ignore
//! fn w03_hwm_zero() -> Vec<String> {
//!     let t = Trace::new();
//!     // ... build the stream with high_water_mark 0, write, run the loop ...
//!     tlog!(t, "empty ->", w.write(""));
//!     t.take()
//! }
//! pub const SCENARIOS: &[Scenario] = &[Scenario { name: "w03-hwm-zero", run: w03_hwm_zero }];
//! ```

mod duplex;
mod emitter;
mod finished;
mod fs_read;
mod fs_stream;
mod net;
mod pipe;
mod pipeline;
mod readable_from;
mod transform;
mod widen_emitter;
mod widen_readable;
mod widen_writable;
mod writable_construct;
mod writable_cork;
mod writable_destroy;
mod writable_encoding;
mod writable_end;
mod writable_state;
mod writable_util;
mod writable_write;

use std::cell::Cell;

use nodestream::compat::NodeCompat;
use nodestream::EventLoop;

thread_local! {
    /// The Node release the scenario running on this thread follows (see [`with_compat`]).
    static COMPAT: Cell<NodeCompat> = const { Cell::new(NodeCompat::V20) };
}

/// Runs `f` with every loop made by [`event_loop`] following `compat`.
pub fn with_compat<R>(compat: NodeCompat, f: impl FnOnce() -> R) -> R {
    let before = COMPAT.with(|c| c.replace(compat));
    // Restored even when the scenario panics: the runner goes on to the next one.
    struct Restore(NodeCompat);
    impl Drop for Restore {
        fn drop(&mut self) {
            COMPAT.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(before);
    f()
}

/// The loop of a scenario: every scenario makes its loops here, so that the runner can run
/// it under each [`NodeCompat`] setting.
pub fn event_loop() -> EventLoop {
    EventLoop::builder()
        .compat(COMPAT.with(Cell::get))
        .build()
        .expect("event loop")
}

/// One Rust scenario.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    /// The node scenario's name (`expected/<name>.trace`).
    pub name: &'static str,
    /// Runs the scenario to the end and returns its trace lines.
    pub run: fn() -> Vec<String>,
}

/// Every registered scenario, group by group.
pub fn all() -> Vec<Scenario> {
    [
        writable_write::SCENARIOS,
        writable_encoding::SCENARIOS,
        writable_cork::SCENARIOS,
        writable_end::SCENARIOS,
        writable_destroy::SCENARIOS,
        writable_construct::SCENARIOS,
        writable_state::SCENARIOS,
        emitter::SCENARIOS,
        pipe::SCENARIOS,
        fs_stream::SCENARIOS,
        fs_read::SCENARIOS,
        net::SCENARIOS,
        widen_writable::SCENARIOS,
        widen_readable::SCENARIOS,
        readable_from::SCENARIOS,
        widen_emitter::SCENARIOS,
        duplex::SCENARIOS,
        transform::SCENARIOS,
        finished::SCENARIOS,
        pipeline::SCENARIOS,
    ]
    .concat()
}
