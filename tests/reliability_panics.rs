//! The panic-injection harness: a panic injected into every kind of listener and callback,
//! at every event, on every stream kind.
//!
//! A row of [`ROWS`] is a stream kind in one scenario (its data flows to the end, or it
//! fails) and the injection points the scenario reaches: each event each of its streams
//! emits, the write and end callbacks, the sink's and source's methods. Each point is one
//! case: the scenario is built on a fresh loop with [`hit`] called at every point, the
//! probe panics the `nth` time its point is reached, and the loop is run the way a caller
//! that catches panics runs it (`run_through_panics`: `run()` again after each panic,
//! bounded, so a hang fails). Then, for the case:
//!
//! - the point was reached, and its panic came out exactly once: as a panic out of the
//!   loop, or, where Node catches the throw and makes it the stream's error (`_final`,
//!   `_construct`, `_destroy`, `_read`), as an `'error'` with `ERR_PANIC`;
//! - every stream emitted `'close'` exactly once, and nothing after it but `'pause'` and
//!   `'resume'` (which Node emits on a closed stream too);
//! - every stream the scenario drives to its end ended (`'end'`/`'finish'`) or failed
//!   (`'error'`);
//! - no byte was lost: what arrived is everything sent (a prefix of it, when the scenario
//!   fails or the panic became the stream's error);
//! - no uncaught error, and the descriptor count is back where it started;
//! - `run()` returned.
//!
//! Adding a stream kind is one row (its builder is in `reliability_panics/kinds.rs`).

mod support;

#[path = "reliability_panics/kinds.rs"]
mod kinds;

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Once;
use std::time::Duration;

use nodestream::events::{
    CLOSE, DATA, DRAIN, END, ERROR, FINISH, PAUSE, PREFINISH, READABLE, RESUME,
};
use nodestream::net::Socket;
use nodestream::stream::readable::{Chunk as RChunk, Readable};
use nodestream::{Error, EventEmitter, EventLoop, LoopHandle, Writable};
use support::{fd_count, fd_list, fd_lock, run_through_panics};

/// The message of an injected panic: this, then the point.
const INJECTED: &str = "injected panic in ";

/// How long one case may keep the loop alive before it counts as a hang.
const LIMIT: Duration = Duration::from_secs(10);

/// The scenario a row runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// The data flows to the end: every byte must arrive.
    Flows,
    /// Something fails on the way (`'error'`): what arrived must be a prefix.
    Fails,
}

/// A stream kind in one scenario, and the points it reaches: `(point, nth)`, the panic
/// going in the `nth` time the point is reached.
pub struct Row {
    pub kind: &'static str,
    pub scenario: Scenario,
    pub build: fn(&Case),
    pub points: &'static [(&'static str, usize)],
}

/// Every stream kind, in every scenario, with every point it reaches.
const ROWS: &[Row] = kinds::ROWS;

// ----- the probe ------------------------------------------------------------------------

struct Probe {
    target: &'static str,
    nth: usize,
    seen: HashMap<String, usize>,
    fired: bool,
}

thread_local! {
    static PROBE: RefCell<Option<Probe>> = const { RefCell::new(None) };
}

/// An injection point (`"<stream>:<event or method>"`): panics if it is the case's target,
/// reached for the `nth` time.
pub fn hit(point: &str) {
    let fire = PROBE.with(|p| {
        let mut p = p.borrow_mut();
        let Some(p) = p.as_mut() else {
            return false;
        };
        let n = p.seen.entry(point.to_string()).or_default();
        *n += 1;
        let fire = point == p.target && *n == p.nth && !p.fired;
        p.fired |= fire;
        fire
    });
    if fire {
        panic!("{INJECTED}{point}");
    }
}

/// Injected panics are expected by the hundred: keep them out of the output (others still
/// print).
fn quiet_injected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let injected = info
                .payload()
                .downcast_ref::<String>()
                .is_some_and(|s| s.starts_with(INJECTED));
            if !injected {
                default(info);
            }
        }));
    });
}

// ----- one case -------------------------------------------------------------------------

/// Asks a stream whether it ended or failed.
type Done = Box<dyn Fn() -> bool>;

/// A check made once the loop is done.
type Check = Box<dyn FnOnce() -> Result<(), String>>;

/// One stream's events, as they came.
#[derive(Clone)]
struct Watch {
    name: String,
    log: Rc<RefCell<Vec<String>>>,
    must_end: bool,
    /// Whether the stream ended or failed, asked of the stream itself: its `'error'` may
    /// have been emitted to nobody in the watch, when a listener before the watch's
    /// panicked (as in Node, that emit stops there).
    done: Rc<RefCell<Option<Done>>>,
}

/// Bytes that arrived, and what was sent.
struct Expect {
    label: String,
    got: Rc<RefCell<Vec<u8>>>,
    sent: Vec<u8>,
}

/// How a watched Readable is consumed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Consume {
    /// A `'data'` listener.
    Flowing,
    /// A `'data'` listener that pauses the stream after the first chunk and resumes it
    /// from an immediate (so `'pause'` and a second `'resume'` happen).
    PauseOnce,
    /// A `'readable'` listener that reads until `read()` gives nothing.
    Paused,
}

/// A case being built and run: the loop, and what the checks need. Listeners hold only
/// the shared logs (never a stream), so no `Rc` cycle keeps a stream or the loop alive.
pub struct Case {
    pub el: EventLoop,
    pub lp: LoopHandle,
    watches: Rc<RefCell<Vec<Watch>>>,
    expects: Rc<RefCell<Vec<Expect>>>,
    keep: Rc<RefCell<Vec<Box<dyn Any>>>>,
    after: RefCell<Vec<Check>>,
}

/// A handle for adding watched streams from inside the loop (a socket a server accepts).
#[derive(Clone)]
pub struct Adder {
    watches: Rc<RefCell<Vec<Watch>>>,
    expects: Rc<RefCell<Vec<Expect>>>,
    keep: Rc<RefCell<Vec<Box<dyn Any>>>>,
}

impl Case {
    fn new() -> Case {
        let el = EventLoop::new().unwrap();
        let lp = el.handle();
        Case {
            el,
            lp,
            watches: Rc::default(),
            expects: Rc::default(),
            keep: Rc::default(),
            after: RefCell::default(),
        }
    }

    /// The part of the case that listeners may hold.
    pub fn adder(&self) -> Adder {
        Adder {
            watches: self.watches.clone(),
            expects: self.expects.clone(),
            keep: self.keep.clone(),
        }
    }

    /// Runs `f` on the first tick of the run, so that whatever it starts (and whatever
    /// panics inside it) happens inside the loop.
    pub fn start(&self, f: impl FnOnce() + 'static) {
        self.lp.next_tick(f);
    }

    /// A check to make once the loop is done (a file's contents, a child reaped).
    pub fn after(&self, f: impl FnOnce() -> Result<(), String> + 'static) {
        self.after.borrow_mut().push(Box::new(f));
    }
}

impl Adder {
    /// Keeps `x` alive until the case ends.
    pub fn keep(&self, x: impl Any) {
        self.keep.borrow_mut().push(Box::new(x));
    }

    /// Expects `got` to end up as `sent`.
    pub fn expect(&self, label: &str, got: &Rc<RefCell<Vec<u8>>>, sent: Vec<u8>) {
        self.expects.borrow_mut().push(Expect {
            label: label.to_string(),
            got: got.clone(),
            sent,
        });
    }

    /// A new stream's log: the checks want `'close'` once and last in it, and (with
    /// `must_end`) an `'end'`, `'finish'` or `'error'`.
    pub fn log(&self, name: &str, must_end: bool) -> Rc<RefCell<Vec<String>>> {
        let log = Rc::new(RefCell::new(Vec::new()));
        self.watches.borrow_mut().push(Watch {
            name: name.to_string(),
            log: log.clone(),
            must_end,
            done: Rc::default(),
        });
        log
    }

    fn set_done(&self, log: &Rc<RefCell<Vec<String>>>, done: Done) {
        for w in self.watches.borrow().iter() {
            if Rc::ptr_eq(&w.log, log) {
                *w.done.borrow_mut() = Some(done);
                return;
            }
        }
    }

    /// A listener (or callback) body for `point`: logs `what`, then reaches the point.
    fn at(log: &Rc<RefCell<Vec<String>>>, point: &str, what: String) {
        log.borrow_mut().push(what);
        hit(point);
    }

    /// Watches a Writable into `log`: `'drain'`, `'prefinish'`, `'finish'`, `'close'`,
    /// `'error'`, each a point `<name>:<event>`.
    pub fn writable(&self, log: &Rc<RefCell<Vec<String>>>, name: &str, w: &Writable) {
        let weak = w.downgrade();
        self.set_done(
            log,
            Box::new(move || {
                weak.upgrade()
                    .is_some_and(|w| w.writable_finished() || w.errored().is_some())
            }),
        );
        Adder::writable_events(log, name, w);
        Adder::close_and_error(log, name, w.emitter());
    }

    /// `'drain'`, `'prefinish'`, `'finish'`.
    fn writable_events(log: &Rc<RefCell<Vec<String>>>, name: &str, w: &Writable) {
        for (ev, key) in [
            ("drain", DRAIN),
            ("prefinish", PREFINISH),
            ("finish", FINISH),
        ] {
            let (l, point) = (log.clone(), format!("{name}:{ev}"));
            w.on(key, move |_| Adder::at(&l, &point, ev.to_string()));
        }
    }

    /// `'close'` and `'error'`, which a stream emits once (a socket once for both sides).
    fn close_and_error(log: &Rc<RefCell<Vec<String>>>, name: &str, em: EventEmitter) {
        let (l, point) = (log.clone(), format!("{name}:close"));
        em.on(CLOSE, move |_: &()| {
            Adder::at(&l, &point, "close".to_string())
        });
        let (l, point) = (log.clone(), format!("{name}:error"));
        em.on(ERROR, move |e: &Error| {
            Adder::at(&l, &point, format!("error {}", e.code()))
        });
    }

    /// Watches a socket into `log`, as the one stream (one emitter) it is: its writable
    /// side's events and its readable side's, and its one `'close'` and `'error'`, each a
    /// point `<name>:<event>`. Done once both sides are, or it failed.
    pub fn socket(
        &self,
        log: &Rc<RefCell<Vec<String>>>,
        name: &str,
        s: &Socket,
        consume: Consume,
    ) -> Rc<RefCell<Vec<u8>>> {
        let (w, r) = (s.writable.as_writable().downgrade(), s.readable.downgrade());
        self.set_done(
            log,
            Box::new(move || match (w.upgrade(), r.upgrade()) {
                (Some(w), Some(r)) => {
                    (w.writable_finished() && r.readable_ended()) || w.errored().is_some()
                }
                _ => false,
            }),
        );
        Adder::writable_events(log, name, &s.writable);
        let got = Adder::readable_events(log, name, &s.readable, consume);
        Adder::close_and_error(log, name, s.readable.emitter().clone());
        got
    }

    /// Watches a Readable into `log`: `'data'` (collected into the returned bytes),
    /// `'end'`, `'close'`, `'error'`, `'pause'`, `'resume'`, and `'readable'` when consumed
    /// that way, each a point `<name>:<event>`.
    pub fn readable(
        &self,
        log: &Rc<RefCell<Vec<String>>>,
        name: &str,
        r: &Readable,
        consume: Consume,
    ) -> Rc<RefCell<Vec<u8>>> {
        let weak = r.downgrade();
        self.set_done(
            log,
            Box::new(move || {
                weak.upgrade()
                    .is_some_and(|r| r.readable_ended() || r.errored().is_some())
            }),
        );
        let got = Adder::readable_events(log, name, r, consume);
        Adder::close_and_error(log, name, r.emitter().clone());
        got
    }

    /// `'data'` (collected into the returned bytes), `'end'`, `'pause'`, `'resume'`, and
    /// `'readable'` when consumed that way.
    fn readable_events(
        log: &Rc<RefCell<Vec<String>>>,
        name: &str,
        r: &Readable,
        consume: Consume,
    ) -> Rc<RefCell<Vec<u8>>> {
        let got = Rc::new(RefCell::new(Vec::new()));
        let (l, g, point) = (log.clone(), got.clone(), format!("{name}:data"));
        let (weak, lp) = (r.downgrade(), r.loop_handle().clone());
        let first = std::cell::Cell::new(false);
        r.on(DATA, move |c: &RChunk| {
            g.borrow_mut().extend_from_slice(c.as_bytes().unwrap());
            if consume == Consume::PauseOnce && !first.replace(true) {
                if let Some(r) = weak.upgrade() {
                    // The resume first: a panicking 'pause' listener must not skip it.
                    let weak = r.downgrade();
                    lp.set_immediate(move || {
                        if let Some(r) = weak.upgrade() {
                            r.resume();
                        }
                    });
                    r.pause();
                }
            }
            Adder::at(&l, &point, "data".to_string());
        });
        if consume == Consume::Paused {
            let (l, point, weak) = (log.clone(), format!("{name}:readable"), r.downgrade());
            r.on(READABLE, move |_: &()| {
                if let Some(r) = weak.upgrade() {
                    while r.read().is_some() {}
                }
                Adder::at(&l, &point, "readable".to_string());
            });
        }
        for (ev, key) in [("end", END), ("pause", PAUSE), ("resume", RESUME)] {
            let (l, point) = (log.clone(), format!("{name}:{ev}"));
            r.on(key, move |_: &()| Adder::at(&l, &point, ev.to_string()));
        }
        got
    }

    /// A write or end callback that logs `<what> <ok or code>` to `log` and reaches the
    /// point `<stream>:<what>`. (It holds only the log: a callback or listener that held
    /// the case would keep its streams, and the loop, alive.)
    pub fn cb(log: &Rc<RefCell<Vec<String>>>, point: &str) -> impl FnOnce(Option<Error>) + 'static {
        let (l, point) = (log.clone(), point.to_string());
        move |e| {
            let what = point.split(':').nth(1).unwrap_or_default().to_string();
            let outcome = e.map_or("ok".to_string(), |e| e.code().to_string());
            Adder::at(&l, &point, format!("{what} {outcome}"));
        }
    }

    /// A listener body for an event the watch helpers do not cover: logs it to `log` and
    /// reaches `point`.
    pub fn event<T: ?Sized>(log: &Rc<RefCell<Vec<String>>>, point: &str) -> impl Fn(&T) + 'static {
        let (l, point) = (log.clone(), point.to_string());
        move |_| {
            let what = point.split(':').nth(1).unwrap_or_default().to_string();
            Adder::at(&l, &point, what)
        }
    }
}

/// Builds and runs one case; `Err` says what went wrong.
fn run_case(row: &Row, point: &'static str, nth: usize) -> Result<(), String> {
    let _lock = fd_lock();
    let (fds_before, list_before) = (fd_count(), fd_list());
    PROBE.with(|p| {
        *p.borrow_mut() = Some(Probe {
            target: point,
            nth,
            seen: HashMap::new(),
            fired: false,
        })
    });
    let case = Case::new();
    (row.build)(&case);
    let ran = catch_unwind(AssertUnwindSafe(|| run_through_panics(&case.el, LIMIT)));
    let probe = PROBE.with(|p| p.borrow_mut().take()).expect("probe");
    let ran = ran.map_err(|p| support::panic_message(&*p))?;
    let mut problems = Vec::new();
    if !probe.fired {
        problems.push(format!(
            "the point was never reached (reached: {:?})",
            probe.seen
        ));
    }
    let expected = format!("{INJECTED}{point}");
    if ran.panics.iter().any(|p| *p != expected) {
        problems.push(format!("other panics: {:?}", ran.panics));
    }
    let is_panic_error = |line: &String| line == "error ERR_PANIC";
    let watches = case.watches.borrow().clone();
    let as_errors = watches
        .iter()
        .map(|w| w.log.borrow().iter().filter(|l| is_panic_error(l)).count())
        .sum::<usize>()
        + ran
            .errors
            .iter()
            .filter(|e| e.code().as_str() == "ERR_PANIC")
            .count();
    if ran.panics.len() + as_errors != 1 {
        problems.push(format!(
            "the panic came out {} times as a panic and {as_errors} as an ERR_PANIC error",
            ran.panics.len()
        ));
    }
    let uncaught: Vec<_> = ran
        .errors
        .iter()
        .filter(|e| e.code().as_str() != "ERR_PANIC")
        .collect();
    if !uncaught.is_empty() {
        problems.push(format!("uncaught errors: {uncaught:?}"));
    }
    for w in &watches {
        let log = w.log.borrow();
        let closes = log.iter().filter(|l| *l == "close").count();
        // Nothing follows 'close' but 'pause' and 'resume', which Node emits on a closed
        // stream too (pipe()'s unpipe pauses a source that ended and closed when the
        // destination finishes; resume() after destroy() still emits 'resume').
        let after_close = log
            .iter()
            .skip_while(|l| *l != "close")
            .skip(1)
            .any(|l| l != "pause" && l != "resume");
        if closes != 1 || after_close {
            problems.push(format!("{}: 'close' not once and last: {log:?}", w.name));
        }
        let ended = log
            .iter()
            .any(|l| l == "end" || l == "finish" || l.starts_with("error "))
            || w.done.borrow().as_ref().is_some_and(|done| done());
        if w.must_end && !ended {
            problems.push(format!("{}: neither ended nor failed: {log:?}", w.name));
        }
    }
    let after = std::mem::take(&mut *case.after.borrow_mut());
    for check in after {
        if let Err(e) = check() {
            problems.push(e);
        }
    }
    let whole = row.scenario == Scenario::Flows && as_errors == 0;
    for e in case.expects.borrow().iter() {
        let got = e.got.borrow();
        let ok = if whole {
            *got == e.sent
        } else {
            e.sent.starts_with(&got)
        };
        if !ok {
            problems.push(format!(
                "{}: {} bytes arrived of {} sent{}",
                e.label,
                got.len(),
                e.sent.len(),
                if whole { "" } else { " (or not a prefix)" }
            ));
        }
    }
    drop(case);
    let fds_after = fd_count();
    if fds_after != fds_before {
        problems.push(format!(
            "descriptors: {fds_before} before, {fds_after} after\nbefore {list_before:?}\nafter  {:?}",
            fd_list()
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        let logs: Vec<String> = watches
            .iter()
            .map(|w| format!("{}: {:?}", w.name, w.log.borrow()))
            .collect();
        Err(format!(
            "{}\n    logs: {}",
            problems.join("\n    "),
            logs.join("\n          ")
        ))
    }
}

/// Runs every case of the rows of `kind` (all rows if `None`); fails with the list of
/// cases that went wrong.
fn run_rows(kind: Option<&str>) {
    quiet_injected_panics();
    let mut failures = Vec::new();
    let mut cases = 0;
    for row in ROWS
        .iter()
        .filter(|r| kind.map_or(r.kind != kinds::STDOUT, |k| r.kind == k))
    {
        for &(point, nth) in row.points {
            cases += 1;
            let outcome = catch_unwind(AssertUnwindSafe(|| run_case(row, point, nth)))
                .unwrap_or_else(|p| Err(support::panic_message(&*p)));
            if let Err(e) = outcome {
                failures.push(format!(
                    "{} ({:?}), panic in {point} (#{nth}):\n    {e}",
                    row.kind, row.scenario
                ));
            }
        }
    }
    assert!(cases > 0, "no row for {kind:?}");
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_table_covers_every_kind_and_names_each_point_once() {
    let mut kinds: Vec<&str> = ROWS.iter().map(|r| r.kind).collect();
    kinds.dedup();
    for row in ROWS {
        let mut points: Vec<_> = row.points.iter().map(|p| p.0).collect();
        points.sort_unstable();
        let n = points.len();
        points.dedup();
        assert_eq!(points.len(), n, "{}: a point twice", row.kind);
    }
    assert_eq!(kinds.len(), kinds::KINDS.len(), "{kinds:?}");
}

#[test]
fn writable_over_a_memory_sink() {
    run_rows(Some(kinds::MEMORY));
}

#[test]
fn readable_over_a_source() {
    run_rows(Some(kinds::READABLE));
}

#[test]
fn pipe_from_a_readable_into_a_writable() {
    run_rows(Some(kinds::PIPE_KIND));
}

#[test]
fn fd_writable_over_a_pipe() {
    run_rows(Some(kinds::FD_WRITABLE));
}

#[test]
fn readable_from_fd_over_a_pipe() {
    run_rows(Some(kinds::FD_READABLE));
}

#[test]
fn socket_over_a_unix_pair_with_fds() {
    run_rows(Some(kinds::UNIX));
}

#[test]
fn socket_over_tcp_with_a_server() {
    run_rows(Some(kinds::TCP));
}

#[test]
fn file_write_stream() {
    run_rows(Some(kinds::FILE));
}

#[test]
fn child_process_stdio() {
    run_rows(Some(kinds::CHILD));
}

/// Names the point of the case a child process runs (see [`stdout_child`]).
const CASE_ENV: &str = "NODESTREAM_PANIC_CASE";

/// `process::stdout` writes to this process's fd 1, so each of its cases runs in a child
/// process (this test binary, re-run for [`stdout_child`]) whose stdout is a pipe read
/// here: the child checks the case, and this checks that every byte came out, between
/// the markers the scenario writes.
#[test]
fn process_stdout_in_a_child_process() {
    let row = ROWS
        .iter()
        .find(|r| r.kind == kinds::STDOUT)
        .expect("stdout row");
    let exe = std::env::current_exe().expect("current_exe");
    for &(point, _) in row.points {
        // The pipes of the child are descriptors of this process: the other tests count.
        let _lock = fd_lock();
        let child = std::process::Command::new(&exe)
            .args(["stdout_child", "--exact", "--test-threads=1", "--nocapture"])
            .env(CASE_ENV, point)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn the child");
        // Read late, so that the pipe fills and the child's stream waits for 'drain'.
        std::thread::sleep(Duration::from_millis(200));
        let out = child.wait_with_output().expect("the child's output");
        let stdout = out.stdout;
        let text = String::from_utf8_lossy(&stdout);
        assert!(
            out.status.success() && text.contains("1 passed"),
            "stdout, panic in {point}: the child failed: {:?}\n--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let (begin, end) = (kinds::STDOUT_BEGIN, kinds::STDOUT_END);
        let find = |needle: &[u8]| stdout.windows(needle.len()).position(|w| w == needle);
        let from = find(begin).expect("the begin marker") + begin.len();
        let to = find(end).expect("the end marker");
        assert!(
            stdout[from..to] == kinds::stdout_bytes()[..],
            "stdout, panic in {point}: {} bytes between the markers, {} sent",
            to.saturating_sub(from),
            kinds::stdout_bytes().len()
        );
    }
}

/// The child side of [`process_stdout_in_a_child_process`]: runs the case it names on
/// `process::stdout`; does nothing in a normal run.
#[test]
fn stdout_child() {
    let Ok(wanted) = std::env::var(CASE_ENV) else {
        return;
    };
    quiet_injected_panics();
    let row = ROWS
        .iter()
        .find(|r| r.kind == kinds::STDOUT)
        .expect("stdout row");
    let &(point, nth) = row
        .points
        .iter()
        .find(|p| p.0 == wanted)
        .expect("a point of the stdout row");
    if let Err(e) = run_case(row, point, nth) {
        panic!("stdout, panic in {point}:\n    {e}");
    }
}
