//! Runs a nodestream event loop as a calloop event source, in one thread.
//!
//! Run with `cargo run --example embed_calloop --features calloop`. A calloop timer writes
//! three chunks into a pipe, one every 20 ms, through a nodestream `FdWritable`; the loop
//! reads the other end with a `Readable` and has a timer of its own. The loop is one
//! `insert_source` call (`nodestream::embed::calloop::EventLoopSource`); its callback hears
//! when the loop has nothing left to do, and stops calloop then.

use std::cell::RefCell;
use std::error::Error;
use std::rc::Rc;
use std::time::Duration;

use calloop::timer::{TimeoutAction, Timer};
use nodestream::embed::calloop::{EventLoopSource, LoopEvent};
use nodestream::events::{CLOSE, DATA, END};
use nodestream::stream::readable::Chunk;
use nodestream::stream::FdWritable;
use nodestream::{EventLoop, Readable, ReadableOptions, WritableOptions};

/// What happened, in order: printed as it happens and returned for the tests.
type Story = Rc<RefCell<Vec<String>>>;

fn say(story: &Story, line: String) {
    println!("{line}");
    story.borrow_mut().push(line);
}

/// Runs the example; returns the lines it printed.
pub fn run() -> Result<Vec<String>, Box<dyn Error>> {
    let story = Story::default();

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

    // calloop's side: the loop as a source, and a timer that writes into the loop's stream.
    let mut host: calloop::EventLoop<'_, calloop::LoopSignal> = calloop::EventLoop::try_new()?;
    let s = story.clone();
    host.handle()
        .insert_source(EventLoopSource::new(lp), move |event, _lp, signal| {
            if event == LoopEvent::Idle {
                say(&s, "host: the loop has nothing left to do".into());
                signal.stop();
            }
        })?;
    let s = story.clone();
    let mut written = 0;
    host.handle().insert_source(
        Timer::from_duration(Duration::from_millis(20)),
        move |_, _, _| {
            written += 1;
            say(&s, format!("calloop: writing chunk {written}"));
            out.write(format!("chunk {written}"));
            if written < 3 {
                return TimeoutAction::ToDuration(Duration::from_millis(20));
            }
            out.end();
            TimeoutAction::Drop
        },
    )?;
    let mut signal = host.get_signal();
    host.run(None, &mut signal, |_| {})?;
    let lines = story.borrow().clone();
    Ok(lines)
}

fn main() -> Result<(), Box<dyn Error>> {
    run().map(drop)
}
