//! Tee a file into a copy and into a child `sha256sum`, with backpressure from both.
//!
//! Run with `cargo run --release --example tee -- SOURCE COPY`; the Node version is
//! `examples/node/tee.js`.
use std::process::Command;

use nodestream::fs::{create_read_stream, create_write_stream};
use nodestream::{child_process::spawn, process::stdout, EventLoop};

fn main() -> nodestream::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lp = EventLoop::new()?;
    let h = lp.handle();
    let hash = spawn(&h, &mut Command::new("sha256sum"))?;
    hash.stdout.pipe(&stdout(&h)?);
    let input = create_read_stream(&h, &args[0], Default::default())?;
    input.pipe(&create_write_stream(&h, &args[1], Default::default())?);
    input.pipe(&hash.stdin);
    lp.run()
}
