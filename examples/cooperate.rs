//! A stream and an independent async task in one thread: a tokio task ticks while a child's
//! output streams in through the nodestream loop; both finish, then the totals print.
//!
//! Run with `cargo run --example cooperate --features tokio`; the Node version is
//! `examples/node/cooperate.js`. `run_until_idle` drives the nodestream loop beside tokio's
//! own futures, in tokio's one thread.
use std::{cell::Cell, process::Command, rc::Rc, time::Duration};

use nodestream::events::{DATA, END};
use nodestream::{child_process::spawn, embed::tokio::run_until_idle, EventLoop};

async fn ticker() {
    for i in 1..=3 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        println!("task: tick {i}");
    }
    println!("task: done");
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> nodestream::Result<()> {
    let lp = EventLoop::new()?;
    let cmd = "sleep 0.05; head -c 1000000 /dev/zero";
    let out = spawn(&lp.handle(), Command::new("sh").args(["-c", cmd]))?.stdout;
    let bytes = Rc::new(Cell::new(0));
    let b = bytes.clone();
    out.on(DATA, move |c| b.set(b.get() + c.len()));
    out.on(END, move |_| println!("stream: {} bytes", bytes.get()));
    tokio::join!(ticker(), run_until_idle(&lp)).1
}
