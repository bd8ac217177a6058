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
//! Each side runs a warm-up and then `REPS` (5) measured runs; each reports the median with
//! the min-max beside it, and the ratio is of the medians. Rates are
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

use support::Stat;

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

/// `reps` runs, each checked to have delivered every byte.
fn runs(n: u64, reps: u32, chunk: &Bytes, kind: Kind, compat: NodeCompat) -> Vec<Outcome> {
    (0..reps)
        .map(|_| run(n, chunk.clone(), kind, compat))
        .inspect(|o| assert_eq!(o.bytes, n * SIZE as u64, "every byte reached the sink"))
        .collect()
}

/// Wall and on-CPU nanoseconds per write over one side's runs.
struct PerWrite {
    wall: Stat,
    cpu: Stat,
}

impl PerWrite {
    fn of(n: u64, ns: impl Iterator<Item = (f64, f64)>) -> PerWrite {
        let (wall, cpu): (Vec<f64>, Vec<f64>) =
            ns.map(|(w, c)| (w / n as f64, c / n as f64)).unzip();
        PerWrite {
            wall: Stat::of(wall),
            cpu: Stat::of(cpu),
        }
    }

    fn print(&self, label: &str) {
        let s = |x: &Stat| format!("{:.2} ({:.2}-{:.2})", x.median, x.min, x.max);
        println!(
            "{label} ns_per_write: on-CPU {}, wall {}",
            s(&self.cpu),
            s(&self.wall)
        );
    }
}

/// Node's runs, one line each: `node ns=<wall> cpu=<on-CPU> drains=<n> bytes=<n>`.
fn node_runs(n: u64, reps: u32) -> Option<PerWrite> {
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
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |line: &str, name: &str| -> Option<f64> {
        line.split_whitespace()
            .find_map(|f| f.strip_prefix(name))
            .and_then(|v| v.parse().ok())
    };
    let runs: Vec<(f64, f64)> = text
        .lines()
        .filter_map(|l| Some((field(l, "ns=")?, field(l, "cpu=")?)))
        .collect();
    (!runs.is_empty()).then(|| PerWrite::of(n, runs.into_iter()))
}

fn main() {
    let env_num = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let n = env_num("WRITES", 10_000_000);
    let reps = env_num("REPS", 5) as u32;
    println!(
        "writable: {n} writes of {SIZE} bytes, drain loop, sink completes synchronously; \
         {reps} runs a side: median (min-max)"
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
    let rust: Vec<(&str, PerWrite)> = variants
        .iter()
        .filter(|v| v.0.contains(only.as_str()))
        .map(|&(label, kind, chunk)| {
            let outcomes = runs(n, reps, chunk, kind, compat);
            let per = PerWrite::of(n, outcomes.iter().map(|o| (o.ns, o.cpu_ns)));
            per.print(&format!("rust({label}) drains={}", outcomes[0].drains));
            (label, per)
        })
        .collect();

    let node = if std::env::var_os("NO_NODE").is_some() {
        None
    } else {
        node_runs(n, reps)
    };
    match node {
        Some(node) => {
            node.print("node");
            for (label, per) in rust {
                println!(
                    "ratio node/rust ns per write, medians ({label}) = {:.2} on-CPU, {:.2} wall",
                    node.cpu.median / per.cpu.median,
                    node.wall.median / per.wall.median
                );
            }
        }
        None => println!("ratio: no node side"),
    }
}
