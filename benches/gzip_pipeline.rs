//! A 256 MiB file through gzip into a file with `pipeline`: nodestream's
//! `pipeline(create_read_stream, zlib::create_gzip, create_write_stream)` against Node's
//! `stream.pipeline(fs.createReadStream, zlib.createGzip(), fs.createWriteStream)`, both at
//! zlib's default level 6.
//!
//! Run: `cargo bench --bench gzip_pipeline --features zlib`. The input is log-like data
//! that compresses about 3x (`benches/data/log_lines.rs`). 5 runs a side, each side's median
//! with the min-max beside it, wall clock and CPU time (this thread and the file pool for
//! nodestream, which compresses on the loop thread; every thread of the node process, whose
//! zlib works on its thread pool), and the speed-up over Node (Node's median / nodestream's;
//! the goal is 1.5x). Every output is checked with `gzip -t` and by gunzipping it back and
//! comparing it with the input (`cmp`), outside the timed part. The Node side is skipped
//! when `node` is not installed. `GZIP_BENCH_MIB=N` compresses N MiB instead.

mod support;

use std::cell::Cell;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::rc::Rc;
use std::time::Instant;

use nodestream::fs::{
    create_read_stream, create_write_stream, ReadStreamOptions, WriteStreamOptions,
};
use nodestream::stream::pipeline;
use nodestream::zlib::{create_gzip, ZlibOptions};
use support::{Summary, Times};

const REPS: usize = 5;

include!("data/log_lines.rs");

/// This process's CPU seconds, every thread (the loop's and the file pool's).
fn process_cpu() -> f64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

fn rust_gzip(src: &Path, dst: &Path) -> Times {
    let t0 = Instant::now();
    let c0 = process_cpu();
    let el = support::node_loop();
    let h = el.handle();
    let rs = create_read_stream(&h, src, ReadStreamOptions::new()).expect("read stream");
    let gz = create_gzip(&h, &ZlibOptions::default()).expect("gzip");
    let ws = create_write_stream(&h, dst, WriteStreamOptions::new()).expect("write stream");
    let ok = Rc::new(Cell::new(false));
    let o = ok.clone();
    pipeline(&rs)
        .through(&gz)
        .to(&ws, move |err| {
            assert!(err.is_none(), "pipeline failed: {err:?}");
            o.set(true);
        })
        .expect("pipeline");
    el.run().expect("run");
    assert!(ok.get(), "the pipeline never called back");
    Times {
        wall: t0.elapsed().as_secs_f64(),
        cpu: process_cpu() - c0,
    }
}

/// `gzip -t` and a gunzip back compared with the input.
fn check(src: &Path, gz: &Path) {
    let t = Command::new("gzip")
        .arg("-t")
        .arg(gz)
        .status()
        .expect("gzip -t");
    assert!(t.success(), "gzip -t failed on {}", gz.display());
    let cmd = format!("gzip -dc '{}' | cmp - '{}'", gz.display(), src.display());
    let c = Command::new("sh").arg("-c").arg(cmd).status().expect("cmp");
    assert!(c.success(), "the gunzipped output differs from the input");
}

fn main() {
    println!("{}", support::compat_line());
    let mib: usize = std::env::var("GZIP_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let dir = std::env::temp_dir().join(format!("nodestream-gzip-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let src = dir.join("input.log");
    let dst = dir.join("out-rust.gz");
    let node_dst = dir.join("out-node.gz");
    let data = make_data(mib * 1024 * 1024);
    std::fs::File::create(&src)
        .and_then(|mut f| f.write_all(&data))
        .expect("input");
    drop(data);
    let rust = Summary::of((0..REPS).map(|_| rust_gzip(&src, &dst)));
    check(&src, &dst);
    let gz_len = std::fs::metadata(&dst).map(|m| m.len()).unwrap_or(0);
    println!(
        "gzip_pipeline: {mib} MiB of log lines -> gzip level 6 ({:.2}x smaller) -> file, {REPS} runs a side: median (min-max)",
        (mib * 1024 * 1024) as f64 / gz_len as f64
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/node/gzip_pipeline.js");
    let args = [
        src.display().to_string(),
        node_dst.display().to_string(),
        REPS.to_string(),
    ];
    let node = support::node_runs(script, &args, mib * 1024 * 1024);
    if node.is_some() {
        check(&src, &node_dst);
    }
    support::print_sides(
        "rust  pipeline(read stream, create_gzip, write stream)",
        &rust,
        "node  stream.pipeline(fs, zlib.createGzip(), fs)      ",
        node.as_ref(),
        mib as f64,
    );
    let _ = std::fs::remove_dir_all(&dir);
}
