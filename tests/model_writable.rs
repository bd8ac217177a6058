//! Model check of the Writable state machine: random sequences of `write`, `end`, `cork`,
//! `uncork`, `destroy` and loop turns, on streams with random high-water marks, into a sink
//! that completes each call at a random time (inside the call, on the next tick, on an
//! immediate or on a timer) and sometimes fails it.
//!
//! Checked against a small model after every run:
//! - data: the chunks that reach the sink arrive in write order, each once, byte for byte;
//!   a write's callback gets `None` exactly when its chunk reached the sink and the sink
//!   completed it without an error; every write callback runs exactly once;
//! - `write()`'s return value is `length < hwm || length == 0` (length read after the
//!   call: Node v20 compares after `_write`) while the stream is writable, else `false`;
//! - no sink call while corked or after `destroy()`;
//! - events: at most one `'error'`; `'close'` at most once and the last stream event; no
//!   `'finish'` after `'error'`; `'prefinish'` before `'finish'`; `'finish'` only after
//!   `end()` and after every write callback; `'drain'` only after a write returned `false`
//!   (one `'drain'` per such episode), at length zero, never after `end()` or `destroy()`.
//!
//! `PROPTEST_CASES` raises the case count (default 256 here); see `docs/fuzzing.md`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use nodestream::events::{CLOSE, DRAIN, ERROR, FINISH, PREFINISH};
use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
use nodestream::{Error, EventLoop, LoopHandle};
use proptest::prelude::*;

/// When and how the sink completes one call.
#[derive(Clone, Copy, Debug)]
enum Timing {
    Sync,
    Tick,
    Immediate,
    Timer,
}

#[derive(Clone, Copy, Debug)]
struct Completion {
    timing: Timing,
    fail: bool,
}

#[derive(Clone, Debug)]
enum Op {
    /// A write of `4 + extra` bytes (the first four name the write).
    Write(u8),
    End {
        cb: bool,
    },
    Cork,
    Uncork,
    Destroy {
        err: bool,
    },
    /// One non-blocking loop turn.
    Turn,
    /// Run the loop until it is idle.
    Run,
}

#[derive(Clone, Debug, PartialEq)]
enum Ev {
    Drain,
    Prefinish,
    Finish,
    Close,
    Error(String),
    WriteCb(usize, Option<String>),
    EndCb(usize, Option<String>),
    /// `end(cb)` was called with end callback #n.
    OpEndCb(usize),
    /// A sink call began, with the write indices of its chunks.
    SinkCall(Vec<usize>),
    OpEnd,
    OpDestroy,
    /// A write returned false.
    FalseWrite,
    /// `write()` was called for write #n.
    OpWrite(usize),
}

type Log = Rc<RefCell<Vec<Ev>>>;
/// Per sink call: the (write index, bytes) of its chunks, and whether it failed.
type Received = Vec<(Vec<(usize, Vec<u8>)>, Option<bool>)>;

struct ModelSink {
    lp: LoopHandle,
    plan: Vec<Completion>,
    next: usize,
    log: Log,
    /// (write index, bytes) of each chunk, per call, and whether the call failed.
    received: Rc<RefCell<Received>>,
    corked: Rc<Cell<usize>>,
    destroyed: Rc<Cell<bool>>,
    writev: bool,
}

fn index_of(chunk: &[u8]) -> usize {
    u32::from_le_bytes(chunk[..4].try_into().expect("4-byte header")) as usize
}

impl ModelSink {
    fn take(&mut self, chunks: Vec<Chunk>, cb: WriteCallback) {
        assert_eq!(self.corked.get(), 0, "sink called while corked");
        assert!(!self.destroyed.get(), "sink called after destroy()");
        let parts: Vec<(usize, Vec<u8>)> = chunks
            .iter()
            .map(|c| (index_of(c.as_bytes()), c.as_bytes().to_vec()))
            .collect();
        self.log
            .borrow_mut()
            .push(Ev::SinkCall(parts.iter().map(|p| p.0).collect()));
        let slot = {
            let mut r = self.received.borrow_mut();
            r.push((parts, None));
            r.len() - 1
        };
        let c = self.plan[self.next % self.plan.len()];
        self.next += 1;
        let received = self.received.clone();
        let done = move || {
            received.borrow_mut()[slot].1 = Some(c.fail);
            if c.fail {
                cb.error(Error::custom("ESINK", "sink failed"));
            } else {
                cb.ok();
            }
        };
        match c.timing {
            Timing::Sync => done(),
            Timing::Tick => self.lp.next_tick(done),
            Timing::Immediate => {
                self.lp.set_immediate(done);
            }
            Timing::Timer => {
                self.lp.set_timeout(Duration::ZERO, done);
            }
        }
    }
}

impl Sink for ModelSink {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.take(vec![chunk], cb);
    }
    fn writev(&mut self, chunks: Vec<Chunk>, cb: WriteCallback) {
        if self.writev {
            self.take(chunks, cb);
        } else {
            cb.writev_not_implemented(chunks);
        }
    }
}

fn code(e: &Option<Error>) -> Option<String> {
    e.as_ref().map(|e| e.code().as_str().to_string())
}

fn completion() -> impl Strategy<Value = Completion> {
    (
        prop_oneof![
            3 => Just(Timing::Sync),
            2 => Just(Timing::Tick),
            2 => Just(Timing::Immediate),
            1 => Just(Timing::Timer)
        ],
        prop::bool::weighted(0.05),
    )
        .prop_map(|(timing, fail)| Completion { timing, fail })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => (0u8..60).prop_map(Op::Write),
        1 => any::<bool>().prop_map(|cb| Op::End { cb }),
        2 => Just(Op::Cork),
        2 => Just(Op::Uncork),
        1 => any::<bool>().prop_map(|err| Op::Destroy { err }),
        4 => Just(Op::Turn),
        2 => Just(Op::Run),
    ]
}

struct Case {
    hwm: usize,
    auto_destroy: bool,
    writev: bool,
    plan: Vec<Completion>,
    ops: Vec<Op>,
}

fn run_case(case: &Case) -> Result<(), TestCaseError> {
    let el = EventLoop::new().expect("loop");
    let lp = el.handle();
    let log: Log = Rc::default();
    let received = Rc::new(RefCell::new(Vec::new()));
    let corked = Rc::new(Cell::new(0usize));
    let destroyed = Rc::new(Cell::new(false));
    let sink = ModelSink {
        lp: lp.clone(),
        plan: case.plan.clone(),
        next: 0,
        log: log.clone(),
        received: received.clone(),
        corked: corked.clone(),
        destroyed: destroyed.clone(),
        writev: case.writev,
    };
    let w = Writable::new(
        &lp,
        sink,
        WritableOptions::new()
            .high_water_mark(case.hwm)
            .auto_destroy(case.auto_destroy),
    );
    // The drain listener checks the length through a slot cleared at the end (no cycle).
    let me: Rc<RefCell<Option<Writable>>> = Rc::new(RefCell::new(Some(w.clone())));
    {
        let (l, me) = (log.clone(), me.clone());
        w.on(DRAIN, move |_| {
            if let Some(w) = me.borrow().as_ref() {
                assert_eq!(w.writable_length(), 0, "'drain' with bytes buffered");
            }
            l.borrow_mut().push(Ev::Drain)
        });
    }
    let l = log.clone();
    w.on(PREFINISH, move |_| l.borrow_mut().push(Ev::Prefinish));
    let l = log.clone();
    w.on(FINISH, move |_| l.borrow_mut().push(Ev::Finish));
    let l = log.clone();
    w.on(CLOSE, move |_| l.borrow_mut().push(Ev::Close));
    let l = log.clone();
    w.on(ERROR, move |e: &Error| {
        l.borrow_mut()
            .push(Ev::Error(e.code().as_str().to_string()))
    });

    let mut written: Vec<Vec<u8>> = Vec::new();
    let do_write = |written: &mut Vec<Vec<u8>>, extra: u8| {
        let idx = written.len();
        let mut bytes = (idx as u32).to_le_bytes().to_vec();
        bytes.extend((0..extra).map(|k| (idx as u8).wrapping_mul(31).wrapping_add(k)));
        written.push(bytes.clone());
        log.borrow_mut().push(Ev::OpWrite(idx));
        let len_before = w.writable_length();
        let open = w.writable() && w.errored().is_none();
        let n = bytes.len();
        let l = log.clone();
        let ret = w.write_cb(bytes, move |e| {
            l.borrow_mut().push(Ev::WriteCb(idx, code(&e)))
        });
        let still_open = w.writable() && w.errored().is_none();
        if open && still_open {
            // Node v20 compares after `_write` ran (a synchronous completion has already
            // taken its bytes off the length), and an empty stream always says true.
            let len_after = w.writable_length();
            prop_assert_eq!(
                ret,
                len_after < case.hwm || len_after == 0,
                "write #{} returned {} with length {} (before: {} + {}) and hwm {}",
                idx,
                ret,
                len_after,
                len_before,
                n,
                case.hwm
            );
        } else if !open || !still_open {
            prop_assert!(!ret, "write #{} on a closed stream returned true", idx);
        }
        if !ret {
            log.borrow_mut().push(Ev::FalseWrite);
        }
        Ok(())
    };

    let mut end_cbs = 0usize;
    for op in &case.ops {
        match op {
            Op::Write(extra) => do_write(&mut written, *extra)?,
            Op::End { cb } => {
                corked.set(0);
                if *cb {
                    let k = end_cbs;
                    end_cbs += 1;
                    log.borrow_mut().push(Ev::OpEndCb(k));
                    let l = log.clone();
                    w.end_cb(move |e| l.borrow_mut().push(Ev::EndCb(k, code(&e))));
                } else {
                    w.end();
                }
                // Node's end() uncorks, but on an errored stream it does not set `ending`
                // (its buffered writes may still flow and 'drain'); mark only an end that
                // took effect.
                if w.writable_ended() {
                    log.borrow_mut().push(Ev::OpEnd);
                }
            }
            Op::Cork => {
                corked.set(corked.get() + 1);
                w.cork();
            }
            Op::Uncork => {
                corked.set(corked.get().saturating_sub(1));
                w.uncork();
            }
            Op::Destroy { err } => {
                log.borrow_mut().push(Ev::OpDestroy);
                destroyed.set(true);
                let e = err.then(|| Error::custom("EBOOM", "destroyed"));
                w.destroy(e);
            }
            Op::Turn => el.dispatch(Some(Duration::ZERO)).expect("turn"),
            Op::Run => el.run().expect("run"),
        }
        prop_assert_eq!(corked.get(), w.writable_corked());
    }
    // Finish: end (which uncorks), run, destroy (which fails what an errored stream still
    // buffers), run. Every write callback must have run by then.
    corked.set(0);
    w.end();
    if w.writable_ended() {
        log.borrow_mut().push(Ev::OpEnd);
    }
    el.run().expect("run after end");
    log.borrow_mut().push(Ev::OpDestroy);
    destroyed.set(true);
    w.destroy(None);
    el.run().expect("run after destroy");
    prop_assert_eq!(w.writable_length(), 0);
    *me.borrow_mut() = None;

    let log = log.borrow().clone();
    let received = received.borrow().clone();
    check(&log, &written, &received, case.writev)
}

fn check(
    log: &[Ev],
    written: &[Vec<u8>],
    received: &Received,
    writev: bool,
) -> Result<(), TestCaseError> {
    // Data: sink chunks in write order, each once, byte for byte.
    let mut last: Option<usize> = None;
    let mut outcome: Vec<Option<bool>> = vec![None; written.len()];
    for (parts, done) in received {
        prop_assert!(done.is_some(), "a sink call never completed");
        prop_assert!(writev || parts.len() == 1);
        for (idx, bytes) in parts {
            prop_assert!(
                last.map_or(true, |l| *idx > l),
                "chunk #{} out of order or twice",
                idx
            );
            last = Some(*idx);
            prop_assert_eq!(bytes, &written[*idx], "chunk #{} changed", idx);
            outcome[*idx] = Some(!done.expect("checked"));
        }
    }
    // Callbacks: each once; `None` exactly for chunks the sink took without an error.
    let mut cbs: Vec<Vec<Option<String>>> = vec![Vec::new(); written.len()];
    for ev in log {
        if let Ev::WriteCb(i, e) = ev {
            cbs[*i].push(e.clone());
        }
    }
    for (i, got) in cbs.iter().enumerate() {
        prop_assert_eq!(
            got.len(),
            1,
            "write #{} callback ran {} times",
            i,
            got.len()
        );
        let ok = got[0].is_none();
        prop_assert_eq!(
            ok,
            outcome[i] == Some(true),
            "write #{}: cb {:?}, sink {:?}",
            i,
            got[0],
            outcome[i]
        );
        if outcome[i] == Some(false) {
            prop_assert_eq!(got[0].as_deref(), Some("ESINK"));
        }
    }
    // The bytes the sink took equal the bytes of the successful writes, in order.
    let sunk: Vec<u8> = received
        .iter()
        .filter(|(_, d)| *d == Some(false))
        .flat_map(|(p, _)| p.iter().flat_map(|(_, b)| b.clone()))
        .collect();
    let ok: Vec<u8> = cbs
        .iter()
        .enumerate()
        .filter(|(_, c)| c[0].is_none())
        .flat_map(|(i, _)| written[i].clone())
        .collect();
    prop_assert_eq!(sunk, ok);

    // Events.
    let stream_ev = |e: &Ev| {
        matches!(
            e,
            Ev::Drain | Ev::Prefinish | Ev::Finish | Ev::Close | Ev::Error(_)
        )
    };
    let count = |f: &dyn Fn(&Ev) -> bool| log.iter().filter(|e| f(e)).count();
    prop_assert!(
        count(&|e| matches!(e, Ev::Error(_))) <= 1,
        "two 'error's: {:?}",
        log
    );
    prop_assert!(count(&|e| *e == Ev::Close) <= 1, "two 'close's");
    prop_assert!(count(&|e| *e == Ev::Finish) <= 1, "two 'finish'es");
    prop_assert!(count(&|e| *e == Ev::Prefinish) <= 1, "two 'prefinish'es");
    for k in 0..log.iter().filter(|e| matches!(e, Ev::OpEndCb(_))).count() {
        let n = count(&|e| matches!(e, Ev::EndCb(j, _) if *j == k));
        prop_assert!(n <= 1, "end callback #{} ran {} times", k, n);
    }
    if let Some(c) = log.iter().position(|e| *e == Ev::Close) {
        prop_assert!(
            !log[c + 1..].iter().any(stream_ev),
            "an event after 'close': {:?}",
            log
        );
    }
    let error_at = log.iter().position(|e| matches!(e, Ev::Error(_)));
    let finish_at = log.iter().position(|e| *e == Ev::Finish);
    if let (Some(e), Some(f)) = (error_at, finish_at) {
        prop_assert!(f < e, "'finish' after 'error'");
    }
    if let Some(f) = finish_at {
        let pre = log.iter().position(|e| *e == Ev::Prefinish);
        prop_assert!(
            pre.is_some_and(|p| p < f),
            "'finish' without 'prefinish' before it"
        );
        let end = log.iter().position(|e| *e == Ev::OpEnd);
        prop_assert!(end.is_some_and(|p| p < f), "'finish' before end()");
        // Every write made before 'finish' had its callback before it.
        for (i, ev) in log[..f].iter().enumerate() {
            if let Ev::OpWrite(idx) = ev {
                let cb = log
                    .iter()
                    .position(|e| matches!(e, Ev::WriteCb(j, _) if j == idx));
                prop_assert!(
                    cb.is_some_and(|c| c < f),
                    "write #{} (at {}) called back after 'finish'",
                    idx,
                    i
                );
            }
        }
        let late: Vec<&Ev> = log[f..]
            .iter()
            .filter(|e| matches!(e, Ev::WriteCb(_, None)))
            .collect();
        prop_assert!(
            late.is_empty(),
            "a successful write callback after 'finish': {:?}",
            late
        );
        // Every end callback given before 'finish' runs with None just before it.
        for ev in &log[..f] {
            if let Ev::OpEndCb(k) = ev {
                let at = log
                    .iter()
                    .position(|e| matches!(e, Ev::EndCb(j, None) if j == k));
                prop_assert!(
                    at.is_some_and(|a| a < f),
                    "end callback #{} not called with None before 'finish'",
                    k
                );
            }
        }
    }
    // An end callback with None means the stream finished, after it.
    for (i, ev) in log.iter().enumerate() {
        if let Ev::EndCb(k, None) = ev {
            prop_assert!(
                finish_at.is_some_and(|f| i < f),
                "end callback #{} got None without 'finish' after it",
                k
            );
        }
    }
    // Drain: only after a false write, once per episode, never after end() or destroy().
    let mut owed = false;
    let mut ended = false;
    for ev in log {
        match ev {
            Ev::FalseWrite => owed = true,
            Ev::OpEnd | Ev::OpDestroy => ended = true,
            Ev::Drain => {
                prop_assert!(owed, "'drain' without a false write before it: {:?}", log);
                prop_assert!(!ended, "'drain' after end() or destroy()");
                owed = false;
            }
            _ => {}
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn writable_matches_model(
        hwm in prop_oneof![Just(0usize), 1usize..16, 16usize..200],
        auto_destroy in prop::bool::weighted(0.8),
        writev in any::<bool>(),
        plan in prop::collection::vec(completion(), 1..16),
        ops in prop::collection::vec(op(), 0..60),
    ) {
        run_case(&Case { hwm, auto_destroy, writev, plan, ops })?;
    }
}
