//! 1 GiB of 64 KiB chunks from a Readable through three `PassThrough`s into a Writable that
//! counts them, in memory, against the same chain in Node.
//!
//! Run: `cargo bench --bench passthrough_chain`. Each side runs the chain 9 times in one
//! process (Node's JIT warms up over the first runs; so does the Rust side's allocator);
//! prints each side's median with the min-max beside it, and the speed-up of Rust over Node
//! (Node's median / Rust's; the goal is 5 or more), on the wall clock and on CPU time. The
//! chunks are one shared 64 KiB buffer on both sides (Node pushes the same `Buffer`; the
//! Rust side pushes clones of one `Bytes`), so what is measured is the streams' own work per
//! chunk and stage. The Node side is skipped when `node` is not installed.
//! `PASSTHROUGH_MIB=N` moves N MiB instead.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use bytes::Bytes;
use nodestream::stream::readable::{Readable, ReadableOptions};
use nodestream::stream::writable::{Chunk, Sink, WriteCallback};
use nodestream::stream::{DuplexOptions, PassThrough, Writable, WritableOptions};
use support::{Summary, Times};

const REPS: usize = 9;
const CHUNK: usize = 64 * 1024;

fn bytes() -> usize {
    let mib: usize = std::env::var("PASSTHROUGH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    mib * 1024 * 1024
}

/// Counts the bytes written.
struct Count(Rc<Cell<usize>>);

impl Sink for Count {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.0.set(self.0.get() + chunk.len());
        cb.ok();
    }
}

fn rust_chain(n: usize) -> Times {
    let t0 = Instant::now();
    let c0 = support::thread_cpu();
    let el = support::node_loop();
    let lp = el.handle();
    let chunk = Bytes::from(vec![b'x'; CHUNK]);
    let left = Cell::new(n);
    let src = Readable::new(&lp, ReadableOptions::new(), move |r: &Readable, _| {
        while left.get() > 0 {
            left.set(left.get() - CHUNK);
            if !r.push(chunk.clone()) {
                return;
            }
        }
        r.push(None);
    });
    let got = Rc::new(Cell::new(0));
    let sink = Writable::new(&lp, Count(got.clone()), WritableOptions::new());
    src.pipe(&PassThrough::new(&lp, DuplexOptions::new()))
        .pipe(&PassThrough::new(&lp, DuplexOptions::new()))
        .pipe(&PassThrough::new(&lp, DuplexOptions::new()))
        .pipe(&sink);
    el.run().unwrap();
    let times = Times {
        wall: t0.elapsed().as_secs_f64(),
        cpu: (support::thread_cpu() - c0).as_secs_f64(),
    };
    assert_eq!(got.get(), n);
    assert!(sink.writable_finished());
    times
}

fn node(n: usize) -> Option<Summary> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/node/passthrough_chain.js"
    );
    support::node_runs(script, &[n.to_string(), REPS.to_string()], n)
}

fn main() {
    println!("{}", support::compat_line());
    let n = bytes();
    let mib = (n / (1024 * 1024)) as f64;
    let rust = Summary::of((0..REPS).map(|_| rust_chain(n)));
    println!(
        "passthrough_chain: {mib} MiB in 64 KiB chunks, Readable -> 3 PassThrough -> Writable, \
         {REPS} runs a side: median (min-max)"
    );
    support::print_sides("rust", &rust, "node", node(n).as_ref(), mib);
}
