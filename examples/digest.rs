//! A digest stream: a Transform that hashes what flows through it and, at the end, gives
//! the SHA-256 in hex, piped between a child `cat` and stdout (Node's
//! `crypto.createHash('sha256')`, which is a Transform too).
//!
//! Run with `cargo run --example digest -- FILE`; it prints the file's SHA-256, as
//! `examples/node/digest.js` does.
use std::process::Command;

use nodestream::stream::readable::Readable;
use nodestream::stream::transform::{Transform, TransformCallback, Transformer};
use nodestream::stream::{writable, DuplexOptions};
use nodestream::{child_process::spawn, process, EventLoop};
use sha2::{Digest, Sha256};

struct Sha(Sha256);

impl Transformer for Sha {
    fn transform(&mut self, chunk: writable::Chunk, _: &Readable, done: TransformCallback) {
        self.0.update(chunk.as_bytes());
        done.ok();
    }
    fn flush(&mut self, _: &Readable, done: TransformCallback) {
        done.done(format!("{:x}\n", self.0.clone().finalize()));
    }
}

fn main() -> nodestream::Result<()> {
    let lp = EventLoop::new()?;
    let h = lp.handle();
    let cat = spawn(&h, Command::new("cat").args(std::env::args().skip(1)))?;
    let hash = Transform::new(&h, DuplexOptions::new(), Sha(Sha256::new()));
    cat.stdout.pipe(&hash).pipe(&process::stdout(&h)?);
    lp.run()
}
