//! Async iteration of a child's stdout: `while let Some(c) = stream.next().await` over the
//! fd-backed Readable on the loop's executor, against Node's
//! `for await (const c of child.stdout)`.
//!
//! Run: `cargo bench --bench async_stream`. Each side reads 1 GiB from
//! `head -c 1073741824 /dev/zero`, 5 runs (wall clock, spawn included). Prints each side's
//! median with the min-max beside it, and the speed-up of Rust over Node (Node's time / Rust's; the goal is 1.5 or
//! more), on the wall clock and on the CPU time the reading process spent (this thread
//! for Rust, `process.cpuUsage()` for Node), which a busy neighbour on a shared machine
//! does not inflate. A blocking `read(2)` loop on the same pipe is the ceiling: `head`'s
//! own speed bounds both sides. The Node side is skipped when `node` is not installed.
//! `ASYNC_STREAM_MIB=N` reads N MiB instead.

mod support;

use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};
use std::time::Instant;

use futures_util::{FutureExt, StreamExt};
use nodestream::stream::readable::{Readable, ReadableOptions};
use support::{Stat, Summary, Times};

const REPS: usize = 5;

fn bytes() -> usize {
    let mib: usize = std::env::var("ASYNC_STREAM_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    mib * 1024 * 1024
}

fn rust_for_await(n: usize) -> Times {
    let t0 = Instant::now();
    let c0 = support::thread_cpu();
    let mut child = Command::new("head")
        .args(["-c", &n.to_string(), "/dev/zero"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn head");
    let out = OwnedFd::from(child.stdout.take().unwrap());
    let el = support::node_loop();
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
    let times = Times {
        wall: t0.elapsed().as_secs_f64(),
        cpu: (support::thread_cpu() - c0).as_secs_f64(),
    };
    let total = total.now_or_never().unwrap().unwrap();
    assert_eq!(total, n);
    child.wait().unwrap();
    times
}

/// The ceiling: a blocking `read(2)` loop of 64 KiB on the same pipe.
fn raw_read(n: usize) -> f64 {
    use std::io::Read;
    let t0 = Instant::now();
    let mut child = Command::new("head")
        .args(["-c", &n.to_string(), "/dev/zero"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn head");
    let mut out = child.stdout.take().unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    loop {
        let k = out.read(&mut buf).unwrap();
        if k == 0 {
            break;
        }
        total += k;
    }
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(total, n);
    child.wait().unwrap();
    secs
}

/// Node's runs, or `None` without node.
fn node(n: usize) -> Option<Summary> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/node/async_stream.js");
    support::node_runs(script, &[n.to_string(), REPS.to_string()], n)
}

fn main() {
    // First: asks node its version once, outside the timed runs.
    println!("{}", support::compat_line());
    let n = bytes();
    let mib = (n / (1024 * 1024)) as f64;
    if std::env::var("ASYNC_STREAM_ONLY").as_deref() == Ok("rust") {
        // For a profiler: the Rust side alone.
        let t = Summary::of((0..REPS).map(|_| rust_for_await(n)));
        println!("rust {}, cpu {}", t.wall, t.cpu);
        return;
    }
    let raw = Stat::of((0..REPS).map(|_| raw_read(n)).collect());
    let rust = Summary::of((0..REPS).map(|_| rust_for_await(n)));
    println!("async_stream: {mib} MiB from `head -c {n} /dev/zero`, {REPS} runs a side: median (min-max)");
    println!(
        "raw   read(2) loop, 64 KiB (the ceiling)      {raw}  {:.0} MiB/s",
        mib / raw.median
    );
    support::print_sides(
        "rust  while let Some(c) = stream.next().await",
        &rust,
        "node  for await (const c of stream)          ",
        node(n).as_ref(),
        mib,
    );
}
