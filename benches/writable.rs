//! Writable throughput: 10,000,000 writes of 100 bytes with the "write until `false`, wait
//! for `'drain'`" loop into an in-memory sink that completes synchronously, against the same
//! program in Node (`benches/node/writable.js`), run in one go; prints both rates and the
//! ratio.
//!
//! Run with `cargo bench --bench writable` (set `WRITES=n` for another count).

use std::cell::Cell;
use std::process::Command;
use std::rc::Rc;
use std::time::Instant;

use bytes::Bytes;
use nodestream::events::DRAIN;
use nodestream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
use nodestream::EventLoop;

const SIZE: usize = 100;

/// Counts the bytes it is given and completes at once.
struct Counter(Rc<Cell<u64>>);

impl Sink for Counter {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.0.set(self.0.get() + chunk.len() as u64);
        cb.ok();
    }
}

struct Outcome {
    ns: f64,
    drains: u64,
    bytes: u64,
}

/// The drain-pattern loop of the Node script, writing clones of `chunk`.
fn run(n: u64, chunk: Bytes) -> Outcome {
    let lp = EventLoop::new().expect("event loop");
    let bytes = Rc::new(Cell::new(0));
    let w = Writable::new(&lp.handle(), Counter(bytes.clone()), WritableOptions::new());
    let drains = Rc::new(Cell::new(0u64));
    let left = Rc::new(Cell::new(n));

    fn pump(w: Writable, chunk: Bytes, left: Rc<Cell<u64>>, drains: Rc<Cell<u64>>) {
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

    let start = Instant::now();
    pump(w, chunk, left, drains.clone());
    lp.run().expect("loop");
    let ns = start.elapsed().as_nanos() as f64;
    Outcome {
        ns,
        drains: drains.get(),
        bytes: bytes.get(),
    }
}

fn report(label: &str, n: u64, o: &Outcome) -> f64 {
    let rate = n as f64 / (o.ns / 1e9);
    println!(
        "{label} writes_per_sec={rate:.0} ns_per_write={:.2} drains={} bytes={}",
        o.ns / n as f64,
        o.drains,
        o.bytes
    );
    assert_eq!(o.bytes, n * SIZE as u64, "every byte reached the sink");
    rate
}

fn node_rate(n: u64) -> Option<f64> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/node/writable.js");
    let out = match Command::new("node").arg(script).arg(n.to_string()).output() {
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
    line.split_whitespace()
        .find_map(|f| f.strip_prefix("writes_per_sec="))
        .and_then(|v| v.parse().ok())
}

fn main() {
    let n: u64 = std::env::var("WRITES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    println!("writable: {n} writes of {SIZE} bytes, drain loop, sink completes synchronously");

    // Warm-up.
    run(n / 10, Bytes::from_static(&[b'x'; SIZE]));

    // The chunk a caller shares without copying: a reference-counted buffer (every write
    // clones the handle: one atomic increment, one decrement when the sink drops it).
    let shared = Bytes::from(vec![b'x'; SIZE]);
    let rust_shared = report("rust(shared Bytes)", n, &run(n, shared));
    // A static buffer: clones are plain copies.
    static DATA: [u8; SIZE] = [b'x'; SIZE];
    let rust_static = report("rust(static Bytes)", n, &run(n, Bytes::from_static(&DATA)));

    match node_rate(n) {
        Some(node) => {
            println!("ratio rust/node (shared Bytes) = {:.2}", rust_shared / node);
            println!("ratio rust/node (static Bytes) = {:.2}", rust_static / node);
        }
        None => println!("ratio rust/node: no node side"),
    }
}
