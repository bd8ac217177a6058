//! `cargo bench --bench reactor`: the event loop against Node on the same three workloads.
//!
//! 1. a chain of 1,000,000 immediates (each schedules the next): one loop turn each;
//! 2. a chain of 1,000,000 next-ticks (each queues the next);
//! 3. 100,000 timers of 0..999 ms armed at once: wall time until the last fires, against
//!    the ideal (the last deadline, 999 ms).
//!
//! The Node side is `benches/node/reactor.js`, run by this binary (skipped with a message
//! when `node` is absent). Prints both sides and the ratio rust/node (>1: Rust is faster
//! for rates; for timers, the overhead over the ideal is printed for each side).

use std::cell::Cell;
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use nodestream::{EventLoop, LoopHandle};

const N_IMMEDIATES: u64 = 1_000_000;
const N_TICKS: u64 = 1_000_000;
const N_TIMERS: u64 = 100_000;

/// With `with_source`, an idle pipe is registered, so every turn makes the `epoll_wait`
/// call (a loop with no source skips a poll that would not block).
fn immediates(with_source: bool) -> f64 {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let (_tx, mut rx) = mio::unix::pipe::new().unwrap();
    let source = with_source.then(|| {
        let id = h
            .register(&mut rx, mio::Interest::READABLE, |_| {
                nodestream::PostAction::Continue
            })
            .unwrap();
        h.set_source_ref(id, false);
        id
    });
    let n = Rc::new(Cell::new(0u64));
    fn step(h: LoopHandle, n: Rc<Cell<u64>>) {
        n.set(n.get() + 1);
        if n.get() < N_IMMEDIATES {
            let h2 = h.clone();
            h.set_immediate(move || step(h2, n));
        }
    }
    let (h2, n2) = (h.clone(), n.clone());
    let t0 = Instant::now();
    h.set_immediate(move || step(h2, n2));
    lp.run().unwrap();
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(n.get(), N_IMMEDIATES);
    if let Some(id) = source {
        h.deregister(id, &mut rx).unwrap();
    }
    N_IMMEDIATES as f64 / secs
}

fn ticks() -> f64 {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let n = Rc::new(Cell::new(0u64));
    fn step(h: LoopHandle, n: Rc<Cell<u64>>) {
        n.set(n.get() + 1);
        if n.get() < N_TICKS {
            let h2 = h.clone();
            h.next_tick(move || step(h2, n));
        }
    }
    let (h2, n2) = (h.clone(), n.clone());
    let t0 = Instant::now();
    // Started from an immediate, as the Node side starts from its main script.
    h.set_immediate(move || {
        let h3 = h2.clone();
        h2.next_tick(move || step(h3, n2));
    });
    lp.run().unwrap();
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(n.get(), N_TICKS);
    N_TICKS as f64 / secs
}

fn timers() -> f64 {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let left = Rc::new(Cell::new(N_TIMERS));
    let end = Rc::new(Cell::new(None));
    let t0 = Instant::now();
    for i in 0..N_TIMERS {
        let (left, end) = (left.clone(), end.clone());
        h.set_timeout(Duration::from_millis(i % 1000), move || {
            left.set(left.get() - 1);
            if left.get() == 0 {
                end.set(Some(Instant::now()));
            }
        });
    }
    lp.run().unwrap();
    end.get().unwrap().duration_since(t0).as_secs_f64()
}

struct NodeSide {
    immediates_per_s: f64,
    ticks_per_s: f64,
    timers_wall_s: f64,
}

/// Reads `"key":number` out of the Node side's one JSON line.
fn field(line: &str, key: &str) -> Option<f64> {
    let start = line.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &line[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

fn node_side() -> Option<NodeSide> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/node/reactor.js");
    let out = match Command::new("node").arg(script).output() {
        Ok(out) if out.status.success() => out,
        Ok(out) => {
            println!(
                "node side failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return None;
        }
        Err(err) => {
            println!("node side skipped: cannot run `node` ({err})");
            return None;
        }
    };
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    Some(NodeSide {
        immediates_per_s: field(&line, "immediates_per_s")?,
        ticks_per_s: field(&line, "ticks_per_s")?,
        timers_wall_s: field(&line, "timers_wall_s")?,
    })
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored.
    println!("reactor benchmark ({} cores)", num_cpus());
    let rust_imm = immediates(false);
    let rust_imm_polling = immediates(true);
    let rust_ticks = ticks();
    let rust_timers = timers();
    let node = node_side();
    let ideal = 0.999;
    println!(
        "immediates chain ({N_IMMEDIATES}): rust {:.2} M/s{}",
        rust_imm / 1e6,
        node.as_ref().map_or(String::new(), |n| format!(
            ", node {:.2} M/s, ratio rust/node {:.2}",
            n.immediates_per_s / 1e6,
            rust_imm / n.immediates_per_s
        ))
    );
    println!(
        "immediates chain, one idle source registered (epoll_wait every turn): rust {:.2} M/s{}",
        rust_imm_polling / 1e6,
        node.as_ref().map_or(String::new(), |n| format!(
            ", ratio rust/node {:.2}",
            rust_imm_polling / n.immediates_per_s
        ))
    );
    println!(
        "next-tick chain ({N_TICKS}): rust {:.2} M/s{}",
        rust_ticks / 1e6,
        node.as_ref().map_or(String::new(), |n| format!(
            ", node {:.2} M/s, ratio rust/node {:.2}",
            n.ticks_per_s / 1e6,
            rust_ticks / n.ticks_per_s
        ))
    );
    println!(
        "timers ({N_TIMERS} of 0..999 ms): rust {:.3} s (ideal {ideal:.3} s, overhead {:+.1}%){}",
        rust_timers,
        (rust_timers / ideal - 1.0) * 100.0,
        node.as_ref().map_or(String::new(), |n| format!(
            ", node {:.3} s (overhead {:+.1}%), ratio rust/node {:.3}",
            n.timers_wall_s,
            (n.timers_wall_s / ideal - 1.0) * 100.0,
            rust_timers / n.timers_wall_s
        ))
    );
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
