//! Emit throughput against Node's EventEmitter, in one run.
//!
//! Run with `cargo bench --bench emit`. Three shapes, the same on both sides:
//! - `one_listener`: one listener, a one-number payload;
//! - `ten_listeners`: ten listeners, a one-number payload;
//! - `once_emit_pairs`: `once()` then `emit()`, repeated.
//!
//! The Rust side emits through a resolved `EventKey` (and, for the first shape, also
//! through a typed `Event`, found through the emitter's static-name cache, and a plain
//! `&str`, which is hashed). The Node side is `benches/node/emit.js`, spawned here; it is
//! skipped with a message if `node` is absent. Each figure is the best of five timed runs
//! after a warm-up, over three alternating Rust/Node rounds. The listener adds the payload
//! into a sum on both sides (`sum = (sum + v) | 0` in JS, so V8 keeps it a small integer).
//!
//! `cargo bench --bench emit -- <filter>` runs only the matching Rust shapes;
//! `EMIT_BENCH_DIV=<k>` divides every count by `k` (quick runs, profilers).

use std::cell::Cell;
use std::collections::HashMap;
use std::hint::black_box;
use std::process::Command;
use std::rc::Rc;
use std::time::Instant;

use nodestream::events::{Event, EventEmitter};

const X: Event<u64> = Event::new("x");

/// Rust/Node rounds, alternating.
const ROUNDS: usize = 3;

fn best_rate(n: u64, mut body: impl FnMut(u64)) -> f64 {
    // EMIT_BENCH_DIV=<k> divides every count by k (quick runs, runs under valgrind).
    let div = std::env::var("EMIT_BENCH_DIV")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(1)
        .max(1);
    let n = (n / div).max(1);
    body(n.min(200_000));
    let mut best = 0f64;
    for _ in 0..5 {
        let t0 = Instant::now();
        body(n);
        let secs = t0.elapsed().as_secs_f64();
        best = best.max(n as f64 / secs);
    }
    best
}

fn counter(em: &EventEmitter, sum: &Rc<Cell<u64>>) {
    let s = sum.clone();
    em.on(X, move |v: &u64| s.set(s.get().wrapping_add(*v)));
}

fn rust_side(sum: &Rc<Cell<u64>>, filter: &str) -> Vec<(&'static str, f64)> {
    let mut out = Vec::new();
    let mut push = |name: &'static str, run: &mut dyn FnMut() -> f64| {
        if name.contains(filter) {
            out.push((name, run()));
        }
    };
    shapes(sum, &mut push);
    out
}

/// Runs every Rust shape through `push(name, measure)`.
fn shapes(sum: &Rc<Cell<u64>>, push: &mut dyn FnMut(&'static str, &mut dyn FnMut() -> f64)) {
    let em = EventEmitter::new();
    counter(&em, sum);
    let key = em.key(X);
    push("one_listener", &mut || {
        best_rate(50_000_000, |n| {
            for i in 0..n {
                em.emit(&key, black_box(&i));
            }
        })
    });
    push("one_listener (typed Event)", &mut || {
        best_rate(20_000_000, |n| {
            for i in 0..n {
                em.emit(X, black_box(&i));
            }
        })
    });
    push("one_listener (&str, hashed)", &mut || {
        best_rate(20_000_000, |n| {
            for i in 0..n {
                em.emit("x", black_box(&i));
            }
        })
    });

    let em = EventEmitter::new();
    for _ in 0..10 {
        counter(&em, sum);
    }
    let key = em.key(X);
    push("ten_listeners", &mut || {
        best_rate(10_000_000, |n| {
            for i in 0..n {
                em.emit(&key, black_box(&i));
            }
        })
    });

    let em = EventEmitter::new();
    let key = em.key(X);
    push("once_emit_pairs", &mut || {
        best_rate(10_000_000, |n| {
            for i in 0..n {
                let s = sum.clone();
                em.once(&key, move |v: &u64| s.set(s.get().wrapping_add(*v)));
                em.emit(&key, black_box(&i));
            }
        })
    });
}

fn node_side() -> Option<HashMap<String, f64>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/node/emit.js");
    let output = match Command::new("node").arg(script).output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            eprintln!(
                "node side failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return None;
        }
        Err(e) => {
            eprintln!("node not found ({e}); skipping the Node side");
            return None;
        }
    };
    let text = String::from_utf8_lossy(&output.stdout);
    Some(
        text.lines()
            .filter_map(|l| {
                let (name, rate) = l.split_once(' ')?;
                Some((name.to_string(), rate.trim().parse().ok()?))
            })
            .collect(),
    )
}

fn main() {
    // `cargo bench --bench emit -- <filter>` runs only the Rust shapes whose name contains
    // the filter (and no Node side): handy under a profiler.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let sum = Rc::new(Cell::new(0u64));
    if let Some(f) = filter {
        for (name, r) in rust_side(&sum, &f) {
            println!("{name:<36} {r:>14.0}");
        }
        return;
    }
    // Rounds alternate the two sides so that a busy machine slows both alike; each side
    // keeps its best figure per shape.
    let mut rust: Vec<(&'static str, f64)> = Vec::new();
    let mut node: Option<HashMap<String, f64>> = None;
    for round in 0..ROUNDS {
        for (i, (name, r)) in rust_side(&sum, "").into_iter().enumerate() {
            match rust.get_mut(i) {
                Some(best) => best.1 = best.1.max(r),
                None => rust.push((name, r)),
            }
        }
        match (node_side(), &mut node) {
            (Some(new), Some(best)) => {
                for (k, v) in new {
                    let e = best.entry(k).or_insert(0.0);
                    *e = e.max(v);
                }
            }
            (Some(new), None) if round == 0 => node = Some(new),
            _ => break,
        }
    }
    black_box(sum.get());
    println!(
        "{:<36} {:>14} {:>14} {:>16}",
        "shape", "rust ops/s", "node ops/s", "ratio rust/node"
    );
    for (name, r) in rust {
        let base = name.split(' ').next().unwrap_or(name);
        match node.as_ref().and_then(|m| m.get(base)) {
            Some(n) => println!("{name:<36} {r:>14.0} {n:>14.0} {:>16.2}", r / n),
            None => println!("{name:<36} {r:>14.0} {:>14} {:>16}", "-", "-"),
        }
    }
}
