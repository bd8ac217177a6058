//! Tee a file into a copy and into a child `sha256sum`, with backpressure from both.
//!
//! Run with `cargo run --release --example tee -- SOURCE COPY`; the Node version is
//! `examples/node/tee.js`. There is no file read stream yet, so the file is read on the
//! loop thread, 64 KiB at a time, as an iterator turned into a Readable.
use std::{fs::File, io::Read, process::Command};

use futures_util::stream;
use nodestream::fs::{create_write_stream, WriteStreamOptions};
use nodestream::{child_process::spawn, process::stdout, EventLoop, Readable};

fn main() -> nodestream::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (lp, mut file) = (EventLoop::new()?, File::open(&args[0])?);
    let hash = spawn(&lp.handle(), &mut Command::new("sha256sum"))?;
    hash.stdout.pipe(&stdout(&lp.handle())?);
    let chunks = std::iter::from_fn(move || {
        let mut buf = vec![0; 64 * 1024];
        match file.read(&mut buf) {
            Ok(0) => None,
            Ok(n) => Some(Ok(buf[..n].to_vec())),
            Err(e) => Some(Err(e.into())),
        }
    });
    let input = Readable::from_stream(&lp.handle(), stream::iter(chunks));
    input.pipe(&create_write_stream(
        &lp.handle(),
        &args[1],
        WriteStreamOptions::new(),
    )?);
    input.pipe(&hash.stdin);
    lp.run()
}
