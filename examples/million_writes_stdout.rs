//! The seeds' pattern: one million 100-byte writes into stdout, waiting for `'drain'`.
//!
//! Run with `cargo run --release --example million_writes_stdout > FILE` (or into a pipe);
//! the Node version is `examples/node/million_writes.js`. The Writable's `Sink` waits for
//! `'drain'` whenever `write()` would have returned `false`.
use bytes::Bytes;
use futures_util::SinkExt;
use nodestream::{process::stdout, EventLoop};

fn main() -> nodestream::Result<()> {
    let lp = EventLoop::new()?;
    let mut out = stdout(&lp.handle())?.sink_for::<Bytes>();
    let data = Bytes::from(vec![b'x'; 100]);
    lp.block_on(async move {
        for _ in 0..1_000_000 {
            out.feed(data.clone()).await?;
        }
        Ok(())
    })?
}
