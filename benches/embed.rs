//! `cargo bench --bench embed --all-features`: what embedding the loop costs, per host.
//!
//! Two workloads, each under four hosts: the loop's own `run()`, a plain `poll(2)` host
//! loop, `nodestream::embed::tokio::run_until_idle` in a current-thread runtime, and
//! `nodestream::embed::calloop::EventLoopSource` in a calloop loop:
//!
//! 1. a chain of 200,000 immediates (each queues the next): one turn each, with no I/O (the
//!    hosts' "work pending, do not wait" path);
//! 2. 50,000 round trips of one byte over a Unix socket pair, both ends read by the loop:
//!    one wake-up through the loop's epoll fd per hop (the hosts' I/O path).
//!
//! The Node side is `benches/node/embed.js` (`setImmediate` chain; one byte echoed over a
//! Unix socket by a `net` server), run by this binary (skipped when `node` is absent).
//! Prints the rate under each host, its ratio to `run()`, and Node's rate with rust/node.

mod support;

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};
use support::Stat;

use nodestream::embed::calloop::{EventLoopSource, LoopEvent};
use nodestream::{EventLoop, LoopHandle, PostAction};

const N_IMMEDIATES: u64 = 200_000;
const N_ROUNDS: u64 = 50_000;

/// Queues a chain of `N_IMMEDIATES` immediates.
fn immediates(lp: &EventLoop) -> Box<dyn std::any::Any> {
    fn step(h: LoopHandle, n: Rc<Cell<u64>>) {
        n.set(n.get() + 1);
        if n.get() < N_IMMEDIATES {
            let h2 = h.clone();
            h.set_immediate(move || step(h2, n));
        }
    }
    let h = lp.handle();
    let n = Rc::new(Cell::new(0));
    let h2 = h.clone();
    h.set_immediate(move || step(h2, n));
    Box::new(())
}

/// Sets up `N_ROUNDS` one-byte round trips over a socket pair; the loop stays alive until
/// the last one.
fn ping_pong(lp: &EventLoop) -> Box<dyn std::any::Any> {
    let h = lp.handle();
    let (a, b) = mio::net::UnixStream::pair().unwrap();
    let (a, b) = (Rc::new(RefCell::new(a)), Rc::new(RefCell::new(b)));
    let keep = Rc::new(RefCell::new(Some(h.keep_alive())));
    let rounds = Rc::new(Cell::new(0u64));
    let (a2, k) = (a.clone(), keep.clone());
    let ida = h
        .register(&mut *a.borrow_mut(), mio::Interest::READABLE, move |_| {
            let mut buf = [0u8; 16];
            while a2.borrow_mut().read(&mut buf).is_ok() {
                rounds.set(rounds.get() + 1);
                if rounds.get() < N_ROUNDS {
                    a2.borrow_mut().write_all(b"x").unwrap();
                } else {
                    drop(k.borrow_mut().take());
                }
            }
            PostAction::Continue
        })
        .unwrap();
    let b2 = b.clone();
    let idb = h
        .register(&mut *b.borrow_mut(), mio::Interest::READABLE, move |_| {
            let mut buf = [0u8; 16];
            loop {
                let read = b2.borrow_mut().read(&mut buf);
                let Ok(n) = read else { break };
                b2.borrow_mut().write_all(&buf[..n]).unwrap();
            }
            PostAction::Continue
        })
        .unwrap();
    h.set_source_ref(ida, false);
    h.set_source_ref(idb, false);
    a.borrow_mut().write_all(b"x").unwrap();
    Box::new((a, b, keep))
}

type Host = fn(EventLoop);

/// Sets a workload up on a loop; what it returns is kept until the host is done.
type Workload = fn(&EventLoop) -> Box<dyn std::any::Any>;

fn by_run(lp: EventLoop) {
    lp.run().unwrap();
}

fn by_poll(lp: EventLoop) {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    while lp.is_alive() {
        let wait = if lp.has_pending() {
            Some(Duration::ZERO)
        } else {
            lp.next_deadline()
                .map(|t| t.saturating_duration_since(Instant::now()))
        };
        let wait = wait.map(|d| Timespec::try_from(d).unwrap());
        poll(&mut [PollFd::new(&lp, PollFlags::IN)], wait.as_ref()).unwrap();
        lp.dispatch(Some(Duration::ZERO)).unwrap();
    }
}

fn by_tokio(lp: EventLoop) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(nodestream::embed::tokio::run_until_idle(&lp))
        .unwrap();
}

fn by_calloop(lp: EventLoop) {
    let mut host: calloop::EventLoop<'_, calloop::LoopSignal> =
        calloop::EventLoop::try_new().unwrap();
    host.handle()
        .insert_source(EventLoopSource::new(lp), |event, _, signal| {
            if event == LoopEvent::Idle {
                signal.stop();
            }
        })
        .unwrap();
    let mut signal = host.get_signal();
    host.run(None, &mut signal, |_| {}).unwrap();
}

/// Runs of each workload on each side.
const RUNS: usize = 5;

/// Runs `work` under `host` [`RUNS`] times: units per second, median with min-max.
fn rate(work: Workload, units: u64, host: Host) -> Stat {
    Stat::of(
        (0..RUNS)
            .map(|_| {
                let lp = EventLoop::new().unwrap();
                let keep = work(&lp);
                let t0 = Instant::now();
                host(lp);
                let s = t0.elapsed().as_secs_f64();
                drop(keep);
                units as f64 / s
            })
            .collect(),
    )
}

/// Reads `"key":[numbers]` out of the Node side's one JSON line.
fn field(line: &str, key: &str) -> Option<Stat> {
    let start = line.find(&format!("\"{key}\":["))? + key.len() + 4;
    let rest = &line[start..];
    let list = &rest[..rest.find(']')?];
    let xs: Option<Vec<f64>> = list.split(',').map(|x| x.trim().parse().ok()).collect();
    xs.filter(|xs| !xs.is_empty()).map(Stat::of)
}

fn node_side() -> Option<(Stat, Stat)> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/node/embed.js");
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
    Some((
        field(&line, "immediates_per_s")?,
        field(&line, "rounds_per_s")?,
    ))
}

/// A rate in M/s, median with min-max.
fn mps(s: &Stat) -> String {
    format!(
        "{:.3} ({:.3}-{:.3}) M/s",
        s.median / 1e6,
        s.min / 1e6,
        s.max / 1e6
    )
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored.
    println!("embed benchmark: {RUNS} runs a side, median (min-max); ratios of medians");
    let node = node_side();
    let hosts: [(&str, Host); 4] = [
        ("run()", by_run),
        ("poll(2) host", by_poll),
        ("tokio run_until_idle", by_tokio),
        ("calloop source", by_calloop),
    ];
    let workloads: [(&str, Workload, u64, Option<Stat>); 2] = [
        (
            "immediates chain",
            immediates,
            N_IMMEDIATES,
            node.map(|n| n.0),
        ),
        (
            "socket pair round trips",
            ping_pong,
            N_ROUNDS,
            node.map(|n| n.1),
        ),
    ];
    for (name, work, units, node_rate) in workloads {
        println!("{name} ({units}):");
        if let Some(n) = &node_rate {
            println!("  {:<22} {}", "node", mps(n));
        }
        let mut base = None;
        for (host_name, host) in hosts {
            let r = rate(work, units, host);
            let base = *base.get_or_insert(r.median);
            println!(
                "  {host_name:<22} {}  x{:.2} of run(){}",
                mps(&r),
                r.median / base,
                node_rate.map_or(String::new(), |n| format!(
                    ", ratio rust/node {:.2}",
                    r.median / n.median
                ))
            );
        }
    }
}
