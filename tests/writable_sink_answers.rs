//! The "not implemented" answers a sink may give itself
//! (`WriteCallback::writev_not_implemented`, `FinalCallback::not_implemented`), for a sink
//! that knows only at run time whether it has `_writev` or `_final`: where they can be
//! taken as such, and what they do elsewhere (never nothing). With a sink that has
//! `writev`, every batch goes to it, as in Node.

use std::cell::RefCell;
use std::rc::Rc;

use nodestream::events::{CLOSE, DRAIN, ERROR, FINISH, PREFINISH};
use nodestream::stream::writable::{
    Chunk, FinalCallback, Sink, Writable, WritableOptions, WriteCallback,
};
use nodestream::{Error, EventLoop, LoopHandle};

type Log = Rc<RefCell<Vec<String>>>;

fn push(log: &Log, line: impl Into<String>) {
    log.borrow_mut().push(line.into());
}

fn text(chunk: &Chunk) -> String {
    String::from_utf8_lossy(chunk.as_bytes()).into_owned()
}

fn shown(err: Option<Error>) -> String {
    err.map_or("null".into(), |e| e.message().to_string())
}

fn watch(w: &Writable, log: &Log) {
    for (ev, name) in [
        (PREFINISH, "prefinish"),
        (FINISH, "finish"),
        (CLOSE, "close"),
        (DRAIN, "drain"),
    ] {
        let l = log.clone();
        w.on(ev, move |_| push(&l, name));
    }
    let l = log.clone();
    w.on(ERROR, move |e: &Error| {
        push(&l, format!("error {}", e.message()))
    });
}

/// Logs each `writev` batch; writes complete at once.
struct Batches(Log);

impl Sink for Batches {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        push(&self.0, format!("_write {}", text(&chunk)));
        cb.ok();
    }

    fn writev(&mut self, chunks: Vec<Chunk>, cb: WriteCallback) {
        let all: Vec<String> = chunks.iter().map(text).collect();
        push(&self.0, format!("_writev {}", all.join(",")));
        cb.ok();
    }
}

#[test]
fn every_batch_goes_to_writev_with_its_callbacks() {
    // node (`writev` and `write` given; cork, two writes, uncork; twice):
    //   _writev a,b, _writev c,d, cb a null, cb b null, cb c null, cb d null
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let w = Writable::new(&lp.handle(), Batches(log.clone()), WritableOptions::new());
    for pair in [["a", "b"], ["c", "d"]] {
        w.cork();
        for name in pair {
            let l = log.clone();
            w.write_cb(name, move |e| push(&l, format!("cb {name} {}", shown(e))));
        }
        w.uncork();
    }
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "_writev a,b",
            "_writev c,d",
            "cb a null",
            "cb b null",
            "cb c null",
            "cb d null"
        ]
    );
}

/// A sink that gives the "not implemented" answers where they cannot be taken as such.
struct Misplaced {
    lp: LoopHandle,
    log: Log,
}

impl Sink for Misplaced {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        push(&self.log, format!("_write {}", text(&chunk)));
        // Not a batch: nothing to write one by one instead.
        cb.writev_not_implemented(vec![chunk]);
    }

    fn finalize(&mut self, cb: FinalCallback) {
        push(&self.log, "_final");
        // After the call: the stream waits as for any `_final`; this completes it.
        self.lp.set_immediate(move || cb.not_implemented());
    }
}

#[test]
fn a_misplaced_not_implemented_answer_is_an_error_or_a_completion() {
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let sink = Misplaced {
        lp: lp.handle(),
        log: log.clone(),
    };
    let w = Writable::new(&lp.handle(), sink, WritableOptions::new());
    watch(&w, &log);
    let l = log.clone();
    w.write_cb("a", move |e| {
        push(
            &l,
            format!("cb a {}", e.map_or("null".into(), |e| e.code().to_string())),
        )
    });
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "_write a",
            "cb a ERR_METHOD_NOT_IMPLEMENTED",
            "error The _writev() method is not implemented",
            "close"
        ]
    );

    let log: Log = Rc::default();
    let sink = Misplaced {
        lp: lp.handle(),
        log: log.clone(),
    };
    let w = Writable::new(&lp.handle(), sink, WritableOptions::new());
    watch(&w, &log);
    let l = log.clone();
    w.end_cb(move |e| push(&l, format!("end cb {}", shown(e))));
    push(&log, "ended");
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "_final",
            "ended",
            "prefinish",
            "end cb null",
            "finish",
            "close"
        ]
    );
}

#[test]
fn a_batch_handed_back_changed_fails() {
    /// Takes one chunk out before handing the batch back.
    struct Keeps(Log);
    impl Sink for Keeps {
        fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
            push(&self.0, format!("_write {}", text(&chunk)));
            cb.ok();
        }
        fn writev(&mut self, mut chunks: Vec<Chunk>, cb: WriteCallback) {
            chunks.pop();
            cb.writev_not_implemented(chunks);
        }
    }
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let w = Writable::new(&lp.handle(), Keeps(log.clone()), WritableOptions::new());
    watch(&w, &log);
    w.cork();
    for name in ["a", "b"] {
        let l = log.clone();
        w.write_cb(name, move |e| {
            push(
                &l,
                format!(
                    "cb {name} {}",
                    e.map_or("null".into(), |e| e.code().to_string())
                ),
            )
        });
    }
    w.uncork();
    lp.run().unwrap();
    // Both callbacks hear of it; no chunk goes to `_write` behind the sink's back.
    assert_eq!(
        *log.borrow(),
        [
            "cb a ERR_METHOD_NOT_IMPLEMENTED",
            "cb b ERR_METHOD_NOT_IMPLEMENTED",
            "error The _writev() method is not implemented",
            "close"
        ]
    );
}

#[test]
fn a_batch_handed_back_after_batches_were_taken_fails() {
    /// Takes the first batch, hands the second back.
    struct Fickle(Log, usize);
    impl Sink for Fickle {
        fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
            push(&self.0, format!("_write {}", text(&chunk)));
            cb.ok();
        }
        fn writev(&mut self, chunks: Vec<Chunk>, cb: WriteCallback) {
            self.1 += 1;
            if self.1 == 1 {
                push(&self.0, format!("_writev {}", chunks.len()));
                cb.ok();
            } else {
                cb.writev_not_implemented(chunks);
            }
        }
    }
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let w = Writable::new(&lp.handle(), Fickle(log.clone(), 0), WritableOptions::new());
    watch(&w, &log);
    for pair in [["a", "b"], ["c", "d"]] {
        w.cork();
        for name in pair {
            let l = log.clone();
            w.write_cb(name, move |e| {
                let e = e.map_or("null".into(), |e| e.code().to_string());
                push(&l, format!("cb {name} {e}"))
            });
        }
        w.uncork();
    }
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "_writev 2",
            "cb a null",
            "cb b null",
            "cb c ERR_METHOD_NOT_IMPLEMENTED",
            "cb d ERR_METHOD_NOT_IMPLEMENTED",
            "error The _writev() method is not implemented",
            "close"
        ]
    );
}
