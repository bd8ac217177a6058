//! Readable helpers in the shape of the Node scenarios' (`watch`, `passive`, `show`).

use nodestream::stream::readable::{Chunk, Readable, ReadableOptions};
use nodestream::{Error, LoopHandle};

use super::log::Log;

/// How the Node scenarios print a chunk: `buf(..)` for bytes, a JSON string for text.
pub fn show(chunk: &Chunk) -> String {
    match chunk {
        Chunk::Bytes(b) => format!("buf({})", String::from_utf8_lossy(b)),
        Chunk::Text(s) => format!("{s:?}"),
        Chunk::Object(_) => "object".to_string(),
    }
}

/// Logs `<name>:<event>` (with the chunk or error code) for each event, through the
/// Readable's own `on` (so a `'data'` watch starts the flow, as in Node).
pub fn watch(r: &Readable, name: &str, events: &[&str], log: &Log) {
    for &ev in events {
        let t = log.clone();
        let label = format!("{name}:{ev}");
        match ev {
            "data" => {
                r.on("data", move |c: &Chunk| {
                    t.push(format!("{label} {}", show(c)))
                });
            }
            "error" => {
                r.on("error", move |e: &Error| {
                    t.push(format!("{label} {}", e.code().as_str()))
                });
            }
            _ => {
                r.on(ev, move |_: &()| t.push(label.clone()));
            }
        }
    }
}

/// A Readable whose source does nothing (Node's `new Readable({ read() {} })`).
pub fn passive(lp: &LoopHandle, options: ReadableOptions) -> Readable {
    Readable::new(lp, options, |_: &Readable, _: usize| {})
}
