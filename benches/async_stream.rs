//! Async iteration of a child's stdout: `while let Some(c) = stream.next().await` over the
//! fd-backed Readable on the loop's executor, against Node's
//! `for await (const c of child.stdout)`.
//!
//! Run: `cargo bench --bench async_stream`. Each side reads 1 GiB from
//! `head -c 1073741824 /dev/zero`, best of 3 runs (wall clock, spawn included). Prints both
//! times, and the speed-up of Rust over Node (Node's time / Rust's; the goal is 1.5 or
//! more). The Node side is skipped when `node` is not installed. `ASYNC_STREAM_MIB=N`
//! reads N MiB instead.

use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};
use std::time::Instant;

use futures_util::{FutureExt, StreamExt};
use nodestream::stream::readable::{Readable, ReadableOptions};
use nodestream::EventLoop;

const REPS: usize = 3;

fn bytes() -> usize {
    let mib: usize = std::env::var("ASYNC_STREAM_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    mib * 1024 * 1024
}

fn rust_for_await(n: usize) -> f64 {
    let t0 = Instant::now();
    let mut child = Command::new("head")
        .args(["-c", &n.to_string(), "/dev/zero"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn head");
    let out = OwnedFd::from(child.stdout.take().unwrap());
    let el = EventLoop::new().unwrap();
    let r = Readable::from_fd(&el.handle(), out, ReadableOptions::default()).unwrap();
    let total = el.spawn_local(async move {
        let mut stream = r.iter();
        let mut total = 0usize;
        while let Some(c) = stream.next().await {
            total += c.expect("read").len();
        }
        total
    });
    el.run().unwrap();
    let secs = t0.elapsed().as_secs_f64();
    let total = total.now_or_never().unwrap().unwrap();
    assert_eq!(total, n);
    child.wait().unwrap();
    secs
}

/// Node's best time, or `None` without node.
fn node(n: usize) -> Option<f64> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/node/async_stream.js");
    let out = Command::new("node")
        .arg(script)
        .arg(n.to_string())
        .arg(REPS.to_string())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut p = l.split_whitespace();
            let bytes: usize = p.next()?.parse().ok()?;
            assert_eq!(bytes, n, "node read {bytes} bytes");
            p.next()?.parse::<f64>().ok()
        })
        .reduce(f64::min)
}

fn main() {
    let n = bytes();
    let mib = (n / (1024 * 1024)) as f64;
    let rust = (0..REPS)
        .map(|_| rust_for_await(n))
        .fold(f64::MAX, f64::min);
    println!("async_stream: {mib} MiB from `head -c {n} /dev/zero`, best of {REPS}");
    println!(
        "rust  while let Some(c) = stream.next().await  {rust:.4} s  {:.0} MiB/s",
        mib / rust
    );
    match node(n) {
        None => println!("node: not found or failed; Node side skipped"),
        Some(node) => {
            println!(
                "node  for await (const c of stream)           {node:.4} s  {:.0} MiB/s",
                mib / node
            );
            println!("speed-up rust over node (node/rust): {:.2}x", node / rust);
        }
    }
}
