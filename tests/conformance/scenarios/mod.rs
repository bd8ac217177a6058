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

mod emitter;
mod fs_stream;
mod net;
mod pipe;
mod writable_construct;
mod writable_cork;
mod writable_destroy;
mod writable_encoding;
mod writable_end;
mod writable_state;
mod writable_util;
mod writable_write;

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
        net::SCENARIOS,
    ]
    .concat()
}
