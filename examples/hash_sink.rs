//! A custom Writable that hashes what is piped into it: here a child `cat`'s output.
//!
//! Run with `cargo run --example hash_sink -- FILE`; it prints the file's SHA-256, as
//! `examples/node/hash_sink.js` does. Overriding `finalize` (Node's `_final`) is all it
//! takes for it to run.
use std::process::Command;

use nodestream::stream::writable::{Chunk, FinalCallback, Sink, WriteCallback};
use nodestream::{child_process::spawn, EventLoop, Writable};
use sha2::{Digest, Sha256};

struct HashSink(Sha256);

impl Sink for HashSink {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.0.update(chunk.as_bytes());
        cb.ok();
    }
    fn finalize(&mut self, cb: FinalCallback) {
        println!("{:x}", self.0.clone().finalize());
        cb.ok();
    }
}

fn main() -> nodestream::Result<()> {
    let lp = EventLoop::new()?;
    let h = lp.handle();
    let cat = spawn(&h, Command::new("cat").args(std::env::args().skip(1)))?;
    let sink = Writable::new(&h, HashSink(Sha256::new()), Default::default());
    cat.stdout.pipe(&sink);
    lp.run()
}
