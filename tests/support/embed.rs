//! A pipe between the loop's two stream kinds, for the embedding tests: every event of the
//! reading side goes to the log as `loop: ...`, so a host's own lines interleave with them.

use nodestream::events::{CLOSE, DATA, END, FINISH};
use nodestream::stream::readable::Chunk;
use nodestream::stream::FdWritable;
use nodestream::{LoopHandle, Readable, ReadableOptions, WritableOptions};

use super::{pipe, Log};

/// A pipe whose read end a Readable logs (`loop: data <text>`, `loop: reader end`,
/// `loop: reader close`) and whose write end is the returned writer (`loop: writer
/// finish`, `loop: writer close`).
pub fn logged_pipe(h: &LoopHandle, log: &Log) -> (Readable, FdWritable) {
    let (rx, tx) = pipe();
    let input = Readable::from_fd(h, rx, ReadableOptions::default()).expect("readable");
    let l = log.clone();
    input.on(DATA, move |chunk: &Chunk| {
        let text = String::from_utf8_lossy(chunk.as_bytes().unwrap_or_default()).into_owned();
        l.push(format!("loop: data {text}"))
    });
    input.on(END, log.event("loop: reader end"));
    input.on(CLOSE, log.event("loop: reader close"));
    let out = FdWritable::new(h, tx, WritableOptions::new()).expect("writable");
    out.on(FINISH, log.event("loop: writer finish"));
    out.on(CLOSE, log.event("loop: writer close"));
    (input, out)
}
