//! Reading a child process's stdout through the fd-backed Readable, against Node doing the
//! same, and against a plain blocking `read` loop (the ceiling).
//!
//! Run: `cargo bench --bench readable_pipe`. Each case reads 256 MiB from
//! `head -c N /dev/zero`: `data` counts the bytes of every `'data'` event; `pipe` pipes the
//! stream into a Writable whose writes complete at once; `push` makes 1,000,000 pushes of
//! 100 bytes in a source's `read` for a `'data'` listener (no I/O). 5 runs per case on each
//! side; prints each case's median with the min-max beside it, and the speed-up of Rust
//! over Node (Node's median / Rust's). The Rust side follows the release of the
//! `node` it is compared with (`NodeCompat`: default high-water marks), printed first.

use std::cell::Cell;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::Instant;

use nodestream::stream::readable::{Chunk, Readable, ReadableOptions};
use nodestream::stream::writable::{Chunk as WChunk, Sink, WriteCallback};
use nodestream::{Writable, WritableOptions};

mod support;

use support::Stat;

const N: usize = 256 * 1024 * 1024;

fn child() -> (std::process::Child, OwnedFd) {
    let mut c = Command::new("head")
        .args(["-c", &N.to_string(), "/dev/zero"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn head");
    let out = OwnedFd::from(c.stdout.take().unwrap());
    (c, out)
}

fn rust_data() -> f64 {
    let t0 = Instant::now();
    let (mut c, out) = child();
    let el = support::node_loop();
    let r = Readable::from_fd(&el.handle(), out, ReadableOptions::default()).unwrap();
    let n = Rc::new(Cell::new(0usize));
    let n2 = n.clone();
    r.on("data", move |c: &Chunk| n2.set(n2.get() + c.len()));
    el.run().unwrap();
    let s = t0.elapsed().as_secs_f64();
    assert_eq!(n.get(), N);
    c.wait().unwrap();
    s
}

struct Count(Rc<Cell<usize>>);

impl Sink for Count {
    fn write(&mut self, chunk: WChunk, cb: WriteCallback) {
        self.0.set(self.0.get() + chunk.len());
        cb.ok();
    }
}

fn rust_pipe() -> f64 {
    let t0 = Instant::now();
    let (mut c, out) = child();
    let el = support::node_loop();
    let lp = el.handle();
    let r = Readable::from_fd(&lp, out, ReadableOptions::default()).unwrap();
    let n = Rc::new(Cell::new(0usize));
    let w = Writable::new(&lp, Count(n.clone()), WritableOptions::new());
    r.pipe(&w);
    el.run().unwrap();
    let s = t0.elapsed().as_secs_f64();
    assert_eq!(n.get(), N);
    c.wait().unwrap();
    s
}

fn raw_read() -> f64 {
    let t0 = Instant::now();
    let (mut c, out) = child();
    let mut f = std::fs::File::from(out);
    let mut buf = vec![0u8; 64 * 1024];
    let mut n = 0;
    loop {
        let k = f.read(&mut buf).unwrap();
        if k == 0 {
            break;
        }
        n += k;
    }
    let s = t0.elapsed().as_secs_f64();
    assert_eq!(n, N);
    c.wait().unwrap();
    s
}

const PUSHES: usize = 1_000_000;

/// Each case runs this many times on each side; the median counts, with the min-max beside it.
const REPS: usize = 5;

/// 1,000,000 pushes of 100 bytes from the source's `read` (until `push` says stop) to a
/// `'data'` listener: the state machine's own cost.
fn rust_push() -> f64 {
    let t0 = Instant::now();
    let el = support::node_loop();
    let chunk = bytes::Bytes::from(vec![b'a'; 100]);
    let made = Cell::new(0usize);
    let r = Readable::new(
        &el.handle(),
        ReadableOptions::default(),
        move |r: &Readable, _: usize| {
            while made.get() < PUSHES {
                made.set(made.get() + 1);
                if !r.push(chunk.clone()) {
                    return;
                }
            }
            r.push(None);
        },
    );
    let n = Rc::new(Cell::new(0usize));
    let n2 = n.clone();
    r.on("data", move |c: &Chunk| n2.set(n2.get() + c.len()));
    el.run().unwrap();
    let s = t0.elapsed().as_secs_f64();
    assert_eq!(n.get(), PUSHES * 100);
    s
}

fn node() -> Option<Vec<(String, f64)>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/node/readable_pipe.js");
    let out = Command::new("node")
        .arg(script)
        .arg(N.to_string())
        .arg(PUSHES.to_string())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Some(
        text.lines()
            .filter_map(|l| {
                let mut p = l.split_whitespace();
                let name = p.next()?.to_string();
                let bytes: usize = p.next()?.parse().ok()?;
                let want = if name == "push" { PUSHES * 100 } else { N };
                assert_eq!(bytes, want, "node {name} read {bytes} bytes");
                Some((name, p.next()?.parse().ok()?))
            })
            .collect(),
    )
}

fn main() {
    // First: asks node its version once, outside the timed runs.
    println!("{}", support::compat_line());
    // `READABLE_PIPE_ONLY=push` repeats the push case alone (for a profiler).
    if std::env::var("READABLE_PIPE_ONLY").as_deref() == Ok("push") {
        let push = Stat::of((0..20).map(|_| rust_push()).collect());
        println!("rust push x{PUSHES}, 20 runs: {push}");
        return;
    }
    let mib = (N / (1024 * 1024)) as f64;
    // Warm the page cache and the binaries once.
    let _ = raw_read();
    let runs = |f: fn() -> f64| Stat::of((0..REPS).map(|_| f()).collect());
    let raw = runs(raw_read);
    let data = runs(rust_data);
    let pipe = runs(rust_pipe);
    let push = runs(rust_push);
    println!("readable_pipe: {mib} MiB from `head -c {N} /dev/zero`, {REPS} runs a case: median (min-max)");
    println!("raw read(2) loop     {raw}  {:.0} MiB/s", mib / raw.median);
    println!(
        "rust 'data'          {data}  {:.0} MiB/s",
        mib / data.median
    );
    println!(
        "rust pipe()          {pipe}  {:.0} MiB/s",
        mib / pipe.median
    );
    println!(
        "rust push x{PUSHES}  {push}  {:.0} pushes/s",
        PUSHES as f64 / push.median
    );
    match node() {
        None => println!("node: not found or failed; Node side skipped"),
        Some(cases) => {
            let mut by_case: Vec<(String, Vec<f64>)> = Vec::new();
            for (name, secs) in cases {
                match by_case.iter_mut().find(|(n, _)| *n == name) {
                    Some(c) => c.1.push(secs),
                    None => by_case.push((name, vec![secs])),
                }
            }
            for (name, runs) in by_case {
                let node = Stat::of(runs);
                let rust = match name.as_str() {
                    "data" => data,
                    "pipe" => pipe,
                    _ => push,
                };
                println!(
                    "node {name:<6}          {node}   speed-up rust over node (ratio of medians) {:.2}x",
                    node.median / rust.median
                );
            }
        }
    }
    println!(
        "ratio of medians rust 'data'/raw {:.2}",
        data.median / raw.median
    );
}
