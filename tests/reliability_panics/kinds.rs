//! The stream kinds of the panic-injection harness: the table of rows, and one builder per
//! row, which makes the streams on the case's loop, drives them (from the first tick, so
//! that everything runs inside the loop), and wires [`hit`] into every listener and
//! callback through the [`Adder`] watch helpers.
//!
//! A builder registers its own logic (the end after `'drain'`, taking a descriptor) before
//! the watch's listeners, so that a panic in a watch listener never skips the scenario's
//! own steps: what is checked is what the library does after the panic.

use std::cell::{Cell, RefCell};
use std::os::fd::OwnedFd;
use std::process::Command;
use std::rc::Rc;

use nodestream::events::{CONNECTION, DRAIN, ERROR, FD, LISTENING, OPEN, PIPE, READY, UNPIPE};
use nodestream::fs::{create_write_stream, WriteStreamOptions};
use nodestream::net::{connect_tcp, listen_tcp, unix_pair, PassedFd, Server, Socket};
use nodestream::stream::readable::{Readable, ReadableOptions, Source};
use nodestream::stream::writable::{
    Chunk, ConstructCallback, DestroyCallback, FinalCallback, WriteCallback,
};
use nodestream::stream::FdWritable;
use nodestream::{Error, LoopHandle, Sink, Writable, WritableOptions};

use super::support::{self, pattern, TempPath};
use super::{hit, Adder, Case, Consume, Row, Scenario};

pub const MEMORY: &str = "Writable over a memory sink";
pub const READABLE: &str = "Readable over a source";
pub const PIPE_KIND: &str = "pipe() from a Readable into a Writable";
pub const FD_WRITABLE: &str = "FdWritable over a pipe";
pub const FD_READABLE: &str = "Readable::from_fd over a pipe";
pub const UNIX: &str = "net::Socket over unix_pair, with descriptors";
pub const TCP: &str = "net::Socket over TCP, with a Server";
pub const FILE: &str = "fs::create_write_stream";
pub const CHILD: &str = "child_process::spawn stdio";
pub const STDOUT: &str = "process::stdout";

/// Every kind the table covers.
pub const KINDS: &[&str] = &[
    MEMORY,
    READABLE,
    PIPE_KIND,
    FD_WRITABLE,
    FD_READABLE,
    UNIX,
    TCP,
    FILE,
    CHILD,
    STDOUT,
];

use Scenario::{Fails, Flows};

/// The table: each kind, each scenario, each point `(point, nth)`.
pub const ROWS: &[Row] = &[
    Row {
        kind: MEMORY,
        scenario: Flows,
        build: memory_flows,
        points: &[
            ("w:drain", 1),
            ("w:write cb", 2),
            ("w:end cb", 1),
            ("w:prefinish", 1),
            ("w:finish", 1),
            ("w:close", 1),
            ("sink:_construct", 1),
            ("sink:_write", 1),
            ("sink:_writev", 1),
            ("sink:_final", 1),
            ("sink:_destroy", 1),
        ],
    },
    Row {
        kind: MEMORY,
        scenario: Fails,
        build: memory_fails,
        points: &[
            ("w:error", 1),
            ("w:close", 1),
            ("w:write cb", 2),
            ("w:end cb", 1),
        ],
    },
    Row {
        kind: MEMORY,
        scenario: Fails,
        build: memory_destroyed,
        points: &[
            ("w:destroy cb", 1),
            ("w:error", 1),
            ("w:close", 1),
            ("w:write cb", 1),
        ],
    },
    Row {
        kind: READABLE,
        scenario: Flows,
        build: readable_flows,
        points: &[
            ("r:data", 2),
            ("r:pause", 1),
            ("r:resume", 2),
            ("r:end", 1),
            ("r:close", 1),
            ("src:_read", 2),
            ("src:_destroy", 1),
        ],
    },
    Row {
        kind: READABLE,
        scenario: Flows,
        build: readable_paused,
        points: &[
            ("r:readable", 2),
            ("r:data", 2),
            ("r:end", 1),
            ("r:close", 1),
        ],
    },
    Row {
        kind: READABLE,
        scenario: Fails,
        build: readable_fails,
        points: &[("r:error", 1), ("r:close", 1), ("r:data", 1)],
    },
    Row {
        kind: PIPE_KIND,
        scenario: Flows,
        build: pipe_flows,
        points: &[
            ("dest:pipe", 1),
            ("dest:drain", 1),
            ("dest:prefinish", 1),
            ("dest:finish", 1),
            ("dest:unpipe", 1),
            ("dest:close", 1),
            ("src:data", 2),
            ("src:pause", 1),
            ("src:resume", 2),
            ("src:end", 1),
            ("src:close", 1),
            ("sink:_write", 1),
            ("sink:_writev", 1),
        ],
    },
    Row {
        kind: PIPE_KIND,
        scenario: Fails,
        build: pipe_fails,
        points: &[
            ("dest:error", 1),
            ("dest:unpipe", 1),
            ("dest:close", 1),
            ("src:close", 1),
        ],
    },
    Row {
        kind: FD_WRITABLE,
        scenario: Flows,
        build: fd_writable_flows,
        points: &[
            ("w:drain", 1),
            ("w:write cb", 2),
            ("w:end cb", 1),
            ("w:prefinish", 1),
            ("w:finish", 1),
            ("w:close", 1),
            ("r:resume", 1),
            ("r:data", 2),
            ("r:end", 1),
            ("r:close", 1),
        ],
    },
    Row {
        kind: FD_WRITABLE,
        scenario: Fails,
        build: fd_writable_fails,
        points: &[
            ("w:error", 1),
            ("w:close", 1),
            ("w:write cb", 1),
            ("w:end cb", 1),
        ],
    },
    Row {
        kind: FD_READABLE,
        scenario: Flows,
        build: fd_readable_flows,
        points: &[
            ("r:data", 2),
            ("r:pause", 1),
            ("r:resume", 2),
            ("r:end", 1),
            ("r:close", 1),
        ],
    },
    Row {
        kind: FD_READABLE,
        scenario: Flows,
        build: fd_readable_paused,
        points: &[
            ("r:readable", 2),
            ("r:data", 2),
            ("r:end", 1),
            ("r:close", 1),
        ],
    },
    Row {
        kind: FD_READABLE,
        scenario: Fails,
        build: fd_readable_fails,
        points: &[("r:error", 1), ("r:close", 1)],
    },
    Row {
        kind: UNIX,
        scenario: Flows,
        build: unix_flows,
        points: &[
            ("a:drain", 1),
            ("a:write cb", 2),
            ("a:end cb", 1),
            ("a:prefinish", 1),
            ("a:finish", 1),
            ("a:data", 1),
            ("a:end", 1),
            ("a:close", 1),
            ("b:fd", 2),
            ("b:data", 2),
            ("b:end", 1),
            ("b:finish", 1),
            ("b:close", 1),
        ],
    },
    Row {
        kind: UNIX,
        scenario: Fails,
        build: unix_fails,
        points: &[("b:error", 1), ("b:close", 1), ("a:close", 1)],
    },
    Row {
        kind: TCP,
        scenario: Flows,
        build: tcp_flows,
        points: &[
            ("srv:listening", 1),
            ("srv:connection", 1),
            ("srv:close", 1),
            ("c:connect", 1),
            ("c:ready", 1),
            ("c:write cb", 1),
            ("c:end cb", 1),
            ("c:prefinish", 1),
            ("c:finish", 1),
            ("c:data", 2),
            ("c:end", 1),
            ("c:close", 1),
            ("s:finish", 1),
            ("s:data", 1),
            ("s:end", 1),
            ("s:close", 1),
        ],
    },
    Row {
        kind: TCP,
        scenario: Fails,
        build: tcp_fails,
        points: &[
            ("c:error", 1),
            ("c:close", 1),
            ("c:write cb", 1),
            ("c:end cb", 1),
        ],
    },
    Row {
        kind: FILE,
        scenario: Flows,
        build: file_flows,
        points: &[
            ("f:open", 1),
            ("f:ready", 1),
            ("f:drain", 1),
            ("f:write cb", 2),
            ("f:end cb", 1),
            ("f:prefinish", 1),
            ("f:finish", 1),
            ("f:close", 1),
        ],
    },
    Row {
        kind: FILE,
        scenario: Fails,
        build: file_fails,
        points: &[
            ("f:error", 1),
            ("f:close", 1),
            ("f:write cb", 1),
            ("f:end cb", 1),
        ],
    },
    Row {
        kind: CHILD,
        scenario: Flows,
        build: child_flows,
        points: &[
            ("in:drain", 1),
            ("in:write cb", 2),
            ("in:end cb", 1),
            ("in:prefinish", 1),
            ("in:finish", 1),
            ("in:close", 1),
            ("out:data", 2),
            ("out:end", 1),
            ("out:close", 1),
        ],
    },
    Row {
        kind: STDOUT,
        scenario: Flows,
        build: stdout_flows,
        points: &[
            ("out:write cb", 2),
            ("out:drain", 1),
            ("out:end cb", 1),
            ("out:prefinish", 1),
            ("out:finish", 1),
            ("out:close", 1),
        ],
    },
];

/// `n` chunks of `len` bytes, each different.
fn chunks(n: u8, len: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| pattern(len, i.wrapping_mul(37))).collect()
}

fn boom() -> Error {
    Error::custom("EBOOM", "the scenario's failure")
}

/// Writes `first` with callbacks, then, at `'drain'`, `last` and the end (with a
/// callback): the shape of every writing scenario, so that `'drain'`, the write callbacks
/// and the end callback all happen. The `'drain'` logic is registered now, before the
/// watch's listeners. The end is queued before the last write, so that a write that
/// panics (a sink's `_write`) does not skip it.
fn write_then_end_on_drain(
    case: &Case,
    w: &Writable,
    log: &Rc<RefCell<Vec<String>>>,
    name: &str,
    first: Vec<Vec<u8>>,
    last: Vec<u8>,
) {
    let (weak, l2) = (w.downgrade(), log.clone());
    let (wcb, ecb) = (format!("{name}:write cb"), format!("{name}:end cb"));
    let wcb2 = wcb.clone();
    let lp = case.lp.clone();
    w.once(DRAIN, move |_| {
        let (weak2, l3, ecb) = (weak.clone(), l2.clone(), ecb.clone());
        lp.next_tick(move || {
            if let Some(w) = weak2.upgrade() {
                w.end_cb(Adder::cb(&l3, &ecb));
            }
        });
        if let Some(w) = weak.upgrade() {
            w.write_cb(last.clone(), Adder::cb(&l2, &wcb2));
        }
    });
    let (weak, l2) = (w.downgrade(), log.clone());
    case.start(move || {
        if let Some(w) = weak.upgrade() {
            for c in first {
                w.write_cb(c, Adder::cb(&l2, &wcb));
            }
        }
    });
}

/// Writes `all` with callbacks and ends at once (with a callback): for the scenarios that
/// fail, where no `'drain'` comes.
fn write_all_then_end(
    case: &Case,
    w: &Writable,
    log: &Rc<RefCell<Vec<String>>>,
    name: &str,
    all: Vec<Vec<u8>>,
) {
    let (weak, l2) = (w.downgrade(), log.clone());
    let (wcb, ecb) = (format!("{name}:write cb"), format!("{name}:end cb"));
    case.start(move || {
        if let Some(w) = weak.upgrade() {
            for c in all {
                w.write_cb(c, Adder::cb(&l2, &wcb));
            }
            w.end_cb(Adder::cb(&l2, &ecb));
        }
    });
}

// ----- Writable over a memory sink ------------------------------------------------------

/// An in-memory sink: keeps the bytes and completes each call from an immediate. Each
/// method is a point: `_write`/`_writev` after completing (a panic after the callback),
/// `_final`, `_construct` and `_destroy` before (a throw instead of the callback).
struct MemSink {
    got: Rc<RefCell<Vec<u8>>>,
    lp: LoopHandle,
    construct: bool,
    /// The sink call (counted from 1) that fails with `EBOOM`.
    fail_at: Option<usize>,
    calls: usize,
}

impl MemSink {
    fn new(lp: &LoopHandle, got: &Rc<RefCell<Vec<u8>>>, construct: bool) -> MemSink {
        MemSink {
            got: got.clone(),
            lp: lp.clone(),
            construct,
            fail_at: None,
            calls: 0,
        }
    }

    fn take(&mut self, chunks: &[Chunk], cb: WriteCallback) {
        self.calls += 1;
        if Some(self.calls) == self.fail_at {
            self.lp.set_immediate(move || cb.error(boom()));
            return;
        }
        for c in chunks {
            self.got.borrow_mut().extend_from_slice(c.as_bytes());
        }
        self.lp.set_immediate(move || cb.ok());
    }
}

impl Sink for MemSink {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.take(&[chunk], cb);
        hit("sink:_write");
    }
    fn writev(&mut self, chunks: Vec<Chunk>, cb: WriteCallback) {
        self.take(&chunks, cb);
        hit("sink:_writev");
    }
    fn finalize(&mut self, cb: FinalCallback) {
        hit("sink:_final");
        self.lp.set_immediate(move || cb.ok());
    }
    fn destroy(&mut self, err: Option<Error>, cb: DestroyCallback) {
        hit("sink:_destroy");
        self.lp.set_immediate(move || cb.call(err));
    }
}

impl MemSink {
    /// The sink's `_construct`, given to the stream when `construct` says so.
    fn construct_step(&mut self, cb: ConstructCallback) {
        hit("sink:_construct");
        self.lp.set_immediate(move || cb.ok());
    }

    /// The stream over this sink, with its `_construct` step if it has one.
    fn into_writable(self, lp: &LoopHandle, opts: WritableOptions) -> Writable {
        if self.construct {
            Writable::new_with_construct(lp, self, opts, MemSink::construct_step)
        } else {
            Writable::new(lp, self, opts)
        }
    }
}

/// High-water mark 8, chunks of 5: the second write owes a `'drain'`; the first four go
/// as one `_writev` once `_construct` is done, the last as a `_write`.
fn memory_flows(case: &Case) {
    let a = case.adder();
    let got = Rc::default();
    let sink = MemSink::new(&case.lp, &got, true);
    let w = sink.into_writable(&case.lp, WritableOptions::new().high_water_mark(8));
    let all = chunks(5, 5);
    a.expect("sink", &got, all.concat());
    let log = a.log("w", true);
    write_then_end_on_drain(case, &w, &log, "w", all[..4].to_vec(), all[4].clone());
    a.writable(&log, "w", &w);
    a.keep(w);
}

/// The sink fails the first call (the `_writev` of four chunks): their callbacks, the end
/// callback, `'error'`, `'close'`.
fn memory_fails(case: &Case) {
    let a = case.adder();
    let got = Rc::default();
    let mut sink = MemSink::new(&case.lp, &got, true);
    sink.fail_at = Some(1);
    let w = sink.into_writable(&case.lp, WritableOptions::new().high_water_mark(8));
    let log = a.log("w", true);
    write_all_then_end(case, &w, &log, "w", chunks(4, 5));
    a.writable(&log, "w", &w);
    a.keep(w);
}

/// Writes buffered behind a slow `_construct`, then `destroy_cb(err)`: the buffered
/// callbacks get the error, the destroy callback, `'error'`, `'close'`.
fn memory_destroyed(case: &Case) {
    let a = case.adder();
    let got = Rc::default();
    let w = MemSink::new(&case.lp, &got, true).into_writable(&case.lp, WritableOptions::new());
    let log = a.log("w", true);
    let (weak, l2) = (w.downgrade(), log.clone());
    case.start(move || {
        if let Some(w) = weak.upgrade() {
            w.write_cb(&b"one"[..], Adder::cb(&l2, "w:write cb"));
            w.write_cb(&b"two"[..], Adder::cb(&l2, "w:write cb"));
            w.destroy_cb(Some(boom()), Adder::cb(&l2, "w:destroy cb"));
        }
    });
    a.writable(&log, "w", &w);
    a.keep(w);
}

// ----- Readable over a source -----------------------------------------------------------

/// A source that pushes its chunks one per `_read`, from an immediate, then the end; or
/// destroys the stream with `EBOOM` at read `fail_at`. `_read` and `_destroy` are points
/// (a throw: before pushing, before calling back).
struct Src {
    lp: LoopHandle,
    chunks: Vec<Vec<u8>>,
    reads: Cell<usize>,
    fail_at: Option<usize>,
    /// Push every chunk and the end at the first read, synchronously.
    burst: bool,
}

impl Source for Src {
    fn read(&self, stream: &Readable, _size: usize) {
        let i = self.reads.get();
        self.reads.set(i + 1);
        hit("src:_read");
        if self.burst {
            if i == 0 {
                for c in &self.chunks {
                    stream.push(c.clone());
                }
                stream.push(None);
            }
            return;
        }
        let (weak, chunk) = (stream.downgrade(), self.chunks.get(i).cloned());
        let fail = self.fail_at == Some(i + 1);
        self.lp.set_immediate(move || {
            let Some(r) = weak.upgrade() else {
                return;
            };
            match (fail, chunk) {
                (true, _) => {
                    r.destroy(Some(boom()));
                }
                (false, Some(chunk)) => {
                    r.push(chunk);
                }
                (false, None) => {
                    r.push(None);
                }
            }
        });
    }

    fn destroy(
        &self,
        _stream: &Readable,
        err: Option<Error>,
        done: nodestream::stream::readable::DestroyDone,
    ) {
        hit("src:_destroy");
        done.done(err);
    }
}

fn source(case: &Case, all: &[Vec<u8>], fail_at: Option<usize>, burst: bool) -> Readable {
    Readable::new(
        &case.lp,
        ReadableOptions::default(),
        Src {
            lp: case.lp.clone(),
            chunks: all.to_vec(),
            reads: Cell::new(0),
            fail_at,
            burst,
        },
    )
}

fn readable_case(case: &Case, consume: Consume, fail_at: Option<usize>) {
    let a = case.adder();
    let all = chunks(4, 100);
    let r = source(case, &all, fail_at, false);
    let log = a.log("r", true);
    let got = a.readable(&log, "r", &r, consume);
    a.expect("r", &got, all.concat());
    a.keep(r);
}

fn readable_flows(case: &Case) {
    readable_case(case, Consume::PauseOnce, None);
}

fn readable_paused(case: &Case) {
    readable_case(case, Consume::Paused, None);
}

fn readable_fails(case: &Case) {
    readable_case(case, Consume::Flowing, Some(3));
}

// ----- pipe() ---------------------------------------------------------------------------

/// A Readable of six chunks (all pushed at once) piped into a Writable over a memory
/// sink with a high-water mark of 12: the third chunk fills it, the source pauses for the
/// destination's `'drain'` and resumes, and the two buffered chunks go as one `_writev`.
fn pipe_case(case: &Case, fail_at: Option<usize>) {
    let a = case.adder();
    let all = chunks(6, 5);
    let src = source(case, &all, None, true);
    let got = Rc::default();
    let mut sink = MemSink::new(&case.lp, &got, false);
    sink.fail_at = fail_at;
    let dest = sink.into_writable(&case.lp, WritableOptions::new().high_water_mark(12));
    let dlog = a.log("dest", true);
    let slog = a.log("src", fail_at.is_none());
    // 'pipe' comes inside pipe(); the watch's other listeners go after pipe()'s own (a
    // listener before them that panics skips them, as in Node).
    dest.on(PIPE, Adder::event(&dlog, "dest:pipe"));
    let (s2, d2) = (src.clone(), dest.clone());
    case.start(move || {
        s2.pipe(&d2);
        // As a program would: a failed destination ends the source too (the Fails row's
        // destination fails; so does the Flows row's when its `_write` panics, which
        // `pipe()` catches as the destination's error from Node v24 on). Put first, so that
        // the listeners of the harness (which panic) cannot skip it.
        let weak = s2.downgrade();
        d2.emitter().prepend_listener(ERROR, move |e: &Error| {
            if let Some(src) = weak.upgrade() {
                // A caught panic fails the source with it (the Flows row must end or
                // fail); the Fails row's own error just closes it.
                let caught = *e.code() == nodestream::ErrorCode::Panic;
                src.destroy(
                    caught.then(|| Error::custom("E_DEST_FAILED", "the destination failed")),
                );
            }
        });
    });
    let (a2, s3, d3) = (a.clone(), src.clone(), dest.clone());
    case.start(move || {
        a2.writable(&dlog, "dest", &d3);
        d3.on(UNPIPE, Adder::event(&dlog, "dest:unpipe"));
        a2.readable(&slog, "src", &s3, Consume::Flowing);
    });
    a.expect("dest", &got, all.concat());
    a.keep((src, dest));
}

fn pipe_flows(case: &Case) {
    pipe_case(case, None);
}

fn pipe_fails(case: &Case) {
    pipe_case(case, Some(2));
}

// ----- FdWritable over a pipe, read by Readable::from_fd --------------------------------

fn fd_writable_flows(case: &Case) {
    let a = case.adder();
    let (rx, tx) = support::pipe();
    let w = FdWritable::new(&case.lp, tx, WritableOptions::new()).unwrap();
    let r = Readable::from_fd(&case.lp, rx, ReadableOptions::default()).unwrap();
    let all = chunks(3, 300_000);
    let wlog = a.log("w", true);
    write_then_end_on_drain(case, &w, &wlog, "w", all[..2].to_vec(), all[2].clone());
    a.writable(&wlog, "w", &w);
    let rlog = a.log("r", true);
    let got = a.readable(&rlog, "r", &r, Consume::Flowing);
    a.expect("reader", &got, all.concat());
    a.keep((w, r));
}

/// Nobody reads: `EPIPE`.
fn fd_writable_fails(case: &Case) {
    let a = case.adder();
    let (rx, tx) = support::pipe();
    drop(rx);
    let w = FdWritable::new(&case.lp, tx, WritableOptions::new()).unwrap();
    let log = a.log("w", true);
    write_all_then_end(case, &w, &log, "w", vec![b"one".to_vec(), b"two".to_vec()]);
    a.writable(&log, "w", &w);
    a.keep(w);
}

// ----- Readable::from_fd over a pipe whose bytes are all in the kernel ------------------

/// 600 KB in a 1 MiB pipe whose writer is closed: every read finds its bytes already in
/// the kernel, and no edge will come for them.
fn filled_pipe() -> (OwnedFd, Vec<u8>) {
    let (rx, tx) = support::pipe();
    rustix::pipe::fcntl_setpipe_size(&tx, 1 << 20).unwrap();
    let all = chunks(6, 100_000).concat();
    std::io::Write::write_all(&mut std::fs::File::from(tx), &all).unwrap();
    (rx, all)
}

fn fd_readable_case(case: &Case, consume: Consume, fail: bool) {
    let a = case.adder();
    let (rx, all) = filled_pipe();
    let r = Readable::from_fd(&case.lp, rx, ReadableOptions::default()).unwrap();
    if fail {
        let (weak, n) = (r.downgrade(), Cell::new(0));
        r.on(
            nodestream::events::DATA,
            move |_: &nodestream::stream::readable::Chunk| {
                n.set(n.get() + 1);
                if n.get() == 2 {
                    if let Some(r) = weak.upgrade() {
                        r.destroy(Some(boom()));
                    }
                }
            },
        );
    }
    let log = a.log("r", true);
    let got = a.readable(&log, "r", &r, consume);
    a.expect("r", &got, all);
    a.keep(r);
}

fn fd_readable_flows(case: &Case) {
    fd_readable_case(case, Consume::PauseOnce, false);
}

fn fd_readable_paused(case: &Case) {
    fd_readable_case(case, Consume::Paused, false);
}

fn fd_readable_fails(case: &Case) {
    fd_readable_case(case, Consume::Flowing, true);
}

// ----- net::Socket over unix_pair, with descriptors -------------------------------------

/// `a` writes 3 MiB to `b`, the second chunk carrying three descriptors, which `b` takes
/// in `'fd'`; `b` answers `pong`. Each socket is watched as the one stream it is (one
/// emitter, one `'error'`, one `'close'`). When `b` fails (its readable side destroyed
/// with an error), the whole socket is destroyed and `a`'s connection is reset: its one
/// `'error'` comes from whichever side meets the reset first.
fn unix_case(case: &Case, fail: bool) {
    let a = case.adder();
    let (sa, sb) = unix_pair(&case.lp).unwrap();
    let all = chunks(3, 1 << 20);
    let taken = Rc::new(Cell::new(0));
    let t = taken.clone();
    sb.readable.on(FD, move |p: &PassedFd| {
        if p.take().is_some() {
            t.set(t.get() + 1);
        }
    });
    if fail {
        let weak = sb.readable.downgrade();
        sb.readable.once(
            nodestream::events::DATA,
            move |_: &nodestream::stream::readable::Chunk| {
                if let Some(r) = weak.upgrade() {
                    r.destroy(Some(boom()));
                }
            },
        );
    }
    let alog = a.log("a", !fail);
    let (weak, l2) = (sa.writable.downgrade(), alog.clone());
    let (w2, c1) = (sa.writable.clone(), all[1].clone());
    let last = all[2].clone();
    let (weak_end, l3) = (weak.clone(), alog.clone());
    sa.writable.once(DRAIN, move |_| {
        if let Some(w) = weak_end.upgrade() {
            w.write_cb(last.clone(), Adder::cb(&l3, "a:write cb"));
            w.end_cb(Adder::cb(&l3, "a:end cb"));
        }
    });
    let first = all[0].clone();
    let wb = sb.writable.downgrade();
    case.start(move || {
        if let Some(w) = weak.upgrade() {
            w.write_cb(first, Adder::cb(&l2, "a:write cb"));
            let fds = (0..3).map(|_| support::dev_null()).collect();
            w2.write_with_fds(c1, fds, Adder::cb(&l2, "a:write cb"));
        }
        if let Some(w) = wb.upgrade() {
            // Not ended: `b`'s writable side ends when its readable side does (Node's
            // allowHalfOpen: false), after all of `a`'s bytes.
            w.write(&b"pong"[..]);
        }
    });
    let got_a = a.socket(&alog, "a", &sa, Consume::Flowing);
    let blog = a.log("b", true);
    sb.readable.on(FD, Adder::event(&blog, "b:fd"));
    let got_b = a.socket(&blog, "b", &sb, Consume::Flowing);
    if fail {
        let al = alog.clone();
        case.after(move || {
            if al.borrow().iter().any(|l| l.starts_with("error ")) {
                Ok(())
            } else {
                Err(format!("socket a did not fail: {:?}", al.borrow()))
            }
        });
    }
    a.expect("b got", &got_b, all.concat());
    a.expect("a got", &got_a, b"pong".to_vec());
    if !fail {
        case.after(move || match taken.get() {
            3 => Ok(()),
            n => Err(format!("{n} of 3 descriptors taken")),
        });
    }
    a.keep((sa, sb));
}

fn unix_flows(case: &Case) {
    unix_case(case, false);
}

fn unix_fails(case: &Case) {
    unix_case(case, true);
}

// ----- net::Socket over TCP, with a Server ----------------------------------------------

/// A server on 127.0.0.1 that writes 300 KB to its one client, ends, and closes; the
/// client writes `hello` (made while connecting: parked) and ends.
fn tcp_flows(case: &Case) {
    let a = case.adder();
    let data = pattern(300_000, 7);
    // The handler closes the server through `slot`; the case keeps another handle (in a
    // check, which the handler cannot reach: no cycle), so that 'close' can come.
    let slot: Rc<RefCell<Option<Server>>> = Rc::default();
    let (a2, slot2, d2) = (a.clone(), slot.clone(), data.clone());
    let server = listen_tcp(
        &case.lp,
        "127.0.0.1:0".parse().unwrap(),
        move |s: Socket| {
            let slog = a2.log("s", true);
            let got = a2.socket(&slog, "s", &s, Consume::Flowing);
            a2.expect("server got", &got, b"hello".to_vec());
            s.writable.end_with(d2.clone());
            if let Some(server) = slot2.borrow_mut().take() {
                server.close();
            }
            a2.keep(s);
        },
    )
    .unwrap();
    let addr = server.local_addr().unwrap();
    let slog = a.log("srv", false);
    server.on(LISTENING, Adder::event(&slog, "srv:listening"));
    server.on(CONNECTION, Adder::event(&slog, "srv:connection"));
    server.on(nodestream::events::CLOSE, Adder::event(&slog, "srv:close"));
    let l = slog.clone();
    server.on(ERROR, move |e: &Error| {
        l.borrow_mut().push(format!("error {}", e.code()))
    });
    *slot.borrow_mut() = Some(server.clone());
    case.after(move || {
        drop(server);
        Ok(())
    });
    let c = connect_tcp(&case.lp, addr).unwrap();
    let clog = a.log("c", true);
    write_all_then_end(case, &c.writable, &clog, "c", vec![b"hello".to_vec()]);
    c.on("connect", Adder::event::<()>(&clog, "c:connect"));
    c.on(READY, Adder::event(&clog, "c:ready"));
    let got = a.socket(&clog, "c", &c, Consume::Flowing);
    a.expect("client got", &got, data);
    a.keep(c);
}

/// Nobody listens on the port: `ECONNREFUSED`.
fn tcp_fails(case: &Case) {
    let a = case.adder();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let c = connect_tcp(&case.lp, port).unwrap();
    let clog = a.log("c", true);
    write_all_then_end(case, &c.writable, &clog, "c", vec![b"hello".to_vec()]);
    a.socket(&clog, "c", &c, Consume::Flowing);
    a.keep(c);
}

// ----- fs::create_write_stream ----------------------------------------------------------

fn file_case(case: &Case, path: TempPath, fails: bool) {
    let a = case.adder();
    let mut opts = WriteStreamOptions::new();
    opts.writable = WritableOptions::new().high_water_mark(1024);
    let f = create_write_stream(&case.lp, &path.0, opts).unwrap();
    let all = chunks(3, 4096);
    let log = a.log("f", true);
    if fails {
        write_all_then_end(case, &f, &log, "f", all.clone());
    } else {
        write_then_end_on_drain(case, &f, &log, "f", all[..2].to_vec(), all[2].clone());
    }
    f.on(OPEN, Adder::event(&log, "f:open"));
    f.on(READY, Adder::event(&log, "f:ready"));
    a.writable(&log, "f", &f);
    // The file is read back once the loop is done: everything written, in order.
    let got = Rc::new(RefCell::new(Vec::new()));
    a.expect("file", &got, all.concat());
    case.after(move || {
        if let Ok(bytes) = std::fs::read(&path.0) {
            *got.borrow_mut() = bytes;
        }
        Ok(())
    });
    a.keep(f);
}

fn file_flows(case: &Case) {
    file_case(case, TempPath::new("panics"), false);
}

/// The directory does not exist: `ENOENT` at open.
fn file_fails(case: &Case) {
    file_case(
        case,
        TempPath(std::env::temp_dir().join("nodestream-no-such-dir/x")),
        true,
    );
}

// ----- child_process::spawn stdio -------------------------------------------------------

/// `cat`: its stdin gets 900 KB, its stdout gives them back.
fn child_flows(case: &Case) {
    let a = case.adder();
    let child = nodestream::child_process::spawn(&case.lp, &mut Command::new("cat")).unwrap();
    let all = chunks(3, 300_000);
    let wlog = a.log("in", true);
    let w: &Writable = &child.stdin;
    write_then_end_on_drain(case, w, &wlog, "in", all[..2].to_vec(), all[2].clone());
    a.writable(&wlog, "in", &child.stdin);
    let rlog = a.log("out", true);
    let got = a.readable(&rlog, "out", &child.stdout, Consume::Flowing);
    a.expect("cat's stdout", &got, all.concat());
    let child = Rc::new(child);
    let c = child.clone();
    case.after(move || match c.wait() {
        Ok(status) if status.success() => Ok(()),
        other => Err(format!("cat: {other:?}")),
    });
    a.keep(child);
}

// ----- process::stdout (run in a child process) -----------------------------------------

/// Marks where the scenario's bytes start on stdout.
pub const STDOUT_BEGIN: &[u8] = b"\n<<<nodestream-panics-begin>>>";
/// Marks where they end.
pub const STDOUT_END: &[u8] = b"<<<nodestream-panics-end>>>\n";

/// What the stdout scenario writes between the markers.
pub fn stdout_bytes() -> Vec<u8> {
    chunks(3, 100_000).concat()
}

fn stdout_flows(case: &Case) {
    let a = case.adder();
    let out = nodestream::process::stdout(&case.lp).unwrap();
    let all = chunks(3, 100_000);
    let log = a.log("out", true);
    let mut first = vec![STDOUT_BEGIN.to_vec()];
    first.extend(all[..2].iter().cloned());
    let mut last = all[2].clone();
    last.extend_from_slice(STDOUT_END);
    write_then_end_on_drain(case, &out, &log, "out", first, last);
    a.writable(&log, "out", &out);
    a.keep(out);
}
