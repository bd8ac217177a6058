//! A child process's events and controls against Node's: `'spawn'`, `'exit'`, `'close'`,
//! `'error'` for a program that is not there, `kill` with a signal, `stdio` per fd.
//!
//! Each test runs alone in a child process of this binary (`isolated!`), where the fd
//! count after the loop has run must equal the count before: pipes and the pidfd closed.
//!
//! The Node orders were taken with Node v20 and v26 (both the same) from:
//!
//! ```js
//! const c = spawn(cmd, args, opts);
//! c.on('spawn', () => log('spawn'));
//! c.on('exit', (code, sig) => log(`exit ${code} ${sig}`));
//! c.on('close', (code, sig) => log(`close ${code} ${sig}`));
//! c.on('error', e => log(`error ${e.message} ...`));
//! for (const s of [c.stdout, c.stderr]) s?.on('data', ..).on('end', ..).on('close', ..);
//! ```
//!
//! Where stdout and stderr are piped, whether `'exit'` comes before or after their `'end'`
//! and `'close'` is a race in Node too (the pipe's end of file against the exit); the tests
//! assert the order Node guarantees there: `'spawn'` first, `'close'` after `'exit'` and
//! after both streams' `'end'`. The child's own `'close'` listener on each stream is the
//! first one (added by `spawn`), so when a stream's `'close'` is the last thing awaited,
//! the child's `'close'` comes before a user's listener on that stream hears it, as in
//! Node (whose logs below show `close` before the last stream's `close`).

mod support;

use std::process::Command;

use nodestream::child_process::{
    spawn, spawn_with, ExitInfo, Signal, SpawnOptions, StdioOption, Subprocess, CLOSE, EXIT, SPAWN,
};
use nodestream::events::CLOSE as STREAM_CLOSE;
use nodestream::events::{DATA, END, ERROR};
use nodestream::stream::readable::Chunk;
use nodestream::{Error, EventLoop, Readable};
use support::Log;

fn show(e: &ExitInfo) -> String {
    let code = e.code.map_or("null".to_string(), |c| c.to_string());
    let signal = match e.signal {
        None => "null".to_string(),
        Some(Signal::KILL) => "SIGKILL".to_string(),
        Some(Signal::TERM) => "SIGTERM".to_string(),
        Some(s) => format!("{}", s.as_raw()),
    };
    format!("{code} {signal}")
}

/// Logs the child's events (and its piped streams', named `stdout`/`stderr`) as the Node
/// script above does.
fn watch(log: &Log, child: &Subprocess) {
    let l = log.clone();
    child.on(SPAWN, move |_| l.push("spawn"));
    let l = log.clone();
    child.on(EXIT, move |e| l.push(format!("exit {}", show(e))));
    let l = log.clone();
    child.on(CLOSE, move |e| l.push(format!("close {}", show(e))));
    let l = log.clone();
    child.on(ERROR, move |e: &Error| {
        l.push(format!(
            "error {} errno={:?} code={} syscall={:?} path={:?} spawnargs={:?}",
            e.message(),
            e.errno(),
            e.code(),
            e.syscall(),
            e.path(),
            e.spawnargs()
        ))
    });
    for (name, r) in [("stdout", &child.stdout), ("stderr", &child.stderr)] {
        let Some(r) = r else { continue };
        watch_readable(log, name, r);
    }
}

fn watch_readable(log: &Log, name: &'static str, r: &Readable) {
    let l = log.clone();
    r.on(DATA, move |c: &Chunk| {
        l.push(format!(
            "{name} data {:?}",
            String::from_utf8_lossy(c.as_bytes().unwrap())
        ))
    });
    let l = log.clone();
    r.on(END, move |_: &()| l.push(format!("{name} end")));
    let l = log.clone();
    r.on(STREAM_CLOSE, move |_: &()| l.push(format!("{name} close")));
}

fn ignored() -> SpawnOptions {
    SpawnOptions::new().stdio_all(StdioOption::Ignore)
}

fn run(lp: &EventLoop, log: &Log) -> Vec<String> {
    lp.run().unwrap();
    log.get()
}

fn pos(got: &[String], line: &str) -> usize {
    got.iter()
        .position(|l| l == line)
        .unwrap_or_else(|| panic!("no {line:?} in {got:?}"))
}

// node: ["spawn","exit 0 null","close 0 null"] (stdio 'ignore' and 'inherit' alike)
#[test]
fn true_with_stdio_ignored_is_spawn_exit_close() {
    isolated!(true_with_stdio_ignored_is_spawn_exit_close, || {
        let lp = EventLoop::new().unwrap();
        let log = Log::default();
        let child = spawn_with(&lp.handle(), &mut Command::new("true"), ignored());
        assert!(child.pid().is_some());
        assert!(child.stdin.is_none() && child.stdout.is_none() && child.stderr.is_none());
        watch(&log, &child);
        assert_eq!(run(&lp, &log), ["spawn", "exit 0 null", "close 0 null"]);
        assert_eq!(child.exit_code(), Some(0));
        assert_eq!(child.signal_code(), None);
        assert!(!child.killed());
    });
}

// node (stdio 'inherit'): ["spawn","exit 0 null","close 0 null"]
#[test]
fn true_with_stdio_inherited_is_spawn_exit_close() {
    isolated!(true_with_stdio_inherited_is_spawn_exit_close, || {
        let lp = EventLoop::new().unwrap();
        let log = Log::default();
        let opts = SpawnOptions::new().stdio_all(StdioOption::Inherit);
        let child = spawn_with(&lp.handle(), &mut Command::new("true"), opts);
        assert!(child.stdin.is_none() && child.stdout.is_none() && child.stderr.is_none());
        watch(&log, &child);
        assert_eq!(run(&lp, &log), ["spawn", "exit 0 null", "close 0 null"]);
    });
}

// node: false -> exit 1 null, close 1 null; exitCode 1, signalCode null
#[test]
fn false_exits_with_1() {
    isolated!(false_exits_with_1, || {
        let lp = EventLoop::new().unwrap();
        let log = Log::default();
        let child = spawn_with(&lp.handle(), &mut Command::new("false"), ignored());
        watch(&log, &child);
        assert_eq!(run(&lp, &log), ["spawn", "exit 1 null", "close 1 null"]);
        assert_eq!(child.exit_code(), Some(1));
    });
}

// node (all piped): ["spawn","stderr end","stdout end","stdout close","stderr close",
// "exit 3 null","close 3 null"], or with 'exit' before the ends (a race in Node too);
// always spawn first and close last.
#[test]
fn exit_3_with_pipes_closes_after_exit_and_both_streams() {
    isolated!(exit_3_with_pipes_closes_after_exit_and_both_streams, || {
        let lp = EventLoop::new().unwrap();
        let log = Log::default();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "exit 3"]);
        let child = spawn_with(&lp.handle(), &mut cmd, SpawnOptions::new());
        assert!(child.stdin.is_some() && child.stdout.is_some() && child.stderr.is_some());
        watch(&log, &child);
        let got = run(&lp, &log);
        assert_eq!(got.len(), 7, "{got:?}");
        assert_eq!(got[0], "spawn");
        let close = pos(&got, "close 3 null");
        for line in ["exit 3 null", "stdout end", "stderr end"] {
            assert!(pos(&got, line) < close, "{got:?}");
        }
        assert!(pos(&got, "stdout end") < pos(&got, "stdout close"));
        assert!(pos(&got, "stderr end") < pos(&got, "stderr close"));
        assert_eq!(child.exit_code(), Some(3));
    });
}

// node: ["kill true","killed true","spawn","exit null SIGKILL","close null SIGKILL"]
// (stdio 'ignore'); killed true, exitCode null, signalCode 'SIGKILL'
#[test]
fn sleep_killed_with_sigkill() {
    isolated!(sleep_killed_with_sigkill, || {
        let lp = EventLoop::new().unwrap();
        let log = Log::default();
        let child = spawn_with(&lp.handle(), Command::new("sleep").arg("10"), ignored());
        watch(&log, &child);
        log.push(format!("kill {}", child.kill(Signal::KILL)));
        log.push(format!("killed {}", child.killed()));
        assert_eq!(
            run(&lp, &log),
            [
                "kill true",
                "killed true",
                "spawn",
                "exit null SIGKILL",
                "close null SIGKILL"
            ]
        );
        assert_eq!(child.exit_code(), None);
        assert_eq!(child.signal_code(), Some(Signal::KILL));
        assert!(child.killed());
        // node: kill() after 'exit' returns false
        assert!(!child.kill(Signal::TERM));
    });
}

// node: ["kill true","spawn","stdout end","stderr end","exit null SIGTERM","stderr close",
// "close null SIGTERM"] (piped; the ends and 'exit' race)
#[test]
fn sleep_killed_with_sigterm_while_piped() {
    isolated!(sleep_killed_with_sigterm_while_piped, || {
        let lp = EventLoop::new().unwrap();
        let log = Log::default();
        let child = spawn_with(
            &lp.handle(),
            Command::new("sleep").arg("10"),
            SpawnOptions::new(),
        );
        watch(&log, &child);
        let stdin_closed = Log::default();
        child
            .stdin
            .as_ref()
            .unwrap()
            .on(STREAM_CLOSE, stdin_closed.event::<()>("stdin close"));
        log.push(format!("kill {}", child.kill(Signal::TERM)));
        let got = run(&lp, &log);
        assert_eq!(got[..2], ["kill true", "spawn"]);
        assert_eq!(got.len(), 8, "{got:?}");
        let close = pos(&got, "close null SIGTERM");
        for line in ["exit null SIGTERM", "stdout end", "stderr end"] {
            assert!(pos(&got, line) < close, "{got:?}");
        }
        // node destroys stdin at the exit
        assert_eq!(stdin_closed.get(), ["stdin close"]);
        assert_eq!(child.signal_code(), Some(Signal::TERM));
    });
}

// node: ["sync","error spawn no-such-program ENOENT errno=-2 code=ENOENT
// syscall=spawn no-such-program path=no-such-program spawnargs=["a","b"]","tick",
// "immediate","close -2 null"]; pid undefined, exitCode -2, no 'spawn', no 'exit'
#[test]
fn a_missing_program_is_an_error_event_on_the_next_tick_then_close() {
    isolated!(
        a_missing_program_is_an_error_event_on_the_next_tick_then_close,
        || {
            let lp = EventLoop::new().unwrap();
            let h = lp.handle();
            let log = Log::default();
            let mut cmd = Command::new("no-such-program");
            cmd.args(["a", "b"]);
            let child = spawn_with(&h, &mut cmd, SpawnOptions::new());
            watch(&log, &child);
            log.push("sync");
            log.tick(&h, "tick");
            log.imm(&h, "immediate");
            assert_eq!(
                run(&lp, &log),
                [
                    "sync",
                    "error spawn no-such-program ENOENT errno=Some(-2) code=ENOENT \
                     syscall=Some(\"spawn no-such-program\") path=Some(\"no-such-program\") \
                     spawnargs=Some([\"a\", \"b\"])",
                    "tick",
                    "immediate",
                    "close -2 null"
                ]
            );
            assert_eq!(child.pid(), None);
            assert_eq!(child.exit_code(), Some(-2));
            assert!(!child.kill(Signal::TERM));
        }
    );
}

// node: an 'error' nobody listens to is thrown (uncaught)
#[test]
fn a_missing_program_with_no_error_listener_ends_the_run_with_the_error() {
    isolated!(
        a_missing_program_with_no_error_listener_ends_the_run_with_the_error,
        || {
            let lp = EventLoop::new().unwrap();
            let _child = spawn_with(
                &lp.handle(),
                &mut Command::new("no-such-program"),
                ignored(),
            );
            let err = lp.run().unwrap_err();
            assert_eq!(err.message(), "spawn no-such-program ENOENT");
            // the rest ('close') still runs on the next run
            lp.run().unwrap();
        }
    );
}

// node: ["spawn","stdout data \"out\\n\"","stderr data \"err\\n\"","stdout end",
// "stderr end","exit 0 null","stderr close","close 0 null"] (stdout close, too, before close)
#[test]
fn stdout_and_stderr_both_piped_get_their_bytes() {
    isolated!(stdout_and_stderr_both_piped_get_their_bytes, || {
        let lp = EventLoop::new().unwrap();
        let log = Log::default();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2"]);
        let child = spawn_with(&lp.handle(), &mut cmd, SpawnOptions::new());
        watch(&log, &child);
        let got = run(&lp, &log);
        assert_eq!(got[0], "spawn");
        assert_eq!(got.len(), 9, "{got:?}");
        assert!(pos(&got, "stdout data \"out\\n\"") < pos(&got, "stdout end"));
        assert!(pos(&got, "stderr data \"err\\n\"") < pos(&got, "stderr end"));
        let close = pos(&got, "close 0 null");
        for line in ["exit 0 null", "stdout end", "stderr end"] {
            assert!(pos(&got, line) < close, "{got:?}");
        }
    });
}

// node (stdio ['ignore','pipe','ignore']): ["spawn","stdout data \"out\\n\"","stdout end",
// "exit 0 null","close 0 null"]; stdin and stderr null
#[test]
fn stdio_per_fd_ignore_pipe_ignore() {
    isolated!(stdio_per_fd_ignore_pipe_ignore, || {
        let lp = EventLoop::new().unwrap();
        let log = Log::default();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2"]);
        let opts =
            SpawnOptions::new().stdio(StdioOption::Ignore, StdioOption::Pipe, StdioOption::Ignore);
        let child = spawn_with(&lp.handle(), &mut cmd, opts);
        assert!(child.stdin.is_none() && child.stderr.is_none());
        watch(&log, &child);
        let got = run(&lp, &log);
        assert_eq!(got[..3], ["spawn", "stdout data \"out\\n\"", "stdout end"]);
        assert_eq!(got.len(), 6, "{got:?}");
        assert!(
            pos(&got, "exit 0 null") < pos(&got, "close 0 null"),
            "{got:?}"
        );
    });
}

// node: ["sync","spawn","tick","immediate",...]: 'spawn' is queued as a tick by spawn()
#[test]
fn spawn_is_emitted_on_the_tick_queued_by_spawn() {
    isolated!(spawn_is_emitted_on_the_tick_queued_by_spawn, || {
        let lp = EventLoop::new().unwrap();
        let h = lp.handle();
        let log = Log::default();
        let child = spawn_with(&h, Command::new("sleep").arg("0.2"), ignored());
        watch(&log, &child);
        log.push("sync");
        log.tick(&h, "tick");
        log.imm(&h, "immediate");
        assert_eq!(
            run(&lp, &log),
            [
                "sync",
                "spawn",
                "tick",
                "immediate",
                "exit 0 null",
                "close 0 null"
            ]
        );
    });
}

// node: a child's stdout nobody reads is resumed after 'exit' (flushStdio), so 'close'
// comes; node prints "close 0 null" for 30000 bytes to each with no listeners (more than a
// pipe holds would block the child until read, in Node too)
#[test]
fn unread_output_flows_out_after_exit_so_close_comes() {
    isolated!(unread_output_flows_out_after_exit_so_close_comes, || {
        let lp = EventLoop::new().unwrap();
        let log = Log::default();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "head -c 30000 /dev/zero; head -c 30000 /dev/zero >&2"]);
        let child = spawn_with(&lp.handle(), &mut cmd, SpawnOptions::new());
        let l = log.clone();
        child.on(CLOSE, move |e| l.push(format!("close {}", show(e))));
        assert_eq!(run(&lp, &log), ["close 0 null"]);
    });
}

/// The Result-returning `spawn` reports through `process()` as well, and `wait()` after
/// the loop has run gives the status the loop collected.
#[test]
fn spawn_has_the_same_events_through_process() {
    isolated!(spawn_has_the_same_events_through_process, || {
        let lp = EventLoop::new().unwrap();
        let log = Log::default();
        let child = spawn(&lp.handle(), &mut Command::new("cat")).unwrap();
        watch(&log, child.process());
        child.stdin.end_with("hi");
        let got = run(&lp, &log);
        assert_eq!(got[..2], ["spawn", "stdout data \"hi\""]);
        assert!(
            pos(&got, "exit 0 null") < pos(&got, "close 0 null"),
            "{got:?}"
        );
        assert!(child.wait().unwrap().success());
        assert_eq!(child.process().exit_code(), Some(0));
    });
}

/// A child whose handle is dropped is still reaped by the loop (no zombie, no fd left),
/// and the loop runs until it has exited, as Node's.
#[test]
fn a_dropped_handle_is_still_reaped() {
    isolated!(a_dropped_handle_is_still_reaped, || {
        let lp = EventLoop::new().unwrap();
        let child = spawn_with(
            &lp.handle(),
            Command::new("sleep").arg("0.1"),
            SpawnOptions::new(),
        );
        let pid = child.pid().unwrap();
        drop(child);
        let started = std::time::Instant::now();
        lp.run().unwrap();
        assert!(started.elapsed() >= std::time::Duration::from_millis(90));
        // Reaped: the pid is no child of ours any more.
        let gone = rustix::process::waitpid(
            rustix::process::Pid::from_raw(pid as i32),
            rustix::process::WaitOptions::NOHANG,
        );
        assert_eq!(gone.unwrap_err(), rustix::io::Errno::CHILD);
    });
}

// node: `spawn('sleep', ['10'], {stdio: 'ignore'}).unref()` lets the process end at once,
// with no 'exit'; `ref()` again keeps it alive
#[test]
fn an_unrefed_child_does_not_keep_the_loop_alive() {
    isolated!(an_unrefed_child_does_not_keep_the_loop_alive, || {
        let lp = EventLoop::new().unwrap();
        let log = Log::default();
        let child = spawn_with(&lp.handle(), Command::new("sleep").arg("10"), ignored());
        watch(&log, &child);
        child.unref();
        let started = std::time::Instant::now();
        lp.run().unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(log.get(), ["spawn"]);
        child.ref_();
        assert!(child.kill(Signal::KILL));
        lp.run().unwrap();
        assert_eq!(
            log.get(),
            ["spawn", "exit null SIGKILL", "close null SIGKILL"]
        );
    });
}
