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
/// `NodeCompat::V26`. Asked once per process (it runs `node --version`).
pub fn node_compat() -> (nodestream::compat::NodeCompat, String) {
    use nodestream::compat::NodeCompat;
    static FOUND: std::sync::OnceLock<(NodeCompat, String)> = std::sync::OnceLock::new();
    FOUND
        .get_or_init(|| {
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
        })
        .clone()
}

/// A loop following the release of the `node` on the path ([`node_compat`]).
pub fn node_loop() -> nodestream::EventLoop {
    nodestream::EventLoop::builder()
        .compat(node_compat().0)
        .build()
        .expect("event loop")
}

/// The line a benchmark prints first: the setting its Rust side runs with.
pub fn compat_line() -> String {
    let (compat, version) = node_compat();
    let version = if version.is_empty() { "none" } else { &version };
    format!(
        "rust side: {compat:?}, default high-water mark {} bytes (node on the path: {version})",
        compat.default_high_water_mark(false)
    )
}

/// The median of some runs' figures, with the lowest and the highest beside it (shown as
/// seconds by `Display`).
#[derive(Clone, Copy, Debug)]
pub struct Stat {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Stat {
    /// The statistics of `xs` (at least one value).
    pub fn of(mut xs: Vec<f64>) -> Stat {
        xs.sort_by(f64::total_cmp);
        Stat {
            median: xs[xs.len() / 2],
            min: xs[0],
            max: xs[xs.len() - 1],
        }
    }
}

impl std::fmt::Display for Stat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.4} s ({:.4}-{:.4})", self.median, self.min, self.max)
    }
}

/// Wall and CPU seconds of one run.
#[derive(Clone, Copy, Debug)]
pub struct Times {
    pub wall: f64,
    pub cpu: f64,
}

/// The wall and CPU statistics of one side's runs.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    pub wall: Stat,
    pub cpu: Stat,
}

impl Summary {
    /// The statistics of `runs` (at least one).
    pub fn of(runs: impl IntoIterator<Item = Times>) -> Summary {
        let runs: Vec<Times> = runs.into_iter().collect();
        Summary {
            wall: Stat::of(runs.iter().map(|t| t.wall).collect()),
            cpu: Stat::of(runs.iter().map(|t| t.cpu).collect()),
        }
    }
}

/// Runs a Node side (`node SCRIPT ARGS...`) that prints one line per run,
/// `<bytes> <wall seconds> <cpu seconds>`, and checks each run moved `bytes`; `None` when
/// node is not installed or fails.
pub fn node_runs(script: &str, args: &[String], bytes: usize) -> Option<Summary> {
    let out = std::process::Command::new("node")
        .arg(script)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let runs: Vec<Times> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut p = l.split_whitespace();
            let moved: usize = p.next()?.parse().ok()?;
            assert_eq!(moved, bytes, "node moved {moved} bytes, not {bytes}");
            Some(Times {
                wall: p.next()?.parse().ok()?,
                cpu: p.next()?.parse().ok()?,
            })
        })
        .collect();
    (!runs.is_empty()).then(|| Summary::of(runs))
}

/// Prints one side's row (`name`, wall and CPU medians with min-max, MiB/s at the wall
/// median), then, given Node's summary, Node's row and the speed-up of Rust over Node
/// (ratio of medians); without it, that the Node side was skipped.
pub fn print_sides(
    rust_name: &str,
    rust: &Summary,
    node_name: &str,
    node: Option<&Summary>,
    mib: f64,
) {
    println!(
        "{rust_name}  {}  {:.0} MiB/s  cpu {}",
        rust.wall,
        mib / rust.wall.median,
        rust.cpu
    );
    match node {
        None => println!("node: not found or failed; Node side skipped"),
        Some(node) => {
            println!(
                "{node_name}  {}  {:.0} MiB/s  cpu {}",
                node.wall,
                mib / node.wall.median,
                node.cpu
            );
            println!(
                "speed-up rust over node (ratio of medians, node/rust): wall {:.2}x, cpu {:.2}x",
                node.wall.median / rust.wall.median,
                node.cpu.median / rust.cpu.median
            );
        }
    }
}
