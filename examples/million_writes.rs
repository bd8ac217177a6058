//! Node's "write one million times" pattern into a real child process.
//!
//! Run with `cargo run --release --example million_writes [COUNT] [CHUNK_BYTES]` (defaults:
//! 1,000,000 writes of 100 bytes). The program spawns `sh -c 'cat > /dev/null'`, writes COUNT
//! chunks to the child's stdin (an [`FdWritable`] over a nonblocking pipe), and whenever
//! `write()` returns `false` it stops and waits for `'drain'`, as Node's stream docs do. The
//! last write carries a callback that calls `end()`. When the child has exited it prints the
//! writes per second, the megabytes per second and how many times it waited for `'drain'`.
//!
//! What it shows: the Writable buffers what the kernel cannot take yet, the fd funnel
//! coalesces the buffered chunks into few `writev` calls, `'drain'` comes once the pipe has
//! taken everything, and `end()` closes the pipe, which is `cat`'s end of file. The stdin
//! stream has the default high-water mark, 64 KiB (node v26's; `run_as` takes another
//! `NodeCompat`).

use std::cell::Cell;
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use nodestream::child_process::spawn;
use nodestream::compat::NodeCompat;
use nodestream::events::DRAIN;
use nodestream::{EventLoop, Writable};

/// What one run did.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    /// Chunks written.
    pub writes: u64,
    /// Bytes written.
    pub bytes: u64,
    /// How many times the writer stopped on `false` and waited for `'drain'`.
    pub drains: u64,
    /// From the first write until the child exited.
    pub elapsed: Duration,
}

/// Node's `writeOneMillionTimes(writer, data, encoding, callback)`: writes `chunk` `count`
/// times, waiting for `'drain'` whenever `write` returns `false`; the last write carries
/// `done`. Returns the drain counter, which grows as the loop runs.
pub fn write_many(
    w: &Writable,
    count: u64,
    chunk: Bytes,
    done: impl FnOnce() + 'static,
) -> Rc<Cell<u64>> {
    struct Job {
        w: Writable,
        chunk: Bytes,
        left: Cell<u64>,
        drains: Rc<Cell<u64>>,
        done: Cell<Option<Box<dyn FnOnce()>>>,
    }
    fn write(job: Rc<Job>) {
        let mut i = job.left.get();
        let mut ok = true;
        while i > 0 && ok {
            i -= 1;
            if i == 0 {
                let done = job.done.take();
                job.w.write_cb(job.chunk.clone(), move |_| {
                    if let Some(done) = done {
                        done();
                    }
                });
            } else {
                ok = job.w.write(job.chunk.clone());
            }
        }
        job.left.set(i);
        if i > 0 {
            let again = job.clone();
            job.w.once(DRAIN, move |_| {
                again.drains.set(again.drains.get() + 1);
                write(again.clone());
            });
        }
    }
    let drains = Rc::new(Cell::new(0));
    if count == 0 {
        done();
        return drains;
    }
    write(Rc::new(Job {
        w: w.clone(),
        chunk,
        left: Cell::new(count),
        drains: drains.clone(),
        done: Cell::new(Some(Box::new(done))),
    }));
    drains
}

/// Writes `count` chunks of `size` bytes into `sh -c 'cat > /dev/null'` and waits for the
/// child to exit.
///
/// # Errors
///
/// Spawning the child, running the loop (an `'error'` on the pipe, such as `EPIPE` if the
/// child dies early), or a child that exits with a failure.
pub fn run(count: u64, size: usize) -> Result<Report, Box<dyn std::error::Error>> {
    run_as(NodeCompat::default(), count, size)
}

/// [`run`] on a loop following `compat`: the child's stdin has that release's default
/// high-water mark (64 KiB for v26, 16 KiB for v20), so that a comparison with a given
/// node compares like with like.
///
/// # Errors
///
/// As [`run`].
pub fn run_as(
    compat: NodeCompat,
    count: u64,
    size: usize,
) -> Result<Report, Box<dyn std::error::Error>> {
    let lp = EventLoop::builder().compat(compat).build()?;
    let child = spawn(
        &lp.handle(),
        Command::new("sh").args(["-c", "cat > /dev/null"]),
    )?;
    // The child writes nothing: close our end of its stdout.
    child.stdout.destroy(None);
    let stdin = child.stdin.as_writable().clone();
    let chunk = Bytes::from(vec![b'x'; size]);

    let start = Instant::now();
    let ender = stdin.clone();
    let drains = write_many(&stdin, count, chunk, move || ender.end());
    lp.run()?;
    let status = child.wait()?;
    let elapsed = start.elapsed();
    if !status.success() {
        return Err(format!("the child failed: {status}").into());
    }
    Ok(Report {
        writes: count,
        bytes: count * size as u64,
        drains: drains.get(),
        elapsed,
    })
}

fn arg(n: usize, default: u64) -> Result<u64, String> {
    match std::env::args().nth(n) {
        None => Ok(default),
        Some(s) => s
            .parse()
            .map_err(|_| format!("usage: million_writes [COUNT] [CHUNK_BYTES]; got {s:?}")),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count = arg(1, 1_000_000)?;
    let size = arg(2, 100)?;
    if size == 0 {
        return Err("CHUNK_BYTES must be at least 1".into());
    }
    let r = run(count, size as usize)?;
    let secs = r.elapsed.as_secs_f64();
    println!(
        "{} writes of {} bytes into `cat > /dev/null` in {:.3} s",
        r.writes, size, secs
    );
    println!("writes/s: {:.0}", r.writes as f64 / secs);
    println!("MB/s:     {:.1}", r.bytes as f64 / 1e6 / secs);
    println!("drains:   {}", r.drains);
    Ok(())
}
