//! The seeds' pattern against Node and a batched C writer, in one run: 1,000,000 writes of
//! 100 bytes and of 1 KiB into a child `sh -c 'cat > /dev/null'` through a pipe, waiting for
//! `'drain'` whenever `write()` returns `false`.
//!
//! - Rust: `examples/million_writes.rs` (an `FdWritable` over the child's stdin);
//! - Node: `node benches/node/million_writes.js COUNT SIZE` (skipped if `node` is absent);
//! - C: `benches/c/batched_write.c`, built here with `cc -O2` (skipped if `cc` is absent),
//!   the same bytes copied into 64 KiB blocking `write(2)` calls (the baseline);
//! - C16k: the same program writing 16 KiB at a time on a nonblocking pipe, waiting in
//!   `poll(2)` when it is full: the floor for any writer that sends Node's default
//!   high-water mark per system call, as the drain pattern does.
//!
//! Every side's clock runs from the first write until the child has exited. Each side runs
//! `REPS` (5) times per chunk size, interleaved, and the median is compared. Prints every
//! run, then the medians, `ratio node/rust` (the speed-up) and `ratio rust/c`.
//!
//! The Rust side follows the release of the `node` it is compared with
//! (`NodeCompat::V20` for node v20, whose default high-water mark is 16 KiB; `V26`, 64 KiB,
//! for v22 and later, or with no node), so both sides wait for `'drain'` at the same mark;
//! the first line printed says which.
//!
//! Run with `cargo bench --bench million_writes` (`COUNT=n`, `REPS=n` change the counts).

#[allow(dead_code)]
#[path = "../examples/million_writes.rs"]
mod example;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `elapsed_s=` field of a side's output line.
fn elapsed_of(line: &str) -> Option<f64> {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix("elapsed_s="))
        .and_then(|v| v.parse().ok())
}

/// Runs a side that prints one `side=... elapsed_s=...` line; `None` (with a message) when
/// it cannot run.
fn external(cmd: &mut Command, what: &str) -> Option<(f64, String)> {
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) => {
            println!("  {what}: cannot run ({e}); skipped");
            return None;
        }
    };
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() {
        println!(
            "  {what}: failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    elapsed_of(&text).map(|e| (e, text))
}

fn build_c(root: &Path) -> Option<PathBuf> {
    let out = std::env::temp_dir().join(format!("nodestream-batched_write-{}", std::process::id()));
    let status = Command::new("cc")
        .args(["-O2", "-o"])
        .arg(&out)
        .arg(root.join("benches/c/batched_write.c"))
        .status();
    match status {
        Ok(s) if s.success() => Some(out),
        Ok(s) => {
            println!("C baseline: cc failed ({s}); skipped");
            None
        }
        Err(e) => {
            println!("C baseline: no cc ({e}); skipped");
            None
        }
    }
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let count = env_u64("COUNT", 1_000_000);
    let reps = env_u64("REPS", 5).max(1);
    let node_ok = Command::new("node").arg("--version").output().is_ok();
    if !node_ok {
        println!("node not found: the Node side is skipped");
    }
    let compat = support::node_compat().0;
    println!("{}", support::compat_line());
    let c_bin = build_c(root);
    println!(
        "million_writes: {count} writes per run, {reps} runs per side and size, machine {} cores {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::env::consts::ARCH
    );
    for size in [100usize, 1024] {
        println!("-- chunk {size} B --");
        let (mut rust, mut node, mut c, mut c16k) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..reps {
            match example::run_as(compat, count, size) {
                Ok(r) => {
                    let s = r.elapsed.as_secs_f64();
                    println!(
                        "  side=rust count={} chunk={size} elapsed_s={s:.4} writes_per_s={:.0} mb_per_s={:.1} drains={}",
                        r.writes,
                        r.writes as f64 / s,
                        r.bytes as f64 / 1e6 / s,
                        r.drains
                    );
                    rust.push(s);
                }
                Err(e) => println!("  rust: failed: {e}"),
            }
            if node_ok {
                let script = root.join("benches/node/million_writes.js");
                if let Some((e, line)) = external(
                    Command::new("node")
                        .arg(&script)
                        .arg(count.to_string())
                        .arg(size.to_string()),
                    "node",
                ) {
                    println!("  {line}");
                    node.push(e);
                }
            }
            if let Some(bin) = &c_bin {
                if let Some((e, line)) = external(
                    Command::new(bin)
                        .arg(count.to_string())
                        .arg(size.to_string()),
                    "c",
                ) {
                    println!("  {line}");
                    c.push(e);
                }
                if let Some((e, line)) = external(
                    Command::new(bin)
                        .arg(count.to_string())
                        .arg(size.to_string())
                        .args(["16384", "nonblock"]),
                    "c16k",
                ) {
                    println!("  {line}");
                    c16k.push(e);
                }
            }
        }
        let (r, n, cc) = (median(&mut rust), median(&mut node), median(&mut c));
        let floor = median(&mut c16k);
        let show = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.4} s"));
        println!(
            "chunk {size} B medians: rust {} node {} c {} c16k {}",
            show(r),
            show(n),
            show(cc),
            show(floor)
        );
        if let (Some(r), Some(n)) = (r, n) {
            println!(
                "  ratio node/rust (speed-up over node): {:.2}x (goal >= 6)",
                n / r
            );
        }
        if let (Some(r), Some(cc)) = (r, cc) {
            println!("  ratio rust/c: {:.2} (goal <= 1.5)", r / cc);
        }
        if let (Some(r), Some(f)) = (r, floor) {
            println!(
                "  ratio rust/c16k (16 KiB nonblocking writes): {:.2}",
                r / f
            );
        }
    }
    if let Some(bin) = c_bin {
        let _ = std::fs::remove_file(bin);
    }
}
