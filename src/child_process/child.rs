//! A child process with its stdin as a Writable and its stdout as a Readable.

use std::fmt;
use std::process::{Command, ExitStatus};

use super::subprocess::{describe, spawnargs, started, Subprocess};
use crate::error::{Error, Result};
use crate::reactor::LoopHandle;
use crate::stream::readable::Readable;
use crate::stream::FdWritable;
use crate::sys::spawn::{self, Child};

/// A running child process started by [`spawn`].
///
/// `stdin` ends (and its pipe closes, the child's end of file) when the stream is ended or
/// destroyed; `stdout` ends at the child's end of file.
pub struct ChildProcess {
    /// The child's stdin.
    pub stdin: FdWritable,
    /// The child's stdout.
    pub stdout: Readable,
    process: Subprocess,
}

impl fmt::Debug for ChildProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildProcess")
            .field("pid", &self.pid())
            .finish_non_exhaustive()
    }
}

impl ChildProcess {
    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.process.pid().unwrap_or(0)
    }

    /// The child as Node's `ChildProcess`: its events (`'spawn'`, `'exit'`, `'close'`,
    /// `'error'`), [`kill`](Subprocess::kill) with any signal, [`exit_code`](Subprocess::exit_code)
    /// and [`signal_code`](Subprocess::signal_code). Its `stdin` and `stdout` are this
    /// child's; its `stderr` is `None` (inherited).
    pub fn process(&self) -> &Subprocess {
        &self.process
    }

    fn with_child<R>(
        &self,
        f: impl FnOnce(&mut Child) -> std::io::Result<R>,
    ) -> std::io::Result<R> {
        let state = self.process.state();
        let mut child = state.child.borrow_mut();
        match child.as_mut() {
            Some(child) => f(child),
            None => Err(std::io::Error::from_raw_os_error(libc::ECHILD)),
        }
    }

    /// The exit status, if the child has exited (never blocks).
    ///
    /// # Errors
    ///
    /// What `waitpid` reports (syscall `"waitpid"`).
    pub fn try_wait(&self) -> Result<Option<ExitStatus>> {
        let status = self.with_child(Child::try_wait);
        status.map_err(|e| Error::syscall_failed(e, "waitpid"))
    }

    /// Waits for the child to exit. Blocks the thread unless the loop has seen the exit
    /// already: call it after the loop has run (the loop reaps the child and runs until it
    /// has exited), or listen for [`EXIT`](super::EXIT) on [`process`](ChildProcess::process).
    ///
    /// # Errors
    ///
    /// What `waitpid` reports (syscall `"waitpid"`).
    pub fn wait(&self) -> Result<ExitStatus> {
        let status = self.with_child(Child::wait);
        status.map_err(|e| Error::syscall_failed(e, "waitpid"))
    }

    /// Sends `SIGTERM` (Node's `subprocess.kill()`); `false` if the child was already
    /// reaped.
    ///
    /// # Errors
    ///
    /// What `kill` reports, as Node's `kill ESRCH` (syscall `"kill"`).
    pub fn kill(&self) -> Result<bool> {
        let sent = self.with_child(|c| c.kill(rustix::process::Signal::TERM));
        if let Ok(true) = sent {
            self.process.state().killed.set(true);
        }
        sent.map_err(|e| Error::syscall_failed(e, "kill"))
    }
}

/// Starts `command` with its stdin and stdout piped to streams on `lp` (Node's
/// `child_process.spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] })`).
///
/// # Errors
///
/// `ENOENT` for a program that does not exist, as Node reports it: message
/// `spawn no-such-program ENOENT`, [`syscall`](Error::syscall) `"spawn no-such-program"`,
/// [`path`](Error::path) the program; and what making the pipes or registering them
/// reports. No fd is left open and no child left running on failure.
///
/// # Node compatibility
///
/// Node's `spawn` returns a child object at once and emits the failure as its `'error'`
/// event; here the call fails ([`spawn_with`](super::spawn_with) is Node's way). The
/// error carries Node's [`spawnargs`](Error::spawnargs). The child's events are on
/// [`ChildProcess::process`].
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use nodestream::child_process::spawn;
/// use nodestream::stream::readable::{Chunk, DATA};
/// use nodestream::EventLoop;
///
/// let lp = EventLoop::new()?;
/// let child = spawn(&lp.handle(), &mut std::process::Command::new("cat"))?;
/// let got = Rc::new(RefCell::new(Vec::new()));
/// let g = got.clone();
/// child.stdout.on(DATA, move |c: &Chunk| g.borrow_mut().extend_from_slice(c.as_bytes().unwrap()));
/// child.stdin.end_with("meow");
/// lp.run()?;
/// assert_eq!(&*got.borrow(), b"meow");
/// assert!(child.wait()?.success());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn spawn(lp: &LoopHandle, command: &mut Command) -> Result<ChildProcess> {
    let child = match spawn::spawn(command) {
        Ok(child) => child,
        Err(e) => {
            let program = std::path::Path::new(command.get_program());
            return Err(Error::spawn_failed(e, program, spawnargs(command)));
        }
    };
    let (process, setup_error) = started(lp, child, describe(command));
    let fail = |err: Error| {
        if let Some(stdin) = &process.stdin {
            stdin.destroy(None);
        }
        if let Some(stdout) = &process.stdout {
            stdout.destroy(None);
        }
        let mut child = process.state().child.borrow_mut();
        if let Some(child) = child.as_mut() {
            let _ = child.kill(rustix::process::Signal::KILL);
            let _ = child.wait();
        }
        err
    };
    if let Some(err) = setup_error {
        return Err(fail(err));
    }
    let (Some(stdin), Some(stdout)) = (process.stdin.clone(), process.stdout.clone()) else {
        return Err(fail(Error::new(
            crate::ErrorCode::InvalidArgValue,
            "the child has no piped stdio",
        )));
    };
    Ok(ChildProcess {
        stdin,
        stdout,
        process,
    })
}
