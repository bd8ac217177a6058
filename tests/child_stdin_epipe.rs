//! EPIPE on a child's stdin, as Node handles it: a child that closed its stdin gets a
//! write; the write's callback has `EPIPE`, and with no `'error'` listener the error is
//! uncaught (`run()` returns it); the loop then goes on to the child's `'exit'` and
//! `'close'`. Never a `SIGPIPE` death.
//!
//! Node v20 and v26 print, for `spawn('sh', ['-c', 'exec 0<&-; sleep 0.2'], { stdio:
//! ['pipe', 'ignore', 'ignore'] })` and a 1 MiB write 50 ms later: `write cb EPIPE`,
//! `UNCAUGHT EPIPE`, `stdin close`, `exit 0`, `close`.

mod support;

use std::process::Command;
use std::time::Duration;

use nodestream::child_process::{spawn_with, SpawnOptions, StdioOption, CLOSE, EXIT};
use nodestream::events::CLOSE as STREAM_CLOSE;
use nodestream::EventLoop;
use support::Log;

#[test]
fn a_write_to_a_closed_child_stdin_is_epipe_then_exit_and_close() {
    let _fds = support::fd_lock();
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let log = Log::default();
    let child = spawn_with(
        &lp,
        Command::new("sh").args(["-c", "exec 0<&-; sleep 0.2"]),
        SpawnOptions::new().stdio(StdioOption::Pipe, StdioOption::Ignore, StdioOption::Ignore),
    );
    let stdin = child.stdin.clone().expect("a piped stdin");
    let l = log.clone();
    stdin.on(STREAM_CLOSE, move |_| l.push("stdin close"));
    let l = log.clone();
    child.on(EXIT, move |e| {
        l.push(format!("exit {}", e.code.unwrap_or(-1)))
    });
    let l = log.clone();
    child.on(CLOSE, move |_| l.push("close"));
    let (l, w) = (log.clone(), stdin.clone());
    lp.set_timeout(Duration::from_millis(50), move || {
        let l = l.clone();
        w.write_cb(vec![0u8; 1 << 20], move |e| {
            l.push(format!(
                "write cb {}",
                e.map_or("null".into(), |e| e.code().to_string())
            ))
        });
    });
    drop(stdin);
    loop {
        match el.run() {
            Ok(()) => break,
            Err(e) => log.push(format!("UNCAUGHT {}", e.code())),
        }
    }
    assert_eq!(
        log.get(),
        [
            "write cb EPIPE",
            "UNCAUGHT EPIPE",
            "stdin close",
            "exit 0",
            "close"
        ]
    );
    drop(child);
}
