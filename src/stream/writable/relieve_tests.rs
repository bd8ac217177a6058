//! The relieve hook (`Writable::set_relieve`): a sink that holds its write back (to batch,
//! as the fd streams do) is asked to let go when `write()` is about to return `false`, and
//! a completion inside that call counts as a synchronous one.

use std::cell::RefCell;
use std::rc::Rc;

use crate::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback, DRAIN};
use crate::EventLoop;

type Log = Rc<RefCell<Vec<String>>>;

type Held = Rc<RefCell<Option<(usize, WriteCallback)>>>;

/// Holds each write until the relieve hook (or the end of the test's tick), logging what
/// it does.
struct Holding {
    log: Log,
    held: Held,
}

impl Sink for Holding {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.log
            .borrow_mut()
            .push(format!("sink write {}", chunk.len()));
        *self.held.borrow_mut() = Some((chunk.len(), cb));
    }

    fn writev(&mut self, chunks: Vec<Chunk>, cb: WriteCallback) {
        let bytes: usize = chunks.iter().map(Chunk::len).sum();
        self.log
            .borrow_mut()
            .push(format!("sink writev {}x {bytes}", chunks.len()));
        // The batch handed over by a completion goes at once.
        cb.ok();
    }
}

/// The hook of a [`Holding`] sink: lets its write go.
fn relieve(log: &Log, held: &Held) {
    let held = held.borrow_mut().take();
    log.borrow_mut().push(format!(
        "relieve {}",
        held.as_ref().map_or(0, |(len, _)| *len)
    ));
    if let Some((_, cb)) = held {
        cb.ok();
    }
}

fn stream(relieves: bool, hwm: usize) -> (EventLoop, Writable, Log) {
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let held: Held = Rc::default();
    let w = Writable::new(
        &lp.handle(),
        Holding {
            log: log.clone(),
            held: held.clone(),
        },
        WritableOptions::new().high_water_mark(hwm),
    );
    if relieves {
        let l = log.clone();
        w.set_relieve(move || relieve(&l, &held));
    }
    let l = log.clone();
    w.on(DRAIN, move |_| l.borrow_mut().push("drain".into()));
    (lp, w, log)
}

fn write_logged(w: &Writable, log: &Log, name: &'static str, len: usize) {
    let l = log.clone();
    let ok = w.write_cb(vec![b'x'; len], move |e| {
        l.borrow_mut().push(format!("cb {name} {e:?}"))
    });
    log.borrow_mut().push(format!("write {name} {ok}"));
}

#[test]
fn relieve_is_asked_when_write_would_return_false_and_its_completion_is_synchronous() {
    let (lp, w, log) = stream(true, 10);
    write_logged(&w, &log, "a", 4);
    write_logged(&w, &log, "b", 4);
    // 12 bytes would reach the mark of 10: the sink is asked to let go. It completes `a`,
    // the stream hands it `b` and `c` (completed at once), and `write()` returns true.
    write_logged(&w, &log, "c", 4);
    let l = log.clone();
    lp.handle()
        .next_tick(move || l.borrow_mut().push("tick".into()));
    log.borrow_mut()
        .push(format!("length {}", w.writable_length()));
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "sink write 4",
            "write a true",
            "write b true",
            "relieve 4",
            "sink writev 2x 8",
            "write c true",
            "length 0",
            // Synchronous completions: every callback on a later tick, in order, and no
            // 'drain' (write never returned false).
            "cb a None",
            "cb b None",
            "cb c None",
            "tick",
        ]
    );
}

#[test]
fn without_the_hook_the_stream_reports_backpressure() {
    let (lp, w, log) = stream(false, 10);
    write_logged(&w, &log, "a", 4);
    write_logged(&w, &log, "b", 4);
    write_logged(&w, &log, "c", 4);
    assert_eq!(w.writable_length(), 12);
    drop(lp);
    assert_eq!(
        *log.borrow(),
        [
            "sink write 4",
            "write a true",
            "write b true",
            "write c false"
        ]
    );
}

#[test]
fn a_corked_stream_does_not_ask() {
    let (_lp, w, log) = stream(true, 10);
    w.cork();
    write_logged(&w, &log, "a", 4);
    write_logged(&w, &log, "b", 4);
    write_logged(&w, &log, "c", 4);
    assert_eq!(
        *log.borrow(),
        ["write a true", "write b true", "write c false"]
    );
}

#[test]
fn a_sink_that_keeps_its_write_leaves_backpressure_in_place() {
    /// Has the hook but holds on (its write waits for the kernel, say).
    struct Stubborn(Rc<RefCell<Vec<WriteCallback>>>);
    impl Sink for Stubborn {
        fn write(&mut self, _chunk: Chunk, cb: WriteCallback) {
            self.0.borrow_mut().push(cb);
        }
    }
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let held = Rc::new(RefCell::new(Vec::new()));
    let w = Writable::new(
        &lp.handle(),
        Stubborn(held.clone()),
        WritableOptions::new().high_water_mark(10),
    );
    let l = log.clone();
    w.set_relieve(move || l.borrow_mut().push("relieve".into()));
    let l = log.clone();
    w.on(DRAIN, move |_| l.borrow_mut().push("drain".into()));
    write_logged(&w, &log, "a", 6);
    write_logged(&w, &log, "b", 6);
    assert_eq!(w.writable_length(), 12);
    // Complete by hand: the buffered write goes next, then 'drain'.
    let cb = held.borrow_mut().pop().unwrap();
    cb.ok();
    let cb = held.borrow_mut().pop().unwrap();
    cb.ok();
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "write a true",
            "relieve",
            "write b false",
            // Node's afterWrite: 'drain' (once nothing is buffered) before the callback.
            "cb a None",
            "drain",
            "cb b None"
        ]
    );
}
