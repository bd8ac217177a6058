//! The SIGPIPE disposition is read fresh for writes made outside `run()`/`dispatch()`.
//!
//! The fd funnel skips its SIGPIPE guard while the process ignores the signal, and reuses
//! that answer for a while inside a loop run. A host that restores `SIG_DFL` between two
//! runs (or two `dispatch` calls) and then writes into a pipe whose reader is gone must get
//! `EPIPE`, never a `SIGPIPE` death, on every path that writes from outside the loop: a
//! chunk of a high-water mark (written inside `write()`), relief (a high-water mark of
//! small writes gathered in one tick), and `destroy()` in the tick of a write (which tries
//! the held write first).
//!
//! One child process per row (`isolated!`): each changes the process's disposition, and a
//! row that regresses dies of the signal, failing its own test.

mod support;

use std::time::Duration;

use nodestream::events::{CLOSE, ERROR};
use nodestream::stream::FdWritable;
use nodestream::{EventLoop, WritableOptions};
use support::{pipe, sigpipe_default, Log};

/// How the loop ran before the host changed the disposition.
#[derive(Clone, Copy)]
enum Primed {
    RunFor,
    Dispatch,
}

/// What the host writes from outside the loop once the reader is gone.
#[derive(Clone, Copy)]
enum Write {
    /// One chunk of a high-water mark: into the kernel inside `write()`.
    HighWaterMark,
    /// Small writes until a high-water mark has gathered in one tick: relief writes them
    /// inside the `write()` that reaches it.
    Relief,
    /// A write, then `destroy()` in the same tick: the held write is tried first.
    DestroyHeld,
}

/// What the pipe holds now (without waiting for more).
fn read_now(r: &std::os::fd::OwnedFd) -> Vec<u8> {
    rustix::fs::fcntl_setfl(r, rustix::fs::OFlags::NONBLOCK).unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let n = rustix::io::read(r, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn check(primed: Primed, write: Write) {
    // As a Rust binary (and Node) start: ignored.
    // SAFETY: SIG_IGN is a valid disposition; this child process runs only this test.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let el = EventLoop::new().unwrap();
    let (r, w) = pipe();
    let w = FdWritable::new(&el.handle(), w, WritableOptions::new()).unwrap();
    let log = Log::default();
    let l = log.clone();
    w.on(ERROR, move |e| l.push(format!("error {}", e.code())));
    w.on(CLOSE, log.event("close"));
    // A write inside a run, from the last callback of its last turn: the funnel reads the
    // disposition (ignored) there, after the turn began, so nothing in the run forgets it.
    let hwm = w.writable_high_water_mark();
    let (pw, pl) = (w.clone(), log.clone());
    el.handle().set_immediate(move || {
        pw.write_cb(vec![b'p'; hwm], pl.cb("cb prime"));
    });
    match primed {
        Primed::RunFor => el.run_for(Duration::from_millis(1)).unwrap(),
        Primed::Dispatch => el.dispatch(Some(Duration::ZERO)).unwrap(),
    }
    assert_eq!(log.get(), ["cb prime null"]);
    assert_eq!(read_now(&r), vec![b'p'; hwm]);
    // The host: the reader goes, and SIGPIPE kills again.
    drop(r);
    sigpipe_default();
    match write {
        Write::HighWaterMark => {
            w.write_cb(vec![b'x'; w.writable_high_water_mark()], log.cb("cb"));
        }
        Write::Relief => {
            let mut n = 0;
            while w.writable_length() < w.writable_high_water_mark() && n < 10_000 {
                w.write(vec![b'y'; 100]);
                n += 1;
            }
            w.write_cb("last", log.cb("cb"));
        }
        Write::DestroyHeld => {
            w.write_cb("x", log.cb("cb"));
            w.destroy(None);
        }
    }
    el.run().unwrap();
    // Alive, and the failure is the stream's.
    let got = log.get();
    match write {
        Write::HighWaterMark | Write::Relief => {
            assert_eq!(got, ["cb prime null", "cb EPIPE", "error EPIPE", "close"]);
        }
        // Whether `'error'` comes before `'close'` after `destroy()` is the destroy
        // ordering's business (`tests/fault_peer_exit.rs`); here: no signal, the held
        // write failed with EPIPE, the stream closed.
        Write::DestroyHeld => {
            assert_eq!(got[..2], ["cb prime null", "cb EPIPE"], "{got:?}");
            assert_eq!(got.last().map(String::as_str), Some("close"), "{got:?}");
        }
    }
}

/// One test per row: `name => (primed, write)`.
macro_rules! rows {
    ($($name:ident => ($primed:expr, $write:expr),)*) => {$(
        #[test]
        fn $name() {
            isolated!($name, || check($primed, $write));
        }
    )*};
}

rows! {
    a_high_water_mark_after_run_for_is_epipe_not_a_signal =>
        (Primed::RunFor, Write::HighWaterMark),
    a_high_water_mark_between_dispatches_is_epipe_not_a_signal =>
        (Primed::Dispatch, Write::HighWaterMark),
    relief_after_run_for_is_epipe_not_a_signal => (Primed::RunFor, Write::Relief),
    relief_between_dispatches_is_epipe_not_a_signal => (Primed::Dispatch, Write::Relief),
    destroy_after_a_write_after_run_for_is_epipe_not_a_signal =>
        (Primed::RunFor, Write::DestroyHeld),
    destroy_after_a_write_between_dispatches_is_epipe_not_a_signal =>
        (Primed::Dispatch, Write::DestroyHeld),
}
