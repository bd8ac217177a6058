//! The seeds' pattern into stdout redirected to a regular file, the commonest stdout of a
//! script: 1,000,000 writes of 100 bytes, waiting for `'drain'` whenever `write()` returns
//! `false`, in one run against Node and a raw-syscall baseline.
//!
//! - Rust: this binary re-run as a child with its stdout on a temporary file, writing
//!   through [`nodestream::process::stdout`];
//! - Node: `node benches/node/stdout_file.js COUNT SIZE > FILE` (skipped if `node` is absent):
//!   `process.stdout` on a file, which Node writes synchronously;
//! - raw: the same child copying the chunks into a 64 KiB buffer and `write(2)`-ing it
//!   whenever it is full, the floor for any writer.
//!
//! Every side's clock runs from the first write until every byte is in the file (the last
//! write's callback, or the last `write(2)`), and each run's file is checked to hold exactly
//! the bytes written. Each side runs `REPS` (5) times, interleaved; the medians are compared.
//!
//! The Rust child follows the release of the `node` it is compared with (`NodeCompat`:
//! stdout's default high-water mark), printed first.
//!
//! Run with `cargo bench --bench stdout_file` (`COUNT=n`, `REPS=n`, `SIZE=n` change it).

#[allow(dead_code)]
#[path = "../examples/million_writes.rs"]
mod example;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use bytes::Bytes;
use nodestream::compat::NodeCompat;
use nodestream::EventLoop;

mod support;

/// The variable that makes this binary the writing child: `rust` or `raw`.
const CHILD: &str = "NODESTREAM_STDOUT_FILE_CHILD";

/// The variable that gives the child the `NodeCompat` of the node it is compared with
/// (`V20` or `V26`).
const COMPAT: &str = "NODESTREAM_STDOUT_FILE_COMPAT";

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The child: writes `count` chunks of `size` bytes to its stdout, then reports on stderr.
fn child(
    side: &str,
    count: u64,
    size: usize,
    compat: NodeCompat,
) -> Result<(), Box<dyn std::error::Error>> {
    let chunk = vec![b'x'; size];
    let start = Instant::now();
    if side == "raw" {
        let stdout = std::io::stdout();
        let fd = std::os::fd::AsFd::as_fd(&stdout);
        let mut buf = Vec::with_capacity(64 * 1024);
        let flush = |buf: &mut Vec<u8>| -> std::io::Result<()> {
            let mut at = 0;
            while at < buf.len() {
                at += rustix::io::write(fd, &buf[at..])?;
            }
            buf.clear();
            Ok(())
        };
        for _ in 0..count {
            if buf.len() + size > buf.capacity() {
                flush(&mut buf)?;
            }
            buf.extend_from_slice(&chunk);
        }
        flush(&mut buf)?;
    } else {
        let lp = EventLoop::builder().compat(compat).build()?;
        let out = nodestream::process::stdout(&lp.handle())?;
        let ender = out.clone();
        example::write_many(&out, count, Bytes::from(chunk), move || ender.end());
        lp.run()?;
    }
    let s = start.elapsed().as_secs_f64();
    eprintln!(
        "side={side} count={count} chunk={size} elapsed_s={s:.4} writes_per_s={:.0}",
        count as f64 / s
    );
    Ok(())
}

/// Runs one side with its stdout on `file`; its elapsed time once the file is checked.
fn side(cmd: &mut Command, file: &Path, expect: u64, what: &str) -> Option<f64> {
    let out = std::fs::File::create(file).expect("a temporary file");
    let run = match cmd.stdout(out).stderr(Stdio::piped()).output() {
        Ok(run) => run,
        Err(e) => {
            println!("  {what}: cannot run ({e}); skipped");
            return None;
        }
    };
    let text = String::from_utf8_lossy(&run.stderr).trim().to_string();
    let len = std::fs::metadata(file).map_or(0, |m| m.len());
    if !run.status.success() || len != expect {
        println!(
            "  {what}: failed ({}, {len} of {expect} bytes in the file): {text}",
            run.status
        );
        return None;
    }
    println!("  {text}");
    text.split_whitespace()
        .find_map(|kv| kv.strip_prefix("elapsed_s="))
        .and_then(|v| v.parse().ok())
}

fn median(v: &mut [f64]) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count = env_u64("COUNT", 1_000_000);
    let size = env_u64("SIZE", 100).max(1);
    if let Ok(which) = std::env::var(CHILD) {
        let compat = match std::env::var(COMPAT).as_deref() {
            Ok("V20") => NodeCompat::V20,
            _ => NodeCompat::V26,
        };
        return child(&which, count, size as usize, compat);
    }
    let compat = support::node_compat().0;
    println!("{}", support::compat_line());
    let reps = env_u64("REPS", 5).max(1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let me = std::env::current_exe()?;
    let file: PathBuf =
        std::env::temp_dir().join(format!("nodestream-stdout-file-{}", std::process::id()));
    let node_ok = Command::new("node").arg("--version").output().is_ok();
    if !node_ok {
        println!("node not found: the Node side is skipped");
    }
    println!(
        "stdout_file: {count} writes of {size} B into stdout on a regular file, {reps} runs per side, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let expect = count * size;
    let (mut rust, mut node, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps {
        let env = |side: &str| {
            let mut c = Command::new(&me);
            c.env(CHILD, side)
                .env(COMPAT, format!("{compat:?}"))
                .env("COUNT", count.to_string())
                .env("SIZE", size.to_string());
            c
        };
        rust.extend(side(&mut env("rust"), &file, expect, "rust"));
        if node_ok {
            let mut c = Command::new("node");
            c.arg(root.join("benches/node/stdout_file.js"))
                .arg(count.to_string())
                .arg(size.to_string());
            node.extend(side(&mut c, &file, expect, "node"));
        }
        raw.extend(side(&mut env("raw"), &file, expect, "raw"));
    }
    let _ = std::fs::remove_file(&file);
    let (r, n, w) = (median(&mut rust), median(&mut node), median(&mut raw));
    println!(
        "medians: rust {} s, node {} s, raw 64 KiB write(2) {} s",
        r.map_or("-".into(), |v| format!("{v:.4}")),
        n.map_or("-".into(), |v| format!("{v:.4}")),
        w.map_or("-".into(), |v| format!("{v:.4}")),
    );
    if let (Some(r), Some(n)) = (r, n) {
        println!(
            "  ratio node/rust (speed-up over node): {:.2}x (goal >= 2)",
            n / r
        );
    }
    if let (Some(r), Some(w)) = (r, w) {
        println!("  ratio rust/raw: {:.2}", r / w);
    }
    Ok(())
}
