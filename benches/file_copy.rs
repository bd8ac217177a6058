//! A large file copied three ways, each run in its own process and checked with `cmp`:
//!
//! - Rust: `pipeline(create_read_stream(from), create_write_stream(to))`, this binary re-run
//!   as a child, the loop following the release of the `node` it is compared with;
//! - Node: `stream.pipeline(fs.createReadStream(from), fs.createWriteStream(to))`
//!   (`benches/node/file_copy.js`; skipped if `node` is absent);
//! - `cp from to`, the floor (coreutils' `cp` copies in the kernel where it can).
//!
//! The source is `MIB` (512) MiB of pseudo-random bytes, written once, so that every side
//! reads it from the page cache; the destination is removed, and the page cache's dirty
//! pages written back (`sync`), before each run. The Rust and
//! Node sides time themselves from making the streams to the pipeline's callback; `cp` is
//! timed around its process. Each side runs `REPS` (5) times, interleaved; the medians are
//! printed with their range, and the ratios the goal is stated in: at least 3x Node's speed,
//! within 1.1x of `cp`'s time.
//!
//! Run with `cargo bench --bench file_copy` (`MIB=n`, `REPS=n` change it).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use nodestream::compat::NodeCompat;
use nodestream::fs::WriteStreamOptions;
use nodestream::fs::{create_read_stream, create_write_stream, ReadStreamOptions};
use nodestream::stream::pipeline;
use nodestream::EventLoop;

mod support;

/// The variable that makes this binary the copying child, set to the `NodeCompat` of the
/// node it is compared with (`V20` or `V26`); the `FROM` and `TO` paths are its arguments.
const CHILD: &str = "NODESTREAM_FILE_COPY_CHILD";

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The child: copies `from` to `to` through the two file streams, reports on stderr.
fn child(from: &Path, to: &Path, compat: NodeCompat) -> Result<(), Box<dyn std::error::Error>> {
    let lp = EventLoop::builder().compat(compat).build()?;
    let h = lp.handle();
    let start = Instant::now();
    let rs = create_read_stream(&h, from, ReadStreamOptions::new())?;
    let ws = create_write_stream(&h, to, WriteStreamOptions::new())?;
    let result = std::rc::Rc::new(std::cell::RefCell::new(None));
    let r = result.clone();
    pipeline(&rs).to(&ws, move |err| *r.borrow_mut() = Some(err))?;
    lp.run()?;
    let s = start.elapsed().as_secs_f64();
    match result.borrow_mut().take() {
        Some(None) => {}
        Some(Some(err)) => return Err(format!("pipeline: {}", err.error()).into()),
        None => return Err("the pipeline never called back".into()),
    }
    let bytes = rs.bytes_read();
    eprintln!(
        "side=rust bytes={bytes} elapsed_s={s:.4} mib_per_s={:.0}",
        bytes as f64 / (1 << 20) as f64 / s
    );
    Ok(())
}

/// Whether `a` and `b` hold the same bytes, by `cmp`.
fn same(a: &Path, b: &Path) -> bool {
    Command::new("cmp")
        .arg("--silent")
        .arg(a)
        .arg(b)
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs one side into `to` (removed first); its time once `cmp` found the copy exact.
///
/// The dirty pages of earlier runs are written back first (`sync`): otherwise a run pays
/// for the writeback of the one before, and the times depend on the order of the sides.
fn side(cmd: &mut Command, from: &Path, to: &Path, what: &str, timed_inside: bool) -> Option<f64> {
    let _ = std::fs::remove_file(to);
    rustix::fs::sync();
    let start = Instant::now();
    let run = match cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output() {
        Ok(run) => run,
        Err(e) => {
            println!("  {what}: cannot run ({e}); skipped");
            return None;
        }
    };
    let outside = start.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&run.stderr).trim().to_string();
    if !run.status.success() {
        println!("  {what}: failed ({}): {text}", run.status);
        return None;
    }
    if !same(from, to) {
        println!("  {what}: the copy differs from the source (cmp)");
        return None;
    }
    let secs = if timed_inside {
        text.split_whitespace()
            .find_map(|kv| kv.strip_prefix("elapsed_s="))
            .and_then(|v| v.parse().ok())?
    } else {
        outside
    };
    if timed_inside {
        println!("  {text}");
    } else {
        println!("  side={what} elapsed_s={secs:.4}");
    }
    Some(secs)
}

/// The median of `v` and its range, as text.
fn summary(v: &mut [f64]) -> String {
    v.sort_by(f64::total_cmp);
    match (v.first(), v.get(v.len() / 2), v.last()) {
        (Some(lo), Some(mid), Some(hi)) => format!("{mid:.3} s ({lo:.3}-{hi:.3})"),
        _ => "-".into(),
    }
}

fn median(v: &[f64]) -> Option<f64> {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// Writes `mib` MiB of pseudo-random bytes (xorshift) to `path`.
fn make_source(path: &Path, mib: u64) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..mib {
        for word in block.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            word.copy_from_slice(&x.to_le_bytes());
        }
        out.write_all(&block)?;
    }
    out.flush()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    if let Ok(compat) = std::env::var(CHILD) {
        let compat = if compat == "V20" {
            NodeCompat::V20
        } else {
            NodeCompat::V26
        };
        let (Some(from), Some(to)) = (args.next(), args.next()) else {
            return Err("usage: file_copy (child) FROM TO".into());
        };
        return child(Path::new(&from), Path::new(&to), compat);
    }
    let compat = support::node_compat().0;
    println!("{}", support::compat_line());
    let mib = env_u64("MIB", 512).max(1);
    let reps = env_u64("REPS", 5).max(1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let me = std::env::current_exe()?;
    let dir = std::env::temp_dir();
    let from: PathBuf = dir.join(format!("nodestream-file-copy-from-{}", std::process::id()));
    let to: PathBuf = dir.join(format!("nodestream-file-copy-to-{}", std::process::id()));
    make_source(&from, mib)?;
    let node_ok = Command::new("node").arg("--version").output().is_ok();
    if !node_ok {
        println!("node not found: the Node side is skipped");
    }
    println!(
        "file_copy: {mib} MiB file to file, {reps} runs per side, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let (mut rust, mut node, mut cp) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps {
        let mut c = Command::new(&me);
        c.env(CHILD, format!("{compat:?}")).arg(&from).arg(&to);
        rust.extend(side(&mut c, &from, &to, "rust", true));
        if node_ok {
            let mut c = Command::new("node");
            c.arg(root.join("benches/node/file_copy.js"))
                .arg(&from)
                .arg(&to);
            node.extend(side(&mut c, &from, &to, "node", true));
        }
        let mut c = Command::new("cp");
        c.arg(&from).arg(&to);
        cp.extend(side(&mut c, &from, &to, "cp", false));
    }
    let _ = std::fs::remove_file(&from);
    let _ = std::fs::remove_file(&to);
    let (r, n, k) = (median(&rust), median(&node), median(&cp));
    println!("medians (min-max) over {reps} runs:");
    println!("  rust pipeline: {}", summary(&mut rust));
    println!("  node pipeline: {}", summary(&mut node));
    println!("  cp:            {}", summary(&mut cp));
    if let (Some(r), Some(n)) = (r, n) {
        println!(
            "  node/rust (speed-up over node): {:.2}x (goal >= 3)",
            n / r
        );
    }
    if let (Some(r), Some(k)) = (r, k) {
        println!("  rust/cp (time against cp): {:.2}x (goal <= 1.1)", r / k);
    }
    Ok(())
}
