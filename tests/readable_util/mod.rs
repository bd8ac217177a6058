//! Shared helpers of the Readable and pipe tests: a trace log in the shape of the Node
//! scenarios' (`log`, `tick`, `imm`, `watch`).
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use nodestream::readable::{Chunk, Readable, ReadableOptions};
use nodestream::{Error, EventLoop, LoopHandle};

/// An ordered log of what happened, shared by every listener of a test.
#[derive(Clone, Default)]
pub struct Trace(Rc<RefCell<Vec<String>>>);

impl Trace {
    pub fn log(&self, line: impl Into<String>) {
        self.0.borrow_mut().push(line.into());
    }

    pub fn lines(&self) -> Vec<String> {
        self.0.borrow().clone()
    }

    /// `process.nextTick(() => log(label))`.
    pub fn tick(&self, lp: &LoopHandle, label: &str) {
        let t = self.clone();
        let label = label.to_string();
        lp.next_tick(move || t.log(label));
    }

    /// `setImmediate(() => log(label))`.
    pub fn imm(&self, lp: &LoopHandle, label: &str) {
        let t = self.clone();
        let label = label.to_string();
        lp.set_immediate(move || t.log(label));
    }
}

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
pub fn watch(r: &Readable, name: &str, events: &[&str], trace: &Trace) {
    for &ev in events {
        let t = trace.clone();
        let label = format!("{name}:{ev}");
        match ev {
            "data" => {
                r.on("data", move |c: &Chunk| {
                    t.log(format!("{label} {}", show(c)))
                });
            }
            "error" => {
                r.on("error", move |e: &Error| {
                    t.log(format!("{label} {}", e.code().as_str()))
                });
            }
            _ => {
                r.on(ev, move |_: &()| t.log(label.clone()));
            }
        }
    }
}

/// A Readable whose source does nothing (Node's `new Readable({ read() {} })`).
pub fn passive(lp: &LoopHandle, options: ReadableOptions) -> Readable {
    Readable::new(lp, options, |_: &Readable, _: usize| {})
}

/// A fresh loop.
pub fn event_loop() -> (EventLoop, LoopHandle) {
    let el = EventLoop::new().expect("event loop");
    let lp = el.handle();
    (el, lp)
}

/// Compares a trace with Node's, printing both on a mismatch.
pub fn assert_trace(trace: &Trace, expected: &[&str]) {
    let got = trace.lines();
    assert_eq!(
        got,
        expected,
        "\n--- got\n{}\n--- node\n{}",
        got.join("\n"),
        expected.join("\n")
    );
}
