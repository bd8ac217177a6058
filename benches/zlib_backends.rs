//! flate2's backends against Node's zlib: gzip at level 6 (Node's default) and gunzip of
//! 256 MiB of log-like text mixed with semi-random bytes (about 3.5x compressible).
//!
//! Run: `cargo bench --bench zlib_backends --features zlib` measures the backend the crate
//! builds flate2 with (zlib-rs). `sh benches/zlib_backends.sh` measures every backend: it
//! builds this file once per flate2 backend feature as a small program of its own (one
//! build cannot hold two backends: flate2 picks one at compile time) and runs each.
//!
//! Each side takes 5 runs; the figures are the median with the min-max beside it, in MB/s
//! (10^6 bytes) of uncompressed data, by the CPU time the work took (this thread's for
//! Rust, `process.cpuUsage()` for Node, whose streams compress on its thread pool), which
//! a busy neighbour on a shared machine does not inflate as it does the wall clock; the
//! wall-clock figures follow. The Rust side writes 64 KiB slices into
//! `flate2::write::GzEncoder` and reads `flate2::read::GzDecoder` into a 64 KiB buffer;
//! each backend gunzips its own output. Node's side (`benches/node/zlib_backends.js`, on
//! the same bytes, in the same run) times `zlib.gzipSync`/`gunzipSync` and
//! `createGzip`/`createGunzip` fed 64 KiB writes; it is skipped with a message when `node`
//! is not on the path, or with `ZLIB_BENCH_NODE=0`. `ZLIB_BENCH_MIB=N` takes N MiB instead,
//! `ZLIB_BACKEND=name` names the backend on the output, `ZLIB_BENCH_HEADER=0` leaves out the
//! heading.

use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

const RUNS: usize = 5;
const SLICE: usize = 64 * 1024;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The CPU time this thread has used.
fn thread_cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// Wall and CPU seconds of one run.
#[derive(Clone, Copy)]
struct Times {
    wall: f64,
    cpu: f64,
}

fn timed<T>(f: impl FnOnce() -> T) -> (Times, T) {
    let (wall, cpu) = (Instant::now(), thread_cpu());
    let out = f();
    let times = Times {
        wall: wall.elapsed().as_secs_f64(),
        cpu: (thread_cpu() - cpu).as_secs_f64(),
    };
    (times, out)
}

// `make_data`: log lines that compress about 3x, shared with benches/gzip_pipeline.rs (a
// file included by path, so that benches/zlib_backends.sh can build this file alone).
include!("data/log_lines.rs");

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::with_capacity(data.len() / 2), Compression::new(6));
    for slice in data.chunks(SLICE) {
        enc.write_all(slice).expect("gzip write");
    }
    enc.finish().expect("gzip finish")
}

fn gunzip(gz: &[u8]) -> usize {
    let mut dec = GzDecoder::new(gz);
    let mut buf = vec![0u8; SLICE];
    let mut total = 0;
    loop {
        match dec.read(&mut buf).expect("gunzip read") {
            0 => return total,
            n => total += n,
        }
    }
}

/// Median with min-max of MB/s for `bytes` moved in each of `secs`.
fn stat(bytes: usize, secs: &[f64]) -> String {
    if secs.is_empty() {
        return "-".into();
    }
    let mut rates: Vec<f64> = secs.iter().map(|s| bytes as f64 / 1e6 / s).collect();
    rates.sort_by(|a, b| a.total_cmp(b));
    format!(
        "{:.1} ({:.1}-{:.1})",
        rates[rates.len() / 2],
        rates[0],
        rates[rates.len() - 1]
    )
}

/// The numbers of `"key":[..]` in Node's one-line JSON.
fn json_array(json: &str, key: &str) -> Vec<f64> {
    let Some(start) = json.find(&format!("\"{key}\":[")) else {
        return Vec::new();
    };
    let rest = &json[start + key.len() + 4..];
    let end = rest.find(']').unwrap_or(rest.len());
    rest[..end]
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

fn json_number(json: &str, key: &str) -> Option<f64> {
    let start = json.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &json[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

fn row(side: &str, figures: [String; 4], ratio: f64) {
    let [gzip_cpu, gunzip_cpu, gzip_wall, gunzip_wall] = figures;
    println!(
        "{side:<40} {gzip_cpu:>20} {gunzip_cpu:>22} | {gzip_wall:>20} {gunzip_wall:>22}   {ratio:.2}x"
    );
}

fn node_side(data: &[u8]) {
    if std::env::var("ZLIB_BENCH_NODE").as_deref() == Ok("0") {
        return;
    }
    let version = Command::new("node").arg("--version").output();
    let Some(version) = version.ok().filter(|o| o.status.success()) else {
        println!("node: not on the path, Node's side skipped");
        return;
    };
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    let script = std::env::var("ZLIB_BENCH_NODE_SCRIPT").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/benches/node/zlib_backends.js").to_string()
    });
    let file = std::env::temp_dir().join(format!("zlib-bench-{}.bin", std::process::id()));
    std::fs::write(&file, data).expect("write the data for node");
    let out = Command::new("node")
        .arg("--max-old-space-size=4096")
        .arg(&script)
        .arg(&file)
        .arg(RUNS.to_string())
        .output();
    let _ = std::fs::remove_file(&file);
    let out = match out {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        Ok(out) => {
            println!(
                "node: failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return;
        }
        Err(e) => {
            println!("node: could not run: {e}");
            return;
        }
    };
    let ratio = json_number(&out, "ratio").unwrap_or(0.0);
    for (label, gz, gunz) in [
        ("gzipSync/gunzipSync", "gzipSync", "gunzipSync"),
        ("createGzip/createGunzip", "createGzip", "createGunzip"),
    ] {
        let n = data.len();
        let get = |key: &str| json_array(&out, key);
        row(
            &format!("node {version} {label}"),
            [
                stat(n, &get(&format!("{gz}Cpu"))),
                stat(n, &get(&format!("{gunz}Cpu"))),
                stat(n, &get(gz)),
                stat(n, &get(gunz)),
            ],
            ratio,
        );
    }
}

fn main() {
    let mib: usize = env_or("ZLIB_BENCH_MIB", 256);
    let backend = std::env::var("ZLIB_BACKEND").unwrap_or_else(|_| "zlib-rs".into());
    let data = make_data(mib * 1024 * 1024);
    if std::env::var("ZLIB_BENCH_HEADER").as_deref() != Ok("0") {
        println!(
            "{mib} MiB, gzip level 6 and gunzip, {RUNS} runs, MB/s of uncompressed data: median (min-max)"
        );
        println!(
            "{:<40} {:>20} {:>22} | {:>20} {:>22}   ratio",
            "side", "gzip (CPU)", "gunzip (CPU)", "gzip (wall)", "gunzip (wall)"
        );
    }

    let mut gz = Vec::new();
    let mut gzip_times = Vec::new();
    for _ in 0..RUNS {
        let (t, out) = timed(|| gzip(&data));
        gzip_times.push(t);
        gz = out;
    }
    let mut gunzip_times = Vec::new();
    for _ in 0..RUNS {
        let (t, n) = timed(|| gunzip(&gz));
        gunzip_times.push(t);
        assert_eq!(n, data.len(), "{backend}: gunzip gave the wrong length");
    }
    let n = data.len();
    let cpu = |t: &[Times]| t.iter().map(|t| t.cpu).collect::<Vec<_>>();
    let wall = |t: &[Times]| t.iter().map(|t| t.wall).collect::<Vec<_>>();
    row(
        &format!("flate2 {backend}"),
        [
            stat(n, &cpu(&gzip_times)),
            stat(n, &cpu(&gunzip_times)),
            stat(n, &wall(&gzip_times)),
            stat(n, &wall(&gunzip_times)),
        ],
        n as f64 / gz.len() as f64,
    );
    drop(gz);
    node_side(&data);
}
