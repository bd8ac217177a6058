//! Writable throughput: 10,000,000 writes of 100 bytes with the "write until `false`, wait
//! for `'drain'`" loop into an in-memory sink that completes synchronously, against the same
//! program in Node (`benches/node/writable.js`), run in one go; prints both rates and the
//! ratio.
//!
//! The Rust side runs four variants: the handle typed by its sink (`Writable::new_typed`,
//! whose sink's `write` inlines into `write()`) or the common `Writable` (sink behind
//! `Box<dyn Sink>`, from `Writable::new`), each writing a shared (reference-counted) or a
//! static `Bytes`; the headline is the typed sink with a static chunk.
//!
//! Each side runs a warm-up and then `REPS` (3) measured runs and keeps its best. Rates are
//! given by wall-clock time and by on-CPU time of the running thread (the first field of
//! `/proc/thread-self/schedstat`, read the same way on both sides), since on a shared,
//! busy machine the wall clock mostly measures the other processes.
//!
//! Run with `cargo bench --bench writable` (`WRITES=n` and `REPS=n` change the counts;
//! `ONLY=typed` or another part of a label runs only the matching Rust variants, and
//! `NO_NODE=1` skips the Node side and `WARMUP=n` sets the warm-up's writes, for
//! profiling one variant under callgrind).
//!
//! The Rust side follows the release of the `node` it is compared with (`NodeCompat::V20`
//! for node v20: a 16 KiB default high-water mark; `V26`, 64 KiB, otherwise); the sink
//! completes synchronously, so `write()` never returns `false` under either and the mark
//! changes no figure. The first line printed says which.

use std::cell::Cell;
use std::process::Command;
use std::rc::Rc;
use std::time::Instant;

use bytes::Bytes;
use nodestream::compat::NodeCompat;
use nodestream::events::DRAIN;
use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
use nodestream::EventLoop;

mod support;

const SIZE: usize = 100;

/// Counts the bytes it is given and completes at once.
struct Counter(Rc<Cell<u64>>);

impl Sink for Counter {
    // `#[inline]` lets a typed stream inline this call across codegen units.
    #[inline]
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.0.set(self.0.get() + chunk.len() as u64);
        cb.ok();
    }
}

#[derive(Clone, Copy)]
struct Outcome {
    ns: f64,
    cpu_ns: f64,
    drains: u64,
    bytes: u64,
}

/// This thread's time on a CPU so far, in nanoseconds (NaN where unavailable).
fn cpu_ns() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(f64::NAN)
}

/// Which handle type the loop writes through.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `Writable` (sink type `dyn Sink`), as made by `Writable::new`.
    Dyn,
    /// `Writable<Chunk, Counter>`, as made by `Writable::new_typed`.
    Typed,
}

/// The drain-pattern loop of the Node script, writing clones of `chunk`.
fn run(n: u64, chunk: Bytes, kind: Kind, compat: NodeCompat) -> Outcome {
    let lp = EventLoop::builder()
        .compat(compat)
        .build()
        .expect("event loop");
    let bytes = Rc::new(Cell::new(0));
    let drains = Rc::new(Cell::new(0u64));
    let left = Rc::new(Cell::new(n));

    fn pump<S: Sink<Chunk>>(
        w: Writable<Chunk, S>,
        chunk: Bytes,
        left: Rc<Cell<u64>>,
        drains: Rc<Cell<u64>>,
    ) {
        let mut ok = true;
        let mut i = left.get();
        while i > 0 && ok {
            i -= 1;
            ok = w.write(chunk.clone());
        }
        left.set(i);
        if i > 0 {
            drains.set(drains.get() + 1);
            let w2 = w.clone();
            w.once(DRAIN, move |_| {
                pump(w2.clone(), chunk.clone(), left.clone(), drains.clone())
            });
        }
    }

    // The stream is made before the clock starts, as on the Node side.
    fn timed<S: Sink<Chunk>>(
        lp: &EventLoop,
        w: Writable<Chunk, S>,
        chunk: Bytes,
        left: Rc<Cell<u64>>,
        drains: Rc<Cell<u64>>,
    ) -> (Instant, f64) {
        let c0 = cpu_ns();
        let start = Instant::now();
        pump(w, chunk, left, drains);
        lp.run().expect("loop");
        (start, c0)
    }

    let (start, c0) = match kind {
        Kind::Dyn => {
            let w = Writable::new(&lp.handle(), Counter(bytes.clone()), WritableOptions::new());
            timed(&lp, w, chunk, left, drains.clone())
        }
        Kind::Typed => {
            let w =
                Writable::new_typed(&lp.handle(), Counter(bytes.clone()), WritableOptions::new());
            timed(&lp, w, chunk, left, drains.clone())
        }
    };
    let ns = start.elapsed().as_nanos() as f64;
    Outcome {
        ns,
        cpu_ns: cpu_ns() - c0,
        drains: drains.get(),
        bytes: bytes.get(),
    }
}

/// The best of `reps` runs (least CPU time).
fn best(n: u64, reps: u32, chunk: &Bytes, kind: Kind, compat: NodeCompat) -> Outcome {
    (0..reps)
        .map(|_| run(n, chunk.clone(), kind, compat))
        .min_by(|a, b| a.cpu_ns.total_cmp(&b.cpu_ns))
        .expect("at least one run")
}

/// Prints one side's line; returns (wall rate, cpu rate).
fn report(label: &str, n: u64, o: &Outcome) -> (f64, f64) {
    let rate = n as f64 / (o.ns / 1e9);
    let cpu_rate = n as f64 / (o.cpu_ns / 1e9);
    println!(
        "{label} writes_per_sec={rate:.0} cpu_writes_per_sec={cpu_rate:.0} ns_per_write={:.2} \
         cpu_ns_per_write={:.2} drains={} bytes={}",
        o.ns / n as f64,
        o.cpu_ns / n as f64,
        o.drains,
        o.bytes
    );
    assert_eq!(o.bytes, n * SIZE as u64, "every byte reached the sink");
    (rate, cpu_rate)
}

fn node_rates(n: u64, reps: u32) -> Option<(f64, f64)> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/node/writable.js");
    let out = match Command::new("node")
        .arg(script)
        .arg(n.to_string())
        .arg(reps.to_string())
        .output()
    {
        Ok(out) if out.status.success() => out,
        Ok(out) => {
            println!("node side failed: {}", String::from_utf8_lossy(&out.stderr));
            return None;
        }
        Err(e) => {
            println!("node side skipped: cannot run node ({e})");
            return None;
        }
    };
    let line = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    println!("{line}");
    let field = |name: &str| -> Option<f64> {
        line.split_whitespace()
            .find_map(|f| f.strip_prefix(name))
            .and_then(|v| v.parse().ok())
    };
    Some((field("writes_per_sec=")?, field("cpu_writes_per_sec=")?))
}

fn main() {
    let env_num = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let n = env_num("WRITES", 10_000_000);
    let reps = env_num("REPS", 3) as u32;
    println!(
        "writable: {n} writes of {SIZE} bytes, drain loop, sink completes synchronously; \
         best of {reps}"
    );
    let compat = support::node_compat().0;
    println!("{}", support::compat_line());

    // Warm-up (`WARMUP=0` skips it).
    let warmup = env_num("WARMUP", n / 10);
    run(warmup, Bytes::from_static(&[b'x'; SIZE]), Kind::Dyn, compat);
    run(
        warmup,
        Bytes::from_static(&[b'x'; SIZE]),
        Kind::Typed,
        compat,
    );

    // The chunk a caller shares without copying: a reference-counted buffer (every write
    // clones the handle: one atomic increment, and a decrement when the sink drops it).
    let shared = Bytes::from(vec![b'x'; SIZE]);
    // A static buffer: clones are plain copies.
    static DATA: [u8; SIZE] = [b'x'; SIZE];
    let stat = Bytes::from_static(&DATA);
    let variants = [
        ("typed sink, static Bytes", Kind::Typed, &stat),
        ("typed sink, shared Bytes", Kind::Typed, &shared),
        ("dyn sink, static Bytes", Kind::Dyn, &stat),
        ("dyn sink, shared Bytes", Kind::Dyn, &shared),
    ];
    // `ONLY=<text>` keeps the variants whose label contains it (for profiling one).
    let only = std::env::var("ONLY").unwrap_or_default();
    let rates: Vec<(&str, f64, f64)> = variants
        .iter()
        .filter(|v| v.0.contains(only.as_str()))
        .map(|&(label, kind, chunk)| {
            let (wall, cpu) = report(
                &format!("rust({label})"),
                n,
                &best(n, reps, chunk, kind, compat),
            );
            (label, wall, cpu)
        })
        .collect();

    let node = if std::env::var_os("NO_NODE").is_some() {
        None
    } else {
        node_rates(n, reps)
    };
    match node {
        Some((node_wall, node_cpu)) => {
            for (label, wall, cpu) in rates {
                println!(
                    "ratio rust/node ({label}) = {:.2} on-CPU, {:.2} wall",
                    cpu / node_cpu,
                    wall / node_wall
                );
            }
        }
        None => println!("ratio rust/node: no node side"),
    }
}
