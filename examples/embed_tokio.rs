//! Runs a nodestream event loop inside a current-thread tokio runtime, in one thread.
//!
//! Run with `cargo run --example embed_tokio --features tokio`. A tokio task writes three
//! chunks into a pipe, one every 20 ms, through a nodestream `FdWritable`; the loop reads the
//! other end with a `Readable` and has a timer of its own. `nodestream::embed::tokio::
//! run_until_idle` drives the loop beside tokio's tasks and returns when the loop has
//! nothing left to do, as `EventLoop::run` would. (`drive` instead keeps going until
//! `LoopHandle::stop`, for a loop that gets work for as long as the program runs.)

use std::cell::RefCell;
use std::error::Error;
use std::rc::Rc;
use std::time::Duration;

use nodestream::events::{CLOSE, DATA, END};
use nodestream::stream::readable::Chunk;
use nodestream::stream::FdWritable;
use nodestream::{EventLoop, Readable, ReadableOptions, WritableOptions};
use tokio::task::{spawn_local, LocalSet};

/// What happened, in order: printed as it happens and returned for the tests.
type Story = Rc<RefCell<Vec<String>>>;

fn say(story: &Story, line: String) {
    println!("{line}");
    story.borrow_mut().push(line);
}

/// Runs the example; returns the lines it printed.
pub fn run() -> Result<Vec<String>, Box<dyn Error>> {
    let story = Story::default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = LocalSet::new();

    // The loop's side: a pipe's read end as a Readable, and a timer.
    let lp = EventLoop::new()?;
    let h = lp.handle();
    let (read_end, write_end) = rustix::pipe::pipe()?;
    let input = Readable::from_fd(&h, read_end, ReadableOptions::default())?;
    let s = story.clone();
    input.on(DATA, move |chunk: &Chunk| {
        let text = String::from_utf8_lossy(chunk.as_bytes().unwrap_or_default()).into_owned();
        say(&s, format!("loop: read {text:?}"))
    });
    let s = story.clone();
    input.on(END, move |_: &()| say(&s, "loop: the pipe ended".into()));
    let s = story.clone();
    input.on(CLOSE, move |_: &()| say(&s, "loop: reader closed".into()));
    let s = story.clone();
    h.set_timeout(Duration::from_millis(50), move || {
        say(&s, "loop: 50 ms timer".into())
    });
    let out = FdWritable::new(&h, write_end, WritableOptions::new())?;

    local.block_on(&rt, async {
        // tokio's side: a task that writes into the loop's stream.
        let s = story.clone();
        let writer = spawn_local(async move {
            for i in 1..=3 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                say(&s, format!("tokio: writing chunk {i}"));
                out.write(format!("chunk {i}"));
            }
            out.end();
            out
        });
        nodestream::embed::tokio::run_until_idle(&lp).await?;
        drop(writer.await?);
        say(&story, "host: the loop has nothing left to do".into());
        Ok::<(), Box<dyn Error>>(())
    })?;
    let lines = story.borrow().clone();
    Ok(lines)
}

fn main() -> Result<(), Box<dyn Error>> {
    run().map(drop)
}
