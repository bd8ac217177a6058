//! What several benchmarks share (each includes this module with `mod support;`).

// Each benchmark uses only some of these.
#![allow(dead_code)]

use std::time::Duration;

/// The CPU time this thread has used: a benchmark's measure that a busy neighbour on a
/// shared machine does not inflate as it does the wall clock.
pub fn thread_cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// The Node release the `node` on the path follows, for a Rust side that must follow the
/// same one (its default high-water mark, above all), and the version node printed.
/// Node v20 and v21 give `NodeCompat::V20`; later releases and no node at all give
/// `NodeCompat::V26`.
pub fn node_compat() -> (nodestream::compat::NodeCompat, String) {
    use nodestream::compat::NodeCompat;
    let version = std::process::Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let major: Option<u32> = version
        .strip_prefix('v')
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok());
    let compat = match major {
        Some(m) if m < 22 => NodeCompat::V20,
        _ => NodeCompat::V26,
    };
    (compat, version)
}
