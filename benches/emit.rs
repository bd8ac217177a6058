//! Emit throughput against Node's EventEmitter, in one run.
//!
//! Run with `cargo bench --bench emit`. Three shapes, the same on both sides:
//! - `one_listener`: one listener, a one-number payload;
//! - `ten_listeners`: ten listeners, a one-number payload;
//! - `once_emit_pairs`: `once()` then `emit()`, repeated.
//!
//! The Rust side emits through a resolved `EventKey`, and for the first shape also through
//! a typed `Event` (found through the emitter's static-name cache) and a plain `&str`
//! (looked up by name); Node has one path, `emit('x', i)`, which each of the three is
//! compared with. The Node side is `benches/node/emit.js`, spawned here; it is skipped with
//! a message if `node` is absent.
//!
//! Each side runs `ROUNDS` rounds, alternating, so that a busy machine slows both alike;
//! in a round each shape runs once to warm up, then `RUNS` timed runs of a whole loop of
//! emits. Every timed run is one sample: a shape's figure is the median of its samples over
//! all rounds, printed with their minimum and maximum, and the ratio is of the two medians.
//! The listener adds the payload into a sum on both sides (`sum = (sum + v) | 0` in JS, so
//! V8 keeps it a small integer).
//!
//! `cargo bench --bench emit -- <id>[,<id>..]` runs only those Rust shapes (`key`, `event`,
//! `str`, `ten`, `once`) once, with no Node side: handy under a profiler.
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

/// Timed runs per shape in a round (after one warm-up run).
const RUNS: usize = 5;

/// One Rust shape: a short id for the filter, the printed name, and the Node shape it is
/// compared with.
struct Shape {
    id: &'static str,
    name: &'static str,
    node: &'static str,
}

const SHAPES: [Shape; 5] = [
    Shape {
        id: "key",
        name: "one_listener (EventKey)",
        node: "one_listener",
    },
    Shape {
        id: "event",
        name: "one_listener (typed Event)",
        node: "one_listener",
    },
    Shape {
        id: "str",
        name: "one_listener (&str)",
        node: "one_listener",
    },
    Shape {
        id: "ten",
        name: "ten_listeners",
        node: "ten_listeners",
    },
    Shape {
        id: "once",
        name: "once_emit_pairs",
        node: "once_emit_pairs",
    },
];

/// The emit count of a run, divided by `EMIT_BENCH_DIV` if set.
fn count(n: u64) -> u64 {
    let div = std::env::var("EMIT_BENCH_DIV")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(1)
        .max(1);
    (n / div).max(1)
}

/// One warm-up run, then `runs` timed runs of `body(n)`; the rate (ops/s) of each.
fn rates(n: u64, runs: usize, mut body: impl FnMut(u64)) -> Vec<f64> {
    let n = count(n);
    body(n.min(200_000));
    (0..runs)
        .map(|_| {
            let t0 = Instant::now();
            body(n);
            n as f64 / t0.elapsed().as_secs_f64()
        })
        .collect()
}

fn counter(em: &EventEmitter, sum: &Rc<Cell<u64>>) {
    let s = sum.clone();
    em.on(X, move |v: &u64| s.set(s.get().wrapping_add(*v)));
}

/// Runs the shape `id` (`runs` timed runs); its rates.
fn run_shape(id: &str, runs: usize, sum: &Rc<Cell<u64>>) -> Vec<f64> {
    let em = EventEmitter::new();
    match id {
        "key" | "event" | "str" => counter(&em, sum),
        "ten" => (0..10).for_each(|_| counter(&em, sum)),
        _ => {}
    }
    let key = em.key(X);
    match id {
        "key" => rates(50_000_000, runs, |n| {
            for i in 0..n {
                em.emit(&key, black_box(&i));
            }
        }),
        "event" => rates(50_000_000, runs, |n| {
            for i in 0..n {
                em.emit(X, black_box(&i));
            }
        }),
        "str" => rates(50_000_000, runs, |n| {
            for i in 0..n {
                em.emit("x", black_box(&i));
            }
        }),
        "ten" => rates(10_000_000, runs, |n| {
            for i in 0..n {
                em.emit(&key, black_box(&i));
            }
        }),
        "once" => rates(10_000_000, runs, |n| {
            for i in 0..n {
                let s = sum.clone();
                em.once(&key, move |v: &u64| s.set(s.get().wrapping_add(*v)));
                em.emit(&key, black_box(&i));
            }
        }),
        other => panic!("unknown shape {other:?}; known: key, event, str, ten, once"),
    }
}

/// One run of the Node side: every timed run's rate, by shape.
fn node_side() -> Option<HashMap<String, Vec<f64>>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/node/emit.js");
    let output = match Command::new("node")
        .arg(script)
        .env("EMIT_BENCH_RUNS", RUNS.to_string())
        .output()
    {
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
                let mut words = l.split_whitespace();
                let name = words.next()?.to_string();
                let rates: Vec<f64> = words.filter_map(|w| w.parse().ok()).collect();
                Some((name, rates))
            })
            .collect(),
    )
}

/// Median, minimum and maximum of `v` (non-empty).
fn stats(v: &[f64]) -> (f64, f64, f64) {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let mid = s.len() / 2;
    let median = if s.len() % 2 == 0 {
        (s[mid - 1] + s[mid]) / 2.0
    } else {
        s[mid]
    };
    (median, s[0], s[s.len() - 1])
}

/// `median (min-max)` in millions per second.
fn show(v: &[f64]) -> String {
    let (med, lo, hi) = stats(v);
    format!("{:.1} ({:.1}-{:.1})", med / 1e6, lo / 1e6, hi / 1e6)
}

fn main() {
    let sum = Rc::new(Cell::new(0u64));
    // `cargo bench --bench emit -- key,event` runs those shapes once, Rust only.
    if let Some(filter) = std::env::args().skip(1).find(|a| !a.starts_with('-')) {
        for id in filter.split(',') {
            let name = SHAPES.iter().find(|s| s.id == id).map_or(id, |s| s.name);
            println!("{name:<28} {} M/s", show(&run_shape(id, RUNS, &sum)));
        }
        black_box(sum.get());
        return;
    }
    let mut rust: Vec<Vec<f64>> = vec![Vec::new(); SHAPES.len()];
    let mut node: HashMap<String, Vec<f64>> = HashMap::new();
    let mut node_ok = true;
    for _ in 0..ROUNDS {
        for (i, shape) in SHAPES.iter().enumerate() {
            rust[i].extend(run_shape(shape.id, RUNS, &sum));
        }
        if node_ok {
            match node_side() {
                Some(runs) => {
                    for (k, v) in runs {
                        node.entry(k).or_default().extend(v);
                    }
                }
                None => node_ok = false,
            }
        }
    }
    black_box(sum.get());
    println!(
        "{ROUNDS} rounds x {RUNS} runs per side; median (min-max) in M emits/s; ratio of medians"
    );
    println!(
        "{:<28} {:>22} {:>22} {:>10}",
        "shape", "rust", "node", "rust/node"
    );
    for (shape, r) in SHAPES.iter().zip(&rust) {
        match node.get(shape.node).filter(|v| !v.is_empty()) {
            Some(n) => println!(
                "{:<28} {:>22} {:>22} {:>10.2}",
                shape.name,
                show(r),
                show(n),
                stats(r).0 / stats(n).0
            ),
            None => println!("{:<28} {:>22} {:>22} {:>10}", shape.name, show(r), "-", "-"),
        }
    }
}
