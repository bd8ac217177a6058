//! The hot path's bookkeeping as user code sees it: `writable_length()` and the
//! `'finish'` timing around a write in flight, observed from inside the sink, in sync and
//! async completions, with re-entrant writes and `end()` (the in-flight write of the fast
//! path is kept out of the `length`/`pendingcb` fields until its completion; these
//! traces were recorded before that change and must not move).

use std::cell::RefCell;
use std::rc::Rc;

use crate::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
use crate::stream::writable::{DRAIN, FINISH, PREFINISH};
use crate::EventLoop;

type Log = Rc<RefCell<Vec<String>>>;
type Me = Rc<RefCell<Option<Writable>>>;

fn push(log: &Log, s: String) {
    log.borrow_mut().push(s);
}

/// Completes at once; on a 3-byte chunk, writes and (optionally) ends from inside.
struct Probe {
    log: Log,
    me: Me,
    end_inside: bool,
    parked: Rc<RefCell<Vec<WriteCallback>>>,
}

impl Sink for Probe {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        let w = self.me.borrow().clone().expect("stream set");
        let n = chunk.len();
        push(&self.log, format!("in {n} len={}", w.writable_length()));
        if n == 5 {
            // Completed later, from the loop.
            self.parked.borrow_mut().push(cb);
            push(&self.log, format!("parked len={}", w.writable_length()));
            return;
        }
        if n == 3 {
            let ret = w.write(&b"abcd"[..]);
            push(
                &self.log,
                format!("inner ret {ret} len={}", w.writable_length()),
            );
            if self.end_inside {
                w.end();
                push(&self.log, format!("ended len={}", w.writable_length()));
            }
        }
        cb.ok();
        push(&self.log, format!("after {n} len={}", w.writable_length()));
    }
}

fn run(end_inside: bool) -> Vec<String> {
    let lp = EventLoop::new().unwrap();
    let log: Log = Rc::default();
    let me: Me = Rc::default();
    let parked = Rc::new(RefCell::new(Vec::new()));
    let w = Writable::new(
        &lp.handle(),
        Probe {
            log: log.clone(),
            me: me.clone(),
            end_inside,
            parked: parked.clone(),
        },
        WritableOptions::new().high_water_mark(4),
    );
    *me.borrow_mut() = Some(w.clone());
    for (ev, name) in [
        (DRAIN, "drain"),
        (PREFINISH, "prefinish"),
        (FINISH, "finish"),
    ] {
        let l = log.clone();
        let w2 = w.clone();
        w.on(ev, move |_| {
            push(&l, format!("{name} len={}", w2.writable_length()))
        });
    }
    let ret = w.write(&b"abc"[..]);
    push(&log, format!("ret {ret} len={}", w.writable_length()));
    if !end_inside {
        let ret = w.write(&b"x"[..]);
        push(&log, format!("ret2 {ret} len={}", w.writable_length()));
        let ret = w.write(&b"12345"[..]);
        push(&log, format!("ret3 {ret} len={}", w.writable_length()));
        let ret = w.write(&b"yz"[..]);
        push(&log, format!("ret4 {ret} len={}", w.writable_length()));
        let l = log.clone();
        let p = parked.clone();
        let w2 = w.clone();
        lp.handle().set_immediate(move || {
            push(&l, format!("complete len={}", w2.writable_length()));
            let cb = p.borrow_mut().pop().expect("parked write");
            cb.ok();
            push(&l, format!("completed len={}", w2.writable_length()));
            w2.end();
        });
    }
    if let Err(e) = lp.run() {
        push(&log, format!("run error {}", e.code().as_str()));
    }
    *me.borrow_mut() = None;
    let out = log.borrow().clone();
    out
}

#[test]
fn length_inside_the_sink_and_finish_after_a_reentrant_end() {
    assert_eq!(
        run(true),
        [
            "in 3 len=3",
            "inner ret false len=7",
            "ended len=7",
            "after 3 len=4",
            "in 4 len=4",
            "after 4 len=0",
            "ret true len=0",
            "prefinish len=0",
            "finish len=0",
        ]
    );
}

#[test]
fn length_across_an_async_completion_and_buffered_writes() {
    assert_eq!(
        run(false),
        [
            "in 3 len=3",
            "inner ret false len=7",
            "after 3 len=4",
            "in 4 len=4",
            "after 4 len=0",
            "ret true len=0",
            "in 1 len=1",
            "after 1 len=0",
            "ret2 true len=0",
            "in 5 len=5",
            "parked len=5",
            "ret3 false len=5",
            "ret4 false len=7",
            "complete len=7",
            "in 2 len=2",
            "after 2 len=0",
            "drain len=0",
            "completed len=0",
            "prefinish len=0",
            "finish len=0",
        ]
    );
}

/// Completes every write at once.
struct Discard;

impl Sink for Discard {
    fn write(&mut self, _chunk: Chunk, cb: WriteCallback) {
        cb.ok();
    }
}

/// Node (v20), `new Writable({ autoDestroy })` then `errorOrDestroy(w, err)` (reached as
/// `require('internal/streams/destroy').errorOrDestroy`): without autoDestroy the error is
/// recorded and emitted synchronously (`errorEmitted` true at once, never destroyed, no
/// 'close'); with it, the stream is destroyed and 'error' then 'close' follow on later
/// ticks.
#[test]
fn error_or_destroy_honours_auto_destroy_and_error_emitted_follows_the_event() {
    for auto_destroy in [false, true] {
        let lp = EventLoop::new().unwrap();
        let log: Log = Rc::default();
        let w = Writable::new(
            &lp.handle(),
            Discard,
            WritableOptions::new().auto_destroy(auto_destroy),
        );
        let (l, me) = (log.clone(), w.clone());
        w.on(crate::stream::writable::ERROR, move |e| {
            push(
                &l,
                format!("error {} error_emitted {}", e.code(), me.error_emitted()),
            )
        });
        let l = log.clone();
        w.on(crate::stream::writable::CLOSE, move |_| {
            push(&l, "close".into())
        });
        assert!(!w.error_emitted());
        w.error_or_destroy(crate::Error::custom("EBOOM", "boom"));
        push(
            &log,
            format!(
                "after: destroyed {} errored {} error_emitted {}",
                w.destroyed(),
                w.errored().map_or("none".into(), |e| e.code().to_string()),
                w.error_emitted()
            ),
        );
        // A second error changes nothing: the first one stands, and 'error' is not repeated.
        w.error_or_destroy(crate::Error::custom("ESECOND", "second"));
        lp.run().unwrap();
        push(
            &log,
            format!(
                "end: destroyed {} error_emitted {}",
                w.destroyed(),
                w.error_emitted()
            ),
        );
        let expected: &[&str] = if auto_destroy {
            &[
                "after: destroyed true errored EBOOM error_emitted false",
                "error EBOOM error_emitted true",
                "close",
                "end: destroyed true error_emitted true",
            ]
        } else {
            &[
                "error EBOOM error_emitted true",
                "after: destroyed false errored EBOOM error_emitted true",
                "end: destroyed false error_emitted true",
            ]
        };
        assert_eq!(*log.borrow(), expected, "auto_destroy {auto_destroy}");
    }
}
